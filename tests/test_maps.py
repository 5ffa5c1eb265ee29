"""The base map: layers per kind, legends in Swedish and English, escaping of data text."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import pytest
from shapely import box

from sjobo_geo.core.i18n import label
from sjobo_geo.maps.base import area_map


def test_area_map_is_a_folium_map_with_swedish_legend(sample_area):
    m = area_map(sample_area)
    assert isinstance(m, folium.Map)
    page = m.get_root().render()
    for text in ("Teckenförklaring", "Gångvägar: belysta", "Gångvägar: obelysta (lit=no)",
                 "Gångvägar: belysning okänd", "Innergårdar", "Skolgårdar", "Gatlampor",
                 "Sikthindrande vegetation", "Kartdata © OpenStreetMaps bidragsgivare"):
        assert text in page, text
    assert "SJOBO_LAYERS" in page


def test_english_on_request(sample_area):
    page = area_map(sample_area, lang="en").get_root().render()
    assert "Legend" in page and "Walkways: unlit (lit=no)" in page and "Courtyards" in page
    assert "Teckenförklaring" not in page


def test_unknown_language_is_a_clear_error(sample_area):
    with pytest.raises(ValueError, match="choose one of sv, en"):
        area_map(sample_area, lang="fi")


def test_every_kind_has_labels_in_both_languages():
    from sjobo_geo.core.area import LAYER_KINDS

    for kind in LAYER_KINDS:
        assert label(kind, "sv") != kind and label(kind, "en") != kind


def test_maps_stack_on_a_given_map(sample_area):
    m = area_map(sample_area, layers=["buildings"])
    same = area_map(sample_area, m, layers=["lamps"])
    assert same is m


def test_data_text_is_html_escaped(sample_area):
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    area = _with_named_square(sample_area, evil)
    page = area_map(area, layers=["squares"]).get_root().render()
    assert "<script>alert(1)" not in page and "<img src=x onerror" not in page
    # escaped once for HTML; folium's JSON writes "&" itself as \u0026
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in page


def test_no_tiles_offline_but_background_layer(sample_area):
    page = area_map(sample_area, tiles=False).get_root().render()
    assert "tile.openstreetmap.org" not in page
    assert "Bakgrund (byggnader och gator)" in page
    assert re.search(r'"maxZoom":\s*19', page)


def _with_named_square(area, name):
    import dataclasses

    squares = gpd.GeoDataFrame(
        {"osm_type": ["way"], "osm_id": [1], "name": [name], "kind": ["square"]},
        geometry=[box(*area.boundary.centroid.buffer(20).bounds)], crs=area.crs,
    )
    return dataclasses.replace(area, layers={**area.layers, "squares": squares},
                               _gazetteer=None)


def test_template_syntax_in_osm_names_is_not_run(sample_area):
    """branca renders scripts as Jinja templates again: data must never become code."""
    names = ["Plats {{ 7*7 }}", "Plats {% if true %}x{% endif %}", "Plats {# comment"]
    page = "".join(
        area_map(_with_named_square(sample_area, name), layers=["squares"]).get_root().render()
        for name in names
    )
    assert "Plats 49" not in page and "Plats x" not in page
    assert "\\u0026#123;\\u0026#123; 7*7 \\u0026#125;\\u0026#125;" in page
