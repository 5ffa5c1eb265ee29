"""TODO docstring."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from sjobo_geo.analysis.est import EMERGING_STEPS, LIST_MAX, N_PREVIOUS, summary_text  # MOVED

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#ad494a", "#637939", "#843c39")


def _map_html(model: Any, now: pd.DataFrame, cells: pd.DataFrame, rising: pd.DataFrame, *,
              public: bool, offline: bool, lang: str, measures: Any = None) -> str:
    import folium

    from sjobo_geo.core.i18n import label
    from sjobo_geo.inputs.reports.schema import CATEGORIES
    from sjobo_geo.maps.base import add_geodataframe, add_legend, new_map
    from sjobo_geo.maps.offline import render_map

    m = new_map(model, tiles=not offline, lang=lang)
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
    if measures is not None:
        from sjobo_geo.maps.measures import add_measures

        add_measures(m, measures, lang=lang, legend=legend)
    add_legend(m, legend, title=label("legend", lang))
    folium.LayerControl(collapsed=True).add_to(m)
    return render_map(m, offline=offline)


def _measures_section(ms: Any, bounds: tuple[pd.Timestamp, pd.Timestamp] | None,
                      lang: str) -> str:
    """Measures done in the period, and those planned or in progress (never the note)."""
    from sjobo_geo.core.i18n import label
    from sjobo_geo.inputs.measures import MEASURE_KINDS, MEASURE_STATUSES
    from sjobo_geo.maps.base import escape_text as esc
    from sjobo_geo.maps.page import html_table

    m = ms.measures
    date = pd.to_datetime(m["date"])
    in_period = ((date >= bounds[0]) & (date < bounds[1]) if bounds
                 else pd.Series(False, index=m.index))
    open_ = m["status"].isin(["planned", "in_progress"])
    rows = []
    for r in m[in_period | open_].sort_values("date").itertuples(index=False):
        kind, status = MEASURE_KINDS.get(r.kind), MEASURE_STATUSES.get(r.status)
        rows.append([esc(r.measure_id), esc(r.promise),
                     esc((kind.sv if lang == "sv" else kind.en) if kind else r.kind),
                     esc(r.place), esc(r.owner),
                     "" if pd.isna(r.date) else f"{pd.Timestamp(r.date):%Y-%m-%d}",
                     esc((status.sv if lang == "sv" else status.en) if status else r.status)])
    body = (html_table([esc(label(k, lang)) for k in ("measure_id", "measure_promise",
                                                         "measure_kind", "measure_place",
                                                         "measure_owner", "measure_date",
                                                         "measure_status")], rows)
            if rows else f"<p>{esc(label('est_no_measures', lang))}</p>")
    return f'<h2>{esc(label("est_measures", lang))}</h2>{body}'


def est_page(model: Any, now: pd.DataFrame, cells: pd.DataFrame, rising: pd.DataFrame,
          dups: pd.DataFrame, named: pd.Series, by_cat: pd.DataFrame, by_actor: pd.DataFrame,
          totals: list[float | None], plabels: list[str], have: np.ndarray, *, period: str,
          public: bool, k: int, offline: bool, lang: str, synthetic: bool,
          files: list[str], rejected: int, n_steps: int, measures: Any = None,
          bounds: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> str:
    from sjobo_geo.core.i18n import label
    from sjobo_geo.inputs.reports.schema import CATEGORIES
    from sjobo_geo.maps.base import escape_text as esc
    from sjobo_geo.maps.page import PRINT_CSS, bars_svg, html_table, map_iframe

    L = lambda key: esc(label(key, lang))  # noqa: E731

    def small(v: float) -> str:
        if np.isnan(v):
            return "–"
        return f"&lt;{k}" if public and 0 < v < k else f"{v:g}"

    def count_rows(frame: pd.DataFrame, names: dict[str, str] | None) -> list[list[str]]:
        rows = []
        for key, row in frame.iterrows():
            vals = row.to_numpy(dtype=float)
            prev = vals[:-1][~np.isnan(vals[:-1])]
            mean = f"{prev.mean():.1f}" if len(prev) else "–"
            bars = bars_svg([None if np.isnan(v) or (public and 0 < v < k) else float(v)
                              for v in vals], plabels, width=120, height=24, title=str(key))
            rows.append([esc(names.get(key, key) if names else key),
                         *[small(v) for v in vals], mean, bars])
        return rows

    cat_names = {c: (CATEGORIES[c].sv if lang == "sv" else CATEGORIES[c].en)
                 for c in by_cat.index if c in CATEGORIES}
    header = [L("category"), *[esc(p) for p in plabels], L("est_prev_mean"), ""]
    mark = (f'<p class="synthetic">{L("est_synthetic")}</p>' if synthetic else "")
    summary = esc(summary_text(now, totals, rising, dups, by_cat, plabels[-1], period, lang,
                                       public, k))
    map_page = _map_html(model, now, cells, rising, public=public, offline=offline, lang=lang,
                         measures=measures)
    total_svg = bars_svg(totals, plabels, width=520, height=90, title=label("est_total", lang))
    coverage = "" if have.all() else (
        '<p class="muted">'
        + esc(label("est_coverage", lang).format(n=int(have[:-1].sum()), m=N_PREVIOUS))
        + "</p>")

    # rising
    def status_text(status: str) -> str:
        return "" if not status else label("est_new" if status == "new" else "est_up", lang)

    def pattern_text(pattern: str) -> str:
        return label("em_" + pattern.replace(" ", "_"), lang) if pattern else ""

    if len(rising):
        rrows = [[esc(status_text(r.status)), esc(pattern_text(r.pattern)),
                  esc(r.place) if not public else "", esc(r.unit_id), small(float(r["count"])),
                  f"{r.prev_mean:.1f}", "" if np.isnan(r.p) else f"{r.p:.2g}"]
                 for _, r in rising.head(LIST_MAX).iterrows()]
        rising_html = html_table([L("est_status"), L("est_pattern"), L("est_place"), L("est_cell"),
                              esc(plabels[-1]), L("est_prev_mean"), "p"], rrows)
    else:
        rising_html = f"<p>{L('est_none_rising')}</p>"
    rule = (f'<p class="muted">{L("est_rule")} '
            f'{esc(label("est_rule_emerging", lang).format(n=EMERGING_STEPS))} '
            f'{esc(label("est_steps", lang).format(n=n_steps))}</p>')
    source_note = ('<p class="muted">' + L("est_files") + ": " + esc(", ".join(files))
                   + (" · " + esc(label("est_rejected", lang).format(n=rejected))
                      if rejected else "") + "</p>")

    # places named most often
    if public:
        named = named[named >= k]
    prow = [[esc(p), str(int(n))] for p, n in named.head(15).items()]
    places_html = html_table([L("est_place"), L("est_count")], prow) if prow else "<p>–</p>"

    # duplicates
    if public:
        dup_html = f"<p>{esc(label('est_dups_public', lang).format(n=len(dups)))}</p>"
    elif len(dups):
        by_id = now.set_index(now["report_id"].astype(str))
        drows = []
        for _, r in dups.head(LIST_MAX).iterrows():
            o = by_id.loc[r.probable_duplicate_of] if r.probable_duplicate_of in by_id.index \
                else None
            drows.append([
                esc(r.report_id), esc(r.actor), esc(cat_names.get(r.category, r.category)),
                esc(f"{r.timestamp:%Y-%m-%d %H:%M}"), esc(r.place), esc(r.text or ""),
                esc(r.probable_duplicate_of) + ("" if o is None else
                                                f" ({esc(o.actor)}, {o.timestamp:%H:%M})")])
        more = ('<p class="muted">'
                + esc(label("est_more_csv", lang).format(n=len(dups) - LIST_MAX)) + "</p>"
                if len(dups) > LIST_MAX else "")
        dup_html = html_table([L("est_id"), L("actor"), L("category"), L("time"), L("est_place"),
                           L("report_text"), L("est_dup_of")], drows) + more
    else:
        dup_html = f"<p>{L('est_no_dups')}</p>"
    dup_rule = f'<p class="muted">{L("est_dup_rule")}</p>'
    measures_html = _measures_section(measures, bounds, lang) if measures is not None else ""

    title = f"{label('est_title', lang)} · {label(f'est_{period}', lang)} {plabels[-1]}"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{PRINT_CSS}</style></head>
<body>
<section id="summary">
<h1>{esc(title)}</h1>
{mark}
<p class="muted">{esc(model.name)} · {L("est_generated")} {dt.date.today():%Y-%m-%d}</p>
{source_note}
<p class="summary" id="est-summary">{summary}</p>
{map_iframe(map_page, label("est_map", lang))}
</section>
<section id="counts" class="break">
<h2>{L("est_counts")}</h2>{mark}{coverage}
{total_svg}
{html_table(header, count_rows(by_cat, cat_names), "counts")}
<h2>{L("actor")}</h2>
{html_table([L("actor"), *header[1:]], count_rows(by_actor, None), "counts")}
</section>
<section id="rising" class="break">
<h2>{L("est_rising")}</h2>{mark}
{rising_html}{rule}
<h2>{L("est_named")}</h2>
{places_html}
</section>
<section id="duplicates" class="break">
<h2>{L("est_dups")}</h2>{mark}
{dup_html}{dup_rule}
{measures_html}
</section>
</body></html>
"""
