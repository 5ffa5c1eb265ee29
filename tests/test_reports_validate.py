"""Report validation: every row accounted for, each rejection with row, column and reason.

The malformed-input suite below has one test case per kind of bad input (at least 25)."""

from __future__ import annotations

import json

import pytest

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.inputs.reports.schema import ReportsError
from sjobo_geo.inputs.reports.validate import load_reports

HEADER = "Löpnummer,Källa,Kategori,Tidpunkt,Latitud,Longitud,Plats,Fritext,Vikt"
# real positions in the sample (central Helsinki): Rautatientori and Senaatintori
GOOD = [
    "A1,Digital enkät,Belysning,2025-01-14 21:30,60.17085,24.94240,,Mörkt här,1",
    "A2,EST,Klotter,2025-02-03 02:10,60.16945,24.95210,,,2",
    "A3,Dialog,Otrygghet,2025-03-01 18:00,,,Senaatintori,,",
]


def write(tmp_path, lines, name="reports.csv", encoding="utf-8", header=HEADER):
    path = tmp_path / name
    text = "\n".join([header, *lines]) + "\n" if header is not None else "\n".join(lines)
    path.write_bytes(text.encode(encoding))
    return path


def check_accounting(rs):
    assert rs.accepted + rs.rejected == rs.total
    acc = rs.accounting()
    assert acc["accepted"] + acc["rejected"] == acc["total"]
    json.dumps(acc)  # serialisable for --json
    return acc


def only_reject(rs, row):
    """The reason of the reject at file row ``row`` (header = 1)."""
    hits = rs.rejects[rs.rejects["row"] == row]
    assert len(hits) == 1, rs.rejects
    return hits.iloc[0]


def test_good_rows_are_all_accepted(tmp_path, sample_area):
    rs = load_reports(write(tmp_path, GOOD), sample_area)
    check_accounting(rs)
    assert rs.total == 3 and rs.accepted == 3 and rs.rejected == 0
    r = rs.reports.set_index("report_id")
    assert r.loc["A1", "category"] == "belysning" and r.loc["A1", "source"] == "survey"
    assert r.loc["A2", "source"] == "est" and r.loc["A2", "weight"] == 2
    assert r.loc["A3", "located_by"] == "place"
    assert r.loc["A3", "snapped_to"] == "place:Senaatintori"
    assert r.loc["A1", "time_band"] == "evening" and r.loc["A2", "time_band"] == "night"
    assert bool(r.loc["A1", "after_dark"]) and bool(r.loc["A2", "after_dark"])
    assert r.loc["A1", "row"] == 2 and r.loc["A3", "row"] == 4
    assert rs.reports.crs == sample_area.crs


def test_snapping_keeps_the_original_position(tmp_path, sample_area):
    rs = load_reports(write(tmp_path, GOOD[:1]), sample_area)
    rep = rs.reports.iloc[0]
    assert rep["snapped_to"].startswith(("path:", "place:"))
    dist = ((rep.geometry.x - rep["x"]) ** 2 + (rep.geometry.y - rep["y"]) ** 2) ** 0.5
    assert dist == pytest.approx(rep["snap_distance_m"], abs=1e-6)
    assert rep["snap_distance_m"] <= 30


def test_swedish_excel_csv(tmp_path, sample_area):
    lines = [
        "Löpnummer;Kategori;Tidpunkt;Latitud;Longitud;Fritext",
        "B1;Nedskräpning;2025-04-01 08:00;60,17085;24,94240;Skräp vid torget",
        "B2;Skadegörelse;2025-04-02 23:00;60,16945;24,95210;Krossad ruta, åäö",
    ]
    path = tmp_path / "excel.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    rs = load_reports(path, sample_area)
    check_accounting(rs)
    assert rs.accepted == 2
    assert set(rs.reports["category"]) == {"nedskrapning", "skadegorelse"}
    assert "åäö" in rs.reports["text"].iloc[1]


def test_rejects_file_and_json_accounting(tmp_path, sample_area):
    rs = load_reports(write(tmp_path, [*GOOD, "A4,EST,UFO,2025-01-01 10:00,60.17,24.94,,,"]),
                      sample_area)
    acc = check_accounting(rs)
    assert acc["total"] == 4 and acc["rejected"] == 1
    path = rs.write_rejects(tmp_path / "rejects.csv")
    text = path.read_text(encoding="utf-8-sig")  # write_csv: BOM for Excel
    assert text.splitlines()[0] == "row,column,value,reason"
    assert '5,Kategori,UFO,"unknown category: UFO; accepted: Otrygghet' in text


# ---- the malformed-input suite ------------------------------------------------------------

ROW_CASES = [
    # (id, bad line, column, words in the reason)
    ("unknown_category", "C1,EST,UFO,2025-01-01 10:00,60.17,24.94,,,", "Kategori",
     "unknown category: UFO; accepted: Otrygghet"),
    ("missing_category", "C1,EST,,2025-01-01 10:00,60.17,24.94,,,", "Kategori",
     "category missing"),
    ("bad_date_text", "C1,EST,Klotter,igår kväll,60.17,24.94,,,", "Tidpunkt",
     "bad date or time: igår kväll; expected e.g. 2025-03-14 21:30"),
    ("impossible_date", "C1,EST,Klotter,2025-02-31 10:00,60.17,24.94,,,", "Tidpunkt",
     "bad date or time"),
    ("future_date", "C1,EST,Klotter,2099-01-01 10:00,60.17,24.94,,,", "Tidpunkt",
     "implausible date"),
    ("ancient_date", "C1,EST,Klotter,1899-01-01 10:00,60.17,24.94,,,", "Tidpunkt",
     "implausible date"),
    ("text_in_latitude", "C1,EST,Klotter,2025-01-01 10:00,norr om torget,24.94,,,", "Latitud",
     "latitude is not a number: norr om torget"),
    ("text_in_weight", "C1,EST,Klotter,2025-01-01 10:00,60.17,24.94,,,många", "Vikt",
     "weight is not a number: många"),
    ("negative_weight", "C1,EST,Klotter,2025-01-01 10:00,60.17,24.94,,,-2", "Vikt",
     "weight must be above 0"),
    ("nan_latitude", "C1,EST,Klotter,2025-01-01 10:00,NaN,24.94,,,", "Latitud",
     "latitude missing (written as NaN)"),
    ("null_weight", "C1,EST,Klotter,2025-01-01 10:00,60.17,24.94,,,NULL", "Vikt",
     "weight missing (written as NULL)"),
    ("latitude_only", "C1,EST,Klotter,2025-01-01 10:00,60.17,,,,", "Longitud",
     "longitude missing but latitude given"),
    ("outside_sweden_and_area", "C1,EST,Klotter,2025-01-01 10:00,48.8566,2.3522,,,", "Latitud",
     "position outside the area 'Helsinki sample'"),
    ("lat_out_of_range", "C1,EST,Klotter,2025-01-01 10:00,123.4,24.94,,,", "Latitud",
     "out of range"),
    ("unknown_source", "C1,Telegram,Klotter,2025-01-01 10:00,60.17,24.94,,,", "Källa",
     "unknown source: Telegram; accepted: Digital enkät"),
    ("place_not_found", "C1,EST,Klotter,2025-01-01 10:00,,,Atlantis torg,,", "Plats",
     "place not found in the gazetteer of 'Helsinki sample': Atlantis torg; closest"),
    ("no_location", "C1,EST,Klotter,2025-01-01 10:00,,,,,", "Plats",
     "no location: give coordinates or a place name"),
    ("infinite_weight", "C1,EST,Klotter,2025-01-01 10:00,60.17,24.94,,,inf", "Vikt",
     "weight is not a number"),
]


@pytest.mark.parametrize(("case", "line", "column", "words"), ROW_CASES,
                         ids=[c[0] for c in ROW_CASES])
def test_malformed_row(tmp_path, sample_area, case, line, column, words):
    rs = load_reports(write(tmp_path, [GOOD[0], line, GOOD[1]]), sample_area)
    check_accounting(rs)
    assert rs.total == 3 and rs.accepted == 2 and rs.rejected == 1
    reject = only_reject(rs, 3)
    assert reject["column"] == column
    assert words in reject["reason"], reject["reason"]


def test_duplicate_ids(tmp_path, sample_area):
    rs = load_reports(write(tmp_path, [GOOD[0], GOOD[1], GOOD[0].replace("Mörkt", "Igen")]),
                      sample_area)
    check_accounting(rs)
    assert rs.accepted == 2
    assert only_reject(rs, 4)["reason"] == "duplicate id A1 (first at row 2)"


def test_swapped_lat_lon_fixed_with_warning(tmp_path, sample_area):
    line = "D1,EST,Klotter,2025-01-01 10:00,24.94240,60.17085,,,"
    rs = load_reports(write(tmp_path, [GOOD[0], line]), sample_area)
    check_accounting(rs)
    assert rs.accepted == 2
    assert any("rows 3: latitude and longitude were swapped" in w for w in rs.warnings)
    a, d = rs.reports.iloc[0], rs.reports.iloc[1]
    assert abs(a["x"] - d["x"]) < 1 and abs(a["y"] - d["y"]) < 1


def test_metric_xy_in_the_area_crs(tmp_path, sample_area):
    x, y = sample_area.find("Senaatintori").geometry.representative_point().coords[0]
    path = write(tmp_path, [f"E1,Klotter,{x:.1f},{y:.1f}"], header="id,kategori,x,y")
    rs = load_reports(path, sample_area)
    check_accounting(rs)
    assert rs.accepted == 1
    assert any("read as EPSG:3067" in w for w in rs.warnings)


def test_position_in_another_crs_is_rejected(tmp_path, sample_area):
    # Web Mercator metres of the same place look like metres but lie far outside the area
    path = write(tmp_path, ["E1,Klotter,2776530,8438880"], header="id,kategori,x,y")
    rs = load_reports(path, sample_area)
    check_accounting(rs)
    assert rs.rejected == 1
    assert "outside the area" in rs.rejects.iloc[0]["reason"]
    assert "read as EPSG:3067" in rs.rejects.iloc[0]["reason"]


def test_weekday_and_time_of_day(tmp_path, sample_area):
    path = write(tmp_path, ["F1,Otrygghet,lördag,22:30,60.17085,24.94240",
                            "F2,Otrygghet,söndag,natt,60.17085,24.94240",
                            "F3,Otrygghet,funday,12,60.17085,24.94240",
                            "F4,Otrygghet,2,25:99,60.17085,24.94240"],
                 header="id,kategori,veckodag,tid på dygnet,lat,lon")
    rs = load_reports(path, sample_area)
    check_accounting(rs)
    r = rs.reports.set_index("report_id")
    assert r.loc["F1", "weekday"] == 5 and r.loc["F1", "time_band"] == "night"
    assert r.loc["F2", "weekday"] == 6 and r.loc["F2", "time_band"] == "night"
    assert bool(r.loc["F1", "after_dark"])
    assert "unknown weekday: funday" in only_reject(rs, 4)["reason"]
    assert "bad time of day: 25:99" in only_reject(rs, 5)["reason"]


def test_ragged_and_short_rows(tmp_path, sample_area):
    rs = load_reports(write(tmp_path, [GOOD[0], GOOD[1] + ",extra,fields", "G1,EST"]),
                      sample_area)
    check_accounting(rs)
    assert rs.total == 3 and rs.accepted == 1
    assert "ragged" in only_reject(rs, 3)["reason"]
    assert only_reject(rs, 4)["reason"] == "category missing"


def test_empty_row_in_the_middle(tmp_path, sample_area):
    rs = load_reports(write(tmp_path, [GOOD[0], "", GOOD[1]]), sample_area)
    check_accounting(rs)
    assert rs.accepted == 2 and "empty" in only_reject(rs, 3)["reason"]


def test_mixed_encodings(tmp_path, sample_area):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        (HEADER + "\n" + GOOD[0] + "\n").encode("utf-8")
        + "A2,EST,Skadegörelse,2025-02-03 02:10,60.16945,24.95210,,Trasig dörr på gården,1\n"
        .encode("cp1252")
    )
    rs = load_reports(path, sample_area)
    check_accounting(rs)
    assert rs.accepted == 2
    assert rs.reports["text"].iloc[1] == "Trasig dörr på gården"
    assert rs.reports["category"].iloc[1] == "skadegorelse"


def test_utf8_bom(tmp_path, sample_area):
    rs = load_reports(write(tmp_path, GOOD, encoding="utf-8-sig"), sample_area)
    assert rs.accepted == 3 and rs.reports["report_id"].iloc[0] == "A1"


@pytest.mark.parametrize(
    ("header", "lines", "words"),
    [
        ("Löpnummer,Latitud,Longitud", ["A1,60.17,24.94"], "no category column"),
        ("Löpnummer,Kategori,Fritext", ["A1,Klotter,hej"], "no location columns"),
        (HEADER, [], "no data rows"),
    ],
    ids=["no_category_column", "no_location_columns", "header_only"],
)
def test_file_level_errors(tmp_path, sample_area, header, lines, words):
    with pytest.raises(ReportsError, match=words) as info:
        load_reports(write(tmp_path, lines, header=header), sample_area)
    assert "reports.csv" in str(info.value)
    assert isinstance(info.value, SjoboGeoError) and isinstance(info.value, ValueError)


def test_empty_file(tmp_path, sample_area):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ReportsError, match="empty"):
        load_reports(path, sample_area)


def test_column_mapping_file(tmp_path, sample_area):
    mapping = tmp_path / "cols.toml"
    mapping.write_text('[columns]\ncategory = "Vad gäller det?"\nplace = "Var hände det?"\n',
                       encoding="utf-8")
    path = write(tmp_path, ["1,Trafik,senaatintori"], header="Svar,Vad gäller det?,"
                 "Var hände det?")
    rs = load_reports(path, sample_area, columns=mapping)
    assert rs.accepted == 1 and rs.reports["category"].iloc[0] == "trafik"
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\nkategori = "x"\n', encoding="utf-8")
    with pytest.raises(ReportsError, match="unknown field 'kategori'"):
        load_reports(path, sample_area, columns=bad)


def test_geojson_map_survey(tmp_path, sample_area):
    import geopandas as gpd
    from shapely import Point

    gdf = gpd.GeoDataFrame({"kategori": ["Belysning", "Otrygghet"], "kommentar": ["a", "b"]},
                           geometry=[Point(24.9424, 60.17085), Point(24.9521, 60.16945)],
                           crs="EPSG:4326")
    path = tmp_path / "survey.geojson"
    gdf.to_file(path, driver="GeoJSON")
    rs = load_reports(path, sample_area, default_source="survey")
    check_accounting(rs)
    assert rs.accepted == 2 and set(rs.reports["source"]) == {"survey"}
    assert rs.meta["coordinate_crs"] == "EPSG:4326"


def test_xlsx_export(tmp_path, sample_area):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Löpnummer", "Kategori", "Tidpunkt", "Latitud", "Longitud"])
    import datetime as dt

    ws.append(["X1", "Brand", dt.datetime(2025, 5, 1, 23, 15), 60.17085, 24.9424])
    ws.append(["X2", "Narkotika", "inte ett datum", 60.16945, 24.9521])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    rs = load_reports(path, sample_area)
    check_accounting(rs)
    assert rs.accepted == 1 and rs.reports["timestamp"].iloc[0].hour == 23
    assert "bad date or time" in only_reject(rs, 3)["reason"]
