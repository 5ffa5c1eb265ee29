"""Sight blockers and vegetation actions: what blocks sight and what to cut back.

:func:`blockers_from_area` turns an area's buildings and vegetation into blocker shapes
(line vegetation at its modelled width, low shrubs left out); :func:`vegetation_actions`
ranks the vegetation near a place by the hidden area that cutting it back would reveal and
lists hedges and scrub beside paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.visibility._errors import VisibilityError
from sjobo_geo.analysis.visibility.grid import (
    GridInfo,
    VisibilityResult,
    as_place,
    as_xy,
    build_scene,
    check_metric_crs,
    depth_buffer,
    filter_observers,
    target_bins,
    to_reference_crs,
    visible_counts,
)
from sjobo_geo.analysis.visibility.observers import observer_points
from sjobo_geo.analysis.visibility.settings import CPTED_SETTINGS, DEFAULT_SETTINGS, TrimSettings

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["VegetationActions", "blockers_from_area", "vegetation_actions"]


def _veg_height(veg: gpd.GeoDataFrame) -> np.ndarray:
    import pandas as pd

    if "height" not in veg:
        return np.full(len(veg), np.nan)
    h = pd.to_numeric(veg["height"].astype("string").str.extract(r"([\d.]+)")[0],
                      errors="coerce")
    return h.to_numpy(dtype="float64", na_value=np.nan)


def _vegetation_blockers(veg: gpd.GeoDataFrame, settings: TrimSettings) -> np.ndarray:
    """Blocker geometry per vegetation row (None where it does not block)."""
    import shapely

    geoms = np.asarray(veg.geometry.values, dtype=object)
    kind = veg["kind"].astype(str).to_numpy() if len(veg) else np.zeros(0, str)
    dim = shapely.get_dimensions(geoms)
    width = np.select(
        [kind == "hedge", kind == "scrub", kind == "tree_row", kind == "forest_edge",
         kind == "tree"],
        [settings.hedge_width_m, settings.scrub_line_width_m, settings.tree_row_width_m,
         settings.forest_edge_width_m, 2 * settings.tree_radius_m],
        default=1.0,
    )
    out = geoms.copy()
    line_like = dim < 2
    if line_like.any():
        # lines at their width; the centre line is kept too (a union) so nothing leaks
        buf = shapely.buffer(geoms[line_like], width[line_like] / 2.0)
        out[line_like] = np.where(dim[line_like] == 1,
                                  shapely.union(buf, geoms[line_like]), buf)
    low = np.isin(kind, ["scrub", "hedge"]) & (_veg_height(veg) <= settings.shrub_max_height_m)
    out[low] = None
    return out


def blockers_from_area(place_polygon: Any, area: Any, *, radius: float = 130.0,
                       settings: TrimSettings = DEFAULT_SETTINGS) -> gpd.GeoDataFrame:
    """Sight blockers near a place: buildings plus sight-blocking vegetation (2D).

    Parameters
    ----------
    place_polygon : shapely (Multi)Polygon, GeoSeries or GeoDataFrame
        The place.
    area : sjobo_geo.core.area.Area
        Uses ``buildings`` and ``vegetation``.
    radius : float, default 130.0
        Blockers within this distance of the place (observer radius + sight distance).
    settings : TrimSettings
        Widths of line vegetation and the shrub height below which scrub and hedges with a
        ``height`` tag do not block.

    Returns
    -------
    geopandas.GeoDataFrame
        ``source`` (``"building"`` or ``"vegetation"``), ``kind``, ``index`` (row in the
        source layer); ``geometry`` is the blocker shape (lines buffered to their width).
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    place_polygon = to_reference_crs(place_polygon, getattr(area, "crs", None), "the place",
                                     target="the area")
    place, crs = as_place(place_polygon)
    crs = crs if crs is not None else getattr(area, "crs", None)
    reach = shapely.buffer(place, radius)
    frames = []
    b = area.buildings
    if len(b):
        sel = np.flatnonzero(shapely.intersects(b.geometry.values, reach))
        frames.append(pd.DataFrame({
            "source": "building", "kind": "building", "index": b.index[sel],
            "geometry": b.geometry.values[sel],
        }))
    v = area.vegetation
    if len(v):
        sel = np.flatnonzero(shapely.intersects(v.geometry.values, reach))
        g = _vegetation_blockers(v.iloc[sel], settings)
        frames.append(pd.DataFrame({
            "source": "vegetation", "kind": v["kind"].to_numpy()[sel],
            "index": v.index[sel], "geometry": g,
        }))
    if not frames:
        return gpd.GeoDataFrame({"source": [], "kind": [], "index": []}, geometry=[], crs=crs)
    df = pd.concat(frames, ignore_index=True)
    df = df[df["geometry"].notna()]
    return gpd.GeoDataFrame(df, geometry="geometry", crs=crs).reset_index(drop=True)


@dataclass
class VegetationActions:
    """What :func:`vegetation_actions` returns.

    Attributes
    ----------
    ranked : geopandas.GeoDataFrame
        One row per sight-blocking vegetation feature near the place, ranked by
        ``revealed_m2`` (hidden area of the place that cutting it back makes visible):
        ``rank``, ``index`` (row in ``area.vegetation``), ``osm_id``, ``kind``, ``name``,
        ``revealed_m2``, ``revealed_cells``, ``action``, ``source``; geometry = the feature.
    near_paths : geopandas.GeoDataFrame
        Hedges and scrub within ``settings.path_clearance_m`` of a path: ``index``,
        ``osm_id``, ``kind``, ``length_m`` (lines) or ``area_m2`` (polygons),
        ``distance_m`` to the nearest path, ``action``.
    baseline : VisibilityResult
        The visibility grid with all blockers.
    observers : geopandas.GeoDataFrame
        The observers used.
    settings : TrimSettings
        The trimming settings and their source.
    """

    ranked: gpd.GeoDataFrame
    near_paths: gpd.GeoDataFrame
    baseline: VisibilityResult
    observers: gpd.GeoDataFrame
    settings: TrimSettings


def vegetation_actions(
    place_polygon: Any,
    area: Any,
    observers: Any = None,
    *,
    settings: TrimSettings | str = DEFAULT_SETTINGS,
    cell_size: float = 1.0,
    max_distance: float = 80.0,
    min_observers: int = 1,
    radius: float = 50.0,
) -> VegetationActions:
    """Rank the vegetation around a place by the hidden area cutting it back would reveal.

    Parameters
    ----------
    place_polygon : shapely (Multi)Polygon, GeoSeries or GeoDataFrame
        The place (e.g. a schoolyard). Frames (place, observers) in another CRS are
        reprojected to the area's, without a CRS refused (:class:`VisibilityCRSError`);
        bare geometries and arrays are taken to be in it.
    area : sjobo_geo.core.area.Area
        Uses ``buildings``, ``vegetation`` and ``paths``.
    observers : GeoDataFrame or array_like of shape (n, 2), optional
        Observer points; default :func:`observer_points` with ``radius``.
    settings : TrimSettings or str, default Crime Prevention Victoria
        A :class:`TrimSettings` or a key of :data:`CPTED_SETTINGS`.
    cell_size, max_distance, min_observers
        As in :func:`visibility_grid`.
    radius : float, default 50.0
        Observer radius when ``observers`` is not given; vegetation within
        ``radius + max_distance`` of the place is considered.

    Returns
    -------
    VegetationActions

    Notes
    -----
    For each feature, ``revealed`` = cells of the place (outside every blocker) that are
    hidden (seen by fewer than ``min_observers``) with all blockers and no longer hidden
    when this one feature is cut back (removed as a blocker, 2D). The
    feature's own footprint is not counted as revealed. Each observer's depth buffer keeps
    the nearest blocker per direction, its owner and the nearest *other* blocker, so each
    feature's removal is a lookup, exact in the 2D model. Gains are per feature, not
    additive: two hedges hiding the same corner each reveal nothing alone.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    if isinstance(settings, str):
        if settings not in CPTED_SETTINGS:
            raise VisibilityError(
                f"unknown settings {settings!r}; expected one of {sorted(CPTED_SETTINGS)}"
            )
        settings = CPTED_SETTINGS[settings]
    area_crs = getattr(area, "crs", None)  # CRS at the door: reprojected or refused
    place_polygon = to_reference_crs(place_polygon, area_crs, "the place", target="the area")
    if observers is not None:
        observers = to_reference_crs(observers, area_crs, "the observers", target="the area")
    place, crs = as_place(place_polygon)
    check_metric_crs(getattr(area, "crs", None), "the area")
    crs = crs if crs is not None else getattr(area, "crs", None)
    if observers is None:
        observers = observer_points(place_polygon, area, radius=radius)
    obs_xy = filter_observers(place, as_xy(observers), max_distance)
    blockers = blockers_from_area(place, area, radius=radius + max_distance,
                                  settings=settings)
    geoms = np.asarray(blockers.geometry.values, dtype=object)
    scene = build_scene(place, obs_xy, geoms, float(cell_size), float(max_distance))
    counts = visible_counts(scene, obs_xy)
    pr, pc = scene.place_rows, scene.place_cols
    out = np.where(scene.target[pr, pc], counts[pr, pc], -1).astype(np.int32)
    info = GridInfo(scene.x0 + pc.start * scene.cell, scene.y0 + pr.start * scene.cell,
                    scene.cell, out.shape, float(max_distance), crs)
    rr, cc = np.nonzero(out >= 0)
    x, y = info.x0 + cc * info.cell_size, info.y0 + rr * info.cell_size
    cells = gpd.GeoDataFrame(
        {"row": rr, "col": cc, "count": out[rr, cc], "hidden": out[rr, cc] < min_observers},
        geometry=shapely.box(x, y, x + info.cell_size, y + info.cell_size), crs=crs,
    )
    baseline = VisibilityResult(out, cells, info)

    # hidden target cells (domain coordinates)
    hid_r, hid_c = np.nonzero(scene.target & (counts < min_observers))
    veg_rows = np.flatnonzero((blockers["source"] == "vegetation").to_numpy())
    veg = area.vegetation
    records = []
    # per observer and hidden cell: the nearest blocker in its direction, its owner and the
    # nearest other blocker, so that removing one feature is a lookup (exact, 2D)
    n_obs, n_hid = len(obs_xy), len(hid_r)
    if n_hid and n_obs and len(veg_rows):
        # 16 bytes per observer and hidden cell (500 observers x 5,000 cells: 40 MB)
        dist = np.empty((n_obs, n_hid), np.float32)
        d1 = np.empty((n_obs, n_hid), np.float32)
        o1 = np.empty((n_obs, n_hid), np.int32)
        d2 = np.empty((n_obs, n_hid), np.float32)
        for i, (ox, oy) in enumerate(obs_xy):
            depth, owner1, depth2 = depth_buffer(scene, float(ox), float(oy), second=True)
            b, dist[i] = target_bins(scene, float(ox), float(oy), hid_r, hid_c)
            d1[i], o1[i], d2[i] = depth[b], owner1[b], depth2[b]
        in_range = dist <= max_distance
        base = counts[hid_r, hid_c].astype(np.int64)
        was = in_range & (dist < d1)
    for bi in veg_rows:
        revealed = 0
        if n_hid and n_obs:
            rows_f = np.flatnonzero((o1 == bi).any(axis=1))  # observers it is nearest for
            if len(rows_f):
                sub = o1[rows_f] == bi
                now = in_range[rows_f] & (dist[rows_f] < np.where(sub, d2[rows_f],
                                                                  d1[rows_f]))
                new = base + now.sum(axis=0) - was[rows_f].sum(axis=0)
                revealed = int((new >= min_observers).sum())
        vrow = veg.loc[blockers["index"].iloc[bi]]
        records.append({
            "index": blockers["index"].iloc[bi],
            "osm_id": vrow.get("osm_id"), "kind": vrow["kind"], "name": vrow.get("name"),
            "revealed_cells": revealed,
            "revealed_m2": revealed * scene.cell * scene.cell,
            "action": settings.action(str(vrow["kind"])), "source": settings.source,
            "geometry": vrow.geometry,
        })
    cols = ["rank", "index", "osm_id", "kind", "name", "revealed_m2", "revealed_cells",
            "action", "source"]
    if records:
        ranked = gpd.GeoDataFrame(pd.DataFrame(records), geometry="geometry", crs=crs)
        ranked = ranked.sort_values(["revealed_m2", "index"], ascending=[False, True],
                                    kind="stable").reset_index(drop=True)
        ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    else:
        ranked = gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=crs)
    near = _near_paths(place, area, settings, radius=radius, crs=crs)
    if not hasattr(observers, "geometry"):
        observers = gpd.GeoDataFrame({"kind": ["given"] * len(obs_xy)},
                                     geometry=shapely.points(obs_xy), crs=crs)
    return VegetationActions(ranked, near, baseline, observers, settings)


def _near_paths(place: Any, area: Any, settings: TrimSettings, *, radius: float,
                crs: Any) -> gpd.GeoDataFrame:
    """Hedges and scrub within ``path_clearance_m`` of a path, near the place."""
    import geopandas as gpd
    import shapely

    cols: dict[str, list[Any]] = {"index": [], "osm_id": [], "kind": [], "length_m": [],
                                  "area_m2": [], "distance_m": [], "action": []}
    veg, paths = area.vegetation, area.paths
    if not len(veg) or not len(paths):
        return gpd.GeoDataFrame(cols, geometry=[], crs=crs)
    reach = shapely.buffer(place, radius)
    g = veg.geometry.values
    sel = np.flatnonzero(veg["kind"].isin(["hedge", "scrub"]).to_numpy()
                         & shapely.intersects(g, reach))
    if not len(sel):
        return gpd.GeoDataFrame(cols, geometry=[], crs=crs)
    tree = shapely.STRtree(paths.geometry.values)
    idx, dist = tree.query_nearest(g[sel], return_distance=True, all_matches=False)
    d = np.full(len(sel), np.inf)
    d[idx[0]] = dist
    keep = d <= settings.path_clearance_m
    sel, d = sel[keep], d[keep]
    gs = g[sel]
    dim = shapely.get_dimensions(gs)
    sub = veg.iloc[sel]
    return gpd.GeoDataFrame(
        {"index": veg.index[sel], "osm_id": sub["osm_id"].to_numpy() if "osm_id" in sub
         else None, "kind": sub["kind"].to_numpy(),
         "length_m": np.where(dim == 1, shapely.length(gs), np.nan),
         "area_m2": np.where(dim == 2, shapely.area(gs), np.nan),
         "distance_m": d,
         "action": [f"clear {settings.path_clearance_m:g} m beside the path "
                    f"({settings.path_clearance_source}); "
                    + settings.action(k) for k in sub["kind"]]},
        geometry=gs, crs=crs,
    ).sort_values("distance_m", kind="stable").reset_index(drop=True)
