"""Walkable surfaces, and the vectorised geometry and cell grid they are evaluated on.

:func:`walkable_surfaces` turns an area's paths (buffered to their width), squares and
pedestrian areas, courtyards and schoolyards into one table, each surface with its EN 13201
class (:mod:`.classes`). The private helpers do the geometry the lighting analysis needs,
for whole arrays at once: pieces of lines (``split_even``, ``substrings``), a grid frame
of whole cells (``grid_frame``), the cells inside polygons (``cells_in``), cells merged
back into polygons (``runs_to_polygons``) and connected sets of cells (``cell_components``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.lighting.classes import LightingClasses, load_lighting_classes

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = ["main_square", "walkable_surfaces"]

# --------------------------------------------------------------------------------------
# geometry helpers (vectorised)


def geometry_array(gdf: Any) -> np.ndarray:
    """The geometries of a GeoDataFrame/GeoSeries as a plain numpy object array (shapely's
    functions take these directly; a GeometryArray goes through pandas' slow ufunc path)."""
    return np.asarray(gdf.geometry.values, dtype=object)


def substrings(lines: np.ndarray, idx: np.ndarray, start: np.ndarray, end: np.ndarray
                ) -> np.ndarray:
    """Pieces ``[start, end]`` (metres along the line) of ``lines[idx]``, vectorised.

    Each piece is its start point, the line's vertices strictly inside, and its end point.
    """
    import shapely

    idx = np.asarray(idx, dtype=np.int64)
    start = np.asarray(start, dtype=np.float64)
    end = np.asarray(end, dtype=np.float64)
    if len(idx) == 0:
        return np.array([], dtype=object)
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    same = owner[1:] == owner[:-1]
    seg = np.where(same, seg, 0.0)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    first = np.searchsorted(owner, np.arange(len(lines)))
    cum = cum - cum[first[owner]]  # distance along its own line
    lengths = shapely.length(lines)
    base = np.concatenate([[0.0], np.cumsum(lengths + 1.0)])[:-1]  # keeps lines apart
    key = cum + base[owner]
    lo = np.searchsorted(key, start + base[idx], side="right")
    hi = np.searchsorted(key, end + base[idx], side="left")
    inner = np.maximum(hi - lo, 0)
    counts = inner + 2
    total = int(counts.sum())
    out_owner = np.repeat(np.arange(len(idx)), counts)
    pos = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    out = np.empty((total, 2))
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines[idx], start))
    b = shapely.get_coordinates(shapely.line_interpolate_point(lines[idx], end))
    is_first = pos == 0
    is_last = pos == counts[out_owner] - 1
    out[is_first] = a
    out[is_last] = b
    mid = ~(is_first | is_last)
    out[mid] = coords[(lo[out_owner] + pos - 1)[mid]]
    return shapely.linestrings(out, indices=out_owner)


def split_even(lengths: np.ndarray, max_len: float) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Split lines into equal pieces of at most ``max_len``: (line index, start, end)."""
    n = np.maximum(1, np.ceil(lengths / max_len - 1e-9)).astype(np.int64)
    idx = np.repeat(np.arange(len(lengths)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    step = lengths[idx] / n[idx]
    return idx, k * step, (k + 1) * step


def grid_frame(bounds: tuple[float, float, float, float], cell: float
                ) -> tuple[tuple[float, float, float, float], int, int]:
    """Bounds snapped outward to whole cells (multiples of ``cell``), one cell of margin."""
    x0 = (math.floor(bounds[0] / cell) - 1) * cell
    y0 = (math.floor(bounds[1] / cell) - 1) * cell
    cols = int(math.ceil(bounds[2] / cell) + 1 - math.floor(bounds[0] / cell) + 1)
    rows = int(math.ceil(bounds[3] / cell) + 1 - math.floor(bounds[1] / cell) + 1)
    return (x0, y0, x0 + cols * cell, y0 + rows * cell), rows, cols


def cells_in(polys: np.ndarray, frame: tuple[float, float, float, float], cell: float,
              rows: int, cols: int, chunk: int = 1 << 21) -> tuple[np.ndarray, np.ndarray]:
    """Cells whose centre lies in each polygon: (polygon index, flat cell index r·cols+c),
    ordered by polygon, then row, then column."""
    import shapely

    if len(polys) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    xmin, ymin = frame[0], frame[1]
    b = shapely.bounds(polys)
    c0 = np.clip(np.ceil((b[:, 0] - xmin) / cell - 0.5), 0, cols).astype(np.int64)
    c1 = np.clip(np.floor((b[:, 2] - xmin) / cell - 0.5) + 1, 0, cols).astype(np.int64)
    r0 = np.clip(np.ceil((b[:, 1] - ymin) / cell - 0.5), 0, rows).astype(np.int64)
    r1 = np.clip(np.floor((b[:, 3] - ymin) / cell - 0.5) + 1, 0, rows).astype(np.int64)
    w = np.maximum(c1 - c0, 0)
    counts = w * np.maximum(r1 - r0, 0)
    shapely.prepare(polys)
    out_p, out_c = [], []
    ends = np.cumsum(counts)
    # blocks of whole polygons of about `chunk` candidate cells each
    cuts = np.searchsorted(ends, np.arange(chunk, int(ends[-1]) + chunk, chunk), side="left")
    edges = np.unique(np.concatenate([[0], np.minimum(cuts + 1, len(polys)), [len(polys)]]))
    for p0, p1 in zip(edges[:-1], edges[1:], strict=True):
        cnt = counts[p0:p1]
        if cnt.sum() == 0:
            continue
        rep = np.repeat(np.arange(p0, p1), cnt)
        local = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        r = r0[rep] + local // w[rep]
        c = c0[rep] + local % w[rep]
        inside = shapely.contains_xy(polys[rep], xmin + (c + 0.5) * cell,
                                     ymin + (r + 0.5) * cell)
        out_p.append(rep[inside])
        out_c.append((r * cols + c)[inside])
    if not out_p:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_p), np.concatenate(out_c)


def runs_to_polygons(group: np.ndarray, flat: np.ndarray, frame, cell: float, cols: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Union cells (sorted by group, row, column) into polygons per group.

    Cells in a row next to each other become one rectangle, rectangles spanning the same
    columns in consecutive rows one taller rectangle; the rectangles of a group are then
    unioned. Returns (group, geometry).
    """
    import shapely

    if len(flat) == 0:
        return np.zeros(0, np.int64), np.array([], dtype=object)
    r, c = flat // cols, flat % cols
    brk = np.ones(len(flat), dtype=bool)
    brk[1:] = (group[1:] != group[:-1]) | (r[1:] != r[:-1]) | (c[1:] != c[:-1] + 1)
    starts = np.flatnonzero(brk)
    stops = np.concatenate([starts[1:], [len(flat)]]) - 1
    # runs with the same columns in consecutive rows become one taller rectangle
    rg, rr, ra, rb = group[starts], r[starts], c[starts], c[stops]
    order = np.lexsort((rr, rb, ra, rg))
    rg, rr, ra, rb = rg[order], rr[order], ra[order], rb[order]
    vbrk = np.ones(len(rr), dtype=bool)
    vbrk[1:] = (rg[1:] != rg[:-1]) | (ra[1:] != ra[:-1]) | (rb[1:] != rb[:-1]) \
        | (rr[1:] != rr[:-1] + 1)
    first = np.flatnonzero(vbrk)
    last = np.concatenate([first[1:], [len(rr)]]) - 1
    xmin, ymin = frame[0], frame[1]
    boxes = shapely.box(xmin + ra[first] * cell, ymin + rr[first] * cell,
                        xmin + (rb[first] + 1) * cell, ymin + (rr[last] + 1) * cell)
    g = rg[first]
    order = np.argsort(g, kind="stable")
    boxes, g = boxes[order], g[order]
    bounds = np.flatnonzero(np.concatenate([[True], g[1:] != g[:-1]]))
    out_g, out_geom = [], []
    for i0, i1 in zip(bounds, np.concatenate([bounds[1:], [len(g)]]), strict=True):
        out_g.append(g[i0])
        out_geom.append(shapely.union_all(boxes[i0:i1]))
    return np.asarray(out_g), np.asarray(out_geom, dtype=object)


def cell_components(group: np.ndarray, flat: np.ndarray, cols: int) -> np.ndarray:
    """Labels of the 4-connected components of cells (same group, side by side)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(flat)
    if n == 0:
        return np.zeros(0, np.int64)
    span = int(flat.max()) + cols + 2
    key = group.astype(np.int64) * span + flat
    order = np.argsort(key)
    skey = key[order]
    rows_a, rows_b = [], []
    for offset, same_row in ((1, True), (cols, False)):
        j = np.searchsorted(skey, skey + offset)
        j = np.minimum(j, n - 1)
        hit = skey[j] == skey + offset
        if same_row:  # the next column, not the first cell of the next row
            hit &= (flat[order] % cols) != cols - 1
        rows_a.append(order[hit])
        rows_b.append(order[j[hit]])
    a, b = np.concatenate(rows_a), np.concatenate(rows_b)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


# --------------------------------------------------------------------------------------
# surfaces


def main_square(area: Area, square: Any = None) -> tuple[str, Any]:
    """(name, geometry) of the area's main square: one given, else the profile's.

    Parameters
    ----------
    area : Area
    square : str, shapely geometry or Place, optional
        A name (looked up in the gazetteer), a geometry (in ``area.crs``) or a place; by
        default the profile's ``main_square`` role (Sjöbo torg; Senaatintori in the
        sample), else the largest named square polygon.

    Returns
    -------
    (str, shapely geometry)
        ``"(geometry)"`` as the name of a geometry given.

    Raises
    ------
    LightingError
        No square given and none found.
    PlaceNotFoundError
        ``square`` names no place of the area.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> main_square(load_area("sample"))[0]
    'Senaatintori'
    """
    from sjobo_geo.analysis.lighting.photometry import LightingError
    from sjobo_geo.core.gazetteer import Place

    if square is not None and hasattr(square, "geom_type"):
        return "(geometry)", square
    if isinstance(square, Place):
        return square.name, square.geometry
    name = square if isinstance(square, str) else area.profile.role("main_square")
    if name:
        place = area.find(name)
        return place.name, place.geometry
    sq = area.layers["squares"]
    named = sq[sq["name"].notna() & sq.geom_type.isin(["Polygon", "MultiPolygon"])]
    if named.empty:
        raise LightingError(
            f"area {area.name!r} has no main square (profile [roles] main_square) and no "
            "named square polygon; pass square=<name or geometry>"
        )
    row = named.iloc[int(np.argmax(named.area.to_numpy()))]
    return str(row["name"]), row.geometry


def walkable_surfaces(area: Area, classes: LightingClasses | None = None) -> gpd.GeoDataFrame:
    """Walkable surfaces with their EN 13201 class.

    Paths (``area.paths``, buffered to half their ``width_m`` on each side; indoor ways of
    ``classes.exclude_highway`` left out), squares and pedestrian areas (polygons only: a
    clipped outline is not an area), courtyards and schoolyards.

    Parameters
    ----------
    area : Area
    classes : LightingClasses, optional
        Class mapping; :func:`load_lighting_classes` by default.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per surface: ``surface_id`` (``path:<row>``, ``square:<row>``,
        ``courtyard:<id>``, ``schoolyard:<row>``), ``kind`` (path, square,
        pedestrian_area, courtyard, schoolyard), ``name``, ``highway``, ``osm_lit``
        (lit/unlit/unknown), ``covered`` (tunnel, underpass, building passage), ``p_class``,
        ``avg_req_lux``, ``min_req_lux``, ``path_index`` (row of ``area.paths``, -1 for
        areas), ``width_m``, ``length_m`` (paths), ``area_m2``; polygons in ``area.crs``.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from sjobo_geo.core.area import lit_status

    classes = classes or load_lighting_classes()
    frames = []
    paths = area.layers["paths"]
    if len(paths):
        hw = paths["highway"].astype("string").fillna("default")
        keep = ~hw.map(classes.excluded).to_numpy(dtype=bool) \
            & (shapely.length(geometry_array(paths)) > 0)
        p = paths[keep]
        tunnel = p["tunnel"].astype("string") if "tunnel" in p else pd.Series(pd.NA,
                                                                                index=p.index)
        cov = p["covered"].astype("string") if "covered" in p else pd.Series(pd.NA,
                                                                               index=p.index)
        covered = ((tunnel.notna() & (tunnel != "no")) | (cov == "yes")).fillna(False)
        covered = covered.to_numpy(dtype=bool)
        hw_p = hw[keep]
        code = np.where(covered, classes.surfaces["tunnel"],
                        hw_p.map(classes.for_highway).to_numpy(dtype=object))
        width = p["width_m"].astype("float64").fillna(3.0).clip(lower=0.5).to_numpy()
        frames.append(pd.DataFrame({
            "surface_id": [f"path:{i}" for i in p.index],
            "kind": "path", "name": p["name"].to_numpy(dtype=object),
            "highway": hw_p.to_numpy(dtype=object),
            "osm_lit": p["lit_status"].astype("string").fillna("unknown").to_numpy(),
            "covered": covered, "p_class": code,
            "path_index": p.index.to_numpy(dtype=np.int64), "width_m": width,
            "length_m": shapely.length(geometry_array(p)),
            "geometry": shapely.buffer(geometry_array(p), width / 2.0, quad_segs=4),
        }))
    sq = area.layers["squares"]
    if len(sq):
        poly = sq.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        s = sq[poly]
        lit = lit_status(s["lit"]) if "lit" in s else pd.Series("unknown", index=s.index)
        kinds = s["kind"].fillna("square").astype(str).to_numpy() if "kind" in s else \
            np.full(len(s), "square")
        kinds = np.where(np.isin(kinds, ["square", "pedestrian_area"]), kinds, "square")
        frames.append(pd.DataFrame({
            "surface_id": [f"square:{i}" for i in s.index], "kind": kinds,
            "name": s["name"].to_numpy(dtype=object), "highway": None,
            "osm_lit": lit.astype("string").to_numpy(), "covered": False,
            "p_class": [classes.surfaces[k] for k in kinds], "path_index": -1,
            "width_m": np.nan, "length_m": np.nan, "geometry": geometry_array(s),
        }))
    for layer, kind, ident in (("courtyards", "courtyard", "courtyard_id"),
                               ("schoolyards", "schoolyard", None)):
        g = area.layers.get(layer)
        if g is None or g.empty:
            continue
        g = g[g.geom_type.isin(["Polygon", "MultiPolygon"])]
        ids = g[ident].astype(str).to_numpy() if ident and ident in g else g.index.astype(str)
        name = g["name"] if "name" in g else g.get("school", pd.Series(None, index=g.index))
        frames.append(pd.DataFrame({
            "surface_id": [f"{kind}:{i}" for i in ids], "kind": kind,
            "name": name.to_numpy(dtype=object), "highway": None, "osm_lit": "unknown",
            "covered": False, "p_class": classes.surfaces[kind], "path_index": -1,
            "width_m": np.nan, "length_m": np.nan, "geometry": geometry_array(g),
        }))
    columns = ["surface_id", "kind", "name", "highway", "osm_lit", "covered", "p_class",
               "path_index", "width_m", "length_m", "geometry"]
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in columns[:-1]}, geometry=[], crs=area.crs)
    df = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    req = np.array([classes.requirement(c) for c in df["p_class"]]).reshape(-1, 2)
    df.insert(7, "avg_req_lux", req[:, 0])
    df.insert(8, "min_req_lux", req[:, 1])
    df["area_m2"] = shapely.area(df["geometry"].to_numpy())
    df["covered"] = df["covered"].astype(bool)
    df["path_index"] = df["path_index"].astype(np.int64)
    return gpd.GeoDataFrame(df, geometry="geometry", crs=area.crs)
