"""Observers around a place: points on walkable paths and just outside facades facing it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.visibility._errors import VisibilityError
from sjobo_geo.analysis.visibility.grid import as_place, check_metric_crs, to_reference_crs

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["observer_points"]


def _points_along(lines: np.ndarray, spacing: float) -> np.ndarray:
    """Points every ``spacing`` m along each line (at least its midpoint)."""
    import shapely

    if len(lines) == 0:
        return np.zeros((0, 2))
    length = shapely.length(lines)
    n = np.maximum(1, np.floor(length / spacing).astype(np.int64) + 1)
    owner = np.repeat(np.arange(len(lines)), n)
    k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    # centred on each line: the leftover shared at both ends
    offset = (length - (n - 1) * spacing) / 2.0
    offset = np.where(n == 1, length / 2.0, offset)
    dist = offset[owner] + k * spacing
    pts = shapely.line_interpolate_point(lines[owner], dist)
    return shapely.get_coordinates(pts)


def _parts(geoms: np.ndarray, dim: int) -> np.ndarray:
    import shapely

    parts = shapely.get_parts(geoms)
    parts = parts[~shapely.is_empty(parts)]
    return parts[shapely.get_dimensions(parts) == dim]


def observer_points(
    place_polygon: Any,
    area: Any,
    *,
    path_spacing: float = 10.0,
    facade_spacing: float = 5.0,
    radius: float = 50.0,
) -> gpd.GeoDataFrame:
    """Observer points around a place: on walkable paths and at facades facing it.

    Parameters
    ----------
    place_polygon : shapely (Multi)Polygon, GeoSeries or GeoDataFrame
        The place; a frame in another CRS is reprojected to the area's, one without a CRS
        refused (:class:`VisibilityCRSError`); a bare geometry is taken to be in it.
    area : sjobo_geo.core.area.Area
        Uses the ``paths`` and ``buildings`` layers (any object with those attributes).
    path_spacing : float, default 10.0
        Metres between observers along paths.
    facade_spacing : float, default 5.0
        Metres between observers along facades (a proxy for windows and entrances).
    radius : float, default 50.0
        Paths and facades within this distance of the place count.

    Returns
    -------
    geopandas.GeoDataFrame
        Points with ``kind`` ``"path"`` or ``"facade"`` and ``distance_m`` to the place.
        Path observers lie on path centre lines (also paths across the place); facade
        observers 0.5 m outside a building outline, on wall segments whose outward normal
        points towards the place (the nearest point of the place lies in front of the
        wall). Points inside buildings are dropped.
    """
    import geopandas as gpd
    import shapely

    place_polygon = to_reference_crs(place_polygon, getattr(area, "crs", None), "the place",
                                     target="the area")
    place, crs = as_place(place_polygon)
    check_metric_crs(getattr(area, "crs", None), "the area")
    if not (path_spacing > 0 and facade_spacing > 0 and radius >= 0):
        raise VisibilityError("path_spacing and facade_spacing must be positive, radius >= 0")
    crs = crs if crs is not None else getattr(area, "crs", None)
    reach = shapely.buffer(place, radius)
    shapely.prepare(reach)

    # paths
    paths = area.paths.geometry.values if len(area.paths) else np.zeros(0, object)
    if len(paths):
        paths = paths[shapely.intersects(paths, reach)]
        clipped = _parts(shapely.intersection(paths, reach), 1) if len(paths) else paths
        path_xy = _points_along(np.asarray(clipped, dtype=object), path_spacing)
    else:
        path_xy = np.zeros((0, 2))

    # facades
    blds = area.buildings.geometry.values if len(area.buildings) else np.zeros(0, object)
    blds = _parts(blds[shapely.intersects(blds, reach)], 2) if len(blds) else blds
    facade_xy = np.zeros((0, 2))
    if len(blds):
        rings = shapely.get_rings(blds, return_index=True)
        ring_geoms, owner = rings
        coords, ring_idx = shapely.get_coordinates(ring_geoms, return_index=True)
        same = ring_idx[1:] == ring_idx[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        poly = blds[owner[ring_idx[:-1][same]]]
        seg = b - a
        length = np.hypot(seg[:, 0], seg[:, 1])
        ok = length > 1e-6
        a, seg, length, poly = a[ok], seg[ok], length[ok], poly[ok]
        normal = np.stack([seg[:, 1], -seg[:, 0]], axis=1) / length[:, None]
        mid = a + seg / 2
        probe = mid + 0.05 * normal
        flip = shapely.contains_xy(poly, probe[:, 0], probe[:, 1])
        normal[flip] *= -1  # now outward
        obs_mid = mid + 0.5 * normal
        near = shapely.get_coordinates(
            shapely.shortest_line(shapely.points(obs_mid), place))[1::2]
        to_place = near - obs_mid
        dist = np.hypot(to_place[:, 0], to_place[:, 1])
        facing = (dist <= radius) & (
            (dist < 1e-9) | ((to_place * normal).sum(axis=1) > 0.0)
        )
        a, seg, length, normal = a[facing], seg[facing], length[facing], normal[facing]
        n = np.maximum(1, np.round(length / facade_spacing).astype(np.int64))
        owner_s = np.repeat(np.arange(len(a)), n)
        k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        frac = (k + 0.5) / n[owner_s]
        facade_xy = a[owner_s] + frac[:, None] * seg[owner_s] + 0.5 * normal[owner_s]

    xy = np.concatenate([path_xy, facade_xy])
    kind = np.array(["path"] * len(path_xy) + ["facade"] * len(facade_xy), dtype=object)
    pts = shapely.points(xy) if len(xy) else np.zeros(0, object)
    if len(pts) and len(blds):
        tree = shapely.STRtree(blds)
        inside_idx = tree.query(pts, predicate="within")[0]
        keep = np.ones(len(pts), bool)
        keep[inside_idx] = False
        pts, kind = pts[keep], kind[keep]
    dist = shapely.distance(place, pts) if len(pts) else np.zeros(0)
    return gpd.GeoDataFrame({"kind": kind, "distance_m": dist}, geometry=pts, crs=crs)
