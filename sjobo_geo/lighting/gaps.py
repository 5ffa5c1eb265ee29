"""Lighting gaps: where walkable surfaces fall below their EN 13201 class, ranked, with fixes.

Gaps come from the photometric model (:mod:`.photometry`), never from circles around lamps:

1. **Walkable surfaces** (:func:`walkable_surfaces`): paths buffered to their width
   (``width_m``), squares and pedestrian areas, courtyards and schoolyards, each with an
   EN 13201-2 P class from :class:`LightingClasses` (module default :data:`DEFAULT_CLASSES`,
   mirrored in ``data/lighting_classes.toml``; a TOML file can override any part).
2. **Illuminance** (:func:`analyse_lighting`): horizontal illuminance from the lamps that give
   light (status ``working`` or ``unknown``: an OSM lamp is assumed lit, as OSM maps lamps in
   use; ``broken`` and ``planned`` lamps are left out) with a maintenance factor (default
   0.8, LED), on a grid of ``cell_size`` cells masked to the surfaces
   (:func:`~.photometry.illuminance_grid`), and exactly
   (:func:`~.photometry.horizontal_illuminance`) at points every ``sample_spacing`` metres
   along every path's centreline.
3. **Compliance**: a *path gap* is a piece of path of at most ``piece_length`` metres whose
   minimum centreline illuminance is below its class minimum; a *dark patch* is a connected
   set of cells of a square, courtyard or schoolyard below the class minimum; a *surface
   below average* is a square, courtyard or schoolyard whose mean illuminance is below the
   class average. Path gaps say apart, in ``gap_type``, whether OSM tags the path unlit
   (``tagged_unlit``: lit=no), says nothing (``unknown_lit``) or tags it lit while the model
   finds it dark (``lit_modelled_dark``: a lamp is missing from the data, or the lighting
   really is too weak; check on site or in the owner's inventory).
4. **Ranking** by ``exposure = size × reports_factor × importance``: size in metres (paths)
   or square metres (surfaces); ``reports_factor = 1 + Σ weight`` of darkness or unsafety
   reports (``CATEGORIES[code].darkness``) made after dark within ``report_radius`` metres;
   ``importance`` from the edge betweenness of the walk graph (:func:`edge_betweenness`,
   ``k`` sampled sources, seeded), scaled to ``floor … 1``. Every factor is a column.
5. **Proposals** (:func:`recommend_lamps`): where ``n`` new lamps (:class:`NewLamp`, default
   5 m, 3,000 lm LED, Lambertian) make the most gap exposure compliant, chosen greedily with
   the model re-evaluated after each lamp (the model is linear: a lamp's light is added to
   every sample it reaches), with before/after figures.
6. **Facades** (:func:`facade_lighting`): building walls facing a square within ``distance``
   metres, sampled every ``spacing`` metres at face height, their vertical illuminance
   (:func:`~.photometry.vertical_illuminance`, lamps behind other buildings blocked) and the
   stretches below ``threshold_lux``.

:func:`run_lighting_gaps` runs it all and writes ``lighting_gaps.html``, ``lighting.gpkg``
and ``lighting_gaps.csv``.

Known limits: buildings do not shade the ground (they do shade facades); lamps are
rotationally symmetric point sources (no I-tables); tunnels are evaluated with the street
lamps only (their own luminaires are rarely mapped, and the roof is not modelled: see the
``covered`` column); the grid sum leaves out per-lamp terms below ``cutoff_lux``
(:func:`~.photometry.illuminance_grid`).
"""

from __future__ import annotations

import math
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .photometry import LightingError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..area import Area
    from .photometry import GridInfo

__all__ = [
    "DEFAULT_CLASSES", "DEFAULT_MAINTENANCE_FACTOR", "FACADE_THRESHOLD_LUX", "GAP_TYPES",
    "LIGHTING_STEPS", "LUX_BREAKS", "FacadeLighting", "LampRecommendation",
    "LightingAnalysis", "LightingClasses", "LightingJobResult", "NewLamp", "analyse_lighting",
    "edge_betweenness", "facade_lighting", "illuminance_classes", "load_lighting_classes",
    "recommend_lamps", "run_lighting_gaps", "walkable_surfaces",
]

# --------------------------------------------------------------------------------------
# settings

#: Maintenance factor: EN 13201 values are *maintained* illuminance; 0.8 is a common value for
#: LED luminaires cleaned every few years in a town (DOMAIN.md: 0.7–0.9 for LED).
DEFAULT_MAINTENANCE_FACTOR = 0.8
#: Grid cell side in metres.
DEFAULT_CELL_SIZE_M = 1.0
#: Longest path piece judged on its own (metres).
PIECE_LENGTH_M = 5.0
#: Largest spacing of the centreline samples (metres).
SAMPLE_SPACING_M = 1.0
#: Reports within this distance of a gap count for it (metres).
REPORT_RADIUS_M = 50.0
#: Sampled sources for the edge betweenness (Brandes' approximation).
BETWEENNESS_K = 256
#: Importance of a path nobody passes through on a shortest route (dead ends, courtyards).
IMPORTANCE_FLOOR = 0.1
#: Lower cutoff of the grid sum (lux per lamp), see :func:`~.photometry.illuminance_grid`.
CUTOFF_LUX = 0.01
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
#: Dark patches smaller than this are counted in the figures but not listed as gaps (m²):
#: a few cells at a surface's rim are an artefact of the grid, not a place.
MIN_PATCH_M2 = 4.0
#: Class limits of the illuminance polygons (lux): 0–0.6, 0.6–1, 1–2, 2–5, 5–10, > 10.
#: 0.6 and 1.0 are the P5 and P4 minima, 2 and 5 the P6 and P4 averages.
LUX_BREAKS = (0.6, 1.0, 2.0, 5.0, 10.0)

#: Gap types of paths: what OSM says about a path the model finds too dark.
GAP_TYPES = {
    "tagged_unlit": "OSM lit=no (or disused): stated dark",
    "unknown_lit": "no lit tag: nobody has said",
    "lit_modelled_dark": "OSM lit=yes but the model is below the class minimum: a lamp is "
                         "missing from the data, or the light really is too weak",
}

#: Default lighting classes. The same values are in ``data/lighting_classes.toml``.
#:
#: Reasoning (the class choice of CEN/TR 13201-1 weighs speed, use, ambient light, the need
#: to recognise faces and the feeling of safety; these are this project's choices, for the
#: lighting owners to confirm):
#:
#: - footways, cycleways, paths, residential and service streets: **P4** (5 lx / 1 lx), a
#:   normal residential-area walkway with moderate use at night;
#: - steps: **P3** (7.5 / 1.5): one class up, since a missed step is a fall;
#: - pedestrian streets, living streets and through streets (tertiary and above; the
#:   pedestrian side of them): **P3**: more people, shops, faces to recognise;
#: - squares and pedestrian areas: **P3**: meeting places with shops (Sjöbo torg);
#: - courtyards and schoolyards: **P4**: residential and school grounds used after dark
#:   mostly for passing through;
#: - tunnels, underpasses and building passages: **P2** (10 / 2): enclosed, no way out
#:   sideways, the places most often named as unsafe;
#: - indoor ways (``corridor``, ``elevator``) are not street lighting and are left out.
DEFAULT_CLASSES: dict[str, Any] = {
    "classes": {
        "P1": {"average": 15.0, "minimum": 3.0},
        "P2": {"average": 10.0, "minimum": 2.0},
        "P3": {"average": 7.5, "minimum": 1.5},
        "P4": {"average": 5.0, "minimum": 1.0},
        "P5": {"average": 3.0, "minimum": 0.6},
        "P6": {"average": 2.0, "minimum": 0.4},
    },
    "surfaces": {
        "square": "P3", "pedestrian_area": "P3", "courtyard": "P4", "schoolyard": "P4",
        "tunnel": "P2",
    },
    "highway": {
        "default": "P4",
        "footway": "P4", "cycleway": "P4", "path": "P4", "bridleway": "P4", "track": "P4",
        "trail": "P4", "residential": "P4", "service": "P4", "unclassified": "P4",
        "steps": "P3", "pedestrian": "P3", "living_street": "P3",
        "tertiary": "P3", "tertiary_link": "P3", "secondary": "P3", "secondary_link": "P3",
        "primary": "P3", "primary_link": "P3", "trunk": "P3", "trunk_link": "P3",
    },
    "exclude_highway": ["corridor", "elevator"],
}

Progress = Callable[[str], None]


# --------------------------------------------------------------------------------------
# classes


@dataclass(frozen=True)
class LightingClasses:
    """EN 13201-2 P classes and which surface gets which.

    Attributes
    ----------
    classes : dict of str to (float, float)
        Class code -> (maintained average, minimum) horizontal illuminance in lux.
    surfaces : dict of str to str
        Surface kind (``square``, ``pedestrian_area``, ``courtyard``, ``schoolyard``,
        ``tunnel``) -> class code.
    highway : dict of str to str
        OSM ``highway`` value -> class code; ``default`` for values not listed.
    exclude_highway : tuple of str
        ``highway`` values left out (indoor ways).
    source : str
        Where the mapping came from (``module default`` or a file).
    """

    classes: dict[str, tuple[float, float]]
    surfaces: dict[str, str]
    highway: dict[str, str]
    exclude_highway: tuple[str, ...] = ()
    source: str = "module default"

    def requirement(self, code: str) -> tuple[float, float]:
        """(average, minimum) lux of a class code."""
        try:
            return self.classes[code]
        except KeyError:
            raise LightingError(
                f"unknown lighting class {code!r}; known: {', '.join(self.classes)}"
            ) from None

    def for_highway(self, highway: Any) -> str:
        """Class of an OSM ``highway`` value (``"a;b"``: the stricter of the parts)."""
        parts = [p.strip() for p in str(highway).split(";") if p.strip()] or ["default"]
        codes = [self.highway.get(p, self.highway["default"]) for p in parts]
        return max(codes, key=lambda c: self.requirement(c)[1])

    def excluded(self, highway: Any) -> bool:
        """Whether a ``highway`` value is left out (all its parts excluded)."""
        parts = [p.strip() for p in str(highway).split(";") if p.strip()]
        return bool(parts) and all(p in self.exclude_highway for p in parts)

    def to_dict(self) -> dict[str, Any]:
        """The mapping in the TOML layout."""
        return {
            "classes": {k: {"average": a, "minimum": m} for k, (a, m) in self.classes.items()},
            "surfaces": dict(self.surfaces), "highway": dict(self.highway),
            "exclude_highway": list(self.exclude_highway),
        }


def _classes_from(raw: Mapping[str, Any], source: str) -> LightingClasses:
    known = {"classes", "surfaces", "highway", "exclude_highway"}
    unknown = set(raw) - known
    if unknown:
        raise LightingError(f"{source}: unknown table(s) {sorted(unknown)}; known: "
                            f"{sorted(known)}")
    classes: dict[str, tuple[float, float]] = {}
    for code, value in raw["classes"].items():
        try:
            avg, mn = float(value["average"]), float(value["minimum"])
        except (KeyError, TypeError, ValueError):
            raise LightingError(
                f"{source}: class {code!r} needs numbers 'average' and 'minimum' (lux)"
            ) from None
        if not (math.isfinite(avg) and math.isfinite(mn) and avg > 0 and 0 < mn <= avg):
            raise LightingError(f"{source}: class {code!r} needs 0 < minimum <= average, got "
                                f"average {avg}, minimum {mn}")
        classes[code] = (avg, mn)
    surfaces = {str(k): str(v) for k, v in raw["surfaces"].items()}
    highway = {str(k): str(v) for k, v in raw["highway"].items()}
    if "default" not in highway:
        raise LightingError(f"{source}: [highway] needs a 'default' class")
    for table, mapping in (("surfaces", surfaces), ("highway", highway)):
        for key, code in mapping.items():
            if code not in classes:
                raise LightingError(f"{source}: [{table}] {key} = {code!r} is not a class; "
                                    f"classes: {', '.join(classes)}")
    for kind in ("square", "pedestrian_area", "courtyard", "schoolyard", "tunnel"):
        if kind not in surfaces:
            raise LightingError(f"{source}: [surfaces] needs {kind!r}")
    exclude = raw.get("exclude_highway", [])
    if isinstance(exclude, str) or not all(isinstance(v, str) for v in exclude):
        raise LightingError(f"{source}: exclude_highway must be a list of highway values")
    return LightingClasses(classes, surfaces, highway, tuple(exclude), source)


def load_lighting_classes(
    path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None
) -> LightingClasses:
    """The lighting classes: the module default, updated from a TOML file and/or a mapping.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A TOML file in the layout of ``data/lighting_classes.toml``: tables ``[classes.P4]``
        (``average``, ``minimum``), ``[surfaces]``, ``[highway]`` and a list
        ``exclude_highway``. Tables given replace the default's keys they name; keys not
        named keep their default.
    overrides : mapping, optional
        The same layout as a dict, applied after the file.

    Returns
    -------
    LightingClasses

    Raises
    ------
    LightingError
        The file cannot be read, or names an unknown class or table.

    Examples
    --------
    >>> load_lighting_classes().for_highway("steps")
    'P3'
    >>> load_lighting_classes(overrides={"surfaces": {"courtyard": "P3"}}).surfaces["courtyard"]
    'P3'
    """
    merged: dict[str, Any] = {
        k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in DEFAULT_CLASSES.items()
    }
    source = "module default"
    layers: list[tuple[Mapping[str, Any], str]] = []
    if path is not None:
        p = Path(path)
        try:
            layers.append((tomllib.loads(p.read_text(encoding="utf-8")), str(p)))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LightingError(f"{p}: cannot read lighting classes ({exc})") from None
        source = str(p)
    if overrides:
        layers.append((overrides, "overrides"))
        source = f"{source} + overrides"
    for raw, where in layers:
        for key, value in raw.items():
            if key == "exclude_highway":
                merged[key] = value
            elif key in merged:
                if not isinstance(value, Mapping):
                    raise LightingError(f"{where}: [{key}] must be a table")
                merged[key].update(value)
            else:
                merged[key] = value
    return _classes_from(merged, source)


# --------------------------------------------------------------------------------------
# geometry helpers (vectorised)


def _arr(gdf: Any) -> np.ndarray:
    """The geometries of a GeoDataFrame/GeoSeries as a plain numpy object array (shapely's
    functions take these directly; a GeometryArray goes through pandas' slow ufunc path)."""
    return np.asarray(gdf.geometry.values, dtype=object)


def _substrings(lines: np.ndarray, idx: np.ndarray, start: np.ndarray, end: np.ndarray
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


def _split_even(lengths: np.ndarray, max_len: float) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Split lines into equal pieces of at most ``max_len``: (line index, start, end)."""
    n = np.maximum(1, np.ceil(lengths / max_len - 1e-9)).astype(np.int64)
    idx = np.repeat(np.arange(len(lengths)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    step = lengths[idx] / n[idx]
    return idx, k * step, (k + 1) * step


def _grid_frame(bounds: tuple[float, float, float, float], cell: float
                ) -> tuple[tuple[float, float, float, float], int, int]:
    """Bounds snapped outward to whole cells (multiples of ``cell``), one cell of margin."""
    x0 = (math.floor(bounds[0] / cell) - 1) * cell
    y0 = (math.floor(bounds[1] / cell) - 1) * cell
    cols = int(math.ceil(bounds[2] / cell) + 1 - math.floor(bounds[0] / cell) + 1)
    rows = int(math.ceil(bounds[3] / cell) + 1 - math.floor(bounds[1] / cell) + 1)
    return (x0, y0, x0 + cols * cell, y0 + rows * cell), rows, cols


def _cells_in(polys: np.ndarray, frame: tuple[float, float, float, float], cell: float,
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


def _runs_to_polygons(group: np.ndarray, flat: np.ndarray, frame, cell: float, cols: int
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


def _components(group: np.ndarray, flat: np.ndarray, cols: int) -> np.ndarray:
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

    from ..area import lit_status

    classes = classes or load_lighting_classes()
    frames = []
    paths = area.layers["paths"]
    if len(paths):
        hw = paths["highway"].astype("string").fillna("default")
        keep = ~hw.map(classes.excluded).to_numpy(dtype=bool) \
            & (shapely.length(_arr(paths)) > 0)
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
            "length_m": shapely.length(_arr(p)),
            "geometry": shapely.buffer(_arr(p), width / 2.0, quad_segs=4),
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
            "width_m": np.nan, "length_m": np.nan, "geometry": _arr(s),
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
            "width_m": np.nan, "length_m": np.nan, "geometry": _arr(g),
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


# --------------------------------------------------------------------------------------
# lamps


def _lit_lamps(lamps: gpd.GeoDataFrame) -> np.ndarray:
    """Which lamps give light: status working or unknown (broken and planned do not)."""
    from .lamps import LIT_STATUSES

    if "status" not in lamps:
        return np.ones(len(lamps), dtype=bool)
    status = lamps["status"].astype("string").fillna("unknown").str.lower()
    return status.isin(LIT_STATUSES).to_numpy(dtype=bool)


def _lamp_groups(lamps: gpd.GeoDataFrame) -> list[tuple[str, np.ndarray, np.ndarray,
                                                        np.ndarray]]:
    """(distribution, xy, height, intensity) per distribution of the lamps given."""
    import shapely

    if len(lamps) == 0:
        return []
    xy = shapely.get_coordinates(_arr(lamps))
    h = lamps["mount_height_m"].to_numpy(dtype=np.float64)
    i = lamps["intensity_cd"].to_numpy(dtype=np.float64)
    dist = (lamps["distribution"].astype("string").fillna("lambertian").str.lower().to_numpy()
            if "distribution" in lamps else np.full(len(lamps), "lambertian"))
    return [(str(d), xy[dist == d], h[dist == d], i[dist == d]) for d in np.unique(dist)]


def _check_lamp_table(lamps: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    missing = [c for c in ("mount_height_m", "intensity_cd") if c not in lamps]
    if missing:
        raise LightingError(
            f"the lamp table lacks {missing}; use lamps_from_osm / read_lamp_inventory / "
            "merge_lamps (sjobo_geo.lighting.lamps), which give every lamp a height and an "
            "intensity"
        )
    lamps = lamps[lamps.geom_type == "Point"] if len(lamps) else lamps
    if lamps.crs is not None and lamps.crs != crs:
        lamps = lamps.to_crs(crs)
    return lamps.reset_index(drop=True)


def _horizontal(lamps: gpd.GeoDataFrame, pts: np.ndarray, mf: float) -> np.ndarray:
    from .photometry import horizontal_illuminance

    out = np.zeros(len(pts))
    for dist, xy, h, i in _lamp_groups(lamps):
        out += horizontal_illuminance(xy, h, i, pts, distribution=dist, maintenance_factor=mf)
    return out


# --------------------------------------------------------------------------------------
# betweenness


def edge_betweenness(graph: Any, *, k: int | None = BETWEENNESS_K, seed: int = 0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge betweenness of the undirected walk graph from ``k`` sampled sources.

    Brandes' algorithm with sampled sources (Brandes & Pich 2007), shortest paths by
    ``length`` (scipy's Dijkstra). For each source the shortest-path tree is built and each
    tree edge counts the targets beyond it (subtree sizes, accumulated level by level, all
    sources at once). With real-valued lengths ties are rare; a tie is credited to one
    shortest path instead of being split.

    Parameters
    ----------
    graph : networkx graph
        Nodes with edges carrying ``length`` (metres); direction and parallel edges are
        ignored (the shortest parallel edge counts).
    k : int or None, default 256
        Sampled sources; None or ``k >= nodes`` uses every node (exact).
    seed : int, default 0
        Seed of the source sample.

    Returns
    -------
    lo, hi : numpy.ndarray
        Node ids of each undirected edge (``lo < hi`` in the node order of ``graph``; use
        them as a pair key).
    betweenness : numpy.ndarray
        Shortest paths through each edge per ordered node pair, estimated as
        ``n / k × (count over the sampled sources)`` divided by ``n·(n − 1)``.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    nodes = np.array(list(graph.nodes))
    n = len(nodes)
    if n < 2 or graph.number_of_edges() == 0:
        return nodes[:0], nodes[:0], np.zeros(0)
    pos = {node: i for i, node in enumerate(nodes.tolist())}
    uvl = np.array([(pos[u], pos[v], float(d.get("length", 1.0) or 1.0))
                    for u, v, d in graph.edges(data=True)], dtype=np.float64)
    a = np.minimum(uvl[:, 0], uvl[:, 1]).astype(np.int64)
    b = np.maximum(uvl[:, 0], uvl[:, 1]).astype(np.int64)
    ok = a != b
    a, b, length = a[ok], b[ok], np.maximum(uvl[ok, 2], 1e-6)
    order = np.lexsort((length, b, a))
    a, b, length = a[order], b[order], length[order]
    first = np.concatenate([[True], (a[1:] != a[:-1]) | (b[1:] != b[:-1])])
    a, b, length = a[first], b[first], length[first]
    keys = a * n + b
    adj = coo_matrix((np.concatenate([length, length]), (np.concatenate([a, b]),
                                                          np.concatenate([b, a]))),
                     shape=(n, n)).tocsr()
    rng = np.random.default_rng(seed)
    sources = (np.arange(n) if k is None or k >= n
               else np.sort(rng.choice(n, size=int(k), replace=False)))
    ks = len(sources)
    _, pred = dijkstra(adj, directed=True, indices=sources, return_predecessors=True)
    has = pred >= 0
    flat_pred = np.where(has, pred + (np.arange(ks) * n)[:, None], -1).ravel()
    # depth in the shortest-path tree by pointer jumping (log2(depth) rounds)
    depth = has.ravel().astype(np.int64)
    anc = flat_pred.copy()
    while (anc >= 0).any():
        live = np.flatnonzero(anc >= 0)
        new_depth = depth.copy()
        new_depth[live] += depth[anc[live]]
        new_anc = anc.copy()
        new_anc[live] = anc[anc[live]]
        depth, anc = new_depth, new_anc
    # subtree sizes, deepest level first
    size = np.ones(ks * n)
    member = np.flatnonzero(depth > 0)
    member = member[np.argsort(-depth[member], kind="stable")]
    levels = depth[member]
    cuts = np.flatnonzero(np.diff(levels)) + 1
    for chunk in np.split(member, cuts):
        np.add.at(size, flat_pred[chunk], size[chunk])
    child = member % n
    parent = flat_pred[member] % n
    lo, hi = np.minimum(child, parent), np.maximum(child, parent)
    eid = np.searchsorted(keys, lo * n + hi)
    counts = np.bincount(eid, weights=size[member], minlength=len(keys))
    bet = counts * (n / ks) / (n * (n - 1))
    return nodes[a], nodes[b], bet


def _importance(area: Area, path_index: np.ndarray, *, k: int | None, seed: int,
                floor: float) -> tuple[np.ndarray, np.ndarray]:
    """(betweenness, importance) of ``area.paths`` rows; importance = floor + (1 − floor) ×
    min(1, betweenness / its 99th percentile over the edges)."""
    paths = area.layers["paths"]
    lo, hi, bet = edge_betweenness(area.graph, k=k, seed=seed)
    out = np.zeros(len(path_index))
    if len(bet) and len(path_index):
        ids = np.sort(np.asarray(list(area.graph.nodes)))
        n = len(ids)

        def pos(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            j = np.clip(np.searchsorted(ids, values), 0, n - 1)
            return j, ids[j] == values

        (a, _), (b, _) = pos(lo), pos(hi)
        ekey = np.minimum(a, b) * n + np.maximum(a, b)
        order = np.argsort(ekey)
        ekey, ebet = ekey[order], bet[order]
        (u, uok) = pos(paths["u"].to_numpy()[path_index])
        (v, vok) = pos(paths["v"].to_numpy()[path_index])
        pkey = np.minimum(u, v) * n + np.maximum(u, v)
        j = np.clip(np.searchsorted(ekey, pkey), 0, len(ekey) - 1)
        found = uok & vok & (ekey[j] == pkey)
        out = np.where(found, ebet[j], 0.0)
    ref = float(np.percentile(bet, 99)) if len(bet) and bet.max() > 0 else 0.0
    scaled = np.minimum(1.0, out / ref) if ref > 0 else np.zeros_like(out)
    return out, floor + (1.0 - floor) * scaled


# --------------------------------------------------------------------------------------
# reports and names


def _dark_reports(reports: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """(xy, weight, synthetic) of darkness/unsafety reports made after dark."""
    import shapely

    from ..reports.schema import CATEGORIES

    if reports is None:
        return np.zeros((0, 2)), np.zeros(0), False
    synthetic = bool(getattr(reports, "synthetic", False))
    gdf = getattr(reports, "reports", reports)
    if gdf is None or len(gdf) == 0:
        return np.zeros((0, 2)), np.zeros(0), synthetic
    if "synthetic" in gdf and bool(gdf["synthetic"].fillna(False).astype(bool).any()):
        synthetic = True
    dark_codes = [c for c, cat in CATEGORIES.items() if cat.darkness]
    after_dark = (gdf["after_dark"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                  if "after_dark" in gdf else np.zeros(len(gdf), dtype=bool))
    keep = (gdf["category"].isin(dark_codes).to_numpy(dtype=bool) & after_dark
            & ~gdf.geometry.isna().to_numpy() & ~gdf.geometry.is_empty.to_numpy())
    sub = gdf[keep]
    w = (sub["weight"].astype("float64").fillna(1.0).to_numpy() if "weight" in sub
         else np.ones(len(sub)))
    return shapely.get_coordinates(_arr(sub)), w, synthetic


def _reports_near(geoms: np.ndarray, xy: np.ndarray, weight: np.ndarray, radius: float
                  ) -> np.ndarray:
    """Σ weight of the points within ``radius`` of each geometry."""
    import shapely

    out = np.zeros(len(geoms))
    if len(geoms) == 0 or len(xy) == 0:
        return out
    tree = shapely.STRtree(geoms)
    ip, ig = tree.query(shapely.points(xy), predicate="dwithin", distance=radius)
    return np.bincount(ig, weights=weight[ip], minlength=len(geoms))


def _nearest_names(geoms: np.ndarray, area: Area, *, max_distance: float = 150.0
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest named street, nearest street address and its distance, per geometry (from
    the middle of a line, a point inside a polygon)."""
    import shapely

    n = len(geoms)
    if n:  # from a point on the geometry: a line touching others at its ends is no tie
        lines = np.isin(shapely.get_type_id(geoms), [1, 5])
        pts = shapely.point_on_surface(geoms)
        if lines.any():
            pts[lines] = shapely.line_interpolate_point(geoms[lines], 0.5, normalized=True)
        geoms = pts
    street = np.full(n, "", dtype=object)
    address = np.full(n, "", dtype=object)
    adist = np.full(n, np.nan)
    if n == 0:
        return street, address, adist
    paths = area.layers["paths"]
    named = paths[paths["name"].notna()] if len(paths) else paths
    if len(named):
        tree = shapely.STRtree(_arr(named))
        ig, it = tree.query_nearest(geoms, max_distance=max_distance, all_matches=False)
        street[ig] = named["name"].astype(str).to_numpy()[it]
    b = area.layers["buildings"]
    if len(b) and "addr:street" in b:
        has = b["addr:street"].notna().to_numpy()
        sub = b[has]
        if len(sub):
            num = (sub["addr:housenumber"].astype("string").fillna("") if "addr:housenumber"
                   in sub else "")
            text = (sub["addr:street"].astype(str) + " " + num).str.strip().to_numpy()
            tree = shapely.STRtree(_arr(sub))
            ig, it = tree.query_nearest(geoms, max_distance=max_distance, all_matches=False)
            address[ig] = text[it]
            adist[ig] = shapely.distance(geoms[ig], _arr(sub)[it])
    return street, address, adist


# --------------------------------------------------------------------------------------
# the analysis


@dataclass
class _Samples:
    """Centreline samples: position, piece, exact lux (private to the analysis)."""

    xy: np.ndarray
    piece: np.ndarray
    lux: np.ndarray


@dataclass
class _Cells:
    """Cells of the area surfaces (squares, courtyards, schoolyards), private."""

    surface: np.ndarray  # row of ``surfaces``
    flat: np.ndarray  # flat cell index r·cols + c
    required: np.ndarray  # the surface's class minimum


@dataclass
class LightingAnalysis:
    """The lighting model of an area and its gaps.

    Attributes
    ----------
    surfaces : geopandas.GeoDataFrame
        :func:`walkable_surfaces` plus ``n_cells``, ``avg_lux``, ``min_lux`` (over its
        cells), ``below_min_m2`` (area of cells below the class minimum),
        ``below_average`` (mean below the class average; areas only), ``betweenness``,
        ``importance``.
    pieces : geopandas.GeoDataFrame
        Every path piece (≤ ``piece_length`` m): ``piece_id``, ``path_index``,
        ``surface_id``, ``name``, ``highway``, ``osm_lit``, ``covered``, ``p_class``,
        ``min_req_lux``, ``avg_req_lux``, ``length_m``, ``min_lux``, ``mean_lux`` (exact,
        centreline), ``compliant``, ``gap_type`` (:data:`GAP_TYPES`, empty when
        compliant), ``reports_weighted``, ``reports_factor``, ``betweenness``,
        ``importance``, ``exposure``; lines.
    gaps : geopandas.GeoDataFrame
        Ranked gaps (see :meth:`ranked`): ``path_stretch`` (consecutive gap pieces of one
        path), ``dark_patch`` and ``below_average``.
    lamps : geopandas.GeoDataFrame
        The lamp table given, with ``counted`` (gives light in the model).
    grid : numpy.ndarray
        Lux on the surface cells (NaN elsewhere), row 0 south; see ``grid_info``.
    grid_info : GridInfo
    requirement : numpy.ndarray
        Minimum lux required in each surface cell (the strictest surface there), NaN
        elsewhere.
    classes : LightingClasses
    params : dict
        Settings used (maintenance factor, cell size, radii, seeds, synthetic reports).
    figures : dict
        Summary figures (lengths, shares, counts, seconds).
    crs : str
    area : Area
        The area analysed.
    report_points : (numpy.ndarray, numpy.ndarray)
        Positions and weights of the darkness reports made after dark that were counted.
    """

    surfaces: gpd.GeoDataFrame
    pieces: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    grid: np.ndarray
    grid_info: GridInfo
    requirement: np.ndarray
    classes: LightingClasses
    params: dict[str, Any]
    figures: dict[str, Any]
    crs: str
    samples: _Samples = field(repr=False)
    cells: _Cells = field(repr=False)
    area: Area = field(repr=False)
    report_points: tuple[np.ndarray, np.ndarray] = field(repr=False)

    @property
    def path_gaps(self) -> gpd.GeoDataFrame:
        """Path pieces below their class minimum, by exposure (highest first)."""
        g = self.pieces[~self.pieces["compliant"]]
        return g.sort_values("exposure", ascending=False, kind="stable")

    @property
    def synthetic(self) -> bool:
        """Whether synthetic reports entered the ranking (every output must say so)."""
        return bool(self.params.get("synthetic_reports"))

    def summary(self) -> str:
        """A few lines of figures."""
        f = self.figures
        lines = [
            f"lamps: {f['lamps_counted']} of {f['lamps_total']} counted as giving light "
            f"(broken/planned left out: {f['lamps_total'] - f['lamps_counted']}); "
            f"maintenance factor {self.params['maintenance_factor']}",
            f"paths: {f['path_length_m'] / 1000:.2f} km evaluated, "
            f"{f['compliant_share']:.1%} compliant with their class minimum; "
            f"{f['gap_pieces']} gap pieces ({f['gap_length_m'] / 1000:.2f} km) in "
            f"{f['gap_stretches']} stretches",
            "gap length by type: " + ", ".join(
                f"{k} {v:.0f} m" for k, v in f["gap_length_by_type_m"].items()),
            f"surface cells below minimum: {f['cells_below_min']} of {f['cells']} "
            f"({f['cells_below_min_share']:.1%}); dark patches: {f['dark_patches']}; "
            f"surfaces below average: {f['surfaces_below_average']}",
            f"model time {f['seconds']:.1f} s",
        ]
        if self.synthetic:
            lines.append("reports: SYNTHETIC (not real) reports were used in the ranking")
        return "\n".join(lines)


def analyse_lighting(
    area: Area,
    lamps: gpd.GeoDataFrame | None = None,
    *,
    reports: Any = None,
    classes: LightingClasses | str | Path | None = None,
    maintenance_factor: float = DEFAULT_MAINTENANCE_FACTOR,
    cell_size: float = DEFAULT_CELL_SIZE_M,
    piece_length: float = PIECE_LENGTH_M,
    sample_spacing: float = SAMPLE_SPACING_M,
    report_radius: float = REPORT_RADIUS_M,
    betweenness_k: int | None = BETWEENNESS_K,
    importance_floor: float = IMPORTANCE_FLOOR,
    cutoff_lux: float = CUTOFF_LUX,
    min_patch_m2: float = MIN_PATCH_M2,
    seed: int = 0,
) -> LightingAnalysis:
    """Model the lighting of an area's walkable surfaces and find and rank the gaps.

    Parameters
    ----------
    area : Area
    lamps : geopandas.GeoDataFrame, optional
        A standard lamp table (:mod:`sjobo_geo.lighting.lamps`: ``mount_height_m``,
        ``intensity_cd``, ``distribution``, ``status``); ``lamps_from_osm(area)`` by
        default. Lamps outside the area count: they light its edges.
    reports : ReportSet or geopandas.GeoDataFrame, optional
        Validated reports (:func:`sjobo_geo.reports.validate.load_reports`); darkness
        categories made after dark raise the ranking of gaps near them.
    classes : LightingClasses or path to TOML, optional
        Class mapping (:func:`load_lighting_classes`).
    maintenance_factor : float, default 0.8
        Applied to every lamp (LED; :data:`DEFAULT_MAINTENANCE_FACTOR`).
    cell_size : float, default 1
        Grid cell side, metres.
    piece_length : float, default 5
        Longest path piece judged on its own, metres.
    sample_spacing : float, default 1
        Largest spacing of the centreline samples, metres.
    report_radius : float, default 50
        Reports within this distance count for a gap, metres.
    betweenness_k : int or None, default 256
        Sampled sources of the edge betweenness (None: exact).
    importance_floor : float, default 0.1
        Importance of paths on no sampled shortest route.
    cutoff_lux : float, default 0.01
        Grid truncation (lux per lamp).
    min_patch_m2 : float, default 4
        Smallest dark patch listed as a gap (:data:`MIN_PATCH_M2`).
    seed : int, default 0
        Seed of the betweenness sample.

    Returns
    -------
    LightingAnalysis

    Raises
    ------
    LightingError
        Bad settings or a lamp table without heights and intensities.
    """
    import geopandas as gpd
    import shapely

    from .photometry import illuminance_grid

    t0 = time.perf_counter()
    for name, value in (("cell_size", cell_size), ("piece_length", piece_length),
                        ("sample_spacing", sample_spacing)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise LightingError(f"{name} must be a positive number of metres, got {value!r}")
    if not (0 <= importance_floor <= 1):
        raise LightingError(f"importance_floor must be in [0, 1], got {importance_floor!r}")
    if not isinstance(classes, LightingClasses):
        classes = load_lighting_classes(classes)
    if lamps is None:
        from .lamps import lamps_from_osm

        lamps = lamps_from_osm(area)
    lamps = _check_lamp_table(lamps, area.crs)
    counted = _lit_lamps(lamps)
    lamps = lamps.assign(counted=counted)
    lit = lamps[counted]
    mf = float(maintenance_factor)

    surfaces = walkable_surfaces(area, classes)
    is_path = (surfaces["kind"] == "path").to_numpy()
    paths = area.layers["paths"]

    # --- path pieces and centreline samples
    ps = surfaces[is_path]
    lines = _arr(paths)[ps["path_index"].to_numpy()] if len(ps) else \
        np.array([], dtype=object)
    lengths = shapely.length(lines) if len(lines) else np.zeros(0)
    pi, pstart, pend = _split_even(lengths, piece_length)
    piece_geom = _substrings(lines, pi, pstart, pend)
    plen = pend - pstart
    ns = np.maximum(1, np.ceil(plen / sample_spacing - 1e-9)).astype(np.int64) + 1
    srep = np.repeat(np.arange(len(pi)), ns)
    sk = np.arange(int(ns.sum())) - np.repeat(np.cumsum(ns) - ns, ns)
    sdist = pstart[srep] + sk * (plen[srep] / (ns[srep] - 1))
    spts = shapely.line_interpolate_point(lines[pi[srep]], sdist) if len(srep) else \
        np.array([], dtype=object)
    sxy = shapely.get_coordinates(spts) if len(srep) else np.zeros((0, 2))
    slux = _horizontal(lit, sxy, mf)
    sstart = np.cumsum(ns) - ns
    pmin = np.minimum.reduceat(slux, sstart) if len(slux) else np.zeros(0)
    pmean = np.add.reduceat(slux, sstart) / ns if len(slux) else np.zeros(0)

    srow = ps.iloc[pi] if len(ps) else ps
    preq = srow["min_req_lux"].to_numpy(dtype=np.float64)
    compliant = pmin >= preq - 1e-9
    osm_lit = srow["osm_lit"].to_numpy(dtype=object)
    gap_type = np.where(compliant, "", np.select(
        [osm_lit == "unlit", osm_lit == "lit"], ["tagged_unlit", "lit_modelled_dark"],
        "unknown_lit"))

    # --- grid on the surfaces
    area_rows = np.flatnonzero(~is_path)
    polys_area = _arr(surfaces)[area_rows]
    piece_buf = shapely.buffer(piece_geom, srow["width_m"].to_numpy() / 2.0, quad_segs=4) \
        if len(piece_geom) else np.array([], dtype=object)
    all_geoms = np.concatenate([piece_buf, polys_area]) if len(piece_buf) or len(polys_area) \
        else np.array([], dtype=object)
    if len(all_geoms):
        tb = shapely.total_bounds(all_geoms)
    else:
        tb = np.array(area.boundary.bounds)
    frame, rows, cols = _grid_frame(tuple(tb), cell_size)
    pp, pc = _cells_in(piece_buf, frame, cell_size, rows, cols)
    ap, ac = _cells_in(polys_area, frame, cell_size, rows, cols)
    req_flat = np.full(rows * cols, -np.inf)
    if len(pc):
        np.maximum.at(req_flat, pc, preq[pp])
    area_req = surfaces["min_req_lux"].to_numpy()[area_rows]
    if len(ac):
        np.maximum.at(req_flat, ac, area_req[ap])
    mask = np.isfinite(req_flat).reshape(rows, cols)
    lux_grid = np.zeros((rows, cols))
    info = None
    groups = _lamp_groups(lit)
    for dist, xy, h, i in groups or [("lambertian", np.zeros((0, 2)), np.zeros(0),
                                      np.zeros(0))]:
        g, info = illuminance_grid(xy, h, i, bounds=frame, cell_size=cell_size,
                                   distribution=dist, maintenance_factor=mf,
                                   cutoff_lux=cutoff_lux, mask=mask)
        lux_grid += np.nan_to_num(g, nan=0.0)
    assert info is not None and info.shape == (rows, cols)
    if len(groups) > 1:
        info = replace(info, distribution="+".join(d for d, *_ in groups),
                       n_lamps=len(lit), n_lamps_used=-1, pairs_evaluated=-1)
    lux_grid[~mask] = np.nan
    requirement = np.where(mask, req_flat.reshape(rows, cols), np.nan)
    flat_lux = lux_grid.ravel()

    # --- per-area-surface statistics
    na = len(area_rows)
    n_cells = np.bincount(ap, minlength=na)
    sums = np.bincount(ap, weights=flat_lux[ac], minlength=na)
    mins = np.full(na, np.nan)
    if len(ap):
        starts = np.flatnonzero(np.concatenate([[True], ap[1:] != ap[:-1]]))
        mins[ap[starts]] = np.minimum.reduceat(flat_lux[ac], starts)
    avg = np.where(n_cells > 0, sums / np.maximum(n_cells, 1), np.nan)
    empty = n_cells == 0
    if empty.any():  # smaller than a cell: the exact value at a point inside
        rp = shapely.get_coordinates(shapely.point_on_surface(polys_area[empty]))
        ex = _horizontal(lit, rp, mf)
        avg[empty] = ex
        mins[empty] = ex
    dark_cell = flat_lux[ac] < area_req[ap] - 1e-9
    below_m2 = np.bincount(ap, weights=dark_cell.astype(float), minlength=na) * cell_size ** 2
    surf_avg = np.full(len(surfaces), np.nan)
    surf_min = np.full(len(surfaces), np.nan)
    surf_cells = np.zeros(len(surfaces), dtype=np.int64)
    surf_below = np.zeros(len(surfaces))
    surf_avg[area_rows], surf_min[area_rows] = avg, mins
    surf_cells[area_rows], surf_below[area_rows] = n_cells, below_m2
    # paths: statistics of their pieces' cells (cells once per path)
    if len(pp):
        path_of_cell = pi[pp]
        key = np.unique(path_of_cell * (rows * cols) + pc)
        kp, kc = key // (rows * cols), key % (rows * cols)
        prow = np.flatnonzero(is_path)[kp]
        surf_cells += np.bincount(prow, minlength=len(surfaces))
        s_sum = np.bincount(prow, weights=flat_lux[kc], minlength=len(surfaces))
        has = np.bincount(prow, minlength=len(surfaces)) > 0
        surf_avg[has & is_path] = (s_sum / np.maximum(surf_cells, 1))[has & is_path]
        s_dark = flat_lux[kc] < surfaces["min_req_lux"].to_numpy()[prow] - 1e-9
        surf_below += np.bincount(prow, weights=s_dark.astype(float),
                                  minlength=len(surfaces)) * cell_size ** 2
        order = np.argsort(prow, kind="stable")
        st = np.flatnonzero(np.concatenate([[True], prow[order][1:] != prow[order][:-1]]))
        surf_min[prow[order][st]] = np.minimum.reduceat(flat_lux[kc][order], st)
    surfaces = surfaces.assign(
        n_cells=surf_cells, avg_lux=surf_avg, min_lux=surf_min, below_min_m2=surf_below,
        below_average=(~is_path) & (surf_avg < surfaces["avg_req_lux"].to_numpy() - 1e-9),
    )

    # --- importance and reports
    bet_path, imp_path = _importance(area, ps["path_index"].to_numpy() if len(ps) else
                                     np.zeros(0, np.int64), k=betweenness_k, seed=seed,
                                     floor=importance_floor)
    s_bet = np.zeros(len(surfaces))
    s_imp = np.full(len(surfaces), importance_floor)
    s_bet[is_path], s_imp[is_path] = bet_path, imp_path
    if len(area_rows) and len(ps):
        tree = shapely.STRtree(_arr(ps))
        ia, ipth = tree.query(shapely.buffer(polys_area, 5.0, quad_segs=2),
                              predicate="intersects")
        if len(ia):
            best_b = np.zeros(na)
            best_i = np.full(na, importance_floor)
            np.maximum.at(best_b, ia, bet_path[ipth])
            np.maximum.at(best_i, ia, imp_path[ipth])
            s_bet[area_rows], s_imp[area_rows] = best_b, best_i
    surfaces = surfaces.assign(betweenness=s_bet, importance=s_imp)
    rxy, rw, synthetic = _dark_reports(reports)

    # --- pieces table
    piece_rep = _reports_near(piece_geom, rxy, rw, report_radius)
    pieces = gpd.GeoDataFrame({
        "piece_id": np.arange(len(pi)),
        "path_index": srow["path_index"].to_numpy(dtype=np.int64),
        "surface_id": srow["surface_id"].to_numpy(dtype=object),
        "name": srow["name"].to_numpy(dtype=object),
        "highway": srow["highway"].to_numpy(dtype=object),
        "osm_lit": osm_lit, "covered": srow["covered"].to_numpy(dtype=bool),
        "p_class": srow["p_class"].to_numpy(dtype=object), "min_req_lux": preq,
        "avg_req_lux": srow["avg_req_lux"].to_numpy(dtype=np.float64),
        "start_m": pstart, "length_m": plen, "min_lux": pmin, "mean_lux": pmean,
        "compliant": compliant, "gap_type": gap_type,
        "reports_weighted": piece_rep, "reports_factor": 1.0 + piece_rep,
        "betweenness": bet_path[pi] if len(pi) else np.zeros(0),
        "importance": imp_path[pi] if len(pi) else np.zeros(0),
    }, geometry=piece_geom if len(pi) else [], crs=area.crs)
    pieces["exposure"] = pieces["length_m"] * pieces["reports_factor"] * pieces["importance"]

    # --- gaps: stretches, dark patches, surfaces below average
    gaps = _build_gaps(area, surfaces, pieces, lines, pi, area_rows, ap, ac, dark_cell,
                       flat_lux, frame, cell_size, rows, cols, rxy, rw, report_radius,
                       min_patch_m2)

    # --- figures
    total_len = float(plen.sum())
    ok_len = float(plen[compliant].sum())
    gap_len = float(plen[~compliant].sum())
    n_cells_all = int(mask.sum())
    below_all = int((flat_lux[mask.ravel()] < req_flat[mask.ravel()] - 1e-9).sum())
    figures: dict[str, Any] = {
        "lamps_total": int(len(lamps)), "lamps_counted": int(counted.sum()),
        "path_length_m": total_len, "compliant_length_m": ok_len,
        "compliant_share": ok_len / total_len if total_len else float("nan"),
        "gap_length_m": gap_len, "gap_pieces": int((~compliant).sum()),
        "gap_stretches": int((gaps["gap_kind"] == "path_stretch").sum()),
        "gap_length_by_type_m": {t: float(plen[gap_type == t].sum()) for t in GAP_TYPES},
        "tagged_unlit_but_modelled_lit_m": float(plen[compliant & (osm_lit == "unlit")].sum()),
        "covered_gap_length_m": float(plen[~compliant & pieces["covered"].to_numpy()].sum()),
        "cells": n_cells_all, "cells_below_min": below_all,
        "cells_below_min_share": below_all / n_cells_all if n_cells_all else float("nan"),
        "dark_patches": int((gaps["gap_kind"] == "dark_patch").sum()),
        "dark_patch_area_m2": float(gaps.loc[gaps["gap_kind"] == "dark_patch", "size"].sum()),
        "surfaces_below_average": int((gaps["gap_kind"] == "below_average").sum()),
        "surfaces_below_average_by_kind": gaps.loc[gaps["gap_kind"] == "below_average",
                                                   "surface_kind"].value_counts().to_dict(),
        "dark_reports_used": int(len(rxy)),
        "seconds": time.perf_counter() - t0,
    }
    params = {
        "maintenance_factor": mf, "cell_size_m": float(cell_size),
        "piece_length_m": float(piece_length), "sample_spacing_m": float(sample_spacing),
        "report_radius_m": float(report_radius), "betweenness_k": betweenness_k,
        "min_patch_m2": float(min_patch_m2),
        "importance_floor": float(importance_floor), "cutoff_lux": float(cutoff_lux),
        "seed": int(seed), "classes_source": classes.source,
        "lamps_counted_statuses": "working, unknown (broken and planned left out)",
        "synthetic_reports": synthetic,
    }
    return LightingAnalysis(
        surfaces=surfaces, pieces=pieces, gaps=gaps, lamps=lamps, grid=lux_grid,
        grid_info=info, requirement=requirement, classes=classes, params=params,
        figures=figures, crs=area.crs,
        samples=_Samples(sxy, srep, slux),
        cells=_Cells(area_rows[ap], ac, area_req[ap]), area=area, report_points=(rxy, rw),
    )


_GAP_COLUMNS = [
    "rank", "gap_id", "gap_kind", "surface_kind", "surface_id", "name", "p_class",
    "criterion", "required_lux", "modelled_lux", "size", "size_unit", "osm_lit", "gap_type",
    "covered", "pieces", "reports_weighted", "reports_factor", "betweenness", "importance",
    "exposure", "rank_in_kind", "nearest_street", "nearest_address", "address_distance_m",
]


def _build_gaps(area, surfaces, pieces, lines, pi, area_rows, ap, ac, dark_cell, flat_lux,
                frame, cell, rows, cols, rxy, rw, report_radius, min_patch_m2
                ) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd
    import shapely

    parts = []
    # path stretches: consecutive gap pieces of one path
    gap = ~pieces["compliant"].to_numpy()
    if gap.any():
        idx = np.flatnonzero(gap)
        path = pi[idx]
        brk = np.concatenate([[True], (path[1:] != path[:-1]) | (idx[1:] != idx[:-1] + 1)])
        sid = np.cumsum(brk) - 1
        first = idx[brk]
        start = pieces["start_m"].to_numpy()[first]
        end = start + np.bincount(sid, weights=pieces["length_m"].to_numpy()[idx])
        geom = _substrings(lines, pi[first], start, end)
        minlux = np.full(len(first), np.inf)
        np.minimum.at(minlux, sid, pieces["min_lux"].to_numpy()[idx])
        p0 = pieces.iloc[first]
        parts.append(pd.DataFrame({
            "gap_kind": "path_stretch", "surface_kind": "path",
            "surface_id": p0["surface_id"].to_numpy(), "name": p0["name"].to_numpy(),
            "p_class": p0["p_class"].to_numpy(), "criterion": "minimum",
            "required_lux": p0["min_req_lux"].to_numpy(), "modelled_lux": minlux,
            "size": end - start, "size_unit": "m", "osm_lit": p0["osm_lit"].to_numpy(),
            "gap_type": p0["gap_type"].to_numpy(), "covered": p0["covered"].to_numpy(),
            "pieces": np.bincount(sid), "betweenness": p0["betweenness"].to_numpy(),
            "importance": p0["importance"].to_numpy(), "geometry": geom,
        }))
    # dark patches of squares, courtyards, schoolyards
    if dark_cell.any():
        dp, dc = ap[dark_cell], ac[dark_cell]
        comp = _components(dp, dc, cols)
        n_comp = int(comp.max()) + 1
        size = np.bincount(comp, minlength=n_comp) * cell**2
        big = size >= min_patch_m2 - 1e-9
        keep = big[comp]
        # cells sorted by patch, then row and column (the order _runs_to_polygons needs)
        order = np.lexsort((dc[keep], comp[keep]))
        kc, kd = comp[keep][order], dc[keep][order]
        pid, patch_geom = _runs_to_polygons(kc, kd, frame, cell, cols)
        pmin = np.full(n_comp, np.inf)
        np.minimum.at(pmin, comp, flat_lux[dc])
        owner = np.zeros(n_comp, dtype=np.int64)
        owner[comp] = dp
        s_idx = area_rows[owner[pid]]
        pmin = pmin[pid]
        srf = surfaces.iloc[s_idx]
        parts.append(pd.DataFrame({
            "gap_kind": "dark_patch", "surface_kind": srf["kind"].to_numpy(),
            "surface_id": srf["surface_id"].to_numpy(), "name": srf["name"].to_numpy(),
            "p_class": srf["p_class"].to_numpy(), "criterion": "minimum",
            "required_lux": srf["min_req_lux"].to_numpy(), "modelled_lux": pmin,
            "size": shapely.area(patch_geom), "size_unit": "m²",
            "osm_lit": srf["osm_lit"].to_numpy(), "gap_type": "", "covered": False,
            "pieces": 0, "betweenness": srf["betweenness"].to_numpy(),
            "importance": srf["importance"].to_numpy(), "geometry": patch_geom,
        }))
    below = surfaces["below_average"].to_numpy(dtype=bool)
    if below.any():
        srf = surfaces[below]
        parts.append(pd.DataFrame({
            "gap_kind": "below_average", "surface_kind": srf["kind"].to_numpy(),
            "surface_id": srf["surface_id"].to_numpy(), "name": srf["name"].to_numpy(),
            "p_class": srf["p_class"].to_numpy(), "criterion": "average",
            "required_lux": srf["avg_req_lux"].to_numpy(),
            "modelled_lux": srf["avg_lux"].to_numpy(), "size": srf["area_m2"].to_numpy(),
            "size_unit": "m²", "osm_lit": srf["osm_lit"].to_numpy(), "gap_type": "",
            "covered": False, "pieces": 0, "betweenness": srf["betweenness"].to_numpy(),
            "importance": srf["importance"].to_numpy(), "geometry": _arr(srf),
        }))
    if not parts:
        out = gpd.GeoDataFrame({c: [] for c in _GAP_COLUMNS}, geometry=[], crs=area.crs)
        return out
    df = pd.concat(parts, ignore_index=True)
    geoms = df["geometry"].to_numpy()
    rep = _reports_near(geoms, rxy, rw, report_radius)
    df["reports_weighted"] = rep
    df["reports_factor"] = 1.0 + rep
    df["exposure"] = df["size"] * df["reports_factor"] * df["importance"]
    street, address, adist = _nearest_names(geoms, area)
    own = (df["surface_kind"] == "path").to_numpy() & df["name"].notna().to_numpy()
    street = np.where(own, df["name"].astype(str).to_numpy(), street)
    df["nearest_street"], df["nearest_address"], df["address_distance_m"] = street, address, adist
    df = df.sort_values(["exposure", "size"], ascending=False, kind="stable").reset_index(
        drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    df["rank_in_kind"] = df.groupby("gap_kind").cumcount() + 1
    prefix = df["gap_kind"].map({"path_stretch": "S", "dark_patch": "D", "below_average": "A"})
    df["gap_id"] = prefix + df["rank"].astype(str)
    out = gpd.GeoDataFrame(df[[*_GAP_COLUMNS, "geometry"]], geometry="geometry",
                           crs=area.crs)
    out["covered"] = out["covered"].astype(bool)
    out["pieces"] = out["pieces"].astype(np.int64)
    return out


def illuminance_classes(analysis: LightingAnalysis, breaks: tuple[float, ...] = LUX_BREAKS
                        ) -> gpd.GeoDataFrame:
    """The illuminance on the surfaces as polygons, one (multi)polygon per lux class.

    Cells of the grid are merged into polygons per class (``[0, b1)``, ``[b1, b2)``, ...,
    ``[bn, ∞)``): metric areas, not a heatmap drawn in screen pixels.

    Returns
    -------
    geopandas.GeoDataFrame
        ``lux_class`` (0, 1, ...), ``lux_min``, ``lux_max`` (inf for the last),
        ``label`` (``"1–2 lx"``), ``area_m2``; in the analysis' CRS.
    """
    import geopandas as gpd

    info = analysis.grid_info
    rows, cols = info.shape
    flat = analysis.grid.ravel()
    cells = np.flatnonzero(np.isfinite(flat))
    cls = np.searchsorted(np.asarray(breaks), flat[cells], side="right")
    order = np.lexsort((cells, cls))  # by class, then row-major
    g, polys = _runs_to_polygons(cls[order], cells[order], info.bounds, info.cell_size, cols)
    lo = np.concatenate([[0.0], breaks])
    hi = np.concatenate([breaks, [np.inf]])

    def text(a: float, b: float) -> str:
        return f"> {a:g} lx" if not np.isfinite(b) else f"{a:g}–{b:g} lx"

    return gpd.GeoDataFrame({
        "lux_class": g.astype(np.int64), "lux_min": lo[g], "lux_max": hi[g],
        "label": [text(lo[i], hi[i]) for i in g],
        "area_m2": [p.area for p in polys],
    }, geometry=list(polys), crs=analysis.crs)


# --------------------------------------------------------------------------------------
# proposals


@dataclass(frozen=True)
class NewLamp:
    """The luminaire proposed for new lamps.

    Default: 5 m post, 3,000 lm LED with a Lambertian downward distribution (I₀ ≈ 955 cd):
    a common park and footway luminaire (DOMAIN.md's worked figure: about 38 lx below it,
    1.5 lx at 10 m; with the maintenance factor 0.8 a P4 minimum of 1 lx reaches about
    10 m to either side).
    """

    height_m: float = 5.0
    flux_lm: float = 3000.0
    distribution: str = "lambertian"

    @property
    def intensity_cd(self) -> float:
        """Peak intensity in candela (:func:`~.photometry.intensity_from_flux`)."""
        from .photometry import intensity_from_flux

        return float(intensity_from_flux(self.flux_lm, distribution=self.distribution))


@dataclass
class LampRecommendation:
    """Proposed new lamps and what they change.

    Attributes
    ----------
    lamps : geopandas.GeoDataFrame
        One point per proposal in the order chosen: ``proposal``, ``height_m``,
        ``flux_lm``, ``intensity_cd``, ``fixed_length_m`` (gap length this lamp makes
        compliant), ``fixed_area_m2`` (surface cells, with ``include_surfaces``),
        ``fixed_exposure``, ``cumulative_exposure_share``, ``nearest_street``,
        ``gap_id`` (the ranked gap it stands in, if any).
    before, after : dict
        ``path_length_m``, ``compliant_length_m``, ``compliant_share``, ``gap_length_m``,
        ``gap_pieces``, ``gap_exposure`` (remaining), and with ``include_surfaces``
        ``dark_cells_m2``; ``after`` adds ``exposure_covered`` and
        ``exposure_covered_share``.
    pieces : geopandas.GeoDataFrame
        The analysis' pieces with ``min_lux_after`` and ``compliant_after``.
    lamp : NewLamp
    params : dict
    """

    lamps: gpd.GeoDataFrame
    before: dict[str, float]
    after: dict[str, float]
    pieces: gpd.GeoDataFrame
    lamp: NewLamp
    params: dict[str, Any]

    def table(self) -> pd.DataFrame:
        """Before/after figures side by side."""
        import pandas as pd

        keys = [k for k in self.before if k in self.after]
        return pd.DataFrame({"before": [self.before[k] for k in keys],
                             "after": [self.after[k] for k in keys]}, index=keys)


def recommend_lamps(
    analysis: LightingAnalysis,
    n: int = 10,
    *,
    lamp: NewLamp | None = None,
    include_surfaces: bool = False,
    cutoff_lux: float = 0.05,
    candidate_spacing: float = 5.0,
) -> LampRecommendation:
    """Choose where ``n`` new lamps make the most gap exposure compliant, greedily.

    Units to fix are the gap pieces (and, with ``include_surfaces``, the cells of squares,
    courtyards and schoolyards below their class minimum). A unit counts as fixed when all
    its samples reach the class minimum. Candidates stand on the gap pieces' centrelines
    (their midpoints, at most ``piece_length`` apart) and, with ``include_surfaces``, on dark
    cells every ``candidate_spacing`` metres. For every candidate the new lamp's light at
    every sample within reach is computed once (:func:`~.photometry.horizontal_illuminance`,
    one vectorised call); each round adds up, for all candidates at once, the exposure of
    the units it would fix (ties broken by the progress it makes toward the minimum), takes
    the best, and adds its light to the samples: the model is linear, so this is the model
    re-evaluated with the lamp in place. When no candidate improves anything (no gap left
    within reach) the search stops early, so fewer than ``n`` lamps may be proposed.

    Parameters
    ----------
    analysis : LightingAnalysis
    n : int, default 10
        Lamps to propose (fewer when the gaps run out).
    lamp : NewLamp, optional
        The luminaire; :class:`NewLamp` (5 m, 3,000 lm LED, Lambertian) by default. The
        analysis' maintenance factor applies.
    include_surfaces : bool, default False
        Also fix dark cells of squares, courtyards and schoolyards (1 m² counts as 1 m of
        path in the exposure).
    cutoff_lux : float, default 0.05
        The new lamp's light below this is not counted (sets its reach, about 24 m for the
        default lamp).
    candidate_spacing : float, default 5
        Spacing of surface candidates, metres.

    Returns
    -------
    LampRecommendation
    """
    import geopandas as gpd
    import shapely
    from scipy.spatial import cKDTree

    from .photometry import cutoff_radius, horizontal_illuminance

    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise LightingError(f"n must be a whole number of lamps, 0 or more, got {n!r}")
    lamp = lamp or NewLamp()
    mf = analysis.params["maintenance_factor"]
    pieces = analysis.pieces
    smp = analysis.samples
    gap_piece = np.flatnonzero(~pieces["compliant"].to_numpy())
    unit_of_piece = np.full(len(pieces), -1)
    unit_of_piece[gap_piece] = np.arange(len(gap_piece))
    s_unit = unit_of_piece[smp.piece] if len(smp.piece) else np.zeros(0, np.int64)
    keep = s_unit >= 0
    xy = smp.xy[keep]
    unit = s_unit[keep]
    lux = smp.lux[keep].copy()
    req = pieces["min_req_lux"].to_numpy()[gap_piece][unit]
    u_expo = pieces["exposure"].to_numpy()[gap_piece]
    u_len = pieces["length_m"].to_numpy()[gap_piece]
    u_area = np.zeros(len(gap_piece))
    cand = (shapely.get_coordinates(shapely.line_interpolate_point(
        _arr(pieces)[gap_piece], 0.5, normalized=True)) if len(gap_piece)
        else np.zeros((0, 2)))
    n_path_units = len(gap_piece)
    if include_surfaces:
        cells = analysis.cells
        info = analysis.grid_info
        rows, cols = info.shape
        clux = analysis.grid.ravel()[cells.flat]
        dark = clux < cells.required - 1e-9
        flat = cells.flat[dark]
        cxy = np.column_stack([info.bounds[0] + (flat % cols + 0.5) * info.cell_size,
                               info.bounds[1] + (flat // cols + 0.5) * info.cell_size])
        srf = analysis.surfaces
        surf = cells.surface[dark]
        rxy_rw = analysis.report_points
        rep = _reports_near(shapely.points(cxy), *rxy_rw, analysis.params["report_radius_m"]) \
            if len(cxy) else np.zeros(0)
        area_c = info.cell_size ** 2
        expo = area_c * (1.0 + rep) * srf["importance"].to_numpy()[surf]
        base = len(u_expo)
        xy = np.vstack([xy, cxy])
        unit = np.concatenate([unit, base + np.arange(len(cxy))])
        lux = np.concatenate([lux, clux[dark]])
        req = np.concatenate([req, cells.required[dark]])
        u_expo = np.concatenate([u_expo, expo])
        u_len = np.concatenate([u_len, np.zeros(len(cxy))])
        u_area = np.concatenate([u_area, np.full(len(cxy), area_c)])
        step = max(1, int(round(candidate_spacing / info.cell_size)))
        lattice = ((flat % cols) % step == 0) & ((flat // cols) % step == 0)
        cand = np.vstack([cand, cxy[lattice]])
    n_units = len(u_expo)
    fail0 = lux < req - 1e-9
    failing = np.bincount(unit, weights=fail0, minlength=n_units).astype(np.int64)
    unit_gap0 = failing > 0
    per_sample_w = u_expo[unit] / np.maximum(np.bincount(unit, minlength=n_units)[unit], 1)

    radius = float(cutoff_radius(lamp.height_m, lamp.intensity_cd, cutoff_lux,
                                 distribution=lamp.distribution, maintenance_factor=mf))
    chosen: list[int] = []
    fixed_units_by_step: list[np.ndarray] = []
    if len(cand) and len(xy) and radius > 0 and n > 0:
        pairs = cKDTree(cand).sparse_distance_matrix(cKDTree(xy), radius,
                                                     output_type="ndarray")
        ci = pairs["i"].astype(np.int64)
        sj = pairs["j"].astype(np.int64)
        order = np.lexsort((unit[sj], ci))
        ci, sj = ci[order], sj[order]
        contrib = horizontal_illuminance([[0.0, 0.0]], lamp.height_m, lamp.intensity_cd,
                                         xy[sj] - cand[ci], distribution=lamp.distribution,
                                         maintenance_factor=mf)
        gu = unit[sj]
        gstart = np.flatnonzero(np.concatenate([[True], (ci[1:] != ci[:-1])
                                                | (gu[1:] != gu[:-1])]))
        g_cand, g_unit = ci[gstart], gu[gstart]
        for _ in range(int(n)):
            e = lux[sj]
            r = req[sj]
            fail = e < r - 1e-9
            newly = fail & (e + contrib >= r - 1e-9)
            cnt = np.add.reduceat(newly.astype(np.int64), gstart)
            fixes = (cnt == failing[g_unit]) & (failing[g_unit] > 0)
            gain = np.bincount(g_cand, weights=u_expo[g_unit] * fixes, minlength=len(cand))
            progress = np.where(fail, (np.minimum(e + contrib, r) - e) / r, 0.0)
            prog = np.bincount(ci, weights=progress * per_sample_w[sj], minlength=len(cand))
            score = gain + 1e-3 * prog
            best = int(np.argmax(score))
            if score[best] <= 1e-12:
                break
            sel = slice(*np.searchsorted(ci, [best, best + 1]))
            before_fail = failing > 0
            lux[sj[sel]] += contrib[sel]
            failing = np.bincount(unit, weights=lux < req - 1e-9,
                                  minlength=n_units).astype(np.int64)
            chosen.append(best)
            fixed_units_by_step.append(np.flatnonzero(before_fail & (failing == 0)))
    fixed_any = unit_gap0 & (failing == 0)

    # figures
    plen = pieces["length_m"].to_numpy()
    comp = pieces["compliant"].to_numpy()
    comp_after = comp.copy()
    comp_after[gap_piece[fixed_any[:n_path_units]]] = True
    min_after = pieces["min_lux"].to_numpy().copy()
    if n_path_units:
        pm = np.full(n_path_units, np.inf)
        path_s = unit < n_path_units
        np.minimum.at(pm, unit[path_s], lux[path_s])
        min_after[gap_piece] = np.where(np.isfinite(pm), pm, min_after[gap_piece])
    total_expo = float(u_expo[unit_gap0].sum())
    cell_area = analysis.grid_info.cell_size ** 2

    def figures(compliant: np.ndarray, remaining_units: np.ndarray) -> dict[str, float]:
        total = float(plen.sum())
        ok = float(plen[compliant].sum())
        out = {"path_length_m": total, "compliant_length_m": ok,
               "compliant_share": ok / total if total else float("nan"),
               "gap_length_m": total - ok, "gap_pieces": int((~compliant).sum()),
               "gap_exposure": float(u_expo[remaining_units].sum())}
        if include_surfaces:
            out["dark_cells_m2"] = float(remaining_units[n_path_units:].sum() * cell_area)
        return out

    before = figures(comp, unit_gap0)
    after = figures(comp_after, unit_gap0 & ~fixed_any)
    covered = float(u_expo[fixed_any].sum())
    after["exposure_covered"] = covered
    after["exposure_covered_share"] = covered / total_expo if total_expo else 0.0

    pts = cand[chosen] if chosen else np.zeros((0, 2))
    fixed_len = [float(u_len[f].sum()) for f in fixed_units_by_step]
    fixed_area = [float(u_area[f].sum()) for f in fixed_units_by_step]
    fixed_expo = [float(u_expo[f].sum()) for f in fixed_units_by_step]
    geoms = shapely.points(pts) if len(pts) else np.array([], dtype=object)
    street = (_nearest_names(geoms, analysis.area)[0] if len(pts)
              else np.array([], dtype=object))
    gap_id = _gap_at(analysis.gaps, geoms)
    lamps = gpd.GeoDataFrame({
        "proposal": np.arange(1, len(pts) + 1, dtype=np.int64),
        "height_m": lamp.height_m, "flux_lm": lamp.flux_lm,
        "intensity_cd": lamp.intensity_cd, "distribution": lamp.distribution,
        "fixed_length_m": fixed_len, "fixed_area_m2": fixed_area,
        "fixed_exposure": fixed_expo,
        "cumulative_exposure_share": (np.cumsum(fixed_expo) / total_expo if total_expo
                                      else np.zeros(len(pts))),
        "nearest_street": street, "gap_id": gap_id,
    }, geometry=list(geoms), crs=analysis.crs)
    out_pieces = pieces.assign(min_lux_after=min_after, compliant_after=comp_after)
    return LampRecommendation(
        lamps=lamps, before=before, after=after, pieces=out_pieces, lamp=lamp,
        params={"n": int(n), "include_surfaces": include_surfaces, "cutoff_lux": cutoff_lux,
                "reach_m": radius, "candidates": int(len(cand)),
                "maintenance_factor": mf},
    )


def _gap_at(gaps: gpd.GeoDataFrame, geoms: np.ndarray) -> list[str]:
    """Id of the best-ranked gap within 1 m of each point ('' when none)."""
    import shapely

    out = [""] * len(geoms)
    if len(geoms) == 0 or len(gaps) == 0:
        return out
    tree = shapely.STRtree(_arr(gaps))
    ip, ig = tree.query(geoms, predicate="dwithin", distance=1.0)
    rank = gaps["rank"].to_numpy()
    best: dict[int, int] = {}
    for p, g in zip(ip.tolist(), ig.tolist(), strict=True):
        if p not in best or rank[g] < rank[best[p]]:
            best[p] = g
    ids = gaps["gap_id"].astype(str).to_numpy()
    for p, g in best.items():
        out[p] = ids[g]
    return out


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


def _square_geometry(area: Area, square: Any) -> tuple[str, Any]:
    """(name, geometry) of the square: a name, a geometry, or the profile's main square."""
    from ..gazetteer import Place

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
        are left out.
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

    from .photometry import vertical_illuminance

    for name, value in (("distance", distance), ("spacing", spacing),
                        ("threshold_lux", threshold_lux)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise LightingError(f"{name} must be a positive number, got {value!r}")
    sq_name, sq_geom = _square_geometry(area, square)
    if lamps is None:
        from .lamps import lamps_from_osm

        lamps = lamps_from_osm(area)
    lamps = _check_lamp_table(lamps, area.crs)
    lit = lamps[_lit_lamps(lamps)]
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
    btree = shapely.STRtree(_arr(bld))
    near = btree.query(sq_geom, predicate="dwithin", distance=distance)
    if len(near) == 0:
        return empty
    polys, owner = shapely.get_parts(_arr(bld)[near], return_index=True)
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
        lxy = shapely.get_coordinates(_arr(lit))
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
    geoms = _substrings(rings, r_ring, start, end)
    cnt = np.bincount(run)
    rmin = np.full(len(first), np.inf)
    np.minimum.at(rmin, run, ev)
    rb = sbld[first]
    street, near_addr, _ = _nearest_names(geoms, area, max_distance=60.0)
    own = addr[rb]
    facades = gpd.GeoDataFrame({
        "facade_id": np.arange(1, len(first) + 1, dtype=np.int64), "dark": dark[first],
        "length_m": end - start, "min_lux": rmin,
        "mean_lux": np.bincount(run, weights=ev) / cnt, "building": rb,
        "building_name": name[rb], "address": own,
        "nearest_address": np.where(own == "", near_addr, ""), "nearest_street": street,
    }, geometry=list(geoms), crs=area.crs)
    return FacadeLighting(sq_name, samples, facades, float(threshold_lux), params)



# --------------------------------------------------------------------------------------
# the job

#: Steps reported by :func:`run_lighting_gaps`, in order.
LIGHTING_STEPS = ("load area", "lamps", "reports", "illuminance model and gaps",
                  "lamp proposals", "facades", "write GeoPackage and CSV", "write map")


@dataclass
class LightingJobResult:
    """What :func:`run_lighting_gaps` produced.

    Attributes
    ----------
    analysis : LightingAnalysis
    recommendation : LampRecommendation
    facades : FacadeLighting or None
        None when the area has no square to look at (the reason is in ``messages``).
    files : dict of str to pathlib.Path
        ``map``, ``gpkg``, ``csv`` (and ``lamp_rejects`` with an inventory).
    messages : list of str
        Summary lines for the user.
    timings : dict of str to float
        Seconds per step.
    """

    analysis: LightingAnalysis
    recommendation: LampRecommendation
    facades: FacadeLighting | None
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def area(self) -> Area:
        """The area analysed."""
        return self.analysis.area


def _noop(_step: str) -> None:
    return None


def gaps_table(analysis: LightingAnalysis) -> pd.DataFrame:
    """The ranked gaps as a plain table (CSV): factors, names, position (metric and WGS84).

    Columns: those of ``analysis.gaps`` without geometry, plus ``x``, ``y`` (a point on the
    gap, area CRS), ``lon``, ``lat`` and ``synthetic_reports``.
    """
    import geopandas as gpd
    import shapely

    g = analysis.gaps
    pts = shapely.point_on_surface(_arr(g)) if len(g) else np.array([],
                                                                              dtype=object)
    xy = shapely.get_coordinates(pts) if len(g) else np.zeros((0, 2))
    ll = (shapely.get_coordinates(gpd.GeoSeries(pts, crs=analysis.crs).to_crs("EPSG:4326")
                                  .values) if len(g) else np.zeros((0, 2)))
    df = g.drop(columns=g.geometry.name).copy()
    df["x"], df["y"] = xy[:, 0].round(2), xy[:, 1].round(2)
    df["lon"], df["lat"] = ll[:, 0].round(6), ll[:, 1].round(6)
    for col in ("required_lux", "modelled_lux", "size", "reports_weighted",
                "reports_factor", "importance", "exposure", "address_distance_m"):
        df[col] = df[col].astype("float64").round(3)
    df["betweenness"] = df["betweenness"].astype("float64").round(6)
    df["synthetic_reports"] = analysis.synthetic
    return df


def run_lighting_gaps(
    area: Any = "sample",
    *,
    out: str | Path,
    lamps: str | Path | gpd.GeoDataFrame | None = None,
    reports: Any = None,
    add_lamps: int = 10,
    classes: str | Path | LightingClasses | None = None,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Progress | None = None,
    osm_file: str | Path | None = None,
    source: str | None = None,
    square: Any = None,
    maintenance_factor: float = DEFAULT_MAINTENANCE_FACTOR,
    facade_threshold_lux: float = FACADE_THRESHOLD_LUX,
    measures: Any = None,
) -> LightingJobResult:
    """Lighting gaps of an area: model, gaps, ranking, proposals, facades; files in ``out``.

    Writes ``lighting_gaps.html`` (map), ``lighting.gpkg`` (layers ``surfaces``, ``gaps``,
    ``path_gaps``, ``lamps``, ``proposed_lamps``, ``facades``, ``illuminance`` and the
    attribute table ``about``) and ``lighting_gaps.csv`` (:func:`gaps_table`); with an
    inventory also ``lamp_inventory_rejects.csv``.

    Parameters
    ----------
    area : str, pathlib.Path or Area
        Profile name or TOML path (loaded), or an Area.
    out : str or pathlib.Path
        Output folder (created if needed).
    lamps : str, pathlib.Path or geopandas.GeoDataFrame, optional
        An owner's lamp inventory file (:func:`~.lamps.read_lamp_inventory`), merged with
        the OSM lamps (:func:`~.lamps.merge_lamps`); or a standard lamp table used as is.
        OSM lamps only by default.
    reports : str, pathlib.Path or ReportSet, optional
        A report file (:func:`~sjobo_geo.reports.validate.load_reports`) or validated
        reports; darkness reports after dark raise the ranking. Synthetic reports label
        every output synthetic.
    add_lamps : int, default 10
        New lamps to propose (:func:`recommend_lamps`, default :class:`NewLamp`).
    classes : str, pathlib.Path or LightingClasses, optional
        Lighting class mapping (TOML); :data:`DEFAULT_CLASSES` by default.
    offline_html : bool, default False
        A self-contained page (assets inlined, no tiles).
    lang : {"sv", "en"}, optional
        Map language, Swedish by default.
    progress : callable, optional
        Called with each step of :data:`LIGHTING_STEPS`.
    osm_file, source : optional
        As for :func:`sjobo_geo.load_area`, when ``area`` is a profile.
    square : str or geometry, optional
        Square for the facades; the profile's main square by default.
    maintenance_factor : float, default 0.8
    facade_threshold_lux : float, default 1.0
    measures : str, pathlib.Path, MeasureSet or GeoDataFrame, optional
        A measures register (:func:`sjobo_geo.measures.load_measures`) drawn on the map
        (lamps installed, bushes cut, ...); its accounting goes to the messages.

    Returns
    -------
    LightingJobResult
    """
    from .._errors import PlaceNotFoundError
    from ..area import Area as AreaType
    from ..area import load_area
    from ..io import atomic_path, write_gpkg_layers
    from ..maps._offline import save_map
    from ..maps.i18n import check_lang
    from ..maps.lighting import lighting_map
    from .lamps import lamps_from_osm, merge_lamps, read_lamp_inventory

    lang = check_lang(lang)
    step = progress or _noop
    out = Path(out)
    timings: dict[str, float] = {}
    messages: list[str] = []
    files: dict[str, Path] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    step(LIGHTING_STEPS[0])
    model = area if isinstance(area, AreaType) else load_area(area, osm_file=osm_file,
                                                              source=source)
    from ..measures import as_measure_set

    measure_set = as_measure_set(measures, model)
    lap("load area")
    step(LIGHTING_STEPS[1])
    lamp_meta: dict[str, Any] = {}
    if lamps is None:
        lamp_table = lamps_from_osm(model)
        lamp_meta["lamps"] = f"OSM: {len(lamp_table)} lamps"
    elif isinstance(lamps, str | Path):
        inventory = read_lamp_inventory(lamps, model)
        with atomic_path(out / "lamp_inventory_rejects.csv") as tmp:
            inventory.rejects.to_csv(tmp, index=False, encoding="utf-8")
        files["lamp_rejects"] = out / "lamp_inventory_rejects.csv"
        lamp_table, merges = merge_lamps(lamps_from_osm(model), inventory)
        with atomic_path(out / "lamp_merges.csv") as tmp:  # what was merged with what
            merges.to_csv(tmp, index=False, encoding="utf-8")
        files["lamp_merges"] = out / "lamp_merges.csv"
        acc = inventory.accounting()
        lamp_meta["lamps"] = (f"inventory {lamps}: {acc['total']} rows, {acc['accepted']} "
                              f"accepted, {acc['rejected']} rejected; merged with OSM: "
                              f"{merges.attrs.get('pairs', 0)} pairs, {len(lamp_table)} lamps")
        messages.append(lamp_meta["lamps"])
    else:
        lamp_table = lamps
        lamp_meta["lamps"] = f"lamp table given: {len(lamp_table)} lamps"
    lap("lamps")
    step(LIGHTING_STEPS[2])
    report_set = reports
    if isinstance(reports, str | Path):
        from ..reports.validate import load_reports

        report_set = load_reports(reports, model)
    lap("reports")
    step(LIGHTING_STEPS[3])
    analysis = analyse_lighting(model, lamp_table, reports=report_set, classes=classes,
                                maintenance_factor=maintenance_factor)
    lap("model")
    step(LIGHTING_STEPS[4])
    rec = recommend_lamps(analysis, add_lamps)
    lap("proposals")
    step(LIGHTING_STEPS[5])
    facades: FacadeLighting | None = None
    try:
        facades = facade_lighting(model, lamp_table, square=square,
                                  threshold_lux=facade_threshold_lux,
                                  maintenance_factor=maintenance_factor)
    except (LightingError, PlaceNotFoundError) as exc:
        if square is not None:  # asked for by name: say so, don't skip it quietly
            raise
        messages.append(f"facades: not evaluated ({exc})")
    lap("facades")
    step(LIGHTING_STEPS[6])
    classes_gdf = illuminance_classes(analysis)
    synthetic = analysis.synthetic
    about = {
        "generator": "sjobo-geo lighting-gaps", "area": model.name, "crs": model.crs,
        "synthetic_reports": synthetic,
        "note": ("ranking uses SYNTHETIC reports (not real)" if synthetic else ""),
        **lamp_meta, "params": analysis.params, "figures": analysis.figures,
        "classes": analysis.classes.to_dict(),
        "new_lamp": {"height_m": rec.lamp.height_m, "flux_lm": rec.lamp.flux_lm,
                     "distribution": rec.lamp.distribution},
        "before": rec.before, "after": rec.after,
        "facade_square": facades.square if facades else "",
        "facade_params": facades.params if facades else {},
        "gap_types": GAP_TYPES,
    }
    empty_facades = _empty_facades(model.crs)
    layers = {
        "surfaces": analysis.surfaces,
        "gaps": analysis.gaps,
        "path_gaps": analysis.path_gaps,
        "lamps": analysis.lamps,
        "proposed_lamps": rec.lamps,
        "facades": facades.facades if facades is not None else empty_facades,
        "illuminance": classes_gdf,
    }
    if synthetic:
        layers = {k: v.assign(synthetic_reports=True) for k, v in layers.items()}
    files["gpkg"] = write_gpkg_layers(layers, out / "lighting.gpkg", about=about)
    with atomic_path(out / "lighting_gaps.csv") as tmp:
        gaps_table(analysis).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    files["csv"] = out / "lighting_gaps.csv"
    lap("write files")
    step(LIGHTING_STEPS[7])
    m = lighting_map(analysis, recommendation=rec, facades=facades, classes=classes_gdf,
                     lang=lang, tiles=not offline_html, measures=measure_set)
    files["map"] = save_map(m, out / "lighting_gaps.html", offline=offline_html)
    lap("write map")
    if measure_set is not None:
        messages.extend(measure_set.messages())

    messages.insert(0, analysis.summary())
    messages.append(
        f"{len(rec.lamps)} proposed lamps ({rec.lamp.height_m:g} m, {rec.lamp.flux_lm:,.0f} "
        f"lm): compliant path length {rec.before['compliant_length_m'] / 1000:.2f} -> "
        f"{rec.after['compliant_length_m'] / 1000:.2f} km, gap exposure covered "
        f"{rec.after['exposure_covered_share']:.1%}")
    if facades is not None:
        dark = facades.dark
        messages.append(
            f"facades facing {facades.square}: {facades.facades['length_m'].sum():.0f} m, "
            f"{len(dark)} dark stretches ({dark['length_m'].sum():.0f} m below "
            f"{facades.threshold_lux:g} lx)")
    messages.append(f"time: {sum(timings.values()):.1f} s (" + ", ".join(
        f"{k} {v:.1f}" for k, v in timings.items()) + ")")
    return LightingJobResult(analysis, rec, facades, files, messages, timings)


def _empty_facades(crs: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    cols = ["facade_id", "dark", "length_m", "min_lux", "mean_lux", "building",
            "building_name", "address", "nearest_address", "nearest_street"]
    return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=crs)
