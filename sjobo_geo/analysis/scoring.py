"""Priority scores of hot spot units: police presence and physical environment.

Each score is a **weighted sum of factors normalised to 0..1**:

.. math:: \\text{score}_u = \\sum_f w_f \\, x_{u,f}, \\qquad x_{u,f} \\in [0, 1]

and the contribution of factor f to unit u is :math:`w_f x_{u,f}`; :func:`weighted_score`
returns one column per contribution and the total, so a breakdown always sums to the score.
Weights are not renormalised: with the defaults (each score's weights sum to 1) a score lies
in 0..1.

Weights and parameters come from :data:`DEFAULT_CONFIG`, mirrored in
``data/scoring_weights.toml``; :func:`load_scoring_weights` reads a TOML file that overrides
any of them (unknown keys are an error).

Police presence (``police_*``)
    ``unsafety``  time-weighted report weight of ``unsafety_categories`` (feeling unsafe,
    threats and violence); ``incidents`` time-weighted weight of all reports; ``youth``
    time-weighted weight of youth/recruitment categories (``CATEGORIES[c].youth``). A
    report's time weight is ``evening_night_factor`` (2) when it was made after dark or in
    the evening or night band, else 1. These three are divided by their maximum over the
    units of one type. ``schools``, ``leisure`` (leisure places and playgrounds) and
    ``main_square``: nearness :math:`e^{-d/\\text{decay\\_m}}` with d the distance in metres
    from the unit (cell polygon or street segment) to the nearest such place (1 inside or
    touching; 0.51 at 100 m; 0.14 at 300 m with ``decay_m`` = 150).
Physical environment (``physical_*``)
    ``lighting_gaps``  share of the walkway length in the unit that lies in a lighting gap
    (from :mod:`sjobo_geo.jobs.lighting` when given: within 1 m of a gap geometry);
    without gaps, the fallback is the lit status of OSM: an unlit path counts 1, lighting
    unknown counts ``unknown_lit_share`` (0.5), lit 0. ``vegetation`` share of walkway
    length within ``vegetation_buffer_m`` (3 m) of sight-blocking vegetation
    (``vegetation_kinds``: scrub, hedge, tree row, forest edge; single trees are left out,
    their crowns do not block the view at eye height). ``darkness_reports`` report weight
    of category ``belysning`` at any time plus other darkness categories
    (``CATEGORIES[c].darkness``) made after dark; ``vegetation_reports`` (``skymd_sikt``),
    ``littering`` (``nedskrapning``), ``vandalism`` (``skadegorelse`` and ``klotter``):
    report weight, each divided by its maximum over the units of one type.
"""

from __future__ import annotations

import copy
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.core.crs import to_area_crs

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DEFAULT_CONFIG", "POLICE_FACTORS", "PHYSICAL_FACTORS", "ScoringConfig",
           "ScoringError", "load_scoring_weights", "normalise_max", "nearness",
           "report_factor_weights", "weighted_score"]


class ScoringError(ValueError, SjoboGeoError):
    """Scoring weights cannot be read or are invalid."""


POLICE_FACTORS = ("unsafety", "incidents", "youth", "schools", "leisure", "main_square")
PHYSICAL_FACTORS = ("lighting_gaps", "vegetation", "darkness_reports", "vegetation_reports",
                    "littering", "vandalism")

#: Defaults; ``data/scoring_weights.toml`` holds the same values.
DEFAULT_CONFIG: dict[str, dict[str, Any]] = {
    "police": {"unsafety": 0.25, "incidents": 0.20, "youth": 0.20, "schools": 0.10,
               "leisure": 0.10, "main_square": 0.15},
    "physical": {"lighting_gaps": 0.25, "vegetation": 0.20, "darkness_reports": 0.20,
                 "vegetation_reports": 0.15, "littering": 0.10, "vandalism": 0.10},
    "params": {"evening_night_factor": 2.0, "decay_m": 150.0, "vegetation_buffer_m": 3.0,
               "unknown_lit_share": 0.5, "unsafety_categories": ["otrygghet", "hot_vald"],
               "vegetation_kinds": ["scrub", "hedge", "tree_row", "forest_edge"]},
}


@dataclass(frozen=True)
class ScoringConfig:
    """Weights of the two scores and the factor parameters (see the module docstring)."""

    police: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_CONFIG["police"]))
    physical: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_CONFIG["physical"]))
    params: dict[str, Any] = field(
        default_factory=lambda: copy.deepcopy(DEFAULT_CONFIG["params"]))
    source: str = "defaults"


def load_scoring_weights(path: str | Path | None = None) -> ScoringConfig:
    """Scoring weights: the defaults, with any key of a TOML file at ``path`` overriding them.

    Raises
    ------
    ScoringError
        Unreadable file, unknown section or key, a negative or non-numeric weight.
    """
    raw: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ScoringError(f"{path}: cannot read scoring weights ({exc})") from None
        source = str(path)
    merged = copy.deepcopy(DEFAULT_CONFIG)
    for section, values in raw.items():
        if section not in merged or not isinstance(values, dict):
            raise ScoringError(f"{path}: unknown section [{section}]; expected "
                               f"{', '.join(f'[{s}]' for s in merged)}")
        for key, value in values.items():
            if key not in merged[section]:
                raise ScoringError(f"{path}: unknown key {key!r} in [{section}]; expected one "
                                   f"of {', '.join(merged[section])}")
            if section != "params" or isinstance(merged[section][key], float):
                if isinstance(value, bool) or not isinstance(value, int | float) or not (
                        math.isfinite(value) and value >= 0):
                    raise ScoringError(f"{path}: [{section}] {key} must be a number >= 0; "
                                       f"got {value!r}")
                value = float(value)
            elif not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ScoringError(f"{path}: [params] {key} must be a list of strings")
            merged[section][key] = value
    if merged["params"]["decay_m"] <= 0:
        raise ScoringError(f"{path}: [params] decay_m must be positive")
    return ScoringConfig(merged["police"], merged["physical"], merged["params"], source)


def normalise_max(values: Any) -> np.ndarray:
    """``values / max(values)`` (0..1); all zeros (or empty) stay zeros. NaN counts as 0."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
    top = v.max() if v.size else 0.0
    return v / top if top > 0 else np.zeros_like(v)


def nearness(distance_m: Any, decay_m: float) -> np.ndarray:
    """Distance decay ``exp(-d / decay_m)``: 1 at the place, 0 without any (d = inf/NaN)."""
    d = np.asarray(distance_m, dtype=np.float64)
    return np.where(np.isfinite(d), np.exp(-np.clip(d, 0, None) / decay_m), 0.0)


def report_factor_weights(reports: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Per report, its weight in each report-based factor (before summing per unit).

    Columns: ``unsafety``, ``incidents``, ``youth`` (weight × time factor) and
    ``darkness_reports``, ``vegetation_reports``, ``littering``, ``vandalism`` (weight).
    """
    from sjobo_geo.inputs.reports.schema import CATEGORIES

    n = len(reports)
    cat = reports["category"].astype(str).to_numpy() if "category" in reports else \
        np.full(n, "annat")
    w = (reports["weight"].astype("float64").fillna(1.0).to_numpy() if "weight" in reports
         else np.ones(n))
    dark = _bool_col(reports, "after_dark")
    band = (reports["time_band"].astype(str).to_numpy() if "time_band" in reports
            else np.full(n, "unknown"))
    late = dark | np.isin(band, ["evening", "night"])
    tw = w * np.where(late, float(config.params["evening_night_factor"]), 1.0)
    youth = np.array([CATEGORIES[c].youth if c in CATEGORIES else False for c in cat], bool)
    darkcat = np.array([CATEGORIES[c].darkness if c in CATEGORIES else False for c in cat],
                       bool)
    unsafe = np.isin(cat, list(config.params["unsafety_categories"]))
    return pd.DataFrame({
        "unsafety": tw * unsafe,
        "incidents": tw,
        "youth": tw * youth,
        "darkness_reports": w * ((cat == "belysning") | (darkcat & dark)),
        "vegetation_reports": w * (cat == "skymd_sikt"),
        "littering": w * (cat == "nedskrapning"),
        "vandalism": w * np.isin(cat, ["skadegorelse", "klotter"]),
    }, index=reports.index)


def _bool_col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df:
        return np.zeros(len(df), dtype=bool)
    return df[name].astype("boolean").fillna(False).to_numpy(dtype=bool)


def weighted_score(factors: pd.DataFrame, weights: dict[str, float], prefix: str
                   ) -> pd.DataFrame:
    """Contributions ``{prefix}_{factor} = weight × factor`` and ``{prefix}_score``, their sum.

    ``factors`` holds one 0..1 column per factor named in ``weights``.
    """
    missing = [f for f in weights if f not in factors]
    if missing:
        raise ScoringError(f"factors lack the columns {', '.join(missing)}")
    out = pd.DataFrame(index=factors.index)
    for f, wt in weights.items():
        out[f"{prefix}_{f}"] = float(wt) * factors[f].astype("float64").fillna(0.0)
    out[f"{prefix}_score"] = out.sum(axis=1)
    return out


def distance_to(geoms: Any, targets: gpd.GeoDataFrame | gpd.GeoSeries | None) -> np.ndarray:
    """Distance in metres from each geometry to the nearest target (inf without targets).

    ``targets`` with a CRS must be in a metric one (the area's; :func:`~sjobo_geo.core.crs.
    to_area_crs` refuses others): ``geoms`` carry no CRS, so nothing can be reprojected here.

    Examples
    --------
    >>> import shapely
    >>> distance_to(shapely.points([(0, 0), (30, 40)]), [shapely.Point(0, 0)]).tolist()
    [0.0, 50.0]
    """
    import shapely

    if getattr(targets, "crs", None) is not None:  # degrees would pass as metres silently
        to_area_crs(targets, None, "the targets")

    g = np.asarray(geoms)
    if targets is None or len(targets) == 0:
        return np.full(len(g), np.inf)
    tgeoms = np.asarray(getattr(targets, "geometry", targets))
    tgeoms = tgeoms[~shapely.is_empty(tgeoms) & ~shapely.is_missing(tgeoms)]
    if tgeoms.size == 0:
        return np.full(len(g), np.inf)
    tree = shapely.STRtree(tgeoms)
    idx, dist = tree.query_nearest(g, return_distance=True, all_matches=False)
    out = np.full(len(g), np.inf)
    out[idx[0]] = dist
    return out


def walkway_shares(
    pieces: Any, unit_of_piece: np.ndarray, n_units: int, piece_value: np.ndarray
) -> np.ndarray:
    """Length-weighted mean of ``piece_value`` (0..1) over the walkway pieces of each unit
    (0 for a unit without walkway)."""
    import shapely

    length = shapely.length(np.asarray(pieces))
    num = np.bincount(unit_of_piece, weights=length * piece_value, minlength=n_units)
    den = np.bincount(unit_of_piece, weights=length, minlength=n_units)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return np.clip(share, 0.0, 1.0)


def covered_share(pieces: Any, cover: Any) -> np.ndarray:
    """Share of each line's length inside the polygon ``cover`` (0 when cover is None)."""
    import shapely

    p = np.asarray(pieces)
    if cover is None or shapely.is_empty(cover):
        return np.zeros(len(p))
    shapely.prepare(cover)
    length = shapely.length(p)
    hit = shapely.intersects(cover, p)
    inside = np.zeros(len(p))
    if hit.any():
        inside[hit] = shapely.length(shapely.intersection(p[hit], cover))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(np.where(length > 0, inside / np.where(length > 0, length, 1), 0), 0, 1)
