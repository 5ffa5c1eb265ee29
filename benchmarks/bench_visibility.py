"""Benchmark: `visibility_grid` on a 200 m × 200 m schoolyard against a naive shapely check.

Target (task "visibility"): 200 m × 200 m at 1 m cells (40,000 cells) seen from 500
observers in under 10 s on a 2-core machine.

The schoolyard is synthetic and seeded (no Swedish schoolyard is available offline): a
200 m square yard in SWEREF 99 TM-like coordinates near Sjöbo with two school buildings
in it (cut out of the place), a ring of perimeter blocks 15–30 m outside it, footpaths
around and across the yard, 14 hedges (lines, 8–30 m), 10 scrub patches (polygons), two
tree rows and 80 single trees. Blockers are built by
:func:`sjobo_geo.analysis.visibility.blockers_from_area` (hedges 1 m wide, tree rows 3 m, trees 2 m
discs, Crime Prevention Victoria settings); observers by
:func:`sjobo_geo.analysis.visibility.observer_points` and then thinned or padded at random to
exactly 500 (paths and facades mixed as they come).

The model: :func:`sjobo_geo.analysis.visibility.visibility_grid`, 1 m cells, 80 m sight distance.
Timed ``--runs`` times (median); peak memory is tracemalloc's peak of one run (Python and
numpy allocations) and the process's peak resident size.

The baseline is the obvious GIS approach: for every observer-cell pair within 80 m, a
``shapely.LineString`` from the observer to the cell centre tested with
``shapely.intersects`` against the union of the blockers (prepared), vectorised by shapely
over pairs. It is timed on a random sample of pairs and extrapolated to all pairs in range;
on that sample the two methods' answers are compared.

    .venv/bin/python benchmarks/bench_visibility.py [--runs 5] [--pairs 100000]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
import tracemalloc
from types import SimpleNamespace

import numpy as np

TARGET_S = 10.0
SIZE = 200.0
X0, Y0 = 420_000.0, 6_160_000.0  # SWEREF 99 TM, around Sjöbo
CRS = "EPSG:3006"
MAX_DISTANCE = 80.0
N_OBSERVERS = 500


def build_scene(seed: int = 2025):
    """A seeded synthetic schoolyard: place, area-like layers, observers (exactly 500)."""
    import geopandas as gpd
    import shapely

    from sjobo_geo.analysis.visibility import blockers_from_area, observer_points

    rng = np.random.default_rng(seed)

    def b(x1, y1, x2, y2):
        return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)

    def line(*pts):
        return shapely.LineString([(X0 + x, Y0 + y) for x, y in pts])

    school = [b(30, 120, 110, 150), b(140, 40, 170, 110)]
    ring = []
    for i in range(8):  # perimeter blocks on all four sides, with gaps (streets)
        t = -30 + i * 35
        ring += [b(t, -45, t + 25, -20), b(t, SIZE + 20, t + 25, SIZE + 45),
                 b(-45, t, -20, t + 25), b(SIZE + 20, t, SIZE + 45, t + 25)]
    buildings = school + ring
    place = shapely.difference(b(0, 0, SIZE, SIZE), shapely.union_all(school))

    paths = [line((-10, -10), (SIZE + 10, -10), (SIZE + 10, SIZE + 10), (-10, SIZE + 10),
                  (-10, -10)),
             line((0, 100), (SIZE, 100)), line((100, 0), (100, 115)),
             line((60, 0), (20, 60), (20, 110))]
    veg = []
    for _ in range(14):
        x, y = rng.uniform(5, SIZE - 5, 2)
        ang, length = rng.uniform(0, np.pi), rng.uniform(8, 30)
        veg.append(("hedge", line((x, y), (x + length * np.cos(ang), y + length * np.sin(ang)))))
    for _ in range(10):
        x, y = rng.uniform(5, SIZE - 20, 2)
        veg.append(("scrub", b(x, y, x + rng.uniform(3, 12), y + rng.uniform(3, 12))))
    veg += [("tree_row", line((5, 190), (90, 190))), ("tree_row", line((190, 10), (190, 90)))]
    for x, y in rng.uniform(0, SIZE, (80, 2)):
        veg.append(("tree", shapely.Point(X0 + x, Y0 + y)))
    area = SimpleNamespace(
        crs=CRS,
        buildings=gpd.GeoDataFrame({"kind": ["yes"] * len(buildings)}, geometry=buildings,
                                   crs=CRS),
        vegetation=gpd.GeoDataFrame(
            {"osm_id": np.arange(len(veg)), "kind": [k for k, _ in veg],
             "name": [None] * len(veg), "height": [None] * len(veg)},
            geometry=[g for _, g in veg], crs=CRS),
        paths=gpd.GeoDataFrame({"highway": ["footway"] * len(paths)}, geometry=paths,
                               crs=CRS),
    )
    obs = observer_points(place, area, path_spacing=6, facade_spacing=4, radius=50)
    idx = rng.choice(len(obs), N_OBSERVERS, replace=len(obs) < N_OBSERVERS)
    obs = obs.iloc[np.sort(idx)].reset_index(drop=True)
    blockers = blockers_from_area(place, area, radius=50 + MAX_DISTANCE)
    return place, area, obs, blockers


def _counts(s) -> str:
    return ", ".join(f"{k} {int(v)}" for k, v in s.value_counts().items())


def main() -> None:
    import shapely

    from sjobo_geo.analysis.visibility import hidden_places, vegetation_actions, visibility_grid

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pairs", type=int, default=100_000)
    args = ap.parse_args()

    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy "
          f"{np.__version__}, shapely {shapely.__version__}")
    t = time.perf_counter()
    place, area, obs, blockers = build_scene()
    print(f"scene: {SIZE:.0f} m x {SIZE:.0f} m yard ({place.area:,.0f} m2 open), "
          f"{len(obs)} observers ({_counts(obs['kind'])}), {len(blockers)} "
          f"blockers ({_counts(blockers['kind'])}); built in "
          f"{time.perf_counter() - t:.2f} s")

    visibility_grid(place, obs, blockers, max_distance=MAX_DISTANCE)  # warm-up
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        res = visibility_grid(place, obs, blockers, max_distance=MAX_DISTANCE)
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    visibility_grid(place, obs, blockers, max_distance=MAX_DISTANCE)
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    counts, info = res.counts, res.info
    n_cells = int(np.prod(info.shape))
    med = statistics.median(times)
    seen = counts[counts >= 0]
    hidden = hidden_places(counts, info)
    print(f"model: grid {info.shape[0]} x {info.shape[1]} = {n_cells:,} cells "
          f"({len(seen):,} in the place), median {med:.2f} s over {args.runs} runs "
          f"(min {min(times):.2f}, max {max(times):.2f}); target < {TARGET_S:.0f} s: "
          f"{'PASS' if med < TARGET_S else 'FAIL'}")
    print(f"       tracemalloc peak {peak_mb:.0f} MB; process max RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"       counts: median {np.median(seen):.0f}, min {seen.min()}, "
          f"hidden cells (0 observers) {int((seen == 0).sum())}, hidden areas {len(hidden)}")

    t = time.perf_counter()
    acts = vegetation_actions(place, area, obs, max_distance=MAX_DISTANCE)
    top = acts.ranked.head(3)
    print(f"vegetation_actions: {len(acts.ranked)} features ranked in "
          f"{time.perf_counter() - t:.2f} s; top: "
          + "; ".join(f"{k} {a:.0f} m2" for k, a in zip(top['kind'], top['revealed_m2'],
                                                         strict=True))
          + f"; {len(acts.near_paths)} hedges/scrub within "
          f"{acts.settings.path_clearance_m:g} m of a path")

    # ---- baseline: a LineString per observer-cell pair against the blocker union ------------
    rng = np.random.default_rng(1)
    gx, gy = info.centres()
    cell_xy = np.stack([gx[counts >= 0], gy[counts >= 0]], axis=1)
    oxy = shapely.get_coordinates(obs.geometry.values)
    d_all = np.hypot(oxy[:, None, 0] - cell_xy[None, :, 0], oxy[:, None, 1] - cell_xy[None, :, 1])
    in_range = int((d_all <= MAX_DISTANCE).sum())
    del d_all
    union = shapely.union_all(blockers.geometry.values)
    shapely.prepare(union)
    # pairs: a sample of 20 observers, cells drawn at random within range of each
    sample_obs = rng.choice(len(oxy), 20, replace=False)
    per = args.pairs // len(sample_obs)
    po, pc = [], []
    for o in sample_obs:
        d = np.hypot(cell_xy[:, 0] - oxy[o, 0], cell_xy[:, 1] - oxy[o, 1])
        cand = np.flatnonzero(d <= MAX_DISTANCE)
        pick = rng.choice(cand, min(per, len(cand)), replace=False)
        po.append(np.full(len(pick), o))
        pc.append(pick)
    po, pc = np.concatenate(po), np.concatenate(pc)
    t = time.perf_counter()
    lines = shapely.linestrings(np.stack([oxy[po], cell_xy[pc]], axis=1))
    base_vis = ~shapely.intersects(lines, union)
    t_base = time.perf_counter() - t
    rate = len(po) / t_base
    t_base_all = in_range / rate
    # the model's answer for the same pairs: each sampled observer alone
    model_vis = np.zeros(len(po), bool)
    for o in sample_obs:
        one = visibility_grid(place, oxy[o:o + 1], blockers, max_distance=MAX_DISTANCE).counts
        m = po == o
        model_vis[m] = one[counts >= 0][pc[m]] > 0
    agree = (model_vis == base_vis).mean()
    print(f"baseline (shapely LineString x blocker union, per pair): {len(po):,} pairs in "
          f"{t_base:.2f} s = {rate:,.0f} pairs/s; {in_range:,} pairs in range -> "
          f"{t_base_all:.0f} s extrapolated")
    print(f"ratio baseline / model: {t_base_all / med:.0f}x; agreement on the sample "
          f"{agree:.2%} (model hides {int((~model_vis & base_vis).sum())} pairs the "
          f"baseline sees, sees {int((model_vis & ~base_vis).sum())} it hides)")


if __name__ == "__main__":
    main()
