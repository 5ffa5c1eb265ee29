"""Benchmark: `run_lighting_gaps` on the sample area, as the demo runs it.

Target (task "lighting-13"): the lighting-gaps job on the sample stays within 1.5× of its
time before the lamp-coverage, courtyard-table and proposal changes. The area model is loaded
first (not timed; ``bench_area.py`` times that); each run is the whole job in this process:
lamps, the model, proposals, facades, the GeoPackage, the CSVs and the offline map, with the
demo's synthetic reports (800, seed 2024). Prints every run, the median and the time of
each step of the median run.

To compare two versions in one session, run it with each on ``PYTHONPATH`` in turn, e.g. a
``git archive`` of the older commit unpacked in a temporary folder::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_lighting_gaps.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    import sjobo_geo
    from sjobo_geo import load_area
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.lighting import run_lighting_gaps
    from sjobo_geo.maps.offline import install_assets

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; sjobo_geo from {Path(sjobo_geo.__file__).parent}")
    install_assets()
    area = load_area("sample")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        reports = write_sample_reports(area, out / "sample_reports.csv", n=800, seed=2024)
        run_lighting_gaps(area, out=out / "warm", reports=reports, offline_html=True)  # imports
        walls, steps = [], []
        for i in range(args.runs):
            t0 = time.perf_counter()
            result = run_lighting_gaps(area, out=out / f"run{i}", reports=reports,
                                       offline_html=True)
            walls.append(time.perf_counter() - t0)
            steps.append(result.timings)
            print(f"run {i + 1}: {walls[-1]:.2f} s")
    med = statistics.median(walls)
    at = min(range(len(walls)), key=lambda i: abs(walls[i] - med))
    print(f"median {med:.2f} s over {args.runs} runs (min {min(walls):.2f}, max "
          f"{max(walls):.2f})")
    print("steps of the median run: " + ", ".join(f"{k} {v:.2f} s"
                                                   for k, v in steps[at].items()))


if __name__ == "__main__":
    main()
