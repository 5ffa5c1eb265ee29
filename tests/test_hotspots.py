"""Hot spots and priority scores (sjobo_geo.analysis.hotspots and .scoring) on the sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sjobo_geo import SjoboGeoError
from sjobo_geo.analysis.hotspots import HotspotsError as HotspotsErrorType

# two known places of the sample: Senaatintori (the main square) and a school
SQUARE = (386379.6, 6672050.9)
SCHOOL = (386150.3, 6672474.6)  # Kaisaniemen ala-aste


def _uniform(boundary, n, seed):
    import shapely

    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = boundary.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        p = rng.uniform([xmin, ymin], [xmax, ymax], (n, 2))
        out = np.vstack([out, p[shapely.contains_xy(boundary, p[:, 0], p[:, 1])]])
    return out[:n]


def _along_paths(area, n, seed):
    """Points spread evenly along the walkways (probability proportional to length)."""
    import shapely

    rng = np.random.default_rng(seed)
    geoms = area.layers["paths"].geometry.to_numpy()
    length = shapely.length(geoms)
    i = rng.choice(len(geoms), n, p=length / length.sum())
    pts = shapely.line_interpolate_point(geoms[i], rng.uniform(0, 1, n), normalized=True)
    return np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])


def _reports(area, xy, **cols):
    import geopandas as gpd

    n = len(xy)
    data = {"category": ["otrygghet"] * n, "weight": np.ones(n)}
    data.update(cols)
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=area.crs)


@pytest.fixture(scope="module")
def planted(sample_area):
    from sjobo_geo.analysis.hotspots import analyse_hotspots

    rng = np.random.default_rng(5)
    xy = np.vstack([_uniform(sample_area.boundary, 200, 9)]
                   + [np.array(p) + rng.normal(0, 12, (40, 2)) for p in (SQUARE, SCHOOL)])
    return analyse_hotspots(sample_area, _reports(sample_area, xy))


@pytest.fixture(scope="module")
def planted_net(sample_area):
    """The same clusters over a background spread evenly along the walkways."""
    from sjobo_geo.analysis.hotspots import analyse_hotspots

    rng = np.random.default_rng(5)
    xy = np.vstack([_along_paths(sample_area, 200, 9)]
                   + [np.array(p) + rng.normal(0, 12, (40, 2)) for p in (SQUARE, SCHOOL)])
    return analyse_hotspots(sample_area, _reports(sample_area, xy))


def _dist_to_places(gdf):
    import shapely

    return np.minimum(*(gdf.distance(shapely.Point(p)).to_numpy() for p in (SQUARE, SCHOOL)))


def test_planted_clusters_are_hot_on_the_grid(planted):
    import shapely

    grid = planted.grid
    for p in (SQUARE, SCHOOL):
        cell = grid[grid.contains(shapely.Point(p))]
        assert cell["gi_class"].tolist() == ["hot 99%"]
    hot = grid[grid["gi_class"].str.startswith("hot")]
    assert (_dist_to_places(hot) <= 2.5 * planted.cell_size).all()
    assert not grid["gi_class"].str.startswith("cold").any()
    assert planted.cell_size == np.clip(round(planted.bandwidth / 2, -1), 25, 200)


def test_planted_clusters_are_hot_on_segments(planted_net):
    import shapely

    seg = planted_net.segments
    hot = seg[seg["gi_class"].str.startswith("hot")]
    for p in (SQUARE, SCHOOL):
        assert hot.distance(shapely.Point(p)).min() < 50
    d = _dist_to_places(hot)
    assert np.median(d) < 100
    assert (d < 250).mean() >= 0.9
    assert (hot["gi_class"] == "hot 99%").sum() > 50


def test_uniform_points_give_no_significant_hotspots(sample_area):
    from sjobo_geo.analysis.hotspots import analyse_hotspots

    for seed in (0, 1):
        grid = analyse_hotspots(sample_area,
                                _reports(sample_area, _uniform(sample_area.boundary, 400, seed))
                                ).grid
        assert (grid["gi_class"] != "not significant").mean() <= 0.01
        # on the network the null is "evenly along the walkways"
        seg = analyse_hotspots(sample_area,
                               _reports(sample_area, _along_paths(sample_area, 400, seed))
                               ).segments
        assert (seg["gi_class"] != "not significant").mean() <= 0.01


def test_units_and_assignment(sample_area):
    import shapely

    from sjobo_geo.analysis.hotspots import (
        assign_to_grid,
        assign_to_segments,
        grid_units,
        segment_units,
    )

    grid = grid_units(sample_area, 100)
    assert grid.geometry.within(sample_area.boundary.buffer(1e-6)).all()
    assert abs(grid.area.sum() - sample_area.boundary.area) < 1.0
    xy = np.array([SQUARE, SCHOOL, (0.0, 0.0)])
    idx = assign_to_grid(xy, grid)
    assert idx[2] == -1
    for i in (0, 1):
        assert grid.geometry.iloc[idx[i]].contains(shapely.Point(xy[i]))
        x0, y0 = np.floor(xy[i] / 100) * 100
        assert grid["unit_id"].iloc[idx[i]] == f"g{int(x0 / 100)}_{int(y0 / 100)}"
    seg = segment_units(sample_area)
    far = np.array([SQUARE, (SQUARE[0] + 5000, SQUARE[1])])
    sidx = assign_to_segments(far, seg)
    assert sidx[1] == -1
    d = seg.distance(shapely.Point(SQUARE))
    assert d.iloc[sidx[0]] == pytest.approx(d.min())


def test_segment_search_is_exact_and_reuses_validation(sample_area, monkeypatch):
    import shapely

    from sjobo_geo.analysis import hotspots as mod
    from sjobo_geo.analysis.hotspots import assign_to_segments, segment_units

    seg = segment_units(sample_area)
    lines = seg.geometry.to_numpy()
    rng = np.random.default_rng(12)
    vertices = shapely.get_coordinates(lines)
    xy = np.vstack([_uniform(sample_area.boundary, 3000, 13),
                    vertices[rng.integers(0, len(vertices), 300)],  # on junctions and bends
                    _along_paths(sample_area, 300, 14) + rng.normal(0, 3, (300, 2)),
                    [[SQUARE[0] + 5000, SQUARE[1]]]])
    got = assign_to_segments(xy, seg)
    # brute force: every distance, nearest within 50 m, ties to the lowest index
    d = shapely.distance(shapely.points(xy)[:, None], lines[None, :])
    best = d.min(axis=1)
    assert got[-1] == -1 and (got[best > 50] == -1).all()
    hit = best <= 50
    assert hit.sum() > 3000
    np.testing.assert_allclose(d[np.flatnonzero(hit), got[hit]], best[hit], atol=1e-9)
    tie_free = (np.sort(d, axis=1)[:, 1] - best) > 1e-6
    np.testing.assert_array_equal(got[hit & tie_free], d.argmin(axis=1)[hit & tie_free])
    # the k-d search leaves few points to the STRtree (most of them on junctions)
    calls: list[int] = []
    real = mod._nearest_strtree
    monkeypatch.setattr(mod, "_nearest_strtree",
                        lambda p, *a: calls.append(len(p)) or real(p, *a))
    assign_to_segments(xy, seg)
    assert 0 < sum(calls) < 0.1 * len(xy)
    # a known path (from validation) is kept, the others searched
    known = np.full(len(xy), -1)
    known[:10] = 7
    again = assign_to_segments(xy, seg, path_index=known)
    assert (again[:10] == 7).all() and (again[10:] == got[10:]).all()
    with pytest.raises(HotspotsErrorType, match="path_index"):
        assign_to_segments(xy, seg, path_index=known[:5])


def test_validated_reports_keep_their_path(sample_area, tmp_path):
    from sjobo_geo.analysis.hotspots import _snapped_paths, segment_units
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.inputs.reports.validate import load_reports

    rs = load_reports(write_sample_reports(sample_area, tmp_path / "r.csv", n=300, seed=2),
                      sample_area)
    rep = rs.reports.copy()
    seg = segment_units(sample_area)
    on_path = rep["snapped_to"].astype(str).str.startswith("path:").to_numpy()
    assert on_path.any() and (~on_path).any()
    path = _snapped_paths(rep, seg)
    np.testing.assert_array_equal(path[on_path], rep["snap_path"].to_numpy()[on_path])
    assert (path[~on_path] == -1).all()
    assert (seg.geometry.iloc[path[on_path]].distance(rep.geometry[on_path], align=False)
            < 1e-6).all()
    # a path row that does not carry the report's osmid (another area version) is not used
    i = int(np.flatnonzero(on_path)[0])
    other = int(np.flatnonzero(seg["osmid"].to_numpy() != seg["osmid"].iloc[path[i]])[0])
    rep.loc[rep.index[i], "snap_path"] = other
    assert _snapped_paths(rep, seg)[i] == -1


def test_report_factors_per_distinct_triple_equal_per_report():
    from sjobo_geo.analysis.hotspots import _factor_weights
    from sjobo_geo.analysis.scoring import load_scoring_weights, report_factor_weights

    rng = np.random.default_rng(0)
    n = 30_000  # above the size where the per-triple path is taken
    cats = np.array(["otrygghet", "belysning", "klotter", "ungdomar", "skymd_sikt",
                     "nedskrapning", "skadegorelse", "hot_vald", "annat"])
    df = pd.DataFrame({
        "category": cats[rng.integers(0, len(cats), n)],
        "weight": rng.uniform(0.5, 3.0, n),
        "after_dark": pd.array(np.where(rng.random(n) < 0.2, None, rng.random(n) < 0.5),
                               dtype="boolean"),
        "time_band": np.array(["night", "day", "evening", "morning", "unknown"])[
            rng.integers(0, 5, n)],
    })
    df.loc[::7, "weight"] = np.nan
    cfg = load_scoring_weights()
    pd.testing.assert_frame_equal(_factor_weights(df, cfg), report_factor_weights(df, cfg))


def test_density_contours_are_metric_polygons(planted, sample_area):
    c = planted.contours
    assert set(c["level"]) == {0, 1, 2}
    assert (c.geom_type == "Polygon").all()
    assert c.geometry.within(sample_area.boundary.buffer(1e-6)).all()
    inner = c[c["level"] == 0].union_all()
    outer = c[c["level"] == 2].union_all()
    assert inner.area < outer.area and inner.difference(outer).area < 1.0
    assert _dist_to_places(c[c["level"] == 0]).min() == 0.0


# ---- scores ---------------------------------------------------------------------------------


def test_default_weights_file_mirrors_the_code():
    from pathlib import Path

    from sjobo_geo.analysis.scoring import DEFAULT_CONFIG, load_scoring_weights

    path = Path(__file__).resolve().parents[1] / "data" / "scoring_weights.toml"
    cfg = load_scoring_weights(path)
    assert cfg.police == DEFAULT_CONFIG["police"]
    assert cfg.physical == DEFAULT_CONFIG["physical"]
    assert cfg.params == DEFAULT_CONFIG["params"]
    assert sum(cfg.police.values()) == pytest.approx(1.0)
    assert sum(cfg.physical.values()) == pytest.approx(1.0)


def test_scores_are_weighted_sums_and_weights_steer_the_ranking(planted, sample_area,
                                                                tmp_path):
    from sjobo_geo.analysis.hotspots import analyse_hotspots
    from sjobo_geo.analysis.scoring import PHYSICAL_FACTORS, POLICE_FACTORS, load_scoring_weights

    for units in (planted.grid, planted.segments):
        for kind, factors, cfg in (("police", POLICE_FACTORS, planted.config.police),
                                   ("physical", PHYSICAL_FACTORS, planted.config.physical)):
            parts = units[[f"{kind}_{f}" for f in factors]]
            assert np.allclose(parts.sum(axis=1), units[f"{kind}_score"])
            for f in factors:  # each contribution is weight x a factor in 0..1
                col = units[f"{kind}_{f}"]
                assert (col >= 0).all() and (col <= cfg[f] + 1e-12).all()
    # only nearness to the main square counts: the top cell is at the square
    toml = tmp_path / "w.toml"
    toml.write_text("[police]\nunsafety = 0\nincidents = 0\nyouth = 0\nschools = 0\n"
                    "leisure = 0\nmain_square = 1\n", encoding="utf-8")
    cfg = load_scoring_weights(toml)
    assert cfg.physical == planted.config.physical
    xy = np.vstack([_uniform(sample_area.boundary, 60, 3),
                    np.array(SCHOOL) + np.random.default_rng(1).normal(0, 10, (30, 2))])
    reports = _reports(sample_area, xy)
    base = analyse_hotspots(sample_area, reports, cell_size=100).grid
    square = analyse_hotspots(sample_area, reports, cell_size=100, config=toml).grid
    top_base = base.sort_values("police_score").iloc[-1]
    top_square = square.sort_values("police_score").iloc[-1]
    assert top_base.geometry.distance(top_square.geometry) > 100  # the ranking changed
    assert _dist(top_square.geometry, SQUARE) == 0.0
    assert top_square["police_score"] == pytest.approx(1.0)
    assert np.allclose(square["police_score"], square["police_main_square"])


def _dist(geom, p):
    import shapely

    return geom.distance(shapely.Point(p))


def test_bad_weights_file(tmp_path):
    from sjobo_geo.analysis.scoring import ScoringError, load_scoring_weights

    bad = tmp_path / "bad.toml"
    bad.write_text("[police]\nsirens = 1\n", encoding="utf-8")
    with pytest.raises(ScoringError, match="sirens"):
        load_scoring_weights(bad)
    bad.write_text("[physical]\nlittering = -1\n", encoding="utf-8")
    with pytest.raises(SjoboGeoError, match="littering"):
        load_scoring_weights(bad)


def test_report_factors_weight_evening_and_night():
    from sjobo_geo.analysis.scoring import load_scoring_weights, report_factor_weights

    df = pd.DataFrame({
        "category": ["otrygghet", "otrygghet", "ungdomar", "belysning", "hot_vald", "klotter"],
        "weight": [1.0, 1.0, 1.0, 1.0, 1.0, 2.0],
        "after_dark": pd.array([False, True, None, False, True, False], dtype="boolean"),
        "time_band": ["day", "day", "evening", "day", "night", "day"],
    })
    rf = report_factor_weights(df, load_scoring_weights())
    assert rf["unsafety"].tolist() == [1, 2, 0, 0, 2, 0]
    assert rf["incidents"].tolist() == [1, 2, 2, 1, 2, 2]
    assert rf["youth"].tolist() == [0, 0, 2, 0, 0, 0]
    assert rf["darkness_reports"].tolist() == [0, 1, 0, 1, 1, 0]
    assert rf["vandalism"].tolist() == [0, 0, 0, 0, 0, 2]


def test_lighting_factor_uses_gaps_when_given(sample_area):
    import geopandas as gpd

    from sjobo_geo.analysis.hotspots import analyse_hotspots

    reports = _reports(sample_area, _uniform(sample_area.boundary, 50, 4))
    fallback = analyse_hotspots(sample_area, reports).segments
    unlit = fallback["lit_status"] == "unlit"
    assert (fallback.loc[unlit, "physical_lighting_gaps"] == 0.25).all()
    lit = fallback["lit_status"] == "lit"
    assert (fallback.loc[lit, "physical_lighting_gaps"] == 0).all()
    one = fallback[lit].iloc[[0]]
    gaps = gpd.GeoDataFrame(geometry=one.geometry.to_numpy(), crs=sample_area.crs)
    with_gaps = analyse_hotspots(sample_area, reports, gaps=gaps).segments
    assert with_gaps.loc[one.index[0], "physical_lighting_gaps"] == pytest.approx(0.25)
    assert (with_gaps["physical_lighting_gaps"] > 0).sum() < 20


# ---- time -----------------------------------------------------------------------------------


def test_time_profiles_count_right(sample_area):
    from sjobo_geo.analysis.hotspots import analyse_hotspots

    rng = np.random.default_rng(2)
    n_bg, n_hot = 120, 30
    xy = np.vstack([_uniform(sample_area.boundary, n_bg, 8),
                    np.array(SQUARE) + rng.normal(0, 5, (n_hot, 2))])
    hour = np.concatenate([rng.uniform(0, 24, n_bg), np.r_[[22.5] * 20, [3.25] * 10]])
    weekday = np.concatenate([rng.integers(0, 7, n_bg), np.r_[[4] * 20, [5] * 10]])
    ts = pd.Timestamp("2025-01-06") + pd.to_timedelta(np.arange(n_bg + n_hot) * 2, unit="D")
    an = analyse_hotspots(sample_area,
                          _reports(sample_area, xy, hour=hour, weekday=weekday, timestamp=ts),
                          cell_size=100)
    import shapely

    cell = an.grid[an.grid.contains(shapely.Point(SQUARE))].iloc[0]
    assert cell["gi_class"].startswith("hot")
    inside = an.grid.geometry[an.grid["unit_id"] == cell["unit_id"]].iloc[0]
    pts = shapely.points(xy)
    mine = shapely.contains(inside, pts)
    prof = an.profiles[an.profiles["unit_id"] == cell["unit_id"]]
    assert prof["n"].sum() == mine.sum()
    expect = pd.Series(list(zip(weekday[mine], np.floor(hour[mine]).astype(int),
                                strict=True))).value_counts()
    got = prof.set_index(["weekday", "hour"])["n"]
    for (wd, h), n in expect.items():
        assert got[(wd, h)] == n
    hours = np.array(cell["profile_hours"].split(","), int)
    assert hours.sum() == mine.sum() and hours[22] >= 20 and hours[3] >= 10
    assert np.array(cell["profile_weekdays"].split(","), int)[4] >= 20
    # 260 days of reports: weekly Gi* and emerging classes
    assert an.weeks >= 6
    assert an.grid["emerging"].str.endswith("spot").any() or \
        (an.grid["emerging"] == "no pattern").all()
    assert "not computed" not in set(an.grid["emerging"])


# ---- public ---------------------------------------------------------------------------------


def test_public_view_suppresses_small_units(planted, sample_area):
    from sjobo_geo.analysis.hotspots import priorities_table, public_view

    rng = np.random.default_rng(5)
    xy = np.vstack([_uniform(sample_area.boundary, 200, 9)]
                   + [np.array(p) + rng.normal(0, 12, (40, 2)) for p in (SQUARE, SCHOOL)])
    bands = np.array(["night", "morning", "day", "evening"])[rng.integers(0, 4, len(xy))]
    pub = public_view(planted, _reports(sample_area, xy, time_band=bands), k=5)
    assert pub.public and pub.k == 5
    assert (planted.grid["n_reports"].between(1, 4)).any()
    assert planted.cell_size < 100 and pub.cell_size == 100  # counted again on 100 m cells
    assert len(pub.grid) and (pub.grid["n_reports"] >= 5).all()
    assert pub.segments.empty  # street segments are not published
    assert len(pub.contours) and (pub.contours["n_reports"] >= 5).all()
    assert (pub.profiles["n"] >= 5).all()
    assert set(pub.profiles.columns) >= {"unit_id", "time_band", "n"}
    table = priorities_table(pub)
    assert (table["n_reports"] >= 5).all()
    assert len(table) == len(pub.grid)
    assert not any(c in table for c in ("text", "report_id", "actor"))


# ---- the job --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def job_outputs(tmp_path_factory, sample_area):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.hotspots import run_hotspots
    from sjobo_geo.maps.offline import install_assets

    install_assets()
    out = tmp_path_factory.mktemp("hotspots")
    reports = write_sample_reports(sample_area, out / "reports.csv", n=400, seed=3)
    steps: list[str] = []
    internal = run_hotspots(reports, sample_area, out=out / "internal", offline_html=True,
                            progress=steps.append)
    public = run_hotspots(reports, sample_area, out=out / "public", public=True, k=5)
    return {"internal": internal, "public": public, "steps": steps, "reports": reports}


def test_run_hotspots_writes_three_files(job_outputs):
    import pyogrio

    from sjobo_geo.jobs.hotspots import HOTSPOT_STEPS

    res = job_outputs["internal"]
    assert job_outputs["steps"] == list(HOTSPOT_STEPS)
    for key, name in (("map", "hotspots.html"), ("gpkg", "hotspots.gpkg"),
                      ("csv", "priorities.csv")):
        assert res.files[key].name == name and res.files[key].stat().st_size > 0
    layers = {name for name, _ in pyogrio.list_layers(res.files["gpkg"])}
    assert {"grid", "segments", "density", "about"} <= layers
    grid = pyogrio.read_dataframe(res.files["gpkg"], layer="grid")
    assert grid["synthetic"].all() and "police_score" in grid and "emerging" in grid
    about = pyogrio.read_dataframe(res.files["gpkg"], layer="about")
    assert dict(zip(about["key"], about["value"], strict=True))["synthetic"] == "true"
    table = pd.read_csv(res.files["csv"])
    assert table["synthetic"].all()
    assert {"police_score", "physical_score", "police_rank", "physical_rank",
            "nearest_street"} <= set(table.columns)
    seg = table[table["unit_type"] == "segment"].sort_values("police_rank")
    assert seg["police_score"].is_monotonic_decreasing
    html = res.files["map"].read_text(encoding="utf-8")
    assert "sjobo-synthetic-banner" in html
    assert any("SYNTHETIC" in m for m in res.messages)


def test_public_run_holds_no_small_units_or_text(job_outputs):
    import pyogrio

    res = job_outputs["public"]
    table = pd.read_csv(res.files["csv"])
    assert len(table) and (table["n_reports"] >= 5).all()
    for layer in ("grid", "segments", "density"):
        df = pyogrio.read_dataframe(res.files["gpkg"], layer=layer)
        assert (df["n_reports"] >= 5).all()
        assert not {"text", "report_id", "actor", "place_text"} & set(df.columns)
    html = res.files["map"].read_text(encoding="utf-8")
    raw = job_outputs["reports"].read_text(encoding="utf-8")
    assert "[SYNTETISK]" in raw
    for path in res.files.values():
        assert "[SYNTETISK]" not in path.read_text(encoding="utf-8", errors="ignore")
    assert "sjobo-synthetic-banner" in html


def test_bad_input_gives_clear_errors(tmp_path, sample_area):
    from sjobo_geo.analysis.hotspots import HotspotsError, analyse_hotspots
    from sjobo_geo.jobs.hotspots import run_hotspots

    with pytest.raises(HotspotsError, match="not found"):
        run_hotspots(tmp_path / "missing.csv", sample_area, out=tmp_path / "o")
    empty = tmp_path / "empty.csv"
    empty.write_text("id,category,lat,lon,timestamp\n", encoding="utf-8")
    with pytest.raises(SjoboGeoError):
        run_hotspots(empty, sample_area, out=tmp_path / "o")
    with pytest.raises(HotspotsError, match="at least 3"):
        analyse_hotspots(sample_area, _reports(sample_area, np.array([SQUARE, SCHOOL])))
    with pytest.raises(HotspotsError, match="cell_size"):
        analyse_hotspots(sample_area, _reports(sample_area, _uniform(sample_area.boundary, 20, 1)),
                         cell_size=2)
    assert not (tmp_path / "o").exists()


@pytest.mark.browser
def test_offline_hotspots_map_in_chromium(job_outputs):
    from browser import chromium, severe_console_messages
    from helpers import LAYER_STATE_JS, wait_for

    page = job_outputs["internal"].files["map"]
    with chromium() as driver:
        driver.get(page.as_uri())
        wait_for(driver, "return !!(window.L && window.SJOBO_LAYERS && window.SJOBO_MAP)")
        state = driver.execute_script(LAYER_STATE_JS)
        messages = severe_console_messages(driver)
        banner = driver.find_element("id", "sjobo-synthetic-banner").text
    assert set(state) == {"density", "hot_grid", "hot_segments", "police_priority",
                          "physical_priority"}
    for key, s in state.items():
        assert s["features"] >= s["expected"] > 0, (key, s)
        assert s["drawn"] == s["features"], (key, s)
    assert messages == []
    assert banner


def test_map_escapes_text_from_data(planted_net, sample_area):
    from dataclasses import replace

    from sjobo_geo.maps.hotspots import hotspots_map

    seg = planted_net.segments.copy()
    hot = seg["gi_class"].str.startswith("hot")
    seg.loc[hot, "nearest_street"] = "<b>{{ 7*7 }}</b>"
    m = hotspots_map(replace(planted_net, segments=seg), sample_area, tiles=False, lang="en")
    html = m.get_root().render()
    # escaped in Python, then JSON-encoded by folium ("&" as \u0026)
    assert "\\u0026lt;b\\u0026gt;\\u0026#123;\\u0026#123; 7*7" in html
    assert "<b>{{" not in html and "<b>49</b>" not in html
    assert "Police presence: score" in html
