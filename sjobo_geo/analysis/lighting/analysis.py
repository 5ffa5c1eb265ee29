"""The lighting analysis: illuminance on the walkable surfaces, compliance, ranked gaps.

:func:`analyse_lighting` evaluates the photometric model (:mod:`.photometry`) on a grid
masked to the walkable surfaces (:mod:`.surfaces`) and exactly along every path's
centreline, compares it with each surface's EN 13201 class (:mod:`.classes`), and ranks the
gaps (path stretches, dark patches, surfaces below average) by
``exposure = size × reports_factor × importance`` (:mod:`.importance`); the result is a
:class:`LightingAnalysis`. :func:`illuminance_classes` turns its grid into lux-class
polygons for maps. The private lamp helpers (lamps that give light, lamp groups, the
horizontal illuminance at points) and report helpers (darkness reports after dark, reports
near a place, nearest street and address) serve the proposals and facades too.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.lighting.classes import (
    LightingClasses,
    load_lighting_classes,
)
from sjobo_geo.analysis.lighting.coverage import (
    COVERAGE_THRESHOLD,
    COVERED_CLASSES,
    LAMP_DATA,
    LAMP_REACH_HEIGHTS,
    LAMP_REACH_MIN_M,
    SURFACE_COVERED_SHARE,
    coverage_message,
    lamp_data_class,
    lamp_reach,
    lamps_in_data,
    points_within_reach,
    within_reach,
)
from sjobo_geo.analysis.lighting.importance import (
    BETWEENNESS_SAMPLES,
    IMPORTANCE_FLOOR,
    path_importance,
)
from sjobo_geo.analysis.lighting.photometry import LightingError
from sjobo_geo.analysis.lighting.surfaces import (
    cell_components,
    cells_in,
    geometry_array,
    grid_frame,
    runs_to_polygons,
    split_even,
    substrings,
    walkable_surfaces,
)
from sjobo_geo.core.crs import to_area_crs

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from sjobo_geo.analysis.lighting.photometry import GridInfo
    from sjobo_geo.core.area import Area

__all__ = [
    "CUTOFF_LUX", "DEFAULT_CELL_SIZE_M", "DEFAULT_MAINTENANCE_FACTOR", "GAP_TYPES",
    "LUX_BREAKS", "MIN_PATCH_M2", "PIECE_LENGTH_M", "REPORT_RADIUS_M", "SAMPLE_SPACING_M",
    "LightingAnalysis", "analyse_lighting", "gaps_table", "illuminance_classes",
    "uncovered_cells",
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
#: Lower cutoff of the grid sum (lux per lamp), see :func:`~.photometry.illuminance_grid`.
CUTOFF_LUX = 0.01
#: Dark patches smaller than this are counted in the figures but not listed as gaps (m²):
#: a few cells at a surface's rim are an artefact of the grid, not a place.
MIN_PATCH_M2 = 4.0
#: Class limits of the illuminance polygons (lux): 0–0.6, 0.6–1, 1–2, 2–5, 5–10, > 10.
#: 0.6 and 1.0 are the P5 and P4 minima, 2 and 5 the P6 and P4 averages.
LUX_BREAKS = (0.6, 1.0, 2.0, 5.0, 10.0)

#: Gap types of paths: what OSM says about a path the model finds too dark. Gaps are found on
#: covered pieces only (a lamp of the data within reach, or tagged unlit; see
#: :mod:`.coverage`): a lit-tagged piece with no lamp in reach is ``lamp_data_missing``
#: (:data:`~.coverage.LAMP_DATA`), not a gap.
GAP_TYPES = {
    "tagged_unlit": "OSM lit=no (or disused): stated dark",
    "unknown_lit": "no lit tag, a lamp of the data within reach, below the class minimum",
    "lit_modelled_dark": "OSM lit=yes and a lamp of the data within reach, but the model is "
                         "below the class minimum: the lamps known are too weak or too far "
                         "apart (modelled dark)",
}


# --------------------------------------------------------------------------------------
# lamps


def lit_lamps(lamps: gpd.GeoDataFrame) -> np.ndarray:
    """Which lamps give light: status working or unknown (broken and planned do not)."""
    from sjobo_geo.inputs.lamps import LIT_STATUSES

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
    xy = shapely.get_coordinates(geometry_array(lamps))
    h = lamps["mount_height_m"].to_numpy(dtype=np.float64)
    i = lamps["intensity_cd"].to_numpy(dtype=np.float64)
    dist = (lamps["distribution"].astype("string").fillna("lambertian").str.lower().to_numpy()
            if "distribution" in lamps else np.full(len(lamps), "lambertian"))
    return [(str(d), xy[dist == d], h[dist == d], i[dist == d]) for d in np.unique(dist)]


def check_lamp_table(lamps: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """The lamp points as the analyses use them, in ``crs`` (the area's).

    Parameters
    ----------
    lamps : geopandas.GeoDataFrame
        A standard lamp table (:mod:`sjobo_geo.inputs.lamps`), in any CRS.
    crs : str or pyproj.CRS
        The area's metric CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        The point rows, reprojected to ``crs`` when in another, index reset.

    Raises
    ------
    LightingError
        No ``mount_height_m`` or ``intensity_cd`` column.
    CRSError
        The table has no CRS (:func:`sjobo_geo.core.crs.to_area_crs`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> lamps = gpd.GeoDataFrame({"mount_height_m": [5.0], "intensity_cd": [250.0]},
    ...                          geometry=gpd.points_from_xy([24.94], [60.17]), crs=4326)
    >>> check_lamp_table(lamps, "EPSG:3067").crs.to_epsg()
    3067
    """
    missing = [c for c in ("mount_height_m", "intensity_cd") if c not in lamps]
    if missing:
        raise LightingError(
            f"the lamp table lacks {missing}; use lamps_from_osm / read_lamp_inventory / "
            "merge_lamps (sjobo_geo.inputs.lamps), which give every lamp a height and an "
            "intensity"
        )
    # no CRS is no place: a lamp table without one is refused, not assumed in the area's
    lamps = to_area_crs(lamps, crs, "the lamps")
    lamps = lamps[lamps.geom_type == "Point"] if len(lamps) else lamps
    return lamps.reset_index(drop=True)


def _horizontal(lamps: gpd.GeoDataFrame, pts: np.ndarray, mf: float) -> np.ndarray:
    from sjobo_geo.analysis.lighting.photometry import horizontal_illuminance

    out = np.zeros(len(pts))
    for dist, xy, h, i in _lamp_groups(lamps):
        out += horizontal_illuminance(xy, h, i, pts, distribution=dist, maintenance_factor=mf)
    return out


# --------------------------------------------------------------------------------------
# reports and names


def _dark_reports(reports: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """(xy, weight, synthetic) of darkness/unsafety reports made after dark."""
    import shapely

    from sjobo_geo.inputs.reports.schema import CATEGORIES

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
    return shapely.get_coordinates(geometry_array(sub)), w, synthetic


def reports_near(geoms: np.ndarray, xy: np.ndarray, weight: np.ndarray, radius: float
                  ) -> np.ndarray:
    """Σ weight of the points within ``radius`` of each geometry."""
    import shapely

    out = np.zeros(len(geoms))
    if len(geoms) == 0 or len(xy) == 0:
        return out
    tree = shapely.STRtree(geoms)
    ip, ig = tree.query(shapely.points(xy), predicate="dwithin", distance=radius)
    return np.bincount(ig, weights=weight[ip], minlength=len(geoms))


def nearest_names(geoms: np.ndarray, area: Area, *, max_distance: float = 150.0
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
        tree = shapely.STRtree(geometry_array(named))
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
            tree = shapely.STRtree(geometry_array(sub))
            ig, it = tree.query_nearest(geoms, max_distance=max_distance, all_matches=False)
            address[ig] = text[it]
            adist[ig] = shapely.distance(geoms[ig], geometry_array(sub)[it])
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
    covered: np.ndarray  # the lamp data cover the cell (a lamp in reach, or tagged unlit)
    gap_id: np.ndarray  # the dark patch (ranked gap) the cell belongs to, "" when none


@dataclass
class LightingAnalysis:
    """The lighting model of an area and its gaps.

    Attributes
    ----------
    surfaces : geopandas.GeoDataFrame
        :func:`walkable_surfaces` plus ``n_cells``, ``covered_share`` (share of its cells,
        for paths of its length, that the lamp data cover), ``lamp_data``
        (:data:`~.coverage.LAMP_DATA`: ``lamp_in_reach`` when at least
        :data:`~.coverage.SURFACE_COVERED_SHARE` is covered), ``data_covered``,
        ``avg_lux``, ``min_lux``, ``below_min_m2`` (squares, courtyards and schoolyards:
        over their covered cells, NaN when none; paths: over all their cells; judge paths
        by their pieces), ``below_average`` (mean below the class average; covered areas
        only), ``betweenness``, ``importance``.
    pieces : geopandas.GeoDataFrame
        Every path piece (≤ ``piece_length_m``): ``piece_id``, ``path_index``,
        ``surface_id``, ``name``, ``highway``, ``osm_lit``, ``covered`` (a roof: tunnel,
        passage), ``lamp_data`` (:data:`~.coverage.LAMP_DATA`), ``data_covered`` (the
        lamp data cover it), ``p_class``, ``min_req_lux``, ``avg_req_lux``, ``length_m``,
        ``min_lux``, ``mean_lux`` (exact, centreline), ``compliant`` (the model meets the
        class minimum), ``gap_type`` (:data:`GAP_TYPES`, empty when compliant or not
        covered), ``gap_id`` (its ranked stretch), ``reports_weighted``,
        ``reports_factor``, ``betweenness``, ``importance``, ``exposure``; lines.
    gaps : geopandas.GeoDataFrame
        Ranked gaps of covered places (see :meth:`ranked`): ``path_stretch`` (consecutive
        gap pieces of one path), ``dark_patch`` and ``below_average``.
    data_stretches : geopandas.GeoDataFrame
        Stretches the lamp data do not cover (consecutive pieces of one path):
        ``lamp_data`` (``lamp_data_missing``: tagged lit, no lamp in reach;
        ``no_lamp_data``: no tag, no lamp), ``surface_id``, ``name``, ``highway``,
        ``p_class``, ``car_road``, ``length_m``, ``pieces``; lines. Never gaps.
    lamps : geopandas.GeoDataFrame
        The lamp table given, with ``counted`` (gives light in the model), ``in_lamp_data``
        (counts for the coverage) and ``reach_m`` (:func:`~.coverage.lamp_reach`).
    grid : numpy.ndarray
        Lux on the surface cells (NaN elsewhere), row 0 south; see ``grid_info``.
    grid_info : GridInfo
    requirement : numpy.ndarray
        Minimum lux required in each surface cell (the strictest surface there), NaN
        elsewhere.
    covered_grid : numpy.ndarray of bool
        The surface cells the lamp data cover (a lamp in reach, or tagged unlit).
    classes : LightingClasses
    params : dict
        Settings used (maintenance factor, cell size, radii, seeds, synthetic reports).
    figures : dict
        Summary figures (lengths, shares, counts, seconds); compliance over covered pieces,
        with the lamp data coverage beside it (:attr:`coverage`).
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
    data_stretches: gpd.GeoDataFrame = field(repr=False)
    covered_grid: np.ndarray = field(repr=False)
    samples: _Samples = field(repr=False)
    cells: _Cells = field(repr=False)
    area: Area = field(repr=False)
    report_points: tuple[np.ndarray, np.ndarray] = field(repr=False)

    @property
    def path_gaps(self) -> gpd.GeoDataFrame:
        """Covered path pieces below their class minimum, by exposure (highest first)."""
        p = self.pieces
        g = p[~p["compliant"].to_numpy() & p["data_covered"].to_numpy(dtype=bool)]
        return g.sort_values("exposure", ascending=False, kind="stable")

    @property
    def coverage(self) -> dict[str, Any]:
        """The lamp data coverage: ``share`` of lit-tagged length covered, ``lit_length_m``,
        ``lit_covered_m``, ``lamp_data_missing_m``, ``covered_length_m`` and
        ``uncovered_length_m`` / ``uncovered_share`` of all path length,
        ``threshold`` (:data:`~.coverage.COVERAGE_THRESHOLD`), ``below_threshold``, the
        reach rule (``reach`` in words, ``reach_heights``, ``reach_min_m``) and
        ``courtyards_covered`` / ``courtyards``."""
        f = self.figures
        keys = ("lit_length_m", "lit_covered_m", "lamp_data_missing_m", "covered_length_m",
                "uncovered_length_m", "uncovered_share", "courtyards", "courtyards_covered")
        out = {"share": f["coverage_share"], **{k: f[k] for k in keys}}
        out["threshold"] = self.params["coverage_threshold"]
        share = f["coverage_share"]
        out["below_threshold"] = bool(not (share >= out["threshold"]))  # NaN: no lit tags
        out["reach"] = self.params["lamp_reach"]
        out["reach_heights"] = self.params["lamp_reach_heights"]
        out["reach_min_m"] = self.params["lamp_reach_min_m"]
        return out

    @property
    def synthetic(self) -> bool:
        """Whether synthetic reports entered the ranking (every output must say so)."""
        return bool(self.params.get("synthetic_reports"))

    def summary(self) -> str:
        """A few lines of figures, the lamp data coverage first
        (:func:`~.coverage.coverage_message`)."""
        f = self.figures
        lines = [
            coverage_message(self.coverage),
            f"lamps: {f['lamps_counted']} of {f['lamps_total']} counted as giving light "
            f"(broken/planned left out: {f['lamps_total'] - f['lamps_counted']}); "
            f"maintenance factor {self.params['maintenance_factor']}",
            f"paths: {f['covered_length_m'] / 1000:.2f} of {f['path_length_m'] / 1000:.2f} km "
            f"covered by lamp data and evaluated, {f['compliant_share']:.1%} of those "
            f"compliant with their class minimum; uncovered (left out) "
            f"{f['uncovered_length_m'] / 1000:.2f} km ({f['uncovered_share']:.1%}); "
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
    piece_length_m: float = PIECE_LENGTH_M,
    sample_spacing_m: float = SAMPLE_SPACING_M,
    report_radius_m: float = REPORT_RADIUS_M,
    betweenness_samples: int | None = BETWEENNESS_SAMPLES,
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
        A standard lamp table (:mod:`sjobo_geo.inputs.lamps`: ``mount_height_m``,
        ``intensity_cd``, ``distribution``, ``status``); ``lamps_from_osm(area)`` by
        default. Lamps outside the area count: they light its edges.
    reports : ReportSet or geopandas.GeoDataFrame, optional
        Validated reports (:func:`sjobo_geo.inputs.reports.validate.load_reports`); darkness
        categories made after dark raise the ranking of gaps near them. Lamps and reports
        in another CRS are reprojected to ``area.crs``; without a CRS they are refused.
    classes : LightingClasses or path to TOML, optional
        Class mapping (:func:`load_lighting_classes`).
    maintenance_factor : float, default 0.8
        Applied to every lamp (LED; :data:`DEFAULT_MAINTENANCE_FACTOR`).
    cell_size : float, default 1
        Grid cell side, metres.
    piece_length_m : float, default 5
        Longest path piece judged on its own, metres.
    sample_spacing_m : float, default 1
        Largest spacing of the centreline samples, metres.
    report_radius_m : float, default 50
        Reports within this distance count for a gap, metres.
    betweenness_samples : int or None, default 256
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
    CRSError
        Lamps or reports without a CRS.
    """
    import geopandas as gpd
    import shapely

    from sjobo_geo.analysis.lighting.photometry import illuminance_grid

    t0 = time.perf_counter()
    if reports is not None:  # a ReportSet stays one (its synthetic flag counts)
        reports = to_area_crs(reports, area.crs, "the reports")
    for name, value in (("cell_size", cell_size), ("piece_length_m", piece_length_m),
                        ("sample_spacing_m", sample_spacing_m)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise LightingError(f"{name} must be a positive number of metres, got {value!r}")
    if not (0 <= importance_floor <= 1):
        raise LightingError(f"importance_floor must be in [0, 1], got {importance_floor!r}")
    if not isinstance(classes, LightingClasses):
        classes = load_lighting_classes(classes)
    if lamps is None:
        from sjobo_geo.inputs.lamps import lamps_from_osm

        lamps = lamps_from_osm(area)
    lamps = check_lamp_table(lamps, area.crs)
    counted = lit_lamps(lamps)
    lamps = lamps.assign(counted=counted, in_lamp_data=lamps_in_data(lamps),
                         reach_m=lamp_reach(lamps["mount_height_m"].to_numpy()))
    lit = lamps[counted]
    mf = float(maintenance_factor)

    surfaces = walkable_surfaces(area, classes)
    is_path = (surfaces["kind"] == "path").to_numpy()
    paths = area.layers["paths"]

    # --- path pieces and centreline samples
    ps = surfaces[is_path]
    lines = geometry_array(paths)[ps["path_index"].to_numpy()] if len(ps) else \
        np.array([], dtype=object)
    lengths = shapely.length(lines) if len(lines) else np.zeros(0)
    pi, pstart, pend = split_even(lengths, piece_length_m)
    piece_geom = substrings(lines, pi, pstart, pend)
    plen = pend - pstart
    ns = np.maximum(1, np.ceil(plen / sample_spacing_m - 1e-9)).astype(np.int64) + 1
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
    # the lamp data cover a piece when a lamp of the data could light it, or it is tagged
    # unlit; elsewhere the model knows no lamp, which is not the same as darkness
    lamp_data = lamp_data_class(osm_lit, within_reach(piece_geom, lamps))
    p_cov = np.isin(lamp_data, COVERED_CLASSES)
    gap_type = np.where(compliant | ~p_cov, "", np.select(
        [osm_lit == "unlit", osm_lit == "lit"], ["tagged_unlit", "lit_modelled_dark"],
        "unknown_lit"))

    # --- grid on the surfaces
    area_rows = np.flatnonzero(~is_path)
    polys_area = geometry_array(surfaces)[area_rows]
    piece_buf = shapely.buffer(piece_geom, srow["width_m"].to_numpy() / 2.0, quad_segs=4) \
        if len(piece_geom) else np.array([], dtype=object)
    all_geoms = np.concatenate([piece_buf, polys_area]) if len(piece_buf) or len(polys_area) \
        else np.array([], dtype=object)
    if len(all_geoms):
        tb = shapely.total_bounds(all_geoms)
    else:
        tb = np.array(area.boundary.bounds)
    frame, rows, cols = grid_frame(tuple(tb), cell_size)
    pp, pc = cells_in(piece_buf, frame, cell_size, rows, cols)
    ap, ac = cells_in(polys_area, frame, cell_size, rows, cols)
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

    # --- lamp data coverage of the surface cells (a lamp of the data in reach, or unlit)
    mflat = np.flatnonzero(mask.ravel())
    reach_flat = np.zeros(rows * cols, dtype=bool)
    reach_flat[mflat] = points_within_reach(np.column_stack([
        frame[0] + (mflat % cols + 0.5) * cell_size,
        frame[1] + (mflat // cols + 0.5) * cell_size]), lamps)
    s_lit = surfaces["osm_lit"].to_numpy(dtype=object)
    area_unlit = s_lit[area_rows] == "unlit"
    acov = reach_flat[ac] | area_unlit[ap]
    cov_flat = reach_flat.copy()
    if len(pc):
        cov_flat[pc[osm_lit[pp] == "unlit"]] = True
    cov_flat[ac[acov]] = True
    covered_grid = cov_flat.reshape(rows, cols) & mask

    # --- per-area-surface statistics, over the cells the lamp data cover
    na = len(area_rows)
    n_cells = np.bincount(ap, minlength=na)
    n_cov = np.bincount(ap, weights=acov.astype(float), minlength=na)
    n_reach = np.bincount(ap, weights=reach_flat[ac].astype(float), minlength=na)
    cov_share = np.where(n_cells > 0, n_cov / np.maximum(n_cells, 1), np.nan)
    reach_share = np.where(n_cells > 0, n_reach / np.maximum(n_cells, 1), np.nan)
    clux = flat_lux[ac]
    sums = np.bincount(ap, weights=np.where(acov, clux, 0.0), minlength=na)
    mins = np.full(na, np.nan)
    if len(ap):
        starts = np.flatnonzero(np.concatenate([[True], ap[1:] != ap[:-1]]))
        low = np.minimum.reduceat(np.where(acov, clux, np.inf), starts)
        mins[ap[starts]] = np.where(np.isfinite(low), low, np.nan)
    avg = np.where(n_cov > 0, sums / np.maximum(n_cov, 1), np.nan)
    empty = n_cells == 0
    if empty.any():  # smaller than a cell: the exact value at a point inside
        rp = shapely.get_coordinates(shapely.point_on_surface(polys_area[empty]))
        ex = _horizontal(lit, rp, mf)
        e_reach = points_within_reach(rp, lamps)
        e_cov = e_reach | area_unlit[empty]
        avg[empty] = np.where(e_cov, ex, np.nan)
        mins[empty] = np.where(e_cov, ex, np.nan)
        cov_share[empty] = e_cov.astype(float)
        reach_share[empty] = e_reach.astype(float)
    dark_cell = (clux < area_req[ap] - 1e-9) & acov
    below_m2 = np.bincount(ap, weights=dark_cell.astype(float), minlength=na) * cell_size ** 2
    surf_avg = np.full(len(surfaces), np.nan)
    surf_min = np.full(len(surfaces), np.nan)
    surf_cells = np.zeros(len(surfaces), dtype=np.int64)
    surf_below = np.zeros(len(surfaces))
    surf_cov = np.full(len(surfaces), np.nan)
    surf_reach = np.full(len(surfaces), np.nan)
    surf_avg[area_rows], surf_min[area_rows] = avg, mins
    surf_cells[area_rows], surf_below[area_rows] = n_cells, below_m2
    surf_cov[area_rows], surf_reach[area_rows] = cov_share, reach_share
    if len(pi):  # paths: the share of their length the lamp data cover
        prow_all = np.flatnonzero(is_path)[pi]
        p_len = np.bincount(prow_all, weights=plen, minlength=len(surfaces))
        p_in = np.bincount(prow_all, weights=plen * p_cov, minlength=len(surfaces))
        p_reach = np.bincount(prow_all, weights=plen * (lamp_data == "lamp_in_reach"),
                              minlength=len(surfaces))
        surf_cov[is_path] = (p_in / np.maximum(p_len, 1e-12))[is_path]
        surf_reach[is_path] = (p_reach / np.maximum(p_len, 1e-12))[is_path]
    s_data = lamp_data_class(s_lit, surf_reach >= SURFACE_COVERED_SHARE - 1e-12)
    s_covered = np.isin(s_data, COVERED_CLASSES)
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
        n_cells=surf_cells, covered_share=surf_cov, lamp_data=s_data, data_covered=s_covered,
        avg_lux=surf_avg, min_lux=surf_min, below_min_m2=surf_below,
        below_average=(~is_path) & s_covered
        & (surf_avg < surfaces["avg_req_lux"].to_numpy() - 1e-9),
    )

    # --- importance and reports
    bet_path, imp_path = path_importance(area, ps["path_index"].to_numpy() if len(ps) else
                                     np.zeros(0, np.int64), n_samples=betweenness_samples,
                                     seed=seed, floor=importance_floor)
    s_bet = np.zeros(len(surfaces))
    s_imp = np.full(len(surfaces), importance_floor)
    s_bet[is_path], s_imp[is_path] = bet_path, imp_path
    if len(area_rows) and len(ps):
        tree = shapely.STRtree(geometry_array(ps))
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
    piece_rep = reports_near(piece_geom, rxy, rw, report_radius_m)
    pieces = gpd.GeoDataFrame({
        "piece_id": np.arange(len(pi)),
        "path_index": srow["path_index"].to_numpy(dtype=np.int64),
        "surface_id": srow["surface_id"].to_numpy(dtype=object),
        "name": srow["name"].to_numpy(dtype=object),
        "highway": srow["highway"].to_numpy(dtype=object),
        "osm_lit": osm_lit, "covered": srow["covered"].to_numpy(dtype=bool),
        "lamp_data": lamp_data, "data_covered": p_cov,
        "p_class": srow["p_class"].to_numpy(dtype=object), "min_req_lux": preq,
        "avg_req_lux": srow["avg_req_lux"].to_numpy(dtype=np.float64),
        "start_m": pstart, "length_m": plen, "min_lux": pmin, "mean_lux": pmean,
        "compliant": compliant, "gap_type": gap_type,
        "reports_weighted": piece_rep, "reports_factor": 1.0 + piece_rep,
        "betweenness": bet_path[pi] if len(pi) else np.zeros(0),
        "importance": imp_path[pi] if len(pi) else np.zeros(0),
    }, geometry=piece_geom if len(pi) else [], crs=area.crs)
    pieces["exposure"] = pieces["length_m"] * pieces["reports_factor"] * pieces["importance"]

    # --- gaps (covered places only): stretches, dark patches, surfaces below average
    gaps, piece_gap, cell_gap = _build_gaps(
        area, surfaces, pieces, lines, pi, area_rows, ap, ac, dark_cell, flat_lux, frame,
        cell_size, rows, cols, rxy, rw, report_radius_m, min_patch_m2)
    pieces["gap_id"] = piece_gap
    data_stretches = _data_stretches(pieces, lines, pi, area.crs)

    # --- figures: compliance over the covered pieces, the coverage beside it
    total_len = float(plen.sum())
    cov_len = float(plen[p_cov].sum())
    ok_len = float(plen[compliant & p_cov].sum())
    gap_len = float(plen[~compliant & p_cov].sum())
    lit_len = float(plen[osm_lit == "lit"].sum())
    lit_cov = float(plen[(osm_lit == "lit") & p_cov].sum())
    cov_m = covered_grid.ravel()
    n_cells_all = int(cov_m.sum())
    below_all = int((flat_lux[cov_m] < req_flat[cov_m] - 1e-9).sum())
    is_yard = (surfaces["kind"] == "courtyard").to_numpy()
    figures: dict[str, Any] = {
        "lamps_total": int(len(lamps)), "lamps_counted": int(counted.sum()),
        "lamps_in_data": int(lamps["in_lamp_data"].sum()),
        "path_length_m": total_len, "covered_length_m": cov_len,
        "uncovered_length_m": total_len - cov_len,
        "uncovered_share": (total_len - cov_len) / total_len if total_len else float("nan"),
        "lit_length_m": lit_len, "lit_covered_m": lit_cov,
        "coverage_share": lit_cov / lit_len if lit_len else float("nan"),
        "lamp_data_missing_m": float(plen[lamp_data == "lamp_data_missing"].sum()),
        "lamp_data_length_m": {k: float(plen[lamp_data == k].sum()) for k in LAMP_DATA},
        "compliant_length_m": ok_len,
        "compliant_share": ok_len / cov_len if cov_len else float("nan"),
        "gap_length_m": gap_len, "gap_pieces": int((~compliant & p_cov).sum()),
        "gap_stretches": int((gaps["gap_kind"] == "path_stretch").sum()),
        "gap_length_by_type_m": {t: float(plen[gap_type == t].sum()) for t in GAP_TYPES},
        "tagged_unlit_but_modelled_lit_m": float(plen[compliant & (osm_lit == "unlit")].sum()),
        "covered_gap_length_m": float(plen[~compliant & p_cov
                                           & pieces["covered"].to_numpy()].sum()),
        "cells": n_cells_all, "cells_uncovered": int(mask.sum()) - n_cells_all,
        "cells_below_min": below_all,
        "cells_below_min_share": below_all / n_cells_all if n_cells_all else float("nan"),
        "courtyards": int(is_yard.sum()),
        "courtyards_covered": int((is_yard & s_covered).sum()),
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
        "piece_length_m": float(piece_length_m), "sample_spacing_m": float(sample_spacing_m),
        "report_radius_m": float(report_radius_m), "betweenness_samples": betweenness_samples,
        "min_patch_m2": float(min_patch_m2),
        "importance_floor": float(importance_floor), "cutoff_lux": float(cutoff_lux),
        "seed": int(seed), "classes_source": classes.source,
        "lamps_counted_statuses": "working, unknown (broken and planned left out)",
        "synthetic_reports": synthetic,
        "lamp_reach": f"max({LAMP_REACH_HEIGHTS:g} × mounting height, {LAMP_REACH_MIN_M:g} m)",
        "lamp_reach_heights": LAMP_REACH_HEIGHTS, "lamp_reach_min_m": LAMP_REACH_MIN_M,
        "lamp_data_statuses": "working, unknown, broken (planned left out)",
        "coverage_threshold": COVERAGE_THRESHOLD,
        "surface_covered_share": SURFACE_COVERED_SHARE,
    }
    return LightingAnalysis(
        surfaces=surfaces, pieces=pieces, gaps=gaps, lamps=lamps, grid=lux_grid,
        grid_info=info, requirement=requirement, classes=classes, params=params,
        figures=figures, crs=area.crs, data_stretches=data_stretches,
        covered_grid=covered_grid, samples=_Samples(sxy, srep, slux),
        cells=_Cells(area_rows[ap], ac, area_req[ap], acov, cell_gap), area=area,
        report_points=(rxy, rw),
    )


_GAP_COLUMNS = [
    "rank", "gap_id", "gap_kind", "surface_kind", "surface_id", "name", "p_class",
    "criterion", "required_lux", "modelled_lux", "size", "size_unit", "osm_lit", "gap_type",
    "covered", "pieces", "reports_weighted", "reports_factor", "betweenness", "importance",
    "exposure", "rank_in_kind", "nearest_street", "nearest_address", "address_distance_m",
]


def _build_gaps(area, surfaces, pieces, lines, pi, area_rows, ap, ac, dark_cell, flat_lux,
                frame, cell, rows, cols, rxy, rw, report_radius, min_patch_m2
                ) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Ranked gaps of the covered places, and the gap id of each piece and area cell."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    parts = []
    piece_gap = np.full(len(pieces), "", dtype=object)
    cell_gap = np.full(len(ac), "", dtype=object)
    locals_: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    # path stretches: consecutive gap pieces of one path (covered pieces only)
    gap = ~pieces["compliant"].to_numpy() & pieces["data_covered"].to_numpy(dtype=bool)
    if gap.any():
        idx = np.flatnonzero(gap)
        path = pi[idx]
        brk = np.concatenate([[True], (path[1:] != path[:-1]) | (idx[1:] != idx[:-1] + 1)])
        sid = np.cumsum(brk) - 1
        first = idx[brk]
        start = pieces["start_m"].to_numpy()[first]
        end = start + np.bincount(sid, weights=pieces["length_m"].to_numpy()[idx])
        geom = substrings(lines, pi[first], start, end)
        minlux = np.full(len(first), np.inf)
        np.minimum.at(minlux, sid, pieces["min_lux"].to_numpy()[idx])
        p0 = pieces.iloc[first]
        locals_[0] = (idx, sid, piece_gap)
        parts.append(pd.DataFrame({
            "_part": 0, "_local": np.arange(len(first)),
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
        comp = cell_components(dp, dc, cols)
        n_comp = int(comp.max()) + 1
        size = np.bincount(comp, minlength=n_comp) * cell**2
        big = size >= min_patch_m2 - 1e-9
        keep = big[comp]
        # cells sorted by patch, then row and column (the order runs_to_polygons needs)
        order = np.lexsort((dc[keep], comp[keep]))
        kc, kd = comp[keep][order], dc[keep][order]
        pid, patch_geom = runs_to_polygons(kc, kd, frame, cell, cols)
        pmin = np.full(n_comp, np.inf)
        np.minimum.at(pmin, comp, flat_lux[dc])
        owner = np.zeros(n_comp, dtype=np.int64)
        owner[comp] = dp
        s_idx = area_rows[owner[pid]]
        pmin = pmin[pid]
        srf = surfaces.iloc[s_idx]
        pos_of_comp = np.full(n_comp, -1)
        pos_of_comp[pid] = np.arange(len(pid))
        pos = pos_of_comp[comp]
        locals_[1] = (np.flatnonzero(dark_cell)[pos >= 0], pos[pos >= 0], cell_gap)
        parts.append(pd.DataFrame({
            "_part": 1, "_local": np.arange(len(pid)),
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
            "_part": 2, "_local": np.arange(len(srf)),
            "gap_kind": "below_average", "surface_kind": srf["kind"].to_numpy(),
            "surface_id": srf["surface_id"].to_numpy(), "name": srf["name"].to_numpy(),
            "p_class": srf["p_class"].to_numpy(), "criterion": "average",
            "required_lux": srf["avg_req_lux"].to_numpy(),
            "modelled_lux": srf["avg_lux"].to_numpy(), "size": srf["area_m2"].to_numpy(),
            "size_unit": "m²", "osm_lit": srf["osm_lit"].to_numpy(), "gap_type": "",
            "covered": False, "pieces": 0, "betweenness": srf["betweenness"].to_numpy(),
            "importance": srf["importance"].to_numpy(), "geometry": geometry_array(srf),
        }))
    if not parts:
        out = gpd.GeoDataFrame({c: [] for c in _GAP_COLUMNS}, geometry=[], crs=area.crs)
        return out, piece_gap, cell_gap
    df = pd.concat(parts, ignore_index=True)
    geoms = df["geometry"].to_numpy()
    rep = reports_near(geoms, rxy, rw, report_radius)
    df["reports_weighted"] = rep
    df["reports_factor"] = 1.0 + rep
    df["exposure"] = df["size"] * df["reports_factor"] * df["importance"]
    street, address, adist = nearest_names(geoms, area)
    own = (df["surface_kind"] == "path").to_numpy() & df["name"].notna().to_numpy()
    street = np.where(own, df["name"].astype(str).to_numpy(), street)
    df["nearest_street"], df["nearest_address"], df["address_distance_m"] = street, address, adist
    df = df.sort_values(["exposure", "size"], ascending=False, kind="stable").reset_index(
        drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    df["rank_in_kind"] = df.groupby("gap_kind").cumcount() + 1
    prefix = df["gap_kind"].map({"path_stretch": "S", "dark_patch": "D", "below_average": "A"})
    df["gap_id"] = prefix + df["rank"].astype(str)
    # the gap id of each gap piece and dark cell, for the proposals ("which gap it fixes")
    for part, (where, local, target) in locals_.items():
        sub = df[df["_part"] == part]
        ids = np.empty(len(sub), dtype=object)
        ids[sub["_local"].to_numpy()] = sub["gap_id"].to_numpy(dtype=object)
        target[where] = ids[local]
    out = gpd.GeoDataFrame(df[[*_GAP_COLUMNS, "geometry"]], geometry="geometry",
                           crs=area.crs)
    out["covered"] = out["covered"].astype(bool)
    out["pieces"] = out["pieces"].astype(np.int64)
    return out, piece_gap, cell_gap


_STRETCH_COLUMNS = ["stretch_id", "lamp_data", "surface_id", "name", "highway", "p_class",
                    "car_road", "length_m", "pieces"]


def _data_stretches(pieces, lines, pi, crs) -> gpd.GeoDataFrame:
    """Consecutive pieces of one path the lamp data do not cover, one line per stretch."""
    import geopandas as gpd

    from sjobo_geo.analysis.lighting.coverage import carries_cars

    cls = pieces["lamp_data"].to_numpy(dtype=object)
    idx = np.flatnonzero(np.isin(cls, ["lamp_data_missing", "no_lamp_data"]))
    if len(idx) == 0:
        return gpd.GeoDataFrame({c: [] for c in _STRETCH_COLUMNS}, geometry=[], crs=crs)
    path, c = pi[idx], cls[idx]
    brk = np.concatenate([[True], (path[1:] != path[:-1]) | (idx[1:] != idx[:-1] + 1)
                          | (c[1:] != c[:-1])])
    sid = np.cumsum(brk) - 1
    first = idx[brk]
    start = pieces["start_m"].to_numpy()[first]
    length = np.bincount(sid, weights=pieces["length_m"].to_numpy()[idx])
    p0 = pieces.iloc[first]
    highway = p0["highway"].to_numpy(dtype=object)
    return gpd.GeoDataFrame({
        "stretch_id": [f"M{i}" for i in range(1, len(first) + 1)],
        "lamp_data": cls[first], "surface_id": p0["surface_id"].to_numpy(dtype=object),
        "name": p0["name"].to_numpy(dtype=object), "highway": highway,
        "p_class": p0["p_class"].to_numpy(dtype=object), "car_road": carries_cars(highway),
        "length_m": length, "pieces": np.bincount(sid).astype(np.int64),
    }, geometry=list(substrings(lines, pi[first], start, start + length)), crs=crs)


def illuminance_classes(analysis: LightingAnalysis, breaks: tuple[float, ...] = LUX_BREAKS,
                        *, covered_only: bool = True) -> gpd.GeoDataFrame:
    """The illuminance on the surfaces as polygons, one (multi)polygon per lux class.

    Cells of the grid are merged into polygons per class (``[0, b1)``, ``[b1, b2)``, ...,
    ``[bn, ∞)``): metric areas, not a heatmap drawn in screen pixels.

    Parameters
    ----------
    analysis : LightingAnalysis
    breaks : tuple of float, default :data:`LUX_BREAKS`
    covered_only : bool, default True
        Only the cells the lamp data cover (:mod:`.coverage`); the others are
        :func:`uncovered_cells`, where the model knows no lamp and 0 lx means nothing.

    Returns
    -------
    geopandas.GeoDataFrame
        ``lux_class`` (0, 1, ...), ``lux_min``, ``lux_max`` (inf for the last),
        ``label`` (``"1–2 lx"``), ``area_m2``; in the analysis' CRS.

    Examples
    --------
    >>> classes = illuminance_classes(analyse_lighting(area))  # doctest: +SKIP
    >>> classes[["label", "area_m2"]]  # doctest: +SKIP
    """
    import geopandas as gpd

    info = analysis.grid_info
    rows, cols = info.shape
    flat = analysis.grid.ravel()
    keep = np.isfinite(flat)
    if covered_only:
        keep &= analysis.covered_grid.ravel()
    cells = np.flatnonzero(keep)
    cls = np.searchsorted(np.asarray(breaks), flat[cells], side="right")
    order = np.lexsort((cells, cls))  # by class, then row-major
    g, polys = runs_to_polygons(cls[order], cells[order], info.bounds, info.cell_size, cols)
    lo = np.concatenate([[0.0], breaks])
    hi = np.concatenate([breaks, [np.inf]])

    def text(a: float, b: float) -> str:
        return f"> {a:g} lx" if not np.isfinite(b) else f"{a:g}–{b:g} lx"

    return gpd.GeoDataFrame({
        "lux_class": g.astype(np.int64), "lux_min": lo[g], "lux_max": hi[g],
        "label": [text(lo[i], hi[i]) for i in g],
        "area_m2": [p.area for p in polys],
    }, geometry=list(polys), crs=analysis.crs)


def uncovered_cells(analysis: LightingAnalysis) -> gpd.GeoDataFrame:
    """The surface cells the lamp data do not cover, as one (multi)polygon.

    There the model knows no lamp: its 0 lx is missing data, not darkness (:mod:`.coverage`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row (none when every cell is covered): ``lamp_data`` (``"uncovered"``),
        ``area_m2``; in the analysis' CRS.

    Examples
    --------
    >>> uncovered_cells(analyse_lighting(area))["area_m2"]  # doctest: +SKIP
    """
    import geopandas as gpd

    info = analysis.grid_info
    cols = info.shape[1]
    cells = np.flatnonzero(np.isfinite(analysis.grid.ravel())
                           & ~analysis.covered_grid.ravel())
    _, polys = runs_to_polygons(np.zeros(len(cells), dtype=np.int64), cells, info.bounds,
                                info.cell_size, cols)
    return gpd.GeoDataFrame({"lamp_data": ["uncovered"] * len(polys),
                             "area_m2": [p.area for p in polys]},
                            geometry=list(polys), crs=analysis.crs)


def gaps_table(analysis: LightingAnalysis) -> pd.DataFrame:
    """The ranked gaps as a plain table (CSV): factors, names, position (metric and WGS84).

    Columns: those of ``analysis.gaps`` without geometry, plus ``x``, ``y`` (a point on the
    gap, area CRS), ``lon``, ``lat`` and ``synthetic_reports``.
    """
    import geopandas as gpd
    import shapely

    g = analysis.gaps
    pts = shapely.point_on_surface(geometry_array(g)) if len(g) else np.array([],
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
