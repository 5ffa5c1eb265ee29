"""Benchmark: sjobo_geo.analysis.stats.kde, binned/FFT against the exact kernel sum.

Report-like points (clusters around a few places plus a uniform background) in a
3 km x 3 km district, 10 m cells (300 x 300 grid). For each case: median time of the exact
evaluation (--exact-runs) and of the binned/FFT evaluation (--runs), the FFT error as a share
of the surface's peak (target <= 1 %), the largest relative error in cells above 10 % of the
peak, and the mass ``sum(grid) * cell**2 / sum(w)``. Peak memory: tracemalloc peak of one
call of each method (NumPy buffers included) and the process's maximum resident set size.

    .venv/bin/python benchmarks/bench_kde.py [--runs 7] [--exact-runs 3] [--points 20000]
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
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sjobo_geo import stats  # noqa: E402

CELL = 10.0
X0, Y0 = 370_000.0, 6_400_000.0
BOUNDS = (X0, Y0, X0 + 3000.0, Y0 + 3000.0)


def points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform([X0 + 300, Y0 + 300], [X0 + 2700, Y0 + 2700], (8, 2))
    k = int(n * 0.8)
    which = rng.integers(0, 8, k)
    clustered = centres[which] + rng.normal(0, rng.uniform(30, 200, 8)[which, None], (k, 2))
    background = rng.uniform([X0, Y0], [X0 + 3000, Y0 + 3000], (n - k, 2))
    pts = np.vstack([clustered, background])
    w = rng.integers(1, 4, n).astype(float)  # e.g. severity weights
    return pts, w


def timed(fn, runs: int):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def peak_mib(fn) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--exact-runs", type=int, default=3)
    parser.add_argument("--points", type=int, default=20_000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}, scipy {version('scipy')}")
    pts, w = points(args.points)
    nrows, ncols = stats.grid_shape(BOUNDS, CELL)
    print(f"{args.points:,} points (weights 1-3), {nrows} x {ncols} grid of {CELL:g} m cells\n")
    print(f"{'kernel':>9} {'h/R m':>6} {'exact ms':>9} {'fft ms':>8} {'speed-up':>8} "
          f"{'err/peak':>9} {'rel>10%':>8} {'mass':>7} {'auto':>6} {'MiB ex/fft':>11}")
    for kernel, bw in (("gaussian", 50.0), ("gaussian", 100.0), ("gaussian", 200.0),
                       ("quartic", 150.0), ("quartic", 300.0)):
        def run(method, kernel=kernel, bw=bw):
            return stats.kde(pts, w, bw, CELL, BOUNDS, kernel=kernel, method=method)

        run("fft")  # warm-up
        t_ex, exact = timed(lambda: run("exact"), args.exact_runs)
        t_fft, fast = timed(lambda: run("fft"), args.runs)
        err = np.abs(fast - exact).max() / exact.max()
        busy = exact > 0.1 * exact.max()
        rel = (np.abs(fast - exact)[busy] / exact[busy]).max()
        mass = fast.sum() * CELL * CELL / w.sum()
        auto = stats._kde_auto_method(len(pts), bw, CELL, nrows, ncols, kernel)
        mem = f"{peak_mib(lambda: run('exact')):.0f}/{peak_mib(lambda: run('fft')):.0f}"
        print(f"{kernel:>9} {bw:>6g} {t_ex * 1000:>9.1f} {t_fft * 1000:>8.1f} "
              f"{t_ex / t_fft:>8.1f} {err:>9.2%} {rel:>8.2%} {mass:>7.4f} {auto:>6} "
              f"{mem:>11}")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak RSS: {peak_rss:.0f} MiB")
    print("err/peak: max |fft - exact| / max(exact); rel>10%: max relative error where the "
          "exact density is above 10 % of its peak; mass: sum(fft) * cell^2 / sum(w) "
          "(< 1 where kernels cross the grid edge)")


if __name__ == "__main__":
    main()
