"""Hot spots of reports, with priority scores for police presence and physical measures.

The police promise more presence at places felt unsafe; the municipality promises physical
work (lighting, bushes, the square). This module finds where reports cluster and ranks the
places for both kinds of measure.

Units
    * **grid**: square cells of ``cell_size`` metres aligned to multiples of the cell size in
      the area's metric CRS (as :mod:`sjobo_geo.analysis.privacy`), clipped to the area
      boundary. Without a given size, :func:`cell_size_rule`: half the Scott bandwidth of the
      reports (:func:`sjobo_geo.analysis.stats.bandwidth_rule`) rounded to 10 m and kept within
      25-200 m. A report belongs to the cell its point falls in (floor of the coordinates).
    * **segments**: the street segments of the walk network (the area's ``paths`` layer,
      one row per edge). A report belongs to the nearest segment within 50 m
      (:data:`SEGMENT_SNAP_M`; farther reports are counted in the grid only).
Hot spots
    Value per grid cell: the summed report weight. Value per segment: the summed weight per
    100 m of segment, the length floored at 25 m (:data:`SEGMENT_MIN_LENGTH_M`) so that
    short pieces (crossings, stubs) do not get huge rates. Raw counts per segment would
    make long segments and sparse networks "hot" and dense networks of short segments
    "cold" even for reports spread evenly along the walkways; with the rate, such reports
    give no significant segments (tested). Getis-Ord Gi* (self included, binary distance
    band): grid neighbours within 2 cells (:data:`GRID_BAND_CELLS`, centre to centre, 13
    cells) by :func:`~sjobo_geo.analysis.stats.gi_star_grid` with the cells outside the area
    left out;
    segments by their midpoints within 150 m (:data:`SEGMENT_BAND_M`) by
    :func:`~sjobo_geo.analysis.stats.gi_star`. p-values are two-sided normal
    (:func:`~sjobo_geo.analysis.stats.p_from_z`), classes by
    :func:`~sjobo_geo.analysis.stats.hotspot_classes` with Benjamini-Hochberg FDR at alpha = 0.05
    ("hot 99%", "hot 95%", "not significant", "cold 95%", "cold 99%").
Density
    A Gaussian kernel density (:func:`~sjobo_geo.analysis.stats.kde`, Scott bandwidth) on a 10 m
    grid, drawn as metric polygons: the smallest regions holding 25 %, 50 % and 75 % of the
    kernel mass (highest-density regions), not a heat map with a pixel radius.
Scores
    :mod:`sjobo_geo.analysis.scoring`: ``police_score`` and ``physical_score`` with one column per
    factor contribution.
Time
    Hour-of-day × weekday counts of the reports of each hot unit (:attr:`HotspotAnalysis.
    profiles`; strings ``profile_hours`` / ``profile_weekdays`` on every unit). When the
    dated reports span at least 6 weeks (:data:`EMERGING_MIN_WEEKS`), Gi* per week and grid
    cell and :func:`~sjobo_geo.analysis.stats.emerging_hotspots` give the ``emerging`` column.
Public
    :func:`public_view` publishes grid cells of at least 100 m
    (:data:`sjobo_geo.analysis.privacy.DEFAULT_CELL_SIZE_M`, aligned to multiples of the
    size; an analysis on other cells is run again on these), only those with at least k
    reports (default 5), and computes every published number from the published cells
    alone: the left-out cells count as zero reports in Gi* and in the emerging classes, the
    report-based score factors are normalised by the largest published cell, and the
    density regions are those of the published counts (bandwidth = cell size), kept when
    they hold at least k. A report that falls only in left-out cells therefore changes no
    published number. Street segments are never published (a short segment with k reports
    pins them down to a few metres). Profiles are by time band with bins of at least k; no
    report-level data or free text is ever written by
    :func:`sjobo_geo.jobs.hotspots.run_hotspots`, and the job computes what it publishes
    beside the view (before/after counts) from :func:`published_reports` only.
Speed
    A million reports take a few seconds: reports that validation snapped onto a path keep
    that path as their segment (``snap_path``), the others are matched exactly with a k-d
    tree over the paths' vertices (:func:`assign_to_segments`); the density is computed on
    binned points when the exact sum would be slower
    (:func:`~sjobo_geo.analysis.stats.kde`, ``method="binned"``, within 1 % where the density
    is above 1 % of its peak); report factors are computed once per distinct category,
    time band and darkness. ``benchmarks/bench_hotspots.py`` compares with the PySAL recipe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.analysis.privacy import DEFAULT_CELL_SIZE_M, DEFAULT_K
from sjobo_geo.analysis.scoring import (
    PHYSICAL_FACTORS,
    POLICE_FACTORS,
    ScoringConfig,
    covered_share,
    distance_to,
    load_scoring_weights,
    nearness,
    normalise_max,
    report_factor_weights,
    walkway_shares,
    weighted_score,
)
from sjobo_geo.core.crs import to_area_crs

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = [
    "EMERGING_MIN_WEEKS",
    "GRID_BAND_CELLS",
    "HotspotAnalysis",
    "HotspotsError",
    "SEGMENT_BAND_M",
    "SEGMENT_MIN_LENGTH_M",
    "SEGMENT_SNAP_M",
    "analyse_hotspots",
    "assign_to_grid",
    "assign_to_segments",
    "before_after",
    "cell_size_rule",
    "density_contours",
    "emerging_classes",
    "grid_units",
    "nearest_street",
    "priorities_table",
    "public_view",
    "published_reports",
    "segment_units",
    "time_profiles",
]


class HotspotsError(ValueError, SjoboGeoError):
    """Reports that cannot be analysed (missing file, none or too few reports, bad size)."""


GRID_BAND_CELLS = 2.0
SEGMENT_BAND_M = 150.0
SEGMENT_SNAP_M = 50.0
SEGMENT_MIN_LENGTH_M = 25.0
EMERGING_MIN_WEEKS = 6
MIN_REPORTS = 3
RECOMMENDED_REPORTS = 30
CELL_MIN_M, CELL_MAX_M = 25.0, 200.0
KDE_CELL_M = 10.0
CONTOUR_MASS = (0.25, 0.5, 0.75)
ALPHA = 0.05
_WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
_BANDS = ("night", "morning", "day", "evening")


# ---- units ----------------------------------------------------------------------------------


def cell_size_rule(points_xy: Any) -> tuple[float, float]:
    """Grid cell size from the reports: ``clip(round(h / 2, -1), 25, 200)`` metres, h the Scott
    bandwidth (:func:`~sjobo_geo.analysis.stats.bandwidth_rule`). Returns ``(cell_size, h)``."""
    from sjobo_geo.analysis.stats import bandwidth_rule

    h = bandwidth_rule(points_xy, "scott")
    return float(np.clip(round(h / 2.0, -1), CELL_MIN_M, CELL_MAX_M)), h


def grid_units(area: Area, cell_size: float) -> gpd.GeoDataFrame:
    """Square cells aligned to multiples of ``cell_size``, clipped to the area boundary.

    Columns ``unit_id`` ("g<col>_<row>" of the global aligned grid), ``row``, ``col`` (of
    the local grid, row 0 south), ``area_share`` and the clipped polygon. ``attrs`` holds
    ``origin`` (x0, y0), ``shape`` (nrows, ncols) and ``cell_size``.
    """
    import geopandas as gpd
    import shapely

    from sjobo_geo.analysis.stats import grid_shape

    cs = float(cell_size)
    xmin, ymin, xmax, ymax = area.boundary.bounds
    x0, y0 = math.floor(xmin / cs) * cs, math.floor(ymin / cs) * cs
    nrows, ncols = grid_shape((x0, y0, xmax, ymax), cs)
    rr2d, cc2d = np.meshgrid(np.arange(nrows), np.arange(ncols), indexing="ij")
    rr, cc = rr2d.ravel(), cc2d.ravel()
    boxes = shapely.box(x0 + cc * cs, y0 + rr * cs, x0 + (cc + 1) * cs, y0 + (rr + 1) * cs)
    shapely.prepare(area.boundary)
    keep = shapely.intersects(area.boundary, boxes)
    clipped = shapely.intersection(boxes[keep], area.boundary)
    share = shapely.area(clipped) / cs**2
    ok = share > 1e-6
    rr, cc = rr[keep][ok], cc[keep][ok]
    gx = np.rint(x0 / cs).astype(int) + cc
    gy = np.rint(y0 / cs).astype(int) + rr
    grid = gpd.GeoDataFrame({
        "unit_id": [f"g{a}_{b}" for a, b in zip(gx, gy, strict=True)],
        "row": rr, "col": cc, "area_share": share[ok].round(3),
    }, geometry=clipped[ok], crs=area.crs)
    grid.attrs.update(origin=(x0, y0), shape=(nrows, ncols), cell_size=cs)
    return grid


def assign_to_grid(points_xy: Any, grid: gpd.GeoDataFrame) -> np.ndarray:
    """Index (position in ``grid``) of the cell each point falls in; -1 outside every cell."""
    xy = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    x0, y0 = grid.attrs["origin"]
    nrows, ncols = grid.attrs["shape"]
    cs = grid.attrs["cell_size"]
    lookup = np.full((nrows, ncols), -1, dtype=np.int64)
    lookup[grid["row"].to_numpy(), grid["col"].to_numpy()] = np.arange(len(grid))
    col = np.floor((xy[:, 0] - x0) / cs).astype(np.int64)
    row = np.floor((xy[:, 1] - y0) / cs).astype(np.int64)
    ok = (row >= 0) & (row < nrows) & (col >= 0) & (col < ncols)
    out = np.full(len(xy), -1, dtype=np.int64)
    out[ok] = lookup[row[ok], col[ok]]
    return out


def segment_units(area: Area) -> gpd.GeoDataFrame:
    """Street segments of the walk network (the ``paths`` layer) with their midpoints."""
    import geopandas as gpd
    import shapely

    paths = area.layers["paths"]
    geoms = paths.geometry.to_numpy()
    mid = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    seg = gpd.GeoDataFrame({
        "unit_id": [f"s{i}" for i in range(len(paths))],
        "osmid": paths["osmid"].astype(str).to_numpy() if "osmid" in paths else "",
        "name": paths["name"].to_numpy() if "name" in paths else None,
        "highway": paths["highway"].astype(str).to_numpy() if "highway" in paths else "",
        "lit_status": (paths["lit_status"].astype(str).to_numpy() if "lit_status" in paths
                       else "unknown"),
        "length_m": shapely.length(geoms).round(1),
        "mid_x": shapely.get_x(mid), "mid_y": shapely.get_y(mid),
    }, geometry=geoms, crs=area.crs)
    return seg


def assign_to_segments(points_xy: Any, segments: gpd.GeoDataFrame,
                       max_distance: float = SEGMENT_SNAP_M, *,
                       path_index: Any = None) -> np.ndarray:
    """Index of the nearest segment within ``max_distance`` metres of each point; -1 if none.

    Parameters
    ----------
    points_xy : array_like, shape (n, 2)
        Points in the segments' CRS.
    segments : geopandas.GeoDataFrame
        Line units, e.g. :func:`segment_units` (one row per row of the area's paths).
    max_distance : float, default 50
        Farther points belong to no segment.
    path_index : array_like of int, shape (n,), optional
        Per point, the segment it is already known to lie on, -1 where unknown: validation
        snaps reports onto the nearest path and keeps the path's row in ``snap_path``
        (:func:`sjobo_geo.inputs.reports.validate.snap_to_area`); a point on a segment has it
        as its nearest, so these points are not searched again.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)

    Notes
    -----
    The other points are searched exactly: a k-d tree over the segments' vertices, densified
    every 2 m, gives each point's nearest vertices; the exact distances to the pieces at those
    vertices decide. The nearest line has a vertex within ``sqrt(d**2 + 1)`` metres of the
    point (d the distance to the line), so when the vertices found reach past that radius
    the answer is exact; the few points where they do not are searched with a shapely
    STRtree. Ties (a point on a junction): the lowest index, or the path validation chose.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> area = load_area("sample")
    >>> seg = segment_units(area)
    >>> xy = seg[["mid_x", "mid_y"]].to_numpy()[:3] + 0.5
    >>> idx = assign_to_segments(xy, seg)
    >>> bool((seg.geometry.iloc[idx].distance(seg.geometry.iloc[:3], align=False) < 1).all())
    True
    """
    xy = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    out = np.full(len(xy), -1, dtype=np.int64)
    if len(segments) == 0 or len(xy) == 0:
        return out
    todo = np.ones(len(xy), dtype=bool)
    if path_index is not None:
        known = np.asarray(path_index, dtype=np.int64).reshape(-1)
        if known.shape != (len(xy),):
            raise HotspotsError(f"path_index has {known.size} entries for {len(xy)} points")
        ok = (known >= 0) & (known < len(segments))
        out[ok] = known[ok]
        todo = ~ok
    if todo.any():
        # reports located by a place name share one point: search each point once
        codes, unique = pd.factorize(xy[todo, 0] + 1j * xy[todo, 1])
        found = _nearest_lines(np.column_stack([unique.real, unique.imag]),
                               segments.geometry.to_numpy(), max_distance)
        out[todo] = found[codes]
    return out


_DENSIFY_M = 2.0
_NEAREST_K = 3  # vertices per point: fewest k-d tree + STRtree seconds on the sample


def _nearest_lines(xy: np.ndarray, lines: np.ndarray, max_distance: float) -> np.ndarray:
    """Exact index of the nearest line within ``max_distance`` of each point, -1 if none
    (see :func:`assign_to_segments`)."""
    import shapely
    from scipy.spatial import cKDTree

    out = np.full(len(xy), -1, dtype=np.int64)
    if not (shapely.get_type_id(lines) == 1).all():  # LineStrings only; else the tree
        return _nearest_strtree(xy, lines, max_distance)
    coords, owner = shapely.get_coordinates(shapely.segmentize(lines, _DENSIFY_M),
                                            return_index=True)
    nv = len(coords)
    if nv < 2:
        return _nearest_strtree(xy, lines, max_distance)
    # piece j runs from vertex j to vertex j + 1 when both belong to one line
    piece = np.zeros(nv, dtype=bool)
    piece[:-1] = owner[:-1] == owner[1:]
    tree = cKDTree(coords)
    half = _DENSIFY_M / 2
    for s in range(0, len(xy), 200_000):  # chunks bound the temporaries
        x, y = xy[s:s + 200_000, 0], xy[s:s + 200_000, 1]
        d, idx = tree.query(xy[s:s + 200_000], k=_NEAREST_K,
                            distance_upper_bound=max_distance + half, workers=1)
        best = np.full(len(x), np.inf)
        line = np.full(len(x), np.iinfo(np.int64).max)
        radius = best
        for col in range(_NEAREST_K):
            found = np.isfinite(d[:, col])
            v = np.where(found, idx[:, col], 0)
            for start in (v - 1, v):  # the pieces ending and starting at the vertex
                j = np.clip(start, 0, nv - 1)
                ok = found & (start >= 0) & piece[j]
                ax, ay = coords[j, 0], coords[j, 1]
                k = np.minimum(j + 1, nv - 1)
                ex, ey = coords[k, 0] - ax, coords[k, 1] - ay
                len2 = ex * ex + ey * ey
                t = np.clip(((x - ax) * ex + (y - ay) * ey) / np.where(len2 > 0, len2, 1.0),
                            0.0, 1.0)
                dist = np.where(ok, np.hypot(x - ax - t * ex, y - ay - t * ey), np.inf)
                cand = owner[j]
                better = (dist < best) | ((dist == best) & (cand < line))
                best = np.where(better, dist, best)
                line = np.where(better, cand, line)
            if col == 0:  # the nearest line has a vertex within this radius
                radius = np.sqrt(best * best + half * half)
        hit = np.isfinite(best) & (best <= max_distance)
        part = np.where(hit, line, -1)
        # all k vertices found lie within the radius: there may be more; ask the STRtree
        unsure = np.flatnonzero(np.isfinite(d[:, -1]) & (d[:, -1] <= radius))
        if unsure.size:
            part[unsure] = _nearest_strtree(xy[s + unsure], lines, max_distance)
        out[s:s + len(x)] = part
    return out


def _nearest_strtree(xy: np.ndarray, lines: np.ndarray, max_distance: float) -> np.ndarray:
    import shapely

    out = np.full(len(xy), -1, dtype=np.int64)
    tree = shapely.STRtree(lines)
    idx = tree.query_nearest(shapely.points(xy), max_distance=max_distance, all_matches=True)
    if idx.size:  # ties: the lowest index, as the k-d search
        first = pd.DataFrame({"p": idx[0], "l": idx[1]}).groupby("p")["l"].min()
        out[first.index.to_numpy()] = first.to_numpy()
    return out


def _snapped_paths(data: pd.DataFrame, segments: gpd.GeoDataFrame) -> np.ndarray | None:
    """The path row each report was snapped onto by validation (``snap_path``), -1 where
    there is none or where it does not name the path of ``snapped_to`` (reports validated
    against another version of the area)."""
    if "snap_path" not in data or "snapped_to" not in data:
        return None
    path = pd.to_numeric(data["snap_path"], errors="coerce").fillna(-1).to_numpy()
    path = np.where((path >= 0) & (path < len(segments)), path, -1).astype(np.int64)
    snapped = pd.Categorical(data["snapped_to"])
    # compare codes, not a million strings: each category's osmid against each path's
    cats = pd.Index(snapped.categories.astype(str))
    expect = ("path:" + segments["osmid"].astype(str)).to_numpy()
    path_code = cats.get_indexer(expect)  # category code of each path's label, -1 if none
    has = path >= 0
    agree = np.zeros(len(path), dtype=bool)
    agree[has] = path_code[path[has]] == snapped.codes[has]
    return np.where(agree, path, -1)


# ---- statistics -----------------------------------------------------------------------------


def _gi_columns(z: np.ndarray) -> dict[str, np.ndarray]:
    from sjobo_geo.analysis.stats import fdr_adjust, hotspot_classes, p_from_z

    p = p_from_z(z)
    return {"gi_z": z, "gi_p": p, "gi_q": fdr_adjust(p),
            "gi_class": hotspot_classes(z, p, alpha=ALPHA, fdr=True)}


def _grid_gi(values: np.ndarray, grid: gpd.GeoDataFrame,
             band_cells: float = GRID_BAND_CELLS) -> np.ndarray:
    from sjobo_geo.analysis.stats import gi_star_grid

    arr = np.full(grid.attrs["shape"], np.nan)
    arr[grid["row"].to_numpy(), grid["col"].to_numpy()] = values
    cs = grid.attrs["cell_size"]
    if np.ptp(values) == 0 or len(values) < 3:
        return np.full(len(values), np.nan)
    z = gi_star_grid(arr, cs, band_cells * cs)
    return z[grid["row"].to_numpy(), grid["col"].to_numpy()]


def _segment_gi(values: np.ndarray, segments: gpd.GeoDataFrame) -> np.ndarray:
    from sjobo_geo.analysis.stats import gi_star

    if np.ptp(values) == 0 or len(values) < 3:
        return np.full(len(values), np.nan)
    xy = segments[["mid_x", "mid_y"]].to_numpy()
    return gi_star(values, xy, SEGMENT_BAND_M, method="tree", coincident_neighbours=True)


def density_contours(points_xy: Any, weights: Any, bandwidth: float, boundary: Any, crs: Any,
                     mass: tuple[float, ...] = CONTOUR_MASS,
                     cell: float = KDE_CELL_M) -> gpd.GeoDataFrame:
    """Highest-density regions of a Gaussian KDE as polygons (one row per region and level).

    For each share m in ``mass`` the region is the set of 10 m cells of highest density that
    together hold a share m of the kernel mass inside the area; it is dissolved, split into
    its parts and clipped to the boundary. Columns ``level`` (0 = innermost), ``mass_share``,
    ``density_per_ha`` (threshold density, weight per hectare), ``n_reports`` (how many of
    the points lie inside the region, its edge excluded) and the polygon.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> pts = np.random.default_rng(0).normal(500.0, 30.0, (500, 2))
    >>> regions = density_contours(pts, None, 20.0, shapely.box(0, 0, 1000, 1000), 3006)
    >>> regions["mass_share"].unique().tolist()
    [0.25, 0.5, 0.75]
    >>> regions.groupby("level")["n_reports"].sum().tolist()  # of the 500 points
    [171, 318, 430]
    """
    import geopandas as gpd
    import shapely

    from sjobo_geo.analysis.stats import kde

    xy = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    xmin, ymin, xmax, ymax = boundary.bounds
    bounds = (xmin, ymin, xmax, ymax)
    dens = kde(xy, weights, bandwidth, cell, bounds)
    nrows, ncols = dens.shape
    rr, cc = (a.ravel() for a in np.meshgrid(np.arange(nrows), np.arange(ncols), indexing="ij"))
    shapely.prepare(boundary)
    inside = shapely.intersects_xy(boundary, xmin + (cc + 0.5) * cell, ymin + (rr + 0.5) * cell)
    vals = np.where(inside, dens.ravel(), 0.0)
    order = np.argsort(vals)[::-1]
    cum = np.cumsum(vals[order])
    total = cum[-1] if cum.size else 0.0
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    if total <= 0:
        return gpd.GeoDataFrame({"level": [], "mass_share": [], "density_per_ha": [],
                                 "n_reports": []}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    boxes = np.empty(nrows * ncols, dtype=object)  # only cells with their centre inside
    ii = np.flatnonzero(inside)
    boxes[ii] = shapely.box(xmin + cc[ii] * cell, ymin + rr[ii] * cell,
                            xmin + (cc[ii] + 1) * cell, ymin + (rr[ii] + 1) * cell)
    # cells wholly inside the boundary: a point in one (off its edges) is inside every region
    # that holds the cell, so such points are counted per cell, not one by one
    whole = np.zeros(nrows * ncols, dtype=bool)
    whole[ii] = shapely.contains_properly(boundary, boxes[ii])
    counted = _PointCells(xy, (xmin, ymin), cell, nrows, ncols)
    for level, m in enumerate(sorted(mass)):
        k = int(np.searchsorted(cum, m * total)) + 1
        chosen = np.zeros(nrows * ncols, dtype=bool)
        chosen[order[:k]] = True
        region = shapely.intersection(shapely.coverage_union_all(boxes[order[:k]]), boundary)
        parts = [p for p in shapely.get_parts(region)
                 if p.geom_type == "Polygon" and p.area > 0]
        for part, n in zip(parts, counted.in_parts(parts, chosen, whole), strict=True):
            rows.append({"level": level, "mass_share": m,
                         "density_per_ha": round(float(vals[order[k - 1]]) * 1e4, 3),
                         "n_reports": n})
            geoms.append(part)
    out = gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    out["n_reports"] = out["n_reports"].astype("int64")
    return out


class _PointCells:
    """Points binned to the cells of a grid, to count them in regions made of its cells."""

    def __init__(self, xy: np.ndarray, origin: tuple[float, float], cell: float, nrows: int,
                 ncols: int) -> None:
        self.xy = xy
        self.ncols, self.cell, self.origin = ncols, cell, origin
        fx, fy = (xy[:, 0] - origin[0]) / cell, (xy[:, 1] - origin[1]) / cell
        c, r = np.floor(fx), np.floor(fy)
        ok = (c >= 0) & (c < ncols) & (r >= 0) & (r < nrows)
        self.flat = np.where(ok, r * ncols + c, -1).astype(np.int64)
        # within a millionth of a cell of an edge: the exact test decides (edges excluded)
        tol = 1e-6
        self.edge = (fx - c < tol) | (c + 1 - fx < tol) | (fy - r < tol) | (r + 1 - fy < tol)
        self.ncells = nrows * ncols

    def in_parts(self, parts: list[Any], chosen: np.ndarray, whole: np.ndarray) -> list[int]:
        """Points strictly inside each part of a region made of the ``chosen`` cells (clipped
        by a boundary that wholly holds the ``whole`` cells)."""
        import shapely

        x0, y0 = self.origin
        cs, ncols = self.cell, self.ncols
        part_of = np.full(self.ncells, -1, dtype=np.int64)
        fast_cells = np.flatnonzero(chosen & whole)
        cx = x0 + (fast_cells % ncols + 0.5) * cs
        cy = y0 + (fast_cells // ncols + 0.5) * cs
        for j, part in enumerate(parts):
            shapely.prepare(part)
            part_of[fast_cells[shapely.contains_xy(part, cx, cy)]] = j
        in_grid = self.flat >= 0
        cell_of = np.where(in_grid, self.flat, 0)
        owner = np.where(in_grid & ~self.edge, part_of[cell_of], -1)
        counts = np.bincount(owner[owner >= 0], minlength=len(parts))
        # the rest of the points in chosen cells: cut by the boundary, on an edge, or (after
        # rounding in the overlay) in a cell no part claimed
        slow = np.flatnonzero(in_grid & chosen[cell_of] & (owner < 0))
        if slow.size:
            px, py = self.xy[slow, 0], self.xy[slow, 1]
            for j, part in enumerate(parts):
                bx0, by0, bx1, by1 = part.bounds
                near = (px >= bx0) & (px <= bx1) & (py >= by0) & (py <= by1)
                counts[j] += int(shapely.contains_xy(part, px[near], py[near]).sum())
        return [int(v) for v in counts]


def _profile_strings(hours: np.ndarray, weekdays: np.ndarray, unit: np.ndarray,
                     n_units: int) -> tuple[list[str], list[str]]:
    """Per unit: 24 hourly counts and 7 weekday counts, comma-separated."""
    ok = unit >= 0
    hk = ok & (hours >= 0)
    h = np.bincount(unit[hk] * 24 + hours[hk], minlength=n_units * 24).reshape(n_units, 24)
    wk = ok & (weekdays >= 0)
    w = np.bincount(unit[wk] * 7 + weekdays[wk], minlength=n_units * 7).reshape(n_units, 7)
    return ([",".join(map(str, r)) for r in h.tolist()],
            [",".join(map(str, r)) for r in w.tolist()])


def time_profiles(reports: pd.DataFrame, unit_index: np.ndarray, units: pd.DataFrame,
                  unit_type: str, only: np.ndarray | None = None) -> pd.DataFrame:
    """Hour-of-day × weekday counts of the reports of each unit (long format).

    Columns ``unit_type``, ``unit_id``, ``weekday`` (0 = Monday), ``hour`` (0-23), ``n``
    (reports; only bins with n > 0). Reports without a known hour or weekday are left out.
    ``only`` (bool per unit) limits the table to some units (e.g. hot spots).
    """
    hours, weekdays = _hours_weekdays(reports)
    return _time_profiles(hours, weekdays, unit_index, units, unit_type, only)


def _time_profiles(hours: np.ndarray, weekdays: np.ndarray, unit_index: np.ndarray,
                   units: pd.DataFrame, unit_type: str, only: np.ndarray | None
                   ) -> pd.DataFrame:
    ok = (unit_index >= 0) & (hours >= 0) & (weekdays >= 0)
    if only is not None:
        ok &= np.asarray(only, bool)[np.where(unit_index >= 0, unit_index, 0)]
    # one bin per (unit, weekday, hour), counted in one pass; sorted as a groupby would be
    n = np.bincount(unit_index[ok] * 168 + weekdays[ok] * 24 + hours[ok],
                    minlength=len(units) * 168)
    key = np.flatnonzero(n)
    ids = units["unit_id"].to_numpy()
    return pd.DataFrame({
        "unit_type": unit_type, "unit_id": ids[key // 168],
        "weekday": (key % 168 // 24).astype("int64"), "hour": (key % 24).astype("int64"),
        "n": n[key].astype("int64"),
    })


def _hours_weekdays(reports: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    n = len(reports)
    hour = (pd.to_numeric(reports["hour"], errors="coerce").to_numpy(dtype=float)
            if "hour" in reports else np.full(n, np.nan))
    wd = (pd.to_numeric(reports["weekday"], errors="coerce").astype("Float64")
          .to_numpy(dtype=float, na_value=np.nan) if "weekday" in reports
          else np.full(n, np.nan))
    hours = np.where(np.isfinite(hour), np.floor(hour) % 24, -1).astype(np.int64)
    weekdays = np.where(np.isfinite(wd) & (wd >= 0) & (wd <= 6), wd, -1).astype(np.int64)
    return hours, weekdays


def emerging_classes(series: np.ndarray, grid: gpd.GeoDataFrame,
                     band_cells: float = GRID_BAND_CELLS) -> np.ndarray:
    """Emerging hot spot class per grid cell from its counts per time step.

    ``series`` has shape ``(len(grid), T)``, oldest step first. Each step's counts get a
    grid Gi* (:func:`~sjobo_geo.analysis.stats.gi_star_grid`, neighbours within ``band_cells``
    cells), and :func:`~sjobo_geo.analysis.stats.emerging_hotspots` classifies the z-series (FDR
    per step).
    """
    from sjobo_geo.analysis.stats import emerging_hotspots, p_from_z

    z = np.column_stack([_grid_gi(series[:, t], grid, band_cells)
                         for t in range(series.shape[1])])
    return emerging_hotspots(z, p_from_z(z), alpha=ALPHA, fdr=True)


def _emerging(reports: pd.DataFrame, cell_idx: np.ndarray, grid: gpd.GeoDataFrame
              ) -> tuple[np.ndarray | None, int]:
    """Emerging hot spot class per grid cell from weekly Gi*, or None below 6 weeks."""
    if "timestamp" not in reports:
        return None, 0
    ts = pd.to_datetime(reports["timestamp"], errors="coerce")
    ok = ts.notna().to_numpy() & (cell_idx >= 0)
    if ok.sum() < MIN_REPORTS:
        return None, 0
    days = (ts[ok] - ts[ok].min()).dt.days.to_numpy()
    week = days // 7
    weeks = int(week.max()) + 1
    if weeks < EMERGING_MIN_WEEKS:
        return None, weeks
    w = reports["weight"].astype(float).fillna(1.0).to_numpy()[ok] if "weight" in reports \
        else np.ones(int(ok.sum()))
    series = np.zeros((len(grid), weeks))
    np.add.at(series, (cell_idx[ok], week), w)
    return emerging_classes(series, grid), weeks


# ---- the analysis ---------------------------------------------------------------------------


@dataclass
class HotspotAnalysis:
    """Result of :func:`analyse_hotspots` (all GeoDataFrames in the area's metric CRS)."""

    grid: gpd.GeoDataFrame
    """Grid cells: unit_id, n_reports, weight, gi_z/gi_p/gi_q/gi_class, emerging,
    police_* and physical_* contributions and scores, nearest_street, profiles."""
    segments: gpd.GeoDataFrame
    """Street segments, same columns (no emerging)."""
    contours: gpd.GeoDataFrame
    """Density regions (level, mass_share, density_per_ha)."""
    profiles: pd.DataFrame
    """Hour × weekday counts of the hot units (public: time band counts >= k)."""
    cell_size: float
    bandwidth: float
    weeks: int
    synthetic: bool
    config: ScoringConfig
    public: bool = False
    k: int | None = None
    messages: list[str] = field(default_factory=list)
    area: Any = field(default=None, repr=False, compare=False)
    """The area analysed (kept so that :func:`public_view` can count on coarser cells)."""
    gaps: Any = field(default=None, repr=False, compare=False)
    """The lighting gaps the scores used, if any (likewise)."""

    @property
    def grid_distance(self) -> float:
        """Gi* distance band of the grid in metres (2 cells)."""
        return GRID_BAND_CELLS * self.cell_size

    def summary(self) -> dict[str, Any]:
        """Figures for reports and tests."""
        def counts(g: pd.DataFrame) -> dict[str, int]:
            return {str(k): int(v) for k, v in g["gi_class"].value_counts().items()}

        return {"cell_size_m": self.cell_size, "bandwidth_m": round(self.bandwidth, 1),
                "grid_cells": len(self.grid), "segments": len(self.segments),
                "grid_classes": counts(self.grid), "segment_classes": counts(self.segments),
                "weeks": self.weeks, "synthetic": self.synthetic, "public": self.public}


def _report_xy(reports: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The located reports and their points (a point on the surface of other geometries)."""
    import shapely

    geoms = reports.geometry.to_numpy()
    kind = shapely.get_type_id(geoms)
    ok = (kind >= 0) & ~shapely.is_empty(geoms)
    data = reports if ok.all() else reports[ok]  # a million rows: copy only when needed
    geoms = geoms[ok]
    if not (kind[ok] == 0).all():  # reports are points; other shapes: a point inside
        geoms = shapely.point_on_surface(geoms)
    return data, np.column_stack([shapely.get_x(geoms), shapely.get_y(geoms)])


def _walkway_pieces(grid: gpd.GeoDataFrame, paths: gpd.GeoDataFrame
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paths cut by the cells: (pieces, cell index, path index)."""
    import shapely

    pgeoms = paths.geometry.to_numpy()
    if len(pgeoms) == 0:
        return np.array([], dtype=object), np.array([], int), np.array([], int)
    tree = shapely.STRtree(pgeoms)
    ci, pi = tree.query(grid.geometry.to_numpy(), predicate="intersects")
    pieces = shapely.intersection(pgeoms[pi], grid.geometry.to_numpy()[ci])
    keep = shapely.length(pieces) > 0
    return pieces[keep], ci[keep], pi[keep]


def _cover(geoms: Any, buffer_m: float) -> Any:
    import shapely

    g = np.asarray(geoms)
    g = g[~shapely.is_missing(g)]
    if g.size == 0:
        return None
    return shapely.union_all(shapely.buffer(g, buffer_m))


def _lighting_value(paths: gpd.GeoDataFrame, pieces: np.ndarray, path_idx: np.ndarray,
                    gaps: gpd.GeoDataFrame | None, config: ScoringConfig) -> np.ndarray:
    """Per walkway piece: share in a lighting gap (gaps given) or lit-status fallback."""
    if gaps is not None:
        return covered_share(pieces, _cover(gaps.to_crs(paths.crs).geometry.to_numpy(), 1.0))
    status = (paths["lit_status"].astype(str).to_numpy() if "lit_status" in paths
              else np.full(len(paths), "unknown"))
    value = np.select([status == "unlit", status == "unknown"],
                      [1.0, float(config.params["unknown_lit_share"])], 0.0)
    return value[path_idx]


def _unit_scores(units: gpd.GeoDataFrame, unit_idx: np.ndarray, rf: pd.DataFrame,
                 pieces: np.ndarray, piece_unit: np.ndarray, light: np.ndarray,
                 veg_cover: Any, places: dict[str, Any], config: ScoringConfig
                 ) -> pd.DataFrame:
    n = len(units)
    ok = unit_idx >= 0
    sums = {c: np.bincount(unit_idx[ok], weights=rf[c].to_numpy()[ok], minlength=n)
            for c in rf.columns}
    decay = float(config.params["decay_m"])
    geoms = units.geometry.to_numpy()
    factors = pd.DataFrame({
        "unsafety": normalise_max(sums["unsafety"]),
        "incidents": normalise_max(sums["incidents"]),
        "youth": normalise_max(sums["youth"]),
        "schools": nearness(distance_to(geoms, places["schools"]), decay),
        "leisure": nearness(distance_to(geoms, places["leisure"]), decay),
        "main_square": nearness(distance_to(geoms, places["main_square"]), decay),
        "lighting_gaps": walkway_shares(pieces, piece_unit, n, light),
        "vegetation": walkway_shares(pieces, piece_unit, n, covered_share(pieces, veg_cover)),
        "darkness_reports": normalise_max(sums["darkness_reports"]),
        "vegetation_reports": normalise_max(sums["vegetation_reports"]),
        "littering": normalise_max(sums["littering"]),
        "vandalism": normalise_max(sums["vandalism"]),
    }, index=units.index)
    assert set(factors) == set(POLICE_FACTORS) | set(PHYSICAL_FACTORS)
    return pd.concat([weighted_score(factors, config.police, "police"),
                      weighted_score(factors, config.physical, "physical")], axis=1)


def _places(area: Area, messages: list[str]) -> dict[str, Any]:
    import geopandas as gpd

    def layers(*names: str) -> gpd.GeoSeries:
        parts = [area.layers[n].geometry for n in names if n in area.layers]
        if not parts:
            return gpd.GeoSeries([], crs=area.crs)
        return gpd.GeoSeries(pd.concat(parts, ignore_index=True), crs=area.crs)

    square = None
    name = area.profile.role("main_square") if hasattr(area.profile, "role") else None
    if name:
        try:
            square = gpd.GeoSeries([area.find(name).geometry], crs=area.crs)
        except SjoboGeoError:
            messages.append(f"main square {name!r} not found in the area; its factor is 0")
    else:
        messages.append("the area profile names no main_square; its factor is 0")
    return {"schools": layers("schools", "schoolyards"),
            "leisure": layers("leisure", "playgrounds"), "main_square": square}


def nearest_street(units: gpd.GeoDataFrame, paths: gpd.GeoDataFrame,
                   max_distance: float = 150.0) -> np.ndarray:
    """Name of the nearest named path within ``max_distance`` metres of each unit (a point
    on its surface); empty where there is none."""
    import shapely

    out = np.full(len(units), "", dtype=object)
    if "name" not in paths:
        return out
    named = paths[paths["name"].notna() & (paths["name"].astype(str).str.strip() != "")]
    if named.empty or units.empty:
        return out
    tree = shapely.STRtree(named.geometry.to_numpy())
    pts = shapely.point_on_surface(units.geometry.to_numpy())
    idx = tree.query_nearest(pts, max_distance=max_distance, all_matches=False)
    out[idx[0]] = named["name"].astype(str).to_numpy()[idx[1]]
    return out


def analyse_hotspots(
    area: Area,
    reports: ReportSet | gpd.GeoDataFrame,
    *,
    cell_size: float | None = None,
    config: ScoringConfig | str | Path | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    synthetic: bool | None = None,
) -> HotspotAnalysis:
    """Hot spots, density, scores, time profiles and trends of reports in an area.

    Parameters
    ----------
    area : Area
    reports : ReportSet or geopandas.GeoDataFrame
        Validated reports (a ``ReportSet`` or its ``reports``): point geometry and the
        columns ``category``, ``weight``, ``after_dark``, ``time_band``, ``hour``,
        ``weekday``, ``timestamp``, ``synthetic`` (missing columns: weight 1, time unknown),
        and from validation ``snapped_to`` and ``snap_path``: a report snapped onto a path
        belongs to that path's segment without a search (:func:`assign_to_segments`).
        In any CRS: reprojected to ``area.crs`` (:func:`sjobo_geo.core.crs.to_area_crs`);
        a frame without a CRS is refused.
    cell_size : float, optional
        Grid cell side in metres (5-1000); :func:`cell_size_rule` when None.
    config : ScoringConfig or path to a TOML file, optional
        Scoring weights; :data:`sjobo_geo.analysis.scoring.DEFAULT_CONFIG` when None.
    gaps : geopandas.GeoDataFrame, optional
        Lighting gaps (e.g. layer ``gaps`` or ``path_gaps`` of ``lighting.gpkg`` from
        :mod:`sjobo_geo.jobs.lighting`); without them the lit status of the paths is used.
    synthetic : bool, optional
        Label outputs synthetic; default: a synthetic ``ReportSet`` or any report's
        ``synthetic`` flag.

    Returns
    -------
    HotspotAnalysis
        Objects only: nothing is written (:func:`sjobo_geo.jobs.hotspots.run_hotspots`
        writes the files and the map).

    Raises
    ------
    HotspotsError
        Fewer than 3 located reports, all at one place, or a bad cell size.
    CRSError
        Reports or gaps without a CRS (others are reprojected to ``area.crs``).

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> from sjobo_geo.inputs.reports.validate import load_reports
    >>> area = load_area("sample")
    >>> reports = load_reports("reports.csv", area)  # doctest: +SKIP
    >>> analysis = analyse_hotspots(area, reports)  # doctest: +SKIP
    >>> analysis.grid[["unit_id", "n_reports", "gi_class", "police_score"]]  # doctest: +SKIP
    """
    reports = to_area_crs(reports, area.crs, "the reports")
    gaps = None if gaps is None else to_area_crs(gaps, area.crs, "the lighting gaps")
    if not isinstance(config, ScoringConfig):
        config = load_scoring_weights(config)
    messages: list[str] = []
    if not hasattr(reports, "geometry"):  # a ReportSet: its meta may say synthetic too
        if synthetic is None:
            synthetic = bool(reports.synthetic) or None
        reports = reports.reports
    data, xy = _report_xy(reports)
    if len(data) < MIN_REPORTS:
        raise HotspotsError(f"hot spots need at least {MIN_REPORTS} located reports; got "
                            f"{len(data)}")
    if len(data) < RECOMMENDED_REPORTS:
        messages.append(f"only {len(data)} reports: hot spot statistics want at least "
                        f"{RECOMMENDED_REPORTS}; read the classes with care")
    from sjobo_geo.analysis.stats import StatsError

    try:
        rule_cell, h = cell_size_rule(xy)
    except StatsError as exc:
        raise HotspotsError(f"cannot derive a density bandwidth: {exc}") from None
    if cell_size is None:
        cell_size = rule_cell
    elif not (isinstance(cell_size, int | float) and 5 <= cell_size <= 1000):
        raise HotspotsError(f"cell_size must be 5-1000 metres; got {cell_size!r}")
    if synthetic is None:
        synthetic = bool("synthetic" in data and data["synthetic"].astype("boolean")
                         .fillna(False).any())
    grid = grid_units(area, float(cell_size))
    segments = segment_units(area)
    cell_idx = assign_to_grid(xy, grid)
    seg_idx = assign_to_segments(xy, segments, path_index=_snapped_paths(data, segments))
    w = data["weight"].astype(float).fillna(1.0).to_numpy() if "weight" in data \
        else np.ones(len(data))
    rf = _factor_weights(data, config)
    places = _places(area, messages)
    paths = area.layers["paths"]
    veg = area.layers.get("vegetation")
    kinds = list(config.params["vegetation_kinds"])
    veg_cover = None
    if veg is not None and len(veg) and "kind" in veg:
        veg_cover = _cover(veg[veg["kind"].isin(kinds)].geometry.to_numpy(),
                           float(config.params["vegetation_buffer_m"]))
    gpieces, gcell, gpath = _walkway_pieces(grid, paths)
    spieces = segments.geometry.to_numpy()
    spath = np.arange(len(segments))
    hours, weekdays = _hours_weekdays(data)
    results = {}
    for kind, units, idx, pieces, pu, pp in (("grid", grid, cell_idx, gpieces, gcell, gpath),
                                             ("segment", segments, seg_idx, spieces, spath,
                                              spath)):
        n = len(units)
        ok = idx >= 0
        count = np.bincount(idx[ok], minlength=n)
        weight = np.bincount(idx[ok], weights=w[ok], minlength=n)
        extra = {}
        if kind == "grid":
            z = _grid_gi(weight, units)
        else:
            rate = weight / np.maximum(units["length_m"].to_numpy(), SEGMENT_MIN_LENGTH_M) * 100
            z = _segment_gi(rate, units)
            extra["per_100m"] = rate.round(3)
        light = _lighting_value(paths, pieces, pp, gaps, config)
        scores = _unit_scores(units, idx, rf, pieces, pu, light, veg_cover, places, config)
        ph, pw = _profile_strings(hours, weekdays, idx, n)
        units = units.assign(n_reports=count.astype("int64"), weight=weight.round(3), **extra,
                             **_gi_columns(z), **scores, profile_hours=ph, profile_weekdays=pw)
        results[kind] = (units, idx)
    grid, cell_idx = results["grid"]
    segments, seg_idx = results["segment"]
    emerging, weeks = _emerging(data, cell_idx, grid)
    grid["emerging"] = emerging if emerging is not None else "not computed"
    if emerging is None:
        messages.append(f"dated reports span {weeks} weeks (< {EMERGING_MIN_WEEKS}): no "
                        "emerging hot spot classes")
    grid["nearest_street"] = nearest_street(grid, paths)
    own = segments["name"].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    near = nearest_street(segments, paths)
    segments["nearest_street"] = np.where(own != "", own, near)
    grid["synthetic"] = synthetic
    segments["synthetic"] = synthetic
    profiles = pd.concat([
        _time_profiles(hours, weekdays, cell_idx, grid, "grid",
                       grid["gi_class"].str.startswith("hot").to_numpy()),
        _time_profiles(hours, weekdays, seg_idx, segments, "segment",
                       segments["gi_class"].str.startswith("hot").to_numpy()),
    ], ignore_index=True)
    profiles["synthetic"] = synthetic
    contours = density_contours(xy, w, h, area.boundary, area.crs)
    contours["synthetic"] = synthetic
    return HotspotAnalysis(grid=grid, segments=segments, contours=contours, profiles=profiles,
                           cell_size=float(cell_size), bandwidth=h, weeks=weeks,
                           synthetic=synthetic, config=config, messages=messages, area=area,
                           gaps=gaps)


def _factor_weights(data: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """:func:`~sjobo_geo.analysis.scoring.report_factor_weights`, computed once per distinct
    (category, after dark, time band) and scaled by each report's weight: every factor is
    the weight times a function of those three, and a million reports hold a few hundred
    distinct triples."""
    cols = [c for c in ("category", "after_dark", "time_band") if c in data]
    if len(data) < 10_000 or not cols:
        return report_factor_weights(data, config)
    key = np.zeros(len(data), dtype=np.int64)
    for c in cols:
        codes, uniques = pd.factorize(data[c], use_na_sentinel=True)
        key = key * (len(uniques) + 1) + (codes + 1)
    inverse, distinct = pd.factorize(key)  # hashing: no sort of a million keys
    first = np.zeros(len(distinct), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(key) - 1, -1, -1)  # first row of each triple
    small = data[cols].iloc[first].copy()
    small["weight"] = 1.0
    per = report_factor_weights(small, config)
    w = (data["weight"].astype("float64").fillna(1.0).to_numpy() if "weight" in data
         else np.ones(len(data)))
    return pd.DataFrame(per.to_numpy()[inverse] * w[:, None], columns=per.columns,
                        index=data.index)


# ---- public view ----------------------------------------------------------------------------


#: Factors counted from a unit's reports (normalised by the largest unit); the others come
#: from the map (places, walkways, vegetation) and do not depend on the reports.
_REPORT_FACTORS = ("unsafety", "incidents", "youth", "darkness_reports", "vegetation_reports",
                   "littering", "vandalism")


def public_view(analysis: HotspotAnalysis,
                reports: ReportSet | gpd.GeoDataFrame | None = None, *,
                k: int = DEFAULT_K,
                cell_size: float = DEFAULT_CELL_SIZE_M) -> HotspotAnalysis:
    """The analysis fit for publication: cells of at least 100 m, none with fewer than ``k``
    reports, and every published number computed from the published cells only.

    * **Cells**: squares of ``cell_size`` metres (at least
      :data:`~sjobo_geo.analysis.privacy.DEFAULT_CELL_SIZE_M`, 100 m, the size the README
      promises), aligned to multiples of the size. An analysis on other cells (the rule
      gives 25-200 m) is run again on these with the same area, weights and lighting gaps:
      finer cells cannot simply be merged when the sizes do not divide, and a size taken
      from the data (:func:`cell_size_rule`) would move with every report.
    * **Suppression**: cells with ``n_reports < k`` are left out, with their scores.
    * **Statistics from published counts only**: the left-out cells count as **zero**
      reports (not as unknown: they stay units of the grid, as an outsider who sees "fewer
      than k" there would have to assume), so Gi* z, p, q and class are recomputed on the
      published weights with zeros in the left-out cells; the report-based score factors
      (unsafety, incidents, youth, reports about darkness, obscured view, littering,
      vandalism) are normalised again by their largest *published* cell; the emerging
      classes and ``weeks`` come from the weekly counts of the published cells' reports.
      So a report that falls only in left-out cells changes no published number (tested).
    * **Street segments are not published**: a segment of 25 m with k reports tells where
      they were within a few metres, whatever k. ``segments`` is empty.
    * **Density regions** are those of a Gaussian density of the published cells' weights
      placed at their cells (a point on each cell), bandwidth = the cell size (not the
      Scott bandwidth of the reports, which moves with every report); a region's
      ``n_reports`` is the sum of the published counts of the cells whose point lies in it,
      and regions holding fewer than k are left out.
    * **Profiles** become counts per cell and time band (night, morning, day, evening),
      bins below k left out; the per-cell hour/weekday strings are replaced by the same band
      counts ("<k" when fewer).

    Parameters
    ----------
    analysis : HotspotAnalysis
        From :func:`analyse_hotspots` (internal, not already public).
    reports : ReportSet or geopandas.GeoDataFrame
        The reports analysed (needed to count them on the public cells and by time); in any
        CRS, reprojected to the area's.
    k : int, default 5
        Smallest number of reports of a published cell, density region or profile bin.
    cell_size : float, default 100
        Side of the public cells in metres, at least 100.

    Returns
    -------
    HotspotAnalysis
        ``public=True``, ``k`` set, ``cell_size`` the public size, ``bandwidth`` that of the
        public density, ``segments`` empty.

    Raises
    ------
    HotspotsError
        k below 1, cells below 100 m, no reports, or an analysis that is already public.

    Examples
    --------
    >>> public = public_view(analysis, reports, k=5)  # doctest: +SKIP
    >>> bool((public.grid["n_reports"] >= 5).all()), public.cell_size  # doctest: +SKIP
    (True, 100.0)
    """
    import shapely

    if k < 1:
        raise HotspotsError(f"k must be at least 1; got {k}")
    if not (isinstance(cell_size, int | float) and DEFAULT_CELL_SIZE_M <= cell_size <= 1000):
        raise HotspotsError(f"public cells must be {DEFAULT_CELL_SIZE_M:g}-1000 metres; got "
                            f"{cell_size!r}")
    if analysis.public:
        raise HotspotsError("the analysis is already a public view")
    if reports is None:
        raise HotspotsError("public_view needs the reports: it counts them on the public "
                            "cells and recomputes the statistics from the published cells")
    reports = to_area_crs(reports, analysis.grid.crs, "the reports")  # the units' CRS
    if not hasattr(reports, "geometry"):  # a ReportSet
        reports = reports.reports
    cs = float(cell_size)
    messages = list(analysis.messages)
    if analysis.cell_size != cs:
        if analysis.area is None:
            raise HotspotsError(f"the analysis ran on {analysis.cell_size:g} m cells and holds "
                                f"no area to count on {cs:g} m cells; run analyse_hotspots("
                                f"area, reports, cell_size={cs:g}) first")
        messages.append(f"public: counted again on {cs:g} m cells (the analysis used "
                        f"{analysis.cell_size:g} m)")
        analysis = analyse_hotspots(analysis.area, reports, cell_size=cs,
                                    config=analysis.config, gaps=analysis.gaps,
                                    synthetic=analysis.synthetic)
    full = analysis.grid
    data, xy = _report_xy(reports)
    idx = assign_to_grid(xy, full)
    visible = full["n_reports"].to_numpy() >= k
    published = (idx >= 0) & visible[np.maximum(idx, 0)]
    # Gi* on the published weights, the left-out cells as zeros
    values = np.where(visible, full["weight"].to_numpy(dtype=float), 0.0)
    grid = full.assign(**_gi_columns(_grid_gi(values, full)),
                       **_public_scores(full, visible, analysis.config))
    emerging, weeks = _emerging(data[published], idx[published], full)
    grid["emerging"] = emerging if emerging is not None else "not computed"
    grid = grid[visible].copy()
    grid.attrs.update(full.attrs)  # origin, shape, cell size: assign_to_grid on the view
    # time bands per published cell
    band = (data["time_band"].astype(str).to_numpy() if "time_band" in data
            else np.full(len(data), "unknown"))
    df = pd.DataFrame({"unit_id": full["unit_id"].to_numpy()[idx[published]],
                       "time_band": band[published]})
    df = df[df["time_band"].isin(_BANDS)]
    table = df.groupby(["unit_id", "time_band"]).size().unstack(fill_value=0)
    table = table.reindex(index=grid["unit_id"], columns=list(_BANDS), fill_value=0)
    grid["profile_hours"] = np.array([  # band counts night,morning,day,evening
        ",".join(str(v) if v >= k else f"<{k}" for v in row) for row in table.to_numpy()],
        dtype=object)
    grid["profile_weekdays"] = ""
    profiles = table.stack().rename("n").reset_index()
    profiles = profiles[profiles["n"] >= k].reset_index(drop=True)
    profiles.insert(0, "unit_type", "grid")
    profiles["n"] = profiles["n"].astype("int64")
    profiles["synthetic"] = analysis.synthetic
    # density of the published counts
    boundary = (analysis.area.boundary if analysis.area is not None
                else shapely.union_all(full.geometry.to_numpy()))
    spots = shapely.point_on_surface(grid.geometry.to_numpy())
    sx, sy = shapely.get_x(spots), shapely.get_y(spots)
    contours = density_contours(np.column_stack([sx, sy]), grid["weight"].to_numpy(float), cs,
                                boundary, full.crs)
    n_cell = grid["n_reports"].to_numpy()
    contours["n_reports"] = np.array(
        [int(n_cell[shapely.contains_xy(g, sx, sy)].sum()) for g in contours.geometry],
        dtype=np.int64)
    contours = contours[contours["n_reports"] >= k].reset_index(drop=True)
    contours["synthetic"] = analysis.synthetic
    messages.append(f"public: {int(visible.sum())} of {len(full)} cells of {cs:g} m with at "
                    f"least {k} reports; statistics from those cells only; street segments "
                    "not published")
    return replace(analysis, grid=grid, segments=analysis.segments.iloc[:0].copy(),
                   contours=contours, profiles=profiles, bandwidth=cs,
                   weeks=weeks, public=True, k=k,
                   messages=messages)


def _public_scores(units: gpd.GeoDataFrame, visible: np.ndarray, config: ScoringConfig
                   ) -> dict[str, np.ndarray]:
    """Score contributions with the report-based factors normalised again over the
    published units (the others as they are): each such contribution is ``weight x sum /
    largest sum``, so dividing by its largest published value and multiplying by the weight
    gives ``weight x sum / largest published sum``."""
    out: dict[str, np.ndarray] = {}
    for kind, weights in (("police", config.police), ("physical", config.physical)):
        total = np.zeros(len(units))
        for f, wt in weights.items():
            col = units[f"{kind}_{f}"].to_numpy(dtype=float)
            if f in _REPORT_FACTORS:
                col = np.where(visible, col, 0.0)
                top = float(col.max(initial=0.0))
                col = col / top * float(wt) if top > 0 else np.zeros(len(units))
            out[f"{kind}_{f}"] = col
            total = total + col
        out[f"{kind}_score"] = total
    return out


def published_reports(public: HotspotAnalysis,
                      reports: ReportSet | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The reports that a public view counts: those in its published cells.

    Anything else made public beside the view (e.g. :func:`before_after`) should be computed
    from these only, so that a report in a left-out cell changes no published number.

    Examples
    --------
    >>> public = public_view(analysis, reports, k=5)  # doctest: +SKIP
    >>> len(published_reports(public, reports)) == public.grid["n_reports"].sum()  # doctest: +SKIP
    True
    """
    if not public.public:
        raise HotspotsError("published_reports needs a public view (public_view)")
    reports = to_area_crs(reports, public.grid.crs, "the reports")
    if not hasattr(reports, "geometry"):  # a ReportSet
        reports = reports.reports
    data, xy = _report_xy(reports)
    return data[assign_to_grid(xy, public.grid) >= 0]


# ---- tables and change over time ------------------------------------------------------------

_CSV_FRONT = ["unit_type", "unit_id", "nearest_street", "x", "y", "n_reports", "weight",
              "per_100m", "gi_z", "gi_class", "emerging", "police_rank", "police_score",
              "physical_rank", "physical_score"]


def priorities_table(analysis: HotspotAnalysis) -> pd.DataFrame:
    """Units of both types ranked by police score (rank 1 = highest within its unit type),
    with the physical rank, both scores and every contribution, nearest street name and
    the unit's centre (point on surface, rounded to 1 m)."""
    import shapely

    frames = []
    for kind, units in (("grid", analysis.grid), ("segment", analysis.segments)):
        df = pd.DataFrame(units.drop(columns=units.geometry.name))
        pts = shapely.point_on_surface(units.geometry.to_numpy())
        df.insert(0, "unit_type", kind)
        df["x"] = np.round(shapely.get_x(pts), 0)
        df["y"] = np.round(shapely.get_y(pts), 0)
        df["police_rank"] = df["police_score"].rank(ascending=False, method="min")
        df["physical_rank"] = df["physical_score"].rank(ascending=False, method="min")
        frames.append(df)
    table = pd.concat(frames, ignore_index=True)
    for col in ("police_rank", "physical_rank"):
        table[col] = table[col].fillna(0).astype("int64")
    if "emerging" not in table:
        table["emerging"] = ""
    table["emerging"] = table["emerging"].fillna("")
    contrib = [f"police_{f}" for f in POLICE_FACTORS] + [f"physical_{f}" for f in
                                                         PHYSICAL_FACTORS]
    rest = ["profile_hours", "profile_weekdays", "synthetic"]
    cols = [c for c in _CSV_FRONT + contrib + rest if c in table]
    table = table[cols].sort_values(["unit_type", "police_rank", "physical_rank"])
    num = table.select_dtypes("float").columns
    table[num] = table[num].round(4)
    return table.reset_index(drop=True)


def before_after(
    area: Area,
    reports: ReportSet | gpd.GeoDataFrame,
    *,
    split: str | pd.Timestamp | None = None,
    radius_m: float = 50.0,
    min_reports: int = 10,
) -> pd.DataFrame:
    """Reports per place before and after a date, with rates and a Poisson test.

    Places are the area's named squares, schoolyards, playgrounds, leisure places and the
    profile's key places; a report counts for a place within ``radius_m`` metres of it. For
    each place: counts and rates per week before and after ``split`` (default: 1 January of
    the last year in the data, i.e. this year's round against last year's), the rate ratio,
    and the p-value of the conditional test (given ``n = before + after`` reports, ``after``
    is binomial with ``p = T_after / (T_before + T_after)`` when the rate did not change).
    With fewer than ``min_reports`` reports the verdict is "too few reports to say".
    Reports in another CRS than the area's are reprojected to it; without a CRS they are
    refused (:class:`~sjobo_geo._errors.CRSError`).

    Parameters
    ----------
    area : Area
    reports : ReportSet or geopandas.GeoDataFrame
        Validated reports with ``timestamp``; undated reports are left out.
    split : str or pandas.Timestamp, optional
        First moment of "after"; 1 January of the last year in the data by default.
    radius_m : float, default 50
        Reports within this many metres of a place count for it.
    min_reports : int, default 10
        Fewer reports (before and after together) give no verdict.

    Returns
    -------
    pandas.DataFrame
        One row per place: ``place``, ``kind``, ``before``, ``after``, ``weeks_before``,
        ``weeks_after``, ``rate_before``, ``rate_after``, ``rate_ratio``, ``p_value``,
        ``verdict``; empty when the reports have no dates on both sides of the split.
        ``attrs`` holds ``split``, ``radius_m`` and ``min_reports``.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> area = load_area("sample")
    >>> table = before_after(area, reports, split="2025-01-01")  # doctest: +SKIP
    >>> table[["place", "before", "after", "verdict"]]  # doctest: +SKIP
    """
    import shapely
    from scipy.stats import binomtest

    reports = to_area_crs(reports, area.crs, "the reports")
    if not hasattr(reports, "geometry"):  # a ReportSet
        reports = reports.reports
    columns = ["place", "kind", "before", "after", "weeks_before", "weeks_after",
               "rate_before", "rate_after", "rate_ratio", "p_value", "verdict"]
    dated = reports[reports["timestamp"].notna()] if "timestamp" in reports else reports[:0]
    if dated.empty:
        return pd.DataFrame(columns=columns)
    ts = dated["timestamp"]
    cut = (pd.Timestamp(split) if split is not None
           else pd.Timestamp(year=int(ts.max().year), month=1, day=1))
    t0, t1 = ts.min(), ts.max()
    if not (t0 < cut <= t1):
        return pd.DataFrame(columns=columns)
    weeks_before = max((cut - t0).total_seconds() / 604800, 1 / 7)
    weeks_after = max((t1 - cut).total_seconds() / 604800, 1 / 7)
    names, kinds, geoms = [], [], []
    for kind in ("squares", "schoolyards", "playgrounds", "leisure"):
        layer = area.layers[kind]
        named = layer[layer["name"].notna()] if "name" in layer else layer[:0]
        for name, group in named.groupby("name", sort=True):
            names.append(str(name))
            kinds.append(kind)
            geoms.append(shapely.union_all(group.geometry.values))
    if not names:
        return pd.DataFrame(columns=columns)
    zones = shapely.buffer(np.array(geoms, dtype=object), radius_m)
    tree = shapely.STRtree(zones)
    idx_pt, idx_zone = tree.query(dated.geometry.values, predicate="within")
    after_pt = (ts.to_numpy()[idx_pt] >= np.datetime64(cut)).astype(int)
    n_zone = len(names)
    before_n = np.bincount(idx_zone, weights=1 - after_pt, minlength=n_zone).astype(int)
    after_n = np.bincount(idx_zone, weights=after_pt, minlength=n_zone).astype(int)
    p_after = weeks_after / (weeks_before + weeks_after)
    rows = []
    for i in range(n_zone):  # one test per place (tens of places)
        b, a = int(before_n[i]), int(after_n[i])
        rb, ra = b / weeks_before, a / weeks_after
        ratio = ra / rb if rb > 0 else (np.inf if ra > 0 else np.nan)
        if a + b < min_reports:
            p, verdict = np.nan, "too few reports to say"
        else:
            p = binomtest(a, a + b, p_after).pvalue
            verdict = ("more reports after" if p < 0.05 and ra > rb else
                       "fewer reports after" if p < 0.05 else "no clear change")
        rows.append([names[i], kinds[i], b, a, round(weeks_before, 1), round(weeks_after, 1),
                     round(rb, 3), round(ra, 3), ratio, p, verdict])
    out = pd.DataFrame(rows, columns=columns)
    out.attrs.update(split=str(cut.date()), radius_m=radius_m, min_reports=min_reports)
    return out.sort_values(["verdict", "p_value"]).reset_index(drop=True)


