"""The follow-up page: one printable HTML file with a summary, a map and a table per measure."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.measures import MeasureSet
    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = ["VERDICT_COLOURS", "follow_up_page"]

#: Colour of each verdict on the map and in the table.
VERDICT_COLOURS = {"fewer": "#1a9850", "more": "#d73027", "like_elsewhere": "#fdae61",
                   "no_clear_change": "#8c8c8c", "too_few": "#c7c7c7",
                   "too_little_time": "#c7c7c7", "not_done": "#e0e0e0"}


def _map_html(table: pd.DataFrame, ms: MeasureSet, area: Area, zones: Any, *,
              offline: bool, lang: str) -> str:
    import folium

    from sjobo_geo.core.i18n import label
    from sjobo_geo.maps.base import add_geodataframe, add_legend, new_map
    from sjobo_geo.maps.measures import add_measures
    from sjobo_geo.maps.offline import render_map

    m = new_map(area, tiles=not offline, lang=lang)
    zones = zones[["measure_id", "geometry"]].copy()
    zones["verdict"] = [label(f"fu_v_{v}", lang) for v in table["verdict"]]
    legend: list[tuple[str, dict[str, Any]]] = []
    for code in VERDICT_COLOURS:
        part = zones[table["verdict"].to_numpy() == code]
        if part.empty:
            continue
        style = {"color": VERDICT_COLOURS[code], "fillColor": VERDICT_COLOURS[code],
                 "weight": 2, "fillOpacity": 0.35, "fields": ["measure_id", "verdict"]}
        add_geodataframe(m, part, name=f"{label('fu_zone', lang)}: {label(f'fu_v_{code}', lang)}",
                         style=style, lang=lang)
        legend.append((label(f"fu_v_{code}", lang), style))
    add_measures(m, ms, lang=lang, legend=legend)
    add_legend(m, legend, title=label("legend", lang))
    folium.LayerControl(collapsed=True).add_to(m)
    return render_map(m, offline=offline)


def follow_up_page(table: pd.DataFrame, ms: MeasureSet, area: Area, rs: ReportSet,
                   zones: Any, *, radius: float, public: bool, k: int, offline: bool,
                   lang: str) -> str:
    """The whole ``follow_up.html`` (self-contained; prints on A4); ``zones`` holds each
    measure's zone (``measure_id`` and geometry, in the order of ``table``)."""
    from sjobo_geo.analysis.follow_up import VERDICTS
    from sjobo_geo.core.i18n import label
    from sjobo_geo.inputs.measures import MEASURE_KINDS, MEASURE_STATUSES
    from sjobo_geo.maps.base import escape_text as esc
    from sjobo_geo.maps.page import PRINT_CSS, bars_svg, html_table, map_iframe

    def L(key: str) -> str:  # noqa: N802
        return esc(label(key, lang))

    def count(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return "–"
        v = int(v)
        return f"&lt;{k}" if public and 0 < v < k else str(v)

    def num(v: Any, fmt: str = ".2f") -> str:
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            return "–" if v is None or np.isnan(v) else "∞"
        text = format(float(v), fmt)
        return text.replace(".", ",") if lang == "sv" else text

    def pval(v: Any) -> str:
        return "–" if v is None or not np.isfinite(v) else (
            "&lt;0,001" if lang == "sv" and v < 0.001 else "&lt;0.001" if v < 0.001
            else num(v, ".3f"))

    synthetic = bool(rs.synthetic)
    mark = f'<p class="synthetic">{L("est_synthetic")}</p>' if synthetic else ""
    verdicts = table["verdict"].value_counts()
    summary = label("fu_summary", lang).format(n=len(table)) + " " + ", ".join(
        f"{int(verdicts[v])} {label(f'fu_s_{v}', lang)}" for v in VERDICTS
        if v in verdicts) + "."

    rows = []
    for r in table.itertuples(index=False):
        kind = MEASURE_KINDS.get(r.kind)
        status = MEASURE_STATUSES.get(r.status)
        date = "" if pd.isna(r.date) else f"{pd.Timestamp(r.date):%Y-%m-%d}"
        colour = VERDICT_COLOURS.get(r.verdict, "#fff")
        windows = ("" if not r.season else
                   f"{r.before_from} – {r.before_to}<br>{r.after_from} – {r.after_to}<br>"
                   f'<span class="muted">{L("fu_season_" + r.season)}</span>')
        change = "–"
        if np.isfinite(r.before) and np.isfinite(r.after):
            bars = bars_svg([None if public and 0 < r.before < k else float(r.before),
                             None if public and 0 < r.after < k else float(r.after)],
                            [label("fu_before", lang), label("fu_after", lang)], width=60,
                            height=28, title=str(r.measure_id))
            change = f"{count(r.before)} → {count(r.after)} {bars}"
            if np.isfinite(r.rate_ratio) or r.rate_ratio == np.inf:
                change += (f"<br>{L('fu_ratio')} {num(r.rate_ratio)} "
                           f"({num(r.ratio_low)}–{num(r.ratio_high)}), p {pval(r.p_time)}")
        control = "–"
        if np.isfinite(r.control_before):
            control = (f"{count(r.control_before)} → {count(r.control_after)} "
                       f"({int(r.control_cells)} {L('fu_cells')})")
            if np.isfinite(r.relative_change):
                control += (f"<br>{L('fu_relative')} {num(r.relative_change)}, "
                            f"q {pval(r.q_control)}")
        surveys = "–"
        if r.survey_verdict and r.survey_verdict != "no_survey":
            surveys = (f"{count(r.survey_before)}/{int(r.survey_total_before)} → "
                       f"{count(r.survey_after)}/{int(r.survey_total_after)}"
                       f"<br>{L('fu_sv_' + r.survey_verdict)}"
                       + (f", p {pval(r.p_survey)}" if np.isfinite(r.p_survey) else ""))
        elif r.survey_verdict == "no_survey":
            surveys = L("fu_sv_no_survey")
        rows.append([
            esc(r.measure_id) + (f"<br>{L('fu_promise')} {esc(r.promise)}" if r.promise else ""),
            esc(kind.sv if kind and lang == "sv" else kind.en if kind else r.kind)
            + "<br>" + esc(r.place),
            esc(date) + "<br>" + esc(status.sv if status and lang == "sv"
                                     else status.en if status else r.status),
            windows, change, control, surveys,
            f'<span class="verdict" style="border-left:6px solid {colour};padding-left:3px">'
            f"{L('fu_v_' + r.verdict)}</span>",
        ])
    header = [L("fu_measure"), L("fu_kind_place"), L("fu_date_status"), L("fu_windows"),
              L("fu_reports"), L("fu_control"), L("fu_survey"), L("fu_verdict")]
    map_page = _map_html(table, ms, area, zones, offline=offline, lang=lang)
    method = label("fu_method", lang).format(radius=int(radius), min=table.attrs.get(
        "min_reports", ""), data_from=table.attrs.get("data_from", ""),
        data_to=table.attrs.get("data_to", ""))
    title = label("fu_title", lang)
    files = esc(rs.source_file) + " · " + esc(ms.source_file)
    accounting = esc(label("fu_accounting", lang).format(
        r_ok=rs.accepted, r_total=rs.total, m_ok=ms.accepted, m_total=ms.total))
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{PRINT_CSS}
.fu td{{font-size:8.5pt}}</style></head>
<body>
<section id="summary">
<h1>{esc(title)}</h1>
{mark}
<p class="muted">{esc(area.name)} · {L("est_generated")} {dt.date.today():%Y-%m-%d}<br>
{files}<br>{accounting}</p>
<p class="summary" id="fu-summary">{esc(summary)}</p>
{map_iframe(map_page, label("fu_map", lang))}
</section>
<section id="measures" class="break">
<h2>{L("fu_table")}</h2>{mark}
{html_table(header, rows, "fu")}
<p class="muted" id="fu-method">{esc(method)}</p>
</section>
</body></html>
"""
