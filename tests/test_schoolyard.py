"""The schoolyard job: visibility, hidden places, vegetation actions, files and map."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest
from browser import chromium, severe_console_messages
from helpers import LAYER_STATE_JS, assert_one_line_error, run_cli, wait_for

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.analysis.schoolyard import SchoolyardError, schoolyard_place
from sjobo_geo.jobs.schoolyard import run_schoolyard


@pytest.fixture(scope="module")
def school_run(sample_area, tmp_path_factory):
    from sjobo_geo.maps.offline import install_assets

    install_assets()
    out = tmp_path_factory.mktemp("schoolyard")
    return run_schoolyard(sample_area, out=out, offline_html=True), out


def test_default_place_is_the_profiles_school(sample_area):
    name, geom = schoolyard_place(sample_area)
    assert name == "Kaisaniemen ala-aste"
    buildings = sample_area.buildings.geometry.union_all()
    assert geom.area > 500 and geom.intersection(buildings).area < 1.0


def test_files_and_contents(school_run):
    result, out = school_run
    assert {p.name for p in out.iterdir()} >= {"schoolyard.html", "schoolyard.gpkg",
                                               "vegetation_actions.csv"}
    layers = {name for name, _ in pyogrio.list_layers(out / "schoolyard.gpkg")}
    assert {"place", "visibility", "hidden_places", "vegetation_ranked", "observers",
            "about"} <= layers
    table = pd.read_csv(out / "vegetation_actions.csv")
    assert len(table) == len(result.actions.ranked) + len(result.actions.near_paths)
    assert table["action"].str.contains("Crime Prevention Victoria").any()
    assert result.min_observers >= 1
    assert "observers" in result.messages[0]
    vis = pyogrio.read_dataframe(out / "schoolyard.gpkg", layer="visibility")
    assert vis["cells"].sum() == len(result.actions.baseline.cells)


def test_map_in_the_browser(school_run):
    _, out = school_run
    with chromium() as driver:
        driver.get((out / "schoolyard.html").as_uri())
        wait_for(driver, "return !!(window.SJOBO_LAYERS && window.SJOBO_MAP)")
        state = driver.execute_script(LAYER_STATE_JS)
        messages = severe_console_messages(driver)
    assert {"place", "observers", "vegetation_ranked"} <= set(state)
    for key, s in state.items():
        assert s["features"] >= s["expected"] > 0 and s["drawn"] == s["features"], (key, s)
    assert messages == []


def test_place_that_is_not_an_area(sample_area):
    with pytest.raises(SchoolyardError, match="not an area") as info:
        schoolyard_place(sample_area, "Mikonkatu")
    assert isinstance(info.value, SjoboGeoError)


def test_cli_errors(tmp_path):
    assert_one_line_error(run_cli("schoolyard", "--place", "Atlantis", "--out", str(tmp_path)),
                          "no place named 'Atlantis'")


def test_lighting_gaps_are_drawn_when_given(sample_area, tmp_path):
    name, grounds = schoolyard_place(sample_area)
    paths = sample_area.paths
    gaps = paths[paths.intersects(grounds.buffer(40))].head(5).assign(gap_type="unknown_lit")
    result = run_schoolyard(sample_area, out=tmp_path, lighting=gaps[["gap_type", "geometry"]])
    layers = {n for n, _ in pyogrio.list_layers(result.files["gpkg"])}
    assert "lighting_gaps" in layers
    assert pyogrio.read_info(result.files["gpkg"], layer="lighting_gaps")["features"] == len(gaps)
    assert "Belysningsbrister" in result.files["map"].read_text(encoding="utf-8")


def test_measures_page_loads_and_lists_the_measures(tmp_path, sample_area):
    """`schoolyard --measures` with a register like the demo's: the measures layer is added
    before the layer control, so the page loads with a clean console and the control lists
    the measures (it threw "setZIndex" on load and showed no layer before)."""
    from sjobo_geo.maps.offline import install_assets

    install_assets()
    register = tmp_path / "measures.csv"
    register.write_text(
        "Åtgärd-ID,Löfte,Ansvarig,Plats,Typ,Datum,Status,Kommentar\n"
        "DEMO-1,6,Borås Stad,Kaisaniemen ala-aste,buskar röjda,2024-01-01,klar,x\n"
        "DEMO-2,5,Bostäder Borås,Senaatintori,fasadbelysning,2024-01-01,klar,x\n"
        "DEMO-3,1,Polisen,Rautatientori,ökad polisnärvaro,,planerad,x\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("schoolyard", "--measures", str(register), "--out", str(out),
                   "--offline-html")
    assert proc.returncode == 0, proc.stderr
    assert "3 rows, 3 accepted" in proc.stdout
    with chromium() as driver:
        driver.get((out / "schoolyard.html").as_uri())
        wait_for(driver, "return !!(window.SJOBO_LAYERS && window.SJOBO_MAP)")
        state = driver.execute_script(LAYER_STATE_JS)
        messages = severe_console_messages(driver)
        control = driver.find_element("css selector", ".leaflet-control-layers").text
        legend = driver.find_element("id", "sjobo-legend").text
    assert messages == []
    assert "Åtgärder" in control and "Platsen" in control
    measures = state["measures"]
    assert measures["expected"] == 3 and measures["features"] == measures["drawn"] == 3
    for key, s in state.items():
        assert s["features"] >= s["expected"] > 0 and s["drawn"] == s["features"], (key, s)
    assert "Åtgärder" in legend  # the status swatches join the page's legend


def test_measures_added_after_a_layer_control_move_it_after_them(sample_area, tmp_path):
    """A caller that adds the measures last still gets a working page: the control's script
    comes after the measures layer it names."""
    import folium

    from sjobo_geo.maps.base import area_map
    from sjobo_geo.maps.measures import add_measures
    from sjobo_geo.maps.offline import render_map

    m = area_map(sample_area, tiles=False)
    assert any(isinstance(c, folium.LayerControl) for c in m._children.values())
    register = tmp_path / "m.csv"
    register.write_text("Åtgärd-ID,Plats,Typ,Datum,Status\n"
                        "A1,Senaatintori,fasadbelysning,2024-05-02,klar\n", encoding="utf-8")
    from sjobo_geo.inputs.measures import load_measures

    measures = load_measures(register, sample_area)
    assert measures.accepted == 1, measures.rejects
    group = add_measures(m, measures, lang="en")
    keys = list(m._children)
    control = next(k for k, c in m._children.items() if isinstance(c, folium.LayerControl))
    assert keys.index(group.get_name()) < keys.index(control)
    page = render_map(m, offline=False)
    assert page.index(f"var {group.get_name()} =") < page.index(control)
