"""Patrol plans for police presence at hot spots: stops, a walking route, GPX and a map.

Hot spot policing sends patrols to a few places (2-5 per shift is a common advice) for
short, unpredictable stops of 10-15 minutes (see ``DOMAIN.md``, "Hotspots and patrol").
This module turns the police-presence scores of :func:`sjobo_geo.hotspots.analyse_hotspots`
into such a plan.

Candidates
    The units (grid cells or street segments) with the highest ``police_score``, at least
    ``min_separation_m`` apart, each snapped to the nearest node of the largest connected
    component of the walk graph. A unit whose nearest node lies in another component, or
    more than ``max_snap_m`` from the main component, is *unreachable* and reported apart.
    ``why`` names the largest factor contributions (``police_<factor>`` columns), the
    report count and the Gi* class; ``peak_hours`` the hours with most reports.
Route
    :func:`plan_route`: shortest walking distances between the start and the stops only
    (``scipy.sparse.csgraph.dijkstra`` from those nodes, on the graph with every edge
    walkable both ways). The stops are chosen by greedy insertion (best priority per
    added minute of walking and stopping, cheapest insertion position) until the time
    budget is used, the order is improved by 2-opt (also from a nearest-neighbour start;
    the shorter is kept), and insertion is tried again. The tour starts and ends at the
    start node. The budget always holds: travel time plus ``stop_minutes`` per stop.
    Unpredictability: ``jitter`` (default 0.15) multiplies the priorities used for the
    choice by a seeded random factor in [1 - jitter, 1 + jitter]; the same seed gives the
    same plan, another seed a different but equally reasonable one.
Patrol areas
    :func:`patrol_areas`: complete-linkage clustering of the candidates on their walking
    distances (limits the walk inside an area) into at most K groups, each with a polygon
    (convex hull of its units plus a buffer), summed priority and the hours/weekdays of
    its reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import SjoboGeoError
from .scoring import POLICE_FACTORS

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    from scipy.sparse import csr_matrix

    from .area import Area
    from .hotspots import HotspotAnalysis

__all__ = ["PATROL_STEPS", "PatrolError", "PatrolPlan", "PatrolResult", "RouteGraph",
           "candidate_stops", "nearest_neighbour_order", "patrol_areas", "plan_route",
           "run_patrol", "tour_length", "two_opt", "write_gpx"]

PATROL_STEPS = ("load area", "read reports", "analyse", "plan", "write files", "write map")
GPX_NS = "http://www.topografix.com/GPX/1/1"
_WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")


class PatrolError(ValueError, SjoboGeoError):
    """A patrol that cannot be planned (bad budget or speed, no stops, unknown start)."""


# ---- the graph --------------------------------------------------------------------------------


@dataclass
class RouteGraph:
    """A networkx walk graph as a symmetric sparse matrix of edge lengths (metres).

    ``nodes`` holds the graph's node ids in matrix order, ``xy`` their coordinates, ``index``
    maps an id to its row and ``component`` is True for the nodes of the largest connected
    component. Parallel edges keep the shortest length; every edge is walkable both ways.
    """

    graph: Any
    nodes: np.ndarray
    index: dict[Any, int]
    xy: np.ndarray
    matrix: csr_matrix
    component: np.ndarray

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph | nx.Graph) -> RouteGraph:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        nodes = np.array(list(graph.nodes), dtype=object)
        index = {n: i for i, n in enumerate(nodes)}
        if len(nodes) == 0:
            raise PatrolError("the walk graph has no nodes")
        data = graph.nodes(data=True)
        xy = np.array([(d.get("x", np.nan), d.get("y", np.nan)) for _, d in data], float)
        edges = [(index[u], index[v], float(d.get("length", 0.0)))
                 for u, v, d in graph.edges(data=True) if u != v]
        n = len(nodes)
        if edges:
            e = np.array(edges)
            rows, cols, w = e[:, 0].astype(np.int64), e[:, 1].astype(np.int64), e[:, 2]
        else:
            rows = cols = np.zeros(0, np.int64)
            w = np.zeros(0)
        # both directions; shortest of parallel edges (sort by length, keep the first)
        r = np.concatenate([rows, cols])
        c = np.concatenate([cols, rows])
        ww = np.maximum(np.concatenate([w, w]), 1e-3)  # csgraph drops explicit zeros
        order = np.lexsort((ww, c, r))
        r, c, ww = r[order], c[order], ww[order]
        first = np.ones(len(r), bool)
        first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        matrix = coo_matrix((ww[first], (r[first], c[first])), shape=(n, n)).tocsr()
        _, labels = connected_components(matrix, directed=False)
        main = np.bincount(labels).argmax()
        return cls(graph, nodes, index, xy, matrix, labels == main)

    def edge_geometry(self, u: Any, v: Any) -> np.ndarray:
        """Coordinates (k × 2) of the shortest edge from node ``u`` to ``v`` (either way)."""
        g = self.graph
        best = None
        for a, b, flip in ((u, v, False), (v, u, True)):
            if not g.has_edge(a, b):
                continue
            datas = g[a][b].values() if g.is_multigraph() else [g[a][b]]
            for d in datas:
                length = float(d.get("length", 0.0))
                if best is None or length < best[0]:
                    best = (length, d.get("geometry"), flip)
        if best is None:
            raise PatrolError(f"no edge between {u} and {v}")
        _, geom, flip = best
        if geom is None:
            return self.xy[[self.index[u], self.index[v]]]
        coords = np.asarray(geom.coords)[:, :2]
        if flip:
            coords = coords[::-1]
        # make sure the piece runs from u to v (osmnx stores reversed edges' geometry)
        pu = self.xy[self.index[u]]
        if np.hypot(*(coords[0] - pu)) > np.hypot(*(coords[-1] - pu)):
            coords = coords[::-1]
        return coords


# ---- candidates ---------------------------------------------------------------------------


def _peak_hours(profile: Any, n: int = 3) -> str:
    try:
        counts = np.array([int(v) for v in str(profile).split(",") if v != ""])
    except ValueError:
        return ""
    if counts.size != 24 or counts.max(initial=0) <= 0:
        return ""
    top = np.argsort(-counts, kind="stable")[:n]
    top = np.sort(top[counts[top] > 0])
    return ",".join(f"{h:02d}" for h in top)


def _why(units: pd.DataFrame, n_factors: int = 3) -> list[str]:
    cols = [f"police_{f}" for f in POLICE_FACTORS if f"police_{f}" in units]
    contrib = units[cols].to_numpy(dtype=float) if cols else np.zeros((len(units), 0))
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :n_factors]
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
                    units: str = "grid", n: int = 30, min_separation_m: float = 100.0,
                    max_snap_m: float = 150.0) -> gpd.GeoDataFrame:
    """The highest police-presence units as candidate stops on the walk network.

    Parameters
    ----------
    analysis : HotspotAnalysis or GeoDataFrame
        Hot spot analysis (its ``grid`` or ``segments``) or units with a ``police_score``.
    graph : networkx graph or RouteGraph
        Walk network in the units' CRS (node ``x``/``y``, edge ``length``).
    units : {"grid", "segments"}
    n : int, default 30
        Largest number of candidates (reachable and unreachable together).
    min_separation_m : float, default 100
        Candidates closer than this (straight line) to a higher one are left out.
    max_snap_m : float, default 150
        Farthest snap to the main component of the graph.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per candidate, highest priority first: ``unit_id``, ``priority``
        (the police score), ``why``, ``peak_hours``, ``nearest_street``, ``node`` (graph node
        id), ``node_x``/``node_y``, ``snap_m``, ``reachable``, ``n_reports`` and the unit's
        representative point as geometry.
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
    if "police_score" not in table:
        raise PatrolError("the units have no police_score column")
    table = table[table["police_score"].to_numpy(dtype=float) > 0]
    table = table.sort_values("police_score", ascending=False, kind="stable")
    pts = shapely.point_on_surface(table.geometry.to_numpy())
    xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
    # greedy separation, highest first
    keep: list[int] = []
    for i in range(len(xy)):
        if len(keep) >= n:
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
        "peak_hours": [_peak_hours(p) for p in table["profile_hours"]]
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


# ---- tours ------------------------------------------------------------------------------


def tour_length(dist: np.ndarray, order: Sequence[int]) -> float:
    """Length of the closed tour 0 -> order... -> 0 in the matrix ``dist``."""
    seq = np.concatenate([[0], np.asarray(order, dtype=np.int64), [0]])
    return float(dist[seq[:-1], seq[1:]].sum())


def nearest_neighbour_order(dist: np.ndarray, stops: Sequence[int]) -> list[int]:
    """Nearest-neighbour tour from 0 over ``stops`` (matrix indices); ties: lowest index."""
    left = list(stops)
    order: list[int] = []
    cur = 0
    while left:
        d = dist[cur, left]
        j = int(np.argmin(d))
        cur = left.pop(j)
        order.append(cur)
    return order


def two_opt(dist: np.ndarray, order: Sequence[int], max_rounds: int = 200) -> list[int]:
    """2-opt improvement of the closed tour 0 -> order -> 0 (symmetric ``dist``).

    Each round evaluates every segment reversal at once (numpy) and applies the best;
    stops when no reversal shortens the tour by more than 1e-9.
    """
    seq = np.concatenate([[0], np.asarray(order, dtype=np.int64), [0]])
    m = len(seq)
    if m < 5:
        return list(seq[1:-1])
    i_idx, j_idx = np.triu_indices(m - 1, k=2)
    for _ in range(max_rounds):
        a, b = seq[i_idx], seq[i_idx + 1]
        c, d = seq[j_idx], seq[j_idx + 1]
        gain = dist[a, b] + dist[c, d] - dist[a, c] - dist[b, d]
        k = int(np.argmax(gain))
        if gain[k] <= 1e-9:
            break
        i, j = i_idx[k], j_idx[k]
        seq[i + 1:j + 1] = seq[i + 1:j + 1][::-1].copy()
    return [int(v) for v in seq[1:-1]]


def _greedy_insert(t: np.ndarray, prio: np.ndarray, order: list[int], pool: list[int],
                   budget: float, stop_min: float, max_stops: int | None = None) -> list[int]:
    """Insert stops from ``pool`` by best priority per added minute while the budget holds."""
    order = list(order)
    pool = list(pool)
    while pool and (max_stops is None or len(order) < max_stops):
        seq = np.array([0, *order, 0])
        a, b = seq[:-1], seq[1:]
        cand = np.array(pool)
        used = t[a, b].sum() + stop_min * len(order)
        added = t[a][:, cand] + t[cand][:, b].T - t[a, b][:, None] + stop_min  # L × C
        pos = np.argmin(added, axis=0)
        cost = added[pos, np.arange(len(cand))]
        fits = used + cost <= budget + 1e-9
        if not fits.any():
            break
        ratio = np.where(fits, prio[cand] / np.maximum(cost, 1e-6), -np.inf)
        k = int(np.argmax(ratio))
        order.insert(int(pos[k]), int(cand[k]))
        pool.remove(int(cand[k]))
    return order


@dataclass
class PatrolPlan:
    """Result of :func:`plan_route`. Indices refer to the ``stops`` given (0-based)."""

    order: list[int]
    """Chosen stops in visiting order (indices into ``stops``)."""
    arrival_min: list[float]
    """Arrival minute at each chosen stop (0 = leaving the start)."""
    length_m: float
    """Walking length of the closed tour (start -> stops -> start)."""
    time_min: float
    """Walking time plus stop time."""
    nn_length_m: float
    """Nearest-neighbour tour length over the same chosen stops."""
    node_path: list[Any]
    """Graph nodes of the whole route, start to start."""
    geometry: Any
    """The route as a LineString (edge geometries concatenated)."""
    covered_priority: float
    unreachable: list[int] = field(default_factory=list)
    """Stops with no path from the start."""
    skipped: list[int] = field(default_factory=list)
    """Reachable stops left out by the time budget."""
    budget_minutes: float = 0.0
    walk_min: float = 0.0
    stop_minutes: float = 0.0


def plan_route(graph: Any, start_node: Any, stops: Sequence[Any], *, budget_minutes: float,
               speed_kmh: float = 5.0, stop_minutes: float = 12.0, seed: int = 0,
               priorities: Sequence[float] | None = None, jitter: float = 0.15,
               max_stops: int | None = None) -> PatrolPlan:
    """Choose and order stops for a closed walking tour within a time budget.

    Parameters
    ----------
    graph : networkx graph or RouteGraph
        Walk network (edge ``length`` in metres, node ``x``/``y``).
    start_node : node id
        Where the patrol starts and ends.
    stops : sequence of node ids
        Candidate stop nodes (repeats allowed; each is a separate stop).
    budget_minutes : float
        Walking plus stopping time available (> 0).
    speed_kmh : float, default 5
    stop_minutes : float, default 12
        Time spent at each stop.
    seed : int, default 0
        Seed of the priority jitter (same seed, same plan).
    priorities : sequence of float, optional
        Priority per stop (default 1 each, i.e. as many stops as fit).
    jitter : float, default 0.15
        Relative random change of the priorities used to choose (0: none).
    max_stops : int, optional
        Most stops to choose (hot spot policing advises 2-5 per shift); no limit when None.

    Returns
    -------
    PatrolPlan
    """
    from scipy.sparse.csgraph import dijkstra

    if not (budget_minutes > 0 and math.isfinite(budget_minutes)):
        raise PatrolError(f"budget_minutes must be positive; got {budget_minutes!r}")
    if not speed_kmh > 0:
        raise PatrolError(f"speed_kmh must be positive; got {speed_kmh!r}")
    if stop_minutes < 0:
        raise PatrolError(f"stop_minutes must be 0 or more; got {stop_minutes!r}")
    if not 0 <= jitter < 1:
        raise PatrolError(f"jitter must be in [0, 1); got {jitter!r}")
    rg = graph if isinstance(graph, RouteGraph) else RouteGraph.from_graph(graph)
    if start_node not in rg.index:
        raise PatrolError(f"start node {start_node!r} is not in the graph")
    stops = list(stops)
    m = len(stops)
    prio = np.ones(m) if priorities is None else np.asarray(priorities, dtype=float)
    if prio.shape != (m,):
        raise PatrolError("priorities must have one value per stop")
    missing = [s for s in stops if s not in rg.index]
    if missing:
        raise PatrolError(f"stop nodes not in the graph: {missing[:5]}")
    src = np.array([rg.index[start_node]] + [rg.index[s] for s in stops], dtype=np.int64)
    uniq, inv = np.unique(src, return_inverse=True)
    dist_u, pred_u = dijkstra(rg.matrix, directed=False, indices=uniq, return_predecessors=True)
    dist = dist_u[inv][:, src]  # (m+1) × (m+1)
    pred = pred_u[inv]
    dist = np.minimum(dist, dist.T)
    reach = np.isfinite(dist[0, 1:])
    unreachable = [int(i) for i in np.flatnonzero(~reach)]
    m_per_min = speed_kmh * 1000.0 / 60.0
    t = np.where(np.isfinite(dist), dist, 1e12) / m_per_min
    rng = np.random.default_rng(seed)
    noise = rng.uniform(1 - jitter, 1 + jitter, size=m) if jitter else np.ones(m)
    p_all = np.concatenate([[0.0], np.maximum(prio, 0) * noise + 1e-9])
    pool = [int(i) + 1 for i in np.flatnonzero(reach)]
    # deterministic tie-break: pool order by jittered priority, then index
    pool.sort(key=lambda i: (-p_all[i], i))
    order: list[int] = []
    for _ in range(5):
        order = _greedy_insert(t, p_all, order, [i for i in pool if i not in order],
                               budget_minutes, stop_minutes, max_stops)
        a = two_opt(dist, order)
        b = two_opt(dist, nearest_neighbour_order(dist, order))
        improved = min((a, b), key=lambda o: tour_length(dist, o))
        if tour_length(dist, improved) <= tour_length(dist, order):
            order = improved
        more = _greedy_insert(t, p_all, order, [i for i in pool if i not in order],
                              budget_minutes, stop_minutes, max_stops)
        if len(more) == len(order):
            order = more
            break
        order = more
    length = tour_length(dist, order)
    nn_length = tour_length(dist, nearest_neighbour_order(dist, order))
    seq = [0, *order, 0]
    legs = dist[seq[:-1], seq[1:]] / m_per_min
    arrival = np.cumsum(legs[:-1]) + stop_minutes * np.arange(len(order))
    walk = float(legs.sum())
    # node path and geometry
    path: list[int] = [int(src[0])]
    for fr, to in zip(seq[:-1], seq[1:], strict=True):
        leg = _leg(pred[to], int(src[to]), int(src[fr]))  # fr ... to, up the tree of to
        path.extend(leg[1:])
    node_path = [rg.nodes[i] for i in path]
    geometry = _route_line(rg, node_path)
    chosen = set(order)
    return PatrolPlan(
        order=[i - 1 for i in order], arrival_min=[round(float(v), 2) for v in arrival],
        length_m=round(length, 1), time_min=round(walk + stop_minutes * len(order), 2),
        nn_length_m=round(nn_length, 1), node_path=node_path, geometry=geometry,
        covered_priority=round(float(prio[[i - 1 for i in order]].sum()), 4),
        unreachable=unreachable,
        skipped=[i - 1 for i in pool if i not in chosen], budget_minutes=float(budget_minutes),
        walk_min=round(walk, 2), stop_minutes=float(stop_minutes))


def _leg(pred_row: np.ndarray, source: int, target: int) -> list[int]:
    """Node indices from ``target`` back to ``source`` in a predecessor row of ``source``."""
    out = [target]
    cur = target
    while cur != source:
        cur = int(pred_row[cur])
        if cur < 0:
            raise PatrolError("no path between two stops")
        out.append(cur)
    return out


def _route_line(rg: RouteGraph, node_path: list[Any]) -> Any:
    import shapely

    if len(node_path) < 2:
        p = rg.xy[rg.index[node_path[0]]]
        return shapely.LineString([p, p])
    pieces = [rg.edge_geometry(u, v) for u, v in zip(node_path[:-1], node_path[1:], strict=True)]
    coords = np.concatenate([pieces[0]] + [p[1:] for p in pieces[1:]])
    return shapely.LineString(coords)


# ---- patrol areas -----------------------------------------------------------------------


def patrol_areas(candidates: gpd.GeoDataFrame, graph: Any, units: gpd.GeoDataFrame | None = None,
                 *, k: int = 3, buffer_m: float = 40.0) -> gpd.GeoDataFrame:
    """Group reachable candidates into at most ``k`` compact areas on the walk network.

    Complete-linkage clustering (:func:`scipy.cluster.hierarchy.linkage`) of the walking
    distances between the candidates' nodes. Each area: ``area_id`` (1 = highest summed
    priority), ``n_units``, ``priority`` (sum), ``max_walk_m`` (largest walking distance
    inside), ``peak_hours`` and ``weekdays`` (summed report profiles) and a polygon: the
    convex hull of its units (``units`` geometry by ``unit_id``, else the candidate
    points), buffered by ``buffer_m``.
    """
    import geopandas as gpd
    import shapely
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial.distance import squareform

    rg = graph if isinstance(graph, RouteGraph) else RouteGraph.from_graph(graph)
    cand = candidates[candidates["reachable"]].reset_index(drop=True)
    cols = ["area_id", "n_units", "priority", "max_walk_m", "unit_ids", "peak_hours",
            "weekdays"]
    if cand.empty:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=candidates.crs)
    idx = np.array([rg.index[n] for n in cand["node"]], dtype=np.int64)
    d = dijkstra(rg.matrix, directed=False, indices=idx)[:, idx]
    d = np.minimum(d, d.T)
    np.fill_diagonal(d, 0)
    if len(cand) == 1:
        labels = np.array([1])
    else:
        z = linkage(squareform(d, checks=False), method="complete")
        labels = fcluster(z, t=min(k, len(cand)), criterion="maxclust")
    geoms = cand.geometry.to_numpy()
    if units is not None and "unit_id" in units:
        lookup = dict(zip(units["unit_id"].astype(str), units.geometry, strict=False))
        geoms = np.array([lookup.get(u, g) for u, g in zip(cand["unit_id"], geoms,
                                                            strict=True)], dtype=object)
    rows, polys = [], []
    for lab in np.unique(labels):
        sel = labels == lab
        hours = np.zeros(24, np.int64)
        days = np.zeros(7, np.int64)
        for h, w in zip(cand.loc[sel, "profile_hours"], cand.loc[sel, "profile_weekdays"],
                        strict=True):
            hv, wv = str(h).split(","), str(w).split(",")
            if len(hv) == 24 and all(v.isdigit() for v in hv):
                hours += np.array(hv, dtype=np.int64)
            if len(wv) == 7 and all(v.isdigit() for v in wv):
                days += np.array(wv, dtype=np.int64)
        rows.append({
            "n_units": int(sel.sum()),
            "priority": round(float(cand.loc[sel, "priority"].sum()), 4),
            "max_walk_m": round(float(d[np.ix_(sel, sel)].max()), 1),
            "unit_ids": ";".join(cand.loc[sel, "unit_id"]),
            "peak_hours": _peak_hours(",".join(map(str, hours))),
            "weekdays": ",".join(f"{_WEEKDAYS[i]} {days[i]}" for i in
                                 np.argsort(-days, kind="stable")[:3] if days[i] > 0),
        })
        polys.append(shapely.convex_hull(shapely.union_all(geoms[sel])).buffer(buffer_m))
    out = gpd.GeoDataFrame(rows, geometry=polys, crs=candidates.crs)
    out = out.sort_values("priority", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "area_id", np.arange(1, len(out) + 1))
    return out


# ---- GPX ----------------------------------------------------------------------------------


def write_gpx(path: str | Path, *, stops: Sequence[dict[str, Any]], start: dict[str, Any],
              track: Sequence[tuple[float, float]] | None = None, name: str = "Patrol",
              desc: str = "") -> Path:
    """Write a GPX 1.1 file: a waypoint per stop, a route start -> stops, the street track.

    ``start`` and each stop are dicts with ``lat``, ``lon``, ``name`` and optional ``desc``;
    ``track`` is a sequence of (lat, lon) along the streets. Element order follows the
    GPX 1.1 schema (metadata, wpt, rte, trk); creator is ``sjobo-geo``.
    """
    import xml.etree.ElementTree as ET

    from .io import atomic_path

    ET.register_namespace("", GPX_NS)

    def q(tag: str) -> str:
        return f"{{{GPX_NS}}}{tag}"

    def point(parent: Any, tag: str, p: dict[str, Any], kind: str | None = None) -> None:
        el = ET.SubElement(parent, q(tag), lat=f"{float(p['lat']):.7f}",
                           lon=f"{float(p['lon']):.7f}")
        ET.SubElement(el, q("name")).text = str(p["name"])
        if p.get("desc"):
            ET.SubElement(el, q("desc")).text = str(p["desc"])
        if kind:
            ET.SubElement(el, q("type")).text = kind

    root = ET.Element(q("gpx"), {"version": "1.1", "creator": "sjobo-geo"})
    meta = ET.SubElement(root, q("metadata"))
    ET.SubElement(meta, q("name")).text = name
    if desc:
        ET.SubElement(meta, q("desc")).text = desc
    for s in stops:
        point(root, "wpt", s, "patrol stop")
    rte = ET.SubElement(root, q("rte"))
    ET.SubElement(rte, q("name")).text = name
    point(rte, "rtept", start, "start")
    for s in stops:
        point(rte, "rtept", s, "patrol stop")
    if track is not None and len(track) > 1:
        trk = ET.SubElement(root, q("trk"))
        ET.SubElement(trk, q("name")).text = f"{name} (streets)"
        seg = ET.SubElement(trk, q("trkseg"))
        for lat, lon in track:
            ET.SubElement(seg, q("trkpt"), lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    with atomic_path(path) as tmp:
        tree.write(tmp, encoding="UTF-8", xml_declaration=True)
    return Path(path)


# ---- the job ------------------------------------------------------------------------------


@dataclass
class PatrolResult:
    """What :func:`run_patrol` produced."""

    plan: PatrolPlan
    candidates: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    synthetic: bool
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _noop(_step: str) -> None:
    return None


def _start_xy(area: Area, start: Any, messages: list[str]) -> tuple[tuple[float, float], str]:
    """Start point from a place name, an (x, y) pair or "x,y"; default the main square."""
    import shapely

    if start is None:
        name = area.profile.role("main_square") if hasattr(area.profile, "role") else None
        if name:
            try:
                g = area.find(name).geometry
                p = shapely.point_on_surface(g)
                return (p.x, p.y), str(name)
            except SjoboGeoError:
                messages.append(f"main square {name!r} not found; starting at the area centre")
        p = shapely.point_on_surface(area.boundary)
        return (p.x, p.y), "area centre"
    if isinstance(start, str) and "," in start:
        try:
            x, y = (float(v) for v in start.split(","))
            return (x, y), f"{x:.0f},{y:.0f}"
        except ValueError:
            pass
    if isinstance(start, tuple | list) and len(start) == 2:
        return (float(start[0]), float(start[1])), f"{start[0]:.0f},{start[1]:.0f}"
    if isinstance(start, str):
        try:
            p = shapely.point_on_surface(area.find(start).geometry)
        except SjoboGeoError as exc:
            raise PatrolError(f"start {start!r}: {exc}") from None
        return (p.x, p.y), start
    raise PatrolError(f"start must be a place name, 'x,y' or (x, y); got {start!r}")


def run_patrol(
    reports_file: str | Path,
    area: Any = "sample",
    *,
    out: str | Path,
    shift_minutes: float = 120,
    start: Any = None,
    speed_kmh: float = 5.0,
    stop_minutes: float = 12,
    seed: int = 0,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Callable[[str], None] | None = None,
    units: str = "grid",
    n_candidates: int = 30,
    n_areas: int = 3,
    max_stops: int | None = 5,
) -> PatrolResult:
    """A patrol plan from a report file: ``patrol.html``, ``patrol.gpx``, ``patrol.gpkg``,
    ``patrol_plan.csv`` and ``patrol.png`` in ``out``.

    Parameters
    ----------
    reports_file : path
        Report export, read by :func:`sjobo_geo.reports.validate.load_reports`.
    area : str, path or Area
    out : path
        Output folder (created).
    shift_minutes : float, default 120
        Time budget of the tour (walking plus stops).
    start : str or (x, y), optional
        Place name, "x,y" in the area CRS, or a pair; default the profile's main square.
    speed_kmh : float, default 5
    stop_minutes : float, default 12
        Minutes at each stop (10-15 is the usual advice).
    seed : int, default 0
        Seed of the unpredictable choice (another seed per shift gives another plan).
    offline_html : bool
    lang : {"sv", "en"}, optional
    progress : callable, optional
        Called with each step name of :data:`PATROL_STEPS`.
    units : {"grid", "segments"}
        Hot spot units the stops come from.
    n_candidates : int, default 30
    n_areas : int, default 3
        Patrol areas to group the candidates into.
    max_stops : int or None, default 5
        Most stops per shift (2-5 is the usual advice); None: as many as the shift allows.
    """
    import geopandas as gpd
    import shapely

    from .hotspots import analyse_hotspots
    from .io import atomic_path, write_gpkg_layers
    from .jobs import _load_area_for
    from .maps._offline import save_map
    from .maps.i18n import check_lang
    from .maps.patrol import patrol_map, patrol_png
    from .reports.validate import load_reports
    from .settings import map_crs

    lang = check_lang(lang)
    step = progress or _noop
    out = Path(out)
    path = Path(reports_file)
    if not path.is_file():
        raise PatrolError(f"{path}: report file not found")
    if not (shift_minutes > 0):
        raise PatrolError(f"shift_minutes must be positive; got {shift_minutes!r}")
    step(PATROL_STEPS[0])
    model = area if hasattr(area, "layers") else _load_area_for(area, None, None)
    step(PATROL_STEPS[1])
    rs = load_reports(path, model)
    if rs.reports.empty:
        raise PatrolError(f"{path}: no report accepted; nothing to plan")
    step(PATROL_STEPS[2])
    analysis = analyse_hotspots(rs.reports, model, synthetic=bool(rs.synthetic) or None)
    synthetic = bool(analysis.synthetic)
    messages = list(analysis.messages)
    step(PATROL_STEPS[3])
    rg = RouteGraph.from_graph(model.graph)
    cands = candidate_stops(analysis, rg, units=units, n=n_candidates)
    if not cands["reachable"].any():
        raise PatrolError("no candidate stop is reachable on the walk network")
    (sx, sy), start_name = _start_xy(model, start, messages)
    main = np.flatnonzero(rg.component)
    j = int(np.argmin(np.hypot(rg.xy[main, 0] - sx, rg.xy[main, 1] - sy)))
    start_node = rg.nodes[main[j]]
    reach = cands[cands["reachable"]]
    plan = plan_route(rg, start_node, list(reach["node"]), budget_minutes=shift_minutes,
                      speed_kmh=speed_kmh, stop_minutes=stop_minutes, seed=seed,
                      priorities=reach["priority"].to_numpy(), max_stops=max_stops)
    chosen = reach.iloc[plan.order].copy()
    chosen.insert(0, "stop", np.arange(1, len(chosen) + 1))
    chosen["arrival_min"] = plan.arrival_min
    chosen["depart_min"] = np.round(np.asarray(plan.arrival_min) + stop_minutes, 2)
    chosen["geometry"] = shapely.points(chosen[["node_x", "node_y"]].to_numpy())
    chosen = gpd.GeoDataFrame(chosen, geometry="geometry", crs=model.crs)
    chosen["synthetic"] = synthetic
    status = np.where(cands["reachable"], "not chosen", "unreachable")
    picked = set(reach.index[plan.order])
    status[list(picked)] = "stop"
    cands = cands.assign(status=status, synthetic=synthetic)
    areas = patrol_areas(cands, rg, getattr(analysis, units), k=n_areas)
    areas["synthetic"] = synthetic
    start_pt = gpd.GeoDataFrame({"name": [start_name], "node": [str(start_node)]},
                                geometry=shapely.points([rg.xy[main[j]]]), crs=model.crs)
    route = gpd.GeoDataFrame({"length_m": [plan.length_m], "time_min": [plan.time_min],
                              "walk_min": [plan.walk_min], "stops": [len(plan.order)],
                              "nn_length_m": [plan.nn_length_m], "synthetic": [synthetic]},
                             geometry=[plan.geometry], crs=model.crs)
    result = PatrolResult(plan, cands, chosen, areas, synthetic, messages=messages)
    step(PATROL_STEPS[4])
    about = {"generator": "sjobo-geo patrol", "area": model.name, "synthetic": synthetic,
             "reports": len(rs.reports), "units": units, "shift_minutes": shift_minutes,
             "speed_kmh": speed_kmh, "stop_minutes": stop_minutes, "seed": seed,
             "start": start_name}
    cand_layer = cands.assign(node=cands["node"].astype(str))
    result.files["gpkg"] = write_gpkg_layers(
        {"stops": chosen.assign(node=chosen["node"].astype(str)), "route": route,
         "candidates": cand_layer, "areas": areas, "start": start_pt},
        out / "patrol.gpkg", about=about)
    wgs = chosen.to_crs(map_crs)
    table = pd.DataFrame({
        "stop": chosen["stop"].to_numpy(), "unit_id": chosen["unit_id"].to_numpy(),
        "nearest_street": chosen["nearest_street"].to_numpy(),
        "arrival_min": chosen["arrival_min"].to_numpy(),
        "depart_min": chosen["depart_min"].to_numpy(),
        "priority": chosen["priority"].to_numpy(), "why": chosen["why"].to_numpy(),
        "peak_hours": chosen["peak_hours"].to_numpy(),
        "x": chosen["node_x"].to_numpy(), "y": chosen["node_y"].to_numpy(),
        "lat": wgs.geometry.y.round(6).to_numpy(), "lon": wgs.geometry.x.round(6).to_numpy(),
        "synthetic": synthetic,
    })
    with atomic_path(out / "patrol_plan.csv") as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    result.files["csv"] = out / "patrol_plan.csv"
    tag = " (SYNTHETIC)" if synthetic else ""
    s_wgs = start_pt.to_crs(map_crs).geometry.iloc[0]
    track = gpd.GeoSeries([plan.geometry], crs=model.crs).to_crs(map_crs).iloc[0]
    gpx_stops = [{"lat": r.lat, "lon": r.lon,
                  "name": f"{r.stop}. {r.nearest_street or r.unit_id}",
                  "desc": f"arrive min {r.arrival_min:g}; priority {r.priority:.2f}; {r.why}"}
                 for r in table.itertuples()]
    result.files["gpx"] = write_gpx(
        out / "patrol.gpx", stops=gpx_stops,
        start={"lat": s_wgs.y, "lon": s_wgs.x, "name": f"Start: {start_name}"},
        track=[(lat, lon) for lon, lat in np.asarray(track.coords)[:, :2]],
        name=f"Patrol {model.name}{tag}",
        desc=(f"{len(chosen)} stops, {plan.length_m:.0f} m, {plan.time_min:.0f} of "
              f"{shift_minutes:g} min, seed {seed}{tag}"))
    step(PATROL_STEPS[5])
    m = patrol_map(result, model, start_pt, route, lang=lang, tiles=not offline_html)
    result.files["map"] = save_map(m, out / "patrol.html", offline=offline_html)
    result.files["png"] = patrol_png(result, model, start_pt, route, out / "patrol.png",
                                     lang=lang)
    n_unreach = int((~cands["reachable"]).sum())
    result.messages.append(
        f"patrol{tag}: {len(chosen)} stops of {int(cands['reachable'].sum())} reachable "
        f"candidates, {plan.length_m:.0f} m walking, {plan.time_min:.0f} of "
        f"{shift_minutes:g} min (nearest neighbour: {plan.nn_length_m:.0f} m)")
    if n_unreach:
        result.messages.append(f"{n_unreach} candidate(s) unreachable on the walk network: "
                               + ", ".join(cands.loc[~cands['reachable'], 'unit_id']))
    if len(chosen) < 2:
        result.messages.append("fewer than 2 stops fit the shift; lengthen it or shorten the "
                               "stops")
    return result
