"""The schoolyard map: visibility classes, hidden places, vegetation ranked, lamps.

:func:`schoolyard_map` draws a :class:`~sjobo_geo.analysis.schoolyard.SchoolyardResult`
(:func:`~sjobo_geo.analysis.schoolyard.analyse_schoolyard`); it computes nothing of its
own. Class names for people come from ``labels.toml`` (:func:`labelled_classes`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from sjobo_geo.analysis.schoolyard import SchoolyardResult
    from sjobo_geo.core.area import Area

__all__ = ["labelled_classes", "schoolyard_map"]

_CLASS_STYLE = {
    "vis_hidden": {"color": "#7f0000", "fillColor": "#d7301f", "fillOpacity": 0.7},
    "vis_few": {"color": "#b35806", "fillColor": "#fdb863", "fillOpacity": 0.55},
    "vis_some": {"color": "#5e8c31", "fillColor": "#b8e186", "fillOpacity": 0.45},
    "vis_many": {"color": "#1b7837", "fillColor": "#5aae61", "fillOpacity": 0.35},
}


def labelled_classes(classes: gpd.GeoDataFrame, lang: str | None = None) -> gpd.GeoDataFrame:
    """The visibility classes with a ``label`` column (second) in the language asked for.

    Examples
    --------
    >>> import geopandas as gpd
    >>> classes = gpd.GeoDataFrame({"class": ["vis_hidden"]}, geometry=[None])
    >>> labelled_classes(classes, "en").columns.tolist()
    ['class', 'label', 'geometry']
    """
    from sjobo_geo.core.i18n import check_lang, label

    lang = check_lang(lang)
    out = classes.copy()
    out.insert(1, "label", [label(str(key), lang) for key in classes["class"]])
    return out


def schoolyard_map(result: SchoolyardResult, area: Area, *, lang: str | None = None,
                   tiles: bool = True, measures: Any = None) -> folium.Map:
    """The schoolyard map: visibility classes, hidden places, vegetation ranked, lamps.

    The result's reports and lighting gaps are drawn when it has them; synthetic reports put
    the synthetic-data banner on the page. ``measures`` (a
    :class:`~sjobo_geo.inputs.measures.MeasureSet` or its table) adds the measures register
    as a layer of its own (:func:`sjobo_geo.maps.measures.add_measures`).

    Examples
    --------
    >>> result = analyse_schoolyard(area)  # doctest: +SKIP
    >>> schoolyard_map(result, area, lang="en")  # doctest: +SKIP
    """
    import folium

    from sjobo_geo.core.i18n import check_lang, label
    from sjobo_geo.maps.base import add_geodataframe, add_layer_registry, add_legend, new_map

    lang = check_lang(lang)
    place, classes, hidden = result.place, labelled_classes(result.classes, lang), result.hidden
    actions, lamps, reports, gaps = result.actions, result.lamps, result.reports, result.gaps
    m = new_map(area, tiles=tiles, lang=lang)
    registry: dict[str, tuple[Any, int]] = {}
    legend = []
    style = {"color": "#333333", "weight": 3, "fill": False, "show": True, "fields": ["name"]}
    registry["place"] = (add_geodataframe(m, place, name=label("sy_place", lang), style=style,
                                          lang=lang), 1)
    for _, row in classes.iterrows():
        sty = {**_CLASS_STYLE[row["class"]], "weight": 0.5, "show": True,
               "fields": ["label", "min_count", "max_count"]}
        sub = classes[classes["class"] == row["class"]]
        registry[row["class"]] = (add_geodataframe(m, sub, name=row["label"], style=sty,
                                                   lang=lang), 1)
        legend.append((row["label"], sty))
    layers = (
        ("hidden_places", hidden, {"color": "#000000", "weight": 2, "fill": False, "dash": "4 3",
                                   "show": True, "fields": ["area_m2", "min_count"]}),
        ("vegetation_ranked", actions.ranked.head(30),
         {"color": "#006d2c", "fillColor": "#31a354", "weight": 3, "radius": 5, "show": True,
          "fields": ["rank", "kind", "revealed_m2", "action"]}),
        ("vegetation_near_paths", actions.near_paths,
         {"color": "#b2182b", "fillColor": "#ef8a62", "weight": 3, "radius": 4, "show": True,
          "fields": ["kind", "distance_m", "action"]}),
        ("observers", actions.observers,
         {"color": "#4d4d4d", "fillColor": "#ffffff", "weight": 1, "radius": 2, "show": False,
          "fields": ["kind"]}),
        ("lamps", lamps, {"color": "#7a5c00", "fillColor": "#ffd92f", "weight": 1, "radius": 4,
                          "show": True, "fields": ["ref", "lamp_mount"]}),
    )
    for key, gdf, sty in layers:
        group = add_geodataframe(m, gdf, name=label(f"sy_{key}", lang), style=sty, lang=lang)
        registry[key] = (group, len(gdf))
        legend.append((label(f"sy_{key}", lang), sty))
    if gaps is not None:
        sty = {"color": "#1f2a6b", "weight": 5, "show": True, "fields": ["gap_type"]}
        registry["lighting_gaps"] = (add_geodataframe(m, gaps, name=label("sy_lighting_gaps",
                                                                          lang),
                                                      style=sty, lang=lang), len(gaps))
        legend.append((label("sy_lighting_gaps", lang), sty))
    if reports is not None:
        sty = {"color": "#542788", "fillColor": "#998ec3", "weight": 1, "radius": 5,
               "show": True, "fields": ["category", "time_band"]}
        registry["reports"] = (add_geodataframe(m, reports, name=label("sy_reports", lang),
                                                style=sty, lang=lang), len(reports))
        legend.append((label("sy_reports", lang), sty))
    if measures is not None:
        # before the layer control and the registry: the control's script refers to every
        # layer by name, and one defined after it breaks the page (setZIndex of undefined)
        from sjobo_geo.maps.measures import add_measures

        add_measures(m, measures, lang=lang, legend=legend)
    add_legend(m, legend, title=label("legend", lang))
    if result.synthetic:
        m.get_root().html.add_child(folium.Element(  # type: ignore[attr-defined]
            '<div id="sjobo-synthetic-banner" style="position:fixed;top:8px;left:50%;'
            'transform:translateX(-50%);z-index:1000;background:#b30000;color:#fff;'
            f'padding:4px 12px;font:bold 13px sans-serif;">{label("synthetic_banner", lang)}'
            "</div>"))
    add_layer_registry(m, {k: v for k, v in registry.items() if v[1] > 0})
    folium.LayerControl(collapsed=False).add_to(m)
    bounds = place.to_crs(4326).total_bounds
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m
