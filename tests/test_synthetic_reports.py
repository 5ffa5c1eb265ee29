"""The seeded synthetic report generator: export format, determinism, placement on real OSM
geometry, time model, plausibility, argument checks. Runs offline on the sample area."""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.inputs.reports.schema import CATEGORIES, SOURCES
from sjobo_geo.inputs.reports.synthetic import (
    COLUMNS,
    EST_ACTORS,
    SyntheticError,
    generate_reports,
    write_sample_reports,
)

HEADERS = ["Löpnummer", "Källa", "Aktör", "Kategori", "Tidpunkt", "Latitud", "Longitud",
           "Plats", "Fritext", "Vikt", "Syntetisk"]


@pytest.fixture(scope="module")
def reports(sample_area) -> pd.DataFrame:
    return generate_reports(sample_area, 2000, seed=0)


def _points(df: pd.DataFrame, crs: str) -> gpd.GeoDataFrame:
    located = df[df["Latitud"] != ""]
    return gpd.GeoDataFrame(
        located[["Kategori", "Tidpunkt"]],
        geometry=gpd.points_from_xy(located["Longitud"].astype(float),
                                    located["Latitud"].astype(float)),
        crs="EPSG:4326",
    ).to_crs(crs)


def test_headers_rows_and_ids(reports):
    assert list(reports.columns) == HEADERS == list(COLUMNS)
    assert len(reports) == 2000
    assert reports["Löpnummer"].tolist() == [f"S-{i:06d}" for i in range(1, 2001)]
    assert reports["Tidpunkt"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d").all()
    assert reports["Tidpunkt"].is_monotonic_increasing
    assert set(reports["Vikt"]) <= {"1", "2", "3"}
    heavy = reports.loc[reports["Vikt"] != "1", "Källa"]
    assert len(heavy) and set(heavy) <= {"Digital enkät", "Trygghetsmätning"}


def test_csv_is_deterministic(sample_area, tmp_path):
    a = write_sample_reports(sample_area, tmp_path / "a.csv", 300, seed=7)
    b = write_sample_reports(sample_area, tmp_path / "b" / "b.csv", 300, seed=7)
    c = write_sample_reports(sample_area, tmp_path / "c.csv", 300, seed=8)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
    text = a.read_text(encoding="utf-8-sig")  # write_csv: BOM for Excel
    assert text.splitlines()[0] == ",".join(HEADERS)
    back = pd.read_csv(a, dtype=str, keep_default_na=False, encoding="utf-8")
    pd.testing.assert_frame_equal(back, generate_reports(sample_area, 300, seed=7),
                                  check_dtype=False)


def test_each_row_located_by_coordinates_or_place(reports, sample_area):
    has_xy = (reports["Latitud"] != "") & (reports["Longitud"] != "")
    no_xy = (reports["Latitud"] == "") & (reports["Longitud"] == "")
    has_place = reports["Plats"] != ""
    assert (has_xy ^ no_xy).all()
    assert (has_xy ^ has_place).all()
    assert has_place.sum() == 200  # place_text_share=0.1 of 2000
    assert reports.loc[has_xy, "Latitud"].str.fullmatch(r"\d+\.\d{6}").all()
    assert reports.loc[has_xy, "Longitud"].str.fullmatch(r"\d+\.\d{6}").all()
    names = set(sample_area.gazetteer.names())
    for name in reports.loc[has_place, "Plats"].unique():
        assert name in names
        assert sample_area.find(name).matched == "exact"
    assert reports.loc[has_place, "Plats"].nunique() > 20


def test_coordinates_inside_boundary(reports, sample_area):
    pts = _points(reports, sample_area.crs)
    assert len(pts) == 1800
    assert pts.within(sample_area.boundary).all()
    # on or near real OSM features: within a few metres of a feature of a place layer
    layers = ["paths", "squares", "courtyards", "schoolyards", "schools", "playgrounds",
              "leisure", "parking", "bus_stops", "vegetation", "businesses"]
    features = pd.concat([sample_area.layers[k][["geometry"]] for k in layers],
                         ignore_index=True)
    near = gpd.sjoin_nearest(pts, features, max_distance=15.0, how="left", distance_col="d")
    d = near.groupby(level=0)["d"].min()
    assert d.notna().all()
    assert (d < 5).mean() > 0.95


def test_labels_from_schema(reports):
    assert set(reports["Kategori"]) <= {c.sv for c in CATEGORIES.values()}
    assert reports["Kategori"].nunique() >= 12
    assert set(reports["Källa"]) == {SOURCES[s][0] for s in (
        "survey", "dialogue", "door_knocking", "safety_survey", "situational_picture", "est")}
    assert set(reports["Källa"]) == {"Digital enkät", "Dialog", "Dörrknackning",
                                     "Trygghetsmätning", "Lägesbild", "EST"}
    assert (reports["Källa"] == "EST").sum() == 800  # est_share=0.4
    residents = reports[reports["Källa"].isin(["Digital enkät", "Dörrknackning",
                                               "Trygghetsmätning"])]
    assert set(residents["Aktör"]) == {"Boende"}


def test_every_row_is_marked_synthetic(reports):
    assert (reports["Syntetisk"] == "ja").all()
    assert reports["Fritext"].str.startswith("[SYNTETISK] ").all()
    assert reports["Fritext"].str.len().max() < 120
    assert reports.attrs["synthetic"] is True
    # no personal data patterns: e-mail addresses, phone numbers, personal identity numbers
    assert not reports["Fritext"].str.contains(r"@|\d{6,}|\d{3}-\d{4}", regex=True).any()


def test_after_dark_lighting_reports_favour_unlit_paths(reports, sample_area):
    paths = sample_area.paths
    dark_len = paths.loc[paths["lit_status"] != "lit", "length_m"].sum()
    length_share = dark_len / paths["length_m"].sum()
    hour = reports["Tidpunkt"].str[11:13].astype(int)
    sel = reports[reports["Kategori"].isin(["Belysning", "Otrygghet"])
                  & ((hour >= 18) | (hour < 6))]
    pts = _points(sel, sample_area.crs)
    near = gpd.sjoin_nearest(pts, paths[["lit_status", "geometry"]], max_distance=30.0,
                             how="left", distance_col="d")
    near = near.sort_values("d", kind="stable")
    near = near[~near.index.duplicated(keep="first")]
    report_share = near["lit_status"].isin(["unlit", "unknown"]).mean()
    # seen on the sample, seed 0: ~0.69 of 495 reports vs 0.29 of the path length
    assert len(pts) > 300
    assert length_share < 0.4
    assert report_share > length_share + 0.25


def test_est_rows_spread_over_the_year(reports):
    est = reports[reports["Källa"] == "EST"]
    assert set(est["Aktör"]) == set(EST_ACTORS) == {
        "Polisen", "Borås Stad", "Bostäder Borås", "Victoriahem", "Svenska kyrkan",
        "Borås GIF", "Coop"}
    when = pd.to_datetime(est["Tidpunkt"])
    assert when.dt.isocalendar()["week"].nunique() >= 50
    assert when.min() >= pd.Timestamp("2024-01-01")
    assert when.max() < pd.Timestamp("2024-12-30")  # 52 weeks from start
    # survey answers cluster in their collection period (April for the default start)
    survey = pd.to_datetime(reports.loc[reports["Källa"] == "Digital enkät", "Tidpunkt"])
    assert (survey.dt.month == 4).all()


def test_time_of_day_and_season(reports):
    when = pd.to_datetime(reports["Tidpunkt"])
    dark_cats = reports["Kategori"].isin(["Belysning", "Otrygghet", "Hot och våld"])
    late = (when.dt.hour >= 18) | (when.dt.hour < 6)
    assert late[dark_cats].mean() > 0.6
    assert late[reports["Kategori"] == "Trafik"].mean() < late[dark_cats].mean() - 0.2
    # darker afternoons in winter: more 15-18 reports of darkness categories than in summer
    afternoon = (when.dt.hour >= 15) & (when.dt.hour < 18)
    winter = when.dt.month.isin([11, 12, 1, 2])
    summer = when.dt.month.isin([5, 6, 7, 8])
    assert afternoon[dark_cats & winter].mean() > afternoon[dark_cats & summer].mean()
    # weekend nights are busier
    night = (when.dt.hour >= 22) | (when.dt.hour < 4)
    weekend = when.dt.day_of_week.isin([5, 6])
    assert night[weekend].mean() > night[~weekend].mean()


def test_options(sample_area):
    one = generate_reports(sample_area, 1, seed=3)
    assert len(one) == 1 and one["Löpnummer"].iloc[0] == "S-000001"
    named = generate_reports(sample_area, 50, seed=1, place_text_share=1.0, est_share=1.0)
    assert (named["Plats"] != "").all() and (named["Latitud"] == "").all()
    assert (named["Källa"] == "EST").all()
    located = generate_reports(sample_area, 50, seed=1, place_text_share=0.0, est_share=0.0,
                               start="2025-03-03", weeks=2)
    assert (located["Plats"] == "").all() and "EST" not in set(located["Källa"])
    when = pd.to_datetime(located["Tidpunkt"])
    assert when.min() >= pd.Timestamp("2025-03-03") and when.max() < pd.Timestamp("2025-03-17")
    en = generate_reports(sample_area, 100, seed=1, lang="en")
    assert set(en["Kategori"]) <= {c.en for c in CATEGORIES.values()}
    assert set(en["Källa"]) <= {s[1] for s in SOURCES.values()}
    assert en["Fritext"].str.startswith("[SYNTETISK] ").all()
    assert list(en.columns) == HEADERS


def test_large_n_is_vectorised(sample_area):
    df = generate_reports(sample_area, 20_000, seed=2)
    assert len(df) == 20_000 and df["Löpnummer"].is_unique
    assert np.isclose((df["Plats"] != "").mean(), 0.1)


@pytest.mark.parametrize("kwargs", [
    {"n": 0}, {"n": -5}, {"n": 2.5}, {"weeks": 0}, {"est_share": -0.1}, {"est_share": 1.5},
    {"place_text_share": 2}, {"place_text_share": float("nan")}, {"lang": "fi"},
    {"start": "not a date"},
])
def test_bad_arguments(sample_area, kwargs):
    with pytest.raises(SyntheticError) as info:
        generate_reports(sample_area, **{"n": 10, **kwargs})
    assert isinstance(info.value, ValueError) and isinstance(info.value, SjoboGeoError)


def test_area_without_paths(sample_area):
    empty = dataclasses.replace(
        sample_area, layers={**sample_area.layers, "paths": sample_area.paths.iloc[:0]})
    with pytest.raises(ValueError, match=re.escape("has no paths")) as info:
        generate_reports(empty, 10)
    assert isinstance(info.value, SjoboGeoError)
