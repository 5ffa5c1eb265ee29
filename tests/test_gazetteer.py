"""Gazetteer: names and aliases, case- and diacritic-insensitive, on constructed and real data."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pytest
from shapely import LineString, Point, box

from sjobo_geo._errors import PlaceNotFoundError, SjoboGeoError
from sjobo_geo.core.area import LAYER_KINDS, Area
from sjobo_geo.core.gazetteer import normalise_name
from sjobo_geo.core.profiles import load_profile

CRS = "EPSG:3006"


def _layer(rows):
    return gpd.GeoDataFrame(rows, geometry=[r.pop("geometry") for r in rows], crs=CRS)


@pytest.fixture
def sjobo_like():
    """A constructed area with Sjöbo's names (no real geometry is implied)."""
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=CRS)
    layers = {kind: empty for kind in LAYER_KINDS}
    layers["squares"] = _layer([{"name": "Sjöbo torg", "kind": "square",
                                 "geometry": box(0, 0, 50, 40)}])
    layers["schools"] = _layer([{"name": "Sjöboskolan", "kind": "school",
                                 "geometry": box(200, 0, 300, 80)}])
    layers["playgrounds"] = _layer([{"name": "Ekängslidens lekplats", "kind": "playground",
                                     "geometry": Point(400, 400).buffer(10)}])
    layers["paths"] = _layer([
        {"name": "Norra Sjöbogatan", "geometry": LineString([(0, 100), (100, 100)])},
        {"name": "Norra Sjöbogatan", "geometry": LineString([(100, 100), (200, 120)])},
        {"name": "Ekängsgatan", "geometry": LineString([(0, 300), (100, 300)])},
    ])
    return Area(profile=load_profile("sjobo"), crs=CRS, boundary=box(-10, -10, 500, 500),
                graph=nx.MultiDiGraph(), layers=layers)


def test_normalise():
    assert normalise_name("Sjöbo TORG") == normalise_name("sjobo torg") == "sjobo torg"
    assert normalise_name("Ekängs-liden!") == "ekangs-liden"


@pytest.mark.parametrize("query", ["sjobo torg", "SJÖBO TORG", "Sjöbo  torg", "sjöbo torg"])
def test_case_and_diacritic_insensitive(sjobo_like, query):
    place = sjobo_like.find(query)
    assert place.name == "Sjöbo torg" and place.kind == "squares"
    assert place.geometry.area == pytest.approx(2000)


def test_aliases_from_the_profile(sjobo_like):
    assert sjobo_like.find("torget").name == "Sjöbo torg"
    assert sjobo_like.find("Sjöbo centrum").name == "Sjöbo torg"
    assert sjobo_like.find("skolan").name == "Sjöboskolan"
    # the key place "Ekängsliden" resolves to the OSM playground by its name pattern
    assert sjobo_like.find("Ekängsliden").name == "Ekängslidens lekplats"


def test_streets_are_one_place_of_many_segments(sjobo_like):
    street = sjobo_like.find("norra sjobogatan")
    assert street.kind == "paths" and street.n_features == 2
    assert street.geometry.length == pytest.approx(100 + (100**2 + 20**2) ** 0.5)


def test_fuzzy_and_prefix(sjobo_like):
    assert sjobo_like.find("Sjöboskolen").name == "Sjöboskolan"  # a typo
    assert sjobo_like.find("Sjöboskolan").matched == "exact"
    assert sjobo_like.find("Sjöboskolen").matched == "fuzzy"
    assert sjobo_like.find("ekangsgatan", kind="paths").kind == "paths"


def test_not_found_suggests(sjobo_like):
    with pytest.raises(PlaceNotFoundError, match="closest names") as info:
        sjobo_like.find("Sjöbohallen")  # a key place that OSM (here) does not have
    assert isinstance(info.value, LookupError) and isinstance(info.value, SjoboGeoError)
    with pytest.raises(PlaceNotFoundError):
        sjobo_like.find("Sjöbo torg", kind="schools")


def test_real_sample_places(sample_area):
    assert sample_area.find("senaatintori").kind == "squares"
    assert sample_area.find("Senate Square").name == "Senaatintori"  # alias
    assert sample_area.find("Järnvägstorget").name == "Rautatientori"
    school = sample_area.find("kaisaniemen ala aste")
    assert school.kind == "schools" and school.geometry.area > 1000
    street = sample_area.find("Aleksanterinkatu", kind="paths")
    assert street.n_features > 5 and street.geometry.length > 500
    role = sample_area.profile.role("main_square")
    assert sample_area.find(role).name == "Senaatintori"
