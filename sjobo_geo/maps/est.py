"""The EST weekly page: an :class:`~sjobo_geo.analysis.est.EstWeek` as one printable HTML file.

:func:`est_page` draws the map and fills the template ``maps/templates/est_week.html.j2``
(A4 print CSS, one section per printed page, inline SVG bars, the map in an iframe). The
markup and its wording are in the template and in ``core/labels.toml``; this module only
turns the analysis' tables into rows of reader's text (numbers formatted, categories named,
public counts under ``k`` shown as ``<k``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.analysis.est import EMERGING_STEPS, LIST_MAX

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

    public, now, rising = week.public, week.incidents, week.rising
    # public: only cells with at least k incidents are drawn (and marked when rising)
    cells = week.cells[week.cells["count"] >= week.k] if public else week.cells
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
    marked = cells[cells["unit_id"].isin(rising["unit_id"])] if len(rising) else cells.iloc[:0]
    style = {"color": "#d62728", "weight": 3, "fill": False, "fields": ["unit_id", "count"]}
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
        the page shows no report, no free text and no count under ``week.k`` (``<k``).
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
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.reports.schema import CATEGORIES
    from sjobo_geo.maps.page import labeller, render_page

    lang = check_lang(lang or week.lang)
    public, k = week.public, week.k

    def small(v: float) -> str:
        """A count for the reader: "–" without data, "<k" when public and under k."""
        if np.isnan(v):
            return "–"
        return f"<{k}" if public and 0 < v < k else f"{v:g}"

    def count_rows(frame: pd.DataFrame, names: dict[str, str] | None) -> list[dict[str, Any]]:
        rows = []
        for key, row in frame[week.period_labels].iterrows():
            vals = row.to_numpy(dtype=float)
            mean = float(frame.at[key, "prev_mean"])
            rows.append({
                "name": names.get(key, key) if names else key,
                "counts": [small(v) for v in vals],
                "mean": "–" if np.isnan(mean) else f"{mean:.1f}",
                "bars": [None if np.isnan(v) or (public and 0 < v < k) else float(v)
                         for v in vals],
                "title": str(key)})
        return rows

    cat_names = {c: (CATEGORIES[c].sv if lang == "sv" else CATEGORIES[c].en)
                 for c in week.by_category.index if c in CATEGORIES}
    rising = [{"status": r.status, "pattern": r.pattern, "place": r.place, "cell": r.unit_id,
               "count": small(float(r.count)), "prev_mean": f"{r.prev_mean:.1f}",
               "p": "" if np.isnan(r.p) else f"{r.p:.2g}"}
              for r in week.rising.head(LIST_MAX).itertuples(index=False)]
    named = week.named[week.named["count"] >= k] if public else week.named
    dups = week.duplicates
    context = {
        "L": labeller(lang), "lang": lang, "period": week.period, "period_label": week.label,
        "area_name": area.name, "generated": f"{dt.date.today():%Y-%m-%d}",
        "synthetic": week.synthetic, "public": public, "k": k, "files": week.source_files,
        "rejected": week.rejected, "summary": week.summary,
        "map_html": _map_html(week, area, offline=offline, lang=lang),
        "labels": week.period_labels,
        "totals": [None if np.isnan(v) else float(v) for v in week.totals],
        "previous_covered": week.params["previous_covered"],
        "n_previous": week.params["n_previous"],
        "by_category": count_rows(week.by_category, cat_names),
        "by_actor": count_rows(week.by_actor, None),
        "rising": rising, "emerging_steps": EMERGING_STEPS,
        "emerging_periods": week.params["emerging_periods"],
        "named": [{"place": p, "count": str(int(n))}
                  for p, n in named.head(NAMED_MAX).itertuples(index=False)],
        "duplicates": [] if public else _duplicate_rows(week, cat_names),
        "n_duplicates": len(dups),
        "more_duplicates": max(len(dups) - LIST_MAX, 0),
        "measures": None if week.measures is None else _measure_rows(week.measures, lang),
    }
    return render_page("est_week.html.j2", **context)


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
