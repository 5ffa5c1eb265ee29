"""The schoolyard report: what can be seen, what is hidden, and which bushes to cut back.

For a place (the profile's school by default, or any named schoolyard, courtyard or square)
this job combines :mod:`sjobo_geo.analysis.visibility` (observers on paths and facing facades, 2D
isovists blocked by buildings and sight-blocking vegetation) with the area's lamps and, when
given, the reports in and around the grounds, and writes ``schoolyard.html``,
``schoolyard.gpkg`` and ``vegetation_actions.csv``.

A cell is *hidden* when fewer than ``min_share`` of the observers (5 % by default, at least
one) can see it: on real grounds almost every cell is seen by someone, so "seen by nobody" finds
little, while "seen by hardly anyone" is what natural surveillance is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo._errors import SjoboGeoError

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = [
    "SchoolyardError",
    "SchoolyardResult",
    "schoolyard_place",
]


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


def visibility_classes(cells: gpd.GeoDataFrame, min_observers: int,
                        lang: str) -> gpd.GeoDataFrame:
    """Cells merged into polygons by how many observers see them (metric, never pixels)."""
    import geopandas as gpd
    import shapely

    from sjobo_geo.core.i18n import label

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


