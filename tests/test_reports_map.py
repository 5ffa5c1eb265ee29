"""Report maps: internal (every report, popups with free text) and public (counted cells only),
in Python and in headless Chromium (offline pages)."""

from __future__ import annotations

import html
import math
import re
import time

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from helpers import wait_for
from shapely import Point, box

from sjobo_geo.inputs.reports.schema import REPORT_COLUMNS, ReportSet
from sjobo_geo.maps.reports import _n_classes, _time_text, reports_map

CODES = ("belysning", "otrygghet", "klotter", "hot_vald")
BANDS = ("night", "morning", "day", "evening", "unknown")
BAND_HOURS = {"night": 23.5, "morning": 7.25, "day": 13.0, "evening": 19.0}
SOURCES = ("survey", "est", "dialogue")
ACTORS = ("Polisen", "Bostäder Borås", None)
XSS = ("<script>window.__xss=1</script>", '<img src=x onerror="window.__xss=2">')
JINJA = "{{ 7*7 }} {% if true %}jinja{% endif %}"
N_REPORTS = 30
CELL = 250.0
K = 5


def _report_set(area, *, synthetic: bool) -> ReportSet:
    """30 reports 3 m beside the midpoints of paths spread over the area: 4 categories x 5
    time bands, timestamps for some, weekday + hour for others; two texts try XSS."""
    paths = area.layers["paths"]
    paths = paths[paths.length > 20]
    paths = paths.iloc[:: max(1, len(paths) // N_REPORTS)].iloc[:N_REPORTS]
    rows, geoms = [], []
    for i, line in enumerate(paths.geometry):
        mid = line.interpolate(0.5, normalized=True)
        band = BANDS[i % len(BANDS)]
        hour = BAND_HOURS.get(band, np.nan)
        has_ts = band != "unknown" and i % 3 == 0
        ts = (pd.Timestamp("2024-03-04") + pd.Timedelta(days=i % 7, hours=hour)
              if has_ts else pd.NaT)
        text = XSS[i] if i < len(XSS) else (JINJA if i == 2 else f"Rapport {i}: mörkt vid gången")
        rows.append({
            "report_id": f"RPT-{i:03d}", "row": i + 2, "source": SOURCES[i % 3],
            "actor": ACTORS[i % 3], "category": CODES[i % len(CODES)], "timestamp": ts,
            "weekday": ts.weekday() if has_ts else (pd.NA if band == "unknown" else i % 7),
            "hour": hour, "time_band": band, "after_dark": pd.NA, "weight": 1.0,
            "place_text": pd.NA, "text": text, "x": mid.x + 3, "y": mid.y + 2,
            "located_by": "coordinates", "snapped_to": "", "snap_distance_m": 3.6,
            "synthetic": synthetic,
        })
        geoms.append(Point(mid.x + 3, mid.y + 2))
    df = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df["weekday"] = df["weekday"].astype("Int64")
    df["after_dark"] = df["after_dark"].astype("boolean")
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs=area.crs)
    return ReportSet(reports=gdf, rejects=pd.DataFrame(columns=["row", "column", "value",
                                                                "reason"]),
                     total=len(gdf), source_file="constructed", meta={"synthetic": synthetic})


def _cells(area) -> gpd.GeoDataFrame:
    """Cells as public_aggregate gives them (plus one with n < k, which must not be drawn)."""
    minx, miny, _maxx, _maxy = area.boundary.bounds
    x0, y0 = math.floor(minx / CELL) * CELL, math.floor(miny / CELL) * CELL
    spec = [  # category, band, (column, row, n) ...
        ("all", "all", [(1, 1, 12), (1, 2, 7), (2, 2, 25), (2, 3, 5), (3, 4, 9), (1, 4, 6),
                        (2, 5, 3)]),
        ("all", "night", [(1, 1, 6), (2, 2, 11), (2, 3, 5)]),
        ("all", "day", [(2, 2, 8)]),
        ("belysning", "all", [(1, 1, 8), (2, 2, 14), (3, 4, 5), (1, 2, 5)]),
        ("belysning", "night", [(2, 2, 9), (1, 1, 5)]),
        ("otrygghet", "all", [(2, 2, 6), (2, 3, 5)]),
        ("otrygghet", "evening", [(2, 2, 5)]),
    ]
    rows = []
    for category, band, cells in spec:
        for c, r, n in cells:
            x, y = x0 + c * CELL, y0 + r * CELL
            rows.append({"cell_id": f"E{int(x)}N{int(y)}", "category": category,
                         "time_band": band, "n": n, "weight": float(n),
                         "geometry": box(x, y, x + CELL, y + CELL)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=area.crs)


def _expected_cells(cells: gpd.GeoDataFrame, band: str) -> dict[str, int]:
    shown = cells[cells["n"] >= K]
    return {f"cells_{c}": int(((shown["category"] == c) & (shown["time_band"] == band)).sum())
            for c in ["all", *sorted(set(cells["category"]) - {"all"})]}


@pytest.fixture(scope="module")
def reports(sample_area):
    return _report_set(sample_area, synthetic=True)


@pytest.fixture(scope="module")
def real_reports(sample_area):
    return _report_set(sample_area, synthetic=False)


@pytest.fixture(scope="module")
def cells(sample_area):
    return _cells(sample_area)


def _page(m: folium.Map) -> str:
    return m.get_root().render()


def _position_patterns(reports: ReportSet) -> list[re.Pattern[str]]:
    """Regexes for each report's WGS84 position as a coordinate pair (either order), at 5
    decimals (rounded or cut), so that a leak at 5 or more decimals is found."""
    wgs = reports.reports.geometry.to_crs("EPSG:4326")
    out = []
    for p in wgs:
        for fmt in (lambda v: f"{v:.5f}", lambda v: f"{math.floor(v * 1e5) / 1e5:.5f}"):
            lon, lat = re.escape(fmt(p.x)), re.escape(fmt(p.y))
            out.append(re.compile(rf"{lon}\d*\s*,\s*{lat}|{lat}\d*\s*,\s*{lon}"))
    return out


# ---- Python level ------------------------------------------------------------------------


def test_internal_map_swedish_by_default(sample_area, reports):
    m = reports_map(reports, sample_area, tiles=False)
    assert isinstance(m, folium.Map)
    page = _page(m)
    for text in ("Belysning", "Otrygghet", "Klotter", "Hot och våld", "Rapporter",
                 "Tid på dygnet", "Natt 22–06", "Morgon 06–10", "Dag 10–17", "Kväll 17–22",
                 "Okänd tid", "Digital enkät", "Fritext", "Rapport-id",
                 "SYNTETISKA DATA – inte verkliga rapporter", "sjobo-synthetic-banner",
                 "SJOBO_TIME_FILTER", "sjobo-time-filter", "markerClusterGroup",
                 "featureGroup.subGroup"):
        assert text in page, text
    assert "reports_belysning" in page and "reports_hot_vald" in page
    assert "reports_stold" not in page  # only categories that occur get a layer


def test_internal_map_english_on_request(sample_area, reports):
    page = _page(reports_map(reports, sample_area, tiles=False, lang="en"))
    for text in ("Lighting", "Feeling unsafe", "Graffiti", "Threats and violence",
                 "Time of day", "Night 22–06", "Unknown time", "Survey",
                 "SYNTHETIC DATA – not real reports"):
        assert text in page, text
    for text in ("Belysning", "Tid på dygnet", "SYNTETISKA", "Digital enkät"):
        assert text not in page, text


def test_internal_map_escapes_report_text(sample_area, reports):
    page = _page(reports_map(reports, sample_area, tiles=False))
    assert "<script>window.__xss" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;" in page
    # branca parses rendered scripts as Jinja again: braces in data must not survive as such
    assert "49 jinja" not in page
    assert "&#123;&#123; 7*7 &#125;&#125; &#123;% if true %&#125;jinja&#123;% endif %&#125;" in page
    assert "Rapport 7: mörkt vid gången" in page  # internal maps keep detail
    assert any(p.search(page) for p in _position_patterns(reports))  # the check below works


def test_public_map_has_no_report_detail(sample_area, reports, cells):
    for m in (None, folium.Map(tiles=None)):  # with and without the OSM background
        page = _page(reports_map(reports, sample_area, m, public=True, cells=cells,
                                 tiles=False))
        texts = reports.reports["text"].dropna().tolist()
        assert "__xss" not in page and "7*7" not in page and "mörkt vid gången" not in page
        for text in texts:
            assert text not in page and html.escape(text) not in page
        for rid in reports.reports["report_id"]:
            assert rid not in page
        assert "Polisen" not in page and "Bostäder Borås" not in page
        assert "bindPopup" not in page and "sjobo-report" not in page
        assert "circleMarker" not in page and "L.marker" not in page
        leaks = [p.pattern for p in _position_patterns(reports) if p.search(page)]
        assert leaks == []
    assert "SYNTETISKA DATA – inte verkliga rapporter" in page
    assert ("Publik karta: rapporter sammanräknade i rutor om 250 m; rutor med färre än 5 "
            "rapporter visas inte") in page
    assert "minst 5 per visad ruta" in page and "Antal rapporter per ruta" in page
    assert "cells_all" in page and "cells_belysning" in page and "cells_otrygghet" in page


def test_public_map_from_public_aggregate(sample_area, reports):
    from sjobo_geo.analysis.privacy import public_aggregate

    cells = public_aggregate(reports, k=2, cell_size=400)
    assert len(cells)
    page = _page(reports_map(reports, sample_area, folium.Map(tiles=None), public=True,
                             cells=cells, k=2))
    assert "rutor om 400 m; rutor med färre än 2 rapporter" in page
    assert [p.pattern for p in _position_patterns(reports) if p.search(page)] == []
    assert "__xss" not in page and "RPT-0" not in page


def test_public_map_english(sample_area, real_reports, cells):
    page = _page(reports_map(real_reports, sample_area, public=True, cells=cells, lang="en",
                             tiles=False, k=6))
    assert ("Public map: reports counted in cells of 250 m; cells with fewer than 6 reports "
            "are not shown") in page
    assert "All categories" in page and "Lighting" in page and "Reports per cell" in page


def test_synthetic_banner_only_for_synthetic_reports(sample_area, real_reports, cells):
    assert not real_reports.synthetic
    for kwargs in ({}, {"public": True, "cells": cells}):
        page = _page(reports_map(real_reports, sample_area, tiles=False, **kwargs))
        assert "sjobo-synthetic-banner" not in page and "SYNTETISKA" not in page


def test_public_map_without_cells_is_an_error(sample_area, reports):
    with pytest.raises(ValueError, match="public_aggregate"):
        reports_map(reports, sample_area, public=True)
    with pytest.raises(ValueError, match="time_band"):
        reports_map(reports, sample_area, public=True,
                    cells=_cells(sample_area).drop(columns="time_band"))


def test_stacks_on_a_given_map(sample_area, reports):
    from sjobo_geo.maps.base import area_map

    m = area_map(sample_area, layers=["lamps"], tiles=False)
    assert reports_map(reports, sample_area, m) is m
    controls = [c for c in m._children.values() if isinstance(c, folium.LayerControl)]
    assert len(controls) == 1
    assert _page(m).count('id = \'sjobo-time-filter\'') == 1


def test_unknown_category_and_missing_geometry(sample_area, reports):
    gdf = reports.reports.copy()
    gdf.loc[gdf.index[3], "category"] = "x{{ 7*7 }}<u>q"
    gdf.loc[gdf.index[4], "geometry"] = None
    odd = ReportSet(reports=gdf, rejects=reports.rejects, total=len(gdf))
    page = _page(reports_map(odd, sample_area, tiles=False))
    assert "reports_x___7_7____u_q" in page and "<u>q" not in page and "x49" not in page
    assert "RPT-004" not in page  # no position, no marker


def test_no_reports(sample_area, reports):
    empty = ReportSet(reports=reports.reports.iloc[:0], rejects=reports.rejects, total=0)
    page = _page(reports_map(empty, sample_area, tiles=False))
    assert "SJOBO_TIME_FILTER" in page and "reports_belysning" not in page


def test_time_text():
    ts = pd.Timestamp("2024-03-05 22:15")
    assert _time_text(ts, 1, 22.25, "night", "sv") == "2024-03-05 22:15 (tisdag) · Natt 22–06"
    assert _time_text(pd.NaT, 4, 7.5, "morning", "en") == "Friday 07:30 · Morning 06–10"
    assert _time_text(pd.NaT, 4, 7.5, "morning", "sv") == "fredag kl. 07:30 · Morgon 06–10"
    assert _time_text(pd.NaT, pd.NA, np.nan, "unknown", "sv") == "Okänd tid"
    assert _time_text(pd.NaT, 6, np.nan, "unknown", "en") == "Sunday"


def test_n_classes_cover_the_range():
    classes = _n_classes([5, 5, 6, 7, 9, 12, 25, 40])
    assert classes[0][0].startswith("5") and classes[-1][0].endswith("40")
    lows = [low for _t, low, _c in classes]
    assert lows == sorted(set(lows)) and len(classes) <= 5
    assert _n_classes([5]) == [("5", 5, "#fd8d3c")]
    assert _n_classes([]) == []


# ---- in the browser ------------------------------------------------------------------------

STATE_JS = """
const out = {layers: {}};
let cluster = null;
for (const [key, entry] of Object.entries(window.SJOBO_LAYERS)) {
  if (!key.startsWith('reports_')) { continue; }
  const sub = entry.layer;
  cluster = sub.getParentGroup();
  out.layers[key] = {expected: entry.expected, on: SJOBO_MAP.hasLayer(sub),
                     ids: sub.getLayers().map(l => l.sjobo.id).sort()};
}
out.cluster = cluster.getLayers().length;
out.band = window.SJOBO_TIME_BAND;
return out;
"""

CELLS_STATE_JS = """
const out = {};
for (const [key, entry] of Object.entries(window.SJOBO_LAYERS)) {
  if (!key.startsWith('cells_')) { continue; }
  if (!SJOBO_MAP.hasLayer(entry.layer)) { SJOBO_MAP.addLayer(entry.layer); }
  const leaves = [];
  const walk = (l) => {
    if (l.getLayers) { l.getLayers().forEach(walk); } else { leaves.push(l); }
  };
  walk(entry.layer);
  const drawn = leaves.filter(l => l._path && document.body.contains(l._path));
  out[key] = {expected: entry.expected, features: leaves.length, drawn: drawn.length};
}
return out;
"""

OPEN_POPUP_JS = """
const done = arguments[arguments.length - 1];
const id = arguments[0];
let marker = null, cluster = null;
for (const [key, entry] of Object.entries(window.SJOBO_LAYERS)) {
  if (!key.startsWith('reports_')) { continue; }
  cluster = entry.layer.getParentGroup();
  entry.layer.getLayers().forEach(l => { if (l.sjobo.id === id) { marker = l; } });
}
if (!marker) { done('no marker ' + id); return; }
// Zoom in to the marker in two steps without animation, waiting for the cluster each time
// (zoomToShowLayer and getVisibleParent look for an icon, which a circle marker lacks: a
// circle marker is shown when it has a map), then open its popup and read its content.
const wait = (ready, then, tries) => {
  if (ready()) { then(); }
  else if (tries > 0) { setTimeout(() => wait(ready, then, tries - 1), 50); }
  else { done('timed out showing ' + id); }
};
SJOBO_MAP.closePopup();
SJOBO_MAP.setView(marker.getLatLng(), SJOBO_MAP.getMaxZoom() - 2, {animate: false});
wait(() => !cluster._inZoomAnimation, () => {
  SJOBO_MAP.setView(marker.getLatLng(), SJOBO_MAP.getMaxZoom(), {animate: false});
  wait(() => marker._map && !cluster._inZoomAnimation, () => {
    marker.openPopup();
    done(marker.getPopup().getElement().querySelector('.leaflet-popup-content').innerText);
  }, 100);
}, 100);
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory, sample_area, reports, cells):
    from sjobo_geo.maps.offline import install_assets, save_map

    install_assets()
    out = tmp_path_factory.mktemp("reports_map")
    return {
        "internal": save_map(reports_map(reports, sample_area, tiles=False),
                             out / "internal.html", offline=True),
        "public": save_map(reports_map(reports, sample_area, public=True, cells=cells,
                                       tiles=False), out / "public.html", offline=True),
    }


@pytest.fixture(scope="module")
def driver():
    from browser import chromium

    with chromium() as d:
        d.set_script_timeout(30)
        yield d


def _ids(reports: ReportSet, band: str = "all") -> dict[str, list[str]]:
    df = reports.reports
    if band != "all":
        df = df[df["time_band"] == band]
    return {f"reports_{c}": sorted(df.loc[df["category"] == c, "report_id"]) for c in CODES}


@pytest.mark.browser
def test_internal_map_in_the_browser(driver, pages, reports):
    from browser import severe_console_messages

    driver.get(pages["internal"].as_uri())
    wait_for(driver, "return !!(window.L && window.SJOBO_LAYERS && window.SJOBO_TIME_FILTER)")

    # every category drawn, with its reports, all in the one cluster
    state = driver.execute_script(STATE_JS)
    expected = _ids(reports)
    assert set(state["layers"]) == set(expected)
    for key, s in state["layers"].items():
        assert s["on"] and s["ids"] == expected[key] and s["expected"] == len(expected[key])
    assert state["cluster"] == N_REPORTS and state["band"] == "all"

    # a time band leaves only its reports, in every layer and in the cluster
    for band in ("night", "unknown"):
        driver.execute_script("SJOBO_TIME_FILTER(arguments[0])", band)
        state = driver.execute_script(STATE_JS)
        want = _ids(reports, band)
        assert {k: s["ids"] for k, s in state["layers"].items()} == want, band
        assert state["cluster"] == sum(map(len, want.values())) and state["band"] == band
    driver.execute_script("SJOBO_TIME_FILTER('all')")
    state = driver.execute_script(STATE_JS)
    assert {k: s["ids"] for k, s in state["layers"].items()} == expected
    assert state["cluster"] == N_REPORTS

    # the control does the same; a layer switched off stays consistent with the cluster
    driver.execute_script("""
        SJOBO_MAP.removeLayer(SJOBO_LAYERS.reports_belysning.layer);
        const s = document.getElementById('sjobo-time-filter-select');
        s.value = 'day'; s.dispatchEvent(new Event('change'));""")
    state = driver.execute_script(STATE_JS)
    day = _ids(reports, "day")
    assert state["band"] == "day" and state["layers"]["reports_belysning"]["ids"] == \
        day["reports_belysning"]
    assert state["cluster"] == sum(len(v) for k, v in day.items() if k != "reports_belysning")
    driver.execute_script("SJOBO_MAP.addLayer(SJOBO_LAYERS.reports_belysning.layer);"
                          "SJOBO_TIME_FILTER('all')")
    assert driver.execute_script(STATE_JS)["cluster"] == N_REPORTS

    # popups show text from data as text
    texts = {rid: driver.execute_async_script(OPEN_POPUP_JS, rid)
             for rid in ("RPT-000", "RPT-001", "RPT-002")}
    time.sleep(0.3)
    xss = driver.execute_script("return window.__xss === undefined ? null : window.__xss")
    images = driver.execute_script("return document.querySelectorAll('img[src=x]').length")
    assert xss is None and images == 0
    assert XSS[0] in texts["RPT-000"] and XSS[1] in texts["RPT-001"]
    assert JINJA in texts["RPT-002"]
    first = reports.reports.iloc[0]
    assert "Belysning" in texts["RPT-000"] and "Digital enkät" in texts["RPT-000"]
    assert "Polisen" in texts["RPT-000"] and "RPT-000" in texts["RPT-000"]
    assert "Natt 22–06" in texts["RPT-000"] and f"{first['timestamp']:%Y-%m-%d}" in \
        texts["RPT-000"]

    control = driver.find_element("id", "sjobo-time-filter").text
    banner = driver.find_element("id", "sjobo-synthetic-banner").text
    legend = driver.find_element("id", "sjobo-legend").text
    layers = driver.find_element("css selector", ".leaflet-control-layers").text
    messages = severe_console_messages(driver)
    assert "Tid på dygnet" in control and "Kväll 17–22" in control
    assert banner == "SYNTETISKA DATA – inte verkliga rapporter"
    assert "Rapporter" in legend and "Hot och våld" in legend
    assert "Belysning" in layers and "Klotter" in layers
    assert messages == []


@pytest.mark.browser
def test_public_map_in_the_browser(driver, pages, cells):
    from browser import severe_console_messages

    driver.get(pages["public"].as_uri())
    wait_for(driver, "return !!(window.L && window.SJOBO_LAYERS && window.SJOBO_TIME_FILTER)")
    state = driver.execute_script(CELLS_STATE_JS)
    want = _expected_cells(cells, "all")
    assert set(state) == set(want)
    for key, s in state.items():
        assert s["expected"] == s["features"] == s["drawn"] == want[key], (key, s)

    for band in ("night", "evening", "all"):
        driver.execute_script("SJOBO_TIME_FILTER(arguments[0])", band)
        state = driver.execute_script(CELLS_STATE_JS)
        want = _expected_cells(cells, band)
        assert {k: s["features"] for k, s in state.items()} == want, band
        assert all(s["drawn"] == s["features"] for s in state.values()), band

    tooltip = driver.execute_script("""
        let text = null;
        SJOBO_LAYERS.cells_belysning.layer.eachLayer(g => g.eachLayer(l => {
            if (l.feature.properties.n !== 14) { return; }
            l.fire('mouseover', {latlng: l.getBounds().getCenter()}, true);
            text = g.getTooltip().getElement().innerText;
        }));
        return text;""")
    markers = driver.execute_script(
        "let n = 0; SJOBO_MAP.eachLayer(l => { if (l instanceof L.CircleMarker"
        " || l instanceof L.Marker) { n++; } }); return n;")
    note = driver.find_element("id", "sjobo-public-note").text
    messages = severe_console_messages(driver)
    assert "Belysning" in tooltip and "14" in tooltip and "minst 5" in tooltip
    assert markers == 0
    assert "rutor om 250 m" in note and "färre än 5" in note
    assert messages == []
