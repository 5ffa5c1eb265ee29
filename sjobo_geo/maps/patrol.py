"""The patrol map (Folium) and the printable patrol sheet (PNG), drawn from a patrol plan.

Both take the :class:`~sjobo_geo.analysis.patrol.plan.PatrolPlanResult` of
:func:`~sjobo_geo.analysis.patrol.plan.plan_patrol` (stops, route, start, areas,
candidates) and compute nothing of their own.

Layers (registered in ``window.SJOBO_LAYERS``): ``pt_areas`` (patrol areas), ``pt_route``
(the walking route), ``pt_stops`` (numbered stops; popups with the arrival clock time,
priority and why in words), ``pt_start``, ``pt_candidates`` (candidates not chosen, with
why not when they are among the highest ranked) and ``pt_unreachable``. A panel
(``#sjobo-patrol-top``) lists the 10 units ranked highest for police presence, each with
the stop that visits it or the reason why not (:attr:`PatrolPlanResult.top_units`); the
sheet prints the same list. Reasons and whys are words of the page's language
(:func:`~sjobo_geo.analysis.patrol.explain.reason_text`,
:func:`~sjobo_geo.analysis.patrol.explain.why_text`). All text from data is HTML-escaped
(:func:`~sjobo_geo.maps.base.escape_text`). Synthetic input puts a banner on the page and a
label on the sheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo import settings
from sjobo_geo.analysis.patrol.explain import reason_text, why_text
from sjobo_geo.core.i18n import check_lang, label
from sjobo_geo.maps.base import add_layer_registry, add_legend, escape_text, new_map

if TYPE_CHECKING:
    import folium
    from matplotlib.figure import Figure

    from sjobo_geo.analysis.patrol.plan import PatrolPlanResult
    from sjobo_geo.core.area import Area

__all__ = ["add_top_units_panel", "patrol_map", "patrol_png", "patrol_sheet"]

ROUTE_COLOUR = "#c51b7d"
STOP_COLOUR = "#54278f"
AREA_COLOUR = "#fdae61"


def _popup(row: Any, lang: str) -> str:
    r = row._asdict()
    items = [(label("pt_stop", lang), row.stop), (label("pt_street", lang), row.nearest_street),
             (label("pt_arrival", lang), r.get("arrival") or f"{row.arrival_min:g}"),
             (label("pt_priority", lang), f"{row.priority:.2f}"),
             (label("pt_why", lang), why_text(r, lang) if "factors" in r else row.why),
             (label("pt_peak_hours", lang), row.peak_hours)]
    return "".join(f"<b>{escape_text(k)}</b>: {escape_text(v)}<br>" for k, v in items if v != "")


def _why_not(result: PatrolPlanResult, lang: str) -> dict[str, str]:
    """unit_id -> why it is not visited (or where it is), for the highest-ranked units."""
    top = result.top_units
    if top is None or top.empty:
        return {}
    return {str(r["unit_id"]): reason_text(r, lang) for r in top.to_dict("records")}


def _top_rows(result: PatrolPlanResult, lang: str) -> list[tuple[int, str, float, int, str]]:
    """(rank, place, score, reports, visited or why not) of the highest-ranked units."""
    top = result.top_units
    if top is None or top.empty:
        return []
    return [(int(r["rank"]), str(r["nearest_street"] or r["unit_id"]),
             float(r["police_score"]), int(r["n_reports"]), reason_text(r, lang))
            for r in top.to_dict("records")]


def add_top_units_panel(m: folium.Map, result: PatrolPlanResult, *,
                        lang: str | None = None) -> None:
    """A panel (``#sjobo-patrol-top``) with the units ranked highest for police presence:
    rank, place, score, reports and the stop that visits it or why not (words of ``lang``).

    Examples
    --------
    >>> add_top_units_panel(m, patrol, lang="en")  # doctest: +SKIP
    """
    import folium

    lang = check_lang(lang)
    rows = _top_rows(result, lang)
    if not rows:
        return
    head = "".join(f"<th style=\"text-align:left;padding:1px 4px\">{escape_text(h)}</th>"
                   for h in (label("pt_rank", lang), label("pt_street", lang),
                             label("pt_score", lang), label("hs_n_reports", lang),
                             label("pt_visit", lang)))
    body = "".join(
        f'<tr class="sjobo-patrol-top-row" data-rank="{rank}">'
        f'<td style="padding:1px 4px">{rank}</td><td style="padding:1px 4px">'
        f"{escape_text(place)}</td><td style=\"padding:1px 4px\">{score:.2f}</td>"
        f'<td style="padding:1px 4px">{n}</td><td style="padding:1px 4px">'
        f"{escape_text(why)}</td></tr>" for rank, place, score, n, why in rows)
    title = label("pt_top_title", lang).format(n=len(rows))
    start = label("pt_start_at", lang).format(time=result.start_time)
    m.get_root().html.add_child(folium.Element(  # type: ignore[attr-defined]
        '<details id="sjobo-patrol-top" open style="position:fixed;top:80px;left:10px;'
        "z-index:900;background:rgba(255,255,255,.94);padding:6px 10px;font:12px sans-serif;"
        'border:1px solid #999;border-radius:4px;max-width:560px;max-height:45vh;'
        'overflow:auto;">'
        f"<summary><b>{escape_text(title)}</b> · {escape_text(start)}</summary>"
        f'<table style="border-collapse:collapse;margin-top:4px"><tr>{head}</tr>{body}'
        "</table></details>"))


def patrol_map(result: PatrolPlanResult, area: Area, *, lang: str | None = None,
               tiles: bool = True, measures: Any = None) -> folium.Map:
    """A Folium map of the plan: route, numbered stops with popups, areas and candidates.

    ``measures`` (a :class:`~sjobo_geo.inputs.measures.MeasureSet` or its table) adds the
    measures register as a layer of its own (:func:`sjobo_geo.maps.measures.add_measures`).

    Examples
    --------
    >>> patrol = plan_patrol(area, reports)  # doctest: +SKIP
    >>> patrol_map(patrol, area, lang="en")  # doctest: +SKIP
    """
    import folium

    from sjobo_geo.maps.reports import add_synthetic_banner

    lang = check_lang(lang)
    m = new_map(area, tiles=tiles, lang=lang)
    if result.synthetic:
        add_synthetic_banner(m, lang)
    crs = settings.map_crs
    registry: dict[str, tuple[Any, int]] = {}

    g = folium.FeatureGroup(name=label("pt_areas", lang), show=True).add_to(m)
    for r in result.areas.to_crs(crs).itertuples():
        tip = (f"<b>{escape_text(label('pt_area', lang))} {int(r.area_id)}</b><br>"
               f"{escape_text(label('pt_priority', lang))}: {r.priority:.2f}<br>"
               f"{escape_text(label('pt_peak_hours', lang))}: {escape_text(r.peak_hours)}<br>"
               f"{escape_text(label('pt_weekdays', lang))}: {escape_text(r.weekdays)}")
        folium.GeoJson(r.geometry.__geo_interface__, tooltip=folium.Tooltip(tip),
                       style_function=lambda _f: {"color": AREA_COLOUR, "weight": 1.5,
                                                  "fillColor": AREA_COLOUR,
                                                  "fillOpacity": 0.15}).add_to(g)
    registry["pt_areas"] = (g, len(result.areas))

    g = folium.FeatureGroup(name=label("pt_route", lang), show=True).add_to(m)
    line = result.route.to_crs(crs).geometry.iloc[0]
    folium.PolyLine([(y, x) for x, y in np.asarray(line.coords)[:, :2]], color=ROUTE_COLOUR,
                    weight=4, opacity=0.85).add_to(g)
    registry["pt_route"] = (g, 1)

    others = result.candidates
    why_not = _why_not(result, lang)
    max_snap = float(result.top_units["max_snap_m"].iloc[0]) \
        if result.top_units is not None and len(result.top_units) else 150.0
    for key, status, colour in (("pt_candidates", "not chosen", "#777777"),
                                ("pt_unreachable", "unreachable", "#d7301f")):
        sub = others[others["status"] == status].to_crs(crs)
        g = folium.FeatureGroup(name=label(key, lang), show=True).add_to(m)
        for r in sub.itertuples():
            d = r._asdict()
            why = why_text(d, lang) if "factors" in d else r.why
            reason = why_not.get(str(r.unit_id))
            if reason is None and status == "unreachable":
                reason = reason_text({"reason": "unreachable", "snap_m": r.snap_m,
                                      "max_snap_m": max_snap}, lang)
            tip = (f"{escape_text(r.nearest_street or r.unit_id)}<br>"
                   f"{escape_text(label('pt_priority', lang))}: {r.priority:.2f}<br>"
                   f"{escape_text(why)}"
                   + (f"<br><i>{escape_text(reason)}</i>" if reason else ""))
            folium.CircleMarker([r.geometry.y, r.geometry.x], radius=5, color=colour,
                                fill=True, fill_opacity=0.5,
                                tooltip=folium.Tooltip(tip)).add_to(g)
        registry[key] = (g, len(sub))

    g = folium.FeatureGroup(name=label("pt_stops", lang), show=True).add_to(m)
    for r in result.stops.to_crs(crs).itertuples():
        icon = folium.DivIcon(
            html=(f'<div class="sjobo-stop" style="background:{STOP_COLOUR};color:#fff;'
                  "border-radius:50%;width:22px;height:22px;line-height:22px;"
                  f'text-align:center;font:bold 12px sans-serif;">{int(r.stop)}</div>'),
            icon_size=(22, 22), icon_anchor=(11, 11))
        folium.Marker([r.geometry.y, r.geometry.x], icon=icon,
                      popup=folium.Popup(_popup(r, lang), max_width=360)).add_to(g)
    registry["pt_stops"] = (g, len(result.stops))

    g = folium.FeatureGroup(name=label("pt_start", lang), show=True).add_to(m)
    s = result.start.to_crs(crs).iloc[0]
    folium.Marker([s.geometry.y, s.geometry.x], tooltip=escape_text(s["name"]),
                  icon=folium.Icon(color="black", icon="home")).add_to(g)
    registry["pt_start"] = (g, 1)

    add_legend(m, [(label("pt_route", lang), {"color": ROUTE_COLOUR}),
                   (label("pt_stops", lang), {"color": STOP_COLOUR}),
                   (label("pt_areas", lang), {"color": AREA_COLOUR}),
                   (label("pt_candidates", lang), {"color": "#777777"}),
                   (label("pt_unreachable", lang), {"color": "#d7301f"})],
               title=label("pt_title", lang))
    add_top_units_panel(m, result, lang=lang)
    if measures is not None:
        from sjobo_geo.maps.measures import add_measures

        add_measures(m, measures, lang=lang)
    add_layer_registry(m, registry)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _sheet_lines(result: PatrolPlanResult, lang: str, width: int = 132) -> list[str]:
    """The sheet's text: the stops (clock time, place, priority, why in words), then the
    highest-ranked units with the stop that visits each or why not; long lines wrapped."""
    import textwrap

    def wrap(text: str) -> list[str]:
        return textwrap.wrap(text, width=width, subsequent_indent="     ") or [""]

    lines = [label("pt_stops", lang)]
    for r in result.stops.itertuples():
        d = r._asdict()
        why = why_text(d, lang) if "factors" in d else r.why
        lines += wrap(f"{int(r.stop)}. {d.get('arrival') or f'{r.arrival_min:g}'}  "
                      f"{r.nearest_street or r.unit_id} – {r.priority:.2f}: {why}")
    rows = _top_rows(result, lang)
    if rows:
        lines += ["", label("pt_top_title", lang).format(n=len(rows))]
        for rank, place, score, n, why in rows:
            lines += wrap(f"{rank}. {place} ({score:.2f}; "
                          f"{label('pt_n_report' if n == 1 else 'pt_n_reports', lang).format(n=n)})"
                          f": {why}")
    return lines


def patrol_png(result: PatrolPlanResult, area: Area, path: str | Path, *,
               lang: str | None = None, dpi: int = 150) -> Path:
    """The printable A4 sheet (:func:`patrol_sheet`) as a PNG file.

    Examples
    --------
    >>> patrol_png(patrol, area, "out/patrol.png", lang="sv")  # doctest: +SKIP
    PosixPath('out/patrol.png')
    """
    from sjobo_geo.core.files import atomic_path

    fig = patrol_sheet(result, area, lang=lang)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return Path(path)


def patrol_sheet(result: PatrolPlanResult, area: Area, *, lang: str | None = None) -> Figure:
    """A printable A4 sheet: buildings light grey, streets, route, numbered stops, a list.

    Drawn with matplotlib's Agg canvas directly (no pyplot state, no tiles), in the area's
    metric CRS with a 100 m scale bar. A notebook shows the figure as it is.

    Examples
    --------
    >>> fig = patrol_sheet(patrol, area, lang="en")  # doctest: +SKIP
    >>> fig.get_size_inches().round(2).tolist()  # doctest: +SKIP
    [8.27, 11.69]
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lang = check_lang(lang)
    start, route = result.start, result.route
    fig = Figure(figsize=(8.27, 11.69))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.04, 0.36, 0.92, 0.58))  # the lower part: stops and the top list
    line = route.geometry.iloc[0]
    pts = [line, *result.stops.geometry, start.geometry.iloc[0]]
    xs = np.concatenate([np.asarray(g.coords)[:, 0] for g in pts])
    ys = np.concatenate([np.asarray(g.coords)[:, 1] for g in pts])
    pad = max(np.ptp(xs), np.ptp(ys)) * 0.08 + 80
    x0, x1, y0, y1 = xs.min() - pad, xs.max() + pad, ys.min() - pad, ys.max() + pad
    buildings = area.layers.get("buildings")
    if buildings is not None and len(buildings):
        sub = buildings.cx[x0:x1, y0:y1]
        if len(sub):
            sub.plot(ax=ax, color="#e3e3e3", edgecolor="#cfcfcf", linewidth=0.3)
    paths = area.layers.get("paths")
    if paths is not None and len(paths):
        sub = paths.cx[x0:x1, y0:y1]
        if len(sub):
            sub.plot(ax=ax, color="#b5b5b5", linewidth=0.5)
    if len(result.areas):
        result.areas.boundary.plot(ax=ax, color=AREA_COLOUR, linewidth=1.2, linestyle="--")
    c = np.asarray(line.coords)
    ax.plot(c[:, 0], c[:, 1], color=ROUTE_COLOUR, linewidth=2.2, alpha=0.9, zorder=3)
    s = start.geometry.iloc[0]
    ax.plot(s.x, s.y, marker="s", color="black", markersize=9, zorder=5)
    for r in result.stops.itertuples():
        ax.plot(r.geometry.x, r.geometry.y, marker="o", color=STOP_COLOUR, markersize=15,
                zorder=6)
        ax.text(r.geometry.x, r.geometry.y, str(int(r.stop)), color="white", ha="center",
                va="center", fontsize=8, fontweight="bold", zorder=7)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    bx, by = x0 + pad * 0.3, y0 + pad * 0.3
    ax.plot([bx, bx + 100], [by, by], color="black", linewidth=3, zorder=8)
    ax.text(bx + 50, by + pad * 0.08, "100 m", ha="center", va="bottom", fontsize=8)
    p = result.plan
    title = f"{label('pt_title', lang)} – {area.name}"
    fig.text(0.04, 0.985, title, fontsize=12, fontweight="bold", va="top")
    if result.synthetic:
        fig.text(0.96, 0.985, "SYNTHETIC", fontsize=12, fontweight="bold", va="top",
                 ha="right", color="#b30000")
        fig.text(0.96, 0.968, label("synthetic_banner", lang), fontsize=8, va="top",
                 ha="right", color="#b30000")
    fig.text(0.04, 0.962, label("pt_summary", lang).format(
        n=len(result.stops), m=f"{p.length_m:.0f}", t=f"{p.time_min:.0f}",
        b=f"{p.budget_min:g}") + f" · {start['name'].iloc[0]} · "
        + label("pt_start_at", lang).format(time=result.start_time), fontsize=9, va="top")
    fig.text(0.04, 0.345, "\n".join(_sheet_lines(result, lang)[:40]) or "-", fontsize=7,
             va="top", family="DejaVu Sans")
    fig.text(0.04, 0.01, "© OpenStreetMap contributors · sjobo-geo", fontsize=6)
    return fig
