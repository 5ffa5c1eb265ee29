"""The command line: the area job end to end, and one clear line for every bad input."""

from __future__ import annotations

import os

import pytest
from helpers import assert_one_line_error, console_command, run_cli, run_console_script

BAD_PROFILE = """
name = "Bad"
{extra}
[boundary]
{boundary}
"""


def test_area_command_writes_both_files(tmp_path, offline_area_outputs):
    out = tmp_path / "out"
    proc = run_cli("area", "--area", "sample", "--out", str(out), "--offline-html",
                   "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert (out / "area.gpkg").stat().st_size > 100_000
    page = (out / "area_map.html").read_text(encoding="utf-8")
    assert "Walkways: lit" in page and 'src="http' not in page
    assert "wrote" in proc.stdout and "paths by lighting" in proc.stdout


def test_profiles_and_place_commands():
    proc = run_cli("profiles")
    assert proc.returncode == 0 and "sjobo" in proc.stdout and "EPSG:3006" in proc.stdout
    proc = run_cli("place", "senate square", "--area", "sample")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Senaatintori (squares, alias match)")


def test_console_script_smoke(tmp_path):
    """The installed `sjobo-geo` script runs, prints, and fails with one line and exit 1 (the
    other tests call cli.main in-process)."""
    proc = run_console_script("profiles")
    assert proc.returncode == 0, proc.stderr
    assert "sample" in proc.stdout and "EPSG:3006" in proc.stdout
    proc = run_console_script("area", "--area", "atlantis", "--out", str(tmp_path))
    assert proc.returncode == 1
    assert_one_line_error(proc, "unknown area 'atlantis'")
    assert list(tmp_path.iterdir()) == []


def test_missing_osm_file(tmp_path):
    proc = run_cli("area", "--osm-file", str(tmp_path / "nope.osm.pbf"), "--out", str(tmp_path))
    assert_one_line_error(proc, "nope.osm.pbf", "not found")


def test_corrupt_osm_file(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(os.urandom(2048))
    proc = run_cli("area", "--osm-file", str(bad), "--out", str(tmp_path))
    assert_one_line_error(proc, "bad.osm.pbf", "not a readable OSM file")


def test_area_with_no_data(tmp_path, write_profile):
    profile = write_profile(BAD_PROFILE.format(
        extra='crs = "EPSG:3006"\n[osm]\nsource = "sample"',
        boundary="bbox = { south = 57.738, west = 12.925, north = 57.768, east = 12.968 }"))
    proc = run_cli("area", "--area", str(profile), "--out", str(tmp_path))
    assert_one_line_error(proc, "no walkable ways inside the boundary")


def test_invalid_polygon_profile(tmp_path, write_profile):
    profile = write_profile(BAD_PROFILE.format(
        extra="", boundary="polygon = [[12.93, 57.74], [12.95, 57.75], [12.95, 57.74], "
                           "[12.93, 57.75]]"))
    proc = run_cli("area", "--area", str(profile), "--out", str(tmp_path))
    assert_one_line_error(proc, "custom.toml", "not a valid polygon")


def test_unknown_crs_profile(tmp_path, write_profile):
    profile = write_profile(BAD_PROFILE.format(
        extra='crs = "EPSG:12345678"',
        boundary="bbox = { south = 57.738, west = 12.925, north = 57.768, east = 12.968 }"))
    proc = run_cli("area", "--area", str(profile), "--out", str(tmp_path))
    assert_one_line_error(proc, "unknown CRS", "EPSG:3006")


def test_wrong_crs_for_the_area(tmp_path, write_profile):
    profile = write_profile(BAD_PROFILE.format(
        extra='crs = "EPSG:3006"\n[osm]\nsource = "sample"',
        boundary="bbox = { south = 60.1641, west = 24.9351, north = 60.1792, east = 24.9535 }"))
    proc = run_cli("area", "--area", str(profile), "--out", str(tmp_path))
    assert_one_line_error(proc, "outside the area of use of EPSG:3006")


def test_unreachable_overpass_fails_without_waiting(tmp_path, monkeypatch):
    """Without a network and with no cached answer the live area fails with one line, and
    does not sit out osmnx's pauses (its rate-limit check alone would wait 60 s). The pauses
    asked for are recorded instead of slept, so the check needs no clock."""
    import time

    from sjobo_geo import settings

    pauses = []
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "empty-cache")
    monkeypatch.setattr(settings, "overpass_url", "https://overpass.invalid/api")
    monkeypatch.setattr(time, "sleep", pauses.append)
    proc = run_cli("area", "--area", "sjobo", "--out", str(tmp_path))
    assert_one_line_error(proc, "cannot reach", "--osm-file")
    # Nominatim's 1 s courtesy pause is fine; a rate-limit wait is not
    assert sum(pauses) <= 2, pauses


def test_unknown_area_name(tmp_path):
    proc = run_cli("area", "--area", "atlantis", "--out", str(tmp_path))
    assert_one_line_error(proc, "unknown area 'atlantis'", "sample, sjobo")


def test_unwritable_output(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = run_cli("area", "--area", "sample", "--out", str(blocker / "sub"))
    assert_one_line_error(proc)


def test_bad_language_is_a_usage_error(tmp_path):
    proc = run_cli("area", "--lang", "fi", "--out", str(tmp_path))
    assert proc.returncode == 2 and "invalid choice: 'fi'" in proc.stderr


# the demo through the installed console script, in the background while the other tests run
@pytest.mark.background.with_args(console_command("demo", "--out", "{out}/demo"))
def test_demo_runs_offline(background_run):
    proc, out = background_run
    assert proc.returncode == 0, proc.stderr
    demo = out / "demo"
    files = {p.relative_to(demo).as_posix() for p in demo.rglob("*") if p.is_file()}
    assert {"area.gpkg", "area_map.html", "sample_reports.csv", "lighting/lighting_gaps.html",
            "schoolyard/schoolyard.html", "hotspots/hotspots.html", "patrol/patrol.gpx",
            "est/est_week.html", "follow_up/follow_up.html", "follow_up/follow_up.csv",
            "follow_up/sample_measures.csv", "reports/reports_map.html",
            "reports_public/reports_map.html"} <= files, sorted(files)
    # every page that shows synthetic data says so, and the planted fall is found
    for page in ("est/est_week.html", "follow_up/follow_up.html", "hotspots/hotspots.html"):
        assert "SYNTETISK" in (demo / page).read_text(encoding="utf-8").upper(), page
    assert "fewer 1" in proc.stdout
    # one run, one folder: about.json lists every file of the demo, no staging folder is left
    import json

    about = json.loads((demo / "about.json").read_text(encoding="utf-8"))
    assert about["job"] == "demo" and about["command"].startswith("sjobo-geo")
    assert {f["path"] for f in about["files"]} == files - {"about.json"}
    assert "hotspots/about.json" in files and "follow_up/sample_measures.csv" in files
    assert not [p for p in out.iterdir() if p.name.startswith(".demo")]


def test_escape_sequences_from_cells_are_shown_as_text(tmp_path, sample_area):
    """`measures validate` on a register with ESC[2J in a cell: the line shows ``\\x1b[2J``
    as text, on stdout and in the --strict error; the terminal never receives ESC."""
    register = tmp_path / "register.csv"
    register.write_text("Åtgärd-ID,Plats,Typ,Datum,Status\n"
                        "A1,Senaatintori,fasadbelysning,2024-05-02,klar\n"
                        "A2,Senaatintori,\x1b[2Jufo\x9b,2024-05-02,klar\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    proc = run_cli("measures", "validate", str(register), "--rejects", str(rejects))
    assert proc.returncode == 0, proc.stderr
    assert "\\x1b[2Jufo\\x9b" in proc.stdout, proc.stdout
    assert "\x1b" not in proc.stdout and "\x9b" not in proc.stdout
    proc = run_cli("measures", "validate", str(register), "--rejects", str(rejects),
                   "--strict")
    assert_one_line_error(proc, "\\x1b[2Jufo")
    assert "\x1b" not in proc.stderr
    # --json: still JSON, with the C1 control of a file name escaped too (json leaves it)
    import json

    odd = register.rename(tmp_path / "reg\x9b.csv")
    proc = run_cli("measures", "validate", str(odd), "--rejects", str(rejects), "--json")
    assert "\x9b" not in proc.stdout and "\\u009b" in proc.stdout
    assert json.loads(proc.stdout)["file"] == str(odd)
