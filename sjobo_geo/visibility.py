"""Natural surveillance: who can see a place, which parts are hidden, which bushes to cut.

Crime prevention through environmental design (CPTED) rests on *natural surveillance*: a
place is safer when people on paths, at windows and at entrances can see into it. This
module measures that in two dimensions on a grid of cells over a place (a schoolyard, a
square, a courtyard):

1. :func:`observer_points` puts observers on the walkable paths around the place and just
   outside the building facades that face it (a proxy for windows and entrances).
2. :func:`visibility_grid` counts, for every cell centre of the place, how many observers
   have an unobstructed straight line of sight to it within ``max_distance`` metres
   (a 2D isovist count).
3. :func:`hidden_places` merges the cells seen by too few observers into polygons.
4. :func:`vegetation_actions` ranks the sight-blocking vegetation near the place by the
   hidden area that cutting it back would reveal, and lists hedges and scrub beside paths.

The model is two-dimensional: a blocker blocks sight at eye height or it does not.
Buildings always block. Scrub and hedges block unless their OSM ``height`` tag is at most
the shrub limit of the chosen settings (then they are already low enough); tree rows,
single trees and forest edges are treated as blocking (low crowns and undergrowth; OSM
rarely says how high the crown starts). Cutting back (shrubs to the shrub limit, crowns
raised to the crown limit) removes a feature as a blocker. Terrain, walls and fences
without a building tag, parked cars, light and seasons are not modelled.

Method (:func:`visibility_grid`)
--------------------------------
Every blocker outline (polygons) and line is cut into pieces of at most half a cell. For
each observer, every piece within range covers an interval of directions; a polar depth
buffer (angular bins of ``cell_size / (4 * max_distance)`` radians, about a quarter cell
sideways at the maximum distance) keeps the nearest blocker distance per direction, and a
cell centre is visible when it is nearer than the nearest blocker in its direction. The
pieces share their ends, so a thin wall or hedge never leaks; sight lines are exact up to
the bin width and the half-cell pieces (a blocker is never smaller than it is). All of
this is numpy over the pieces and cells within range; the only Python loop is over
observers. Cells whose centre is inside a blocker polygon, or which a blocker line (or the
outline of a narrow polygon) crosses, are not part of the place and get count -1.

Grid convention: ``counts[row, col]`` is the cell with south-west corner
``(x0 + col * cell_size, y0 + row * cell_size)``; row 0 is the southern edge (as in a
GeoTIFF read upside down), see :class:`GridInfo`.

Settings (:data:`CPTED_SETTINGS`) for trimming come from published CPTED guidance; no
Swedish numeric limits were found (see ``DOMAIN.md``):

* Secured by Design (UK): shrubs at most 1 m mature height, tree crowns no lower than 2 m.
* Crime Prevention Victoria (Australia): shrubs at most 0.6 m, branches from 1.8 m,
  3-5 m cleared either side of paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import SjoboGeoError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CPTED_SETTINGS",
    "GridInfo",
    "TrimSettings",
    "VegetationActions",
    "VisibilityError",
    "VisibilityResult",
    "blockers_from_area",
    "hidden_places",
    "observer_points",
    "vegetation_actions",
    "visibility_grid",
    "with_settings",
]


class VisibilityError(ValueError, SjoboGeoError):
    """Bad input to a visibility computation (empty place, geographic CRS, no observers...)."""


# ---- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrimSettings:
    """How vegetation is cut back and how wide it blocks sight (2D).

    Attributes
    ----------
    name : str
        Short name of the guidance.
    source : str
        Where the numbers come from.
    shrub_max_height_m : float
        Shrubs and hedges are cut to at most this height.
    crown_min_height_m : float
        Tree crowns (lowest branches) are raised to at least this height.
    path_clearance_m : float
        Hedges and scrub within this distance of a path are listed for clearing.
    path_clearance_source : str
        Where ``path_clearance_m`` comes from.
    hedge_width_m, scrub_line_width_m, tree_row_width_m, forest_edge_width_m : float
        Widths given to line features (a hedge, scrub mapped as a line, a tree row, the
        edge of a wood) when they are drawn as blockers. Modelling choices, not guidance.
    tree_radius_m : float
        Radius of the disc that stands for a single tree (crown/undergrowth at eye height).
    """

    name: str
    source: str
    shrub_max_height_m: float
    crown_min_height_m: float
    path_clearance_m: float
    path_clearance_source: str
    hedge_width_m: float = 1.0
    scrub_line_width_m: float = 2.0
    tree_row_width_m: float = 3.0
    forest_edge_width_m: float = 2.0
    tree_radius_m: float = 2.0

    def action(self, kind: str) -> str:
        """The cutting-back advice for a vegetation kind, with its source."""
        if kind in ("scrub", "hedge"):
            return f"cut back to at most {self.shrub_max_height_m:g} m ({self.name})"
        return f"raise crowns to at least {self.crown_min_height_m:g} m ({self.name})"


#: Trimming settings from the two sources in DOMAIN.md, keyed by short name.
CPTED_SETTINGS: dict[str, TrimSettings] = {
    "crime_prevention_victoria": TrimSettings(
        name="Crime Prevention Victoria",
        source="Crime Prevention Victoria, CPTED guidance: shrubs at most 0.6 m, branches "
               "from 1.8 m, 3-5 m cleared either side of paths",
        shrub_max_height_m=0.6, crown_min_height_m=1.8, path_clearance_m=3.0,
        path_clearance_source="Crime Prevention Victoria (3-5 m; the lower bound)",
    ),
    "secured_by_design": TrimSettings(
        name="Secured by Design",
        source="Secured by Design (UK): shrubs at most 1 m mature height, tree crowns no "
               "lower than 2 m",
        shrub_max_height_m=1.0, crown_min_height_m=2.0, path_clearance_m=3.0,
        path_clearance_source="Crime Prevention Victoria (3-5 m; the lower bound); Secured "
                              "by Design gives no distance",
    ),
}
DEFAULT_SETTINGS = CPTED_SETTINGS["crime_prevention_victoria"]

_VEG_KINDS = ("scrub", "hedge", "tree_row", "tree", "forest_edge")


# ---- grid ----------------------------------------------------------------------------------


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


def _check_crs(crs: Any, what: str) -> None:
    if crs is None:
        return
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    if c.is_geographic or not c.axis_info or c.axis_info[0].unit_name not in ("metre", "meter"):
        raise VisibilityError(
            f"{what} is in {c.to_string()}, not a metric CRS; project it first "
            "(e.g. to_crs('EPSG:3006'), SWEREF 99 TM)"
        )


def _as_place(place: Any) -> tuple[Any, Any]:
    """The place as one shapely geometry and its CRS (if it has one)."""
    import shapely

    crs = _crs_of(place)
    _check_crs(crs, "the place")
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


def _as_xy(observers: Any) -> np.ndarray:
    import shapely

    if hasattr(observers, "geometry") and hasattr(observers, "crs"):
        _check_crs(observers.crs, "the observers")
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


def _scene(place: Any, obs_xy: np.ndarray, geoms: np.ndarray, cell: float,
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


def _depth(scene: _Scene, ox: float, oy: float, *, second: bool = False):
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


def _target_bins(scene: _Scene, ox: float, oy: float, tr: np.ndarray, tc: np.ndarray):
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
    depth = _depth(scene, ox, oy)
    tr, tc = np.nonzero(scene.target[r0:r1, c0:c1])
    tr, tc = tr + r0, tc + c0
    b, d = _target_bins(scene, ox, oy, tr, tc)
    vis = (d <= md) & (d < depth[b])
    return tr[vis], tc[vis]


def _blocker_geoms(blockers: Any) -> np.ndarray:
    import shapely

    if blockers is None:
        return np.zeros(0, dtype=object)
    if hasattr(blockers, "crs"):
        _check_crs(blockers.crs, "the blockers")
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


def _filter_observers(place: Any, xy: np.ndarray, max_distance: float) -> np.ndarray:
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
        The place, in a metric CRS.
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
        Empty or non-polygonal place, geographic CRS, bad cell size or distance.

    Notes
    -----
    2D only: every blocker is taller than eye height, every observer and cell at the same
    height. See the module docstring for the method and its accuracy (blocker pieces of
    half a cell, directions to about a quarter cell at ``max_distance``; errs towards
    hidden, never towards seen, at grazing sight lines).
    """
    import geopandas as gpd
    import shapely

    place, crs = _as_place(place_polygon)
    if not (cell_size > 0 and max_distance > 0):
        raise VisibilityError(
            f"cell_size and max_distance must be positive, got {cell_size}, {max_distance}"
        )
    xy = _filter_observers(place, _as_xy(observers_xy), max_distance)
    geoms = _blocker_geoms(blockers)
    scene = _scene(place, xy, geoms, float(cell_size), float(max_distance))
    counts = _count(scene, xy)
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


def _count(scene: _Scene, xy: np.ndarray) -> np.ndarray:
    counts = np.zeros(scene.shape, np.int32)
    for ox, oy in xy:
        tr, tc = _observer_view(scene, float(ox), float(oy))
        counts[tr, tc] += 1
    return counts


# ---- hidden places -------------------------------------------------------------------------


def hidden_places(counts: np.ndarray, info: GridInfo, *, min_observers: int = 1
                  ) -> gpd.GeoDataFrame:
    """Merge the cells seen by fewer than ``min_observers`` observers into polygons.

    Parameters
    ----------
    counts : numpy.ndarray
        Count grid from :func:`visibility_grid` (-1 = not part of the place).
    info : GridInfo
        Its grid position.
    min_observers : int, default 1
        Cells with ``0 <= count < min_observers`` are hidden.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per connected hidden area (cells touching at an edge or a corner end up in
        one polygon or multipolygon part), largest first: ``area_m2``, ``cells``,
        ``min_count``, ``max_count``.
    """
    import geopandas as gpd
    import shapely
    from scipy import ndimage

    counts = np.asarray(counts)
    hidden = (counts >= 0) & (counts < min_observers)
    labels, n = ndimage.label(hidden, structure=np.ones((3, 3), bool))
    if n == 0:
        return gpd.GeoDataFrame(
            {"area_m2": [], "cells": [], "min_count": [], "max_count": []},
            geometry=[], crs=info.crs,
        )
    rr, cc = np.nonzero(hidden)
    lab = labels[rr, cc] - 1
    s = info.cell_size
    boxes = shapely.box(info.x0 + cc * s, info.y0 + rr * s,
                        info.x0 + (cc + 1) * s, info.y0 + (rr + 1) * s)
    order = np.argsort(lab, kind="stable")
    splits = np.flatnonzero(np.diff(lab[order])) + 1
    groups = np.split(order, splits)
    # union per group: one coverage union per label (a loop over areas, not cells)
    geoms = [shapely.coverage_union_all(boxes[g]) for g in groups]
    vals = counts[rr, cc]
    ncell = np.bincount(lab, minlength=n)
    mins = np.full(n, np.iinfo(np.int64).max)
    maxs = np.full(n, -1)
    np.minimum.at(mins, lab, vals)
    np.maximum.at(maxs, lab, vals)
    out = gpd.GeoDataFrame(
        {"area_m2": ncell * s * s, "cells": ncell, "min_count": mins, "max_count": maxs},
        geometry=geoms, crs=info.crs,
    )
    return out.sort_values("area_m2", ascending=False, kind="stable").reset_index(drop=True)


# ---- observers -----------------------------------------------------------------------------


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
        The place, in the area's CRS.
    area : sjobo_geo.area.Area
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

    place, crs = _as_place(place_polygon)
    _check_crs(getattr(area, "crs", None), "the area")
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


# ---- blockers and vegetation ---------------------------------------------------------------


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
    area : sjobo_geo.area.Area
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

    place, crs = _as_place(place_polygon)
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
        The place (e.g. a schoolyard), in the area's CRS.
    area : sjobo_geo.area.Area
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
    place, crs = _as_place(place_polygon)
    _check_crs(getattr(area, "crs", None), "the area")
    crs = crs if crs is not None else getattr(area, "crs", None)
    if observers is None:
        observers = observer_points(place_polygon, area, radius=radius)
    obs_xy = _filter_observers(place, _as_xy(observers), max_distance)
    blockers = blockers_from_area(place, area, radius=radius + max_distance,
                                  settings=settings)
    geoms = np.asarray(blockers.geometry.values, dtype=object)
    scene = _scene(place, obs_xy, geoms, float(cell_size), float(max_distance))
    counts = _count(scene, obs_xy)
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
            depth, owner1, depth2 = _depth(scene, float(ox), float(oy), second=True)
            b, dist[i] = _target_bins(scene, float(ox), float(oy), hid_r, hid_c)
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


def with_settings(settings: TrimSettings, **changes: Any) -> TrimSettings:
    """A copy of ``settings`` with some fields changed (e.g. a wider hedge)."""
    return replace(settings, **changes)
