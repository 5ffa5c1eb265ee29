"""Lamp proposals: where new lamps make the most gap exposure compliant, where it matters.

:func:`recommend_lamps` places ``n`` new lamps (:class:`NewLamp`, default 5 m, 3,000 lm LED,
Lambertian) greedily on a :class:`~.analysis.LightingAnalysis`, re-evaluating the model after
each lamp (the model is linear: a lamp's light is added to every sample it reaches), and
returns them with before/after figures (:class:`LampRecommendation`).

Proposals go where the promise needs them: courtyards, the main square, schoolyards and
paths (the target, :data:`~.coverage.TARGETS`), never on roads carrying cars
(:data:`~.coverage.CAR_HIGHWAYS`: their lighting belongs to the street lighting owner), only
on places the lamp data cover (a lamp in reach or tagged unlit, :mod:`.coverage`: where no
lamp is known the first step is an inventory, not a new lamp), and no two closer than the
spacing of their lighting class (:data:`PROPOSAL_SPACING_M`). Each says which gap it fixes
and by how much (lux before and after, metres and square metres made compliant).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.lighting.analysis import (
    DEFAULT_MAINTENANCE_FACTOR,
    LightingAnalysis,
    nearest_names,
    reports_near,
)
from sjobo_geo.analysis.lighting.coverage import carries_cars
from sjobo_geo.analysis.lighting.photometry import LightingError
from sjobo_geo.analysis.lighting.surfaces import geometry_array
from sjobo_geo.analysis.lighting.targets import target_places

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas as gpd
    import pandas as pd

__all__ = ["PROPOSAL_SPACING_M", "LampRecommendation", "NewLamp", "class_spacing",
           "recommend_lamps"]

#: Least distance between two proposed lamps by lighting class (metres; between lamps of two
#: classes, the larger of their two spacings). The typical spacing of the class for the
#: proposed luminaire: the longest spacing, rounded down to whole 5 m, at which a row of
#: :class:`NewLamp` (5 m, 3,000 lm LED, maintenance factor 0.8) still meets the class
#: minimum midway between two lamps, each giving half of it there (:func:`class_spacing`):
#: P1 (3 lx) 18.7 m → 15, P2 (2 lx) 21.3 m → 20, P3 (1.5 lx) 23.2 m → 20, P4 (1 lx)
#: 26.1 m → 25, P5 (0.6 lx) 30.2 m → 30, P6 (0.4 lx) 33.7 m → 30. They agree with the
#: 20–30 m between 4–5 m park and footway posts of Swedish municipal lighting programmes.
#: Closer proposals would light the same stretch twice: the next lamp belongs farther on.
PROPOSAL_SPACING_M: dict[str, float] = {
    "P1": 15.0, "P2": 20.0, "P3": 20.0, "P4": 25.0, "P5": 30.0, "P6": 30.0,
}

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
        from sjobo_geo.analysis.lighting.photometry import intensity_from_flux

        return float(intensity_from_flux(self.flux_lm, distribution=self.distribution))


@dataclass
class LampRecommendation:
    """Proposed new lamps and what they change.

    Attributes
    ----------
    lamps : geopandas.GeoDataFrame
        One point per proposal in the order chosen: ``proposal``, ``target`` (courtyard,
        main_square, schoolyard or path: where it stands), ``surface_id``, ``p_class``,
        ``spacing_m`` (:data:`PROPOSAL_SPACING_M`), ``gap_id`` (the ranked gap it fixes
        most of; ``""`` for a patch too small to be listed), ``lux_before``,
        ``lux_after`` (the least illuminance of the places it makes compliant, before and
        after it; of the places it improves when it makes none compliant),
        ``fixed_length_m`` (path length it makes compliant), ``fixed_area_m2`` (surface
        cells), ``fixed_exposure``, ``cumulative_exposure_share``, ``nearest_street``,
        ``height_m``, ``flux_lm``, ``intensity_cd``, ``distribution``.
    before, after : dict
        Over the pieces the lamp data cover: ``path_length_m``, ``compliant_length_m``,
        ``compliant_share``, ``gap_length_m``, ``gap_pieces``; over the target:
        ``gap_exposure`` (remaining) and ``dark_cells_m2`` (covered cells of its
        courtyards, squares and schoolyards below the minimum); ``after`` adds
        ``exposure_covered`` and ``exposure_covered_share``.
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


def class_spacing(minimum_lux: float, lamp: NewLamp | None = None, *,
                  maintenance_factor: float = DEFAULT_MAINTENANCE_FACTOR) -> float:
    """The spacing rule of :data:`PROPOSAL_SPACING_M` for a class minimum (metres).

    The longest spacing, rounded down to whole 5 m (at least 5 m), at which a row of ``lamp``
    still gives ``minimum_lux`` midway between two lamps (each giving half of it there).

    Examples
    --------
    >>> class_spacing(1.0)
    25.0
    >>> class_spacing(3.0)
    15.0
    """
    from sjobo_geo.analysis.lighting.photometry import cutoff_radius

    lamp = lamp or NewLamp()
    r = float(cutoff_radius(lamp.height_m, lamp.intensity_cd, minimum_lux / 2.0,
                            distribution=lamp.distribution,
                            maintenance_factor=maintenance_factor))
    return float(max(5.0, 5.0 * np.floor(2.0 * r / 5.0 + 1e-9)))


def recommend_lamps(
    analysis: LightingAnalysis,
    n: int = 10,
    *,
    lamp: NewLamp | None = None,
    target: str = "all",
    square: Any = None,
    spacing: Mapping[str, float] | None = None,
    cutoff_lux: float = 0.05,
    candidate_spacing: float = 5.0,
    include_surfaces: bool | None = None,
) -> LampRecommendation:
    """Choose where ``n`` new lamps make the most gap exposure of a target compliant.

    Units to fix are the gap pieces of the target's paths and the cells of its courtyards,
    main square and schoolyards below their class minimum, on places the lamp data cover
    (:mod:`.coverage`); never roads carrying cars (:data:`~.coverage.CAR_HIGHWAYS`). A unit
    counts as fixed when all its samples reach the class minimum; 1 m² of surface counts as
    1 m of path in the exposure. Candidates stand on the gap pieces' centrelines (their
    midpoints) and on dark cells every ``candidate_spacing`` metres, never on a road
    carrying cars. For every candidate the new lamp's light at every sample within reach is
    computed once (:func:`~.photometry.horizontal_illuminance`, one vectorised call); each
    round adds up, for all candidates at once, the exposure of the units it would fix (ties
    broken by the progress it makes toward the minimum), takes the best, adds its light to
    the samples (the model is linear, so this is the model re-evaluated with the lamp in
    place) and rules out the candidates closer to it than the class spacing
    (:data:`PROPOSAL_SPACING_M`). When no candidate improves anything the search stops
    early, so fewer than ``n`` lamps may be proposed.

    Parameters
    ----------
    analysis : LightingAnalysis
    n : int, default 10
        Lamps to propose (fewer when the gaps run out).
    lamp : NewLamp, optional
        The luminaire; :class:`NewLamp` (5 m, 3,000 lm LED, Lambertian) by default. The
        analysis' maintenance factor applies.
    target : {"all", "courtyards", "square", "paths"}, default "all"
        Where lamps may go (:data:`~.coverage.TARGETS`): ``all`` is courtyards, the main
        square, schoolyards and paths.
    square : str or geometry, optional
        The main square; the profile's by default (:func:`~.surfaces.main_square`). When
        the area has none the target simply holds no square.
    spacing : mapping of str to float, optional
        Least distance between proposals by class code; :data:`PROPOSAL_SPACING_M` by
        default (classes not named there: :func:`class_spacing` of their minimum).
    cutoff_lux : float, default 0.05
        The new lamp's light below this is not counted (sets its reach, about 24 m for the
        default lamp).
    candidate_spacing : float, default 5
        Spacing of surface candidates, metres.
    include_surfaces : bool, optional
        The older form of ``target``, kept for callers written before it: True is
        ``"all"``, False ``"paths"``; when given it wins over ``target``.

    Returns
    -------
    LampRecommendation

    Raises
    ------
    LightingError
        ``n`` not a whole number ≥ 0, an unknown target, or a square given that is not
        found.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> from sjobo_geo.analysis.lighting.analysis import analyse_lighting
    >>> rec = recommend_lamps(analyse_lighting(load_area("sample")), 3)  # doctest: +SKIP
    >>> rec.lamps[["proposal", "target", "gap_id", "lux_before", "lux_after"]]  # doctest: +SKIP
    """
    import geopandas as gpd
    import shapely
    from scipy.spatial import cKDTree

    from sjobo_geo.analysis.lighting.photometry import cutoff_radius, horizontal_illuminance

    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise LightingError(f"n must be a whole number of lamps, 0 or more, got {n!r}")
    lamp = lamp or NewLamp()
    mf = analysis.params["maintenance_factor"]
    if include_surfaces is not None:
        target = "all" if include_surfaces else "paths"
    places = target_places(analysis, target, square=square)
    spacing_by = {**PROPOSAL_SPACING_M, **(dict(spacing) if spacing else {})}
    for code, (_avg, minimum) in analysis.classes.classes.items():
        spacing_by.setdefault(code, class_spacing(minimum, maintenance_factor=mf))
    pieces = analysis.pieces
    srf = analysis.surfaces
    smp = analysis.samples
    covered_p = pieces["data_covered"].to_numpy(dtype=bool)
    gap_piece = np.flatnonzero(~pieces["compliant"].to_numpy() & covered_p & places.pieces)
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
    u_gap = pieces["gap_id"].to_numpy(dtype=object)[gap_piece]
    cand = (shapely.get_coordinates(shapely.line_interpolate_point(
        geometry_array(pieces)[gap_piece], 0.5, normalized=True)) if len(gap_piece)
        else np.zeros((0, 2)))
    c_kind = np.full(len(gap_piece), "path", dtype=object)
    c_surface = pieces["surface_id"].to_numpy(dtype=object)[gap_piece]
    c_class = pieces["p_class"].to_numpy(dtype=object)[gap_piece]
    c_unit = np.arange(len(gap_piece))
    n_path_units = len(gap_piece)
    # surface cells of the target's courtyards, main square and schoolyards
    cells = analysis.cells
    info = analysis.grid_info
    rows, cols = info.shape
    kind_of_cell = places.surface_kind[cells.surface] if len(cells.surface) else \
        np.zeros(0, dtype=object)
    clux = analysis.grid.ravel()[cells.flat]
    dark = (clux < cells.required - 1e-9) & cells.covered & (kind_of_cell != "") \
        & (kind_of_cell != "path")
    flat = cells.flat[dark]
    cxy = np.column_stack([info.bounds[0] + (flat % cols + 0.5) * info.cell_size,
                           info.bounds[1] + (flat // cols + 0.5) * info.cell_size])
    surf = cells.surface[dark]
    rep = (reports_near(shapely.points(cxy), *analysis.report_points,
                        analysis.params["report_radius_m"]) if len(cxy) else np.zeros(0))
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
    u_gap = np.concatenate([u_gap, cells.gap_id[dark]])
    step_c = max(1, int(round(candidate_spacing / info.cell_size)))
    lattice = np.flatnonzero(((flat % cols) % step_c == 0) & ((flat // cols) % step_c == 0))
    cand = np.vstack([cand, cxy[lattice]])
    c_kind = np.concatenate([c_kind, kind_of_cell[dark][lattice]])
    c_surface = np.concatenate([c_surface,
                                srf["surface_id"].to_numpy(dtype=object)[surf[lattice]]])
    c_class = np.concatenate([c_class, srf["p_class"].to_numpy(dtype=object)[surf[lattice]]])
    c_unit = np.concatenate([c_unit, base + lattice])
    # never on a road carrying cars (its surface: the centreline buffered to its width)
    cars = (srf["kind"].to_numpy() == "path") & carries_cars(srf["highway"].to_numpy())
    if len(cand) and cars.any():
        on_road, _ = shapely.STRtree(geometry_array(srf)[cars]).query(
            shapely.points(cand), predicate="intersects")
        ok = np.ones(len(cand), dtype=bool)
        ok[on_road] = False
        cand, c_kind, c_surface = cand[ok], c_kind[ok], c_surface[ok]
        c_class, c_unit = c_class[ok], c_unit[ok]
    c_spacing = np.array([float(spacing_by[c]) for c in c_class], dtype=np.float64)
    n_units = len(u_expo)
    fail0 = lux < req - 1e-9
    failing = np.bincount(unit, weights=fail0, minlength=n_units).astype(np.int64)
    unit_gap0 = failing > 0
    per_sample_w = u_expo[unit] / np.maximum(np.bincount(unit, minlength=n_units)[unit], 1)

    radius = float(cutoff_radius(lamp.height_m, lamp.intensity_cd, cutoff_lux,
                                 distribution=lamp.distribution, maintenance_factor=mf))
    chosen: list[int] = []
    steps: list[dict[str, Any]] = []
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
        cand_tree = cKDTree(cand)
        blocked = np.zeros(len(cand), dtype=bool)
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
            score = np.where(blocked, -np.inf, gain + 1e-3 * prog)
            best = int(np.argmax(score))
            if not score[best] > 1e-12:
                break
            sel = slice(*np.searchsorted(ci, [best, best + 1]))
            before_fail = failing > 0
            improved = np.unique(unit[sj[sel]][fail[sel] & (contrib[sel] > 0)])
            lux_prev = lux.copy()
            lux[sj[sel]] += contrib[sel]
            failing = np.bincount(unit, weights=lux < req - 1e-9,
                                  minlength=n_units).astype(np.int64)
            fixed = np.flatnonzero(before_fail & (failing == 0))
            steps.append(_step_figures(fixed if len(fixed) else improved, unit, lux_prev,
                                       lux, u_expo, u_gap, fixed))
            chosen.append(best)
            # the spacing: no later proposal closer than the larger class spacing of the two
            near = np.asarray(cand_tree.query_ball_point(cand[best], float(c_spacing.max())),
                              dtype=np.int64)
            d = np.hypot(*(cand[near] - cand[best]).T)
            blocked[near[d < np.maximum(c_spacing[near], c_spacing[best]) - 1e-9]] = True
            blocked[best] = True
    fixed_any = unit_gap0 & (failing == 0)

    # figures: compliance over the covered pieces (as the analysis), exposure over the target
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

    def figures(compliant: np.ndarray, remaining_units: np.ndarray) -> dict[str, float]:
        total = float(plen[covered_p].sum())
        ok = float(plen[compliant & covered_p].sum())
        return {"path_length_m": total, "compliant_length_m": ok,
                "compliant_share": ok / total if total else float("nan"),
                "gap_length_m": total - ok, "gap_pieces": int((~compliant & covered_p).sum()),
                "gap_exposure": float(u_expo[remaining_units].sum()),
                "dark_cells_m2": float(remaining_units[n_path_units:].sum() * area_c)}

    before = figures(comp, unit_gap0)
    after = figures(comp_after, unit_gap0 & ~fixed_any)
    covered = float(u_expo[fixed_any].sum())
    after["exposure_covered"] = covered
    after["exposure_covered_share"] = covered / total_expo if total_expo else 0.0

    pts = cand[chosen] if chosen else np.zeros((0, 2))
    idx = np.asarray(chosen, dtype=np.int64)
    fixed_expo = [st["fixed_exposure"] for st in steps]
    geoms = shapely.points(pts) if len(pts) else np.array([], dtype=object)
    street = (nearest_names(geoms, analysis.area)[0] if len(pts)
              else np.array([], dtype=object))
    at = _gap_at(analysis.gaps, geoms)
    gap_id = [st["gap_id"] or at[i] for i, st in enumerate(steps)]
    lamps = gpd.GeoDataFrame({
        "proposal": np.arange(1, len(pts) + 1, dtype=np.int64),
        "target": c_kind[idx], "surface_id": c_surface[idx], "p_class": c_class[idx],
        "spacing_m": c_spacing[idx], "gap_id": gap_id,
        "lux_before": [st["lux_before"] for st in steps],
        "lux_after": [st["lux_after"] for st in steps],
        "fixed_length_m": [float(u_len[st["fixed"]].sum()) for st in steps],
        "fixed_area_m2": [float(u_area[st["fixed"]].sum()) for st in steps],
        "fixed_exposure": fixed_expo,
        "cumulative_exposure_share": (np.cumsum(fixed_expo) / total_expo if total_expo
                                      else np.zeros(len(pts))),
        "nearest_street": street,
        "height_m": lamp.height_m, "flux_lm": lamp.flux_lm,
        "intensity_cd": lamp.intensity_cd, "distribution": lamp.distribution,
    }, geometry=list(geoms), crs=analysis.crs)
    out_pieces = pieces.assign(min_lux_after=min_after, compliant_after=comp_after)
    return LampRecommendation(
        lamps=lamps, before=before, after=after, pieces=out_pieces, lamp=lamp,
        params={"n": int(n), "target": target, "square": places.square,
                "target_notes": list(places.notes), "cutoff_lux": cutoff_lux,
                "reach_m": radius, "candidates": int(len(cand)),
                "spacing_m": {k: float(v) for k, v in spacing_by.items()},
                "maintenance_factor": mf},
    )


def _step_figures(units: np.ndarray, unit: np.ndarray, lux_before: np.ndarray,
                  lux_after: np.ndarray, u_expo: np.ndarray, u_gap: np.ndarray,
                  fixed: np.ndarray) -> dict[str, Any]:
    """What one proposal did: the least lux of ``units`` before and after it, the gap it
    fixes most exposure of, and the units it made compliant."""
    m = np.isin(unit, units)
    ids = u_gap[units].astype(str)
    gap = ""
    if len(units) and (ids != "").any():
        names, inv = np.unique(ids, return_inverse=True)
        weight = np.bincount(inv, weights=u_expo[units])
        weight[names == ""] = -1.0
        gap = str(names[int(np.argmax(weight))])
    return {"lux_before": float(lux_before[m].min()) if m.any() else float("nan"),
            "lux_after": float(lux_after[m].min()) if m.any() else float("nan"),
            "gap_id": gap, "fixed": fixed, "fixed_exposure": float(u_expo[fixed].sum())}


def _gap_at(gaps: gpd.GeoDataFrame, geoms: np.ndarray) -> list[str]:
    """Id of the best-ranked gap within 1 m of each point ('' when none)."""
    import shapely

    out = [""] * len(geoms)
    if len(geoms) == 0 or len(gaps) == 0:
        return out
    tree = shapely.STRtree(geometry_array(gaps))
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
