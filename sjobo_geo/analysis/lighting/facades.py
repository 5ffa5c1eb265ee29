"""Facade lighting: vertical illuminance on the building walls that face a square.

:func:`facade_lighting` samples the outer walls of the buildings near a square at face
height, keeps the samples that face the square, sums the vertical illuminance of the lamps
that see them (:func:`~.photometry.vertical_illuminance`, lamps behind other buildings
blocked) and returns the lit and dark stretches (:class:`FacadeLighting`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.lighting.analysis import (
    DEFAULT_MAINTENANCE_FACTOR,
    check_lamp_table,
    lit_lamps,
    nearest_names,
)
from sjobo_geo.analysis.lighting.photometry import LightingError
from sjobo_geo.analysis.lighting.surfaces import geometry_array, main_square, substrings

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = [
    "FACADE_DISTANCE_M", "FACADE_FACING_DEG", "FACADE_HEIGHT_M", "FACADE_SPACING_M",
    "FACADE_THRESHOLD_LUX", "FacadeLighting", "facade_lighting",
]

# --------------------------------------------------------------------------------------
# settings

#: Vertical illuminance below which a facade stretch is *dark* (lux, at 1.5 m). A setting of
#: this project, not a standard value: DOMAIN.md gives no vertical requirement (EN 13201-2's
#: vertical and semi-cylindrical classes and Boverket's advice on lit surroundings are the
#: places to check). 1 lx is the minimum of the P4 class on the ground, used as the level at
#: which a wall is seen as lit rather than as a dark mass.
FACADE_THRESHOLD_LUX = 1.0
#: Facades up to this far from the square count (metres).
FACADE_DISTANCE_M = 30.0
#: Spacing of facade samples (metres).
FACADE_SPACING_M = 1.5
#: Height of facade samples (face height, metres).
FACADE_HEIGHT_M = 1.5
#: A facade faces the square when its outward normal is within this angle of the direction
#: to the square (degrees).
FACADE_FACING_DEG = 75.0


# --------------------------------------------------------------------------------------
# facades


@dataclass
class FacadeLighting:
    """Vertical illuminance on the facades around a square.

    Attributes
    ----------
    square : str
        Name of the square (or ``"(geometry)"``).
    samples : geopandas.GeoDataFrame
        Points on the facing facades every ``spacing`` m: ``building`` (row of
        ``area.buildings``), ``building_name``, ``address``, ``normal_x``, ``normal_y``
        (outward), ``distance_m`` (to the square), ``ev_lux``, ``dark``.
    facades : geopandas.GeoDataFrame
        Facing facade stretches, each lit or dark throughout: ``facade_id``, ``dark``,
        ``length_m``, ``min_lux``, ``mean_lux``, ``building``, ``building_name``,
        ``address`` (the building's own ``addr:street`` and number), ``nearest_address``
        (the nearest addressed building, when it has none), ``nearest_street``; lines.
    threshold_lux : float
    params : dict
    """

    square: str
    samples: gpd.GeoDataFrame
    facades: gpd.GeoDataFrame
    threshold_lux: float
    params: dict[str, Any]

    @property
    def dark(self) -> gpd.GeoDataFrame:
        """Dark stretches, longest first."""
        d = self.facades[self.facades["dark"]]
        return d.sort_values("length_m", ascending=False, kind="stable")


def facade_lighting(
    area: Area,
    lamps: gpd.GeoDataFrame | None = None,
    *,
    square: Any = None,
    distance: float = FACADE_DISTANCE_M,
    spacing: float = FACADE_SPACING_M,
    point_height: float = FACADE_HEIGHT_M,
    threshold_lux: float = FACADE_THRESHOLD_LUX,
    maintenance_factor: float = DEFAULT_MAINTENANCE_FACTOR,
    facing_deg: float = FACADE_FACING_DEG,
    occlusion: bool = True,
    reach_m: float = 150.0,
) -> FacadeLighting:
    """Vertical illuminance on the building facades that face a square, and the dark ones.

    Facades are the outer walls of buildings within ``distance`` m of the square, sampled
    every ``spacing`` m (at most) at ``point_height``; a sample *faces* the square when its
    outward normal is within ``facing_deg`` of the direction to the nearest point of the
    square and no other building stands in between. Each lamp lights a sample by
    :func:`~.photometry.vertical_illuminance` (zero from behind the wall); with
    ``occlusion`` a lamp whose straight line to the sample crosses a building does not count.

    Parameters
    ----------
    area : Area
    lamps : geopandas.GeoDataFrame, optional
        Standard lamp table (default ``lamps_from_osm(area)``); broken and planned lamps
        are left out. In another CRS it is reprojected to ``area.crs``; without a CRS it is
        refused (:class:`~sjobo_geo._errors.CRSError`).
    square : str, shapely geometry or Place, optional
        The square; the profile's ``main_square`` role by default (Sjöbo torg; Senaatintori
        in the sample), else the largest named square.
    distance : float, default 30
        Facades up to this far from the square, metres.
    spacing : float, default 1.5
        Largest sample spacing along a wall, metres.
    point_height : float, default 1.5
        Sample height (face height), metres.
    threshold_lux : float, default 1.0
        Below this a sample is dark (:data:`FACADE_THRESHOLD_LUX`).
    maintenance_factor : float, default 0.8
    facing_deg : float, default 75
    occlusion : bool, default True
        Buildings block lamps (2-D: every building as tall as the lamp).
    reach_m : float, default 150
        Lamps farther than this from a sample are not evaluated (a 3,000 lm lamp gives
        well under 0.05 lx there).

    Returns
    -------
    FacadeLighting

    Raises
    ------
    LightingError
        No square can be found, or bad settings.
    PlaceNotFoundError
        ``square`` names no place of the area.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely
    from scipy.spatial import cKDTree

    from sjobo_geo.analysis.lighting.photometry import vertical_illuminance

    for name, value in (("distance", distance), ("spacing", spacing),
                        ("threshold_lux", threshold_lux)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise LightingError(f"{name} must be a positive number, got {value!r}")
    sq_name, sq_geom = main_square(area, square)
    if lamps is None:
        from sjobo_geo.inputs.lamps import lamps_from_osm

        lamps = lamps_from_osm(area)
    lamps = check_lamp_table(lamps, area.crs)
    lit = lamps[lit_lamps(lamps)]
    mf = float(maintenance_factor)
    bld = area.layers["buildings"]
    params = {"distance_m": distance, "spacing_m": spacing, "point_height_m": point_height,
              "threshold_lux": threshold_lux, "maintenance_factor": mf,
              "facing_deg": facing_deg, "occlusion": occlusion, "reach_m": reach_m}
    sample_cols = ["building", "building_name", "address", "normal_x", "normal_y",
                   "distance_m", "ev_lux", "dark"]
    facade_cols = ["facade_id", "dark", "length_m", "min_lux", "mean_lux", "building",
                   "building_name", "address", "nearest_address", "nearest_street"]
    empty = FacadeLighting(
        sq_name, gpd.GeoDataFrame({c: [] for c in sample_cols}, geometry=[], crs=area.crs),
        gpd.GeoDataFrame({c: [] for c in facade_cols}, geometry=[], crs=area.crs),
        float(threshold_lux), params)
    if bld.empty:
        return empty
    btree = shapely.STRtree(geometry_array(bld))
    near = btree.query(sq_geom, predicate="dwithin", distance=distance)
    if len(near) == 0:
        return empty
    polys, owner = shapely.get_parts(geometry_array(bld)[near], return_index=True)
    polys = shapely.orient_polygons(polys, exterior_cw=False)  # exterior counter-clockwise
    rcoords, rindex = shapely.get_coordinates(shapely.get_exterior_ring(polys),
                                              return_index=True)
    rings = shapely.linestrings(rcoords, indices=rindex)
    b_of_ring = near[owner]
    rlen = shapely.length(rings)
    # samples per wall segment (never at a corner): equal parts of at most `spacing`
    seg_ring = rindex[1:]
    real = seg_ring == rindex[:-1]
    a_xy, b_xy, seg_ring = rcoords[:-1][real], rcoords[1:][real], seg_ring[real]
    d = b_xy - a_xy
    slen = np.hypot(d[:, 0], d[:, 1])
    keep = slen > 1e-6
    a_xy, d, slen, seg_ring = a_xy[keep], d[keep], slen[keep], seg_ring[keep]
    seg_start = np.cumsum(slen) - slen
    seg_start -= seg_start[np.searchsorted(seg_ring, seg_ring)]  # distance along its ring
    nseg = np.maximum(1, np.ceil(slen / spacing - 1e-9)).astype(np.int64)
    srep = np.repeat(np.arange(len(slen)), nseg)
    k = np.arange(int(nseg.sum())) - np.repeat(np.cumsum(nseg) - nseg, nseg)
    step = slen[srep] / nseg[srep]
    frac = (k + 0.5) / nseg[srep]
    on_wall = a_xy[srep] + d[srep] * frac[:, None]
    normal = np.column_stack([d[srep, 1], -d[srep, 0]]) / slen[srep, None]
    s_lo = seg_start[srep] + k * step
    rep = seg_ring[srep]  # ring of each sample
    pts_xy = on_wall + 0.1 * normal  # just outside the wall
    pts = shapely.points(pts_xy)
    to_sq = shapely.shortest_line(pts, sq_geom)
    ends = shapely.get_coordinates(to_sq).reshape(-1, 2, 2)
    vec = ends[:, 1] - ends[:, 0]
    dist = np.hypot(vec[:, 0], vec[:, 1])
    cosang = np.where(dist > 1e-9, (vec * normal).sum(axis=1) / np.maximum(dist, 1e-9), 1.0)
    facing = (dist <= distance) & (cosang >= math.cos(math.radians(facing_deg)))
    if facing.any() and occlusion:
        idx = np.flatnonzero(facing & (dist > 1e-9))
        hit_l, hit_b = btree.query(to_sq[idx], predicate="intersects")
        blocked = np.zeros(len(idx), dtype=bool)
        blocked[hit_l[hit_b != b_of_ring[rep][idx][hit_l]]] = True
        facing[idx[blocked]] = False
    sel = np.flatnonzero(facing)
    if len(sel) == 0:
        return empty
    sxy, snorm = pts_xy[sel], normal[sel]
    sbld = b_of_ring[rep][sel]
    ev = np.zeros(len(sel))
    if len(lit):
        lxy = shapely.get_coordinates(geometry_array(lit))
        lh = lit["mount_height_m"].to_numpy(dtype=np.float64)
        li = lit["intensity_cd"].to_numpy(dtype=np.float64)
        ld = (lit["distribution"].astype("string").fillna("lambertian").str.lower().to_numpy()
              if "distribution" in lit else np.full(len(lit), "lambertian"))
        pairs = cKDTree(sxy).sparse_distance_matrix(cKDTree(lxy), reach_m,
                                                    output_type="ndarray")
        ps, pl = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
        if occlusion and len(ps):
            sight = shapely.linestrings(np.stack([sxy[ps], lxy[pl]], axis=1))
            hit_l, hit_b = btree.query(sight, predicate="intersects")
            blocked = np.zeros(len(ps), dtype=bool)
            blocked[hit_l] = True
            ps, pl = ps[~blocked], pl[~blocked]
        # one call per (height, distribution) group: the lamp at the origin, unit intensity
        hd = np.unique(np.column_stack([lh[pl], np.searchsorted(np.unique(ld), ld[pl])]),
                       axis=0, return_inverse=True)
        dists = np.unique(ld)
        for gi, (h, di) in enumerate(hd[0]):
            g = hd[1].ravel() == gi
            unit_ev = vertical_illuminance(
                [[0.0, 0.0]], float(h), 1.0, sxy[ps[g]] - lxy[pl[g]], snorm[ps[g]],
                point_height=point_height, distribution=str(dists[int(di)]),
                maintenance_factor=mf)
            ev += np.bincount(ps[g], weights=unit_ev * li[pl[g]], minlength=len(sel))
    dark = ev < threshold_lux
    name = bld["name"].astype("string").fillna("").to_numpy(dtype=object)
    if "addr:street" in bld:
        num = (bld["addr:housenumber"].astype("string").fillna("") if "addr:housenumber" in bld
               else pd.Series("", index=bld.index))
        addr = (bld["addr:street"].astype("string").fillna("") + " " + num).str.strip()
        addr = addr.fillna("").to_numpy(dtype=object)
    else:
        addr = np.full(len(bld), "", dtype=object)
    samples = gpd.GeoDataFrame({
        "building": sbld, "building_name": name[sbld], "address": addr[sbld],
        "normal_x": snorm[:, 0], "normal_y": snorm[:, 1], "distance_m": dist[sel],
        "ev_lux": ev, "dark": dark,
    }, geometry=shapely.points(sxy), crs=area.crs)

    # stretches: runs of facing samples along one ring with the same state
    ring = rep[sel]
    order_in_ring = np.arange(len(rep))[sel]
    lo_d, step_s = s_lo[sel], step[sel]
    brk = np.concatenate([[True], (ring[1:] != ring[:-1])
                          | (order_in_ring[1:] != order_in_ring[:-1] + 1)
                          | (dark[1:] != dark[:-1])])
    run = np.cumsum(brk) - 1
    first = np.flatnonzero(brk)
    last = np.concatenate([first[1:], [len(sel)]]) - 1
    r_ring = ring[first]
    start = lo_d[first]
    end = np.minimum(lo_d[last] + step_s[last], rlen[r_ring])
    geoms = substrings(rings, r_ring, start, end)
    cnt = np.bincount(run)
    rmin = np.full(len(first), np.inf)
    np.minimum.at(rmin, run, ev)
    rb = sbld[first]
    street, near_addr, _ = nearest_names(geoms, area, max_distance=60.0)
    own = addr[rb]
    facades = gpd.GeoDataFrame({
        "facade_id": np.arange(1, len(first) + 1, dtype=np.int64), "dark": dark[first],
        "length_m": end - start, "min_lux": rmin,
        "mean_lux": np.bincount(run, weights=ev) / cnt, "building": rb,
        "building_name": name[rb], "address": own,
        "nearest_address": np.where(own == "", near_addr, ""), "nearest_street": street,
    }, geometry=list(geoms), crs=area.crs)
    return FacadeLighting(sq_name, samples, facades, float(threshold_lux), params)
