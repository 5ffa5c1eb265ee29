"""Benchmark: read, validate and snap 1,000,000 CSV report rows with coordinates.

Target (issue "Unsafe-place reports"): at least 200,000 rows/s and under 2 GB peak memory on
a 2-core machine. The CSV (comma-separated UTF-8 with Swedish headers, WGS84 coordinates,
timestamps, categories, sources, weights and short free texts; about 2 % bad rows of several
kinds) is generated once with a fixed seed. Each run is a fresh process; the area model is
loaded before the clock starts. Prints the median time, rows/s, peak memory and the ratio to
the target.

    .venv/bin/python benchmarks/bench_reports.py [--rows 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_ROWS_PER_S = 200_000
TARGET_MB = 2048

CHILD = r"""
import json, resource, sys, time
from sjobo_geo import load_area
from sjobo_geo.inputs.reports.validate import load_reports
area = load_area("sample")
_ = area.gazetteer
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
rs = load_reports(sys.argv[1], area)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "total": rs.total, "accepted": rs.accepted,
                  "rejected": rs.rejected,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "area_mb": before / 1024}))
"""


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    import numpy as np
    import pandas as pd

    from sjobo_geo.core.profiles import load_profile
    from sjobo_geo.inputs.reports.schema import CATEGORIES, SOURCES

    rng = np.random.default_rng(seed)
    s, w, n, e = load_profile("sample").bbox
    cats = np.array([c.sv for c in CATEGORIES.values()])
    srcs = np.array([v[0] for k, v in SOURCES.items() if k != "unknown"])
    start = np.datetime64("2024-01-01T00:00")
    minutes = rng.integers(0, 365 * 24 * 60, rows)
    df = pd.DataFrame({
        "Löpnummer": np.char.add("R", np.arange(rows).astype(str)),
        "Källa": srcs[rng.integers(0, len(srcs), rows)],
        "Kategori": cats[rng.integers(0, len(cats), rows)],
        "Tidpunkt": pd.Series(start + minutes.astype("timedelta64[m]")).dt.strftime(
            "%Y-%m-%d %H:%M"),
        "Latitud": np.round(rng.uniform(s, n, rows), 6).astype(str),
        "Longitud": np.round(rng.uniform(w, e, rows), 6).astype(str),
        "Plats": "",
        "Fritext": np.where(rng.random(rows) < 0.3, "mörkt och otryggt", ""),
        "Vikt": "1",
    })
    bad = rng.random(rows) < 0.02
    kinds = rng.integers(0, 4, rows)
    df.loc[bad & (kinds == 0), "Kategori"] = "UFO"
    df.loc[bad & (kinds == 1), "Tidpunkt"] = "igår"
    df.loc[bad & (kinds == 2), "Latitud"] = "NaN"
    df.loc[bad & (kinds == 3), "Vikt"] = "-1"
    df.to_csv(path, index=False, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.gettempdir()) / "sjobo-geo-bench"
    folder.mkdir(exist_ok=True)
    csv = folder / f"reports_{args.rows}.csv"
    if not csv.exists():
        make_csv(csv, args.rows)
    runs = []
    for _ in range(args.runs):
        res = subprocess.run([sys.executable, "-c", CHILD, str(csv)], capture_output=True,
                             text=True, check=True)
        runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    median = statistics.median(r["seconds"] for r in runs)
    peak = max(r["peak_mb"] for r in runs)
    rate = args.rows / median
    last = runs[-1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    print(f"read + validate + snap {args.rows:,} CSV rows ({csv.stat().st_size / 1e6:.0f} MB), "
          f"{args.runs} runs: accepted {last['accepted']:,}, rejected {last['rejected']:,}")
    print(f"  median {median:.2f} s = {rate:,.0f} rows/s; ratio to the 200,000 rows/s target "
          f"{rate / TARGET_ROWS_PER_S:.2f}")
    print(f"  peak memory {peak:.0f} MB (area model alone {last['area_mb']:.0f} MB); ratio to "
          f"the 2 GB target {peak / TARGET_MB:.2f}")


if __name__ == "__main__":
    main()
