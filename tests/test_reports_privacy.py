"""Public outputs: counts per cell of at least k, no free text, no exact positions."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from sjobo_geo.analysis.privacy import public_aggregate, public_table


def _reports(xy, categories, bands, crs="EPSG:3006"):
    xy = np.asarray(xy, dtype=float)
    return gpd.GeoDataFrame(
        {"category": categories, "time_band": bands, "weight": np.ones(len(xy)),
         "text": ["personal words"] * len(xy)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs,
    )


def test_counts_below_k_are_never_shown():
    rng = np.random.default_rng(1)
    # cell A (0..100): 7 reports, 5 klotter + 2 brand; cell B (300..400): 3 reports
    xy = np.vstack([rng.uniform(1, 99, (7, 2)), rng.uniform(301, 399, (3, 2))])
    cats = ["klotter"] * 5 + ["brand"] * 2 + ["klotter"] * 3
    bands = ["night"] * 4 + ["day"] * 6
    cells = public_aggregate(_reports(xy, cats, bands), k=5, cell_size=100)
    assert (cells["n"] >= 5).all()
    got = {(c, b): n for c, b, n in cells[["category", "time_band", "n"]].itertuples(index=False)}
    assert got == {("all", "all"): 7, ("klotter", "all"): 5}
    assert set(cells["cell_id"]) == {"0_0"}
    assert cells.geometry.iloc[0].bounds == (0, 0, 100, 100)
    assert cells.attrs == {"k": 5, "cell_size": 100}


def test_every_combination_sums_right():
    rng = np.random.default_rng(2)
    n = 2000
    xy = rng.uniform(0, 1000, (n, 2))
    cats = rng.choice(["klotter", "brand", "otrygghet"], n)
    bands = rng.choice(["night", "day", "evening", "morning"], n)
    reports = _reports(xy, cats, bands)
    cells = public_aggregate(reports, k=1, cell_size=250)
    total = cells[(cells["category"] == "all") & (cells["time_band"] == "all")]["n"].sum()
    assert total == n
    for cat in ("klotter", "brand", "otrygghet"):
        sub = cells[(cells["category"] == cat) & (cells["time_band"] == "all")]
        assert sub["n"].sum() == (cats == cat).sum()


def test_public_table_has_no_report_level_data():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 50, (6, 2))
    cells = public_aggregate(_reports(xy, ["klotter"] * 6, ["night"] * 6), k=5)
    table = public_table(cells)
    assert list(table.columns) == ["cell_id", "cell_centre_x", "cell_centre_y", "category",
                                   "time_band", "n", "weight"]
    assert set(table["cell_centre_x"]) == {50.0}


def test_empty_and_bad_arguments():
    empty = _reports(np.zeros((0, 2)), [], [])
    assert public_aggregate(empty).empty
    with pytest.raises(ValueError, match="k must be"):
        public_aggregate(empty, k=0)
    with pytest.raises(ValueError, match="cell_size"):
        public_aggregate(empty, cell_size=0)


def test_public_outputs_on_disk(tmp_path, sample_area):
    """The public GeoPackage and CSV of the reports job carry no text and no positions."""
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.reports import run_reports_map

    src = write_sample_reports(sample_area, tmp_path / "synthetic.csv", n=400, seed=5)
    out = tmp_path / "public"
    result = run_reports_map(src, sample_area, out=out, public=True, offline_html=True)
    rs = result.reports
    assert {"reports.gpkg", "report_cells.csv", "reports_map.html", "reports_rejects.csv"} <= {
        p.name for p in out.iterdir()}
    assert [name for name, _ in pyogrio.list_layers(out / "reports.gpkg")] == [
        "report_cells", "about"]
    cells = gpd.read_file(out / "reports.gpkg", layer="report_cells")
    assert (cells["n"] >= 5).all() and "text" not in cells.columns
    csv = pd.read_csv(out / "report_cells.csv")
    assert (csv["n"] >= 5).all()
    page = (out / "reports_map.html").read_text(encoding="utf-8")
    texts = rs.reports["text"].dropna().unique()
    assert len(texts) and not any(t in page for t in texts)
    table = csv.to_string()
    for x, y in rs.reports[["x", "y"]].head(50).itertuples(index=False):
        assert f"{x:.1f}" not in table and f"{y:.1f}" not in table
    # the exact reported positions (snapped ones may sit on a path vertex of the background,
    # and reports located by a place name sit on that public place)
    by_coords = rs.reports[rs.reports["located_by"] == "coordinates"]
    lonlat = gpd.GeoSeries(gpd.points_from_xy(by_coords["x"], by_coords["y"]),
                           crs=rs.reports.crs).to_crs(4326)
    for p in lonlat.head(100):  # neither as [lon, lat] nor as [lat, lon]
        assert f"{p.x:.6f}, {p.y:.6f}" not in page and f"{p.y:.6f}, {p.x:.6f}" not in page
    assert "SYNTETISKA DATA" in page


def test_public_rejects_give_the_kind_of_reason_only(tmp_path, sample_area):
    """A rejected category holding personal words: the public rejects file keeps the row and
    the kind of reason ("unknown category"), never the words; the internal one keeps them."""
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.reports import run_reports_map

    src = write_sample_reports(sample_area, tmp_path / "synthetic.csv", n=60, seed=8)
    table = pd.read_csv(src, dtype=str, keep_default_na=False)
    table.loc[3, "Kategori"] = "Anna Andersson 19850412-1234"
    table.to_csv(src, index=False)
    for public in (False, True):
        out = tmp_path / ("public" if public else "internal")
        run_reports_map(src, sample_area, out=out, public=public, offline_html=True)
        text = (out / "reports_rejects.csv").read_text(encoding="utf-8")
        rejects = pd.read_csv(out / "reports_rejects.csv", dtype=str, keep_default_na=False)
        assert "unknown category" in set(rejects["reason"].str.split(":").str[0])
        assert ("19850412" in text) is not public


@pytest.mark.parametrize("reason, kind", [
    ("unknown category: Anna Andersson; accepted: Klotter, Brand", "unknown category"),
    ("bad date or time: Storgatan 3; expected e.g. 2025-03-14 21:30", "bad date or time"),
    ("duplicate id 19850412-1234 (first at row 3)", "duplicate id"),
    ("weight missing (written as 'Anna'); leave empty for 1", "weight missing"),
    ("place not found in the gazetteer of 'Sjöbo': Annas hus; closest: none",
     "place not found"),
    ("position outside the area 'Sjöbo' (2.1 km from its boundary, read as EPSG:4326)",
     "position outside the area"),
    ("something new: Anna", "something new"),
    ("new check for 19850412-1234", "rejected"),
])
def test_public_reason(reason, kind):
    from sjobo_geo.analysis.privacy import public_reason

    assert public_reason(reason) == kind
