"""GeoPackage output: one layer per kind, readable by GDAL, in the area's CRS."""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
from shapely import Point

from sjobo_geo.core.area import LAYER_KINDS
from sjobo_geo.core.files import atomic_path, write_gpkg_layers


def test_area_gpkg_has_a_layer_per_kind(offline_area_outputs, sample_area):
    path = offline_area_outputs["gpkg"]
    layers = dict(pyogrio.list_layers(path))
    assert set(LAYER_KINDS) | {"about"} == set(layers)
    for kind in LAYER_KINDS:
        info = pyogrio.read_info(path, layer=kind)
        assert info["features"] == len(sample_area.layers[kind]), kind
        assert info["crs"] == "EPSG:3067", kind


def test_area_gpkg_round_trips(offline_area_outputs, sample_area):
    path = offline_area_outputs["gpkg"]
    paths = gpd.read_file(path, layer="paths")
    assert paths.crs == sample_area.crs
    assert paths["lit_status"].value_counts().to_dict() == (
        sample_area.paths["lit_status"].astype(str).value_counts().to_dict()
    )
    assert paths.length.sum() == pytest.approx(sample_area.paths.length.sum(), rel=1e-6)
    about = pyogrio.read_dataframe(path, layer="about")
    meta = dict(zip(about["key"], about["value"], strict=True))
    assert meta["source"] == "sample"
    assert "OpenStreetMap" in meta["attribution"]
    assert json.loads(meta["layers"])["lamps"] == 586


def test_gdal_validates_the_geopackage(offline_area_outputs):
    # GDAL's own GeoPackage checks run when the file is opened read-only with its driver
    info = pyogrio.read_info(offline_area_outputs["gpkg"], layer="buildings")
    assert info["driver"] == "GPKG" and info["geometry_type"] == "Polygon"


def test_empty_and_mixed_layers(tmp_path):
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:3006")
    mixed = gpd.GeoDataFrame({"name": ["a", "b"], "tags": [["x", "y"], {"k": 1}]},
                             geometry=[Point(0, 0), Point(0, 0).buffer(1)], crs="EPSG:3006")
    path = write_gpkg_layers({"empty": empty, "mixed": mixed}, tmp_path / "x.gpkg")
    assert dict(pyogrio.list_layers(path)).keys() == {"empty", "mixed"}
    back = gpd.read_file(path, layer="mixed")
    assert list(back["tags"]) == ["x;y", '{"k": 1}']


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.gpkg"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]
