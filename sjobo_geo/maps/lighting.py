"""The lighting-gaps map: modelled illuminance as metric polygons, gaps, lamps, proposals.

:func:`lighting_map` draws a :class:`~sjobo_geo.analysis.lighting.analysis.LightingAnalysis`
on the light background of its area (:func:`~sjobo_geo.maps.base.new_map`):

* the horizontal illuminance on the walkable surfaces as polygons per lux class
  (:func:`~sjobo_geo.analysis.lighting.analysis.illuminance_classes`: cells of the model
  grid merged into polygons in metres, never a heatmap with a radius in screen pixels);
* path gaps (consecutive gap pieces of a path drawn as one line) coloured by what OSM says
  of the path: tagged unlit, lighting unknown, tagged lit but modelled dark;
* dark patches of squares, courtyards and schoolyards, and the surfaces below their class
  average;
* lamps by status, proposed new lamps (numbered), and the facade stretches around the square
  (dark and lit).

Every layer is registered in ``window.SJOBO_LAYERS`` (see
:func:`~sjobo_geo.maps.base.add_layer_registry`); the legend and labels are Swedish or
English. Text from data goes through :func:`~sjobo_geo.maps.base.escape_text` (in
:func:`~sjobo_geo.maps.base.add_geodataframe` for tooltips, explicitly for the boxes).
When the ranking used synthetic reports the page carries the synthetic-data banner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sjobo_geo.core.i18n import check_lang, label
from sjobo_geo.maps.base import (
    add_geodataframe,
    add_layer_registry,
    add_legend,
    escape_text,
    new_map,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from sjobo_geo.analysis.lighting.analysis import LightingAnalysis
    from sjobo_geo.analysis.lighting.facades import FacadeLighting
    from sjobo_geo.analysis.lighting.proposals import LampRecommendation

__all__ = ["GAP_COLOURS", "LAMP_COLOURS", "LUX_COLOURS", "lighting_map"]

#: Fill colours of the lux classes, dark to bright (matplotlib's "plasma", 6 steps).
LUX_COLOURS = ("#0d0887", "#6a00a8", "#b12a90", "#e16462", "#fca636", "#f0f921")
#: Line colours of path gaps by gap type.
GAP_COLOURS = {"tagged_unlit": "#00e5ff", "unknown_lit": "#ff8c00",
               "lit_modelled_dark": "#ff1a1a"}
#: Marker fill colours of lamps by status.
LAMP_COLOURS = {"working": "#ffd92f", "unknown": "#fff3b0", "broken": "#000000",
                "planned": "#9e9ac8"}

_SIMPLIFY_M = 0.75  # map polygons only (cell staircases become diagonals); the GeoPackage
#                    keeps the exact cell outlines


def lighting_map(
    analysis: LightingAnalysis,
    m: folium.Map | None = None,
    *,
    recommendation: LampRecommendation | None = None,
    facades: FacadeLighting | None = None,
    classes: gpd.GeoDataFrame | None = None,
    lang: str | None = None,
    tiles: bool = True,
    measures: Any = None,
) -> folium.Map:
    """A Folium map of the lighting model and its gaps.

    Parameters
    ----------
    analysis : LightingAnalysis
        From :func:`~sjobo_geo.analysis.lighting.analysis.analyse_lighting` (or the
        ``analysis`` of :func:`~sjobo_geo.analysis.lighting.gaps.analyse_lighting_gaps`).
    m : folium.Map, optional
        Map to draw on; a new one for ``analysis.area`` when None.
    recommendation : LampRecommendation, optional
        Proposed lamps to draw.
    facades : FacadeLighting, optional
        Facade stretches to draw.
    classes : geopandas.GeoDataFrame, optional
        :func:`~sjobo_geo.analysis.lighting.analysis.illuminance_classes` of the analysis
        (computed when not given).
    lang : {"sv", "en"}, optional
        Language of labels; Swedish by default.
    tiles : bool, default True
        OpenStreetMap tiles (online use). Offline pages use False.
    measures : MeasureSet or geopandas.GeoDataFrame, optional
        A measures register drawn as a layer of its own
        (:func:`sjobo_geo.maps.measures.add_measures`).

    Returns
    -------
    folium.Map

    Notes
    -----
    Registered layers: ``lux_0`` … ``lux_5`` (illuminance classes), ``gaps_tagged_unlit``,
    ``gaps_unknown_lit``, ``gaps_lit_modelled_dark``, ``dark_patches``,
    ``below_average``, ``lamps_<status>``, ``proposed_lamps``, ``facades_dark``,
    ``facades_lit``.
    """
    import folium
    import shapely

    from sjobo_geo.analysis.lighting.analysis import GAP_TYPES, illuminance_classes

    lang = check_lang(lang)
    area = analysis.area
    new = m is None
    if m is None:
        m = new_map(area, tiles=tiles, lang=lang)
    if analysis.synthetic:
        from sjobo_geo.maps.reports import add_synthetic_banner

        add_synthetic_banner(m, lang)
    registry: dict[str, tuple[Any, int]] = {}
    legend: list[tuple[str, dict[str, Any]]] = []

    # illuminance polygons
    if classes is None:
        classes = illuminance_classes(analysis)
    polys = classes.rename(columns={"label": "lux_label"})
    if len(polys):
        polys["geometry"] = shapely.simplify(polys.geometry.values, _SIMPLIFY_M,
                                             preserve_topology=True)
    n_classes = len(LUX_COLOURS)
    for i in range(n_classes):
        sub = polys[polys["lux_class"] == i] if len(polys) else polys
        text = (sub["lux_label"].iloc[0] if len(sub) else _lux_text(i))
        name = f"{label('lux_layer', lang)}: {text}"
        style = {"color": LUX_COLOURS[i], "fillColor": LUX_COLOURS[i], "weight": 0,
                 "fillOpacity": 0.55, "opacity": 0.0, "show": True,
                 "fields": ["lux_label", "area_m2"]}
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        registry[f"lux_{i}"] = (group, len(sub))
        legend.append((name, style))

    # gaps
    gaps = analysis.gaps.rename(columns={"rank": "gap_rank"})  # own label keys
    fields = ["gap_rank", "gap_id", "name", "p_class", "required_lux", "modelled_lux", "size",
              "size_unit", "reports_factor", "importance", "exposure", "nearest_street",
              "nearest_address"]
    stretches = gaps[gaps["gap_kind"] == "path_stretch"]
    for gap_type in GAP_TYPES:
        sub = stretches[stretches["gap_type"] == gap_type]
        style = {"color": GAP_COLOURS[gap_type], "weight": 4, "opacity": 0.95,
                 "show": True, "fields": [*fields, "pieces"]}
        name = label(f"gaps_{gap_type}", lang)
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        registry[f"gaps_{gap_type}"] = (group, len(sub))
        legend.append((f"{name} ({len(sub)})", style))
    for kind, style in (
        ("dark_patch", {"color": "#ff1a1a", "weight": 1.2, "fill": False, "show": True}),
        ("below_average", {"color": "#ffffff", "weight": 2.5, "fill": False, "dash": "6 4",
                           "show": True}),
    ):
        sub = gaps[gaps["gap_kind"] == kind]
        key = "dark_patches" if kind == "dark_patch" else "below_average"
        style = {**style, "fields": ["gap_rank", "gap_id", "surface_kind", "name", "p_class",
                                     "criterion", "required_lux", "modelled_lux", "size",
                                     "exposure", "nearest_address"]}
        name = label(key, lang)
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        registry[key] = (group, len(sub))
        legend.append((f"{name} ({len(sub)})", {**style, "fillColor": "#555555"}))

    # lamps by status
    lamps = analysis.lamps
    status = (lamps["status"].astype("string").fillna("unknown") if "status" in lamps
              else None)
    for st, colour in LAMP_COLOURS.items():
        sub = lamps[status == st] if status is not None else lamps.iloc[0:0]
        if st == "planned" and sub.empty:
            continue
        style = {"color": "#333333" if st != "broken" else "#ff1a1a", "fillColor": colour,
                 "weight": 1, "radius": 3.5, "fillOpacity": 0.95, "show": True,
                 "fields": ["lamp_id", "status", "mount_height_m", "flux_lm", "owner"]}
        name = label(f"lamps_{st}", lang)
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        registry[f"lamps_{st}"] = (group, len(sub))
        legend.append((f"{name} ({len(sub)})", style))

    # proposals
    if recommendation is not None:
        sub = recommendation.lamps
        style = {"color": "#003d1f", "fillColor": "#00c853", "weight": 2, "radius": 8,
                 "fillOpacity": 0.95, "show": True,
                 "fields": ["proposal", "fixed_length_m", "fixed_exposure", "nearest_street",
                            "gap_id"]}
        name = label("proposed_lamps", lang)
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        for _, row in sub.to_crs("EPSG:4326").iterrows():  # ≤ n proposals: their numbers
            folium.Marker(
                [row.geometry.y, row.geometry.x],
                icon=folium.DivIcon(html=(
                    '<div style="font:bold 11px sans-serif;color:#fff;text-align:center;'
                    f'width:16px;margin:-7px 0 0 -8px">{int(row["proposal"])}</div>')),
                interactive=False,
            ).add_to(m)
        registry["proposed_lamps"] = (group, len(sub))
        legend.append((f"{name} ({len(sub)})", style))

    # facades
    if facades is not None:
        for dark, key, style in (
            (True, "facades_dark", {"color": "#7b3294", "weight": 6, "opacity": 0.95}),
            (False, "facades_lit", {"color": "#fee08b", "weight": 5, "opacity": 0.95}),
        ):
            sub = facades.facades[facades.facades["dark"] == dark]
            style = {**style, "show": True,
                     "fields": ["building_name", "address", "nearest_address", "length_m",
                                "min_lux", "mean_lux"]}
            name = label(key, lang).format(lux=f"{facades.threshold_lux:g}")
            group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
            registry[key] = (group, len(sub))
            legend.append((f"{name} ({len(sub)})", style))

    if measures is not None:
        from sjobo_geo.maps.measures import add_measures

        add_measures(m, measures, lang=lang, legend=legend)
    add_legend(m, legend, title=label("lighting_legend", lang))
    _add_figures_box(m, analysis, recommendation, facades, lang)
    add_layer_registry(m, registry)
    if new:
        folium.LayerControl(collapsed=True).add_to(m)
    return m


def _lux_text(i: int) -> str:
    from sjobo_geo.analysis.lighting.analysis import LUX_BREAKS

    lo = ([0.0, *LUX_BREAKS])[i]
    return f"> {lo:g} lx" if i >= len(LUX_BREAKS) else f"{lo:g}–{LUX_BREAKS[i]:g} lx"


def _add_figures_box(m: folium.Map, analysis: LightingAnalysis,
                     rec: LampRecommendation | None, facades: FacadeLighting | None,
                     lang: str) -> None:
    """A small box with the key figures (top left, under the zoom buttons)."""
    import folium

    f = analysis.figures
    lines = [
        label("fig_compliant", lang).format(
            share=f"{100 * f['compliant_share']:.1f}", km=f"{f['path_length_m'] / 1000:.1f}"),
        label("fig_gaps", lang).format(n=f["gap_stretches"],
                                       km=f"{f['gap_length_m'] / 1000:.1f}"),
        label("fig_surfaces", lang).format(n=f["surfaces_below_average"],
                                           p=f["dark_patches"]),
        label("fig_lamps", lang).format(n=f["lamps_counted"], total=f["lamps_total"],
                                        mf=analysis.params["maintenance_factor"]),
    ]
    if rec is not None and len(rec.lamps):
        lines.append(label("fig_proposals", lang).format(
            n=len(rec.lamps), before=f"{100 * rec.before['compliant_share']:.1f}",
            after=f"{100 * rec.after['compliant_share']:.1f}",
            covered=f"{100 * rec.after['exposure_covered_share']:.1f}"))
    if facades is not None:
        dark = facades.dark
        lines.append(label("fig_facades", lang).format(
            square=facades.square, n=len(dark), m=f"{dark['length_m'].sum():.0f}",
            lux=f"{facades.threshold_lux:g}"))
    if analysis.synthetic:
        lines.append(label("synthetic_banner", lang))
    body = "".join(f"<div>{escape_text(line)}</div>" for line in lines)
    m.get_root().html.add_child(folium.Element(  # type: ignore[attr-defined]
        '<div id="sjobo-lighting-figures" style="position:fixed;top:80px;left:10px;'
        "z-index:900;background:rgba(255,255,255,.92);padding:6px 10px;font:12px sans-serif;"
        'border:1px solid #999;border-radius:4px;max-width:340px;">'
        f"<b>{escape_text(label('lighting_title', lang))}</b>{body}</div>"
    ))
