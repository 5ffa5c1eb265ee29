"""Candidate stops: the highest police-presence units, snapped to the walk network.

The units (grid cells or street segments) with the highest ``police_score``, at least
``min_separation_m`` apart, each snapped to the nearest node of the largest connected
component; ``why`` and ``peak_hours`` say why a stop is there and when (see
:func:`candidate_stops`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.analysis.patrol.graph import RouteGraph
from sjobo_geo.analysis.scoring import POLICE_FACTORS

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.analysis.hotspots import HotspotAnalysis

__all__ = ["candidate_stops", "factor_codes"]


def busiest_hours(profile: Any, n: int = 3) -> str:
    try:
        counts = np.array([int(v) for v in str(profile).split(",") if v != ""])
    except ValueError:
        return ""
    if counts.size != 24 or counts.max(initial=0) <= 0:
        return ""
    top = np.argsort(-counts, kind="stable")[:n]
    top = np.sort(top[counts[top] > 0])
    return ",".join(f"{h:02d}" for h in top)


def factor_codes(units: pd.DataFrame, n_factors: int = 3) -> list[str]:
    """Per unit its largest positive police-presence factors, largest first, as "f1,f2"
    (codes of :data:`~sjobo_geo.analysis.scoring.POLICE_FACTORS`, from the ``police_<f>``
    contribution columns).

    Examples
    --------
    >>> factor_codes(pd.DataFrame({"police_unsafety": [0.1, 0.0], "police_youth": [0.2, 0.0]}))
    ['youth,unsafety', '']
    """
    return _top_factors(units, n_factors)[0]


def _top_factors(units: pd.DataFrame, n_factors: int = 3) -> tuple[list[str], np.ndarray,
                                                                      np.ndarray]:
    cols = [f"police_{f}" for f in POLICE_FACTORS if f"police_{f}" in units]
    contrib = units[cols].to_numpy(dtype=float) if cols else np.zeros((len(units), 0))
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :n_factors]
    codes = [",".join(cols[j].removeprefix("police_") for j in order[i] if contrib[i, j] > 0)
             for i in range(len(units))]
    return codes, contrib, order


def _why(units: pd.DataFrame, n_factors: int = 3) -> list[str]:
    cols = [f"police_{f}" for f in POLICE_FACTORS if f"police_{f}" in units]
    _, contrib, order = _top_factors(units, n_factors)
    out = []
    for i, (_, row) in enumerate(units.iterrows()):
        parts = [f"{cols[j].removeprefix('police_')} {contrib[i, j]:.2f}" for j in order[i]
                 if contrib[i, j] > 0]
        extra = []
        if "n_reports" in units:
            nr = int(row["n_reports"])
            extra.append(f"{nr} report" + ("s" if nr != 1 else ""))
        if "gi_class" in units and str(row["gi_class"]) != "not significant":
            extra.append(f"Gi* {row['gi_class']}")
        out.append("; ".join(filter(None, [", ".join(parts), ", ".join(extra)])))
    return out


def candidate_stops(analysis: HotspotAnalysis | gpd.GeoDataFrame, graph: Any, *,
                    units: str = "grid", n_candidates: int = 30,
                    min_separation_m: float = 100.0,
                    max_snap_m: float = 150.0) -> gpd.GeoDataFrame:
    """The highest police-presence units as candidate stops on the walk network.

    Parameters
    ----------
    analysis : HotspotAnalysis or GeoDataFrame
        Hot spot analysis (its ``grid`` or ``segments``) or units with a ``police_score``.
    graph : networkx graph or RouteGraph
        Walk network (node ``x``/``y``, edge ``length``). Units in another CRS than the
        graph's are reprojected to it (:meth:`RouteGraph.to_graph_crs`).
    units : {"grid", "segments"}
    n_candidates : int, default 30
        Largest number of candidates (reachable and unreachable together).
    min_separation_m : float, default 100
        Candidates closer than this (straight line) to a higher one are left out.
    max_snap_m : float, default 150
        Farthest snap to the main component of the graph.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per candidate, highest priority first: ``unit_id``, ``priority``
        (the police score), ``why`` (the largest factor contributions as numbers, the
        report count and the Gi* class, in English), ``factors`` (the codes of those
        factors, largest first, comma-separated: :func:`~.explain.why_text` puts them in
        words), ``gi_class``, ``peak_hours``, ``nearest_street``, ``node`` (graph node id),
        ``node_x``/``node_y``, ``snap_m``, ``reachable``, ``n_reports`` and the unit's
        representative point as geometry.

    Examples
    --------
    >>> cands = candidate_stops(analysis, area.graph, n_candidates=10)  # doctest: +SKIP
    >>> cands[["unit_id", "priority", "why", "reachable"]]  # doctest: +SKIP
    """
    import geopandas as gpd
    import shapely
    from scipy.spatial import cKDTree

    rg = graph if isinstance(graph, RouteGraph) else RouteGraph.from_graph(graph)
    if isinstance(analysis, gpd.GeoDataFrame):
        table = analysis
    elif units in ("grid", "segments"):
        table = getattr(analysis, units)
    else:
        raise PatrolError(f"units must be 'grid' or 'segments'; got {units!r}")
    table = rg.to_graph_crs(table, "the units")
    if "police_score" not in table:
        raise PatrolError("the units have no police_score column")
    table = table[table["police_score"].to_numpy(dtype=float) > 0]
    table = table.sort_values("police_score", ascending=False, kind="stable")
    pts = shapely.point_on_surface(table.geometry.to_numpy())
    xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
    # greedy separation, highest first
    keep: list[int] = []
    for i in range(len(xy)):
        if len(keep) >= n_candidates:
            break
        if keep and np.min(np.hypot(*(xy[keep] - xy[i]).T)) < min_separation_m:
            continue
        keep.append(i)
    table = table.iloc[keep]
    xy = xy[keep]
    ok_xy = np.isfinite(rg.xy).all(axis=1)
    all_ids = np.flatnonzero(ok_xy)
    main_ids = np.flatnonzero(ok_xy & rg.component)
    d_all, i_all = cKDTree(rg.xy[all_ids]).query(xy) if len(xy) else (np.zeros(0), [])
    d_main, i_main = cKDTree(rg.xy[main_ids]).query(xy) if len(xy) else (np.zeros(0), [])
    node_idx = main_ids[np.asarray(i_main, dtype=np.int64)]
    nearest_other = ~rg.component[all_ids[np.asarray(i_all, dtype=np.int64)]] \
        & (np.asarray(d_all) < np.asarray(d_main))
    reachable = (np.asarray(d_main) <= max_snap_m) & ~nearest_other
    reason = np.where(nearest_other, "nearest street not connected to the main network",
                      np.where(reachable, "", f"more than {max_snap_m:g} m from the network"))
    out = gpd.GeoDataFrame({
        "unit_id": table["unit_id"].astype(str).to_numpy() if "unit_id" in table
        else np.arange(len(table)).astype(str),
        "priority": table["police_score"].to_numpy(dtype=float).round(4),
        "why": _why(table),
        "factors": _top_factors(table)[0],
        "gi_class": table["gi_class"].astype(str).to_numpy() if "gi_class" in table
        else "",
        "peak_hours": [busiest_hours(p) for p in table["profile_hours"]]
        if "profile_hours" in table else "",
        "profile_hours": table["profile_hours"].astype(str).to_numpy()
        if "profile_hours" in table else "",
        "profile_weekdays": table["profile_weekdays"].astype(str).to_numpy()
        if "profile_weekdays" in table else "",
        "nearest_street": table["nearest_street"].fillna("").astype(str).to_numpy()
        if "nearest_street" in table else "",
        "n_reports": table["n_reports"].to_numpy(dtype=np.int64) if "n_reports" in table
        else 0,
        "node": rg.nodes[node_idx],
        "node_x": rg.xy[node_idx, 0].round(1), "node_y": rg.xy[node_idx, 1].round(1),
        "snap_m": np.asarray(d_main, dtype=float).round(1),
        "reachable": reachable, "unreachable_reason": reason,
    }, geometry=shapely.points(xy), crs=table.crs)
    return out.reset_index(drop=True)
