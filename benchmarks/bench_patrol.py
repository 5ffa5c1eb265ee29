"""Benchmark: patrol route planning (sjobo_geo.analysis.patrol.plan_route) on a town-size network.

A perturbed street grid of ``--side`` x ``--side`` nodes (default 164: 26,896 nodes, about
51,000 street segments = 103,000 directed edges of an osmnx-like MultiDiGraph, 60 m blocks,
about 9.8 km across) with about 4 % of the segments removed, and 50 candidate stops with
random priorities. Target (issue "patrol"): 50 candidates planned in under 5 s, the
conversion of the networkx graph to a sparse matrix included.

Three cases, each timed as the median of ``--runs``:

* ``all``: a budget large enough to visit every stop (jitter 0), so the tour can be compared
  with the nearest-neighbour tour over the same 50 stops;
* ``shift``: a 120-minute shift with 12-minute stops and at most 5 stops (as run_patrol);
* ``long``: an 8-hour shift, no cap on the stops (the budget decides).

Optimality gap, on ``--instances`` random instances (stops, priorities and start drawn
anew; jitter 0 so that the optimum is defined): collected priority and tour length of
our search against

* an exact optimum for ``shift`` (branch and bound over the subsets of at most 5 stops in
  order of priority, each subset's shortest tour by Held-Karp; with and without the rule
  that the top stop that fits is always visited);
* a lower bound for ``all`` (the minimum spanning tree of the start and the stops: no
  tour is shorter);
* OR-Tools' routing solver (prize-collecting: a drop penalty per stop of its priority,
  time and stop-count dimensions, guided local search for ``--ortools-seconds``) for all
  three, when ``ortools`` is importable; it is not a dependency of sjobo-geo.

    .venv/bin/python benchmarks/bench_patrol.py [--runs 5] [--side 164] [--stops 50]
        [--instances 3] [--ortools-seconds 3]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sjobo_geo.analysis.patrol import (  # noqa: E402
    RouteGraph,
    best_order,
    plan_route,
    tour_length,
)

CASES = {
    "all": {"budget_min": 1e6, "stop_min": 12, "max_stops": None},
    "shift": {"budget_min": 120, "stop_min": 12, "max_stops": 5},
    "long": {"budget_min": 480, "stop_min": 12, "max_stops": None},
}


def town_graph(side: int, spacing: float = 60.0, seed: int = 0):
    """A perturbed grid as an osmnx-like MultiDiGraph (both directions, length in metres)."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    x = 370_000 + ii * spacing + rng.uniform(-0.2, 0.2, ii.size) * spacing
    y = 6_400_000 + jj * spacing + rng.uniform(-0.2, 0.2, ii.size) * spacing
    node = ii * side + jj
    a = np.concatenate([node[ii < side - 1], node[jj < side - 1]])
    b = np.concatenate([node[ii < side - 1] + side, node[jj < side - 1] + 1])
    keep = rng.random(a.size) > 0.04
    a, b = a[keep], b[keep]
    length = np.hypot(x[a] - x[b], y[a] - y[b]) * rng.uniform(1.0, 1.15, a.size)
    g = nx.MultiDiGraph()
    g.add_nodes_from((int(n), {"x": float(xx), "y": float(yy)}) for n, xx, yy in zip(node, x, y,
                                                                                  strict=True))
    g.add_edges_from((int(u), int(v), {"length": float(d)}) for u, v, d in zip(a, b, length,
                                                                            strict=True))
    g.add_edges_from((int(v), int(u), {"length": float(d)}) for u, v, d in zip(a, b, length,
                                                                            strict=True))
    return g


def exact_capped(t: np.ndarray, prio: np.ndarray, budget: float, stop_min: float,
                 max_stops: int, must: int | None = None) -> tuple[float, float]:
    """Most priority within the budget and ``max_stops`` stops, ties the shortest walk:
    (priority, walk minutes). Branch and bound over subsets in order of priority; a subset
    that does not fit has no superset that fits (shortest walks obey the triangle
    inequality), and a branch ends when even its best remaining stops cannot beat the best
    found. ``must``: a stop (0-based) every subset contains."""
    ids = sorted((i for i in range(1, len(prio) + 1) if i - 1 != must),
                 key=lambda i: (-prio[i - 1], i))
    p = prio[np.array(ids) - 1] if ids else np.zeros(0)
    best = [-1.0, np.inf]

    def walk(stops: list[int]) -> float:
        return tour_length(t, best_order(t, stops))

    def visit(pos: int, stops: list[int], total: float) -> None:
        w = walk(stops)
        key = (round(total, 9), -round(w, 6))
        if key > (round(best[0], 9), -round(best[1], 6)):
            best[:] = [total, w]
        room = max_stops - len(stops)
        for q in range(pos, len(ids)):
            if room <= 0 or total + p[q:q + room].sum() < best[0] - 1e-12:
                break
            new = [*stops, ids[q]]
            if walk(new) + stop_min * len(new) <= budget + 1e-9:
                visit(q + 1, new, total + p[q])

    first = [] if must is None else [must + 1]
    if not first or walk(first) + stop_min <= budget + 1e-9:
        visit(0, first, float(prio[must]) if first else 0.0)
    return best[0], best[1]


def mst_bound(t: np.ndarray) -> float:
    """Length of the minimum spanning tree of the start and the stops: no closed tour over
    them is shorter (drop one edge of the tour and it is a spanning tree)."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    return float(minimum_spanning_tree(np.where(np.isfinite(t), t, 0)).sum())


def ortools_route(t: np.ndarray, prio: np.ndarray, budget: float, stop_min: float,
                  max_stops: int | None, seconds: float) -> list[int] | None:
    """OR-Tools' routing solver on the same matrix: dropping a stop costs its priority
    (scaled far above any walk, so priority comes first), walking costs seconds; a time
    dimension holds the budget (stops included), a count dimension the cap. None when
    OR-Tools is not importable."""
    try:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    except ImportError:
        return None
    m = len(prio)
    sec = np.rint(np.where(np.isfinite(t), t, 1e6) * 60).astype(np.int64)
    service = int(round(stop_min * 60))
    manager = pywrapcp.RoutingIndexManager(m + 1, 1, 0)
    model = pywrapcp.RoutingModel(manager)

    def cost(i: int, j: int) -> int:
        return int(sec[manager.IndexToNode(i), manager.IndexToNode(j)])

    def time_cost(i: int, j: int) -> int:
        a = manager.IndexToNode(i)
        return int(sec[a, manager.IndexToNode(j)]) + (service if a else 0)

    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitCallback(cost))
    horizon = int(min(budget, 1e5) * 60)
    model.AddDimension(model.RegisterTransitCallback(time_cost), 0, horizon, True, "time")
    if max_stops is not None:
        count = model.RegisterUnaryTransitCallback(
            lambda i: 0 if manager.IndexToNode(i) == 0 else 1)
        model.AddDimensionWithVehicleCapacity(count, 0, [max_stops], True, "count")
    unit = int(sec.max()) * (m + 1) + 1  # a priority of 0.0001 outweighs any walk
    for node in range(1, m + 1):
        model.AddDisjunction([manager.NodeToIndex(node)],
                             int(round(float(prio[node - 1]) * 1e4)) * unit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = \
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = \
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = model.SolveWithParameters(params)
    if solution is None:
        return []
    order, i = [], solution.Value(model.NextVar(model.Start(0)))
    while not model.IsEnd(i):
        order.append(manager.IndexToNode(i))
        i = solution.Value(model.NextVar(i))
    return order


def _pct(a: float, b: float) -> str:
    return f"{100 * (a / b - 1):+.1f} %" if b else "n/a"


def gaps(rg: RouteGraph, main_nodes: np.ndarray, n_stops: int, instances: int,
         ortools_seconds: float) -> None:
    """Print the optimality gap of our search per case and instance (jitter 0)."""
    for k in range(instances):
        rng = np.random.default_rng(100 + k)
        stops = [int(n) for n in rng.choice(main_nodes, n_stops, replace=False)]
        prio = rng.uniform(0.1, 1.0, n_stops)
        start = int(rng.choice(main_nodes))
        for name, kw in CASES.items():
            t0 = time.perf_counter()
            plan = plan_route(rg, start, stops, speed_kmh=5.0, priorities=prio, jitter=0.0,
                              **kw)
            took = time.perf_counter() - t0
            t = plan.minutes
            got_p = float(prio[plan.order].sum())
            order = [i + 1 for i in plan.order]
            got_w = tour_length(t, order)
            parts = [f"ours {len(order)} stops, priority {got_p:.3f}, walk {got_w:.1f} min "
                     f"({took:.2f} s)"]
            if name == "shift":
                free_p, free_w = exact_capped(t, prio, kw["budget_min"], kw["stop_min"],
                                              kw["max_stops"])
                top_p, top_w = (free_p, free_w) if plan.first is None else exact_capped(
                    t, prio, kw["budget_min"], kw["stop_min"], kw["max_stops"],
                    must=plan.first)
                # the rule: the top stop in unless that costs more than top_cost (25 %)
                kept = plan.first is None or top_p >= (1 - plan.top_cost) * free_p - 1e-12
                opt_p, opt_w = (top_p, top_w) if kept else (free_p, free_w)
                same = tour_length(t, best_order(t, order))
                ours_in = "in" if plan.first_kept else "out"
                parts.append(f"exact optimum {opt_p:.3f}, walk {opt_w:.1f} min (top stop "
                             f"{'in' if kept else 'out'}; ours: {ours_in}) -> gap priority "
                             f"{_pct(got_p, opt_p)}, walk {_pct(got_w, opt_w)}; "
                             f"exact without the top-stop rule {free_p:.3f}; walk for our "
                             f"stops vs their shortest {_pct(got_w, same)}")
            if name == "all":
                bound = mst_bound(t)
                parts.append(f"gap to the shortest tour at most {_pct(got_w, bound)} "
                             f"(minimum spanning tree: {bound:.1f} min)")
            ort = ortools_route(t, prio, kw["budget_min"], kw["stop_min"], kw["max_stops"],
                                ortools_seconds) if ortools_seconds > 0 else None
            if ort is None:
                parts.append("OR-Tools: not installed (pip install ortools), not compared")
            else:
                o_p = float(prio[[i - 1 for i in ort]].sum())
                o_w = tour_length(t, ort)
                parts.append(f"OR-Tools ({ortools_seconds:g} s): {len(ort)} stops, priority "
                             f"{o_p:.3f}, walk {o_w:.1f} min -> ours: priority "
                             f"{_pct(got_p, o_p)}, walk {_pct(got_w, o_w)}")
            print(f"  gap [{name}] instance {k}: " + "; ".join(parts))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--side", type=int, default=164)
    ap.add_argument("--stops", type=int, default=50)
    ap.add_argument("--instances", type=int, default=3,
                    help="instances for the optimality gap (0: none)")
    ap.add_argument("--ortools-seconds", type=float, default=3.0,
                    help="OR-Tools' search time per instance (0: not compared)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    g = town_graph(args.side)
    build = time.perf_counter() - t0
    rg = RouteGraph.from_graph(g)
    main_nodes = rg.nodes[rg.component]
    rng = np.random.default_rng(1)
    stops = [int(n) for n in rng.choice(main_nodes, args.stops, replace=False)]
    prio = rng.uniform(0.1, 1.0, args.stops)
    start = int(main_nodes[len(main_nodes) // 2])
    print(f"python {platform.python_version()}, {platform.machine()}")
    print(f"network: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} directed edges "
          f"({g.number_of_edges() // 2:,} street segments), built in {build:.1f} s; "
          f"main component {rg.component.sum():,} nodes")

    cases = {"all": {**CASES["all"], "jitter": 0.0}, "shift": CASES["shift"],
             "long": CASES["long"]}
    for name, kw in cases.items():
        times, plan = [], None
        conv = []
        for _ in range(args.runs):
            t = time.perf_counter()
            rgi = RouteGraph.from_graph(g)
            conv.append(time.perf_counter() - t)
            plan = plan_route(rgi, start, stops, speed_kmh=5.0, priorities=prio, seed=0, **kw)
            times.append(time.perf_counter() - t)
        assert plan is not None
        med = statistics.median(times)
        print(f"[{name}] {args.stops} candidates: median {med:.2f} s over {args.runs} runs "
              f"(graph -> matrix {statistics.median(conv):.2f} s) -> {len(plan.order)} stops, "
              f"tour {plan.length_m / 1000:.2f} km vs nearest neighbour "
              f"{plan.nn_length_m / 1000:.2f} km "
              f"({100 * (plan.length_m / plan.nn_length_m - 1):+.1f} %), "
              f"{plan.time_min:.0f} of {kw['budget_min']:g} min; "
              f"target < 5 s: {'PASS' if med < 5 else 'FAIL'}")
    if args.instances:
        print(f"optimality gap on {args.instances} instances (jitter 0; + means ours is "
              "more/longer):")
        gaps(rg, main_nodes, args.stops, args.instances, args.ortools_seconds)


if __name__ == "__main__":
    main()
