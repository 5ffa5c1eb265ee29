"""Tours: a closed walking route over chosen stops within a time budget.

:func:`plan_route` chooses the stops by greedy insertion, orders them by 2-opt (also from a
nearest-neighbour start) and returns a :class:`PatrolPlan` with the route on the streets;
:func:`tour_length`, :func:`nearest_neighbour_order` and :func:`two_opt` work on a distance
matrix alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.analysis.patrol.graph import RouteGraph

__all__ = ["PatrolPlan", "nearest_neighbour_order", "plan_route", "tour_length", "two_opt"]


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
        return [int(v) for v in seq[1:-1]]
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
    budget_min: float = 0.0
    """The time budget (minutes)."""
    walk_min: float = 0.0
    """Walking time (minutes)."""
    stop_min: float = 0.0
    """Minutes at each stop."""


def plan_route(graph: Any, start_node: Any, stops: Sequence[Any], *, budget_min: float,
               speed_kmh: float = 5.0, stop_min: float = 12.0, seed: int = 0,
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
    budget_min : float
        Walking plus stopping time available, minutes (> 0).
    speed_kmh : float, default 5
    stop_min : float, default 12
        Minutes spent at each stop.
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

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph()
    >>> g.add_node("s", x=0.0, y=0.0); g.add_node("a", x=500.0, y=0.0)
    >>> g.add_edge("s", "a", length=500.0)
    >>> plan = plan_route(g, "s", ["a"], budget_min=30, stop_min=10, jitter=0)
    >>> plan.order, plan.length_m, plan.time_min
    ([0], 1000.0, 22.0)
    """
    from scipy.sparse.csgraph import dijkstra

    if not (budget_min > 0 and math.isfinite(budget_min)):
        raise PatrolError(f"budget_min must be positive; got {budget_min!r}")
    if not speed_kmh > 0:
        raise PatrolError(f"speed_kmh must be positive; got {speed_kmh!r}")
    if stop_min < 0:
        raise PatrolError(f"stop_min must be 0 or more; got {stop_min!r}")
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
                               budget_min, stop_min, max_stops)
        a = two_opt(dist, order)
        b = two_opt(dist, nearest_neighbour_order(dist, order))
        improved = min((a, b), key=lambda o: tour_length(dist, o))
        if tour_length(dist, improved) <= tour_length(dist, order):
            order = improved
        more = _greedy_insert(t, p_all, order, [i for i in pool if i not in order],
                              budget_min, stop_min, max_stops)
        if len(more) == len(order):
            order = more
            break
        order = more
    length = tour_length(dist, order)
    nn_length = tour_length(dist, nearest_neighbour_order(dist, order))
    seq = [0, *order, 0]
    legs = dist[seq[:-1], seq[1:]] / m_per_min
    arrival = np.cumsum(legs[:-1]) + stop_min * np.arange(len(order))
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
        length_m=round(length, 1), time_min=round(walk + stop_min * len(order), 2),
        nn_length_m=round(nn_length, 1), node_path=node_path, geometry=geometry,
        covered_priority=round(float(prio[[i - 1 for i in order]].sum()), 4),
        unreachable=unreachable,
        skipped=[i - 1 for i in pool if i not in chosen], budget_min=float(budget_min),
        walk_min=round(walk, 2), stop_min=float(stop_min))


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
