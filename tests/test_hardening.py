"""Hostile and broken input: one bad cell is one reject, never a crash or a silent shift."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

HEADER = "Åtgärd-ID;Löfte;Ansvarig;Plats;Typ;Datum;Status;Latitud;Longitud;Geometri;Kommentar"


def _measures(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "measures.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _reports(tmp_path: Path, rows: list[str], header: str = "id,category,timestamp,lat,lon"
             ) -> Path:
    path = tmp_path / "reports.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# ---- dates and time zones ------------------------------------------------------------------

def test_offsets_are_converted_to_the_area_time_zone():
    from sjobo_geo.inputs.tables import parse_timestamps

    got = parse_timestamps(pd.Series(["2024-06-01T23:30:00+03:00", "2024-06-01T20:30:00Z",
                                      "2024-06-01T22:30:00+02:00", "2024-06-01 23:30"]),
                           "Europe/Helsinki")
    # all four are 23:30 in Helsinki (EEST, UTC+3); the naive one is read as local time
    assert got.tolist() == [pd.Timestamp("2024-06-01 23:30")] * 4
    assert str(got.dtype) == "datetime64[ns]"
    sweden = parse_timestamps(pd.Series(["2024-06-01T23:30:00+03:00"]), "Europe/Stockholm")
    assert sweden.iloc[0] == pd.Timestamp("2024-06-01 22:30")


@pytest.mark.parametrize("values", [
    ["2024-01-01 10:00", "1600-01-01"],
    ["2024-01-01 10:00", "9999-12-31"],
    ["2024-06-01T23:30:00+03:00", "2024-06-01T23:30:00+02:00", "x"],
    ["2024-06-01T23:30:00+03:00", "14/3/2025 21:30"],
    ["CIRCULARSTRING", "", None, "2024-13-45"],
])
def test_bad_dates_never_fail_the_column(values):
    from sjobo_geo.inputs.tables import parse_timestamps

    got = parse_timestamps(pd.Series(values, dtype=object), "Europe/Stockholm")
    assert len(got) == len(values) and str(got.dtype) == "datetime64[ns]"


def test_report_with_an_offset_is_evening_after_dark_in_local_time(sample_area, tmp_path):
    from sjobo_geo.inputs.reports.validate import load_reports

    # 23:30 in Helsinki on 1 June is after sunset; read as UTC it would be 20:30, "evening"
    path = _reports(tmp_path, ["1,belysning,2024-06-01T23:30:00+03:00,60.1699,24.9384",
                               "2,belysning,1600-01-01 10:00,60.1699,24.9384",
                               "3,belysning,9999-12-31 10:00,60.1699,24.9384",
                               "4,belysning,2024-06-01T23:30:00+02:00,60.1699,24.9384",
                               "5,belysning,14/3/2024 21:30,60.1699,24.9384"])
    rs = load_reports(path, sample_area)
    assert rs.accepted + rs.rejected == rs.total == 5
    r = rs.reports.set_index("row")
    assert r.loc[2, "timestamp"] == pd.Timestamp("2024-06-01 23:30")
    assert r.loc[2, "time_band"] == "night" and bool(r.loc[2, "after_dark"])
    assert r.loc[5, "timestamp"] == pd.Timestamp("2024-06-02 00:30")
    assert sorted(rs.rejects["row"]) == [3, 4]


def test_measures_with_bad_dates_are_rejects(sample_area, tmp_path):
    from sjobo_geo.inputs.measures import load_measures

    path = _measures(tmp_path, [
        "A1;6;Polisen;Senaatintori;mer polis;1600-01-01;klar;;;;",
        "A2;6;Polisen;Senaatintori;mer polis;9999-12-31;klar;;;;",
        "A3;6;Polisen;Senaatintori;mer polis;2025-03-14T10:00:00+02:00;klar;;;;",
        "A4;6;Polisen;Senaatintori;mer polis;14.3.2025;klar;;;;",
    ])
    ms = load_measures(path, sample_area)
    assert ms.accepted + ms.rejected == ms.total == 4
    assert sorted(ms.rejects["row"]) == [2, 3]


# ---- an area without some place layers -------------------------------------------------------

def test_validation_works_without_courtyards_or_playgrounds(sample_area, tmp_path):
    import copy

    from sjobo_geo.inputs.reports.validate import load_reports

    bare = copy.copy(sample_area)
    bare.layers = dict(sample_area.layers)
    for kind in ("courtyards", "playgrounds"):
        bare.layers[kind] = sample_area.layers[kind].iloc[0:0]
    path = _reports(tmp_path, ["1,belysning,2024-06-01 22:00,60.1699,24.9384"])
    rs = load_reports(path, bare)
    assert rs.accepted == 1


# ---- measures geometry -----------------------------------------------------------------------

@pytest.mark.parametrize("wkt, reason", [
    ("SRID=99999;POINT (24.95 60.17)", "unknown CRS"),
    ("POINT (nan nan)", "not a finite number"),
    ("LINESTRING (24.95 60.17, inf inf)", "not a finite number"),
    ("CIRCULARSTRING (24.95 60.17, 24.951 60.171, 24.952 60.17)", "not valid WKT"),
    ("GEOMETRYCOLLECTION (POINT (24.95 60.17))", "GeometryCollection"),
    # a polygon whose repair is a polygon and a stray line
    ("POLYGON ((24.950 60.169, 24.951 60.169, 24.951 60.170, 24.950 60.170, 24.950 60.169, "
     "24.952 60.169, 24.950 60.169))", "repair is a mix"),
])
def test_hostile_measure_geometry_is_a_reject(sample_area, tmp_path, wkt, reason):
    from sjobo_geo.inputs.measures import load_measures

    path = _measures(tmp_path, [f"A1;6;Polisen;;mer polis;2025-03-14;klar;;;\"{wkt}\";",
                                "A2;6;Polisen;Senaatintori;mer polis;2025-03-14;klar;;;;"])
    ms = load_measures(path, sample_area)
    assert ms.accepted == 1 and ms.rejected == 1
    assert reason in " ".join(ms.rejects["reason"])
    import shapely

    assert shapely.is_valid(ms.measures.geometry.values).all()


# ---- OSM files -------------------------------------------------------------------------------

def test_a_control_character_in_an_osm_tag_is_dropped(tmp_path, write_profile):
    import osmium

    from sjobo_geo.core.osm import fetch_osm
    from sjobo_geo.core.profiles import load_profile

    pbf = tmp_path / "tiny.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as w:
        nodes = [(1, 57.7490, 12.9400), (2, 57.7491, 12.9410), (3, 57.7492, 12.9420)]
        for i, lat, lon in nodes:
            w.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat), version=1,
                                               tags={}))
        w.add_way(osmium.osm.mutable.Way(id=10, nodes=[1, 2, 3], version=1,
                                         tags={"highway": "footway", "name": "Gång\x07väg"}))
    profile = load_profile(write_profile(
        'name = "Tiny"\ncrs = "EPSG:3006"\n[boundary]\n'
        "bbox = { south = 57.747, west = 12.939, north = 57.751, east = 12.946 }\n"
        '[osm]\nsource = "file"\nfile = "tiny.osm.pbf"\n'))
    data = fetch_osm(profile)
    names = {str(d.get("name")) for _, _, d in data.graph.edges(data=True)}
    assert "Gångväg" in names


# ---- CRS and mapping files -------------------------------------------------------------------

def test_an_unknown_crs_is_a_clear_error(sample_area, tmp_path):
    from sjobo_geo._errors import CRSError
    from sjobo_geo.inputs.measures import load_measures
    from sjobo_geo.inputs.reports.validate import load_reports

    path = _reports(tmp_path, ["1,belysning,2024-06-01 22:00,60.1699,24.9384"])
    with pytest.raises(CRSError, match="EPSG:99999"):
        load_reports(path, sample_area, crs="EPSG:99999")
    mpath = _measures(tmp_path, ["A1;6;Polisen;Senaatintori;mer polis;2025-03-14;klar;;;;"])
    with pytest.raises(CRSError, match="unknown CRS"):
        load_measures(mpath, sample_area, crs="nonsense")


@pytest.mark.parametrize("toml, error, words", [
    ('crs = "EPSG:99999"\n', "CRSError", "EPSG:99999"),
    ("crs = 7.5\n", "CRSError", "must be text"),
    ("[columns]\nx = 7\n", "ReportsError", "header as text"),
    ("[columns]\ncategory = []\n", "ReportsError", "header as text"),
])
def test_a_bad_mapping_file_is_a_clear_error(tmp_path, toml, error, words):
    from sjobo_geo import _errors
    from sjobo_geo.inputs.reports.schema import ColumnMapping

    path = tmp_path / "mapping.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(getattr(_errors, error), match=words):
        ColumnMapping.from_toml(path)


def test_absurd_weights_are_rejects(sample_area, tmp_path):
    from sjobo_geo.inputs.reports.validate import load_reports

    path = _reports(tmp_path, ["1,belysning,60.1699,24.9384,1e308",
                               "2,belysning,60.1699,24.9384,2"],
                    header="id,category,lat,lon,weight")
    rs = load_reports(path, sample_area)
    assert rs.accepted == 1 and rs.rejects["row"].tolist() == [2]
    assert "weight above" in rs.rejects["reason"].iloc[0]


# ---- input limits ----------------------------------------------------------------------------

def test_a_header_of_too_many_columns_is_refused_before_reading(sample_area, tmp_path):
    import tracemalloc

    from sjobo_geo.inputs.rawtable import MAX_COLUMNS
    from sjobo_geo.inputs.reports.schema import ReportsError
    from sjobo_geo.inputs.reports.validate import load_reports

    path = tmp_path / "wide.csv"
    path.write_text(",".join(["c"] * 200_000) + "\n1,2\n", encoding="utf-8")
    tracemalloc.start()
    with pytest.raises(ReportsError, match=f"more than {MAX_COLUMNS} columns"):
        load_reports(path, sample_area)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200e6  # was 2.3 GB


def test_a_line_too_long_is_refused(sample_area, tmp_path):
    from sjobo_geo.inputs.reports.schema import ReportsError
    from sjobo_geo.inputs.reports.validate import load_reports

    path = tmp_path / "long.csv"
    path.write_bytes(b"category,lat,lon\nbelysning,60.17,24.94\n" + b"x" * (2 << 20) + b"\n")
    with pytest.raises(ReportsError, match="line 3 is 2,097,152 bytes long"):
        load_reports(path, sample_area)


def test_a_cell_too_long_is_a_reject(sample_area, tmp_path):
    from sjobo_geo.inputs.reports.validate import load_reports

    path = tmp_path / "cell.csv"
    path.write_text("category,lat,lon,description\n"
                    f"belysning,60.1699,24.9384,{'x' * 40_000}\n"
                    "belysning,60.1699,24.9384,ok\n", encoding="utf-8")
    rs = load_reports(path, sample_area)
    assert rs.accepted == 1 and rs.rejected == 1 and rs.total == 2
    assert "longer than 32,767" in rs.rejects["reason"].iloc[0]


# ---- names people type -----------------------------------------------------------------------

def test_area_names_match_without_case_or_diacritics_and_suggest():
    from sjobo_geo._errors import ProfileError
    from sjobo_geo.core.profiles import load_profile

    assert load_profile("Sjöbo").key == "sjobo" and load_profile(" SAMPLE ").key == "sample"
    with pytest.raises(ProfileError, match="did you mean 'sjobo'"):
        load_profile("sjobbo")


def test_trygghetsvandring_is_a_known_source(sample_area, tmp_path):
    from sjobo_geo.inputs.reports.validate import load_reports

    path = _reports(tmp_path, ["1,belysning,60.1699,24.9384,Trygghetsvandring"],
                    header="id,category,lat,lon,source")
    rs = load_reports(path, sample_area)
    assert rs.accepted == 1 and rs.reports["source"].iloc[0] == "safety_walk"


def test_write_csv_neutralises_formulas_and_writes_geometry_as_wkt(tmp_path):
    import csv

    import geopandas as gpd
    import shapely

    from sjobo_geo.core.files import write_csv

    frame = gpd.GeoDataFrame({"place": ["=HYPERLINK(\"x\")", "-12.5", "@x", "\tTab", "ok"],
                              "n": [1, 2, 3, 4, 5]},
                             geometry=[shapely.Point(1, 2)] * 5, crs="EPSG:3006")
    path = write_csv(frame, tmp_path / "x.csv", header_lines=["SYNTHETIC"])
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "# SYNTHETIC"
    rows = list(csv.DictReader(lines[1:]))
    assert [r["place"] for r in rows] == ["'=HYPERLINK(\"x\")", "-12.5", "'@x", "'\tTab", "ok"]
    assert rows[0]["geometry"] == "POINT (1 2)"
