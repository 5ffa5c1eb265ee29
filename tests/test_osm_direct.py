"""Files are read without osmnx: the graph and feature table equal what osmnx's readers give.

Until this change a file went pyosmium -> repaired OSM XML -> osmnx (``graph_from_xml``,
``features_from_xml``), and ``build_area`` used osmnx's ``simplify_graph``,
``project_graph`` and ``graph_to_gdfs``. That path survives here only, as the reference:
:func:`_write_xml` is the old writer, unchanged, and osmnx reads what it writes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd
import pytest
import shapely

from sjobo_geo.core.osm import (
    EDGE_TAGS,
    FEATURE_TAGS,
    WALK_FILTER,
    OSMData,
    _configure_osmnx,
    _Filter,
    _matches_tags,
    _read_osm,
    _truncate,
    _walk_graph,
)
from sjobo_geo.core.osm import _feature_table as direct_features
from sjobo_geo.core.text import xml_text

DIFFER = ["lit", "highway", "name", "tunnel"]


# ---- the old path: repaired data written as OSM XML, read by osmnx ------------------------


def _tags_xml(tags):
    return "".join(f"<tag k={quoteattr(xml_text(k))} v={quoteattr(xml_text(v))}/>"
                   for k, v in tags.items())


def _write_xml(raw, path, way_filter):
    """The writer the file source used before (sjobo_geo.core.osm, until this change)."""
    if way_filter is not None:
        ways = [w for w in raw.ways if way_filter(w[2])]
        relations = []
    else:
        relations = [r for r in raw.relations if _matches_tags(r[2], FEATURE_TAGS)]
        members = {m[1] for r in relations for m in r[1] if m[0] == "w"}
        ways = [w for w in raw.ways if w[0] in members or _matches_tags(w[2], FEATURE_TAGS)]
    keep_way_ids = {w[0] for w in ways}
    wanted = set()
    for _, refs, _ in ways:
        wanted.update(refs)
    if way_filter is None:
        wanted.update(n for n, t in raw.node_tags.items() if _matches_tags(t, FEATURE_TAGS))
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n']
    for nid in wanted:
        lon, lat = raw.nodes[nid]
        tags = raw.node_tags.get(nid)
        if tags and way_filter is None:
            out.append(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}">{_tags_xml(tags)}'
                       "</node>\n")
        else:
            out.append(f'<node id="{nid}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
    for wid, refs, tags in ways:
        out.append(f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                   + _tags_xml(tags) + "</way>\n")
    for rid, rel_members, tags in relations:
        kept = [m for m in rel_members if m[0] == "w" and m[1] in keep_way_ids]
        if kept:
            out.append(f'<relation id="{rid}">' + "".join(
                f'<member type="way" ref="{m[1]}" role={quoteattr(m[2])}/>' for m in kept)
                + _tags_xml(tags) + "</relation>\n")
    out.append("</osm>\n")
    path.write_text("".join(out), encoding="utf-8")


def _osmnx_graph(raw, folder):
    ox = _configure_osmnx()
    path = folder / "network.osm"
    _write_xml(raw, path, _Filter(WALK_FILTER))
    return ox.graph_from_xml(path, bidirectional=True, simplify=False, retain_all=True)


def _osmnx_features(raw, folder):
    ox = _configure_osmnx()
    path = folder / "features.osm"
    _write_xml(raw, path, None)
    return ox.features_from_xml(path, tags=FEATURE_TAGS)


@pytest.fixture(scope="module")
def xml_path(sample_raw, tmp_path_factory):
    """The sample through the old path: osmnx's graph and features of the XML."""
    folder = tmp_path_factory.mktemp("xml")
    return _osmnx_graph(sample_raw, folder), _osmnx_features(sample_raw, folder)


# ---- helpers --------------------------------------------------------------------------------


def _assert_same_graph(direct, reference, *, xy_tol=0.0):
    """Same nodes and edges in the same order, same keys, same attributes."""
    assert list(direct.nodes) == list(reference.nodes)
    for n, data in reference.nodes(data=True):
        mine = direct.nodes[n]
        assert mine.keys() == data.keys(), n
        for key, value in data.items():
            if key in ("x", "y"):
                assert abs(mine[key] - value) <= xy_tol, (n, key)
            else:
                assert mine[key] == value, (n, key)
    ours = list(direct.edges(keys=True, data=True))
    theirs = list(reference.edges(keys=True, data=True))
    assert [e[:3] for e in ours] == [e[:3] for e in theirs]
    for (u, v, k, mine), (*_, data) in zip(ours, theirs, strict=True):
        assert mine.keys() == data.keys(), (u, v, k)
        for key, value in data.items():
            if key == "length":
                assert mine[key] == pytest.approx(value, abs=1e-6), (u, v, k)
            elif key == "geometry":
                assert shapely.equals_exact(mine[key], value, xy_tol), (u, v, k)
            elif isinstance(value, list):  # osmnx's lists come from sets: any order
                assert sorted(map(str, mine[key])) == sorted(map(str, value)), (u, v, k, key)
            else:
                assert mine[key] == value and type(mine[key]) is type(value), (u, v, k, key)


def _assert_same_features(direct, reference):
    assert direct.index.equals(reference.index)
    assert list(direct.columns) == list(reference.columns)
    pd.testing.assert_frame_equal(pd.DataFrame(direct.drop(columns="geometry")),
                                  pd.DataFrame(reference.drop(columns="geometry")))
    assert direct.crs == reference.crs
    assert (direct.geom_type.to_numpy() == reference.geom_type.to_numpy()).all()
    assert shapely.equals_exact(direct.geometry.values, reference.geometry.values, 0).all()


# ---- the sample -----------------------------------------------------------------------------


def test_walk_graph_is_osmnx_graph_from_xml(sample_raw, xml_path):
    graph = _walk_graph(sample_raw)
    reference, _ = xml_path
    assert graph.number_of_edges() == reference.number_of_edges() > 10_000
    _assert_same_graph(graph, reference)
    assert graph.graph["crs"] == reference.graph["crs"]
    # osmnx would keep exactly these way tags: ours are its defaults plus our extras
    assert EDGE_TAGS == _configure_osmnx().settings.useful_tags_way


def test_feature_table_is_osmnx_features_from_xml(sample_raw, xml_path):
    features = direct_features(sample_raw)
    _, reference = xml_path
    assert len(features) > 3000 and features.shape == reference.shape
    _assert_same_features(features, reference)
    # multipolygon relations, closed ways as areas and lines, points: all kinds present
    kinds = set(zip(features.index.get_level_values(0), features.geom_type, strict=True))
    assert {("relation", "Polygon"), ("way", "Polygon"), ("way", "LineString"),
            ("node", "Point")} <= kinds


def test_truncation_is_osmnx_truncate_by_edge(sample_raw, xml_path, sample_pbf):
    from sjobo_geo.core.profiles import load_profile

    ox = _configure_osmnx()
    profile = load_profile("sample")
    # a boundary that cuts the sample in half: edges leaving it keep their outer node
    w, s, e, n = profile.boundary_polygon().bounds
    half = shapely.box(w, s, (w + e) / 2, n)
    graph = _truncate(_walk_graph(sample_raw), half, sample_pbf, profile)
    reference = ox.truncate.truncate_graph_polygon(xml_path[0], half, truncate_by_edge=True)
    assert 0 < graph.number_of_nodes() < xml_path[0].number_of_nodes()
    _assert_same_graph(graph, reference)


def test_simplified_projected_graph_is_osmnx(sample_area):
    """build_area's graph before pedestrian areas: osmnx's simplify_graph + project_graph."""
    from sjobo_geo.core.area import _simplify_and_project
    from sjobo_geo.core.osm import fetch_osm

    ox = _configure_osmnx()
    osm = fetch_osm(sample_area.profile)
    graph = _simplify_and_project(osm.graph, DIFFER, sample_area.crs)
    reference = ox.project_graph(ox.simplify_graph(osm.graph, edge_attrs_differ=DIFFER),
                                 to_crs=sample_area.crs)
    assert graph.number_of_edges() < osm.graph.number_of_edges()
    _assert_same_graph(graph, reference, xy_tol=1e-6)
    assert graph.graph["crs"] == reference.graph["crs"] == "EPSG:3067"
    assert graph.graph["simplified"] is True
    assert osm.graph.number_of_edges() == 13826  # the input is left as it was


def test_edge_table_is_osmnx_graph_to_gdfs(sample_area):
    from sjobo_geo.core.area import _edge_frame

    ox = _configure_osmnx()
    columns = ["area_crossing", "length", "osmid", "name", "highway", "lit", "width"]
    edges = _edge_frame(sample_area.graph, columns)
    reference = ox.graph_to_gdfs(sample_area.graph, nodes=False).reset_index()
    keep = {"u", "v", "key", *columns, "geometry"}
    reference = reference[[c for c in reference.columns if c in keep]]
    assert list(edges.columns) == list(reference.columns)
    pd.testing.assert_frame_equal(pd.DataFrame(edges.drop(columns="geometry")),
                                  pd.DataFrame(reference.drop(columns="geometry")))
    assert edges.geometry.geom_equals_exact(reference.geometry, 0).all()


def test_direct_model_equals_the_xml_model(sample_area, sample_raw, xml_path, tmp_path):
    """The whole model from osmnx's reading of the XML equals today's sample model."""
    from sjobo_geo.core.area import build_area

    ox = _configure_osmnx()
    profile = sample_area.profile
    boundary = profile.boundary_polygon()
    graph, features = xml_path
    graph = ox.truncate.truncate_graph_polygon(graph, boundary, truncate_by_edge=True)
    osm = OSMData(graph=graph, features=features[features.intersects(boundary)],
                  boundary=boundary, boundary_source="profile bbox", source="sample",
                  description="xml", notes=list(sample_area.meta["notes"]))
    old = build_area(osm, profile)
    assert old.graph.number_of_edges() == sample_area.graph.number_of_edges()
    assert list(old.graph.nodes) == list(sample_area.graph.nodes)
    for kind in sample_area.layers:
        mine, theirs = sample_area.layers[kind], old.layers[kind]
        pd.testing.assert_frame_equal(pd.DataFrame(mine.drop(columns="geometry")),
                                      pd.DataFrame(theirs.drop(columns="geometry")),
                                      obj=kind)
        assert mine.geometry.geom_equals_exact(theirs.geometry, 1e-6).all(), kind


# ---- constructed cases: osmnx's area rules, relations, odd tags ------------------------------


def _write_pbf(path):
    """Nodes on a 4 x 4 grid and ways and relations that exercise osmnx's rules."""
    import osmium
    from osmium.osm.mutable import Node, Relation, Way

    writer = osmium.SimpleWriter(str(path))
    try:
        for i in range(16):
            tags = {}
            if i == 5:
                tags = {"highway": "street_lamp", "geometry": "ignored by osmnx"}
            if i == 6:
                tags = {"amenity": "bench", "name": "Bänk\x07 1"}  # a control character
            if i == 7:
                tags = {"highway": "crossing"}  # a query key, not a wanted value
            writer.add_node(Node(id=i + 1, location=(12.9 + (i % 4) * 0.001,
                                                      57.7 + (i // 4) * 0.001), tags=tags))
        ways = [
            (100, [1, 2, 6, 5, 1], {"building": "yes"}),                  # area
            (101, [2, 3, 7, 6, 2], {"building": "yes", "area": "no"}),     # line: area=no
            (102, [3, 4, 8, 7, 3], {"natural": "tree_row"}),              # line: blocklist
            (103, [5, 6, 5], {"building": "shed"}),                       # flat ring
            (110, [6, 6], {"building": "kiosk"}),                         # too short: none
            (111, [7], {"amenity": "bench"}),                             # one node: none
            (112, [1, 4, 16, 13, 1], {}),                                 # outer ring
            (113, [6, 7, 11, 10, 6], {}),                                 # inner ring
            (104, [9, 10, 14, 13, 9], {"barrier": "hedge"}),              # area: passlist
            (105, [10, 11, 15, 14, 10], {"highway": "pedestrian", "area": "yes"}),
            (106, [1, 5, 9], {"highway": "footway", "lit": "no"}),        # walk
            (107, [11, 12, 16], {}),                                      # outer, part 1
            (108, [16, 15, 11], {}),                                      # outer, part 2
            (109, [12, 16], {"highway": "bus_stop", "public_transport": "platform"}),
        ]
        for wid, refs, tags in ways:
            writer.add_way(Way(id=wid, nodes=refs, tags=tags))
        writer.add_relation(Relation(
            id=900, members=[("w", 107, "outer"), ("w", 108, "outer"), ("w", 999, "outer")],
            tags={"type": "multipolygon", "leisure": "park", "name": "Parken"}))
        writer.add_relation(Relation(
            id=901, members=[("w", 112, "outer"), ("w", 113, "inner")],
            tags={"type": "multipolygon", "landuse": "forest"}))
        writer.add_relation(Relation(
            id=902, members=[("w", 999, "outer")], tags={"type": "multipolygon",
                                                        "building": "yes"}))
    finally:
        writer.close()


def test_constructed_features_and_graph_match_osmnx(tmp_path):
    path = tmp_path / "cases.osm.pbf"
    _write_pbf(path)
    raw = _read_osm(path)
    features = direct_features(raw)
    reference = _osmnx_features(raw, tmp_path)
    _assert_same_features(features, reference)
    geom = dict(zip(features.index, features.geometry, strict=True))
    assert geom["way", 100].geom_type == "Polygon"
    assert geom["way", 101].geom_type == geom["way", 102].geom_type == "LineString"
    assert geom["way", 103].geom_type == "LineString"  # a flat ring, made valid
    assert geom["relation", 900].geom_type == "Polygon"  # two open outer ways joined
    assert len(geom["relation", 901].interiors) == 1  # the inner ring is a hole
    assert ("way", 112) not in geom  # member ways without tags of their own are no rows
    assert ("relation", 902) not in geom  # no member in the file
    assert list(features.columns).count("geometry") == 1  # osmnx drops a geometry tag
    assert features.loc[("node", 7), "name"] == "Bänk 1"  # dropped, as the XML writer did
    assert features.loc[("node", 6), "highway"] == "street_lamp"
    assert ("node", 8) not in geom  # highway=crossing: a query key, not a wanted value
    _assert_same_graph(_walk_graph(raw), _osmnx_graph(raw, tmp_path))


# ---- no osmnx on the file path ---------------------------------------------------------------


def test_cold_sample_build_imports_neither_osmnx_nor_sklearn(tmp_path):
    code = (
        "import sys, sjobo_geo.core.area\n"
        "heavy = lambda: sorted(m for m in ('osmnx', 'sklearn') if m in sys.modules)\n"
        "print(heavy())\n"
        "from sjobo_geo import load_area\n"
        "area = load_area('sample')\n"
        "print(heavy(), 'cache' in area.meta, area.graph.number_of_edges() > 0)\n"
    )
    env = {**os.environ, "SJOBO_GEO_AREA_CACHE": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.split("\n")
    assert out[:2] == ["[]", "[] False True"]


def test_osmnx_rules_copied_from_osmnx():
    """The area rules and edge lengths are osmnx's own (a new osmnx fails here first)."""
    from osmnx import distance, features

    from sjobo_geo.core.osm import _EARTH_RADIUS_M, _POLYGON_RULES, _great_circle

    assert _POLYGON_RULES.keys() == features._POLYGON_FEATURES.keys()
    for key, (rule, values) in _POLYGON_RULES.items():
        assert features._POLYGON_FEATURES[key]["polygon"] == rule
        assert set(features._POLYGON_FEATURES[key].get("values", set())) == set(values)
    assert _EARTH_RADIUS_M == distance.EARTH_RADIUS_M
    rows = np.array([[57.7, 12.9, 57.71, 12.93], [60.17, 24.94, 60.17, 24.94]])
    assert _great_circle(rows) == pytest.approx(
        distance.great_circle(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]), abs=1e-9)
