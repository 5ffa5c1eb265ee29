"""Benchmark: patrol route planning (sjobo_geo.analysis.patrol.plan_route) on a town-size network.

A perturbed street grid of ``--side`` x ``--side`` nodes (default 164: 26,896 nodes, about
51,000 street segments = 103,000 directed edges of an osmnx-like MultiDiGraph, 60 m blocks,
about 9.8 km across) with about 4 % of the segments removed, and 50 candidate stops with
random priorities. Target (issue "patrol"): 50 candidates planned in under 5 s, the
conversion of the networkx graph to a sparse matrix included.

Two cases, each timed as the median of ``--runs``:

* ``all``: a budget large enough to visit every stop (jitter 0), so the tour can be compared
  with the nearest-neighbour tour over the same 50 stops;
* ``shift``: a 120-minute shift with 12-minute stops and at most 5 stops (as run_patrol).

    .venv/bin/python benchmarks/bench_patrol.py [--runs 5] [--side 164] [--stops 50]
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

from sjobo_geo.analysis.patrol import RouteGraph, plan_route  # noqa: E402


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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--side", type=int, default=164)
    ap.add_argument("--stops", type=int, default=50)
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

    cases = {
        "all": {"budget_min": 1e6, "stop_min": 12, "jitter": 0.0},
        "shift": {"budget_min": 120, "stop_min": 12, "max_stops": 5},
    }
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


if __name__ == "__main__":
    main()
