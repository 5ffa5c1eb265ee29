"""The EST weekly page: an :class:`~sjobo_geo.analysis.est.EstWeek` as one printable HTML file.

:func:`est_page` draws the map and fills the template ``maps/templates/est_week.html.j2``
(A4 print CSS, one section per printed page, inline SVG bars, the map in an iframe). The
markup and its wording are in the template and in ``core/labels.toml``; this module only
turns the analysis' tables into rows of reader's text (numbers formatted, categories named).

A public page shows :attr:`EstWeek.public_view <sjobo_geo.analysis.est.EstWeek.public_view>`
only, the picture through the privacy gate: small counts as ``<k``, their complements as
``×`` (:data:`sjobo_geo.analysis.privacy.MARKS`), means and p-values only where the gate
shows them, no report, no free text, actors named only when the area profile lists them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.analysis.est import EMERGING_MIN_STEPS, EMERGING_STEPS, LIST_MAX, RISING_MIN

if TYPE_CHECKING:
    from sjobo_geo.analysis.est import EstWeek
    from sjobo_geo.core.area import Area

__all__ = ["est_page"]

#: At most this many places in the page's list of places named most often.
NAMED_MAX = 15

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#ad494a", "#637939", "#843c39")


def _map_html(week: EstWeek, area: Area, *, offline: bool, lang: str) -> str:
    """The period's incidents (public: the cells with at least k) and the rising cells."""
    import folium

    from sjobo_geo.core.i18n import label
    from sjobo_geo.inputs.reports.schema import CATEGORIES
    from sjobo_geo.maps.base import add_geodataframe, add_legend, new_map
    from sjobo_geo.maps.offline import render_map

    public, now = week.public, week.incidents
    view = week.public_view
    # public: only cells with at least k incidents are drawn (and marked when rising)
    if public and view is None:
        raise ValueError("a public page needs the gated picture: analyse_est_week(public=True)")
    cells = view.cells if public else week.cells
    rising = view.rising if public else week.rising
    m = new_map(area, tiles=not offline, lang=lang)
    legend: list[tuple[str, dict[str, Any]]] = []
    if public:
        style = {"color": "#d62728", "fillColor": "#fb9a99", "weight": 1, "fillOpacity": 0.5,
                 "fields": ["count"]}
        add_geodataframe(m, cells, name=label("est_cells", lang), style=style, lang=lang)
        legend.append((label("est_cells", lang), style))
    else:
        pts = now.copy()
        pts["category"] = [CATEGORIES[c].sv if lang == "sv" else CATEGORIES[c].en
                           if c in CATEGORIES else c for c in pts["category"]]
        pts["time"] = pts["timestamp"].dt.strftime("%Y-%m-%d %H:%M").fillna("")
        for i, (cat, group) in enumerate(pts.groupby("category", sort=True)):
            style = {"color": "#333", "fillColor": _COLOURS[i % len(_COLOURS)], "radius": 5,
                     "weight": 1, "fillOpacity": 0.85,
                     "fields": ["report_id", "category", "actor", "time", "place"]}
            add_geodataframe(m, group, name=f"{label('category', lang)}: {cat}", style=style,
                             lang=lang)
            legend.append((f"{cat} ({len(group)})", style))
        for i, (actor, group) in enumerate(pts.groupby("actor", sort=True)):
            style = {"color": _COLOURS[-1 - i % len(_COLOURS)], "radius": 7, "weight": 2,
                     "fill": False, "show": False,
                     "fields": ["report_id", "category", "actor", "time", "place"]}
            add_geodataframe(m, group, name=f"{label('actor', lang)}: {actor}", style=style,
                             lang=lang)
    # the rising places, named (never by their grid id)
    marked = cells[["unit_id", "geometry"]].merge(rising[["unit_id", "place", "count"]],
                                                   on="unit_id")
    style = {"color": "#d62728", "weight": 3, "fill": False, "fields": ["place", "count"]}
    add_geodataframe(m, marked, name=label("est_rising", lang), style=style, lang=lang)
    legend.append((label("est_rising", lang), {"color": "#d62728", "fillColor": "#ffffff"}))
    if week.register is not None:
        from sjobo_geo.maps.measures import add_measures

        add_measures(m, week.register, lang=lang, legend=legend)
    add_legend(m, legend, title=label("legend", lang))
    folium.LayerControl(collapsed=True).add_to(m)
    return render_map(m, offline=offline)


def est_page(week: EstWeek, area: Area, *, lang: str | None = None,
             offline: bool = False) -> str:
    """The whole ``est_week.html``: self-contained, prints on A4 (``est_week.html.j2``).

    Parameters
    ----------
    week : EstWeek
        What :func:`sjobo_geo.analysis.est.analyse_est_week` found. With ``week.public``
        the page shows ``week.public_view`` only: no report, no free text, no figure from
        which a count under ``week.k`` can be recovered (:mod:`sjobo_geo.analysis.privacy`).
    area : Area
        The area of the map.
    lang : {"sv", "en"}, optional
        Language of the page; ``week.lang`` by default (the summary and generated place
        names are in ``week.lang``).
    offline : bool
        Inline the map's scripts and use no web tiles (no network needed to view it).

    Returns
    -------
    str
        The HTML page; every text from the data is escaped.

    Examples
    --------
    >>> from sjobo_geo.analysis.est import analyse_est_week
    >>> week = analyse_est_week(area, reports, week="2024-W40")  # doctest: +SKIP
    >>> html = est_page(week, area, offline=True)  # doctest: +SKIP
    >>> "est-summary" in html  # doctest: +SKIP
    True
    """
    from sjobo_geo.analysis.est import rising_table
    from sjobo_geo.analysis.privacy import HIDDEN, MARKS, SMALL, GatedTable
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.reports.schema import CATEGORIES
    from sjobo_geo.maps.page import labeller, render_page

    lang = check_lang(lang or week.lang)
    public, k = week.public, week.k
    view = week.public_view
    if public and view is None:
        raise ValueError("a public page needs the gated picture: analyse_est_week(public=True)")

    def dec(v: float) -> str:
        return f"{v:.1f}".replace(".", ",") if lang == "sv" else f"{v:.1f}"

    def pval(v: float) -> str:
        return f"{v:.2g}".replace(".", ",") if lang == "sv" else f"{v:.2g}"

    def count_rows(frame: pd.DataFrame, names: dict[str, str] | None) -> list[dict[str, Any]]:
        """Internal rows: every count as it is."""
        rows = []
        for key, row in frame[week.period_labels].iterrows():
            vals = row.to_numpy(dtype=float)
            mean = float(frame.at[key, "prev_mean"])
            rows.append({
                "name": names.get(key, key) if names else key,
                "counts": ["–" if np.isnan(v) else f"{v:g}" for v in vals],
                "mean": "–" if np.isnan(mean) else dec(mean),
                "bars": [None if np.isnan(v) else float(v) for v in vals],
                "title": str(key)})
        return rows

    def gated_rows(table: GatedTable, order: pd.Index, names: dict[str, str] | None
                   ) -> list[dict[str, Any]]:
        """Public rows: what the gate shows, marks for the rest (largest first)."""
        rows = []
        for key in order:
            mean = float(table.mean[key])
            hidden_mean = table.state.loc[key, week.period_labels[:-1]].isin(
                [SMALL, HIDDEN]).any()
            rows.append({
                "name": names.get(key, key) if names else key,
                "counts": [table.text(key, c) for c in week.period_labels],
                "mean": MARKS[HIDDEN] if hidden_mean else "–" if np.isnan(mean) else dec(mean),
                "bars": [None if np.isnan(v) else float(v)
                         for v in table.counts.loc[key, week.period_labels]],
                "title": str(key)})
        return rows

    cat_names = {c: (CATEGORIES[c].sv if lang == "sv" else CATEGORIES[c].en)
                 for c in week.by_category.index if c in CATEGORIES}
    emerging = week.params["emerging_periods"] >= EMERGING_MIN_STEPS
    rising_frame = view.rising if public else week.rising
    table = rising_table(rising_frame.head(LIST_MAX), lang, emerging=emerging)
    rising = [{"status": r.status, "pattern": r.pattern, "place": r.place,
               "count": f"{r.count:g}",
               "prev_mean": MARKS[HIDDEN] if np.isnan(r.prev_mean) else dec(r.prev_mean),
               "p": MARKS[HIDDEN] if np.isnan(r.p) else pval(r.p),
               "q": MARKS[HIDDEN] if np.isnan(r.q) else pval(r.q)}
              for r in table.itertuples(index=False)]
    if public:
        by_category = gated_rows(view.by_category, _largest_first(view.by_category,
                                                                  week.period_labels[-1]),
                                 cat_names)
        by_actor = gated_rows(view.by_actor, _largest_first(view.by_actor,
                                                            week.period_labels[-1]), None)
        totals = [None if np.isnan(v) else float(v) for v in view.totals]
        named = view.named
    else:
        by_category = count_rows(week.by_category, cat_names)
        by_actor = count_rows(week.by_actor, None)
        totals = [None if np.isnan(v) else float(v) for v in week.totals]
        named = week.named
    dups = week.duplicates
    if public:
        n_dups = MARKS[SMALL].format(k=k) if view.duplicates is None else str(view.duplicates)
    else:
        n_dups = str(len(dups))
    context = {
        "L": labeller(lang), "lang": lang, "period": week.period, "period_label": week.label,
        "area_name": area.name, "generated": f"{dt.date.today():%Y-%m-%d}",
        "synthetic": week.synthetic, "public": public, "k": k, "files": week.source_files,
        "rejected": week.rejected, "summary": week.summary,
        "map_html": _map_html(week, area, offline=offline, lang=lang),
        "labels": week.period_labels,
        "totals": totals,
        "previous_covered": week.params["previous_covered"],
        "n_previous": week.params["n_previous"],
        "by_category": by_category,
        "by_actor": by_actor,
        "rising": rising, "rising_min": RISING_MIN, "emerging_steps": EMERGING_STEPS,
        "emerging_periods": week.params["emerging_periods"],
        "named": [{"place": p, "count": str(int(n))}
                  for p, n in named.head(NAMED_MAX).itertuples(index=False)],
        "duplicates": [] if public else _duplicate_rows(week, cat_names),
        "n_duplicates": n_dups,
        "more_duplicates": max(len(dups) - LIST_MAX, 0),
        "measures": None if week.measures is None else _measure_rows(week.measures, lang),
    }
    return render_page("est_week.html.j2", **context)


def _largest_first(table: Any, column: str) -> pd.Index:
    """Rows by their shown count in ``column``, largest first (hidden ones last, by key):
    the order must not tell how large a hidden count is."""
    shown = table.counts[column]
    return pd.Index([*shown.dropna().sort_values(ascending=False, kind="stable").index,
                     *sorted(shown.index[shown.isna()], key=str)])


def _duplicate_rows(week: EstWeek, cat_names: dict[str, str]) -> list[dict[str, Any]]:
    """The first LIST_MAX probable duplicates, each with the report it probably repeats."""
    now = week.incidents
    first = now.drop_duplicates("report_id")
    by_id = dict(zip(first["report_id"].astype(str), first.itertuples(index=False),
                     strict=True))
    rows = []
    for r in week.duplicates.head(LIST_MAX).itertuples(index=False):
        o = by_id.get(r.probable_duplicate_of)
        rows.append({
            "id": r.report_id, "actor": r.actor, "category": cat_names.get(r.category,
                                                                           r.category),
            "time": f"{r.timestamp:%Y-%m-%d %H:%M}", "place": r.place, "text": r.text or "",
            "duplicate_of": r.probable_duplicate_of,
            "original": None if o is None else {"actor": o.actor,
                                                 "time": f"{o.timestamp:%H:%M}"}})
    return rows


def _measure_rows(measures: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """The period's measures in the reader's words (never the note)."""
    from sjobo_geo.inputs.measures import MEASURE_KINDS, MEASURE_STATUSES

    rows = []
    for r in measures.itertuples(index=False):
        kind, status = MEASURE_KINDS.get(r.kind), MEASURE_STATUSES.get(r.status)
        rows.append({
            "id": r.measure_id, "promise": r.promise,
            "kind": (kind.sv if lang == "sv" else kind.en) if kind else r.kind,
            "place": r.place, "owner": r.owner,
            "date": "" if pd.isna(r.date) else f"{pd.Timestamp(r.date):%Y-%m-%d}",
            "status": (status.sv if lang == "sv" else status.en) if status else r.status})
    return rows
