"""The offline patrol page in headless Chromium: every layer drawn, no console errors."""

from __future__ import annotations

import pytest
from browser import chromium, severe_console_messages
from helpers import LAYER_STATE_JS, wait_for

pytestmark = pytest.mark.browser


def test_patrol_page(tmp_path, sample_area):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.patrol import run_patrol
    from sjobo_geo.maps.offline import install_assets

    install_assets()
    src = write_sample_reports(sample_area, tmp_path / "r.csv", n=300, seed=9)
    result = run_patrol(src, sample_area, out=tmp_path / "p", offline_html=True)
    with chromium() as driver:
        driver.get(result.files["map"].as_uri())
        wait_for(driver, "return !!(window.SJOBO_LAYERS && window.SJOBO_MAP)")
        state = driver.execute_script(LAYER_STATE_JS)
        messages = severe_console_messages(driver)
        banner = driver.find_elements("id", "sjobo-synthetic-banner")
    assert state, "layers are registered"
    for key, s in state.items():
        assert s["features"] >= s["expected"] and s["drawn"] == s["features"], (key, s)
    assert messages == []
    assert banner, "synthetic input is labelled on the page"
