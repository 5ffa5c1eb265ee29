"""Lamp proposals: where new lamps make the most gap exposure compliant.

:func:`recommend_lamps` places ``n`` new lamps (:class:`NewLamp`, default 5 m, 3,000 lm LED,
Lambertian) greedily on a :class:`~.analysis.LightingAnalysis`, re-evaluating the model after
each lamp (the model is linear: a lamp's light is added to every sample it reaches), and
returns them with before/after figures (:class:`LampRecommendation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.lighting.analysis import LightingAnalysis, nearest_names, reports_near
from sjobo_geo.analysis.lighting.photometry import LightingError
from sjobo_geo.analysis.lighting.surfaces import geometry_array

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["LampRecommendation", "NewLamp", "recommend_lamps"]

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

    from sjobo_geo.analysis.lighting.photometry import cutoff_radius, horizontal_illuminance

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
        geometry_array(pieces)[gap_piece], 0.5, normalized=True)) if len(gap_piece)
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
        rep = reports_near(shapely.points(cxy), *rxy_rw, analysis.params["report_radius_m"]) \
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
    street = (nearest_names(geoms, analysis.area)[0] if len(pts)
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
