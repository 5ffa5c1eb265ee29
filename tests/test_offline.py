"""Offline maps: CDN scripts and stylesheets inlined from the installed npm packages."""

from __future__ import annotations

import base64
import json
import re
import stat
from pathlib import Path

import pytest

from sjobo_geo._errors import AssetsMissingError, SjoboGeoError
from sjobo_geo.maps import offline
from sjobo_geo.maps.offline import (
    assets_installed,
    inline_assets,
    install_assets,
    pinned_packages,
    save_map,
    url_map,
)

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
FA_CSS = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css"
JQUERY_A = "https://code.jquery.com/jquery-3.7.1.min.js"
JQUERY_B = "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
# Script and stylesheet tags that would load something from the web.
EXTERNAL_TAG_RE = re.compile(
    r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE
)


def page(*tags: str) -> str:
    return "<!DOCTYPE html><html><head>" + "".join(tags) + "</head><body></body></html>"


def script(url: str) -> str:
    return f'<script src="{url}"></script>'


def link(url: str) -> str:
    return f'<link rel="stylesheet" href="{url}"/>'


@pytest.fixture
def fake_assets(tmp_path: Path) -> Path:
    """A tiny stand-in for the npm install folder, with a few files at mapped paths."""
    modules = tmp_path / "node_modules"
    files = {
        "leaflet/dist/leaflet.js": 'window.FAKE_LEAFLET = "</script><b>x</b>";',
        "leaflet/dist/leaflet.css": (
            ".a{background:url(images/layers.png)}"
            ".b{background-image:url('images/layers.png?v=2#top')}"
            '.c{background:url("data:image/svg+xml,%3csvg%3e%3c/svg%3e")}'
            ".d{behavior:url(#default#VML)}"
        ),
        "jquery/dist/jquery.min.js": "window.FAKE_JQUERY = (window.FAKE_JQUERY || 0) + 1;",
        "@fortawesome/fontawesome-free/css/all.min.css": (
            '@font-face{font-family:"Font Awesome 6 Free";font-weight:900;font-display:block;'
            'src:url(../webfonts/fa-solid-900.woff2) format("woff2"),'
            'url(../webfonts/fa-solid-900.ttf) format("truetype")}'
            '@font-face{font-family:"FontAwesome";font-display:block;'
            'src:url(../webfonts/fa-solid-900.woff2) format("woff2"),'
            'url(../webfonts/fa-solid-900.ttf) format("truetype");unicode-range:u+f000-f2ff}'
            '.fa{font-family:var(--fa-style-family,"Font Awesome 6 Free")}'
        ),
    }
    for rel, text in files.items():
        (modules / rel).parent.mkdir(parents=True, exist_ok=True)
        (modules / rel).write_text(text, encoding="utf-8")
    (modules / "leaflet/dist/images").mkdir()
    for name in ("layers.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"):
        (modules / "leaflet/dist/images" / name).write_bytes(PNG)
    webfonts = modules / "@fortawesome/fontawesome-free/webfonts"
    webfonts.mkdir()
    (webfonts / "fa-solid-900.woff2").write_bytes(b"wOF2-fake-woff2-font-data")
    (webfonts / "fa-solid-900.ttf").write_bytes(b"fake-truetype-font-data-that-must-not-be-used")
    return tmp_path


# ------------------------------------------------------------------------------------------
# The manifest
# ------------------------------------------------------------------------------------------


def test_manifest_maps_folium_default_urls() -> None:
    from folium.folium import _default_css, _default_js

    urls = url_map()
    for _, url in [*_default_js, *_default_css]:
        assert url in urls, url


def test_manifest_npm_specs_are_pinned_packages() -> None:
    pins = pinned_packages()
    for url, spec in url_map().items():
        kind, _, rest = spec.partition(":")
        assert kind in {"npm", "folium", "builtin"}, (url, spec)
        if kind == "npm":
            assert any(rest.startswith(name + "/") for name in pins), (url, spec)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in pins.values())


# ------------------------------------------------------------------------------------------
# inline_assets on small pages
# ------------------------------------------------------------------------------------------


def test_known_script_is_inlined_and_script_end_escaped(fake_assets: Path) -> None:
    out = inline_assets(page(script(LEAFLET_JS)), fake_assets)
    assert LEAFLET_JS not in out
    assert 'window.FAKE_LEAFLET = "<\\/script><b>x</b>";' in out
    assert out.count("</script>") == 1


def test_stylesheet_urls_become_data_uris(fake_assets: Path) -> None:
    out = inline_assets(page(link(LEAFLET_CSS)), fake_assets)
    png = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert "<style>" in out
    assert "<link" not in out
    assert out.count(f'url("{png}")') == 2
    assert "images/layers.png" not in out
    assert '.c{background:url("data:image/svg+xml,%3csvg%3e%3c/svg%3e")}' in out
    assert "url(#default#VML)" in out


def test_fonts_are_embedded_once_in_woff2_only(fake_assets: Path) -> None:
    out = inline_assets(page(link(FA_CSS)), fake_assets)
    woff2 = base64.b64encode(b"wOF2-fake-woff2-font-data").decode()
    ttf = base64.b64encode(b"fake-truetype-font-data-that-must-not-be-used").decode()
    assert out.count(woff2) == 1
    assert ttf not in out
    assert "webfonts/" not in out
    rules = json.loads(re.search(r"(\[\[.*?\]\])\.forEach", out).group(1))
    assert rules == [
        ["Font Awesome 6 Free", 0, {"weight": "900", "display": "block"}],
        ["FontAwesome", 0, {"display": "block", "unicodeRange": "u+f000-f2ff"}],
    ]
    assert "new FontFace(" in out
    assert '.fa{font-family:var(--fa-style-family,"Font Awesome 6 Free")}' in out


def test_same_file_from_two_cdns_is_inlined_once(fake_assets: Path) -> None:
    out = inline_assets(page(script(JQUERY_A), script(JQUERY_B)), fake_assets)
    assert out.count("window.FAKE_JQUERY") == 2  # one statement: read and write
    assert JQUERY_A not in out
    assert JQUERY_B not in out


def test_http_and_protocol_relative_urls_are_matched(fake_assets: Path) -> None:
    for url in (LEAFLET_JS.replace("https:", "http:"), LEAFLET_JS.replace("https:", "")):
        out = inline_assets(page(script(url)), fake_assets)
        assert "window.FAKE_LEAFLET" in out


@pytest.mark.parametrize(
    "tag",
    [
        script("https://example.org/lib.js"),
        script("//example.org/lib.js"),
        link("http://example.org/style.css"),
        "<style>@import url('https://example.org/style.css');</style>",
    ],
)
def test_unknown_external_reference_raises(fake_assets: Path, tag: str) -> None:
    with pytest.raises(SjoboGeoError, match=r"example\.org/(lib\.js|style\.css)"):
        inline_assets(page(script(LEAFLET_JS), tag), fake_assets)


def test_unknown_url_inside_css_raises(fake_assets: Path) -> None:
    css = fake_assets / "node_modules/leaflet/dist/leaflet.css"
    css.write_text(".x{background:url(https://example.org/tile.png)}", encoding="utf-8")
    with pytest.raises(SjoboGeoError, match=r"https://example\.org/tile\.png"):
        inline_assets(page(link(LEAFLET_CSS)), fake_assets)


def test_missing_file_raises_assets_missing(tmp_path: Path) -> None:
    with pytest.raises(AssetsMissingError) as info:
        inline_assets(page(script(LEAFLET_JS)), tmp_path)
    message = str(info.value)
    assert "sjobo-geo assets install" in message
    assert str(tmp_path / "node_modules/leaflet/dist/leaflet.js") in message
    assert isinstance(info.value, SjoboGeoError)


def test_inline_scripts_and_text_in_scripts_are_left_alone(fake_assets: Path) -> None:
    inline = (
        '<script>var popup = \'<link rel="stylesheet" href="https://example.org/a.css">\';</script>'
    )
    html = page(inline, "<!-- <script src='https://example.org/old.js'></script> -->")
    assert inline_assets(html, fake_assets) == html


def test_page_nested_as_data_uri_is_inlined(fake_assets: Path) -> None:
    nested = page(script(LEAFLET_JS))
    encoded = base64.b64encode(nested.encode()).decode()
    html = page(
        f'<script>var f = `<iframe src="data:text/html;charset=utf-8;base64,{encoded}">'
        "</iframe>`;</script>"
    )
    out = inline_assets(html, fake_assets)
    found = re.search(r"base64,([A-Za-z0-9+/=]+)", out).group(1)
    assert "window.FAKE_LEAFLET" in base64.b64decode(found).decode()
    bad = base64.b64encode(page(script("https://example.org/x.js")).encode()).decode()
    with pytest.raises(SjoboGeoError, match=r"example\.org/x\.js"):
        inline_assets(page(f"<script>var f = 'data:text/html;base64,{bad}';</script>"), fake_assets)


def test_awesome_rotate_css_is_builtin(fake_assets: Path) -> None:
    url = (
        "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
        "leaflet.awesome.rotate.min.css"
    )
    out = inline_assets(page(link(url)), fake_assets)
    assert ".fa-rotate-45{transform:rotate(45deg)}" in out
    assert ".fa-rotate-360{" in out


# ------------------------------------------------------------------------------------------
# install_assets without npm
# ------------------------------------------------------------------------------------------


def test_assets_installed_is_false_for_empty_folder(tmp_path: Path) -> None:
    assert not assets_installed(tmp_path)


def test_install_without_npm_raises(tmp_path: Path) -> None:
    with pytest.raises(AssetsMissingError, match="sjobo-geo assets install") as info:
        install_assets(tmp_path / "assets", npm=str(tmp_path / "no-such-npm"))
    assert "npm was not found" in str(info.value)


def test_install_with_failing_npm_raises(tmp_path: Path) -> None:
    fake_npm = tmp_path / "npm"
    fake_npm.write_text("#!/bin/sh\necho 'npm ERR! network' >&2\nexit 3\n", encoding="utf-8")
    fake_npm.chmod(fake_npm.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(AssetsMissingError, match="exit code 3") as info:
        install_assets(tmp_path / "assets", npm=str(fake_npm))
    assert "sjobo-geo assets install" in str(info.value)


# ------------------------------------------------------------------------------------------
# save_map
# ------------------------------------------------------------------------------------------


def test_save_map_online_writes_page_atomically(tmp_path: Path) -> None:
    import folium

    m = folium.Map(location=[59.33, 18.07], zoom_start=13, tiles=None)
    out = save_map(m, tmp_path / "maps" / "online.html", offline=False)
    assert out == tmp_path / "maps" / "online.html"
    assert LEAFLET_JS in out.read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == ["online.html"]


def test_save_map_offline_without_assets_raises_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import folium

    monkeypatch.setattr(offline.settings, "assets_folder", tmp_path / "no-assets")
    target = tmp_path / "offline.html"
    with pytest.raises(AssetsMissingError, match="sjobo-geo assets install"):
        save_map(folium.Map(tiles=None), target, offline=True)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------
# Real assets, real browser
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def installed_assets() -> Path:
    """Install the pinned npm packages (quick when already there): the npm registry is
    reachable here and in CI, so this never skips."""
    return install_assets()


@pytest.fixture(scope="module")
def driver():
    from browser import chromium

    with chromium() as d:
        yield d


def _offline_map(extra=None):
    import folium
    from folium.plugins import FeatureGroupSubGroup, Fullscreen, MarkerCluster, MeasureControl

    m = folium.Map(location=[59.334, 18.063], zoom_start=15, tiles=None, max_zoom=19)
    m.options["maxZoom"] = 19  # with tiles=None folium gives max_zoom to no layer
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Courtyard", "score": 3},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [18.060, 59.333],
                            [18.066, 59.333],
                            [18.066, 59.336],
                            [18.060, 59.336],
                            [18.060, 59.333],
                        ]
                    ],
                },
            },
            {
                "type": "Feature",
                "properties": {"name": "Path", "score": 1},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[18.058, 59.332], [18.068, 59.337]],
                },
            },
        ],
    }
    folium.GeoJson(
        geojson,
        name="Areas",
        style_function=lambda f: {"color": "#c0392b", "weight": 3},
        tooltip=folium.GeoJsonTooltip(fields=["name", "score"]),
        popup=folium.GeoJsonPopup(fields=["name"]),
    ).add_to(m)
    cluster = MarkerCluster(name="Comments").add_to(m)
    for i in range(6):
        folium.Marker(
            [59.3340 + i * 0.0002, 18.0630 + i * 0.0002],
            tooltip=f"comment {i}",
            icon=folium.Icon(
                icon="info-sign" if i % 2 else "star",
                prefix="glyphicon" if i % 2 else "fa",
                angle=15 * i,
            ),
        ).add_to(cluster)
    parent = folium.FeatureGroup(name="Groups").add_to(m)
    sub = FeatureGroupSubGroup(parent, name="Lamps").add_to(m)
    folium.CircleMarker([59.335, 18.061], radius=6, tooltip="lamp").add_to(sub)
    folium.Marker([59.3345, 18.0645], tooltip="default icon").add_to(m)
    Fullscreen().add_to(m)
    MeasureControl().add_to(m)
    if extra is not None:
        extra(m)
    folium.LayerControl().add_to(m)  # last: it refers to the layers added before it
    return m


def _open(driver, path: Path, ready_js: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop messages of earlier pages
    driver.get(path.as_uri())
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(ready_js))


@pytest.mark.browser
def test_offline_map_renders_in_chromium(installed_assets: Path, driver, tmp_path: Path) -> None:
    from browser import severe_console_messages

    path = save_map(_offline_map(), tmp_path / "offline.html", offline=True)
    html = path.read_text(encoding="utf-8")
    assert not EXTERNAL_TAG_RE.search(html), EXTERNAL_TAG_RE.search(html).group(0)
    assert not re.search(r"<link\b[^>]*stylesheet", html)
    _open(
        driver,
        path,
        "return !!window.L && document.querySelectorAll('path.leaflet-interactive').length >= 3",
    )
    state = driver.execute_script(
        """return {
            leaflet: L.version,
            cluster: typeof L.MarkerClusterGroup,
            subgroup: typeof L.FeatureGroup.SubGroup,
            clusters: document.querySelectorAll('.marker-cluster').length,
            fullscreen: document.querySelectorAll('.leaflet-control-zoom-fullscreen').length,
            measure: document.querySelectorAll('.leaflet-control-measure').length,
            layers: document.querySelectorAll('.leaflet-control-layers').length,
            fa: document.fonts.check('900 16px "Font Awesome 6 Free"'),
            defaultIcons: Array.from(document.querySelectorAll('img.leaflet-marker-icon'))
                .map(img => img.src.slice(0, 15)),
        };"""
    )
    assert state.pop("clusters") >= 1
    assert state == {
        "leaflet": "1.9.3",
        "cluster": "function",
        "subgroup": "function",
        "fullscreen": 1,
        "measure": 1,
        "layers": 1,
        "fa": True,
        "defaultIcons": ["data:image/png;"],
    }
    assert severe_console_messages(driver) == []


@pytest.mark.browser
def test_every_mapped_plugin_works_offline(installed_assets: Path, driver, tmp_path: Path) -> None:
    import folium
    from browser import severe_console_messages
    from folium import plugins
    from selenium.webdriver.support.ui import WebDriverWait

    for spec in set(url_map().values()):
        if spec.startswith("npm:"):
            assert (installed_assets / "node_modules" / spec[4:]).is_file(), spec

    def add_plugins(m) -> None:
        points = [[59.334 + i * 1e-4, 18.063 + i * 1e-4] for i in range(10)]
        plugins.HeatMap(points, name="Heat").add_to(m)
        plugins.HeatMapWithTime([points[:5], points[5:]], name="Heat in time").add_to(m)
        plugins.TimestampedGeoJson(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [18.062, 59.334]},
                        "properties": {"times": ["2024-05-01T12:00:00", "2024-05-02T12:00:00"]},
                    }
                ],
            },
            period="P1D",
        ).add_to(m)
        blank_tile = "data:image/png;base64," + base64.b64encode(PNG).decode()
        plugins.MiniMap(tile_layer=folium.TileLayer(tiles=blank_tile, attr="blank")).add_to(m)
        plugins.LocateControl().add_to(m)
        search_layer = folium.GeoJson(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Kiosk"},
                        "geometry": {"type": "Point", "coordinates": [18.064, 59.335]},
                    }
                ],
            },
            name="Kiosks",
        ).add_to(m)
        plugins.Search(search_layer, search_label="name").add_to(m)

    m = _offline_map(add_plugins)
    path = save_map(m, tmp_path / "plugins.html", offline=True)
    html = path.read_text(encoding="utf-8")
    assert not EXTERNAL_TAG_RE.search(html)
    # leaflet.timedimension is requested twice (under two names) by folium; loading it
    # twice breaks the page, so it must be inlined once.
    assert html.count("/* sjobo-geo: npm:leaflet-timedimension/dist/leaflet.timedimension.min") == 1
    _open(driver, path, "return !!window.L && !!document.querySelector('.leaflet-control-minimap')")
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(
            "return document.querySelectorAll('.timecontrol-play').length >= 1"
        )
    )
    kinds = driver.execute_script(
        "return [typeof L.TimeDimension, typeof L.heatLayer, typeof L.Control.Search,"
        " typeof L.Control.Locate, typeof moment, typeof jQuery.ui];"
    )
    assert kinds == ["function", "function", "function", "function", "function", "object"]
    assert severe_console_messages(driver) == []
