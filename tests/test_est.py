"""EST weekly picture (sjobo_geo.est) on synthetic EST reports with planted incidents."""

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

    from sjobo_geo.reports.schema import CATEGORIES, SOURCES

    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(*xy)
    return {"Löpnummer": f"P-{n:04d}", "Källa": SOURCES["est"][0], "Aktör": actor,
            "Kategori": CATEGORIES[cat].sv, "Tidpunkt": stamp, "Latitud": f"{lat:.6f}",
            "Longitud": f"{lon:.6f}", "Plats": "", "Fritext": f"[SYNTETISK] {text}",
            "Vikt": "1", "Syntetisk": "ja"}


@pytest.fixture(scope="module")
def est_file(tmp_path_factory, sample_area):
    """3000 synthetic EST incidents plus a planted burst, a steady place and duplicates."""
    from sjobo_geo.reports.synthetic import write_sample_reports

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
    from sjobo_geo.est import run_est_week

    steps = []
    out = tmp_path_factory.mktemp("est_out")
    result = run_est_week(est_file[0], sample_area, out=out, week=WEEK, offline_html=True,
                          progress=steps.append)
    return result, steps


def _cell_of(result, xy, sample_area):
    from sjobo_geo.est import CELL_SIZE_M
    from sjobo_geo.hotspots import assign_to_grid, grid_units

    grid = grid_units(sample_area, CELL_SIZE_M)
    return grid["unit_id"].iloc[assign_to_grid([xy], grid)[0]]


def test_outputs_and_steps(est_week, est_file):
    from sjobo_geo.est import EST_STEPS

    result, steps = est_week
    assert steps == list(EST_STEPS)
    assert set(result.files) == {"html", "gpkg", "csv"}
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
    from sjobo_geo.est import run_est_week

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
    from sjobo_geo.est import EstError, run_est_week

    with pytest.raises(EstError, match="period"):
        run_est_week(est_file[0], sample_area, out=tmp_path, period="month")
    with pytest.raises(EstError, match="ISO week"):
        run_est_week(est_file[0], sample_area, out=tmp_path, week="2024-40")
    with pytest.raises(EstError, match="outside the data"):
        run_est_week(est_file[0], sample_area, out=tmp_path, week="2019-W01")


def test_est_week_cli(tmp_path, sample_area):
    from test_cli import assert_one_line_error, run_cli

    from sjobo_geo.reports.synthetic import write_sample_reports

    src = write_sample_reports(sample_area, tmp_path / "est.csv", n=800, seed=6, est_share=1.0)
    out = tmp_path / "est"
    proc = run_cli("est-week", "--reports", str(src), "--out", str(out), "--offline-html")
    assert proc.returncode == 0, proc.stderr
    assert {"est_week.html", "est_week.gpkg", "est_week.csv"} <= {p.name for p in out.iterdir()}
    assert_one_line_error(run_cli("est-week", "--reports", str(src), "--week", "2031-W99",
                                  "--out", str(tmp_path / "x")), "2031-W99")
