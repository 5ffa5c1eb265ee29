"""GPX 1.1 output: a patrol's stops, its route and its street track for a handheld or phone.

Every text (names, descriptions, types) goes through :func:`sjobo_geo.core.text.xml_text`:
one control character in an OSM street name or a profile's name would otherwise make a file
that is not well-formed XML, which no phone opens. Escaping ``<&>`` stays with the XML writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["GPX_NS", "write_gpx"]


GPX_NS = "http://www.topografix.com/GPX/1/1"


def write_gpx(path: str | Path, *, stops: Sequence[dict[str, Any]], start: dict[str, Any],
              track: Sequence[tuple[float, float]] | None = None, name: str = "Patrol",
              desc: str = "") -> Path:
    """Write a GPX 1.1 file: a waypoint per stop, a route start -> stops, the street track.

    ``start`` and each stop are dicts with ``lat``, ``lon``, ``name`` and optional ``desc``;
    ``track`` is a sequence of (lat, lon) along the streets. Element order follows the
    GPX 1.1 schema (metadata, wpt, rte, trk); creator is ``sjobo-geo``. Plain data only:
    the patrol job turns its plan into these dicts (WGS84 positions). Characters XML 1.0
    forbids are dropped from every text (:func:`~sjobo_geo.core.text.xml_text`).

    Examples
    --------
    >>> write_gpx("patrol.gpx", stops=[{"lat": 60.17, "lon": 24.95, "name": "1. Kajen"}],
    ...           start={"lat": 60.169, "lon": 24.949, "name": "Start"})  # doctest: +SKIP
    PosixPath('patrol.gpx')
    """
    import xml.etree.ElementTree as ET

    from sjobo_geo.core.files import atomic_path
    from sjobo_geo.core.text import xml_text

    ET.register_namespace("", GPX_NS)

    def q(tag: str) -> str:
        return f"{{{GPX_NS}}}{tag}"

    def text(parent: Any, tag: str, value: Any) -> None:
        ET.SubElement(parent, q(tag)).text = xml_text(value)

    def point(parent: Any, tag: str, p: dict[str, Any], kind: str | None = None) -> None:
        el = ET.SubElement(parent, q(tag), lat=f"{float(p['lat']):.7f}",
                           lon=f"{float(p['lon']):.7f}")
        text(el, "name", p["name"])
        if p.get("desc"):
            text(el, "desc", p["desc"])
        if kind:
            text(el, "type", kind)

    root = ET.Element(q("gpx"), {"version": "1.1", "creator": "sjobo-geo"})
    meta = ET.SubElement(root, q("metadata"))
    text(meta, "name", name)
    if desc:
        text(meta, "desc", desc)
    for s in stops:
        point(root, "wpt", s, "patrol stop")
    rte = ET.SubElement(root, q("rte"))
    text(rte, "name", name)
    point(rte, "rtept", start, "start")
    for s in stops:
        point(rte, "rtept", s, "patrol stop")
    if track is not None and len(track) > 1:
        trk = ET.SubElement(root, q("trk"))
        text(trk, "name", f"{name} (streets)")
        seg = ET.SubElement(trk, q("trkseg"))
        for lat, lon in track:
            ET.SubElement(seg, q("trkpt"), lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    with atomic_path(path) as tmp:
        tree.write(tmp, encoding="UTF-8", xml_declaration=True)
    return Path(path)
