"""Benchmark: `sjobo-geo area --area sample` (load, build the model, write both files).

Target (issue "Foundation"): under 10 s wall and 1.5 GB peak memory on a 2-core machine.
Each run is a fresh process, as a user would run it, so imports are included. Two cases:
*cold*, the model built from the OSM file every time (``SJOBO_GEO_AREA_CACHE=0``), and
*warm*, the model kept from an earlier run. Prints the median wall time, the peak resident
memory and their ratio to the target; then the time of each step inside one process.

    .venv/bin/python benchmarks/bench_area.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fresh import AREA_CASES, area_case_env, time_command  # noqa: E402

TARGET_S = 10.0
TARGET_MB = 1536.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "sjobo_geo.cli", "--no-progress"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    with tempfile.TemporaryDirectory() as out:
        cmd = [*cli, "area", "--area", "sample", "--out", out, "--offline-html"]
        # cold: the model built from the OSM file in every run (the target's case); warm: the
        # model kept by an earlier run (sjobo_geo.settings.area_cache)
        for case in AREA_CASES:
            walls, peaks = time_command(cmd, args.runs, area_case_env(case, Path(out, ".kept")))
            median = statistics.median(walls)
            peak = max(peaks)
            print(f"sjobo-geo area --area sample --offline-html ({case}): {args.runs} runs")
            print(f"  median wall {median:.2f} s (min {min(walls):.2f}, max {max(walls):.2f}); "
                  f"ratio to the 10 s target {median / TARGET_S:.2f}")
            print(f"  peak memory {peak:.0f} MB; ratio to the 1.5 GB target "
                  f"{peak / TARGET_MB:.2f}")
        sizes = {f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out))
                 if not f.startswith(".")}
    print("  files: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))
    _steps()


def _steps() -> None:
    """Time each step once in this process (imports excluded)."""
    t0 = time.perf_counter()
    from sjobo_geo.core.area import build_area
    from sjobo_geo.core.osm import fetch_osm
    from sjobo_geo.core.profiles import load_profile
    from sjobo_geo.maps.base import area_map
    from sjobo_geo.maps.offline import save_map

    steps = {"imports": time.perf_counter() - t0}
    profile = load_profile("sample")
    t = time.perf_counter()
    osm = fetch_osm(profile)
    steps["read OSM (pyosmium)"] = time.perf_counter() - t
    t = time.perf_counter()
    area = build_area(osm, profile)
    steps["build model (incl. courtyards)"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        area.to_gpkg(os.path.join(out, "area.gpkg"))
        steps["write GeoPackage"] = time.perf_counter() - t
        t = time.perf_counter()
        save_map(area_map(area, tiles=False), os.path.join(out, "m.html"), offline=True)
        steps["write offline map"] = time.perf_counter() - t
    print("  steps in one process: " + json.dumps({k: round(v, 2) for k, v in steps.items()}))


if __name__ == "__main__":
    main()
