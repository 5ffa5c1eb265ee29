"""The grid and isovist engine: how many observers see each cell of a place.

:func:`visibility_grid` rasterises the blockers on a grid over the place and the observers
around it, cuts their outlines into pieces of half a cell and counts, per cell centre, the
observers whose polar depth buffer has no nearer blocker in its direction (the method is
described in the package docstring). The private helpers (:class:`_Scene`, :func:`depth_buffer`,
:func:`target_bins`, ...) are shared with :mod:`.vegetation`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.visibility._errors import VisibilityCRSError, VisibilityError
from sjobo_geo.core.crs import crs_name, is_metric, to_area_crs

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["GridInfo", "VisibilityResult", "visibility_grid"]


@dataclass(frozen=True)
class GridInfo:
    """Where a count grid lies.

    Attributes
    ----------
    x0, y0 : float
        South-west corner of cell ``[0, 0]`` (metres, the place's CRS).
    cell_size : float
        Cell side in metres.
    shape : tuple of int
        ``(rows, cols)``; row 0 is the southern edge, column 0 the western.
    max_distance : float
        Longest sight line counted, metres.
    crs : object or None
        The CRS, when known.
    """

    x0: float
    y0: float
    cell_size: float
    shape: tuple[int, int]
    max_distance: float
    crs: Any = None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the whole grid."""
        rows, cols = self.shape
        return (self.x0, self.y0, self.x0 + cols * self.cell_size,
                self.y0 + rows * self.cell_size)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates ``(x, y)``, each of shape ``shape``."""
        rows, cols = self.shape
        xs = self.x0 + (np.arange(cols) + 0.5) * self.cell_size
        ys = self.y0 + (np.arange(rows) + 0.5) * self.cell_size
        return np.meshgrid(xs, ys)


@dataclass
class VisibilityResult:
    """What :func:`visibility_grid` returns.

    Attributes
    ----------
    counts : numpy.ndarray of int32, shape ``info.shape``
        Observers that see each cell centre; -1 outside the place or inside a blocker.
    cells : geopandas.GeoDataFrame
        One square per place cell: ``row``, ``col``, ``count``, ``hidden``
        (``count < min_observers``).
    info : GridInfo
        Grid position (row 0 = south edge).
    """

    counts: np.ndarray
    cells: gpd.GeoDataFrame
    info: GridInfo

    def __iter__(self):  # ``counts, cells, info = visibility_grid(...)``
        return iter((self.counts, self.cells, self.info))


def _crs_of(obj: Any) -> Any:
    return getattr(obj, "crs", None)


def check_metric_crs(crs: Any, what: str) -> None:
    """Refuse a CRS that is not in metres (:class:`VisibilityCRSError`); None passes.

    Examples
    --------
    >>> check_metric_crs("EPSG:3006", "the place")
    >>> check_metric_crs("EPSG:4326", "the place")
    Traceback (most recent call last):
    ...
    sjobo_geo.analysis.visibility._errors.VisibilityCRSError: the place is in EPSG:4326, \
not a metric CRS; project it first (e.g. to_crs('EPSG:3006'), SWEREF 99 TM)
    """
    if crs is None:
        return
    if not is_metric(crs):
        raise VisibilityCRSError(
            f"{what} is in {crs_name(crs)}, not a metric CRS; project it first "
            "(e.g. to_crs('EPSG:3006'), SWEREF 99 TM)"
        )


def to_reference_crs(frame: Any, crs: Any, what: str, *, target: str = "the place") -> Any:
    """A visibility input in the reference CRS (the area's, or the place's when no area).

    GeoDataFrames and GeoSeries in another CRS are reprojected to ``crs``; one without a CRS
    is refused when ``crs`` is known (:class:`VisibilityCRSError`, naming both), as is one in
    a CRS not in metres when ``crs`` is None. Shapely geometries, arrays and lists carry no
    CRS and are taken to be in ``crs``; so is a frame without a CRS when ``crs`` is None too
    (nothing says where either is).

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([13.2], [55.6]), crs=4326)
    >>> to_reference_crs(pts, "EPSG:3006", "the observers").crs.to_epsg()
    3006
    """
    if not hasattr(frame, "crs"):
        return frame
    if crs is None and frame.crs is None:
        return frame
    return to_area_crs(frame, crs, what, error=VisibilityCRSError, target=target)


def as_place(place: Any) -> tuple[Any, Any]:
    """The place as one shapely geometry and its CRS (if it has one)."""
    import shapely

    crs = _crs_of(place)
    check_metric_crs(crs, "the place")
    if hasattr(place, "geometry") and not hasattr(place, "geom_type"):
        place = place.geometry
    if hasattr(place, "union_all"):  # GeoSeries
        place = place.union_all() if len(place) else shapely.Polygon()
    if place is None or not hasattr(place, "geom_type"):
        raise VisibilityError(f"the place must be a (Multi)Polygon, got {type(place).__name__}")
    if place.is_empty or place.geom_type not in ("Polygon", "MultiPolygon"):
        raise VisibilityError(
            f"the place must be a non-empty (Multi)Polygon, got "
            f"{'an empty geometry' if place.is_empty else place.geom_type}"
        )
    minx, miny, maxx, maxy = place.bounds
    if (crs is None and -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
            and place.area < 1e-3):
        raise VisibilityError(
            "the place looks like longitude/latitude degrees (area "
            f"{place.area:.2g} square units); project it to a metric CRS first"
        )
    if place.area <= 0:
        raise VisibilityError("the place has no area")
    return place, crs


def as_xy(observers: Any) -> np.ndarray:
    import shapely

    if hasattr(observers, "geometry") and hasattr(observers, "crs"):
        check_metric_crs(observers.crs, "the observers")
        xy = shapely.get_coordinates(observers.geometry.values)
    else:
        xy = np.asarray(observers, dtype="float64")
    xy = np.asarray(xy, dtype="float64").reshape(-1, 2)
    if not np.isfinite(xy).all():
        raise VisibilityError("observer coordinates must be finite numbers")
    return xy


def _rasterise(geoms: np.ndarray, x0: float, y0: float, cell: float,
               shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(geometry index, flat cell index)`` of the cells each geometry blocks.

    Polygons: cells whose centre is inside. Lines: cells their centre line passes through
    (sampled every third of a cell). Narrow polygons (mean width under two cells) also
    block the cells their outline passes through. Points: their cell.
    """
    import shapely

    rows, cols = shape
    if len(geoms) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    gi_all, ci_all = [], []
    polys = shapely.get_dimensions(geoms) == 2
    if polys.any():
        idx = np.flatnonzero(polys)
        xs = x0 + (np.arange(cols) + 0.5) * cell
        ys = y0 + (np.arange(rows) + 0.5) * cell
        # cells in each polygon's bounding box, tested in one vectorised call
        b = shapely.bounds(geoms[idx])
        c0 = np.clip(np.floor((b[:, 0] - x0) / cell - 0.5).astype(np.int64), 0, cols)
        c1 = np.clip(np.ceil((b[:, 2] - x0) / cell - 0.5).astype(np.int64) + 1, 0, cols)
        r0 = np.clip(np.floor((b[:, 1] - y0) / cell - 0.5).astype(np.int64), 0, rows)
        r1 = np.clip(np.ceil((b[:, 3] - y0) / cell - 0.5).astype(np.int64) + 1, 0, rows)
        nc, nr = c1 - c0, r1 - r0
        n = np.maximum(nc, 0) * np.maximum(nr, 0)
        ok = n > 0
        idx, c0, r0, nc, n = idx[ok], c0[ok], r0[ok], nc[ok], n[ok]
        if len(idx):
            owner = np.repeat(np.arange(len(idx)), n)
            k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
            rr = r0[owner] + k // nc[owner]
            cc = c0[owner] + k % nc[owner]
            inside = shapely.contains_xy(geoms[idx][owner], xs[cc], ys[rr])
            gi_all.append(idx[owner][inside])
            ci_all.append(rr[inside] * cols + cc[inside])
    # lines, and the outlines of narrow polygons (mean width under two cells: a thin wall or
    # hedge could fall between cell centres and leak sight)
    lines = ~polys
    if polys.any():
        area = shapely.area(geoms)
        perim = np.maximum(shapely.length(geoms), 1e-12)
        narrow = polys & (2.0 * area / perim < 2.0 * cell)
        if narrow.any():
            geoms = geoms.copy()
            geoms[narrow] = shapely.boundary(geoms[narrow])
            lines = lines | narrow
    if lines.any():
        idx = np.flatnonzero(lines)
        dense = shapely.segmentize(geoms[idx], cell / 3.0)
        pts, owner = shapely.get_coordinates(dense, return_index=True)
        cc = np.floor((pts[:, 0] - x0) / cell).astype(np.int64)
        rr = np.floor((pts[:, 1] - y0) / cell).astype(np.int64)
        ok = (cc >= 0) & (cc < cols) & (rr >= 0) & (rr < rows)
        gi_all.append(idx[owner[ok]])
        ci_all.append(rr[ok] * cols + cc[ok])
    gi = np.concatenate(gi_all)
    ci = np.concatenate(ci_all)
    if len(gi):
        pairs = np.unique(np.stack([gi, ci], axis=1), axis=0)
        gi, ci = pairs[:, 0], pairs[:, 1]
    return gi, ci


@dataclass
class _Scene:
    """The domain raster (place plus the observers around it) and the place window."""

    x0: float
    y0: float
    cell: float
    shape: tuple[int, int]
    blocked: np.ndarray  # bool, domain shape
    target: np.ndarray  # bool, domain shape: place cells not blocked
    place_rows: slice
    place_cols: slice
    max_distance: float
    block_geom: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    block_cell: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # blocker outlines and lines cut into pieces of at most half a cell
    pa: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    pb: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    powner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def build_scene(place: Any, obs_xy: np.ndarray, geoms: np.ndarray, cell: float,
           max_distance: float) -> _Scene:
    import shapely

    minx, miny, maxx, maxy = place.bounds
    px0, py0 = math.floor(minx / cell) * cell, math.floor(miny / cell) * cell
    pcols = max(1, math.ceil((maxx - px0) / cell))
    prows = max(1, math.ceil((maxy - py0) / cell))
    # domain: the place's grid extended to the observers (those already filtered in range)
    if len(obs_xy):
        ominx, ominy = obs_xy.min(axis=0)
        omaxx, omaxy = obs_xy.max(axis=0)
    else:
        ominx, ominy, omaxx, omaxy = px0, py0, px0, py0
    left = max(0, math.ceil((px0 - ominx) / cell) + 1)
    bottom = max(0, math.ceil((py0 - ominy) / cell) + 1)
    right = max(0, math.ceil((omaxx - (px0 + pcols * cell)) / cell) + 1)
    top = max(0, math.ceil((omaxy - (py0 + prows * cell)) / cell) + 1)
    x0, y0 = px0 - left * cell, py0 - bottom * cell
    shape = (prows + bottom + top, pcols + left + right)
    rows, cols = shape
    if rows * cols > 40_000_000:
        raise VisibilityError(
            f"the grid would have {rows * cols:,} cells; use a larger cell_size or a "
            "smaller place"
        )
    if len(geoms):
        dom = shapely.box(x0, y0, x0 + cols * cell, y0 + rows * cell)
        geoms = shapely.intersection(geoms, dom)
        geoms = np.where(shapely.is_empty(geoms), None, geoms)  # type: ignore[call-overload]
    gi, ci = _rasterise(np.asarray(geoms, dtype=object), x0, y0, cell, shape) if len(
        geoms) else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    blocked = np.zeros(rows * cols, bool)
    blocked[ci] = True
    blocked = blocked.reshape(shape)
    pr, pc = slice(bottom, bottom + prows), slice(left, left + pcols)
    xs = px0 + (np.arange(pcols) + 0.5) * cell
    ys = py0 + (np.arange(prows) + 0.5) * cell
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(place, gx, gy)
    target = np.zeros(shape, bool)
    target[pr, pc] = inside & ~blocked[pr, pc]
    pa, pb, powner = _pieces(np.asarray(geoms, dtype=object), cell / 2.0)
    return _Scene(x0, y0, cell, shape, blocked, target, pr, pc, max_distance, gi, ci,
                  pa, pb, powner)


def _pieces(geoms: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blocker outlines (polygons) and lines as segments of at most ``step`` metres."""
    import shapely

    if len(geoms) == 0:
        return np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0, np.int64)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    idx = np.flatnonzero(ok)
    g = geoms[idx]
    dim = shapely.get_dimensions(g)
    g = np.where(dim == 2, shapely.boundary(g), g)
    parts, owner = shapely.get_parts(g, return_index=True)
    parts = shapely.segmentize(parts, step)
    coords, part_idx = shapely.get_coordinates(parts, return_index=True)
    same = part_idx[1:] == part_idx[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    return a, b, idx[owner[part_idx[:-1][same]]]


def _nbins(scene: _Scene) -> int:
    return int(math.ceil(2 * math.pi / (scene.cell / (4.0 * scene.max_distance))))


def depth_buffer(scene: _Scene, ox: float, oy: float, *, second: bool = False):
    """The polar depth buffer of one observer: nearest blocker distance per direction bin.

    With ``second``: also the owner (blocker index) of the nearest piece per bin and the
    nearest distance among pieces of *other* blockers, so that removing any one blocker
    is a lookup: ``where(owner == f, depth2, depth)``.
    """
    md = scene.max_distance
    nbins = _nbins(scene)
    width = 2 * math.pi / nbins
    depth = np.full(nbins, np.inf)
    owner1 = np.full(nbins, -1, np.int64)
    depth2 = np.full(nbins, np.inf)
    a, b = scene.pa, scene.pb
    if len(a):
        ax, ay = a[:, 0] - ox, a[:, 1] - oy
        ex, ey = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
        t = np.clip(-(ax * ex + ay * ey) / np.maximum(ex * ex + ey * ey, 1e-18), 0.0, 1.0)
        near = np.hypot(ax + t * ex, ay + t * ey)
        # pieces in range; a piece through the observer itself (on a hedge line) is skipped
        sel = np.flatnonzero((near <= md) & (near > 1e-3 * scene.cell))
        ax, ay, ex, ey, near = ax[sel], ay[sel], ex[sel], ey[sel], near[sel]
        if len(near):
            aa = np.arctan2(ay, ax)
            delta = np.arctan2(ay + ey, ax + ex) - aa
            delta = (delta + np.pi) % (2 * np.pi) - np.pi  # the shorter way round
            lo = np.floor((aa + np.minimum(delta, 0.0) + np.pi) / width).astype(np.int64)
            hi = np.floor((aa + np.maximum(delta, 0.0) + np.pi) / width).astype(np.int64)
            n = hi - lo + 1
            start = np.repeat(lo - (np.cumsum(n) - n), n)
            bins = (start + np.arange(n.sum())) % nbins
            dist = np.repeat(near, n)
            np.minimum.at(depth, bins, dist)
            if second:
                own = np.repeat(scene.powner[sel], n)
                first = dist == depth[bins]
                owner1[bins[first]] = own[first]  # ties: any nearest owner
                other = own != owner1[bins]
                np.minimum.at(depth2, bins[other], dist[other])
    if second:
        return depth, owner1, depth2
    return depth


def target_bins(scene: _Scene, ox: float, oy: float, tr: np.ndarray, tc: np.ndarray):
    """Direction bin and distance of target cells from one observer."""
    width = 2 * math.pi / _nbins(scene)
    dx = scene.x0 + (tc + 0.5) * scene.cell - ox
    dy = scene.y0 + (tr + 0.5) * scene.cell - oy
    d = np.hypot(dx, dy)
    b = np.floor((np.arctan2(dy, dx) + np.pi) / width).astype(np.int64) % _nbins(scene)
    return b, d


def _observer_view(scene: _Scene, ox: float, oy: float) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, cols)`` of the target cells one observer sees."""
    cell, md = scene.cell, scene.max_distance
    rows, cols = scene.shape
    # window of cells within max_distance (+ one cell) of the observer
    oc, orow = (ox - scene.x0) / cell, (oy - scene.y0) / cell
    reach = md / cell + 1
    c0, c1 = max(0, int(oc - reach)), min(cols, int(oc + reach) + 1)
    r0, r1 = max(0, int(orow - reach)), min(rows, int(orow + reach) + 1)
    depth = depth_buffer(scene, ox, oy)
    tr, tc = np.nonzero(scene.target[r0:r1, c0:c1])
    tr, tc = tr + r0, tc + c0
    b, d = target_bins(scene, ox, oy, tr, tc)
    vis = (d <= md) & (d < depth[b])
    return tr[vis], tc[vis]


def _blocker_geoms(blockers: Any) -> np.ndarray:
    import shapely

    if blockers is None:
        return np.zeros(0, dtype=object)
    if hasattr(blockers, "crs"):
        check_metric_crs(blockers.crs, "the blockers")
    if hasattr(blockers, "geometry") and hasattr(blockers.geometry, "values"):
        geoms = np.asarray(blockers.geometry.values, dtype=object)
    else:
        geoms = np.asarray(list(blockers), dtype=object)
    if len(geoms) == 0:
        return geoms
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    pts = shapely.get_dimensions(geoms) == 0
    if pts.any():  # a bare point blocks a 1 m disc
        geoms = geoms.copy()
        geoms[pts] = shapely.buffer(geoms[pts], 1.0)
    return geoms


def filter_observers(place: Any, xy: np.ndarray, max_distance: float) -> np.ndarray:
    import shapely

    d = shapely.distance(place, shapely.points(xy)) if len(xy) else np.zeros(0)
    return xy[d <= max_distance]


def visibility_grid(
    place_polygon: Any,
    observers_xy: Any,
    blockers: Any = None,
    *,
    cell_size: float = 1.0,
    max_distance: float = 80.0,
    min_observers: int = 1,
) -> VisibilityResult:
    """Count, for every cell of a place, the observers that can see it (2D isovist count).

    Parameters
    ----------
    place_polygon : shapely (Multi)Polygon, GeoSeries or GeoDataFrame
        The place, in a metric CRS. Its CRS (else the observers', else the blockers') is
        the reference: the other frames are reprojected to it, and refused without a CRS
        of their own (:class:`VisibilityCRSError`). Arrays and shapely geometries are
        taken to be in it.
    observers_xy : array_like of shape (n, 2) or GeoDataFrame of points
        Observer positions (e.g. from :func:`observer_points`).
    blockers : GeoDataFrame, GeoSeries or sequence of shapely geometries, optional
        What blocks sight: polygons block the cells whose centre they contain, lines the
        cells their centre line passes through, points a 1 m disc. Build them from an area
        with :func:`blockers_from_area` (buildings plus vegetation at modelled widths).
    cell_size : float, default 1.0
        Cell side in metres.
    max_distance : float, default 80.0
        Longest sight line counted, metres.
    min_observers : int, default 1
        A cell seen by fewer observers is flagged ``hidden`` in ``cells``.

    Returns
    -------
    VisibilityResult
        ``counts`` (int32 grid, -1 outside the place or in a blocker, row 0 = south),
        ``cells`` (GeoDataFrame of place cells with ``count`` and ``hidden``) and ``info``
        (:class:`GridInfo`). Unpacks as ``counts, cells, info``.

    Raises
    ------
    VisibilityError
        Empty or non-polygonal place, geographic CRS, bad cell size or distance
        (:class:`VisibilityCRSError`, also a ``CRSError``, for the CRS).

    Notes
    -----
    2D only: every blocker is taller than eye height, every observer and cell at the same
    height. See the module docstring for the method and its accuracy (blocker pieces of
    half a cell, directions to about a quarter cell at ``max_distance``; errs towards
    hidden, never towards seen, at grazing sight lines).
    """
    import geopandas as gpd
    import shapely

    # one reference CRS: the place's, else the observers', else the blockers'; the other
    # frames are reprojected to it or, without a CRS of their own, refused
    ref, ref_name = next(((c, n) for c, n in ((_crs_of(place_polygon), "the place"),
                                               (_crs_of(observers_xy), "the observers"),
                                               (_crs_of(blockers), "the blockers"))
                          if c is not None), (None, "the place"))
    place_polygon = to_reference_crs(place_polygon, ref, "the place", target=ref_name)
    observers_xy = to_reference_crs(observers_xy, ref, "the observers", target=ref_name)
    blockers = to_reference_crs(blockers, ref, "the blockers", target=ref_name)
    place, crs = as_place(place_polygon)
    if not (cell_size > 0 and max_distance > 0):
        raise VisibilityError(
            f"cell_size and max_distance must be positive, got {cell_size}, {max_distance}"
        )
    xy = filter_observers(place, as_xy(observers_xy), max_distance)
    geoms = _blocker_geoms(blockers)
    scene = build_scene(place, xy, geoms, float(cell_size), float(max_distance))
    counts = visible_counts(scene, xy)
    pr, pc = scene.place_rows, scene.place_cols
    out = np.where(scene.target[pr, pc], counts[pr, pc], -1).astype(np.int32)
    info = GridInfo(
        x0=scene.x0 + pc.start * scene.cell, y0=scene.y0 + pr.start * scene.cell,
        cell_size=scene.cell, shape=out.shape, max_distance=float(max_distance),
        crs=crs if crs is not None else _crs_of(observers_xy) or _crs_of(blockers),
    )
    rr, cc = np.nonzero(out >= 0)
    x = info.x0 + cc * info.cell_size
    y = info.y0 + rr * info.cell_size
    cells = gpd.GeoDataFrame(
        {"row": rr, "col": cc, "count": out[rr, cc],
         "hidden": out[rr, cc] < min_observers},
        geometry=shapely.box(x, y, x + info.cell_size, y + info.cell_size), crs=info.crs,
    )
    return VisibilityResult(out, cells, info)


def visible_counts(scene: _Scene, xy: np.ndarray) -> np.ndarray:
    counts = np.zeros(scene.shape, np.int32)
    for ox, oy in xy:
        tr, tc = _observer_view(scene, float(ox), float(oy))
        counts[tr, tc] += 1
    return counts
