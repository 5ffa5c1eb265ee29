"""The schoolyard report: what can be seen, what is hidden, and which bushes to cut back.

For a place (the profile's school by default, or any named schoolyard, courtyard or square)
this job combines :mod:`sjobo_geo.visibility` (observers on paths and facing facades, 2D
isovists blocked by buildings and sight-blocking vegetation) with the area's lamps and, when
given, the reports in and around the grounds, and writes ``schoolyard.html``,
``schoolyard.gpkg`` and ``vegetation_actions.csv``.

A cell is *hidden* when fewer than ``min_share`` of the observers (5 % by default, at least
one) can see it: on real grounds almost every cell is seen by someone, so "seen by nobody" finds
little, while "seen by hardly anyone" is what natural surveillance is about.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import SjoboGeoError
from ._progress import noop

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from .area import Area

__all__ = ["SCHOOLYARD_STEPS", "SchoolyardError", "SchoolyardResult", "run_schoolyard",
           "schoolyard_place"]

#: Steps of the schoolyard job (the first is reported by the job that loads the area).
SCHOOLYARD_STEPS = ("load area", "observers", "visibility", "write files", "write map")

class SchoolyardError(ValueError, SjoboGeoError):
    """The place cannot be analysed (not found, not an area)."""


@dataclass
class SchoolyardResult:
    """What :func:`run_schoolyard` produced."""

    place_name: str
    actions: Any
    hidden: gpd.GeoDataFrame
    min_observers: int
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def schoolyard_place(area: Area, name: str | None = None) -> tuple[str, Any]:
    """The polygon to analyse for a place name (default: the profile's school).

    A school resolves to its grounds (schoolyards touching it, else the school's own polygon
    without its buildings); a schoolyard, courtyard, square or playground to its polygon.

    Raises
    ------
    SchoolyardError
        No name and no school role in the profile, or the place is not an area.
    """
    import shapely

    name = name or area.profile.role("school")
    if not name:
        raise SchoolyardError(f"area {area.name!r} names no school; pass --place NAME")
    place = area.find(name)
    geom = place.geometry
    if place.kind == "schools":
        yards = area.layers["schoolyards"]
        touching = yards[yards.intersects(geom.buffer(1.0))] if len(yards) else yards
        if len(touching):
            geom = shapely.union_all(touching.geometry.values)
        else:
            geom = geom.difference(shapely.union_all(area.layers["buildings"].geometry.values))
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.area < 50:
        raise SchoolyardError(
            f"{place.name!r} ({place.kind}) is not an area in OSM, so it has no grounds to "
            "analyse; name a schoolyard, courtyard or square"
        )
    return place.name, geom


def run_schoolyard(
    area: Area,
    *,
    out: str | Path,
    place: str | None = None,
    reports: Any = None,
    lighting: str | Path | gpd.GeoDataFrame | None = None,
    min_share: float = 0.05,
    settings: str = "crime_prevention_victoria",
    offline_html: bool = False,
    lang: str | None = None,
    progress: Callable[[str], None] | None = None,
    measures: Any = None,
) -> SchoolyardResult:
    """Visibility, hidden places and vegetation actions for a place; writes three files.

    Parameters
    ----------
    area : Area
    out : str or pathlib.Path
        Output folder.
    place : str, optional
        Place name (gazetteer); the profile's school by default.
    reports : ReportSet, optional
        Reports drawn in and around the grounds (internal map).
    lighting : path or GeoDataFrame, optional
        Lighting gaps: ``lighting.gpkg`` from ``sjobo-geo lighting-gaps`` (layer
        ``path_gaps``) or a GeoDataFrame; the gaps in and around the grounds are drawn.
    min_share : float, default 0.05
        A cell seen by fewer than this share of the observers (at least 1) is hidden.
    settings : str, default "crime_prevention_victoria"
        Trimming heights and clearances (:data:`sjobo_geo.visibility.CPTED_SETTINGS`).
    offline_html, lang
        As for every map.
    measures : path, MeasureSet or GeoDataFrame, optional
        A measures register (:func:`sjobo_geo.measures.load_measures`) drawn on the map
        (bushes cut, lamps installed, ...); its accounting goes to the messages.

    Returns
    -------
    SchoolyardResult
    """
    import pandas as pd

    from .io import atomic_path, write_gpkg_layers
    from .maps._offline import save_map
    from .maps.i18n import check_lang
    from .measures import as_measure_set
    from .visibility import hidden_places, observer_points, vegetation_actions

    lang = check_lang(lang)
    step = progress or noop
    out = Path(out)
    measure_set = as_measure_set(measures, area)
    name, geom = schoolyard_place(area, place)
    step(SCHOOLYARD_STEPS[1])
    observers = observer_points(geom, area)
    min_observers = max(1, math.ceil(min_share * len(observers)))
    step(SCHOOLYARD_STEPS[2])
    actions = vegetation_actions(geom, area, observers, settings=settings,
                                 min_observers=min_observers)
    base = actions.baseline
    hidden = hidden_places(base.counts, base.info, min_observers=min_observers)
    classes = _visibility_classes(base.cells, min_observers, lang)
    lamps = area.layers["lamps"]
    lamps = lamps[lamps.intersects(geom.buffer(50))]
    gaps = None
    if lighting is not None:
        if isinstance(lighting, str | Path):
            import pyogrio

            gaps = pyogrio.read_dataframe(lighting, layer="path_gaps")
        else:
            gaps = lighting
        gaps = gaps.to_crs(area.crs)
        gaps = gaps[gaps.intersects(geom.buffer(50))]
    near_reports = None
    if reports is not None:
        r = reports.reports
        near_reports = r[r.intersects(geom.buffer(50))]
    step(SCHOOLYARD_STEPS[3])
    import geopandas as gpd

    place_gdf = gpd.GeoDataFrame(
        {"name": [name], "area_m2": [geom.area], "observers": [len(observers)],
         "min_observers": [min_observers], "settings": [actions.settings.source]},
        geometry=[geom], crs=area.crs)
    layers = {
        "place": place_gdf, "visibility": classes, "hidden_places": hidden,
        "vegetation_ranked": actions.ranked, "vegetation_near_paths": actions.near_paths,
        "observers": actions.observers, "lamps": lamps,
    }
    if near_reports is not None:
        layers["reports"] = near_reports
    if gaps is not None:
        layers["lighting_gaps"] = gaps
    about = {"place": name, "area": area.name, "min_observers": min_observers,
             "min_share": min_share, "settings": actions.settings.source,
             "synthetic": bool(reports is not None and reports.synthetic)}
    result = SchoolyardResult(name, actions, hidden, min_observers)
    result.files["gpkg"] = write_gpkg_layers(layers, out / "schoolyard.gpkg", about=about)
    table = pd.concat([
        pd.DataFrame(actions.ranked.drop(columns="geometry")).assign(list="ranked"),
        pd.DataFrame(actions.near_paths.drop(columns="geometry")).assign(list="within path "
                                                                          "clearance"),
    ], ignore_index=True)
    with atomic_path(out / "vegetation_actions.csv") as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    result.files["csv"] = out / "vegetation_actions.csv"
    step(SCHOOLYARD_STEPS[4])
    m = schoolyard_map(area, place_gdf, classes, hidden, actions, lamps, near_reports,
                       gaps=gaps, lang=lang, tiles=not offline_html,
                       synthetic=bool(reports is not None and reports.synthetic))
    if measure_set is not None:
        from .maps.measures import add_measures

        add_measures(m, measure_set, lang=lang)
    result.files["map"] = save_map(m, out / "schoolyard.html", offline=offline_html)
    top = actions.ranked.head(1)
    result.messages.append(
        f"{name}: {geom.area:,.0f} m², {len(observers)} observers; hidden (seen by fewer than "
        f"{min_observers}): {hidden['area_m2'].sum():,.0f} m² in {len(hidden)} places; "
        f"{len(actions.ranked)} vegetation features ranked"
        + (f", first: {top['kind'].iloc[0]} revealing {top['revealed_m2'].iloc[0]:,.0f} m²"
           if len(top) else "")
    )
    if measure_set is not None:
        result.messages.extend(measure_set.messages())
    return result


def _visibility_classes(cells: gpd.GeoDataFrame, min_observers: int,
                        lang: str) -> gpd.GeoDataFrame:
    """Cells merged into polygons by how many observers see them (metric, never pixels)."""
    import geopandas as gpd
    import shapely

    from .maps.i18n import label

    counts = cells["count"].to_numpy()
    top = max(int(counts.max()) if len(counts) else 0, min_observers)
    edges = [0, min_observers, max(min_observers + 1, top // 4), max(min_observers + 2, top // 2),
             top + 1]
    keys = ("vis_hidden", "vis_few", "vis_some", "vis_many")
    rows, geoms = [], []
    for i, key in enumerate(keys):
        sel = (counts >= edges[i]) & (counts < edges[i + 1])
        if not sel.any():
            continue
        geoms.append(shapely.coverage_union_all(cells.geometry.values[sel]))
        rows.append({"class": key, "label": label(key, lang), "min_count": edges[i],
                     "max_count": edges[i + 1] - 1, "cells": int(sel.sum())})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=cells.crs) if rows else \
        gpd.GeoDataFrame({"class": [], "label": []}, geometry=[], crs=cells.crs)


_CLASS_STYLE = {
    "vis_hidden": {"color": "#7f0000", "fillColor": "#d7301f", "fillOpacity": 0.7},
    "vis_few": {"color": "#b35806", "fillColor": "#fdb863", "fillOpacity": 0.55},
    "vis_some": {"color": "#5e8c31", "fillColor": "#b8e186", "fillOpacity": 0.45},
    "vis_many": {"color": "#1b7837", "fillColor": "#5aae61", "fillOpacity": 0.35},
}


def schoolyard_map(area: Area, place: gpd.GeoDataFrame, classes: gpd.GeoDataFrame,
                   hidden: gpd.GeoDataFrame, actions: Any, lamps: gpd.GeoDataFrame,
                   reports: gpd.GeoDataFrame | None, *, gaps: gpd.GeoDataFrame | None = None,
                   lang: str, tiles: bool = True, synthetic: bool = False) -> folium.Map:
    """The schoolyard map: visibility classes, hidden places, vegetation ranked, lamps."""
    import folium

    from .maps.base import add_geodataframe, add_layer_registry, add_legend, new_map
    from .maps.i18n import label

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
    add_legend(m, legend, title=label("legend", lang))
    if synthetic:
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
