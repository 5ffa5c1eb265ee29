"""Lamps: OSM lamps with defaults, inventories (CSV, XLSX, GPKG) with full accounting, merging.

Inventories are built from the positions of real lamps of the sample (central Helsinki)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from sjobo_geo.inputs.lamps import (
    DEFAULTS,
    LAMP_COLUMNS,
    LampsError,
    _mutual_nearest,
    lamps_from_osm,
    merge_lamps,
    read_lamp_inventory,
    resolve_inventory_columns,
)
from sjobo_geo.inputs.reports.readers import read_table
from sjobo_geo.inputs.reports.schema import ReportsError

ROOT = Path(__file__).resolve().parents[1]


# ---- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def osm_lamps(sample_area):
    return lamps_from_osm(sample_area)


@pytest.fixture(scope="module")
def lamp_xy(sample_area):
    """Metric coordinates of the sample's OSM lamps (area CRS), in layer order."""
    return shapely.get_coordinates(sample_area.layers["lamps"].geometry.values)


@pytest.fixture(scope="module")
def isolated(lamp_xy):
    """Indices of lamps with no other lamp within 40 m (merge tests stay unambiguous)."""
    from scipy.spatial import cKDTree

    d, _ = cKDTree(lamp_xy).query(lamp_xy, k=2)
    return np.flatnonzero(d[:, 1] > 40)


def to_wgs84(area, xy):
    t = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True)
    lon, lat = t.transform(xy[:, 0], xy[:, 1])
    return lat, lon


def comma(v: float, digits: int = 6) -> str:
    """A number as Swedish Excel writes it: decimal comma."""
    return f"{v:.{digits}f}".replace(".", ",")


def write_csv(path: Path, header: str, lines: list[str], encoding: str = "cp1252") -> Path:
    path.write_bytes(("\r\n".join([header, *lines]) + "\r\n").encode(encoding))
    return path


def check_accounting(inv):
    assert inv.accepted + inv.rejected == inv.total
    acc = inv.accounting()
    assert acc["accepted"] + acc["rejected"] == acc["total"]
    assert list(inv.rejects.columns) == ["row", "column", "value", "reason"]
    seen = list(inv.lamps["inventory_row"]) + list(inv.rejects["row"])
    assert len(seen) == len(set(seen)) == inv.total, "each row exactly once"
    return acc


def reject_at(inv, row):
    hits = inv.rejects[inv.rejects["row"] == row]
    assert len(hits) == 1, inv.rejects
    return hits.iloc[0]


def nearest_path_kind(area, xy):
    """highway and footway of the nearest path within 15 m of each point (or None)."""
    paths = area.layers["paths"]
    tree = shapely.STRtree(paths.geometry.values)
    i, j = tree.query_nearest(shapely.points(xy), max_distance=15, all_matches=False)
    hw = np.full(len(xy), None, dtype=object)
    fw = np.full(len(xy), None, dtype=object)
    hw[i] = paths["highway"].to_numpy()[j]
    fw[i] = paths["footway"].to_numpy()[j]
    return hw, fw


# ---- OSM lamps ---------------------------------------------------------------------------


def test_osm_lamps_of_the_sample(osm_lamps, sample_area):
    lamps = osm_lamps
    assert len(lamps) == 586
    assert list(lamps.columns) == [*LAMP_COLUMNS, "geometry"]
    assert lamps.crs == sample_area.crs
    assert (lamps.geom_type == "Point").all()
    assert (lamps["source"] == "osm").all()
    assert lamps["lamp_id"].str.fullmatch(r"osm:node/\d+").all()
    assert lamps["lamp_id"].is_unique
    assert lamps["inventory_id"].isna().all() and lamps["osm_id"].notna().all()
    # the sample has no height or flux tags: every value is a recorded default
    assert lamps["height_source"].str.startswith("default: ").all()
    assert lamps["flux_source"].str.startswith("default: ").all()
    assert (lamps["light_count"] == 1).all()
    assert (lamps["light_count_source"] == "default: 1").all()
    assert set(lamps["mount_height_m"]) <= {1.0, 3.0, 4.0, 5.0, 6.0, 8.0}
    assert set(lamps["flux_lm"]) <= {800.0, 3000.0, 6000.0, 10000.0}
    np.testing.assert_allclose(lamps["intensity_cd"],
                               lamps["flux_lm"] / np.pi * lamps["light_count"])
    assert (lamps["distribution"] == "lambertian").all()
    assert (lamps["status"] == "unknown").all()
    assert (lamps["lamp_type"] == "unknown").all()
    # flux follows the height band
    assert (lamps.loc[lamps["mount_height_m"] <= 5, "flux_lm"] == 3000).all()
    assert (lamps.loc[lamps["mount_height_m"].between(5.01, 8), "flux_lm"] == 6000).all()
    # 3,000 lm Lambertian: about 955 cd (DOMAIN.md)
    assert lamps["intensity_cd"].min() == pytest.approx(954.93, abs=0.01)


def test_context_heights(osm_lamps, sample_area, lamp_xy):
    hw, fw = nearest_path_kind(sample_area, lamp_xy)
    lamps = osm_lamps
    plain = pd.isna(pd.Series(fw)).to_numpy()  # not a sidewalk or crossing
    footway = np.flatnonzero((hw == "footway") & plain)
    assert len(footway) > 50
    assert (lamps["mount_height_m"].to_numpy()[footway] == 4.0).all()
    assert (lamps["height_source"].to_numpy()[footway] == "default: near footway (4 m)").all()
    service = np.flatnonzero((hw == "service") & plain)
    assert (lamps["mount_height_m"].to_numpy()[service] == 6.0).all()
    big = np.flatnonzero(np.isin(hw.astype(str), ["primary", "secondary", "tertiary"]))
    assert (lamps["mount_height_m"].to_numpy()[big] == 8.0).all()
    assert (lamps["flux_lm"].to_numpy()[big] == 6000.0).all()
    lone = np.flatnonzero(hw == None)  # noqa: E711 - numpy object comparison
    assert len(lone) > 0
    assert (lamps["mount_height_m"].to_numpy()[lone] == 5.0).all()
    assert (lamps["height_source"].to_numpy()[lone] == "default: no path within 15 m (5 m)").all()
    # a lamp nearest a sidewalk takes the street the sidewalk runs along
    side = lamps["height_source"].str.startswith("default: sidewalk by ")
    assert side.sum() > 10


def test_defaults_can_be_overridden(sample_area, osm_lamps):
    lamps = lamps_from_osm(sample_area, defaults={
        "height_by_highway": {"footway": 3.5},
        "flux_by_height": ((4.0, 2500.0), (float("inf"), 7000.0)),
    })
    near_footway = osm_lamps["height_source"] == "default: near footway (4 m)"
    assert (lamps.loc[near_footway, "mount_height_m"] == 3.5).all()
    assert (lamps.loc[near_footway, "height_source"] == "default: near footway (3.5 m)").all()
    assert (lamps.loc[near_footway, "flux_lm"] == 2500.0).all()
    assert (lamps.loc[near_footway, "flux_source"]
            == "default: 2,500 lm for mounting height up to 4 m").all()
    # the rest of the nested dict is kept
    assert (lamps.loc[osm_lamps["mount_height_m"] == 6, "mount_height_m"] == 6).all()
    assert DEFAULTS["height_by_highway"]["footway"] == 4.0  # the module's dict is untouched
    with pytest.raises(LampsError, match="unknown lamp default 'height_by_road'"):
        lamps_from_osm(sample_area, defaults={"height_by_road": {}})
    with pytest.raises(LampsError, match="increasing"):
        lamps_from_osm(sample_area, defaults={"flux_by_height": ((8, 1), (4, 2))})


def tagged_area(area):
    """The sample with tags on its first lamps, as OSM might have them."""
    lamps = area.layers["lamps"].copy()
    for col in ("light:height", "height", "lamp_mount", "light:count", "light:method",
                "operator", "support"):
        lamps[col] = lamps[col].astype(object)
    tags = [  # (light:height, height, lamp_mount, light:count, light:method, operator)
        ("5,5", None, None, "2", "LED", "Helen"),
        (None, "7 m", None, None, "high_pressure_sodium", None),
        (None, "high", "wall", None, None, None),
        (None, None, "bollard", "x", "metal-halide", None),
        ("40", "6", None, None, None, None),
        ("16 ft", None, None, None, "sodium vapour", None),
    ]
    for i, (lh, h, mount, count, method, operator) in enumerate(tags):
        lamps.loc[i, ["light:height", "height", "lamp_mount", "light:count", "light:method",
                      "operator"]] = [lh, h, mount, count, method, operator]
    return dataclasses.replace(area, layers={**area.layers, "lamps": lamps})


def test_osm_tags_are_parsed(sample_area):
    lamps = lamps_from_osm(tagged_area(sample_area))
    assert len(lamps) == 586
    first = lamps.iloc[:6]
    assert first["mount_height_m"].iloc[0] == 5.5 and first["height_source"].iloc[0] == "osm tag"
    assert first["light_count"].iloc[0] == 2 and first["light_count_source"].iloc[0] == "osm tag"
    assert first["intensity_cd"].iloc[0] == pytest.approx(6000 / np.pi * 2)
    assert first["lamp_type"].iloc[0] == "LED" and first["owner"].iloc[0] == "Helen"
    assert first["mount_height_m"].iloc[1] == 7.0 and first["lamp_type"].iloc[1] == "HPS"
    assert first["flux_lm"].iloc[1] == 6000.0
    # unreadable height: the wall mount decides, and the bad tag is named
    assert first["mount_height_m"].iloc[2] == 4.0
    assert first["height_source"].iloc[2] == (
        "default: wall mount (4 m); OSM height=high not used (not a height of 0–30 m)")
    assert first["mount_height_m"].iloc[3] == 1.0 and first["flux_lm"].iloc[3] == 800.0
    assert first["light_count"].iloc[3] == 1 and first["lamp_type"].iloc[3] == "MH"
    # light:height 40 m is implausible: height=6 is used instead
    assert first["mount_height_m"].iloc[4] == 6.0 and first["height_source"].iloc[4] == "osm tag"
    assert first["mount_height_m"].iloc[5] == pytest.approx(4.877, abs=0.001)
    assert first["lamp_type"].iloc[5] == "HPS"


def test_no_lamps_gives_an_empty_table(sample_area):
    empty = sample_area.layers["lamps"].iloc[:0]
    area = dataclasses.replace(sample_area, layers={**sample_area.layers, "lamps": empty})
    lamps = lamps_from_osm(area)
    assert len(lamps) == 0 and list(lamps.columns) == [*LAMP_COLUMNS, "geometry"]


# ---- inventories -------------------------------------------------------------------------

SV_HEADER = "Armatur-ID;Latitud;Longitud;Ljuspunktshöjd;Ljusflöde;Effekt;Ljuskälla;Status;Ägare"


def test_swedish_csv_inventory(tmp_path, sample_area, lamp_xy):
    lat, lon = to_wgs84(sample_area, lamp_xy[:5])
    rows = [
        f"BB-001;{comma(lat[0])};{comma(lon[0])};5,5;4500;;LED;Fungerande;Bostäder Borås",
        f"BB-002;{comma(lat[1])};{comma(lon[1])};6;;70;Högtrycksnatrium;trasig;Borås Stad",
        f"BB-003;{comma(lat[2])};{comma(lon[2])};;;28;LED 3000K;ok;",
        f"BB-004;{comma(lat[3])};{comma(lon[3])};saknas;;;;;",
        f"BB-005;{comma(lat[4])};{comma(lon[4])};4;;35;Natrium;Ur funktion;Bostäder Borås",
    ]
    path = write_csv(tmp_path / "armaturer.csv", SV_HEADER, rows)
    inv = read_lamp_inventory(path, sample_area)
    check_accounting(inv)
    assert inv.total == 5 and inv.accepted == 5 and inv.rejected == 0, inv.rejects
    lamps = inv.lamps.set_index("inventory_id")
    assert list(inv.lamps.columns) == [*LAMP_COLUMNS, "geometry"]
    assert inv.lamps.crs == sample_area.crs
    assert (inv.lamps["source"] == "inventory").all()
    assert lamps.loc["BB-001", "lamp_id"] == "inv:BB-001"
    assert lamps.loc["BB-001", "mount_height_m"] == 5.5
    assert lamps.loc["BB-001", "height_source"] == "inventory"
    assert lamps.loc["BB-001", "flux_lm"] == 4500 and \
        lamps.loc["BB-001", "flux_source"] == "inventory lumen"
    assert lamps.loc["BB-001", "status"] == "working"
    assert lamps.loc["BB-001", "owner"] == "Bostäder Borås"
    assert lamps.loc["BB-002", "flux_lm"] == 70 * 90 and lamps.loc["BB-002", "lamp_type"] == "HPS"
    assert lamps.loc["BB-002", "flux_source"] == "inventory power × efficacy"
    assert lamps.loc["BB-002", "status"] == "broken"
    assert lamps.loc["BB-003", "flux_lm"] == pytest.approx(28 * 110)
    assert lamps.loc["BB-003", "height_source"].startswith("default: ")
    assert pd.isna(lamps.loc["BB-003", "owner"])
    # nothing but a position: defaults for height and flux, status unknown
    assert lamps.loc["BB-004", "height_source"].startswith("default: ")
    assert lamps.loc["BB-004", "flux_source"].startswith("default: ")
    assert lamps.loc["BB-004", "status"] == "unknown"
    assert lamps.loc["BB-005", "status"] == "broken"
    assert list(inv.lamps["inventory_row"]) == [2, 3, 4, 5, 6]
    np.testing.assert_allclose(inv.lamps["intensity_cd"], inv.lamps["flux_lm"] / np.pi)
    # positions are the lamps' own (WGS84 with decimal comma, 6 decimals: within 0.2 m)
    got = shapely.get_coordinates(inv.lamps.geometry.values)
    assert np.abs(got - lamp_xy[:5]).max() < 0.2


def test_bad_inventory_rows_are_rejected_with_reasons(tmp_path, sample_area, lamp_xy):
    lat, lon = to_wgs84(sample_area, lamp_xy[:20])
    p = [(comma(a), comma(b)) for a, b in zip(lat, lon, strict=True)]
    header = ("Armatur-ID;Latitud;Longitud;Ljuspunktshöjd;Ljusflöde;Effekt;Ljuskälla;Antal;"
              "Status;Ägare")
    lines = [
        f"OK-1;{p[0][0]};{p[0][1]};5;3000;;LED;1;ok;Bostäder Borås",          # 2 accepted
        "NOPOS;;;5;3000;;LED;1;ok;",                                          # 3
        f"LATWORD;sextio;{p[2][1]};5;;;;;;",                                  # 4
        f"HALF;{p[3][0]};;5;;;;;;",                                           # 5
        "BORAS;57,7210;12,9401;5;;;;;;",                                      # 6
        f"H0;{p[5][0]};{p[5][1]};0;;;;;;",                                    # 7
        f"H45;{p[6][0]};{p[6][1]};45;;;;;;",                                  # 8
        f"HWORD;{p[7][0]};{p[7][1]};hög;;;;;;",                               # 9
        f"FNEG;{p[8][0]};{p[8][1]};5;-3000;;;;;",                             # 10
        f"PNEG;{p[9][0]};{p[9][1]};5;;-40;LED;;;",                            # 11
        f"STATUS;{p[10][0]};{p[10][1]};5;;;;;kanske;",                        # 12
        f"OK-1;{p[11][0]};{p[11][1]};5;;;;;;",                                # 13 duplicate id
        f"COUNT;{p[12][0]};{p[12][1]};5;;;;1,5;;",                            # 14
        f"RAGGED;{p[13][0]};{p[13][1]};5;;;;;;;extra;cells",                  # 15
        f"RANGE;95;{p[14][1]};5;;;;;;",                                       # 16
        f"FBIG;{p[15][0]};{p[15][1]};5;900000;;;;;",                          # 17
        f"OK-2;{p[16][0]};{p[16][1]};;;;;;planerad;",                         # 18 accepted
    ]
    inv = read_lamp_inventory(write_csv(tmp_path / "bad.csv", header, lines), sample_area)
    acc = check_accounting(inv)
    assert inv.total == 17 and inv.accepted == 2 and inv.rejected == 15
    assert sorted(inv.lamps["inventory_id"]) == ["OK-1", "OK-2"]
    expected = {
        3: ("Latitud", "position missing"),
        4: ("Latitud", "latitude is not a number: sextio"),
        5: ("Longitud", "longitude missing but latitude given"),
        6: ("Latitud", "position outside the area"),
        7: ("Ljuspunktshöjd", "mounting height must be above 0 m and at most 30 m"),
        8: ("Ljuspunktshöjd", "mounting height must be above 0 m and at most 30 m"),
        9: ("Ljuspunktshöjd", "mounting height is not a number: hög"),
        10: ("Ljusflöde", "luminous flux must be above 0 lm"),
        11: ("Effekt", "power must be above 0 W"),
        12: ("Status", "unknown status: kanske; accepted: working: fungerande"),
        13: ("Armatur-ID", "duplicate id: OK-1 (first at row 2)"),
        14: ("Antal", "light count must be a whole number of at least 1"),
        15: ("", "ragged row"),
        16: ("Latitud", "latitude/longitude out of range"),
        17: ("Ljusflöde", "implausible"),
    }
    for row, (column, reason) in expected.items():
        r = reject_at(inv, row)
        assert r["column"] == column, (row, r.to_dict())
        assert reason in r["reason"], (row, r.to_dict())
    assert reject_at(inv, 9)["value"] == "hög"
    assert reject_at(inv, 6)["reason"].endswith("check the CRS and the columns")
    assert len({r.split(":")[0] for r in inv.rejects["reason"]}) >= 12
    assert acc["rejected_by_reason"]["mounting height must be above 0 m and at most 30 m"] == 2
    assert acc["rejected_by_reason"]["position outside the area 'Helsinki sample'"] == 1
    assert acc["rejected_by_reason"]["duplicate id"] == 1
    planned = inv.lamps.set_index("inventory_id").loc["OK-2"]
    assert planned["status"] == "planned"


def test_power_to_flux_by_lamp_type(tmp_path, sample_area, lamp_xy):
    types = ["LED", "HPS", "Högtrycksnatrium", "SON-T 70W", "Metallhalogen", "CDM-T",
             "CFL", "Kompaktlysrör", "Kvicksilver", "Plasma"]
    lat, lon = to_wgs84(sample_area, lamp_xy[:len(types)])
    lines = [f"T{i};{comma(lat[i])};{comma(lon[i])};5;;50;{t};;;" for i, t in enumerate(types)]
    inv = read_lamp_inventory(write_csv(tmp_path / "typer.csv", SV_HEADER + ";Montage", lines),
                              sample_area)
    check_accounting(inv)
    lamps = inv.lamps.set_index("inventory_id")
    expected = {"T0": ("LED", 5500), "T1": ("HPS", 4500), "T2": ("HPS", 4500),
                "T3": ("HPS", 4500), "T4": ("MH", 4000), "T5": ("MH", 4000),
                "T6": ("CFL", 3000), "T7": ("CFL", 3000), "T8": ("HG", 2250)}
    for lamp_id, (kind, lm) in expected.items():
        assert lamps.loc[lamp_id, "lamp_type"] == kind, lamp_id
        assert lamps.loc[lamp_id, "flux_lm"] == pytest.approx(lm), lamp_id
        assert lamps.loc[lamp_id, "flux_source"] == "inventory power × efficacy"
    # an unknown type is kept, with a warning; its flux is the height default
    assert lamps.loc["T9", "lamp_type"] == "unknown"
    assert lamps.loc["T9", "flux_lm"] == 3000
    assert lamps.loc["T9", "flux_source"] == (
        "default: 3,000 lm for mounting height up to 5 m (power given, lamp type unknown)")
    assert any("lamp type not recognised ('Plasma')" in w for w in inv.warnings)
    # efficacies are settings too
    inv2 = read_lamp_inventory(inv.source_file, sample_area,
                               defaults={"efficacy_lm_per_w": {"LED": 150}})
    assert inv2.lamps.set_index("inventory_id").loc["T0", "flux_lm"] == 7500


def test_xlsx_inventory_with_metric_coordinates(tmp_path, sample_area, lamp_xy):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ID", "x", "y", "height", "lumen", "status", "owner", "mount"])
    ws.append([101, lamp_xy[0, 0], lamp_xy[0, 1], 4.5, 3500, "working", "BB", None])
    ws.append([102, lamp_xy[1, 0], lamp_xy[1, 1], None, None, "broken", "BB", "vägg"])
    ws.append([103, lamp_xy[2, 0], lamp_xy[2, 1], -2, None, None, None, None])
    path = tmp_path / "lamps.xlsx"
    wb.save(path)
    inv = read_lamp_inventory(path, sample_area, crs=sample_area.crs)
    check_accounting(inv)
    assert inv.total == 3 and inv.accepted == 2
    lamps = inv.lamps.set_index("inventory_id")
    assert lamps.loc["101", "mount_height_m"] == 4.5 and lamps.loc["101", "flux_lm"] == 3500
    assert lamps.loc["102", "mount_height_m"] == 4.0
    assert lamps.loc["102", "height_source"] == "default: wall mount (4 m)"
    assert lamps.loc["102", "status"] == "broken"
    assert "mounting height must be above 0 m" in reject_at(inv, 4)["reason"]
    assert np.abs(shapely.get_coordinates(inv.lamps.geometry.values)[:2] - lamp_xy[:2]).max() \
        < 1e-6


def test_gpkg_inventory(tmp_path, sample_area, lamp_xy):
    import geopandas as gpd

    geoms = [*shapely.points(lamp_xy[:3]), shapely.LineString(lamp_xy[3:5]), None]
    gdf = gpd.GeoDataFrame({
        "armatur_id": ["G1", "G2", "G3", "G4", "G5"],
        "höjd": [5.0, 8.0, np.nan, 5.0, 5.0],
        "effekt": [30.0, np.nan, 100.0, 30.0, 30.0],
        "ljuskalla": ["LED", None, "Metallhalogen", "LED", "LED"],
        "status": ["fungerande", None, "trasig", None, None],
    }, geometry=geoms, crs=sample_area.crs).to_crs("EPSG:4326")
    path = tmp_path / "lamps.gpkg"
    gdf.to_file(path, layer="armaturer", driver="GPKG")
    inv = read_lamp_inventory(path, sample_area)
    check_accounting(inv)
    assert inv.accepted == 3 and inv.rejected == 2
    lamps = inv.lamps.set_index("inventory_id")
    assert lamps.loc["G1", "flux_lm"] == pytest.approx(3300)
    assert lamps.loc["G2", "flux_lm"] == 6000 and lamps.loc["G2", "flux_source"].startswith(
        "default: 6,000 lm")
    assert lamps.loc["G3", "flux_lm"] == pytest.approx(8000)
    assert lamps.loc["G3", "status"] == "broken"
    assert "LineString, not a point" in reject_at(inv, 5)["reason"]
    assert "position missing" in reject_at(inv, 6)["reason"]
    got = shapely.get_coordinates(inv.lamps.geometry.values)
    assert np.abs(got - lamp_xy[:3]).max() < 1e-3


def test_sweref_coordinates_are_detected(tmp_path, sample_area, lamp_xy):
    t = Transformer.from_crs(sample_area.crs, "EPSG:3006", always_xy=True)
    e, n = t.transform(lamp_xy[:3, 0], lamp_xy[:3, 1])
    lines = [f"S{i};{comma(n[i], 2)};{comma(e[i], 2)};5" for i in range(3)]
    path = write_csv(tmp_path / "sweref.csv", "Nr;N_SWEREF99TM;E_SWEREF99TM;Höjd", lines)
    inv = read_lamp_inventory(path, sample_area)
    check_accounting(inv)
    assert inv.accepted == 3, inv.rejects
    assert inv.meta["coordinate_crs"] == "EPSG:3006"
    assert any("x/y read as EPSG:3006" in w for w in inv.warnings)
    got = shapely.get_coordinates(inv.lamps.geometry.values)
    assert np.abs(got - lamp_xy[:3]).max() < 0.05


def test_column_mapping(tmp_path, sample_area, lamp_xy):
    lat, lon = to_wgs84(sample_area, lamp_xy[:2])
    lines = [f"P{i},{lat[i]},{lon[i]},7" for i in range(2)]
    path = write_csv(tmp_path / "egna.csv", "Stolpnr,Lat,Lon,Hojd over mark", lines, "utf-8")
    inv = read_lamp_inventory(path, sample_area,
                              columns={"id": "Stolpnr", "height": ["Hojd over mark"]})
    assert list(inv.lamps["inventory_id"]) == ["P0", "P1"]
    assert (inv.lamps["mount_height_m"] == 7).all()
    toml = tmp_path / "columns.toml"
    toml.write_text('[columns]\nid = "Stolpnr"\nheight = "Hojd over mark"\n', encoding="utf-8")
    assert read_lamp_inventory(path, sample_area, columns=toml).accepted == 2
    with pytest.raises(ReportsError, match="unknown inventory field 'colour'"):
        read_lamp_inventory(path, sample_area, columns={"colour": "Färg"})
    # without the mapping there is no id column: ids are generated, with a warning
    inv = read_lamp_inventory(path, sample_area)
    assert list(inv.lamps["inventory_id"]) == ["row-2", "row-3"]
    assert any("no id column" in w for w in inv.warnings)
    no_pos = write_csv(tmp_path / "nopos.csv", "ID,Höjd", ["A,5"], "utf-8")
    with pytest.raises(ReportsError, match="no position columns"):
        read_lamp_inventory(no_pos, sample_area)


def test_template(sample_area):
    path = ROOT / "data" / "templates" / "lamp_inventory.csv"
    table = read_table(path)
    fields, crs = resolve_inventory_columns(list(table.data.columns))
    assert crs is None
    assert set(fields) == {"id", "lat", "lon", "height", "flux", "power", "lamp_type",
                           "light_count", "status", "owner", "mount"}
    assert len(fields) == len(table.data.columns), "every template column is a field"
    assert 2 <= table.total <= 3
    assert table.data[fields["id"]].str.startswith("EXEMPEL").all()
    # the examples lie in Borås: outside the sample, so each is rejected for that reason
    inv = read_lamp_inventory(path, sample_area)
    assert inv.accepted == 0 and inv.rejected == table.total
    assert inv.rejects["reason"].str.startswith("position outside the area").all()


# ---- merging -----------------------------------------------------------------------------


def merge_inventory(tmp_path, sample_area, lamp_xy, isolated):
    """Inventory lamps around isolated OSM lamps a..d (area CRS x/y)."""
    a, b, c, d = isolated[:4]
    pts = {
        "NEAR": lamp_xy[a] + [2.0, 0.0],     # 2 m: merges
        "FAR": lamp_xy[b] + [0.0, 20.0],     # 20 m: does not
        "C1": lamp_xy[c] + [0.0, -1.0],      # two inventory lamps by one OSM lamp:
        "C2": lamp_xy[c] + [3.0, 0.0],       # only the nearer merges
        "D": lamp_xy[d] + [1.0, 1.0],        # no height in the inventory
    }
    values = {"NEAR": "5,5;4000;trasig;Bostäder Borås", "FAR": "6;;;", "C1": "4;;ok;",
              "C2": "4;;ok;", "D": ";;fungerande;Borås Stad"}
    lines = [f"{k};{comma(v[0], 3)};{comma(v[1], 3)};{values[k]}" for k, v in pts.items()]
    path = write_csv(tmp_path / "merge.csv", "Lampnummer;X;Y;Höjd;Lumen;Status;Ägare", lines)
    inv = read_lamp_inventory(path, sample_area, crs=sample_area.crs)
    assert inv.accepted == 5, inv.rejects
    return inv, (a, b, c, d)


def test_merge(tmp_path, sample_area, lamp_xy, isolated, osm_lamps):
    inv, (a, b, c, d) = merge_inventory(tmp_path, sample_area, lamp_xy, isolated)
    merged, merges = merge_lamps(osm_lamps, inv, distance=5.0)
    assert len(merges) == 3
    assert len(merged) == len(osm_lamps) + len(inv.lamps) - len(merges)
    assert list(merged.columns) == [*LAMP_COLUMNS, "geometry"]
    assert merged.crs == osm_lamps.crs
    assert merged["lamp_id"].is_unique
    by_inv = merged.set_index("lamp_id")
    near = by_inv.loc["inv:NEAR"]
    assert near["source"] == "both" and near["osm_id"] == osm_lamps["osm_id"].iloc[a]
    assert near["mount_height_m"] == 5.5 and near["height_source"] == "inventory"
    assert near["flux_lm"] == 4000 and near["flux_source"] == "inventory lumen"
    assert near["intensity_cd"] == pytest.approx(4000 / np.pi)
    assert near["status"] == "broken" and near["owner"] == "Bostäder Borås"
    # the inventory's position
    assert near.geometry.x == pytest.approx(lamp_xy[a, 0] + 2.0, abs=0.001)
    assert by_inv.loc["inv:FAR", "source"] == "inventory"
    assert osm_lamps["lamp_id"].iloc[b] in set(merged["lamp_id"])
    assert by_inv.loc["inv:C1", "source"] == "both"
    assert by_inv.loc["inv:C2", "source"] == "inventory"
    assert by_inv.loc["inv:D", "source"] == "both"
    assert by_inv.loc["inv:D", "status"] == "working"
    # merged OSM lamps are gone under their own ids, every other OSM lamp is kept
    merged_osm = set(merges["osm_lamp_id"])
    assert merged_osm == {osm_lamps["lamp_id"].iloc[i] for i in (a, c, d)}
    assert not merged_osm & set(merged["lamp_id"])
    assert set(osm_lamps["lamp_id"]) - merged_osm <= set(merged["lamp_id"])
    assert set(inv.lamps["lamp_id"]) <= set(merged["lamp_id"])
    # the report of what was merged
    report = merges.set_index("inventory_lamp_id")
    assert report.loc["inv:NEAR", "distance_m"] == pytest.approx(2.0, abs=0.01)
    assert report.loc["inv:C1", "distance_m"] == pytest.approx(1.0, abs=0.01)
    assert report.loc["inv:D", "distance_m"] == pytest.approx(np.sqrt(2), abs=0.01)
    assert report.loc["inv:NEAR", "osm_id"] == osm_lamps["osm_id"].iloc[a]
    assert merges.attrs["pairs"] == 3
    assert merges.attrs["osm_unmatched"] == len(osm_lamps) - 3
    assert merges.attrs["inventory_unmatched"] == 2
    assert merges.attrs["unmatched_within_distance"] == {"osm": 0, "inventory": 1}
    assert merges.attrs["merged_lamps"] == len(merged)
    # a larger distance takes FAR too
    assert merge_lamps(osm_lamps, inv, distance=25.0)[1].attrs["pairs"] == 4


def test_merge_takes_osm_tags_where_the_inventory_has_defaults(tmp_path, sample_area,
                                                               lamp_xy):
    area = tagged_area(sample_area)
    osm = lamps_from_osm(area)
    lat, lon = to_wgs84(sample_area, lamp_xy[:1] + [1.0, 0.0])
    path = write_csv(tmp_path / "one.csv", "ID;Lat;Lon;Status",
                     [f"X1;{comma(lat[0], 8)};{comma(lon[0], 8)};"])
    inv = read_lamp_inventory(path, area)
    merged, merges = merge_lamps(osm, inv)
    assert len(merges) == 1 and len(merged) == len(osm)
    lamp = merged.set_index("lamp_id").loc["inv:X1"]
    # OSM: light:height 5,5, light:count 2, LED, operator Helen; the inventory has none
    assert lamp["mount_height_m"] == 5.5 and lamp["height_source"] == "osm tag"
    assert lamp["flux_lm"] == 6000 and lamp["flux_source"].startswith("default: 6,000 lm")
    assert lamp["light_count"] == 2 and lamp["lamp_type"] == "LED"
    assert lamp["owner"] == "Helen" and lamp["status"] == "unknown"
    assert lamp["intensity_cd"] == pytest.approx(6000 / np.pi * 2)


def test_merge_edge_cases(osm_lamps):
    empty = osm_lamps.iloc[:0]
    merged, merges = merge_lamps(osm_lamps, empty)
    assert len(merged) == len(osm_lamps) and len(merges) == 0
    assert merges.attrs["inventory_lamps"] == 0
    merged, merges = merge_lamps(empty, osm_lamps.iloc[:3])
    assert len(merged) == 3 and merges.attrs["pairs"] == 0
    with pytest.raises(LampsError, match="distance"):
        merge_lamps(osm_lamps, empty, distance=-1)


def test_mutual_nearest_is_one_to_one():
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 100, (400, 2))
    b = np.vstack([a[:300] + rng.normal(0, 1.5, (300, 2)), rng.uniform(0, 100, (200, 2))])
    po, pi, dist = _mutual_nearest(a, b, 5.0)
    assert len(np.unique(po)) == len(po) and len(np.unique(pi)) == len(pi)
    assert (dist <= 5.0).all()
    np.testing.assert_allclose(dist, np.hypot(*(a[po] - b[pi]).T))
    assert len(po) > 250
    # a chain: o1 - i1 - o2 - i2 (x = 0, 2, 3.5, 6): o2 and i1 pair; o1 and i2 are 6 m apart
    po, pi, _ = _mutual_nearest(np.array([[0.0, 0], [3.5, 0]]), np.array([[2.0, 0], [6, 0]]),
                                5.0)
    assert list(zip(po, pi, strict=True)) == [(1, 0)]
