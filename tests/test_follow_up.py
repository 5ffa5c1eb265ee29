"""Follow-up of the measures (sjobo_geo.analysis.follow_up) on a synthetic two-year EST record with
planted changes: the follow-up must find the planted ones and must not claim the others."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

# the planted changes: place, date, factor (None: a measure with nothing planted)
FALL = ("Kruununhaan yläasteen koulu", "2024-01-01", 0.4)
RISE = ("Lasipalatsinaukio", "2024-03-01", 2.0)
EMPTY = ("Esplanadinpuisto", "2023-01-02", 0.0)  # no reports at all near it
SCRIPT = "<script>alert('fu')</script>"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, sample_area):
    """Two years of SYNTHETIC incidents and survey answers, in three files as the actors send
    them, with a planted fall, a planted rise and a place emptied; and a measures register."""
    from sjobo_geo.inputs.reports.synthetic import generate_reports, plant_change

    folder = tmp_path_factory.mktemp("follow_up")
    table = generate_reports(sample_area, 30000, seed=7, start="2023-01-02", weeks=104,
                             est_share=0.85, place_text_share=0.0)
    for n, (name, date, factor) in enumerate((FALL, RISE, EMPTY)):
        zone = sample_area.find(name).geometry.buffer(100)
        table = plant_change(table, sample_area, zone, date, factor, seed=n)
    planted = table.attrs["planted"]
    police = table["Aktör"].isin(["Polisen"])
    survey = table["Källa"].str.contains("enkät", case=False)
    files = []
    for name, part in (("polisen", table[police]), ("enkat", table[survey & ~police]),
                       ("ovriga", table[~police & ~survey])):
        path = folder / f"{name}.csv"
        part.to_csv(path, index=False)
        files.append(path)
    assert sum(len(pd.read_csv(p)) for p in files) == len(table)
    measures = pd.DataFrame({
        "Åtgärd-ID": ["M1", "M2", "M3", "M4", "M5", "M6"],
        "Löfte": ["6", "5", "1", "5", "7", "5"],
        "Ansvarig": ["Borås Stad", "Bostäder Borås", "Polisen", "Victoriahem", SCRIPT,
                     "Borås Stad"],
        "Plats": [FALL[0], "Rautatientori", RISE[0], "Tornin piha", EMPTY[0],
                  "Senaatintori"],
        "Typ": ["buskar röjda", "ny belysning", "ökad polisnärvaro", "fasadbelysning",
                "städning", "ny belysning"],
        "Datum": [FALL[1], "2024-01-01", RISE[1], "", "2024-01-01", "2024-12-20"],
        "Status": ["klar", "klar", "klar", "planerad", "klar", "klar"],
        "Kommentar": ["secret note"] * 6,
    })
    register = folder / "measures.csv"
    measures.to_csv(register, index=False)
    return files, register, planted


@pytest.fixture(scope="module")
def result(scenario, sample_area, tmp_path_factory):
    from sjobo_geo.jobs.follow_up import run_follow_up

    files, register, _ = scenario
    steps: list[str] = []
    out = tmp_path_factory.mktemp("fu_out")
    res = run_follow_up(files, register, sample_area, out=out, offline_html=True,
                        progress=steps.append)
    return res, steps


def _verdicts(res) -> dict[str, str]:
    return dict(zip(res.table["measure_id"], res.table["verdict"], strict=True))


def test_planted_changes_found_and_no_change_not_claimed(result, scenario):
    res, _ = result
    assert len(scenario[2]) == 3 and scenario[2][0][3] > 100  # the fall removed reports
    v = _verdicts(res)
    assert v["M1"] == "fewer"           # planted fall
    assert v["M3"] == "more"            # planted rise
    assert v["M2"] in {"no_clear_change", "like_elsewhere"}  # nothing planted
    assert v["M4"] == "not_done"        # planned
    assert v["M5"] == "too_few"         # no reports near it
    assert v["M6"] == "too_little_time"  # 11 days of data after it
    t = res.table.set_index("measure_id")
    assert t.loc["M1", "relative_change"] < 0.6 and t.loc["M1", "ratio_high"] < 1
    assert t.loc["M3", "relative_change"] > 1.5
    assert t.loc["M2", "ratio_low"] < 1 < t.loc["M2", "ratio_high"] * 1.2
    assert t.loc["M1", "season"] == "year" and t.loc["M3", "season"] == "same_season"
    # the survey answers fell at the emptied-and-cut schoolyard too
    assert t.loc["M1", "survey_verdict"] == "fewer"


def test_no_false_claims_at_places_with_nothing_planted(scenario, sample_area):
    """Ten pseudo-measures, one at a time, at busy places away from the planted ones: the
    follow-up may find a change "like elsewhere" but claims at most one effect (5 % each)."""
    import geopandas as gpd
    import shapely

    from sjobo_geo.analysis.follow_up import follow_up
    from sjobo_geo.analysis.hotspots import grid_units
    from sjobo_geo.inputs.reports.validate import load_report_files

    files, _, _ = scenario
    reports = load_report_files(files, sample_area).reports
    planted = shapely.union_all([sample_area.find(n).geometry.buffer(250)
                                 for n in (FALL[0], RISE[0], EMPTY[0])])
    grid = grid_units(sample_area, 100)
    centres = grid.geometry.centroid
    n_near = shapely.STRtree(reports.geometry.to_numpy()).query(
        centres.buffer(100).to_numpy(), predicate="intersects")[0]
    busy = np.bincount(n_near, minlength=len(grid))
    ok = (busy >= 150) & ~centres.intersects(planted).to_numpy()
    spots = centres[ok].iloc[:: max(1, int(ok.sum()) // 10)].iloc[:10]
    assert len(spots) >= 8
    verdicts = []
    for n, spot in enumerate(spots):
        measure = gpd.GeoDataFrame({
            "measure_id": [f"N{n}"], "promise": [""], "kind": ["square_rebuilt"],
            "place": [""], "owner": [""], "status": ["done"],
            "date": [pd.Timestamp("2024-01-01")], "note": [""]},
            geometry=[spot], crs=sample_area.crs)
        verdicts.append(follow_up(sample_area, reports, measure)["verdict"].iloc[0])
    assert sum(v in {"fewer", "more", "like_elsewhere", "no_clear_change"}
               for v in verdicts) >= 8
    assert sum(v in {"fewer", "more"} for v in verdicts) <= 1, verdicts


def test_outputs(result, scenario):
    from sjobo_geo.analysis.follow_up import COLUMNS
    from sjobo_geo.jobs.follow_up import FOLLOW_UP_STEPS

    res, steps = result
    assert steps == list(FOLLOW_UP_STEPS)
    assert {"html", "csv", "gpkg"} == set(res.files)
    assert res.synthetic
    csv = pd.read_csv(res.files["csv"])
    assert list(csv.columns) == ["synthetic", *COLUMNS]
    assert csv["synthetic"].all()
    assert "note" not in csv and "secret note" not in res.files["csv"].read_text()
    # a measure rejected by the register is accounted for in the messages
    assert any("6 rows, 6 accepted" in m for m in res.messages)
    import pyogrio

    info = pyogrio.read_info(res.files["gpkg"], layer="measure_zones")
    assert info["features"] == 6 and info["geometry_type"] in {"Polygon", "MultiPolygon"}


def test_page(result):
    res, _ = result
    page = res.files["html"].read_text(encoding="utf-8")
    assert "SYNTETISKA DATA" in page
    assert "Uppföljning av medborgarlöftets åtgärder" in page
    assert "Färre händelser efter" in page and "För få rapporter" in page
    assert SCRIPT not in page and "secret note" not in page
    assert "@page{size:A4;margin:12mm}" in page
    assert "https://" not in page.split("<iframe")[0]


def test_page_template_escapes_the_register_texts(result, sample_area):
    """A <script> in a measure's place and promise and in a file name reaches the rendered
    template page as text: escaped once, never as markup."""
    import geopandas as gpd
    from lxml import html

    from sjobo_geo.inputs.measures import MeasureSet
    from sjobo_geo.inputs.reports.schema import ReportSet
    from sjobo_geo.maps.follow_up import follow_up_page

    res, _ = result
    table = res.table.copy()
    table.loc[0, ["place", "promise"]] = SCRIPT
    zones = gpd.GeoDataFrame(table[["measure_id"]], crs=sample_area.crs, geometry=[
        sample_area.find(FALL[0]).geometry.buffer(100)] * len(table))
    empty = pd.DataFrame({"row": [], "column": [], "value": [], "reason": []})
    ms = MeasureSet(measures=zones.iloc[:0], rejects=empty, total=0, source_file=SCRIPT)
    rs = ReportSet(reports=gpd.GeoDataFrame(geometry=[], crs=sample_area.crs), rejects=empty,
                   total=0, source_file="reports.csv")
    page = follow_up_page(table, ms, sample_area, rs, zones, radius=100, public=False, k=5,
                          offline=False, lang="en")
    assert SCRIPT not in page
    assert page.count("&lt;script&gt;alert(&#39;fu&#39;)&lt;/script&gt;") >= 3
    doc = html.document_fromstring(page)
    first = doc.xpath("//table[@class='fu']/tbody/tr[1]/td")
    assert first[0].text_content().endswith("promise " + SCRIPT)  # escaped once, not twice
    assert first[1].text_content().endswith(SCRIPT)
    assert not doc.xpath("//script")
    assert "Follow-up of the citizen promise measures" in page and "fu-method" in page


def test_page_in_the_browser_and_on_a4(result):
    """The offline map inside the page draws every measure zone and measure, with no console
    error; the page prints to 1-6 A4 pages."""
    import base64
    import re

    from browser import chromium, severe_console_messages
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.print_page_options import PrintOptions

    res, _ = result
    with chromium() as driver:
        driver.get(res.files["html"].resolve().as_uri())
        driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "iframe.map"))
        shapes = driver.execute_script(
            "return document.querySelectorAll('path.leaflet-interactive').length")
        driver.switch_to.default_content()
        assert severe_console_messages(driver) == []
        # 6 zones (one a circle around a point would still be a path) and the measures
        assert shapes >= 6
        pdf = base64.b64decode(driver.print_page(PrintOptions()))
    assert pdf.startswith(b"%PDF")
    assert 1 <= len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) <= 6


def test_public_and_english(scenario, sample_area, tmp_path):
    from sjobo_geo.jobs.follow_up import run_follow_up

    files, register, _ = scenario
    res = run_follow_up(files, register, sample_area, out=tmp_path, public=True, k=20,
                        lang="en")
    csv = pd.read_csv(res.files["csv"])
    counts = csv[["before", "after", "survey_before", "survey_after"]].to_numpy(dtype=float)
    assert not ((counts > 0) & (counts < 20)).any()
    page = res.files["html"].read_text(encoding="utf-8")
    assert "Follow-up of the citizen promise measures" in page and "&lt;20" in page


def test_windows_follow_the_seasons():
    from sjobo_geo.analysis.follow_up import _windows

    t0, t1 = pd.Timestamp("2022-01-01"), pd.Timestamp("2024-12-31 23:00")
    w, season, b0, b1, a0, a1 = _windows(pd.Timestamp("2024-06-01"), t0, t1)
    assert season == "same_season" and w == 214  # 1 June to 31 December
    assert b0 == pd.Timestamp("2023-06-02") and a0 == pd.Timestamp("2024-06-01")
    assert (b1 - b0) == (a1 - a0)
    w, season, b0, b1, *_ = _windows(pd.Timestamp("2023-06-01"), t0, t1)
    assert season == "year" and w == 365 and b1 == pd.Timestamp("2023-06-01")
    w, season, *_ = _windows(pd.Timestamp("2022-03-01"), t0, t1)
    assert season == "adjacent" and w == 59


def test_ratio_interval_is_exact():
    """The rate-ratio interval inverts the exact binomial test (Clopper-Pearson)."""
    from scipy.stats import binomtest

    from sjobo_geo.analysis.follow_up import _ratio_ci

    a, b = 15, 45
    lo, hi = _ratio_ci(a, b)
    ci = binomtest(a, a + b).proportion_ci(0.95, method="exact")
    assert lo == pytest.approx(ci.low / (1 - ci.low))
    assert hi == pytest.approx(ci.high / (1 - ci.high))
    assert np.isinf(_ratio_ci(5, 0)[1]) and _ratio_ci(0, 5)[0] == 0


def test_bad_input(scenario, sample_area, tmp_path):
    from sjobo_geo.analysis.follow_up import FollowUpError
    from sjobo_geo.jobs.follow_up import run_follow_up

    files, register, _ = scenario
    with pytest.raises(FollowUpError, match="report file not found"):
        run_follow_up(tmp_path / "none.csv", register, sample_area, out=tmp_path)
    empty = tmp_path / "m.csv"
    empty.write_text("Åtgärd-ID,Typ,Plats,Datum\nX,ufo,Rautatientori,2024-01-01\n",
                     encoding="utf-8")
    with pytest.raises(FollowUpError, match="no measure was accepted"):
        run_follow_up(files[:1], empty, sample_area, out=tmp_path)
    with pytest.raises(FollowUpError, match="radius"):
        run_follow_up(files[:1], register, sample_area, out=tmp_path, radius=0)


def test_follow_up_cli(scenario, tmp_path):
    from helpers import assert_one_line_error, run_cli

    files, register, _ = scenario
    out = tmp_path / "fu"
    proc = run_cli("follow-up", "--reports", *map(str, files), "--measures", str(register),
                   "--out", str(out), "--offline-html")
    assert proc.returncode == 0, proc.stderr
    assert "fewer 1, more 1" in proc.stdout
    assert {"follow_up.html", "follow_up.csv", "follow_up.gpkg"} <= {
        p.name for p in out.iterdir()}
    assert_one_line_error(run_cli("follow-up", "--reports", str(files[0]), "--measures",
                                  str(tmp_path / "missing.csv"), "--out", str(out)),
                          "missing.csv")


def test_survey_answers_only_and_measures_without_a_place(scenario, sample_area):
    """With survey answers and no incidents the incident verdict is "too few" while the
    survey shares are still compared; a measure without geometry is an error that names it."""
    import geopandas as gpd

    from sjobo_geo.analysis.follow_up import FollowUpError, follow_up
    from sjobo_geo.inputs.reports.validate import load_report_files

    files, _, _ = scenario
    reports = load_report_files(files, sample_area).reports
    surveys = reports[reports["source"].isin(["survey", "safety_survey"])]
    assert len(surveys) > 500
    place = sample_area.find(FALL[0])
    measure = gpd.GeoDataFrame({
        "measure_id": ["S1"], "promise": [""], "kind": ["bushes_cut"], "place": [place.name],
        "owner": [""], "status": ["done"], "date": [pd.Timestamp(FALL[1])], "note": [""]},
        geometry=[place.geometry], crs=sample_area.crs)
    row = follow_up(sample_area, surveys, measure).iloc[0]
    assert row["verdict"] == "too_few"
    assert row["survey_verdict"] == "fewer" and row["survey_total_before"] > 0
    # reports and measures in WGS84 are reprojected to the area's CRS first: the same counts
    wgs = follow_up(sample_area, surveys.to_crs("EPSG:4326"), measure.to_crs("EPSG:4326"))
    counts = ["survey_before", "survey_total_before", "survey_after", "survey_total_after"]
    assert wgs.iloc[0][counts].tolist() == row[counts].tolist()
    with pytest.raises(FollowUpError, match="S1"):
        follow_up(sample_area, surveys, measure.set_geometry([None], crs=sample_area.crs))
    with pytest.raises(TypeError, match="area first"):  # the order before 0.2
        follow_up(surveys, measure, sample_area)


def test_against_comparable_places_keeps_its_level_and_has_power():
    """Step 4 by simulation: with a town-wide fall of 20 % and no effect at the place, the
    Fisher test claims a change in about 5 % of the runs at most; with the place halved on
    top of it, it finds the change in most runs (about 80 % with about 60 before)."""
    from sjobo_geo.analysis.follow_up import _comparable

    rng = np.random.default_rng(3)
    n_cells, runs = 400, 400
    cell_area = np.full(n_cells, 100.0 * 100.0)
    away = np.ones(n_cells, dtype=bool)
    lam = rng.gamma(2.0, 3.0, n_cells)  # cells differ in how busy they are
    zone_area = np.pi * 150.0**2

    def claims(effect: float) -> float:
        hits = 0
        for _ in range(runs):
            cb, ca = rng.poisson(lam), rng.poisson(lam * 0.8)
            b, a = rng.poisson(60), rng.poisson(60 * 0.8 * effect)
            hits += _comparable(cb, ca, a, b, zone_area, away, cell_area)["p_control"] < 0.05
        return hits / runs

    assert claims(1.0) <= 0.08
    assert claims(0.5) >= 0.7  # about 0.8 with these counts
