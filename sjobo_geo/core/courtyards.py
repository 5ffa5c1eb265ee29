"""Courtyards derived geometrically from building footprints.

A courtyard here is an open space that buildings enclose completely, or almost completely:
the typical 1960s-70s Swedish housing block of slab buildings around a yard, often open at
one or two corners where the slabs do not meet. OpenStreetMap rarely maps such yards, so
they are derived from the building footprints alone, plus (optionally) the street network,
which keeps the derivation from bridging blocks across public streets.

The entry point is :func:`derive_courtyards`. Input must be in a projected CRS in metres
(in Sweden SWEREF 99 TM, EPSG:3006).

Notes
-----
The method, step by step. All steps are vectorised with shapely 2 (array functions and
STRtree queries); Python-level loops run over candidate courtyards only, never over
buildings, and a town of 12 000 footprints takes about 1.5 s.

1. **Footprints.** Polygon and MultiPolygon rows of ``buildings`` are made 2D, repaired
   (``make_valid``) and split into polygon parts. Other geometry types are ignored.
2. **Blocks and enclosed courtyards.** The footprints are closed with a radius of 0.5 m
   (grown, unioned, shrunk back, mitred joins), so that sections, stairwells and buildings
   that touch or nearly touch merge into block outlines ``U0``. Every interior ring of
   ``U0`` is a **fully enclosed** courtyard, taken exactly as the walls bound it. Blocks
   smaller than ``min_wall_area`` (kiosks, sheds, refuse houses, pillars) are not *walls*:
   they do not close gaps in step 3 and do not count as wall in step 5.
3. **Courtyards open at gaps.** The walls are grown by ``r = max_opening / 2`` (round
   joins), which bridges every gap of up to ``max_opening`` between them. Each interior
   ring of the grown union is a *core*: the part of an enclosed space farther than ``r``
   from all walls. A core is grown back by ``r`` with mitred joins (so a right-angled yard
   gets its corners back exactly) and the blocks are subtracted; at a gap the yard ends
   about on the line between the wall ends. A core inside an enclosed courtyard of step 2
   that is no larger than ``max_area`` is that courtyard and is dropped (inside a larger
   one, e.g. a superblock holding buildings of its own, it is kept). Where two grown yards
   overlap (in a gap between them) the overlap goes to neither. Finally every yard gets
   back its *nooks*: the open space that can be reached only through that yard, such as
   the strip between a wall and a building standing in the yard, which growing back the
   core does not reach. (A morphological closing, grow-then-shrink, would not do here: it
   leaves diagonal corner gaps open, because the space on either side rounds into the gap,
   and a round closing cuts a quarter circle off every corner of the yard.)
4. **Street cut.** Public streets (``highway`` in :data:`PUBLIC_HIGHWAYS`: motorway,
   trunk, primary, secondary, tertiary, unclassified, residential and the ``_link``
   variants; not living_street, service, pedestrian or paths, and not streets in a
   ``tunnel`` other than ``building_passage``) are buffered by ``street_buffer`` and cut
   out of every candidate, which is then split into its parts; blocks inside a candidate
   are subtracted. Growing the walls in step 3 also bridges streets narrower than
   ``max_opening``, so a square or the inside of two U-shaped blocks facing each other can
   look enclosed; the street cut and the opening test of step 6 undo that.
5. **Wall test.** The outer boundary of every part is sampled every
   ``min(1, wall_tolerance / 2)`` metres; a stretch is *wall* where its midpoint lies
   within ``wall_tolerance`` of a wall (step 2). ``enclosure`` is the wall share of the
   outer boundary; an *opening* is a non-wall stretch longer than 2 m.
6. **Filters.** A part is a courtyard when ``min_area <= area <= max_area``,
   ``enclosure >= min_enclosure`` and every opening is at most ``max_opening`` wide
   (straight distance between its ends) and at most ``2 * max_opening`` long (along the
   boundary). The last test rejects the halves of a candidate that a street cut in two:
   they are open along the whole street side, as a U-shaped block is.

Known limits: a yard open at a gap is found only where it is wider than ``max_opening``
somewhere (its core must exist); narrower ones are found only when fully enclosed. A yard
without public streets around it cannot be told from a square or a small park ringed by
buildings; use the ``streets`` argument. Railway land, water and parks are not inputs, so
a space ringed by real walls but used for something else (a track area between long
buildings) can be returned when it passes the tests.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from sjobo_geo._errors import CRSError

__all__ = ["PUBLIC_HIGHWAYS", "derive_courtyards"]

#: ``highway`` values that count as public streets and cut courtyard candidates.
PUBLIC_HIGHWAYS: frozenset[str] = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "motorway_link",
        "trunk_link",
        "primary_link",
        "secondary_link",
        "tertiary_link",
    }
)

#: Radius (m) of the closing that merges touching or nearly touching footprints.
_SNAP = 0.5
#: Tolerance (m) for slivers and hairline slits left by floating-point buffering.
_EPS = 0.01
#: Segments per quarter circle of the round buffer that bridges gaps.
_QUAD_SEGS = 8
#: Mitre limit when growing cores back: right angles (ratio 1.41) stay sharp, sharper
#: corners are bevelled instead of shooting out spikes.
_MITRE_LIMIT = 1.5
#: Non-wall stretches shorter than this (m) are not counted as openings.
_MIN_OPENING_LENGTH = 2.0
#: Number of ``addr:street`` values listed in the ``streets`` column.
_MAX_STREET_NAMES = 3
#: Tunnel values under which a street still cuts a courtyard (it is at ground level).
_SURFACE_TUNNELS = frozenset({"no", "building_passage"})

#: GEOS >= 3.12 unions sets that fall into disjoint subsets (blocks) much faster.
_union_all = getattr(shapely, "disjoint_subset_union_all", shapely.union_all)

_POLYGON = 3
_MULTIPOLYGON = 6
_COLLECTION = 7

_COLUMNS = {
    "courtyard_id": "int64",
    "area_m2": "float64",
    "perimeter_m": "float64",
    "enclosure": "float64",
    "openings": "int64",
    "fully_enclosed": "bool",
    "n_buildings": "int64",
    "streets": "object",
}


def derive_courtyards(
    buildings: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame | None = None,
    *,
    max_opening: float = 20.0,
    min_area: float = 150.0,
    max_area: float = 25_000.0,
    min_enclosure: float = 0.6,
    wall_tolerance: float = 1.5,
    street_buffer: float = 3.0,
    min_wall_area: float = 30.0,
) -> gpd.GeoDataFrame:
    """Derive courtyards (open spaces enclosed or mostly enclosed by buildings).

    See the notes of the module (:mod:`sjobo_geo.core.courtyards`) for the method.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Building footprints in a projected CRS in metres. Polygon and MultiPolygon rows
        are used (invalid ones are repaired), all other geometries are ignored. If it has
        an ``addr:street`` column, that fills the ``streets`` column of the result. Not
        modified.
    streets : geopandas.GeoDataFrame, optional
        Street lines with a ``highway`` column (string, or list of strings as osmnx gives
        for merged edges), e.g. ``pyrosm.OSM(...).get_network("driving")`` or osmnx edges.
        Public streets (:data:`PUBLIC_HIGHWAYS`) cut courtyard candidates, so that a
        closing across a street does not make one courtyard of two blocks and the street
        between them. Reprojected to the CRS of ``buildings`` if needed; a ``tunnel``
        column, if present, drops streets in tunnels. Without streets, blocks less than
        ``max_opening`` apart can be bridged into one large candidate. Not modified.
    max_opening : float, default 20.0
        Widest gap (m) between walls that still closes a courtyard; walls are grown by
        ``max_opening / 2`` to bridge gaps. 20 m closes the corner gaps between slab
        blocks (typically 6-15 m) but not a side left open to a street or a park. A yard
        open at a gap must also be wider than this somewhere to be found. Larger values
        bridge more streets (which ``streets`` then has to cut), smaller ones miss blocks
        open at generous corners. Values up to 1 m derive fully enclosed courtyards only.
    min_area : float, default 150.0
        Smallest courtyard area (m²). Light wells and narrow backyards of city blocks are
        smaller; the smallest yards of slab blocks are a few hundred m².
    max_area : float, default 25000.0
        Largest courtyard area (m²). Large slab-block yards reach about 10 000-15 000 m²;
        beyond 25 000 m² an "enclosed" space is a park, a square or a whole neighbourhood
        ringed by buildings.
    min_enclosure : float, default 0.6
        Smallest share (0..1) of the courtyard's outer boundary that must be building wall.
        A square yard with one wide opening per side still scores about 0.7-0.8.
    wall_tolerance : float, default 1.5
        Distance (m) from a footprint within which the boundary counts as wall; absorbs
        imprecise mapping and the small setbacks of entrances and balconies.
    street_buffer : float, default 3.0
        Half-width (m) of the band cut out of candidates along each public street
        centre line. 3 m is a carriageway of two lanes; what is left of the street space
        beside it is too narrow and too open to pass as a courtyard.
    min_wall_area : float, default 30.0
        Smallest block (m², touching footprints merged) that counts as wall. Kiosks,
        sheds, refuse houses and pillars are smaller: they neither close a gap nor count
        as wall, but they are still cut out of the courtyard. On the Helsinki sample a
        row of such structures otherwise closes off the track area of the railway station
        as a 13 000 m² "courtyard". A row of touching garages is one block and counts.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per courtyard, in the CRS of ``buildings``, ordered west to east (then
        south to north) by representative point, with columns:

        - ``courtyard_id`` (int): 1, 2, ... in that order.
        - ``area_m2`` (float): area, without any buildings standing inside.
        - ``perimeter_m`` (float): length of the outer boundary.
        - ``enclosure`` (float, 0..1): wall share of the outer boundary.
        - ``openings`` (int): number of non-wall stretches longer than 2 m.
        - ``fully_enclosed`` (bool): an interior ring of the (snapped) building union,
          not cut by a street.
        - ``n_buildings`` (int): rows of ``buildings`` within ``wall_tolerance``.
        - ``streets`` (str): up to three most common ``addr:street`` values of those
          buildings, most common first, comma separated; ``""`` if none.
        - ``geometry`` (Polygon).

        ``attrs["parameters"]`` holds the parameters used.

    Raises
    ------
    sjobo_geo._errors.CRSError
        If ``buildings`` (or ``streets``) has no CRS, or ``buildings`` is not in a
        projected CRS in metres.
    TypeError
        If ``buildings`` or ``streets`` is not a GeoDataFrame.
    ValueError
        If a parameter is out of range or ``streets`` has no ``highway`` column.
    """
    if not isinstance(buildings, gpd.GeoDataFrame):
        raise TypeError(
            f"buildings must be a geopandas.GeoDataFrame, got {type(buildings).__name__}"
        )
    if streets is not None and not isinstance(streets, gpd.GeoDataFrame):
        raise TypeError(
            f"streets must be a geopandas.GeoDataFrame or None, got {type(streets).__name__}"
        )
    params: dict[str, Any] = {
        "max_opening": float(max_opening),
        "min_area": float(min_area),
        "max_area": float(max_area),
        "min_enclosure": float(min_enclosure),
        "wall_tolerance": float(wall_tolerance),
        "street_buffer": float(street_buffer),
        "min_wall_area": float(min_wall_area),
    }
    _check_params(params)
    crs = _check_metric_crs(buildings.crs, "buildings")

    parts, part_row = _polygon_parts(buildings.geometry)
    if len(parts) == 0:
        return _empty(crs, params)

    # 2. snapped union and its holes: fully enclosed courtyards
    u0 = _closing(parts, _SNAP)
    enclosed = shapely.polygons(_interior_rings(u0))
    enclosed_area = shapely.area(enclosed)
    walls = u0[shapely.area(u0) >= params["min_wall_area"]]

    # 3. closed union and its holes: courtyards open at corners or gaps
    radius = params["max_opening"] / 2.0
    if radius > _SNAP:
        grown = _union_all(shapely.buffer(walls, radius, quad_segs=_QUAD_SEGS))
        cores = shapely.polygons(_interior_rings(shapely.get_parts(grown)))
        # a core inside an enclosed courtyard of ordinary size belongs to that courtyard
        ordinary = enclosed[enclosed_area <= max_area]
        if len(cores) and len(ordinary):
            inside, _ = shapely.STRtree(ordinary).query(
                shapely.point_on_surface(cores), predicate="within"
            )
            cores = np.delete(cores, np.unique(inside))
        opened = shapely.buffer(cores, radius, join_style="mitre", mitre_limit=_MITRE_LIMIT)
        opened = _with_nooks(_subtract(opened, u0)[0], u0)
    else:
        opened = np.empty(0, dtype=object)
    # (larger enclosed spaces are not courtyards: their own yards came in as cores)
    enclosed = enclosed[(enclosed_area >= min_area) & (enclosed_area <= max_area)]
    candidates = np.concatenate([enclosed, opened])
    from_enclosed = np.arange(len(candidates)) < len(enclosed)
    if len(candidates) == 0:
        return _empty(crs, params)

    # 4. cut by public streets, subtract footprints, split into parts
    cut = np.zeros(len(candidates), dtype=bool)
    if streets is not None and len(streets):
        street_zones = _street_zones(streets, crs, params["street_buffer"])
        candidates, cut = _subtract(candidates, street_zones)
    candidates, _ = _subtract(candidates, u0)
    pieces, owner = shapely.get_parts(candidates, return_index=True)
    pieces, owner = _polygons_only(pieces, owner)
    area = shapely.area(pieces)
    keep = (area >= min_area) & (area <= max_area)
    pieces, owner, area = pieces[keep], owner[keep], area[keep]
    if len(pieces) == 0:
        return _empty(crs, params)

    # 5. wall test along the outer boundary
    rings = shapely.get_exterior_ring(pieces)
    wall = _wall_stretches(rings, walls, params["wall_tolerance"])

    # 6. filters
    keep = (
        (wall["enclosure"] >= min_enclosure)
        & (wall["widest"] <= params["max_opening"])
        & (wall["longest"] <= 2.0 * params["max_opening"])
    )
    if not keep.any():
        return _empty(crs, params)
    pieces, owner, area = pieces[keep], owner[keep], area[keep]
    wall = {key: value[keep] for key, value in wall.items()}
    fully = from_enclosed[owner] & ~cut[owner] & (wall["openings"] == 0)

    # buildings along each courtyard
    court_idx, part_idx = shapely.STRtree(parts).query(
        pieces, predicate="dwithin", distance=params["wall_tolerance"]
    )
    touching = pd.DataFrame({"court": court_idx, "row": part_row[part_idx]}).drop_duplicates()
    n_buildings = np.bincount(touching["court"].to_numpy(), minlength=len(pieces))
    street_names = _street_names(buildings, touching, len(pieces))

    points = shapely.point_on_surface(pieces)
    order = np.lexsort((shapely.get_y(points), shapely.get_x(points)))
    result = gpd.GeoDataFrame(
        {
            "courtyard_id": np.arange(1, len(pieces) + 1, dtype="int64"),
            "area_m2": area[order],
            "perimeter_m": wall["perimeter"][order],
            "enclosure": wall["enclosure"][order],
            "openings": wall["openings"][order].astype("int64"),
            "fully_enclosed": fully[order],
            "n_buildings": n_buildings[order].astype("int64"),
            "streets": street_names[order],
        },
        geometry=gpd.GeoSeries(pieces[order], crs=crs),
    )
    result.attrs["parameters"] = params
    return result


# --------------------------------------------------------------------------- checks


def _check_params(params: dict[str, Any]) -> None:
    for name, value in params.items():
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if params["max_area"] <= params["min_area"]:
        raise ValueError(
            f"max_area ({params['max_area']!r}) must be larger than min_area "
            f"({params['min_area']!r})"
        )
    if params["min_enclosure"] > 1:
        raise ValueError(
            f"min_enclosure is a share between 0 and 1, got {params['min_enclosure']!r}"
        )


def _check_metric_crs(crs: Any, what: str) -> CRS:
    accepted = (
        "a projected CRS in metres, e.g. EPSG:3006 (SWEREF 99 TM) in Sweden, EPSG:3067 in "
        f"Finland, or the UTM zone from {what}.estimate_utm_crs(); reproject with "
        f"{what}.to_crs(...)"
    )
    if crs is None:
        raise CRSError(f"{what} has no CRS; expected {accepted}")
    crs = CRS.from_user_input(crs)
    if not crs.is_projected:
        kind = "geographic (degrees)" if crs.is_geographic else "not projected"
        raise CRSError(f"{what} is in {crs.to_string()}, which is {kind}; expected {accepted}")
    units = {axis.unit_name.lower() for axis in crs.axis_info}
    if not units <= {"metre", "meter", "m"}:
        raise CRSError(
            f"{what} is in {crs.to_string()}, whose unit is {', '.join(sorted(units))}; "
            f"expected {accepted}"
        )
    return crs


def _empty(crs: CRS, params: dict[str, Any]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {name: pd.Series(dtype=dtype) for name, dtype in _COLUMNS.items()},
        geometry=gpd.GeoSeries([], crs=crs),
    )
    frame.attrs["parameters"] = params
    return frame


# --------------------------------------------------------------------------- geometry


def _polygon_parts(geometry: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Valid 2D polygon parts of the Polygon/MultiPolygon rows, with their row positions."""
    geoms = np.asarray(geometry.array, dtype=object)
    type_id = shapely.get_type_id(geoms)
    rows = np.flatnonzero(np.isin(type_id, (_POLYGON, _MULTIPOLYGON)))
    geoms = geoms[rows]
    geoms = shapely.force_2d(geoms)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    parts, index = shapely.get_parts(geoms, return_index=True)
    parts, index = _polygons_only(parts, index)
    keep = shapely.area(parts) > 0
    return parts[keep], rows[index[keep]]


def _polygons_only(geoms: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Explode (nested) collections down to polygons, dropping lines and points."""
    type_id = shapely.get_type_id(geoms)
    while np.isin(type_id, (_MULTIPOLYGON, _COLLECTION)).any():
        geoms, sub = shapely.get_parts(geoms, return_index=True)
        index = index[sub]
        type_id = shapely.get_type_id(geoms)
    keep = type_id == _POLYGON
    return geoms[keep], index[keep]


def _closing(polygons: np.ndarray, radius: float) -> np.ndarray:
    """Morphological closing (mitred joins) of the union of ``polygons``, as polygon parts."""
    grown = shapely.buffer(polygons, radius, join_style="mitre")
    union = shapely.get_parts(_union_all(grown))
    # erosion of disjoint parts is the union of their erosions: buffer them one by one
    shrunk = shapely.buffer(union, -radius, join_style="mitre")
    parts, _ = _polygons_only(shrunk, np.arange(len(shrunk)))
    return parts


def _with_nooks(yards: np.ndarray, u0: np.ndarray) -> np.ndarray:
    """Add to each yard the open space that can be reached only through that yard.

    A yard grown back from its core misses the nooks narrower than the core's radius
    along its walls (a strip between a wall and a building standing in the yard, a
    recess between two wings). The open space left when blocks and yards are removed
    falls into connected pieces; a piece that borders exactly one yard and does not reach
    the open land around everything is such a nook.
    """
    if len(yards) == 0:
        return yards
    # where grown yards overlap (in a gap between them), the overlap belongs to neither
    first, second = shapely.STRtree(yards).query(yards, predicate="overlaps")
    yards, _ = _subtract_pairs(yards, yards.copy(), first, second)
    # open space = a frame around everything minus the filled outlines of the blocks
    filled = shapely.polygons(shapely.get_exterior_ring(u0))
    inner, outer = shapely.STRtree(filled).query(
        shapely.point_on_surface(filled), predicate="within"
    )
    filled = np.delete(filled, np.unique(inner[inner != outer]))  # islands in holes
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.concatenate([filled, yards]))
    frame = shapely.box(xmin - 10.0, ymin - 10.0, xmax + 10.0, ymax + 10.0)
    space = shapely.polygons(frame.exterior, holes=shapely.get_exterior_ring(filled))
    if not shapely.is_valid(space):
        space = shapely.difference(frame, shapely.union_all(filled))
    rest = shapely.difference(space, _union_all(yards))
    # an opening by _EPS cuts the slivers along walls that would link nooks to the rest
    rest = shapely.buffer(shapely.buffer(rest, -_EPS, join_style="mitre"), _EPS, join_style="mitre")
    pieces, _ = _polygons_only(np.array([rest], dtype=object), np.zeros(1, dtype=np.intp))
    if len(pieces) == 0:
        return yards
    # pieces as the (prepared) query input: the big outside piece is prepared only once
    piece_idx, yard_idx = shapely.STRtree(yards).query(
        pieces, predicate="dwithin", distance=4 * _EPS
    )
    n_yards = np.bincount(piece_idx, minlength=len(pieces))
    outside = np.zeros(len(pieces), dtype=bool)
    corner = shapely.points(xmin - 5.0, ymin - 5.0)  # inside the frame's empty margin
    outside[shapely.STRtree(pieces).query(corner, predicate="intersects")] = True
    nook = (n_yards[piece_idx] == 1) & ~outside[piece_idx]
    yard_idx, piece_idx = yard_idx[nook], piece_idx[nook]
    if len(yard_idx) == 0:
        return yards
    order = np.argsort(yard_idx, kind="stable")
    yard_idx, piece_idx = yard_idx[order], piece_idx[order]
    groups, starts = np.unique(yard_idx, return_index=True)
    merged = np.array(
        [
            shapely.union_all(np.append(pieces[idx], yards[yard]))
            for yard, idx in zip(groups, np.split(piece_idx, starts[1:]), strict=True)
        ],
        dtype=object,
    )
    # a closing by _EPS seals the hairline slits left where the pieces meet
    merged = shapely.buffer(
        shapely.buffer(merged, _EPS, join_style="mitre"), -_EPS, join_style="mitre"
    )
    result = yards.copy()
    result[groups] = merged
    return result


def _interior_rings(polygons: np.ndarray) -> np.ndarray:
    counts = shapely.get_num_interior_rings(polygons)
    owner = np.repeat(np.arange(len(polygons)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    return shapely.get_interior_ring(polygons[owner], np.arange(len(owner)) - first)


def _subtract(targets: np.ndarray, cutters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``targets[i] - union(cutters touching it)``, and whether anything was cut."""
    if len(cutters) == 0 or len(targets) == 0:
        return targets.copy(), np.zeros(len(targets), dtype=bool)
    target_idx, cutter_idx = shapely.STRtree(cutters).query(targets, predicate="intersects")
    return _subtract_pairs(targets, cutters, target_idx, cutter_idx)


def _subtract_pairs(
    targets: np.ndarray, cutters: np.ndarray, target_idx: np.ndarray, cutter_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``targets[i] - union(cutters[j] for the pairs (i, j))``, and whether anything was cut."""
    result = targets.copy()
    cut = np.zeros(len(targets), dtype=bool)
    if len(target_idx) == 0:
        return result, cut
    order = np.argsort(target_idx, kind="stable")
    target_idx, cutter_idx = target_idx[order], cutter_idx[order]
    groups, starts = np.unique(target_idx, return_index=True)
    blades = np.array(
        [shapely.union_all(cutters[idx]) for idx in np.split(cutter_idx, starts[1:])],
        dtype=object,
    )
    result[groups] = shapely.difference(targets[groups], blades)
    cut[groups] = ~shapely.equals(result[groups], targets[groups])
    return result, cut


def _street_zones(streets: gpd.GeoDataFrame, crs: CRS, street_buffer: float) -> np.ndarray:
    if "highway" not in streets.columns:
        raise ValueError(
            "streets has no 'highway' column; expected OSM street lines with a highway tag "
            "(e.g. pyrosm's get_network() or osmnx graph edges)"
        )
    if streets.crs is None:
        raise CRSError(
            f"streets has no CRS; expected a CRS (it is reprojected to {crs.to_string()})"
        )
    public = streets["highway"].map(_is_public)
    if "tunnel" in streets.columns:
        public &= streets["tunnel"].map(_is_at_surface)
    selected = streets.loc[public.to_numpy(dtype=bool)]
    if len(selected) == 0:
        return np.empty(0, dtype=object)
    if not CRS.from_user_input(selected.crs).equals(crs):
        selected = selected.to_crs(crs)
    lines = np.asarray(selected.geometry.array, dtype=object)
    lines = lines[~shapely.is_empty(lines) & ~shapely.is_missing(lines)]
    zones = shapely.buffer(shapely.force_2d(lines), max(street_buffer, 0.01))
    return zones[~shapely.is_empty(zones)]


def _is_public(value: Any) -> bool:
    if isinstance(value, str):
        return value in PUBLIC_HIGHWAYS
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return any(isinstance(v, str) and v in PUBLIC_HIGHWAYS for v in value)
    return False


def _is_at_surface(value: Any) -> bool:
    return not isinstance(value, str) or value in _SURFACE_TUNNELS


def _wall_stretches(
    rings: np.ndarray, walls: np.ndarray, tolerance: float
) -> dict[str, np.ndarray]:
    """Sample the rings and measure wall share, openings and the widest/longest opening."""
    n = len(rings)
    # the wall zone: walls near the rings, grown by the tolerance, as one prepared polygon
    near, _ = shapely.STRtree(rings).query(walls, predicate="dwithin", distance=tolerance)
    zone = _union_all(shapely.buffer(walls[np.unique(near)], tolerance, quad_segs=4))
    shapely.prepare(zone)
    step = min(1.0, tolerance / 2.0) if tolerance > 0 else 0.5
    coords, ring_of = shapely.get_coordinates(shapely.segmentize(rings, step), return_index=True)
    # segments join consecutive vertices of the same ring (rings are closed)
    same = ring_of[1:] == ring_of[:-1]
    start, end, seg_ring = coords[:-1][same], coords[1:][same], ring_of[:-1][same]
    length = np.hypot(*(end - start).T)
    mid = (start + end) / 2.0
    is_wall = shapely.intersects_xy(zone, mid[:, 0], mid[:, 1])

    perimeter = np.bincount(seg_ring, weights=length, minlength=n)
    wall_length = np.bincount(seg_ring, weights=length * is_wall, minlength=n)
    enclosure = np.divide(wall_length, perimeter, out=np.zeros(n), where=perimeter > 0)

    # rotate each ring to begin with a wall segment, so no opening wraps around its start
    counts = np.bincount(seg_ring, minlength=n)
    first = np.cumsum(counts) - counts
    local = np.arange(len(seg_ring)) - first[seg_ring]
    big = np.iinfo(np.int64).max
    first_wall = np.full(n, big)
    wall_pos = np.flatnonzero(is_wall)
    np.minimum.at(first_wall, seg_ring[wall_pos], local[wall_pos])
    first_wall[first_wall == big] = 0  # a ring without wall keeps its own start
    rolled = first[seg_ring] + (local + first_wall[seg_ring]) % counts[seg_ring]
    start, end, length, is_wall = start[rolled], end[rolled], length[rolled], is_wall[rolled]

    new_run = np.ones(len(seg_ring), dtype=bool)
    new_run[1:] = (seg_ring[1:] != seg_ring[:-1]) | (is_wall[1:] != is_wall[:-1])
    run_first = np.flatnonzero(new_run)
    run_last = np.append(run_first[1:], len(seg_ring)) - 1
    run_id = np.cumsum(new_run) - 1
    run_length = np.bincount(run_id, weights=length)
    run_width = np.hypot(*(end[run_last] - start[run_first]).T)
    run_ring = seg_ring[run_first]
    opening = ~is_wall[run_first] & (run_length > _MIN_OPENING_LENGTH)

    openings = np.bincount(run_ring[opening], minlength=n)
    widest = np.zeros(n)
    longest = np.zeros(n)
    np.maximum.at(widest, run_ring[opening], run_width[opening])
    np.maximum.at(longest, run_ring[opening], run_length[opening])
    return {
        "perimeter": perimeter,
        "enclosure": enclosure,
        "openings": openings,
        "widest": widest,
        "longest": longest,
    }


def _street_names(buildings: gpd.GeoDataFrame, touching: pd.DataFrame, n: int) -> np.ndarray:
    names = np.full(n, "", dtype=object)
    if "addr:street" not in buildings.columns or touching.empty:
        return names
    values = buildings["addr:street"].to_numpy(dtype=object)[touching["row"].to_numpy()]
    frame = pd.DataFrame({"court": touching["court"].to_numpy(), "street": values})
    frame = frame[frame["street"].map(lambda v: isinstance(v, str) and v.strip() != "")]
    if frame.empty:
        return names
    frame["street"] = frame["street"].str.strip()
    counted = frame.groupby(["court", "street"]).size().rename("count").reset_index()
    counted = counted.sort_values(["court", "count", "street"], ascending=[True, False, True])
    top = counted.groupby("court").head(_MAX_STREET_NAMES)
    joined = top.groupby("court")["street"].agg(", ".join)
    names[joined.index.to_numpy()] = joined.to_numpy()
    return names
