"""Benchmark: hot spots of 300,000 and 1,000,000 reports against the PySAL recipe.

Target (issue "Faster than what a GIS user would write"): at 1,000,000 reports our hot spot
analysis costs at most 1.5 times the CPU of the recipe a GIS user would write with PySAL,
while doing more (street segments, density regions, priority scores, time profiles,
emerging hot spots, a map with popups).

The reports are SYNTHETIC (:func:`sjobo_geo.inputs.reports.synthetic.generate_reports` on the
sample area, fixed seed), written as CSV and validated once
(:func:`~sjobo_geo.inputs.reports.validate.load_reports`: parsed and snapped to the paths),
and kept as a GeoParquet file of the validated reports; this setup is not timed and is
reused by later runs (``--data``). Then, for each size, ``--runs`` pairs of fresh processes,
alternating (ours, peer, ours, peer, ...), each timed by its CPU seconds, user + sys of the
whole process (``RUSAGE_CHILDREN``: interpreter start, imports, reading the points included,
as ``/usr/bin/time`` would count them):

(a) **ours**: ``load_area("sample")`` with the area model kept from an earlier run (the
    setup run keeps it), read the validated reports (the columns the analysis uses:
    category, weight, time, darkness, synthetic flag, the path validation snapped each
    report onto, the point), ``analyse_hotspots(area, reports)``
    (grid cells of the default size, street segments, density regions, scores, profiles,
    emerging hot spots) and ``hotspots_map(analysis, area)``, rendered to HTML;
(b) **peer**: read the area outline and the same points (geometry column only), a 100 m
    fishnet over the area (cells aligned to 100 m that touch the outline),
    ``geopandas.sjoin(points, fishnet, predicate="within")`` counts,
    ``libpysal.weights.Queen.from_dataframe``, ``esda.G_Local(counts, w, star=True,
    permutations=0)`` and ``GeoDataFrame.explore(column="z")``, rendered to HTML.

Each child also prints the CPU seconds of its analysis alone (after the imports and the
reading), reported as "work". Prints the medians, the ratio ours / peer, the machine and
``uptime`` (the machine may be shared: CPU seconds are steadier than wall time under load,
not immune to it).

``GeoDataFrame.explore`` needs matplotlib and mapclassify (``pip install mapclassify``); it
is not a dependency of sjobo-geo.

    .venv/bin/python benchmarks/bench_hotspots.py [--sizes 300000 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fresh import AREA_CASES, area_case_env  # noqa: E402

TARGET_RATIO = 1.5
SEED = 17

OURS = r"""
import json, sys, time
import geopandas as gpd
from sjobo_geo import load_area
from sjobo_geo.analysis.hotspots import analyse_hotspots
from sjobo_geo.maps.hotspots import hotspots_map
COLUMNS = ["category", "weight", "after_dark", "time_band", "hour", "weekday", "timestamp",
           "synthetic", "snapped_to", "snap_path", "geometry"]
area = load_area("sample")
reports = gpd.read_parquet(sys.argv[1], columns=COLUMNS)
t0 = time.process_time()
analysis = analyse_hotspots(area, reports)
html = hotspots_map(analysis, area).get_root().render()
work = time.process_time() - t0
s = analysis.summary()
print(json.dumps({"work": work, "units": s["grid_cells"] + s["segments"],
                  "cell_size": analysis.cell_size, "html_mb": len(html) / 1e6}))
"""

PEER = r"""
import json, sys, time, warnings
import geopandas as gpd
import numpy as np
import shapely
import esda
import libpysal
outline = gpd.read_file(sys.argv[2])
points = gpd.read_parquet(sys.argv[1], columns=["geometry"])
t0 = time.process_time()
cs = 100.0
xmin, ymin, xmax, ymax = outline.total_bounds
xs = np.arange(np.floor(xmin / cs) * cs, xmax, cs)
ys = np.arange(np.floor(ymin / cs) * cs, ymax, cs)
x, y = (a.ravel() for a in np.meshgrid(xs, ys))
fishnet = gpd.GeoDataFrame(geometry=shapely.box(x, y, x + cs, y + cs), crs=outline.crs)
fishnet = fishnet[fishnet.intersects(outline.union_all())].reset_index(drop=True)
joined = gpd.sjoin(points, fishnet, predicate="within")
fishnet["n"] = joined.groupby("index_right").size().reindex(fishnet.index, fill_value=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    w = libpysal.weights.Queen.from_dataframe(fishnet, use_index=False)
    fishnet["z"] = esda.G_Local(fishnet["n"].astype(float), w, star=True, permutations=0).Zs
html = fishnet.explore(column="z").get_root().render()
work = time.process_time() - t0
print(json.dumps({"work": work, "units": len(fishnet), "cell_size": cs,
                  "html_mb": len(html) / 1e6}))
"""


def make_data(folder: Path, n: int) -> tuple[Path, Path]:
    """SYNTHETIC validated reports (GeoParquet) and the area outline (GeoJSON), made once."""
    parquet = folder / f"reports_{n}_seed{SEED}.parquet"
    outline = folder / "sample_outline.geojson"
    if parquet.exists() and outline.exists():
        return parquet, outline
    import geopandas as gpd

    from sjobo_geo import load_area
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.inputs.reports.validate import load_reports

    area = load_area("sample")
    t = time.perf_counter()
    csv = write_sample_reports(area, folder / f"reports_{n}.csv", n=n, seed=SEED)
    rs = load_reports(csv, area)
    # free text is not read by either side; the file stays smaller without it
    rs.reports.drop(columns=["text"]).to_parquet(parquet)
    csv.unlink()
    gpd.GeoDataFrame(geometry=[area.boundary], crs=area.crs).to_file(outline)
    print(f"setup (not timed): {n:,} SYNTHETIC reports generated and validated "
          f"({rs.accepted:,} accepted) in {time.perf_counter() - t:.0f} s")
    return parquet, outline


def cpu_of(code: str, args: list[str], env: dict[str, str]) -> dict[str, float]:
    """CPU seconds (user + sys) of a fresh process running ``code``, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode:
        sys.exit(res.stderr)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out


def runs_text(runs: list[dict[str, float]]) -> str:
    return ", ".join(f"{r['cpu']:.2f}" for r in runs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[300_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", type=Path,
                    default=Path(tempfile.gettempdir()) / "sjobo-geo-bench",
                    help="folder of the generated reports (kept for later runs)")
    args = ap.parse_args(argv)
    import importlib.util

    missing = [m for m in ("esda", "libpysal", "mapclassify", "matplotlib")
               if importlib.util.find_spec(m) is None]
    if missing:  # the peer recipe's libraries, not sjobo-geo's
        sys.exit(f"the PySAL recipe needs {', '.join(missing)}: pip install "
                 f"{' '.join(missing)}")
    args.data.mkdir(parents=True, exist_ok=True)
    env = area_case_env(AREA_CASES[1], args.data / "kept_areas")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.platform()}")
    for n in args.sizes:
        parquet, outline = make_data(args.data, n)
        files = [str(parquet), str(outline)]
        # untimed: keeps the area model, warms the file cache and the imports' bytecode
        cpu_of(OURS, files, env)
        cpu_of(PEER, files, env)
        ours, peer = [], []
        for _ in range(args.runs):
            ours.append(cpu_of(OURS, files, env))
            peer.append(cpu_of(PEER, files, env))
        med = {name: {key: statistics.median(r[key] for r in runs) for key in ("cpu", "work")}
               for name, runs in (("ours", ours), ("peer", peer))}
        ratio = med["ours"]["cpu"] / med["peer"]["cpu"]
        print(f"{n:,} SYNTHETIC reports, {args.runs} alternating pairs of fresh processes, "
              "median CPU seconds (user+sys), whole process [analysis alone]:")
        print(f"  ours: analyse_hotspots + hotspots_map ({ours[-1]['units']:,} units, grid "
              f"{ours[-1]['cell_size']:g} m, HTML {ours[-1]['html_mb']:.1f} MB): "
              f"{med['ours']['cpu']:.2f} s [{med['ours']['work']:.2f} s] "
              f"(runs {runs_text(ours)})")
        print(f"  peer: fishnet + sjoin + Queen + G_Local + explore ({peer[-1]['units']:,} "
              f"cells of 100 m, HTML {peer[-1]['html_mb']:.1f} MB): "
              f"{med['peer']['cpu']:.2f} s [{med['peer']['work']:.2f} s] "
              f"(runs {runs_text(peer)})")
        print(f"  ratio ours / peer {ratio:.2f} (target <= {TARGET_RATIO:g}: "
              f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL'}); analysis alone "
              f"{med['ours']['work'] / med['peer']['work']:.2f}")
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"uptime: {load}")


if __name__ == "__main__":
    main()
