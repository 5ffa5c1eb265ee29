from __future__ import annotations

import pytest

from sjobo_geo._errors import CRSError, ProfileError, SjoboGeoError
from sjobo_geo.core.profiles import list_profiles, load_profile, validate_metric_crs

MINIMAL = """
name = "Test"
[boundary]
bbox = { south = 57.74, west = 12.93, north = 57.75, east = 12.95 }
"""


def test_shipped_profiles_load():
    assert {"sjobo", "sample"} <= set(list_profiles())
    sjobo = load_profile("sjobo")
    assert sjobo.name == "Sjöbo"
    assert sjobo.crs == "EPSG:3006"
    assert sjobo.source == "live"
    assert sjobo.place and sjobo.place.startswith("Sjöbo")
    assert sjobo.bbox == (57.738, 12.925, 57.768, 12.968)
    assert sjobo.role("main_square") == "Sjöbo torg"
    assert sjobo.role("school") == "Sjöboskolan"
    names = {p.name for p in sjobo.places}
    assert {"Sjöbo torg", "Sjöboskolan", "Sjöbohallen", "Ekängsliden"} <= names


def test_sample_profile_covers_the_whole_sample(sample_raw):
    import numpy as np

    sample = load_profile("sample")
    s, w, n, e = sample.bbox
    lonlat = np.array(list(sample_raw.nodes.values()))
    assert lonlat[:, 0].min() >= w and lonlat[:, 0].max() <= e
    assert lonlat[:, 1].min() >= s and lonlat[:, 1].max() <= n
    assert sample.crs == "EPSG:3067"


def test_profile_from_path_and_defaults(write_profile):
    profile = load_profile(write_profile(MINIMAL))
    assert profile.crs == "EPSG:3006"  # the default metric CRS
    assert profile.source == "live"
    assert profile.boundary_polygon().bounds == (12.93, 57.74, 12.95, 57.75)


def test_polygon_boundary(write_profile):
    text = MINIMAL.replace(
        "bbox = { south = 57.74, west = 12.93, north = 57.75, east = 12.95 }",
        "polygon = [[12.93, 57.74], [12.95, 57.74], [12.95, 57.75], [12.93, 57.75]]",
    )
    assert load_profile(write_profile(text)).boundary_polygon().area > 0


@pytest.mark.parametrize(
    ("replacement", "error", "words"),
    [
        ("polygon = [[12.93, 57.74], [12.95, 57.75], [12.95, 57.74], [12.93, 57.75]]",
         ProfileError, "not a valid polygon"),
        ("polygon = [[12.93, 57.74], [12.95, 57.74]]", ProfileError, "at least 3"),
        ("polygon = [[57.74, 212.93], [57.75, 12.95], [57.75, 12.93]]", ProfileError,
         "outside WGS84"),
        ("polygon = 'north of the river'", ProfileError, "[lon, lat] pairs"),
        ("bbox = { south = 57.75, west = 12.93, north = 57.74, east = 12.95 }", ProfileError,
         "south < north"),
        ("bbox = [57.74, 12.93, 57.75, 12.95]", ProfileError, "south = .."),
        ("nothing = 1", ProfileError, "needs one of"),
    ],
)
def test_invalid_boundary(write_profile, replacement, error, words):
    text = MINIMAL.replace(
        "bbox = { south = 57.74, west = 12.93, north = 57.75, east = 12.95 }", replacement
    )
    with pytest.raises(error, match="custom.toml") as info:
        load_profile(write_profile(text))
    assert words in str(info.value)
    assert isinstance(info.value, SjoboGeoError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("crs", "words"),
    [("EPSG:999999", "unknown CRS"), ("EPSG:4326", "geographic"), ("not a crs", "unknown CRS"),
     ("EPSG:2249", "not metres")],
)
def test_invalid_crs(write_profile, crs, words):
    with pytest.raises(CRSError, match=words):
        load_profile(write_profile(f'crs = "{crs}"\n' + MINIMAL))


def test_validate_metric_crs_accepts_sweref():
    assert validate_metric_crs("epsg:3006") == "EPSG:3006"
    assert validate_metric_crs(3067) == "EPSG:3067"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name = \n", "not valid TOML"),
        ("[boundary]\nbbox = { south = 1, west = 1, north = 2, east = 2 }\n", "'name' is required"),
        (MINIMAL + "[osm]\nsource = 'ftp'\n", "osm.source"),
        (MINIMAL + "[osm]\nsource = 'file'\n", "needs osm.file"),
        (MINIMAL + "[roles]\nmain_square = 3\n", "[roles]"),
        (MINIMAL + "[[places]]\nkind = 'squares'\n", "needs a 'name'"),
    ],
)
def test_invalid_profile_content(write_profile, text, words):
    with pytest.raises(ProfileError) as info:
        load_profile(write_profile(text))
    assert words in str(info.value)


def test_unknown_profile_name_lists_the_shipped_ones():
    with pytest.raises(ProfileError, match="sample, sjobo"):
        load_profile("atlantis")
    with pytest.raises(ProfileError, match="not found"):
        load_profile("/no/such/profile.toml")
