"""The area model on the real sample and on constructed data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sjobo_geo.core.area import LAYER_KINDS, LIT_VALUES, lit_status


def test_every_layer_in_the_metric_crs(sample_area):
    assert sample_area.crs == "EPSG:3067"
    assert list(sample_area.layers) == list(LAYER_KINDS)
    for kind, gdf in sample_area.layers.items():
        assert gdf.crs == "EPSG:3067", kind
    assert sample_area.graph.graph["crs"] == "EPSG:3067"
    # coordinates are metres in Helsinki's ETRS-TM35FIN range, not degrees
    x0, y0, x1, y1 = sample_area.paths.total_bounds
    assert 380_000 < x0 < x1 < 392_000 and 6_670_000 < y0 < y1 < 6_676_000


def test_layers_hold_what_the_sample_holds(sample_area, sample_raw):
    counts = sample_area.counts()
    # lamps, bus stops and schools are counted independently from the raw file
    raw_tags = list(sample_raw.node_tags.values())
    assert counts["lamps"] == sum(t.get("highway") == "street_lamp" for t in raw_tags) == 586
    assert counts["schools"] == 3
    assert counts["bus_stops"] >= 92
    assert counts["playgrounds"] >= 4
    assert counts["buildings"] > 400
    assert counts["courtyards"] > 10
    assert counts["schoolyards"] >= 1
    for kind in ("squares", "leisure", "parking", "tunnels", "businesses", "vegetation"):
        assert counts[kind] > 0, kind
    veg = sample_area.vegetation["kind"].value_counts()
    assert veg["tree"] == 649 and veg["hedge"] >= 25 and veg["scrub"] >= 60
    assert veg.get("tree_row", 0) > 0


def test_lighting_status_keeps_three_values(sample_area, sample_raw):
    paths = sample_area.paths
    assert list(paths["lit_status"].cat.categories) == list(LIT_VALUES)
    by_status = paths["lit_status"].value_counts()
    assert by_status["lit"] > 1000 and by_status["unknown"] > 100 and by_status["unlit"] > 0
    # every segment tagged lit=no in OSM is unlit, never lit or unknown
    assert set(paths.loc[paths["lit"] == "no", "lit_status"]) == {"unlit"}
    assert set(paths.loc[paths["lit"].isna(), "lit_status"]) == {"unknown"}
    # the raw file has walkable ways with lit=no; all of them reach the model
    from sjobo_geo.core.osm import WALK_FILTER, _Filter

    walk = _Filter(WALK_FILTER)
    raw_unlit = {w[0] for w in sample_raw.ways if walk(w[2]) and w[2].get("lit") == "no"}
    model_unlit = set()
    for ids in paths.loc[paths["lit_status"] == "unlit", "osmid"].astype(str):
        model_unlit.update(int(i) for i in ids.split(";"))
    assert raw_unlit and raw_unlit <= model_unlit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("yes", "lit"), ("24/7", "lit"), ("automatic", "lit"), ("limited", "lit"),
     ("18:00-24:00", "lit"), ("no", "unlit"), ("disused", "unlit"), (None, "unknown"),
     (np.nan, "unknown"), ("maybe", "unknown"), (["yes", "no"], "unlit"),
     (["yes", None], "unknown"), (["yes", "24/7"], "lit")],
)
def test_lit_status_mapping(raw, expected):
    assert lit_status(pd.Series([raw], dtype=object)).iloc[0] == expected


def test_paths_are_single_segments_with_width(sample_area):
    paths = sample_area.paths
    pairs = pd.DataFrame({"a": np.minimum(paths["u"], paths["v"]),
                          "b": np.maximum(paths["u"], paths["v"]),
                          "l": paths["length_m"].round(2)})
    assert not pairs.duplicated().any()  # the two directions of a walk edge are one path
    assert (paths["width_m"] > 0).all()
    assert set(paths["width_source"]) <= {"tag", "default"}
    assert np.allclose(paths.length, paths["length_m"], rtol=0.02, atol=0.5)


def test_squares_are_walkable_areas(sample_area):
    graph = sample_area.graph
    crossing = [d for *_e, d in graph.edges(data=True) if d.get("area_crossing")]
    assert crossing, "pedestrian areas add edges across them"
    square = sample_area.find("Senaatintori", kind="squares").geometry
    for d in crossing[:200]:
        assert d["geometry"].length > 0
    inside = [d for d in crossing if square.buffer(1).covers(d["geometry"])]
    assert inside, "Senaatintori is crossable on the walk network"
    # crossing edges are not walkway segments of their own
    crossing_pairs = {frozenset((u, v)) for u, v, d in graph.edges(data=True)
                      if d.get("area_crossing")}
    path_pairs = {frozenset(p) for p in zip(sample_area.paths["u"], sample_area.paths["v"],
                                            strict=True)}
    assert crossing_pairs.isdisjoint(path_pairs)


def test_schoolyards_are_grounds_without_buildings(sample_area):
    yards = sample_area.schoolyards
    buildings = sample_area.buildings.geometry.union_all()
    for geom in yards.geometry:
        assert geom.intersection(buildings).area < 1.0
    assert (yards["area_m2"] >= 20).all()


def test_tunnels_come_from_walkable_paths(sample_area):
    tunnels = sample_area.tunnels
    assert set(tunnels["kind"]) <= {"yes", "building_passage", "covered", "culvert"}
    assert tunnels["length_m"].sum() > 100


def test_lamps_keep_their_tags(sample_area):
    lamps = sample_area.lamps
    for col in ("light:count", "height", "light:height", "lamp_mount", "light:method",
                "mount_height_m"):
        assert col in lamps.columns
    assert (lamps.geom_type == "Point").all()
    assert lamps["mount_height_m"].isna().all()  # the sample has no heights: never invented


def test_summary_and_layer_attributes(sample_area):
    text = sample_area.summary()
    assert "Helsinki sample" in text and "lit" in text and "clipped" in text
    assert sample_area.paths is sample_area.layers["paths"]
    with pytest.raises(AttributeError):
        _ = sample_area.no_such_layer


def test_import_stays_light():
    code = ("import sys, sjobo_geo; "
            "heavy = [m for m in ('geopandas', 'osmnx', 'folium', 'shapely', 'pandas') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_area_model_is_kept_and_rebuilt_when_its_inputs_change(tmp_path, monkeypatch,
                                                                 sample_pbf):
    """A built model is kept on disk; a changed OSM file (or profile) gives another key, a
    broken kept file is rebuilt, and SJOBO_GEO_AREA_CACHE=0 turns keeping off."""
    import shutil

    from sjobo_geo import load_area, settings
    from sjobo_geo.core import area as area_mod
    from sjobo_geo.core import osm as osm_mod
    from sjobo_geo.core.area import _cache_file
    from sjobo_geo.core.profiles import load_profile

    monkeypatch.setattr(settings, "area_cache_folder", tmp_path / "kept")
    osm = tmp_path / "extract.osm.pbf"
    shutil.copyfile(sample_pbf, osm)
    first = load_area("sample", osm_file=osm)
    assert "cache" not in first.meta
    kept = list((tmp_path / "kept").iterdir())
    assert len(kept) == 1
    second = load_area("sample", osm_file=osm)
    assert second.meta["cache"] == str(kept[0])
    assert second.counts() == first.counts()
    assert second.layers["paths"].equals(first.layers["paths"])
    assert "model kept from an earlier run" in second.summary()
    # another profile field or a touched file: another key
    profile = load_profile("sample")
    key = _cache_file(profile, osm, None)
    osm.touch()
    assert _cache_file(profile, osm, None) != key
    # a broken kept file is built again, not fatal (the build itself is checked above: here
    # it is recorded, not repeated)
    broken = _cache_file(profile, osm, None)
    broken.write_bytes(b"not a pickle")
    reads, builds = [], []
    monkeypatch.setattr(osm_mod, "fetch_osm",
                        lambda prof, osm_file, source: reads.append(osm_file) or "data")
    monkeypatch.setattr(area_mod, "build_area",
                        lambda data, prof: builds.append(data) or first)
    third = load_area("sample", osm_file=osm)
    assert reads == [osm] and builds == ["data"] and third is first
    assert "cache" not in third.meta
    monkeypatch.setattr(settings, "area_cache", False)
    assert _cache_file(profile, osm, None) is None
