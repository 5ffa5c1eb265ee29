"""Privacy of public hot spots (sjobo_geo.analysis.hotspots.public_view, ``hotspots --public``):
cells of at least 100 m, no street segments, and every published number computed from the
published cells only, so that a report in a left-out cell changes nothing that is published.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sjobo_geo.analysis.hotspots import HotspotsError
from sjobo_geo.analysis.privacy import DEFAULT_CELL_SIZE_M

K = 5
# two known places of the sample: Senaatintori (the main square) and a school
SQUARE = (386379.6, 6672050.9)
SCHOOL = (386150.3, 6672474.6)


def _uniform(boundary, n, rng):
    import shapely

    xmin, ymin, xmax, ymax = boundary.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        p = rng.uniform([xmin, ymin], [xmax, ymax], (n, 2))
        out = np.vstack([out, p[shapely.contains_xy(boundary, p[:, 0], p[:, 1])]])
    return out[:n]


def _reports(area, xy, rng):
    import geopandas as gpd

    n = len(xy)
    cats = np.array(["otrygghet", "belysning", "klotter", "ungdomar", "skymd_sikt"])
    bands = np.array(["night", "morning", "day", "evening"])
    return gpd.GeoDataFrame({
        "category": cats[rng.integers(0, len(cats), n)],
        "weight": rng.integers(1, 3, n).astype(float),
        "time_band": bands[rng.integers(0, len(bands), n)],
        "after_dark": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "timestamp": pd.Timestamp("2025-01-06")
        + pd.to_timedelta(rng.integers(0, 20 * 7 * 24, n), unit="h"),
    }, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=area.crs)


@pytest.fixture(scope="module")
def base(sample_area):
    rng = np.random.default_rng(21)
    xy = np.vstack([_uniform(sample_area.boundary, 600, rng)]
                   + [np.array(p) + rng.normal(0, 15, (60, 2)) for p in (SQUARE, SCHOOL)])
    return _reports(sample_area, xy, rng)


def _suppressed_target(area, grid_100, k=K):
    """A point in a 100 m cell with at most k - 2 reports (one more keeps it left out) that
    lies within the Gi* band (2 cells) of a published cell."""
    vis = grid_100[grid_100["n_reports"] >= k]
    low = grid_100[grid_100["n_reports"] <= k - 2]
    for _, cell in low.iterrows():
        near = (np.hypot(vis["col"] - cell["col"], vis["row"] - cell["row"]) <= 2).any()
        if near and cell["area_share"] > 0.5:
            p = cell.geometry.representative_point()
            return np.array([[p.x, p.y]])
    raise AssertionError("no suppressed cell next to a published one")


def _published(pub):
    """Everything a public view publishes, as plain frames and numbers."""
    from sjobo_geo.analysis.hotspots import priorities_table

    return {
        "grid": pub.grid, "contours": pub.contours, "profiles": pub.profiles,
        "table": priorities_table(pub),
        "numbers": (pub.cell_size, pub.bandwidth, pub.weeks, pub.k, len(pub.segments)),
    }


def test_report_in_suppressed_cell_changes_no_published_number(sample_area, base):
    from geopandas.testing import assert_geodataframe_equal

    from sjobo_geo.analysis.hotspots import analyse_hotspots, public_view

    rng = np.random.default_rng(3)
    before = analyse_hotspots(sample_area, base)  # cells by the rule: finer than 100 m
    assert before.cell_size < DEFAULT_CELL_SIZE_M
    pub_before = public_view(before, base, k=K)
    internal_100 = analyse_hotspots(sample_area, base, cell_size=100)
    target = _suppressed_target(sample_area, internal_100.grid)
    # the attack: one more report, only in a left-out cell, a year after all the others
    extra = _reports(sample_area, target, rng)
    extra["timestamp"] = pd.Timestamp("2026-03-01 22:30")
    attacked = pd.concat([base, extra], ignore_index=True)
    pub_after = public_view(analyse_hotspots(sample_area, attacked), attacked, k=K)

    # the unprotected statistics do move: Gi* of published cells, the weeks, the bandwidth
    internal_after = analyse_hotspots(sample_area, attacked, cell_size=100)
    shown = internal_100.grid["n_reports"].to_numpy() >= K
    moved = np.abs(internal_after.grid["gi_z"].to_numpy() - internal_100.grid["gi_z"].to_numpy())
    assert moved[shown].max() > 1e-3
    assert internal_after.weeks > internal_100.weeks

    # ... the published ones do not
    a, b = _published(pub_before), _published(pub_after)
    assert a["numbers"] == b["numbers"]
    assert_geodataframe_equal(a["grid"], b["grid"], check_less_precise=False)
    assert_geodataframe_equal(a["contours"], b["contours"], check_less_precise=False)
    pd.testing.assert_frame_equal(a["profiles"], b["profiles"])
    pd.testing.assert_frame_equal(a["table"], b["table"])
    # and the view is not empty: there is something to compare
    assert len(a["grid"]) >= 5 and len(a["contours"]) and len(a["profiles"])
    assert (a["grid"]["gi_class"] != "not significant").any()


def test_public_cells_are_100_m_aligned_and_segments_unpublished(sample_area, base):
    import shapely

    from sjobo_geo.analysis.hotspots import (
        analyse_hotspots,
        public_view,
        published_reports,
    )

    internal = analyse_hotspots(sample_area, base)
    pub = public_view(internal, base, k=K)
    assert pub.cell_size >= DEFAULT_CELL_SIZE_M == 100.0
    assert pub.segments.empty and len(internal.segments)
    bounds = shapely.bounds(pub.grid.geometry.to_numpy())
    # each published cell lies in one square of 100 m aligned to multiples of 100 m
    cell = np.floor(bounds[:, :2] / 100.0 + 1e-9)
    assert (bounds[:, 2:] <= (cell + 1) * 100.0 + 1e-6).all()
    ids = pub.grid["unit_id"].str.extract(r"^g(-?\d+)_(-?\d+)$").astype(int).to_numpy()
    np.testing.assert_array_equal(ids, cell.astype(int))
    assert (pub.grid.area > 0.5 * 100.0**2).any()  # whole 100 m cells, not 25 m ones
    assert (pub.grid["n_reports"] >= K).all()
    # the reports behind it are exactly those in the published cells
    shown = published_reports(pub, base)
    assert len(shown) == pub.grid["n_reports"].sum() < len(base)
    # Gi* is that of the published weights with zeros elsewhere (reproducible from them)
    from sjobo_geo.analysis.stats import gi_star_grid

    full = analyse_hotspots(sample_area, base, cell_size=100).grid
    arr = np.full(full.attrs["shape"], np.nan)
    keep = full["n_reports"].to_numpy() >= K
    arr[full["row"], full["col"]] = np.where(keep, full["weight"], 0.0)
    z = gi_star_grid(arr, 100.0, 200.0)[full["row"][keep], full["col"][keep]]
    np.testing.assert_allclose(pub.grid["gi_z"].to_numpy(), z, rtol=1e-12)
    assert not np.allclose(full["gi_z"][keep], z)  # not the internal z-scores


def test_public_view_refuses_small_cells_and_missing_reports(sample_area, base):
    from sjobo_geo.analysis.hotspots import analyse_hotspots, public_view

    internal = analyse_hotspots(sample_area, base, cell_size=100)
    with pytest.raises(HotspotsError, match="100-1000 metres"):
        public_view(internal, base, cell_size=50)
    with pytest.raises(HotspotsError, match="needs the reports"):
        public_view(internal, None)
    with pytest.raises(HotspotsError, match="k must be"):
        public_view(internal, base, k=0)
    pub = public_view(internal, base, cell_size=200)
    assert pub.cell_size == 200 and (pub.grid.area <= 200.0**2 + 1e-6).all()
    with pytest.raises(HotspotsError, match="already"):
        public_view(pub, base)


def test_public_map_has_no_street_segments(sample_area, base):
    from sjobo_geo.analysis.hotspots import analyse_hotspots, public_view
    from sjobo_geo.maps.hotspots import hotspots_map

    internal = analyse_hotspots(sample_area, base)
    html = hotspots_map(public_view(internal, base), sample_area, tiles=False,
                        lang="en").get_root().render()
    assert '"hot_grid"' in html and '"physical_priority"' in html
    assert '"hot_segments"' not in html and "Hot spots: street segments" not in html
    assert '"hot_segments"' in hotspots_map(internal, sample_area, tiles=False,
                                            lang="en").get_root().render()


# ---- the job --------------------------------------------------------------------------------


def _outputs(folder):
    """The published files, read back: CSV text, GeoPackage layers, the map without the
    random element ids folium gives."""
    import pyogrio

    out = {name: (folder / name).read_text(encoding="utf-8")
           for name in ("priorities.csv", "time_profiles.csv", "before_after.csv")
           if (folder / name).exists()}
    for layer, _ in pyogrio.list_layers(folder / "hotspots.gpkg"):
        out[f"gpkg:{layer}"] = pyogrio.read_dataframe(folder / "hotspots.gpkg", layer=layer)
    html = (folder / "hotspots.html").read_text(encoding="utf-8")
    out["html"] = re.sub(r"_[0-9a-f]{32}", "_ID", html)
    return out


def test_public_job_publishes_the_same_files_after_a_report_in_a_left_out_cell(
        tmp_path, sample_area):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.inputs.reports.validate import load_reports
    from sjobo_geo.jobs.hotspots import run_hotspots

    csv = write_sample_reports(sample_area, tmp_path / "reports.csv", n=500, seed=8)
    rs = load_reports(csv, sample_area)
    run = run_hotspots(csv, sample_area, out=tmp_path / "a", public=True, k=K)
    assert run.analysis.cell_size == 100 and run.analysis.segments.empty

    # a report in a 100 m cell with at most 3 reports, next to a published cell, at a point
    # validation leaves in that cell (not snapped across)
    import geopandas as gpd

    from sjobo_geo.analysis.hotspots import grid_units

    xy = np.column_stack([rs.reports.geometry.x, rs.reports.geometry.y])
    cells = grid_units(sample_area, 100)
    key = pd.Series(list(zip(*np.floor(xy / 100).astype(int).T, strict=True))).value_counts()
    ids = cells["unit_id"].str.extract(r"^g(-?\d+)_(-?\d+)$").astype(int)
    cells["n_reports"] = [key.get((a, b), 0) for a, b in ids.to_numpy()]
    table = pd.read_csv(csv, dtype=str)
    rng = np.random.default_rng(0)
    new = None
    for _, cell in cells[cells["n_reports"] <= K - 2].sample(frac=1, random_state=1).iterrows():
        vis = cells[cells["n_reports"] >= K]
        if not (np.hypot(vis["col"] - cell["col"], vis["row"] - cell["row"]) <= 2).any():
            continue
        for p in _uniform(cell.geometry, 5, rng):
            ll = gpd.GeoSeries(gpd.points_from_xy([p[0]], [p[1]]), crs=sample_area.crs)
            ll = ll.to_crs(4326).iloc[0]
            row = table.iloc[[0]].copy()
            row["Löpnummer"], row["Latitud"], row["Longitud"] = "X-1", f"{ll.y:.7f}", \
                f"{ll.x:.7f}"
            row["Tidpunkt"] = "2026-01-10 23:15"
            probe = tmp_path / "probe.csv"
            row.to_csv(probe, index=False)
            g = load_reports(probe, sample_area).reports.geometry.iloc[0]
            if cell.geometry.contains(g):
                new = row
                break
        if new is not None:
            break
    assert new is not None, "no point stays in a left-out cell"
    attacked = tmp_path / "attacked.csv"
    pd.concat([table, new], ignore_index=True).to_csv(attacked, index=False)
    # the second run also asks for 50 m cells: a public run raises them to 100 m
    run_b = run_hotspots(attacked, sample_area, out=tmp_path / "b", public=True, k=K,
                         cell_size=50)
    assert any("cells of 100 m, not 50 m" in m for m in run_b.messages)
    a, b = _outputs(tmp_path / "a"), _outputs(tmp_path / "b")
    assert a.keys() == b.keys() and {"gpkg:grid", "gpkg:about", "html"} <= a.keys()
    for name in a:
        if isinstance(a[name], str):
            assert a[name] == b[name], name
        else:
            pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    assert len(a["gpkg:segments"]) == 0
    about = dict(zip(a["gpkg:about"]["key"], a["gpkg:about"]["value"], strict=True))
    assert float(about["cell_size_m"]) == 100.0
    assert int(about["reports"]) < rs.accepted  # the published reports only
