"""The hot spot map: Gi* classes, density regions and the two priority layers.

Layers (registered in ``window.SJOBO_LAYERS``):

* ``hot_grid``: grid cells with a significant Gi* class (hot red, cold blue);
* ``hot_segments``: street segments with a significant Gi* class;
* ``density``: highest-density regions of the kernel density (25/50/75 % of the mass),
  metric polygons;
* ``police_priority``: grid cells with a police-presence score above 0, shaded by score;
* ``physical_priority``: street segments with a physical-environment score in the top
  fifth (and above 0), shaded by score.

A public view (:func:`~sjobo_geo.analysis.hotspots.public_view`) has no street segments:
its map has no ``hot_segments`` layer and draws the physical priority on its grid cells.

Every unit's popup shows its report count, Gi* result, both scores and every factor
contribution, and its hour/weekday profile. All text from data (street names) is
HTML-escaped (:func:`~sjobo_geo.maps.base.to_geojson`); numbers are numbers. Synthetic input
puts a banner on the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.scoring import PHYSICAL_FACTORS, POLICE_FACTORS
from sjobo_geo.core.i18n import check_lang, label
from sjobo_geo.maps.base import add_layer_registry, add_legend, new_map, to_geojson

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from sjobo_geo.analysis.hotspots import HotspotAnalysis
    from sjobo_geo.core.area import Area

__all__ = ["CLASS_COLOURS", "SCORE_COLOURS", "hotspots_map", "sparkline"]

#: Fill colour of each Gi* class.
CLASS_COLOURS = {
    "hot 99%": "#b2182b", "hot 95%": "#ef8a62", "hot 90%": "#fddbc7",
    "cold 90%": "#d1e5f0", "cold 95%": "#67a9cf", "cold 99%": "#2166ac",
}
#: Score classes, low to high (ColorBrewer Purples / Greens).
SCORE_COLOURS = {"police": ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"),
                 "physical": ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")}
DENSITY_COLOURS = ("#fd8d3c", "#fdbe85", "#feedde")
_BARS = "▁▂▃▄▅▆▇█"


def sparkline(counts: str) -> str:
    """A text sparkline of comma-separated counts ("·" for zero).

    Examples
    --------
    >>> sparkline("0,1,2,4,8")
    '·▁▂▄█'
    >>> sparkline("<5,7,<5,9")  # public band counts stay as they are
    '<5,7,<5,9'
    """
    try:
        values = [int(v) for v in str(counts).split(",") if v != ""]
    except ValueError:
        return str(counts)  # public band counts such as "<5"
    top = max(values, default=0)
    if top <= 0:
        return ""
    return "".join("·" if v == 0 else _BARS[min(7, -(-v * 8 // top) - 1)] for v in values)


def _popup_fields(units: gpd.GeoDataFrame, lang: str, public: bool
                  ) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    data = units.copy()
    if public:
        data["profile_text"] = data["profile_hours"].astype(str)
        data["weekday_text"] = ""
    else:
        data["profile_text"] = data["profile_hours"].map(sparkline)
        data["weekday_text"] = data["profile_weekdays"].astype(str)
    fields = ["nearest_street", "n_reports", "weight", "gi_z", "gi_class"]
    if "per_100m" in data:
        fields.insert(3, "per_100m")
    if "emerging" in data:
        fields.append("emerging")
    fields += ["police_score", *[f"police_{f}" for f in POLICE_FACTORS],
               "physical_score", *[f"physical_{f}" for f in PHYSICAL_FACTORS],
               "profile_text"]
    if not public:
        fields.append("weekday_text")
    aliases = [label(f"hs_{f}", lang) for f in fields]
    if public:
        aliases[fields.index("profile_text")] = label("hs_profile_bands", lang)
    return data, fields, aliases


def _add_units(m: folium.Map, units: gpd.GeoDataFrame, *, name: str, colours: Any,
               lang: str, public: bool, line: bool, show: bool = True) -> folium.FeatureGroup:
    import folium

    group = folium.FeatureGroup(name=name, show=show)
    group.add_to(m)
    if units.empty:
        return group
    data, fields, aliases = _popup_fields(units, lang, public)
    data["_colour"] = np.asarray(colours, dtype=object)
    gj = to_geojson(data, [*fields, "_colour"])

    def style(feature: dict[str, Any], line: bool = line) -> dict[str, Any]:
        c = feature["properties"]["_colour"]
        if line:
            return {"color": c, "weight": 5, "opacity": 0.9}
        return {"color": "#555555", "weight": 0.6, "fillColor": c, "fillOpacity": 0.6}

    folium.GeoJson(
        gj, name=name, style_function=style, highlight_function=None, embed=True,
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, max_width=360),
    ).add_to(group)
    return group


def _score_colours(units: gpd.GeoDataFrame, kind: str, breaks: np.ndarray) -> np.ndarray:
    """The colour of each unit's ``<kind>_score`` class (quintile ``breaks``)."""
    palette = np.asarray(SCORE_COLOURS[kind], dtype=object)
    return palette[np.searchsorted(breaks, units[f"{kind}_score"].to_numpy(dtype=float),
                                   side="right")]


def _class_colours(units: gpd.GeoDataFrame) -> np.ndarray:
    """The colour of each unit's Gi* class."""
    return units["gi_class"].map(CLASS_COLOURS).fillna("#999999").to_numpy(dtype=object)


def hotspots_map(
    analysis: HotspotAnalysis,
    area: Area,
    m: folium.Map | None = None,
    *,
    lang: str | None = None,
    tiles: bool = True,
    measures: Any = None,
) -> folium.Map:
    """A Folium map of a :class:`~sjobo_geo.analysis.hotspots.HotspotAnalysis` (internal or public).

    Nothing is saved; use :func:`sjobo_geo.maps.offline.save_map`. ``measures`` (a
    :class:`~sjobo_geo.inputs.measures.MeasureSet` or its table) adds the measures register as a
    layer of its own (:func:`sjobo_geo.maps.measures.add_measures`; never its notes, so
    public maps may show it).
    """
    import folium

    from sjobo_geo.maps.reports import add_synthetic_banner

    lang = check_lang(lang)
    if m is None:
        m = new_map(area, tiles=tiles, lang=lang)
    if analysis.synthetic:
        add_synthetic_banner(m, lang)
    public = analysis.public
    registry: dict[str, tuple[Any, int]] = {}
    legend: list[tuple[str, dict[str, Any]]] = []

    # density regions, outermost first so the inner ones are drawn on top
    dens = analysis.contours.sort_values("level", ascending=False)
    group = folium.FeatureGroup(name=label("hs_density", lang), show=True)
    group.add_to(m)
    for level, sub in dens.groupby("level", sort=False):
        colour = DENSITY_COLOURS[min(int(level), len(DENSITY_COLOURS) - 1)]
        sub = sub.assign(share=(sub["mass_share"] * 100).round(0).astype(int))
        style = {"color": "#d94801", "weight": 1, "fillColor": colour, "fillOpacity": 0.35}
        folium.GeoJson(
            to_geojson(sub, ["share", "n_reports"]), style_function=lambda _f, s=style: s,
            tooltip=folium.GeoJsonTooltip(
                fields=["share", "n_reports"],
                aliases=[label("hs_mass_share", lang), label("hs_n_reports", lang)]),
            highlight_function=None, embed=True,
        ).add_to(group)
        share = int(round(float(sub["mass_share"].iloc[0]) * 100))
        legend.append((label("hs_density_level", lang).format(share=share), style))
    registry["density"] = (group, len(dens))

    grid, seg = analysis.grid, analysis.segments
    sig_g = grid[grid["gi_class"] != "not significant"]
    sig_s = seg[seg["gi_class"] != "not significant"]

    g = _add_units(m, sig_g, name=label("hs_hot_grid", lang), colours=_class_colours(sig_g),
                   lang=lang, public=public, line=False)
    registry["hot_grid"] = (g, len(sig_g))
    if not public:  # street segments are never published (public_view)
        g = _add_units(m, sig_s, name=label("hs_hot_segments", lang),
                       colours=_class_colours(sig_s),
                       lang=lang, public=public, line=True)
        registry["hot_segments"] = (g, len(sig_s))
    for cls, colour in CLASS_COLOURS.items():
        if cls in set(sig_g["gi_class"]) | set(sig_s["gi_class"]):
            legend.append((f"Gi* {cls}", {"color": "#555555", "fillColor": colour}))

    pol = grid[grid["police_score"] > 0]
    pbreaks = np.quantile(pol["police_score"], [0.2, 0.4, 0.6, 0.8]) if len(pol) else \
        np.zeros(4)
    g = _add_units(m, pol, name=label("hs_police_priority", lang),
                   colours=_score_colours(pol, "police", pbreaks), lang=lang, public=public,
                   line=False, show=False)
    registry["police_priority"] = (g, len(pol))
    legend.append((label("hs_police_priority", lang),
                   {"color": "#555555", "fillColor": SCORE_COLOURS["police"][4]}))
    phy_units = grid if public else seg
    phy = phy_units[phy_units["physical_score"] > 0]
    if len(phy):
        phy = phy[phy["physical_score"] >= np.quantile(phy["physical_score"], 0.8)]
    fbreaks = np.quantile(phy["physical_score"], [0.2, 0.4, 0.6, 0.8]) if len(phy) else \
        np.zeros(4)
    g = _add_units(m, phy, name=label("hs_physical_priority", lang),
                   colours=_score_colours(phy, "physical", fbreaks), lang=lang, public=public,
                   line=not public, show=False)
    registry["physical_priority"] = (g, len(phy))
    legend.append((label("hs_physical_priority", lang),
                   {"color": SCORE_COLOURS["physical"][4]}))
    if public and analysis.k:
        legend.append((label("hs_public_note", lang).format(k=analysis.k),
                       {"color": "#ffffff"}))
    if measures is not None:
        from sjobo_geo.maps.measures import add_measures

        add_measures(m, measures, lang=lang, legend=legend)
    add_legend(m, legend, title=label("hs_legend", lang))
    add_layer_registry(m, registry)
    folium.LayerControl(collapsed=False).add_to(m)
    return m
