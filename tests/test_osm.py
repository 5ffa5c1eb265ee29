"""The three OSM sources: file (with clipping repair), sample, and live via a seeded cache."""

from __future__ import annotations

import json
import threading
import time

import pandas as pd
import pytest

from sjobo_geo import osm as osm_mod
from sjobo_geo._errors import (
    EmptyAreaError,
    OSMFileError,
    OSMFileNotFoundError,
    OverpassUnreachableError,
    SjoboGeoError,
)
from sjobo_geo.core.osm import WALK_FILTER, _Filter, fetch_osm
from sjobo_geo.core.profiles import load_profile

CLIPPED_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="57.7490" lon="12.9400"/>
  <node id="2" lat="57.7491" lon="12.9410"/>
  <node id="4" lat="57.7493" lon="12.9430"/>
  <node id="5" lat="57.7494" lon="12.9440"/>
  <node id="6" lat="57.7480" lon="12.9400"/>
  <node id="7" lat="57.7480" lon="12.9410"/>
  <node id="8" lat="57.7485" lon="12.9410"/>
  <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="footway"/><tag k="lit" v="no"/></way>
  <way id="101"><nd ref="1"/><nd ref="6"/><tag k="highway" v="path"/></way>
  <way id="200"><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="9"/><nd ref="6"/>
    <tag k="building" v="yes"/></way>
</osm>
"""

TINY_PROFILE = """
name = "Tiny"
crs = "EPSG:3006"
[boundary]
bbox = { south = 57.747, west = 12.939, north = 57.751, east = 12.946 }
[osm]
source = "file"
file = "tiny.osm"
"""


@pytest.fixture
def tiny(tmp_path, write_profile):
    (tmp_path / "tiny.osm").write_text(CLIPPED_XML, encoding="utf-8")
    return load_profile(write_profile(TINY_PROFILE))


def test_clipped_way_is_split_not_joined(tiny):
    data = fetch_osm(tiny)
    edges = {(u, v) for u, v, _ in data.graph.edges(keys=True)}
    # node 3 is missing: way 100 becomes 1-2 and 4-5; never a straight line 2-4
    assert (1, 2) in edges and (4, 5) in edges
    assert (2, 4) not in edges and (4, 2) not in edges
    assert any("split into 2 runs" in note for note in data.notes)
    # half a building outline (node 9 missing) is dropped, not drawn as a line
    assert "building" not in data.features.columns or data.features["building"].isna().all()


def test_walk_filter_semantics():
    accepts = _Filter(WALK_FILTER)
    assert accepts({"highway": "footway"})
    assert accepts({"highway": "cycleway"})  # Swedish gc-vägar: kept unless foot=no
    assert accepts({"highway": "residential", "lit": "yes"})
    assert not accepts({"highway": "cycleway", "foot": "no"})
    assert not accepts({"highway": "motorway"})
    assert not accepts({"highway": "footway", "access": "private"})
    assert not accepts({"highway": "service", "service": "private"})
    assert not accepts({"highway": "pedestrian", "area": "yes"})
    assert not accepts({"highway": "primary", "sidewalk": "separate"})
    assert not accepts({"building": "yes"})


def test_missing_file():
    with pytest.raises(OSMFileNotFoundError, match="not found"):
        fetch_osm(load_profile("sample"), osm_file="/no/such/file.osm.pbf")


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("corrupt.osm.pbf", b"\x00\x01 this is not a pbf" * 50, "not a readable OSM file"),
        ("broken.osm", b"<osm><node id='1' lat='57.7' lon='12.9'>", "not a readable OSM file"),
        ("empty.osm", b'<?xml version="1.0"?><osm version="0.6"></osm>', "no OSM nodes"),
        ("notes.txt", b"hello", "not an OSM file"),
    ],
)
def test_bad_files(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(OSMFileError, match=words):
        fetch_osm(load_profile("sample"), osm_file=path)


def test_file_outside_the_area_is_an_empty_area(tmp_path):
    path = tmp_path / "tiny.osm"
    path.write_text(CLIPPED_XML, encoding="utf-8")
    with pytest.raises(EmptyAreaError, match="does the file cover the area"):
        fetch_osm(load_profile("sample"), osm_file=path)  # Borås data, Helsinki boundary


def test_sample_source_matches_domain_counts(sample_raw):
    lamps = sum(1 for t in sample_raw.node_tags.values() if t.get("highway") == "street_lamp")
    assert lamps == 586
    assert len(sample_raw.nodes) == 24260
    assert sample_raw.clipped == 421


# ---- live: osmnx + Overpass, tested offline through osmnx's cache ---------------------------
# (the file source needs no osmnx: tests/test_osm_direct.py compares it with osmnx's readers)


def _overpass_json(raw, way_filter=None):
    """An Overpass-format answer built from the sample (what Overpass would have sent)."""
    ways = [w for w in raw.ways if way_filter is None or way_filter(w[2])]
    need = {r for _, refs, _ in ways for r in refs}
    if way_filter is None:
        need |= set(raw.node_tags)
    elements = [
        {"type": "node", "id": n, "lat": raw.nodes[n][1], "lon": raw.nodes[n][0],
         **({"tags": raw.node_tags[n]} if n in raw.node_tags and way_filter is None else {})}
        for n in sorted(need)
    ]
    elements += [{"type": "way", "id": i, "nodes": refs, "tags": tags} for i, refs, tags in ways]
    if way_filter is None:
        ids = {w[0] for w in ways}
        for rid, members, tags in raw.relations:
            kept = [{"type": "way", "ref": r, "role": role} for t, r, role in members
                    if t == "w" and r in ids]
            if kept:
                elements.append({"type": "relation", "id": rid, "members": kept, "tags": tags})
    return {"version": 0.6, "generator": "recorded from the sjobo-geo sample",
            "elements": elements}


class _Response:
    def __init__(self, payload):
        self._payload = payload
        self.content = json.dumps(payload).encode()
        self.text = self.content.decode()
        self.status_code, self.ok, self.reason = 200, True, "OK"
        self.url = "https://overpass.example/api/interpreter"
        self.headers = {"content-type": "application/json"}

    def json(self):
        return self._payload


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    from sjobo_geo import settings

    folder = tmp_path / "osmnx-cache"
    monkeypatch.setattr(settings, "cache_folder", folder)
    return folder


def _block_network(monkeypatch):
    import requests

    def refuse(*_args, **_kwargs):
        raise requests.exceptions.ConnectionError("network disabled in tests")

    monkeypatch.setattr(requests, "post", refuse)
    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(osm_mod, "_host_reachable", lambda *_a: False)


def test_live_path_from_seeded_cache(sample_raw, cache_dir, monkeypatch, sample_area):
    import requests

    from sjobo_geo.core.area import build_area

    walk = _overpass_json(sample_raw, _Filter(WALK_FILTER))
    everything = _overpass_json(sample_raw)
    queries = []

    def recorded_overpass(url, data=None, **_kwargs):
        queries.append(data["data"])
        return _Response(walk if 'way["highway"]' in data["data"] else everything)

    # 1. seed osmnx's cache: osmnx stores the recorded answers under its own cache keys
    monkeypatch.setattr(osm_mod, "_host_reachable", lambda *_a: False)
    monkeypatch.setattr(requests, "post", recorded_overpass)
    fetch_osm(load_profile("sample"), source="live")
    assert len(queries) == 2 and len(list(cache_dir.glob("*.json"))) == 2

    # 2. no network at all: the live path answers from the cache alone
    _block_network(monkeypatch)
    profile = load_profile("sample")
    data = fetch_osm(profile, source="live")
    assert data.source == "live"
    live = build_area(data, profile)
    # one result type: the same model as from the file, layer by layer. osmnx builds the
    # live graph from Overpass' answer (nodes in id order), the file source in the file's
    # order: paths may run the other way, so rows are compared in a canonical form
    assert live.counts() == sample_area.counts()
    assert set(live.graph.nodes) == set(sample_area.graph.nodes)
    assert _edge_set(live.graph) == _edge_set(sample_area.graph)
    for kind in sample_area.layers:
        pd.testing.assert_frame_equal(_canonical(live.layers[kind]),
                                      _canonical(sample_area.layers[kind]), obj=kind)


def _edge_set(graph):
    return sorted((u, v, round(d["length"], 6), bool(d.get("area_crossing")))
                  for u, v, d in graph.edges(data=True))


def _canonical(layer):
    """Rows in a fixed order, each path from its lower node id, lengths to the micrometre."""
    import numpy as np
    import shapely

    frame = pd.DataFrame(layer.drop(columns="geometry"))
    if {"u", "v"} <= set(frame.columns):
        frame["u"], frame["v"] = (np.minimum(frame["u"], frame["v"]),
                                  np.maximum(frame["u"], frame["v"]))
    for col in frame.columns[frame.dtypes == "float64"]:
        frame[col] = frame[col].round(6)
    frame["geometry"] = shapely.to_wkt(shapely.normalize(layer.geometry.values),
                                       rounding_precision=6)
    return frame.sort_values(list(frame.columns), key=lambda s: s.astype(str)).reset_index(
        drop=True)


def test_live_path_without_network_fails_fast(cache_dir, monkeypatch):
    """No network, nothing cached: an error at once, not after osmnx's waits. The pauses
    osmnx asks for are recorded instead of slept, so the check needs no clock."""
    pauses = []
    _block_network(monkeypatch)
    monkeypatch.setattr(time, "sleep", pauses.append)
    with pytest.raises(OverpassUnreachableError, match="no cached answer") as info:
        fetch_osm(load_profile("sample"), source="live")
    assert sum(pauses) <= 2, pauses  # a courtesy pause at most; never the 60 s rate limit
    assert isinstance(info.value, SjoboGeoError) and isinstance(info.value, ConnectionError)
    assert "--osm-file" in str(info.value)


def test_host_reachable_is_bounded_in_time(monkeypatch):
    """The probe gives up after its timeout even when the lookup itself hangs (getaddrinfo
    has no timeout): it returns while the hanging lookup is still blocked."""
    assert osm_mod._host_reachable("https://overpass.invalid/api", 2.0) is False
    release, finished = threading.Event(), threading.Event()

    def hanging_connect(*_args, **_kwargs):
        release.wait(60)
        finished.set()
        raise OSError("released by the test")

    monkeypatch.setattr(osm_mod.socket, "create_connection", hanging_connect)
    try:
        assert osm_mod._host_reachable("https://overpass.example/api", 0.05) is False
        assert not finished.is_set()
    finally:
        release.set()


# ---- boundaries from an OSM place ----------------------------------------------------------

PLACE_PROFILE = """
name = "Hamsteri block"
crs = "EPSG:3067"
[boundary]
place = "Hamsteri, Helsinki"
bbox = { south = 60.1641, west = 24.9351, north = 60.1792, east = 24.9535 }
[osm]
source = "{source}"
"""


def test_place_boundary_from_the_file(write_profile):
    text = PLACE_PROFILE.replace("{source}", "sample").replace("Hamsteri", "Rautatientori")
    profile = load_profile(write_profile(text))
    data = fetch_osm(profile)
    assert data.boundary_source == "OSM place 'Rautatientori, Helsinki' (polygon in the file)"
    assert data.boundary.area < 0.05 * profile.boundary_polygon().area
    assert data.graph.number_of_edges() > 0


def test_place_missing_from_the_file_falls_back_to_the_bbox(write_profile):
    text = PLACE_PROFILE.replace("{source}", "sample").replace("Hamsteri", "Sjöbo")
    data = fetch_osm(load_profile(write_profile(text)))
    assert data.boundary_source == "profile bbox"
    assert any("has no polygon in the file" in note for note in data.notes)


def test_place_boundary_live_from_a_recorded_nominatim_answer(
    sample_raw, cache_dir, monkeypatch, write_profile
):
    """Nominatim and Overpass answers recorded once, then replayed with no network."""
    import requests
    from shapely import box, to_geojson

    block = box(24.9440, 60.1690, 24.9480, 60.1710)
    nominatim = [{
        "place_id": 1, "osm_type": "relation", "osm_id": 1, "lat": "60.17", "lon": "24.946",
        "boundingbox": ["60.1690", "60.1710", "24.9440", "24.9480"], "class": "place",
        "type": "suburb", "place_rank": 20, "importance": 0.5, "addresstype": "suburb",
        "name": "Hamsteri", "display_name": "Hamsteri, Helsinki",
        "geojson": json.loads(to_geojson(block)),
    }]
    walk = _overpass_json(sample_raw, _Filter(WALK_FILTER))
    everything = _overpass_json(sample_raw)

    def recorded_get(url, params=None, **_kwargs):
        response = _Response(nominatim)
        response.url = "https://nominatim.openstreetmap.org/search"
        return response

    def recorded_post(url, data=None, **_kwargs):
        return _Response(walk if 'way["highway"]' in data["data"] else everything)

    monkeypatch.setattr(osm_mod, "_host_reachable", lambda *_a: False)
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)  # Nominatim's courtesy pause
    monkeypatch.setattr(requests, "get", recorded_get)
    monkeypatch.setattr(requests, "post", recorded_post)
    profile = load_profile(write_profile(PLACE_PROFILE.replace("{source}", "live")))
    fetch_osm(profile)

    _block_network(monkeypatch)
    data = fetch_osm(profile)
    assert data.boundary_source == "OSM place 'Hamsteri, Helsinki' (Nominatim)"
    assert data.boundary.equals(block)
    xs = [d["x"] for _, d in data.graph.nodes(data=True)]
    assert min(xs) > 24.940 and max(xs) < 24.952  # truncated by edge to the place
