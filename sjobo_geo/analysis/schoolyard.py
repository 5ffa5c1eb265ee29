"""The schoolyard analysis: what can be seen, what is hidden, and which bushes to cut back.

For a place (the profile's school by default, or any named schoolyard, courtyard or square)
:func:`analyse_schoolyard` combines :mod:`sjobo_geo.analysis.visibility` (observers on paths
and facing facades, 2D isovists blocked by buildings and sight-blocking vegetation) with the
area's lamps and, when given, the reports and lighting gaps in and around the grounds, and
returns a :class:`SchoolyardResult`. It writes nothing: the job
(:func:`sjobo_geo.jobs.schoolyard.run_schoolyard`) writes ``schoolyard.html``,
``schoolyard.gpkg`` and ``vegetation_actions.csv``.

A cell is *hidden* when fewer than ``min_share`` of the observers (5 % by default, at least
one) can see it: on real grounds almost every cell is seen by someone, so "seen by nobody" finds
little, while "seen by hardly anyone" is what natural surveillance is about.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.core.progress import noop

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.analysis.visibility import VegetationActions
    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = [
    "NEAR_M",
    "SCHOOLYARD_ANALYSIS_STEPS",
    "SchoolyardError",
    "SchoolyardResult",
    "VISIBILITY_CLASSES",
    "analyse_schoolyard",
    "schoolyard_place",
    "visibility_classes",
]

#: Lamps, reports and lighting gaps within this many metres of the grounds are kept.
NEAR_M = 50.0
#: Steps :func:`analyse_schoolyard` reports to its ``progress`` callback, in order.
SCHOOLYARD_ANALYSIS_STEPS = ("observers", "visibility")
#: Visibility classes of :func:`visibility_classes`, fewest observers first (label keys in
#: ``sjobo_geo/core/labels.toml``).
VISIBILITY_CLASSES = ("vis_hidden", "vis_few", "vis_some", "vis_many")


class SchoolyardError(ValueError, SjoboGeoError):
    """The place cannot be analysed (not found, not an area)."""


@dataclass
class SchoolyardResult:
    """What :func:`analyse_schoolyard` found (GeoDataFrames in the area's metric CRS).

    Attributes
    ----------
    place_name : str
        The place analysed (gazetteer name).
    grounds : shapely geometry
        Its polygon (:func:`schoolyard_place`).
    place : geopandas.GeoDataFrame
        One row: ``name``, ``area_m2``, ``observers``, ``min_observers``, ``settings`` and
        the grounds.
    observers : geopandas.GeoDataFrame
        Observer points around the grounds
        (:func:`~sjobo_geo.analysis.visibility.observer_points`).
    min_observers : int
        A cell seen by fewer observers is hidden (``ceil(min_share × observers)``, at least 1).
    min_share : float
    actions : VegetationActions
        Vegetation ranked by the hidden area cutting it back reveals, hedges and scrub too
        near the paths, the visibility grid (``baseline``) and the observers used.
    hidden : geopandas.GeoDataFrame
        Hidden places (:func:`~sjobo_geo.analysis.visibility.hidden_places`).
    classes : geopandas.GeoDataFrame
        The grid merged by visibility class (:func:`visibility_classes`).
    lamps : geopandas.GeoDataFrame
        The area's lamps within :data:`NEAR_M` of the grounds.
    reports : geopandas.GeoDataFrame or None
        Reports within :data:`NEAR_M` of the grounds (None without reports).
    gaps : geopandas.GeoDataFrame or None
        Lighting gaps within :data:`NEAR_M` of the grounds (None without them).
    synthetic : bool
        The reports are synthetic: every output must say so.
    settings : str
        The trimming settings used.
    messages : list of str
        Summary lines for the user.
    """

    place_name: str
    grounds: Any
    place: gpd.GeoDataFrame
    observers: gpd.GeoDataFrame
    min_observers: int
    min_share: float
    actions: VegetationActions
    hidden: gpd.GeoDataFrame
    classes: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    reports: gpd.GeoDataFrame | None = None
    gaps: gpd.GeoDataFrame | None = None
    synthetic: bool = False
    settings: str = ""
    messages: list[str] = field(default_factory=list)


def schoolyard_place(area: Area, name: str | None = None) -> tuple[str, Any]:
    """The polygon to analyse for a place name (default: the profile's school).

    A school resolves to its grounds (schoolyards touching it, else the school's own polygon
    without its buildings); a schoolyard, courtyard, square or playground to its polygon.

    Raises
    ------
    SchoolyardError
        No name and no school role in the profile, or the place is not an area.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> name, grounds = schoolyard_place(load_area("sample"))
    >>> name, grounds.geom_type
    ('Kaisaniemen ala-aste', 'Polygon')
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


def visibility_classes(cells: gpd.GeoDataFrame, min_observers: int) -> gpd.GeoDataFrame:
    """Cells merged into polygons by how many observers see them (metric, never pixels).

    Classes (:data:`VISIBILITY_CLASSES`): hidden (fewer than ``min_observers``), few (up to
    a quarter of the most-seen cell's count), some (up to half) and many. Columns
    ``class``, ``min_count``, ``max_count``, ``cells``; the labels for people come from
    ``labels.toml`` (:func:`sjobo_geo.maps.schoolyard.labelled_classes`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> cells = gpd.GeoDataFrame({"count": [0, 2, 5, 9, 20]},
    ...                          geometry=[box(i, 0, i + 1, 1) for i in range(5)])
    >>> classes = visibility_classes(cells, min_observers=2)
    >>> classes[["class", "min_count", "max_count", "cells"]].values.tolist()
    [['vis_hidden', 0, 1, 1], ['vis_few', 2, 4, 1], ['vis_some', 5, 9, 2], ['vis_many', 10, 20, 1]]
    """
    import geopandas as gpd
    import shapely

    counts = cells["count"].to_numpy()
    top = max(int(counts.max()) if len(counts) else 0, min_observers)
    edges = [0, min_observers, max(min_observers + 1, top // 4), max(min_observers + 2, top // 2),
             top + 1]
    rows, geoms = [], []
    for i, key in enumerate(VISIBILITY_CLASSES):
        sel = (counts >= edges[i]) & (counts < edges[i + 1])
        if not sel.any():
            continue
        geoms.append(shapely.coverage_union_all(cells.geometry.values[sel]))
        rows.append({"class": key, "min_count": edges[i], "max_count": edges[i + 1] - 1,
                     "cells": int(sel.sum())})
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=cells.crs) if rows else \
        gpd.GeoDataFrame({"class": [], "min_count": [], "max_count": [], "cells": []},
                         geometry=[], crs=cells.crs)


def analyse_schoolyard(
    area: Area,
    *,
    place: str | None = None,
    reports: ReportSet | gpd.GeoDataFrame | None = None,
    lighting: gpd.GeoDataFrame | None = None,
    min_share: float = 0.05,
    settings: str = "crime_prevention_victoria",
    progress: Callable[[str], None] | None = None,
) -> SchoolyardResult:
    """Visibility, hidden places and vegetation actions for a place, as objects.

    Parameters
    ----------
    area : Area
    place : str, optional
        Place name (gazetteer); the profile's school by default (:func:`schoolyard_place`).
    reports : ReportSet or geopandas.GeoDataFrame, optional
        Validated reports; those within :data:`NEAR_M` of the grounds are kept (internal
        map). Synthetic reports label the result synthetic.
    lighting : geopandas.GeoDataFrame, optional
        Lighting gaps (e.g. layer ``path_gaps`` of ``lighting.gpkg``, or
        ``analyse_lighting_gaps(area).analysis.path_gaps``), any CRS; those within
        :data:`NEAR_M` of the grounds are kept.
    min_share : float, default 0.05
        A cell seen by fewer than this share of the observers (at least 1) is hidden.
    settings : str, default "crime_prevention_victoria"
        Trimming heights and clearances (:data:`sjobo_geo.analysis.visibility.CPTED_SETTINGS`).
    progress : callable, optional
        Called with each step of :data:`SCHOOLYARD_ANALYSIS_STEPS`.

    Returns
    -------
    SchoolyardResult

    Raises
    ------
    SchoolyardError
        No place named and no school in the profile, or the place is not an area.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> area = load_area("sample")
    >>> result = analyse_schoolyard(area)  # doctest: +SKIP
    >>> result.place_name, result.min_observers  # doctest: +SKIP
    ('Kaisaniemen ala-aste', 4)
    """
    import geopandas as gpd

    from sjobo_geo.analysis.visibility import hidden_places, observer_points, vegetation_actions

    step = progress or noop
    name, geom = schoolyard_place(area, place)
    step(SCHOOLYARD_ANALYSIS_STEPS[0])
    observers = observer_points(geom, area)
    min_observers = max(1, math.ceil(min_share * len(observers)))
    step(SCHOOLYARD_ANALYSIS_STEPS[1])
    actions = vegetation_actions(geom, area, observers, settings=settings,
                                 min_observers=min_observers)
    base = actions.baseline
    hidden = hidden_places(base.counts, base.info, min_observers=min_observers)
    classes = visibility_classes(base.cells, min_observers)
    near = geom.buffer(NEAR_M)
    lamps = area.layers["lamps"]
    lamps = lamps[lamps.intersects(near)]
    gaps = None
    if lighting is not None:
        gaps = lighting.to_crs(area.crs)
        gaps = gaps[gaps.intersects(near)]
    near_reports = None
    synthetic = False
    if reports is not None:
        if hasattr(reports, "geometry"):  # the frame of a ReportSet
            frame = reports
            synthetic = bool("synthetic" in frame and frame["synthetic"].astype("boolean")
                             .fillna(False).any())
        else:
            frame, synthetic = reports.reports, bool(reports.synthetic)
        near_reports = frame[frame.intersects(near)]
    place_gdf = gpd.GeoDataFrame(
        {"name": [name], "area_m2": [geom.area], "observers": [len(observers)],
         "min_observers": [min_observers], "settings": [actions.settings.source]},
        geometry=[geom], crs=area.crs)
    top = actions.ranked.head(1)
    message = (
        f"{name}: {geom.area:,.0f} m², {len(observers)} observers; hidden (seen by fewer than "
        f"{min_observers}): {hidden['area_m2'].sum():,.0f} m² in {len(hidden)} places; "
        f"{len(actions.ranked)} vegetation features ranked"
        + (f", first: {top['kind'].iloc[0]} revealing {top['revealed_m2'].iloc[0]:,.0f} m²"
           if len(top) else "")
    )
    return SchoolyardResult(
        place_name=name, grounds=geom, place=place_gdf, observers=observers,
        min_observers=min_observers, min_share=min_share, actions=actions, hidden=hidden,
        classes=classes, lamps=lamps, reports=near_reports, gaps=gaps, synthetic=synthetic,
        settings=actions.settings.source, messages=[message])
