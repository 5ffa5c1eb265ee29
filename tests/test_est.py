"""EST weekly picture (sjobo_geo.analysis.est) on synthetic EST reports with planted incidents."""

from __future__ import annotations

import base64
import csv
import re

import pandas as pd
import pytest

WEEK = "2024-W40"  # Monday 2024-09-30
BURST_XY = (385950.0, 6672350.0)
STEADY_XY = (386250.0, 6672750.0)
DUP_XY = (385800.0, 6671900.0)
SCRIPT = "<script>alert('est')</script>"


def _row(n: int, actor: str, cat: str, stamp: str, xy: tuple[float, float], text: str,
         crs: str) -> dict[str, str]:
    from pyproj import Transformer

    from sjobo_geo.inputs.reports.schema import CATEGORIES, SOURCES

    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(*xy)
    return {"Löpnummer": f"P-{n:04d}", "Källa": SOURCES["est"][0], "Aktör": actor,
            "Kategori": CATEGORIES[cat].sv, "Tidpunkt": stamp, "Latitud": f"{lat:.6f}",
            "Longitud": f"{lon:.6f}", "Plats": "", "Fritext": f"[SYNTETISK] {text}",
            "Vikt": "1", "Syntetisk": "ja"}


@pytest.fixture(scope="module")
def est_file(tmp_path_factory, sample_area):
    """3000 synthetic EST incidents plus a planted burst, a steady place and duplicates."""
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports

    folder = tmp_path_factory.mktemp("est")
    path = write_sample_reports(sample_area, folder / "est.csv", 3000, seed=3, est_share=1.0)
    crs = sample_area.crs
    rows = []
    n = 0
    # burst: 12 incidents in the chosen week at one place, 10 hours apart (not duplicates)
    for i in range(12):
        n += 1
        stamp = (pd.Timestamp("2024-09-30 08:00") + pd.Timedelta(hours=10 * i))
        rows.append(_row(n, "Polisen", "klotter", f"{stamp:%Y-%m-%d %H:%M}", BURST_XY,
                         "planted burst", crs))
    # steady place: 3 a week for the 9 weeks up to and including the chosen one
    for w in range(9):
        for d in range(3):
            n += 1
            stamp = pd.Timestamp("2024-08-05 12:00") + pd.Timedelta(days=7 * w + 2 * d)
            rows.append(_row(n, "Coop", "stold", f"{stamp:%Y-%m-%d %H:%M}", STEADY_XY,
                             "planted steady", crs))
    # duplicates: the same incident reported by two actors, 40 minutes and ~10 m apart
    rows.append(_row(900, "Victoriahem", "brand", "2024-10-02 21:10", DUP_XY, "a fire", crs))
    rows.append(_row(901, "Borås Stad", "brand", "2024-10-02 21:50",
                     (DUP_XY[0] + 8, DUP_XY[1] + 6), SCRIPT, crs))
    with path.open("a", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writerows(rows)
    return path, 3000 + len(rows)


@pytest.fixture(scope="module")
def est_week(est_file, sample_area, tmp_path_factory):
    from sjobo_geo.jobs.est import run_est_week

    steps = []
    out = tmp_path_factory.mktemp("est_out")
    result = run_est_week(est_file[0], sample_area, out=out, week=WEEK, offline_html=True,
                          progress=steps.append)
    return result, steps


def _cell_of(result, xy, sample_area):
    from sjobo_geo.analysis.est import CELL_SIZE_M
    from sjobo_geo.analysis.hotspots import assign_to_grid, grid_units

    grid = grid_units(sample_area, CELL_SIZE_M)
    return grid["unit_id"].iloc[assign_to_grid([xy], grid)[0]]


def test_outputs_and_steps(est_week, est_file):
    from sjobo_geo.jobs.est import EST_STEPS

    result, steps = est_week
    assert steps == list(EST_STEPS)
    assert set(result.files) == {"html", "gpkg", "csv", "rising"}
    assert all(p.is_file() for p in result.files.values())
    assert result.period == WEEK
    assert result.accepted == est_file[1]
    assert result.synthetic


def test_burst_rising_steady_not(est_week, sample_area):
    result, _ = est_week
    burst = _cell_of(result, BURST_XY, sample_area)
    steady = _cell_of(result, STEADY_XY, sample_area)
    assert burst in set(result.rising["unit_id"])
    assert steady not in set(result.rising["unit_id"])


def test_duplicates_flagged_and_kept(est_week, est_file):
    result, _ = est_week
    table = pd.read_csv(result.files["csv"], dtype=str, keep_default_na=False)
    assert {"P-0900", "P-0901"} <= set(table["report_id"])
    flagged = table.set_index("report_id")["probable_duplicate_of"]
    assert flagged["P-0901"] == "P-0900"
    assert flagged["P-0900"] == ""
    # the burst (same place, 10 hours apart) is not a duplicate
    burst = table[table["text"].str.contains("planted burst")]
    assert len(burst) == 12 and (burst["probable_duplicate_of"] == "").all()
    assert "P-0901" in set(result.duplicates["report_id"])
    assert result.accepted == est_file[1]  # nothing dropped


def test_page_summary_label_escaping(est_week):
    result, _ = est_week
    page = result.files["html"].read_text(encoding="utf-8")
    assert f"Under vecka {WEEK} rapporterades" in page
    assert "SYNTETISKA DATA" in page
    assert "@page{size:A4;margin:12mm}" in page
    assert "<svg" in page and "P-0901" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert "https://" not in page.split("<iframe")[0]


def test_print_to_pdf(est_week):
    from browser import chromium
    from selenium.webdriver.common.print_page_options import PrintOptions

    result, _ = est_week
    with chromium() as driver:
        driver.get(result.files["html"].resolve().as_uri())
        options = PrintOptions()
        options.orientation = "portrait"
        pdf = base64.b64decode(driver.print_page(options))
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert 1 <= pages <= 6, pages


def test_quarter_public_english(est_file, sample_area, tmp_path):
    from sjobo_geo.jobs.est import run_est_week

    result = run_est_week(est_file[0], sample_area, out=tmp_path, period="quarter",
                          public=True, k=5, lang="en")
    assert result.period == "2024-Q4"
    assert any("3 of 8 earlier periods" in m for m in result.messages)
    table = pd.read_csv(result.files["csv"])
    assert "text" not in table and "report_id" not in table
    assert (table["count"] >= 5).all()
    page = result.files["html"].read_text(encoding="utf-8")
    assert "In quarter 2024-Q4" in page and "SYNTHETIC DATA" in page
    assert "P-0901" not in page and "planted" not in page


def test_bad_arguments(est_file, sample_area, tmp_path):
    from sjobo_geo.analysis.est import EstError
    from sjobo_geo.jobs.est import run_est_week

    with pytest.raises(EstError, match="period"):
        run_est_week(est_file[0], sample_area, out=tmp_path, period="month")
    with pytest.raises(EstError, match="ISO week"):
        run_est_week(est_file[0], sample_area, out=tmp_path, week="2024-40")
    with pytest.raises(EstError, match="outside the data"):
        run_est_week(est_file[0], sample_area, out=tmp_path, week="2019-W01")


def test_est_week_cli(tmp_path, sample_area):
    from helpers import assert_one_line_error, run_cli

    from sjobo_geo.inputs.reports.synthetic import write_sample_reports

    src = write_sample_reports(sample_area, tmp_path / "est.csv", n=800, seed=6, est_share=1.0)
    out = tmp_path / "est"
    proc = run_cli("est-week", "--reports", str(src), "--out", str(out), "--offline-html")
    assert proc.returncode == 0, proc.stderr
    assert {"est_week.html", "est_week.gpkg", "est_week.csv"} <= {p.name for p in out.iterdir()}
    assert_one_line_error(run_cli("est-week", "--reports", str(src), "--week", "2031-W99",
                                  "--out", str(tmp_path / "x")), "2031-W99")


def _brute_duplicates(reports, distance, hours):
    """The duplicate rule written out pair by pair (the reference for flag_duplicates)."""
    import numpy as np

    ts = pd.to_datetime(reports["timestamp"]).to_numpy()
    x, y = reports.geometry.x.to_numpy(), reports.geometry.y.to_numpy()
    cat, actor = reports["category"].to_numpy(), reports["actor"].to_numpy()
    ids = reports["report_id"].to_numpy()
    out = [""] * len(reports)
    for j in range(len(reports)):
        best = None
        for i in range(len(reports)):
            if i == j or cat[i] != cat[j] or actor[i] == actor[j]:
                continue
            later_j = ts[j] > ts[i] or (ts[j] == ts[i] and j > i)
            if not later_j or np.hypot(x[i] - x[j], y[i] - y[j]) > distance:
                continue
            if abs((ts[j] - ts[i]) / np.timedelta64(1, "s")) > hours * 3600:
                continue
            if best is None or ts[i] < ts[best]:
                best = i
        out[j] = "" if best is None else ids[best]
    return out


def test_flag_duplicates_matches_the_rule_pair_by_pair():
    import geopandas as gpd
    import numpy as np

    from sjobo_geo.analysis.est import flag_duplicates

    rng = np.random.default_rng(11)
    n = 400
    t = pd.Timestamp("2024-05-01") + pd.to_timedelta(rng.integers(0, 72 * 60, n), unit="min")
    frame = gpd.GeoDataFrame({
        "report_id": [f"r{i}" for i in range(n)],
        "timestamp": t,
        "category": rng.choice(["brand", "klotter", "stold"], n),
        "actor": rng.choice(["Polisen", "Coop", "Borås Stad"], n),
    }, geometry=gpd.points_from_xy(rng.uniform(0, 400, n), rng.uniform(0, 400, n)),
        crs="EPSG:3006")
    got = flag_duplicates(frame, distance=50, hours=2).tolist()
    want = _brute_duplicates(frame, 50, 2)
    assert sum(w != "" for w in want) > 20  # the case is not trivial
    assert got == want


@pytest.fixture(scope="module")
def actor_files(tmp_path_factory, sample_area):
    """Three actors' own exports (no actor column in one), with one shared incident."""
    from sjobo_geo.inputs.reports.synthetic import generate_reports

    folder = tmp_path_factory.mktemp("actors")
    table = generate_reports(sample_area, 2400, seed=21, est_share=1.0, start="2024-01-01",
                             weeks=40)
    paths = []
    for name, actor in (("polisen", "Polisen"), ("coop", "Coop"), ("bostader", "Bostäder Borås")):
        part = table[table["Aktör"] == actor].copy()
        if name == "coop":
            part = part.drop(columns="Aktör")  # Coop's export has no actor column
        # ids restart in every actor's export: they collide across files
        part["Löpnummer"] = [f"{i + 1}" for i in range(len(part))]
        path = folder / f"{name}.csv"
        part.to_csv(path, index=False)
        paths.append(path)
    crs = sample_area.crs
    shared = [_row(1, "Polisen", "brand", "2024-09-04 22:10", DUP_XY, "shared fire", crs),
              _row(2, "", "brand", "2024-09-04 22:40", (DUP_XY[0] + 5, DUP_XY[1]), "fire", crs)]
    for path, row in zip(paths[:2], shared, strict=True):
        part = pd.read_csv(path, dtype=str, keep_default_na=False)
        row = {c: row[c] for c in part.columns}
        row["Löpnummer"] = "9999"
        pd.concat([part, pd.DataFrame([row])]).to_csv(path, index=False)
    # one bad row in the third file: accounted for, not lost
    part = pd.read_csv(paths[2], dtype=str, keep_default_na=False)
    bad = part.iloc[:1].copy()
    bad["Kategori"] = "ufo"
    pd.concat([part, bad]).to_csv(paths[2], index=False)
    return paths, table


def test_several_actor_files_combined(actor_files, sample_area, tmp_path):
    from sjobo_geo.jobs.est import run_est_week

    paths, table = actor_files
    result = run_est_week(paths, sample_area, out=tmp_path, week="2024-W36")
    rows = sum(len(pd.read_csv(p)) for p in paths)
    assert result.accepted == rows - 1  # the 'ufo' row
    rejects = pd.read_csv(result.files["rejects"])
    assert rejects["file"].tolist() == ["bostader.csv"] and "ufo" in rejects["value"].iloc[0]
    assert any("3 files combined" in m for m in result.messages)
    assert any("coop.csv" in m and "'coop'" in m for m in result.messages)
    week = pd.read_csv(result.files["csv"], dtype=str, keep_default_na=False)
    assert set(week["source_file"]) <= {"polisen.csv", "coop.csv", "bostader.csv"}
    assert week["report_id"].is_unique
    assert set(week["actor"]) == {"Polisen", "coop", "Bostäder Borås"}
    flagged = week.set_index("report_id")["probable_duplicate_of"]
    assert flagged["coop:9999"] == "polisen:9999"
    page = result.files["html"].read_text(encoding="utf-8")
    assert "polisen.csv, coop.csv, bostader.csv" in page


PER_WEEK = 30
SPREAD = 120.0


def test_emerging_classes_find_a_new_hot_spot(sample_area, tmp_path):
    """A quiet corner that becomes one of the busiest neighbourhoods in the last three weeks
    (30 incidents a week spread over about 240 m) is listed as a new or consecutive hot spot
    (emerging classes), and the page says so. (One busy cell alone is caught by the Poisson
    rule; Gi* looks for clusters against the whole area.)"""
    import numpy as np
    from pyproj import Transformer

    from sjobo_geo.analysis.est import CELL_SIZE_M, RISING_CLASSES
    from sjobo_geo.analysis.hotspots import assign_to_grid, grid_units
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.est import run_est_week

    path = write_sample_reports(sample_area, tmp_path / "year.csv", 2000, seed=5,
                                est_share=1.0, start="2024-01-01", weeks=30)
    table = pd.read_csv(path)
    x, y = Transformer.from_crs("EPSG:4326", sample_area.crs, always_xy=True).transform(
        table["Longitud"].to_numpy(), table["Latitud"].to_numpy())
    grid = grid_units(sample_area, CELL_SIZE_M)
    ok = np.isfinite(x) & np.isfinite(y)  # rows located by place text have no coordinates
    cells = assign_to_grid(np.column_stack([x[ok], y[ok]]), grid)
    counts = np.bincount(cells[cells >= 0], minlength=len(grid))
    # a whole cell well inside the area with no background incident at all
    inner = grid[(grid["area_share"] == 1.0) & (counts == 0)]
    spot = inner.geometry.iloc[len(inner) // 2].centroid
    rng = np.random.default_rng(2)
    rows = []
    for w in range(3):  # weeks 28-30: PER_WEEK incidents a week at the quiet place
        for i in range(PER_WEEK):
            stamp = (pd.Timestamp("2024-07-08") + pd.Timedelta(days=7 * w)
                     + pd.Timedelta(hours=int(rng.integers(0, 160))))
            xy = (spot.x + rng.uniform(-SPREAD, SPREAD), spot.y + rng.uniform(-SPREAD, SPREAD))
            rows.append(_row(100 * w + i, "Polisen", "klotter", f"{stamp:%Y-%m-%d %H:%M}", xy,
                             "new spot", sample_area.crs))
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n").writerows(rows)
    result = run_est_week(path, sample_area, out=tmp_path / "out", week="2024-W30")
    cell = _cell_of(result, (spot.x, spot.y), sample_area)
    listed = result.rising.set_index("unit_id")
    assert cell in listed.index
    assert listed.loc[cell, "pattern"] in RISING_CLASSES
    page = result.files["html"].read_text(encoding="utf-8")
    assert "sammanhängande het punkt" in page or "ny het punkt" in page


def test_mixed_sources_show_est_incidents_only(sample_area, tmp_path):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.est import run_est_week

    path = write_sample_reports(sample_area, tmp_path / "mixed.csv", 1500, seed=8,
                                est_share=0.5, start="2024-01-01", weeks=20)
    result = run_est_week(path, sample_area, out=tmp_path / "out")
    week = pd.read_csv(result.files["csv"])
    assert set(week["source"]) <= {"est", "situational_picture"}
    assert any("not EST incidents and were left out" in m for m in result.messages)


def test_measures_on_the_map_and_listed(est_file, sample_area, tmp_path):
    """With a register, the page lists the measures done in the week and the planned ones
    (never the note) and draws them on the map."""
    import geopandas as gpd

    from sjobo_geo.jobs.est import run_est_week

    square = sample_area.find("Senaatintori")
    measures = gpd.GeoDataFrame({
        "measure_id": ["M-week", "M-planned", "M-old"], "promise": ["5", "6", "1"],
        "kind": ["facade_lighting", "bushes_cut", "patrol_added"],
        "place": ["Senaatintori"] * 3, "owner": ["Bostäder Borås", "Borås Stad", "Polisen"],
        "status": ["done", "planned", "done"],
        "date": pd.to_datetime(["2024-10-02", None, "2024-03-01"]),
        "note": ["secret note"] * 3}, geometry=[square.geometry] * 3, crs=sample_area.crs)
    result = run_est_week(est_file[0], sample_area, out=tmp_path, week=WEEK,
                          measures=measures)
    page = result.files["html"].read_text(encoding="utf-8")
    listed = page.split('id="duplicates"')[1]
    assert "M-week" in listed and "M-planned" in listed and "M-old" not in listed
    assert "Fasadbelysning" in listed and "secret note" not in page


# ---- the analysis object and the template page -----------------------------------------------


def test_analyse_est_week_returns_the_tables_and_writes_nothing(actor_files, sample_area,
                                                                 tmp_path, monkeypatch):
    """The analysis alone, on the three actors' files: every table of the picture, and not a
    single file written (the job writes)."""
    import numpy as np

    from sjobo_geo.analysis.est import N_PREVIOUS, EstWeek, analyse_est_week
    from sjobo_geo.inputs.reports.validate import load_report_files

    paths, _ = actor_files
    rs = load_report_files(paths, sample_area)
    monkeypatch.chdir(tmp_path)
    week = analyse_est_week(sample_area, rs, week="2024-W36")
    assert list(tmp_path.iterdir()) == []
    assert isinstance(week, EstWeek)
    assert week.label == "2024-W36" and week.period == "week"
    assert week.start == pd.Timestamp("2024-09-02") and week.end == pd.Timestamp("2024-09-09")
    labels = week.period_labels
    assert len(labels) == N_PREVIOUS + 1 and labels[-1] == "2024-W36"
    n = len(week.incidents)
    assert n > 20
    # the period's incidents, and nothing outside the period
    assert week.incidents["timestamp"].between(week.start, week.end, inclusive="left").all()
    # counts by category and by actor against the previous periods, with their mean
    for table in (week.by_category, week.by_actor):
        assert list(table.columns) == [*labels, "prev_mean"]
        assert table[labels[-1]].sum() == n
        assert table[labels[-1]].is_monotonic_decreasing
        assert np.allclose(table["prev_mean"], table[labels[:-1]].mean(axis=1))
    assert set(week.by_actor.index) == {"Polisen", "coop", "Bostäder Borås"}
    assert week.totals[labels[-1]] == n and week.covered.all()
    # the shared fire of two actors: flagged in the incidents and listed as a duplicate
    assert week.incidents.set_index("report_id").loc["coop:9999", "probable_duplicate_of"] \
        == "polisen:9999"
    assert "coop:9999" in set(week.duplicates["report_id"])
    # cells: the period's counts on the grid; rising: a subset of them, rule or class set
    assert week.cells["count"].sum() == (week.incidents["cell"] != "").sum()
    assert set(week.rising["unit_id"]) <= set(week.cells["unit_id"])
    assert ((week.rising["status"] != "") | (week.rising["pattern"] != "")).all()
    assert list(week.named.columns) == ["place", "count"]
    assert week.named["count"].is_monotonic_decreasing
    assert week.named["count"].sum() == (week.incidents["place"] != "").sum()
    # accounting, plain-text summary, parameters, no register
    assert (week.accepted, week.rejected) == (rs.accepted, 1) and week.synthetic
    assert week.source_files == ["polisen.csv", "coop.csv", "bostader.csv"]
    assert any("3 files combined" in m for m in week.messages)
    assert week.summary.startswith(f"Under vecka 2024-W36 rapporterades {n} händelser")
    assert week.params["cell_size_m"] == 100.0 and week.params["alpha"] == 0.05
    assert week.params["n_previous"] == N_PREVIOUS and week.params["emerging_periods"] >= 6
    assert week.measures is None and week.register is None


def test_analyse_est_week_finds_the_burst_in_another_crs(est_file, est_week, sample_area):
    """Reports handed over in WGS84 are reprojected to the area's CRS: the planted burst is
    in the rising table, the steady place is not, and the table is the job's."""
    from sjobo_geo.analysis.est import analyse_est_week
    from sjobo_geo.inputs.reports.validate import load_report_files

    reports = load_report_files(est_file[0], sample_area).reports.to_crs("EPSG:4326")
    week = analyse_est_week(sample_area, reports, week=WEEK)
    assert week.incidents.crs == sample_area.crs
    rising = week.rising.set_index("unit_id")
    burst = _cell_of(None, BURST_XY, sample_area)
    assert burst in rising.index and rising.loc[burst, "count"] >= 12
    assert rising.loc[burst, "status"] in {"new", "rising"}
    assert _cell_of(None, STEADY_XY, sample_area) not in rising.index
    job, _ = est_week
    assert week.rising["unit_id"].tolist() == job.rising["unit_id"].tolist()
    assert week.rejected == 0 and week.accepted == len(reports)


def test_template_page_escapes_actor_and_place(actor_files, sample_area):
    """A <script> in an actor's name and in a place text reaches the rendered page as text:
    escaped once (the reader sees it as typed), never as markup."""
    from lxml import html

    from sjobo_geo.analysis.est import analyse_est_week
    from sjobo_geo.inputs.reports.validate import load_report_files
    from sjobo_geo.maps.est import est_page

    paths, _ = actor_files
    reports = load_report_files(paths, sample_area).reports.copy()
    actor, place = "<script>alert('actor')</script>", "<script>alert('place')</script>"
    in_week = reports["timestamp"].between("2024-09-02", "2024-09-09", inclusive="left")
    first = reports.index[in_week][:6]
    reports.loc[first, "actor"] = actor
    reports.loc[first, "place_text"] = place
    week = analyse_est_week(sample_area, reports, week="2024-W36")
    page = est_page(week, sample_area)
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(&#39;actor&#39;)&lt;/script&gt;" in page.split('id="counts"')[1]
    assert "&lt;script&gt;alert(&#39;place&#39;)&lt;/script&gt;" in page.split('id="rising"')[1]
    doc = html.document_fromstring(page)
    cells = [td.text_content() for td in doc.iter("td")]
    assert actor in cells and place in cells  # escaped once, not twice
    assert not doc.xpath("//script")  # no script element outside the map's iframe


# ---- new and rising places: a minimum, a significant rise, a name ----------------------------

GRID_ID = re.compile(r"^g\d+_\d+$")
BURST_PLACE = "Kauppatorin kioski"


@pytest.fixture(scope="module")
def actors_with_burst(actor_files, tmp_path_factory, sample_area):
    """The three actors' files, the police's with a planted burst of 12 in 2024-W36 (8 of
    them naming the place in words), and the job's internal outputs for that week."""
    from sjobo_geo.jobs.est import run_est_week

    paths, _ = actor_files
    folder = tmp_path_factory.mktemp("burst")
    copies = []
    for path in paths:
        part = pd.read_csv(path, dtype=str, keep_default_na=False)
        if path.stem == "polisen":
            rows = []
            for i in range(12):
                stamp = pd.Timestamp("2024-09-02 07:00") + pd.Timedelta(hours=11 * i)
                row = _row(i, "Polisen", "klotter", f"{stamp:%Y-%m-%d %H:%M}",
                           (BURST_XY[0] + 5 * i - 30, BURST_XY[1]), "planted burst",
                           sample_area.crs)
                row.update({"Löpnummer": f"B{i}", "Plats": BURST_PLACE if i < 8 else ""})
                rows.append({c: row[c] for c in part.columns})
            part = pd.concat([part, pd.DataFrame(rows)])
        copy = folder / path.name
        part.to_csv(copy, index=False)
        copies.append(copy)
    result = run_est_week(copies, sample_area, out=folder / "out", week="2024-W36")
    return result


def test_rising_places_have_the_minimum_a_rise_and_a_name(actors_with_burst, sample_area):
    """On the actor files: every listed place has at least RISING_MIN incidents and a
    significant rise (the Poisson rule's q, or a growing hot spot class), a name that is no
    grid id and every column filled, in the result and in est_rising.csv; cells with an
    emerging class but fewer incidents are not listed; the planted burst is, by its name."""
    from sjobo_geo.analysis.est import ALPHA, RISING_CLASSES, RISING_COLUMNS, RISING_MIN

    result = actors_with_burst
    rising = result.rising
    assert len(rising) >= 1
    assert (rising["count"] >= RISING_MIN).all()
    poisson = rising["status"].isin(["new", "rising"])
    assert (rising.loc[poisson, "q"] <= ALPHA).all()
    assert rising.loc[~poisson, "pattern"].isin(RISING_CLASSES).all()
    assert not rising["place"].str.match(GRID_ID.pattern).any()
    assert (rising["place"].str.strip() != "").all()
    # the old list: a class alone on a cell with 0, 1 or 2 incidents ("ny het punkt")
    cells = result.week.cells
    weak = cells[cells["pattern"].isin(RISING_CLASSES) & (cells["count"] < RISING_MIN)]
    assert len(weak) and not set(weak["unit_id"]) & set(rising["unit_id"])
    # the planted burst, named by the place most of its reports give
    burst = rising.set_index("unit_id").loc[_cell_of(None, BURST_XY, sample_area)]
    assert burst["count"] >= 12 and burst["status"] in {"new", "rising"}
    assert burst["place"] == BURST_PLACE
    # the file: the same places, every cell filled, Excel-safe
    path = result.files["rising"]
    table = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    assert list(table.columns) == [*RISING_COLUMNS, "synthetic"]
    assert len(table) == len(rising)
    assert (table != "").all().all()
    assert (table["count"].astype(int) >= RISING_MIN).all()
    assert not table["place"].str.match(GRID_ID.pattern).any()
    assert BURST_PLACE in set(table["place"])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # write_csv: Excel reads å, ä, ö
    # the page: the same rows, every cell filled, no grid id anywhere in the list
    from lxml import html

    doc = html.document_fromstring(result.files["html"].read_text(encoding="utf-8"))
    rows = doc.xpath("//table[@id='est-rising-table']/tbody/tr")
    assert len(rows) == len(rising)
    for tr in rows:
        cells = [td.text_content().strip() for td in tr.xpath("./td")]
        assert len(cells) == 7 and all(cells), cells
        assert not any(GRID_ID.match(c) for c in cells)


def test_rising_csv_neutralises_formulas(sample_area, tmp_path):
    """A place text that is an Excel formula reaches est_rising.csv as text."""
    from sjobo_geo.analysis.est import rising_table
    from sjobo_geo.core.files import write_csv

    rising = pd.DataFrame({"unit_id": ["g1_2"], "place": ["=HYPERLINK(\"x\")"], "count": [9],
                           "prev_mean": [0.0], "p": [1e-6], "q": [1e-4], "status": ["new"],
                           "pattern": ["new hot spot"]})
    path = write_csv(rising_table(rising, "sv"), tmp_path / "est_rising.csv")
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert table["place"].iloc[0].startswith("'=")
    assert table["pattern"].iloc[0] == "ny het punkt"
