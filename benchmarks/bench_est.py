"""Benchmark: the EST weekly page from a year of weekly data (7 actors' exports).

Target (issue "EST weekly picture"): a year of weekly data (50,000 incidents, 7 actors) gives
the weekly page in under 10 s on a 2-core machine. The data are SYNTHETIC EST incidents
(``generate_reports(..., est_share=1.0)``, 52 weeks, fixed seed) split into one CSV per actor;
generating them is setup and not timed. Two cases, each the median of ``--runs``:

* ``library``: ``run_est_week([7 files], area, out=..., offline_html=True)`` with the area
  already loaded (as in a notebook); peak memory of the call by tracemalloc, in one extra
  run that is not timed (tracemalloc slows Python down);
* ``command``: ``sjobo-geo est-week --reports f1 ... f7 --out ... --offline-html`` in a
  fresh process (imports included); peak resident memory of the child process. Timed twice:
  *cold*, the area model built from the OSM sample in every run (``SJOBO_GEO_AREA_CACHE=0``),
  and *warm*, the model kept from an earlier run (the default on a weekly rerun).

Then the time of each step (the progress callback) of one library run.

    .venv/bin/python benchmarks/bench_est.py [--runs 5] [--n 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fresh import AREA_CASES, area_case_env, time_command  # noqa: E402

TARGET_S = 10.0
WEEKS = 52
START = "2024-01-01"



def make_files(area, folder: Path, n: int, seed: int = 11) -> list[Path]:
    """SYNTHETIC EST incidents over a year, one CSV per actor."""
    from sjobo_geo.inputs.reports.synthetic import generate_reports

    table = generate_reports(area, n, seed=seed, start=START, weeks=WEEKS, est_share=1.0)
    files = []
    for i, (_actor, part) in enumerate(table.groupby("Aktör", sort=True)):
        path = folder / f"est_actor_{i + 1}.csv"
        part.to_csv(path, index=False, encoding="utf-8")
        files.append(path)
    return files


def summary(name: str, times: list[float], peak: str) -> None:
    med = statistics.median(times)
    print(f"[{name}] median {med:.2f} s (min {min(times):.2f}, max {max(times):.2f}) over "
          f"{len(times)} runs; ratio to the {TARGET_S:g} s target {med / TARGET_S:.2f} "
          f"({'PASS' if med < TARGET_S else 'FAIL'}); {peak}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=50_000, help="incidents (50,000)")
    args = ap.parse_args(argv)

    from sjobo_geo import load_area
    from sjobo_geo.jobs.est import run_est_week

    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        area = load_area("sample")
        _ = area.gazetteer
        t_area = time.perf_counter() - t
        t = time.perf_counter()
        files = make_files(area, folder, args.n)
        t_make = time.perf_counter() - t
        sizes = sum(f.stat().st_size for f in files)
        print(f"setup (not timed): sample area loaded in {t_area:.1f} s; {args.n:,} SYNTHETIC "
              f"EST incidents over {WEEKS} weeks from {START} in {len(files)} actor files "
              f"({sizes / 1e6:.1f} MB) made in {t_make:.1f} s")

        # (a) library: the area already loaded
        run_est_week(files, area, out=folder / "warm", offline_html=True)  # warm caches
        times, result = [], None
        for r in range(args.runs):
            t = time.perf_counter()
            result = run_est_week(files, area, out=folder / f"lib{r}", offline_html=True)
            times.append(time.perf_counter() - t)
        assert result is not None
        # memory in one more run: tracemalloc slows the run down, so it is not timed
        tracemalloc.start()
        run_est_week(files, area, out=folder / "mem", offline_html=True)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(result.messages[0])
        summary("library run_est_week, area loaded", times,
                f"peak memory of the call (tracemalloc, separate run) {peak:.0f} MB, "
                f"process peak resident {rss:.0f} MB (area included)")

        # (b) the command in a fresh process, loading the OSM sample included
        cmd = [sys.executable, "-m", "sjobo_geo.cli", "--no-progress", "est-week",
               "--reports", *map(str, files), "--area", "sample", "--out",
               str(folder / "cli"), "--offline-html"]
        for case in AREA_CASES:
            walls, rss = time_command(cmd, args.runs, area_case_env(case, folder / "kept"))
            summary(f"command sjobo-geo est-week, fresh process, {case}", walls,
                    f"peak resident memory {max(rss):.0f} MB")
        html = folder / "cli" / "est_week.html"
        print(f"  est_week.html {html.stat().st_size / 1e6:.1f} MB")

        # step times of one library run
        marks: list[tuple[str, float]] = []
        t0 = time.perf_counter()
        run_est_week(files, area, out=folder / "steps", offline_html=True,
                     progress=lambda s: marks.append((s, time.perf_counter())))
        end = time.perf_counter()
        steps = {s: round(b - a, 2) for (s, a), (_, b) in
                 zip(marks, [*marks[1:], ("end", end)], strict=True)}
        print(f"  steps of one library run (total {end - t0:.2f} s): {json.dumps(steps)}")


if __name__ == "__main__":
    main()
