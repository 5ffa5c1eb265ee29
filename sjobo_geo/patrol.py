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
Week
    :func:`week_schedule`: a tour per evening (mon-fri by default) over hot spots, schools
    and leisure places (promise 2) and traffic spots (crossings near schools, ``trafik``
    reports; promise 3); a stop's priority is damped for the evenings after a visit so that
    revisits are spread, and each evening includes a school/leisure visit and a traffic spot
    when they fit the budget.
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
           "run_patrol", "tour_length", "two_opt", "week_schedule", "write_gpx"]

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
    measures: Any = None,
) -> PatrolResult:
    """A patrol plan from a report file: ``patrol.html``, ``patrol.gpx``, ``patrol.gpkg``,
    ``patrol_plan.csv``, ``patrol_week.csv`` (:func:`week_schedule`, mon-fri evenings) and
    ``patrol.png`` in ``out``.

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
    measures : path, MeasureSet or GeoDataFrame, optional
        A measures register (:func:`sjobo_geo.measures.load_measures`) drawn on the map
        (patrols added, school visits, ...); its accounting goes to the messages.
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
    from .measures import as_measure_set

    measure_set = as_measure_set(measures, model)
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
    week = week_schedule(cands, rg, model, shift_minutes=shift_minutes, start_node=start_node,
                         speed_kmh=speed_kmh, stop_minutes=stop_minutes, seed=seed,
                         reports=rs.reports, max_stops=max_stops)
    week = week.assign(node=week["node"].astype(str), synthetic=synthetic)
    with atomic_path(out / "patrol_week.csv") as tmp:
        week.to_csv(tmp, index=False, encoding="utf-8")
    result.files["week"] = out / "patrol_week.csv"
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
    m = patrol_map(result, model, start_pt, route, lang=lang, tiles=not offline_html,
                   measures=measure_set)
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
    n_ev = week["evening"].nunique()
    result.messages.append(
        f"patrol week{tag}: {week['stop_id'].nunique()} distinct stops over {n_ev} evenings "
        f"({len(week)} visits; kinds: " + ", ".join(
            f"{k} {int((week['kind'] == k).sum())}" for k in WEEK_KINDS) + ")")
    if len(chosen) < 2:
        result.messages.append("fewer than 2 stops fit the shift; lengthen it or shorten the "
                               "stops")
    if measure_set is not None:
        result.messages.extend(measure_set.messages())
    return result


# ---- a week of evenings -------------------------------------------------------------------

WEEK_KINDS = ("hotspot", "school", "leisure", "traffic")
_ROADS = frozenset({"residential", "tertiary", "secondary", "primary", "tertiary_link",
                    "secondary_link", "primary_link"})
_FOOTWAYS = frozenset({"footway", "path", "pedestrian", "cycleway", "steps", "crossing"})
# leisure kinds where children and young people spend evenings (promise 2); others count half
_YOUTH_KINDS = frozenset({"pitch", "sports_centre", "sports_hall", "community_centre",
                          "youth_centre", "playground", "fitness_station", "skatepark",
                          "recreation_ground", "track", "swimming_pool", "ice_rink",
                          "stadium", "club"})
_WEEKDAY_EVENINGS = frozenset({"mon", "tue", "wed", "thu", "fri"})


def _as_set(value: Any) -> set[str]:
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return set() if value is None else {str(value)}


def _node_streets(rg: RouteGraph) -> tuple[dict[Any, set[str]], dict[Any, str]]:
    """Highway values and one street name per node (from the incident edges)."""
    highways: dict[Any, set[str]] = {}
    names: dict[Any, str] = {}
    for u, v, d in rg.graph.edges(data=True):
        hw = _as_set(d.get("highway"))
        nm = sorted(n for n in _as_set(d.get("name")) if n and n != "nan")
        for node in (u, v):
            highways.setdefault(node, set()).update(hw)
            if nm and node not in names:
                names[node] = nm[0]
    # nodes on unnamed ways: the name of the nearest named node (within 150 m)
    named = [n for n in names if n in rg.index]
    unnamed = [n for n in rg.nodes if n not in names]
    if named and unnamed:
        from scipy.spatial import cKDTree

        ok = np.isfinite(rg.xy).all(axis=1)
        nxy = rg.xy[[rg.index[n] for n in named]]
        uxy = rg.xy[[rg.index[n] for n in unnamed]]
        d, j = cKDTree(nxy).query(np.where(np.isfinite(uxy), uxy, 0.0))
        for n, dd, jj in zip(unnamed, d, j, strict=True):
            if dd <= 150 and ok[rg.index[n]]:
                names[n] = names[named[int(jj)]]
    return highways, names


def _snap_main(rg: RouteGraph, xy: np.ndarray, max_snap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Row of the nearest main-component node per point, and whether it is within reach."""
    from scipy.spatial import cKDTree

    main = np.flatnonzero(rg.component & np.isfinite(rg.xy).all(axis=1))
    if len(xy) == 0:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    d, i = cKDTree(rg.xy[main]).query(xy)
    return main[np.asarray(i, dtype=np.int64)], np.asarray(d) <= max_snap_m


def _week_pools(candidates: gpd.GeoDataFrame, rg: RouteGraph, area: Area,
                reports: gpd.GeoDataFrame | None, *, place_floor: float,
                max_snap_m: float, place_share: float = 0.6) -> pd.DataFrame:
    """All week stops (hot spots, schools, leisure places, traffic spots), one per node."""
    import shapely

    rows: list[dict[str, Any]] = []
    hot = candidates[candidates["reachable"]] if "reachable" in candidates else candidates
    hot_xy = hot[["node_x", "node_y"]].to_numpy(dtype=float) if len(hot) else np.zeros((0, 2))
    hot_p = hot["priority"].to_numpy(dtype=float) if len(hot) else np.zeros(0)
    top = float(hot_p.max()) if hot_p.size else 1.0
    floor = place_floor * (top if top > 0 else 1.0)
    for r in hot.itertuples():
        rows.append({"stop_id": f"hotspot:{r.unit_id}", "kind": "hotspot", "node": r.node,
                     "name": r.nearest_street or str(r.unit_id), "base": float(r.priority),
                     "why": str(r.why)})
    _, street_of = _node_streets(rg)

    def nearby_score(xy: np.ndarray, radius: float = 250.0) -> np.ndarray:
        if not hot_p.size or not len(xy):
            return np.zeros(len(xy))
        d = np.hypot(xy[:, None, 0] - hot_xy[None, :, 0], xy[:, None, 1] - hot_xy[None, :, 1])
        return np.where(d <= radius, hot_p[None, :], 0.0).max(axis=1)

    layers = getattr(area, "layers", {})
    leisure_parts = [g for g in (layers.get("leisure"), layers.get("playgrounds"))
                     if g is not None and not g.empty]
    leisure = pd.concat(leisure_parts, ignore_index=True) if leisure_parts else None
    leis_xy = np.zeros((0, 2))
    if leisure is not None:
        lp = shapely.point_on_surface(leisure.geometry.to_numpy())
        leis_xy = np.column_stack([shapely.get_x(lp), shapely.get_y(lp)])
    schools = layers.get("schools")
    for kind, table in (("school", schools), ("leisure", leisure)):
        if table is None or table.empty:
            continue
        pts = shapely.point_on_surface(table.geometry.to_numpy())
        xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
        node_idx, ok = _snap_main(rg, xy, max_snap_m)
        score = nearby_score(xy)
        names = table["name"] if "name" in table else pd.Series([None] * len(table))
        kinds = table["kind"] if "kind" in table else pd.Series([kind] * len(table))
        for i in np.flatnonzero(ok):
            nm = names.iloc[i]
            nm = str(nm) if isinstance(nm, str) and nm else ""
            what = str(kinds.iloc[i]) if isinstance(kinds.iloc[i], str) else kind
            base = max(floor, place_share * float(score[i]))
            parts = []
            if kind == "school":
                near = (np.hypot(*(leis_xy - xy[i]).T) <= 300).sum() if len(leis_xy) else 0
                if near:
                    base *= 1.2
                    parts.append(f"{near} leisure place(s) within 300 m")
                why = f"promise 2: police visit at school {nm or what}"
            else:
                if what not in _YOUTH_KINDS:
                    base *= 0.5
                why = f"promise 2: police visit at leisure place ({what})"
            parts.append(f"hot spot score nearby {score[i]:.2f}"
                         if place_share * score[i] > floor
                         else f"priority floor {floor:.2f}")
            node = rg.nodes[node_idx[i]]
            rows.append({"stop_id": f"{kind}:{table['osm_id'].iloc[i]}" if "osm_id" in table
                         else f"{kind}:{i}", "kind": kind, "node": node,
                         "name": nm or f"{what} by {street_of.get(node, 'street')}",
                         "base": base, "why": "; ".join([why, *parts])})
    # traffic: crossings (footway meets road) within 150 m of a school, and trafik reports
    traffic_xy: list[np.ndarray] = []
    if schools is not None and not schools.empty:
        highways, _ = _node_streets(rg)
        cross = [n for n, hw in highways.items()
                 if hw & _ROADS and hw & _FOOTWAYS and rg.component[rg.index[n]]]
        if cross:
            cidx = np.array([rg.index[n] for n in cross], dtype=np.int64)
            cpts = shapely.points(rg.xy[cidx])
            sgeo = schools.geometry.to_numpy()
            dist = np.stack([shapely.distance(cpts, g) for g in sgeo], axis=1)
            nearest = dist.argmin(axis=1)
            dmin = dist[np.arange(len(cidx)), nearest]
            keep: list[int] = []
            for i in np.argsort(dmin, kind="stable"):
                if dmin[i] > 150:
                    break
                if keep and np.hypot(*(rg.xy[cidx[keep]] - rg.xy[cidx[i]]).T).min() < 60:
                    continue
                keep.append(int(i))
            for k in keep:
                node = rg.nodes[cidx[k]]
                sname = schools["name"].iloc[nearest[k]] if "name" in schools else None
                sname = sname if isinstance(sname, str) and sname else "school"
                road = street_of.get(node, "road")
                rows.append({"stop_id": f"traffic:crossing:{node}", "kind": "traffic",
                             "node": node, "name": road, "base": floor,
                             "why": f"promise 3: crossing of {road} by a footway, "
                                    f"{dmin[k]:.0f} m from {sname}"})
                traffic_xy.append(rg.xy[cidx[k]])
    if reports is not None and len(reports) and "category" in reports:
        rep = reports[reports["category"].astype(str) == "trafik"]
        crs = getattr(area, "crs", None)
        if len(rep) and crs is not None and rep.crs is not None and rep.crs != crs:
            rep = rep.to_crs(crs)
        rep = rep[~rep.geometry.is_empty & rep.geometry.notna()] if len(rep) else rep
        if len(rep):
            pts = shapely.point_on_surface(rep.geometry.to_numpy())
            xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
            node_idx, ok = _snap_main(rg, xy, max_snap_m)
            for ni in np.unique(node_idx[ok]):
                n_rep = int((node_idx[ok] == ni).sum())
                node = rg.nodes[ni]
                road = street_of.get(node, "street")
                rows.append({"stop_id": f"traffic:report:{node}", "kind": "traffic",
                             "node": node, "name": road, "base": floor * (1 + 0.5 * n_rep),
                             "why": f"promise 3: {n_rep} trafik report(s) near {road}"})
    pool = pd.DataFrame(rows, columns=["stop_id", "kind", "node", "name", "base", "why"])
    if pool.empty:
        return pool
    # one stop per node: the school/leisure/traffic label wins over a hot spot at the same
    # node (the visit serves both); the priority is the largest of them
    rank = {"school": 0, "leisure": 1, "traffic": 2, "hotspot": 3}
    pool["_rank"] = pool["kind"].map(rank)
    pool["_key"] = pool["node"].map(str)
    best = pool.groupby("_key")["base"].transform("max")
    whys = pool.groupby("_key")["why"].transform(lambda s: " | ".join(dict.fromkeys(s)))
    pool = pool.assign(base=best, why=whys).sort_values(["_rank", "base"], ascending=[True, False],
                                                        kind="stable")
    pool = pool.drop_duplicates("_key").drop(columns=["_rank", "_key"])
    return pool.reset_index(drop=True)


def week_schedule(candidates: gpd.GeoDataFrame, graph: Any, area: Area, *,
                  evenings: Sequence[str] = ("mon", "tue", "wed", "thu", "fri"),
                  shift_minutes: float = 120, start_node: Any, speed_kmh: float = 5,
                  stop_minutes: float = 12, seed: int = 0,
                  reports: gpd.GeoDataFrame | None = None, max_stops: int | None = 5,
                  damping: Sequence[float] = (0.3, 0.7), max_in_row: int = 2,
                  place_floor: float = 0.3, max_snap_m: float = 150.0) -> pd.DataFrame:
    """One patrol route per evening, with revisits spread unpredictably over the week.

    Stops
        ``hotspot``: the reachable ``candidates`` (:func:`candidate_stops`), priority their
        police score. ``school`` / ``leisure`` (promise 2): the area's ``schools`` and its
        ``leisure`` and ``playgrounds`` layers, snapped to the main network (at most
        ``max_snap_m``); priority 0.6 × the highest hot spot score within 250 m (hot spots,
        promise 1, stay first), at least the floor
        ``place_floor`` × the highest hot spot priority. Leisure kinds that are not youth
        places (theatre, library, cinema, ...) count half. Schools are candidates on weekday
        evenings only (mon-fri: evening sports and clubs use school halls) and count 1.2 ×
        when a leisure place lies within 300 m. ``traffic`` (promise 3): graph nodes where a
        footway/path/cycleway meets a residential, tertiary, secondary or primary road within
        150 m of a school (at least 60 m apart; OSM crossing nodes are not in the layers),
        priority the floor; and the nodes nearest to ``trafik`` ``reports``, priority
        floor × (1 + 0.5 × reports). Stops on the same node are merged.
    Evenings
        Each evening is a :func:`plan_route` tour (seeded jitter, a seed per evening drawn
        from ``seed``). A stop visited ``k`` evenings ago has its priority multiplied by
        ``damping[k-1]`` (factors multiply), and a stop visited on each of the last
        ``max_in_row`` evenings rests this evening when enough other stops remain. The best
        (damped) school/leisure place and traffic spot are forced into the tour when they fit
        the budget (tried in order of damped priority, a few each).

    Returns
    -------
    pandas.DataFrame
        One row per stop: ``evening``, ``order`` (1-based), ``stop_id``, ``kind``, ``name``,
        ``arrival_min``, ``priority`` (the evening's damped priority, before jitter),
        ``why``, ``node``, ``x``, ``y``, ``tour_min`` and ``walk_m`` of the whole evening.
    """
    from scipy.sparse.csgraph import dijkstra

    rg = graph if isinstance(graph, RouteGraph) else RouteGraph.from_graph(graph)
    if start_node not in rg.index:
        raise PatrolError(f"start node {start_node!r} is not in the graph")
    cols = ["evening", "order", "stop_id", "kind", "name", "arrival_min", "priority", "why",
            "node", "x", "y", "tour_min", "walk_m"]
    pool = _week_pools(candidates, rg, area, reports, place_floor=place_floor,
                       max_snap_m=max_snap_m)
    if pool.empty:
        return pd.DataFrame({c: [] for c in cols})
    idx = np.array([rg.index[n] for n in pool["node"]], dtype=np.int64)
    from_start = dijkstra(rg.matrix, directed=False, indices=rg.index[start_node])[idx]
    m_per_min = speed_kmh * 1000.0 / 60.0
    solo_fits = 2 * from_start / m_per_min + stop_minutes <= shift_minutes + 1e-9
    base = pool["base"].to_numpy(dtype=float)
    kind = pool["kind"].to_numpy()
    seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, size=len(evenings))
    history: list[set[int]] = []
    rows: list[dict[str, Any]] = []
    for e, (evening, eseed) in enumerate(zip(evenings, seeds, strict=True)):
        weekday = str(evening).lower()[:3] in _WEEKDAY_EVENINGS
        prio = base.copy()
        for k, factor in enumerate(damping, start=1):
            if len(history) >= k:
                prio[list(history[-k])] *= factor
        allowed = np.ones(len(pool), bool)
        if not weekday:
            allowed &= kind != "school"
        if max_in_row and len(history) >= max_in_row:
            tired = set.intersection(*history[-max_in_row:])
            others = allowed.sum() - len(tired & set(np.flatnonzero(allowed)))
            if tired and others >= (max_stops or 5):
                allowed[list(tired)] = False
        ids = np.flatnonzero(allowed)

        def ranked(kinds: tuple[str, ...], ids: np.ndarray = ids,
                   prio: np.ndarray = prio) -> list[int]:
            sel = [int(i) for i in ids if kind[i] in kinds and solo_fits[i]]
            return sorted(sel, key=lambda i: (-prio[i], i))[:3]

        places, traffic = ranked(("school", "leisure")), ranked(("traffic",))
        tries = [(p, t) for p in places for t in traffic] + [(p, None) for p in places] \
            + [(None, t) for t in traffic] + [(None, None)]
        plan = None
        for p, t in tries:
            forced = [i for i in (p, t) if i is not None]
            use = prio[ids].copy()
            for i in forced:
                use[np.flatnonzero(ids == i)] = 1e6 * (1 + use.max())
            plan = plan_route(rg, start_node, list(pool["node"].iloc[ids]),
                              budget_minutes=shift_minutes, speed_kmh=speed_kmh,
                              stop_minutes=stop_minutes, seed=int(eseed), priorities=use,
                              max_stops=max_stops)
            picked = {int(ids[o]) for o in plan.order}
            if all(i in picked for i in forced):
                break
        assert plan is not None
        visited = [int(ids[o]) for o in plan.order]
        for k, (i, arr) in enumerate(zip(visited, plan.arrival_min, strict=True), start=1):
            why = pool["why"].iloc[i]
            last = [evenings[e - j] for j in range(1, len(history) + 1) if i in history[-j]]
            if last:
                ago = next(j for j in range(1, len(history) + 1) if i in history[-j])
                why += f"; last visited {last[0]}" + (" (priority damped)"
                                                      if ago <= len(damping) else "")
            rows.append({"evening": str(evening), "order": k, "stop_id": pool["stop_id"].iloc[i],
                         "kind": kind[i], "name": pool["name"].iloc[i], "arrival_min": arr,
                         "priority": round(float(prio[i]), 4), "why": why,
                         "node": pool["node"].iloc[i], "x": round(float(rg.xy[idx[i], 0]), 1),
                         "y": round(float(rg.xy[idx[i], 1]), 1), "tour_min": plan.time_min,
                         "walk_m": plan.length_m})
        history.append(set(visited))
    return pd.DataFrame(rows, columns=cols)
