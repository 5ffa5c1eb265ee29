"""The offline area map in a real browser (headless Chromium): every layer renders, the
console stays clean, and text from data is shown as text, never run."""

from __future__ import annotations

import time

import pytest
from browser import chromium, severe_console_messages
from helpers import LAYER_STATE_JS, wait_for

pytestmark = pytest.mark.browser


def test_offline_area_map_renders_every_layer(offline_area_outputs):
    page = offline_area_outputs["map"]
    with chromium() as driver:
        driver.get(page.as_uri())
        wait_for(driver, "return !!(window.L && window.SJOBO_LAYERS && window.SJOBO_MAP)")
        state = driver.execute_script(LAYER_STATE_JS)
        messages = severe_console_messages(driver)
        legend = driver.find_element("id", "sjobo-legend").text
        control = driver.find_element("css selector", ".leaflet-control-layers").text
    from sjobo_geo.core.area import LAYER_KINDS

    expected_keys = {k for k in LAYER_KINDS if k != "paths"} | {
        "paths_lit", "paths_unlit", "paths_unknown"}
    assert set(state) == expected_keys
    for key, s in state.items():
        assert s["features"] >= s["expected"] > 0, (key, s)
        assert s["drawn"] == s["features"], (key, s)
    assert messages == []
    assert "Teckenförklaring" in legend and "Gångvägar: obelysta (lit=no)" in legend
    assert "Innergårdar" in control and "Gatlampor" in control


def test_data_text_shows_as_text_in_the_browser(tmp_path, sample_area):
    import dataclasses

    import geopandas as gpd
    from shapely import box

    from sjobo_geo.maps.base import area_map
    from sjobo_geo.maps.offline import save_map

    evil = ['<script>window.__xss = 1</script>Torg A',
            '<img src=x onerror="window.__xss = 2">Torg B']
    c = sample_area.boundary.centroid
    squares = gpd.GeoDataFrame(
        {"osm_type": ["way", "way"], "osm_id": [1, 2], "name": evil,
         "kind": ["square", "square"]},
        geometry=[box(c.x - 40, c.y - 40, c.x, c.y), box(c.x + 10, c.y, c.x + 50, c.y + 40)],
        crs=sample_area.crs,
    )
    area = dataclasses.replace(sample_area, layers={**sample_area.layers, "squares": squares},
                               _gazetteer=None)
    page = save_map(area_map(area, tiles=False, layers=["squares"]), tmp_path / "xss.html",
                    offline=True)
    with chromium() as driver:
        driver.get(page.as_uri())
        wait_for(driver, "return !!window.SJOBO_LAYERS")
        texts = driver.execute_script("""
            const texts = [];
            SJOBO_LAYERS.squares.layer.eachLayer(g => g.eachLayer(l => {
                // what a pointer does: hover the feature, the tooltip opens
                l.fire("mouseover", {latlng: l.getBounds().getCenter()}, true);
                texts.push(g.getTooltip().getElement().innerText);
            }));
            return texts;""")
        time.sleep(0.5)
        xss = driver.execute_script("return window.__xss === undefined ? null : window.__xss")
        images = driver.execute_script("return document.querySelectorAll('img[src=x]').length")
    assert xss is None and images == 0
    joined = "\n".join(texts)
    assert "<script>window.__xss = 1</script>Torg A" in joined
    assert '<img src=x onerror="window.__xss = 2">Torg B' in joined
