"""Benchmark: Getis-Ord Gi* z-scores, sjobo_geo.analysis.stats.gi_star against PySAL esda.

A 316 x 316 grid of 10 m cells (99,856 cells, SWEREF 99 TM-like coordinates) with Poisson
report counts and planted clusters; binary distance band of 25 m (21 cells, self included).
Target (issue "stats"): gi_star at least 100 times faster than esda, weights construction
included, and |z - esda z| <= 1e-6.

esda is timed as ``DistanceBand(points, d, binary=True)`` + ``G_Local(y, w, transform="B",
star=True, permutations=0).Zs``: the z-scores do not depend on the permutations, and esda's
999 default permutations would add a per-unit Python loop (numba is not installed here).
Because esda is slow at 100k cells it runs once there (``--esda-runs``) and at smaller sizes
(``--sizes``) as well, to show how it scales. gi_star's time is the median of ``--runs``.
Peak memory: tracemalloc peak of one gi_star call (NumPy buffers included) and the
process's maximum resident set size at the end.

    .venv/bin/python benchmarks/bench_gi_star.py [--runs 7] [--distance 25]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sjobo_geo import stats  # noqa: E402

CELL = 10.0


def grid_case(side: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Counts on a side x side grid with three planted clusters; points in row-major order."""
    rng = np.random.default_rng(seed)
    lam = np.full((side, side), 0.5)
    for r, c, k in ((0.2, 0.3, 4.0), (0.7, 0.6, 3.0), (0.5, 0.85, 5.0)):
        r0, c0 = int(r * side), int(c * side)
        lam[r0:r0 + max(3, side // 40), c0:c0 + max(3, side // 40)] = k
    counts = rng.poisson(lam).astype(float).ravel()
    xs, ys = np.meshgrid(370_000.0 + np.arange(side) * CELL,
                         6_400_000.0 + np.arange(side) * CELL)
    return counts, np.column_stack([xs.ravel(), ys.ravel()])


def time_esda(y: np.ndarray, pts: np.ndarray, distance: float) -> tuple[float, np.ndarray]:
    from esda.getisord import G_Local
    from libpysal.weights import DistanceBand

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        w = DistanceBand(pts, distance, binary=True, silence_warnings=True)
        z = G_Local(y, w, transform="B", star=True, permutations=0).Zs
        return time.perf_counter() - t0, z


def median_time(fn, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--esda-runs", type=int, default=1)
    parser.add_argument("--distance", type=float, default=25.0)
    parser.add_argument("--side", type=int, default=316)
    parser.add_argument("--sizes", default="100,158,224",
                        help="grid sides for the esda scaling runs (10k, 25k, 50k cells)")
    args = parser.parse_args()
    d = args.distance
    try:
        import numba  # noqa: F401

        has_numba = "yes"
    except ImportError:
        has_numba = "no"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}, scipy {version('scipy')}, "
          f"esda {version('esda')}, libpysal {version('libpysal')}, numba {has_numba}")
    print(f"distance band {d:g} m on {CELL:g} m cells (binary, self included)\n")

    y, pts = grid_case(args.side)
    n = y.size
    stats.gi_star(y, pts, d)  # warm-up (imports, page faults)
    t_grid, z = median_time(lambda: stats.gi_star(y, pts, d), args.runs)
    tracemalloc.start()
    stats.gi_star(y, pts, d)
    _, peak_gi = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t_tree, z_tree = median_time(lambda: stats.gi_star(y, pts, d, method="tree"), 3)
    t_perm, (_, p_sim) = median_time(
        lambda: stats.gi_star_permutation(y, pts, d, permutations=999, seed=0), 3)
    print(f"{args.side} x {args.side} grid, {n:,} cells, {int(y.sum()):,} reports")
    print(f"  gi_star (auto: lattice/convolution)  median {t_grid * 1000:8.1f} ms "
          f"({args.runs} runs), tracemalloc peak {peak_gi / 2**20:.1f} MiB")
    print(f"  gi_star (method='tree', cKDTree)     median {t_tree * 1000:8.1f} ms (3 runs)")
    print(f"  gi_star_permutation, 999 perms       median {t_perm * 1000:8.1f} ms (3 runs)")

    print("\nesda (DistanceBand + G_Local, permutations=0):")
    rows = []
    for side in [int(s) for s in args.sizes.split(",") if s]:
        ys, ps = grid_case(side, seed=side)
        t_e, z_e = time_esda(ys, ps, d)
        t_o, z_o = median_time(lambda ys=ys, ps=ps: stats.gi_star(ys, ps, d), args.runs)
        rows.append((side * side, t_e, t_o, float(np.nanmax(np.abs(z_o - z_e)))))
    esda_times = []
    z_e = None
    for _ in range(args.esda_runs):
        t_e, z_e = time_esda(y, pts, d)
        esda_times.append(t_e)
    t_esda = statistics.median(esda_times)
    rows.append((n, t_esda, t_grid, float(np.nanmax(np.abs(z - z_e)))))
    print(f"  {'cells':>8} {'esda s':>9} {'gi_star ms':>11} {'ratio':>8} {'max |dz|':>10}")
    for cells, t_e, t_o, dz in rows:
        print(f"  {cells:>8,} {t_e:>9.2f} {t_o * 1000:>11.1f} {t_e / t_o:>8.0f} {dz:>10.1e}")
    ratio = t_esda / t_grid
    print(f"\nat {n:,} cells: esda {t_esda:.2f} s ({args.esda_runs} run(s)) vs gi_star "
          f"{t_grid * 1000:.1f} ms -> {ratio:.0f} x faster (target >= 100 x): "
          f"{'OK' if ratio >= 100 else 'MISSED'}")
    print(f"max |z - esda z| = {np.nanmax(np.abs(z - z_e)):.2e} (target 1e-6); tree path "
          f"vs esda {np.nanmax(np.abs(z_tree - z_e)):.2e}; tree path {t_esda / t_tree:.0f} x")
    for name, p in (("normal p", None), ("permutation p, 999 perms", p_sim)):
        labels = stats.hotspot_classes(z, p)
        print(f"hot spot cells ({name}, FDR 5 %): "
              f"{np.char.startswith(labels, 'hot').sum()}, "
              f"cold: {np.char.startswith(labels, 'cold').sum()}")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (esda included): {peak_rss:.0f} MiB")


if __name__ == "__main__":
    main()
