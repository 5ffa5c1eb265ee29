"""Lighting gaps: compliance from the photometric model, ranking, proposals, facades, the job.

Constructed scenes check the physics and the logic against hand-computed figures; the real
sample (central Helsinki) checks the whole job end to end, its files and its offline map in
headless Chromium.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from helpers import read_csv_with_header
from shapely import LineString, box

from sjobo_geo.analysis.lighting.photometry import horizontal_illuminance, vertical_illuminance
from sjobo_geo.analysis.lighting.proposals import PROPOSAL_SPACING_M
from sjobo_geo.core.area import LAYER_KINDS, LIT_VALUES, Area
from sjobo_geo.core.profiles import load_profile
from sjobo_geo.jobs.lighting import (
    DEFAULT_CLASSES,
    GAP_TYPES,
    LightingError,
    NewLamp,
    analyse_lighting,
    edge_betweenness,
    facade_lighting,
    illuminance_classes,
    load_lighting_classes,
    recommend_lamps,
    run_lighting_gaps,
    walkable_surfaces,
)

CRS = "EPSG:3006"
X0, Y0 = 330_000.0, 6_400_000.0  # somewhere in SWEREF 99 TM; scenes use local offsets
I0 = 3000 / math.pi  # 3,000 lm Lambertian
MF = 0.8


def P(x, y):
    return (X0 + x, Y0 + y)


def lamp_table(points, *, height=5.0, flux=3000.0, status="working"):
    n = len(points)
    statuses = status if isinstance(status, list) else [status] * n
    return gpd.GeoDataFrame({
        "lamp_id": [f"t:{i}" for i in range(n)],
        "mount_height_m": np.full(n, height, dtype=float),
        "flux_lm": np.full(n, flux, dtype=float),
        "intensity_cd": np.full(n, flux / math.pi),
        "distribution": ["lambertian"] * n,
        "status": statuses,
    }, geometry=gpd.points_from_xy([P(*p)[0] for p in points], [P(*p)[1] for p in points]),
        crs=CRS)


def make_area(paths=(), *, squares=(), courtyards=(), buildings=(), boundary=(-50, -50, 250,
                                                                              250), lit="lit"):
    """An Area from local-coordinate paths [(coords, {tags})] and polygons (``lit``: the
    paths' lit status unless their tags say)."""
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=CRS)
    layers = {kind: empty for kind in LAYER_KINDS}
    graph = nx.MultiDiGraph()
    node_of: dict[tuple[float, float], int] = {}
    rows = []
    for coords, tags in paths:
        xy = [P(*c) for c in coords]
        ends = []
        for pt in (xy[0], xy[-1]):
            if pt not in node_of:
                node_of[pt] = len(node_of) + 1
                graph.add_node(node_of[pt], x=pt[0], y=pt[1])
            ends.append(node_of[pt])
        line = LineString(xy)
        graph.add_edge(ends[0], ends[1], length=line.length, geometry=line)
        graph.add_edge(ends[1], ends[0], length=line.length, geometry=line.reverse())
        rows.append({"u": ends[0], "v": ends[1], "osmid": str(len(rows)),
                     "name": tags.get("name"), "highway": tags.get("highway", "footway"),
                     "lit": tags.get("lit"), "lit_status": tags.get("lit_status", lit),
                     "tunnel": tags.get("tunnel"), "covered": None,
                     "width_m": tags.get("width", 2.0), "length_m": line.length,
                     "geometry": line})
    if rows:
        paths_gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
        paths_gdf["lit_status"] = pd.Categorical(paths_gdf["lit_status"], categories=LIT_VALUES)
        layers["paths"] = paths_gdf

    def shift(poly):
        from shapely import affinity

        return affinity.translate(poly, X0, Y0)

    if squares:
        layers["squares"] = gpd.GeoDataFrame(
            {"name": [n for n, _ in squares], "kind": ["square"] * len(squares),
             "lit": [None] * len(squares)},
            geometry=[shift(g) for _, g in squares], crs=CRS)
    if courtyards:
        layers["courtyards"] = gpd.GeoDataFrame(
            {"courtyard_id": [f"c{i}" for i in range(len(courtyards))]},
            geometry=[shift(g) for g in courtyards], crs=CRS)
    if buildings:
        layers["buildings"] = gpd.GeoDataFrame(
            {"name": [b.get("name") for b in buildings],
             "addr:street": [b.get("street") for b in buildings],
             "addr:housenumber": [b.get("number") for b in buildings]},
            geometry=[shift(b["geometry"]) for b in buildings], crs=CRS)
    return Area(profile=load_profile("sjobo"), crs=CRS, boundary=shift(box(*boundary)),
                graph=graph, layers=layers)


def lit_radius(required, *, height=5.0, i0=I0, mf=MF):
    """Horizontal distance within which one Lambertian lamp gives at least ``required`` lux."""
    return math.sqrt(math.sqrt(mf * i0 * height**2 / required) - height**2)


# ---- classes ------------------------------------------------------------------------------


def test_repo_toml_mirrors_the_module_default():
    from pathlib import Path

    toml = Path(__file__).resolve().parents[1] / "data" / "lighting_classes.toml"
    assert load_lighting_classes(toml).to_dict() == load_lighting_classes().to_dict()
    classes = load_lighting_classes()
    assert classes.requirement("P4") == (5.0, 1.0) and classes.requirement("P6") == (2.0, 0.4)
    assert classes.for_highway("steps") == "P3" and classes.for_highway("no_such") == "P4"
    assert classes.for_highway("footway;steps") == "P3"  # the stricter part
    assert DEFAULT_CLASSES["surfaces"]["tunnel"] == "P2"


def test_toml_overrides_and_errors(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[surfaces]\ncourtyard = "P3"\n[highway]\nfootway = "P5"\n', encoding="utf-8")
    c = load_lighting_classes(f)
    assert c.surfaces["courtyard"] == "P3" and c.for_highway("footway") == "P5"
    assert c.surfaces["square"] == "P3"  # untouched keys keep the default
    f.write_text('[surfaces]\ncourtyard = "P9"\n', encoding="utf-8")
    with pytest.raises(LightingError, match="P9"):
        load_lighting_classes(f)
    with pytest.raises(LightingError, match="cannot read"):
        load_lighting_classes(tmp_path / "missing.toml")


def test_surfaces_get_their_classes():
    area = make_area([
        ([(0, 0), (50, 0)], {"highway": "footway"}),
        ([(0, 10), (50, 10)], {"highway": "steps"}),
        ([(0, 20), (50, 20)], {"highway": "footway", "tunnel": "yes"}),
        ([(0, 30), (50, 30)], {"highway": "corridor"}),
    ], squares=[("Torget", box(100, 0, 140, 40))], courtyards=[box(0, 100, 30, 130)])
    s = walkable_surfaces(area)
    got = dict(zip(s["surface_id"], s["p_class"], strict=True))
    assert got == {"path:0": "P4", "path:1": "P3", "path:2": "P2", "square:0": "P3",
                   "courtyard:c0": "P4"}  # the indoor corridor is left out
    assert s.loc[s["surface_id"] == "path:2", "covered"].item()
    assert s.loc[s["surface_id"] == "path:0", "area_m2"].item() == pytest.approx(
        50 * 2 + math.pi, rel=0.02)  # 2 m wide, round caps


# ---- compliance ---------------------------------------------------------------------------


def test_one_lamp_over_a_path_lights_the_pieces_within_its_radius():
    area = make_area([([(0, 0), (100, 0)], {"highway": "footway"})])
    an = analyse_lighting(area, lamp_table([(50, 0)]))
    r = lit_radius(1.0)  # P4 minimum 1 lx: 10.6 m
    pieces = an.pieces
    assert len(pieces) == 20 and pieces["length_m"].max() <= 5.0 + 1e-9
    far = np.maximum(abs(pieces["start_m"] - 50), abs(pieces["start_m"] + 5 - 50))
    assert (pieces["compliant"] == (far <= r)).all()
    assert pieces["compliant"].sum() == 4  # 40–60 m
    # the piece minimum is the exact value at its far end
    row = pieces.iloc[8]  # 40–45 m: darkest at 40 m
    expected = horizontal_illuminance([P(50, 0)], 5.0, I0, [P(40, 0)],
                                      distribution="lambertian", maintenance_factor=MF)[0]
    assert row["min_lux"] == pytest.approx(expected, rel=1e-9)
    assert an.figures["compliant_length_m"] == pytest.approx(20.0)
    # the lamp's reach, max(4 × 5 m, 20 m) = 20 m, covers 25–75 m (pieces touching 30–70 m):
    # the pieces beyond it are lit-tagged with no lamp in the data, not dark
    covered = pieces["data_covered"].to_numpy()
    assert (covered == ((pieces["start_m"] >= 25 - 1e-9) & (pieces["start_m"] < 75))).all()
    assert set(pieces.loc[~covered, "lamp_data"]) == {"lamp_data_missing"}
    assert (pieces.loc[~covered, "gap_type"] == "").all()
    assert an.figures["gap_pieces"] == 6 and an.figures["gap_stretches"] == 2
    assert an.figures["compliant_share"] == pytest.approx(20.0 / 50.0)
    assert an.figures["coverage_share"] == pytest.approx(0.5)
    assert set(an.path_gaps["gap_type"]) == {"lit_modelled_dark"}
    stretches = an.gaps[an.gaps["gap_kind"] == "path_stretch"]
    assert sorted(stretches["size"].round(6)) == [15.0, 15.0]
    missing = an.data_stretches
    assert sorted(missing["length_m"].round(6)) == [25.0, 25.0]


def test_gap_types_follow_the_osm_tag():
    area = make_area([
        ([(0, 0), (20, 0)], {"lit_status": "unlit"}),
        ([(0, 50), (20, 50)], {"lit_status": "unknown"}),
        ([(0, 100), (20, 100)], {"lit_status": "lit"}),
    ])
    # one weak lamp high up: its reach (4 × 30 m) covers all three, its light fixes none
    an = analyse_lighting(area, lamp_table([(10, 50)], height=30.0, flux=100.0))
    by_path = an.path_gaps.groupby("path_index")["gap_type"].unique()
    assert [list(v) for v in by_path] == [["tagged_unlit"], ["unknown_lit"],
                                          ["lit_modelled_dark"]]
    assert set(an.figures["gap_length_by_type_m"]) == set(GAP_TYPES)
    assert an.figures["gap_length_by_type_m"]["tagged_unlit"] == pytest.approx(20.0)
    # no lamp at all: only the path tagged unlit is known to be dark
    an = analyse_lighting(area, lamp_table([]))
    assert list(an.path_gaps["path_index"].unique()) == [0]
    by_path = an.pieces.groupby("path_index")["lamp_data"].unique()
    assert [list(v) for v in by_path] == [["tagged_unlit"], ["no_lamp_data"],
                                          ["lamp_data_missing"]]
    assert an.figures["lamp_data_missing_m"] == pytest.approx(20.0)
    assert an.figures["coverage_share"] == 0


def test_a_square_lit_below_its_class_average_is_reported():
    dim, bright = box(0, 0, 40, 40), box(100, 0, 140, 40)
    bright_lamps = [(100 + x, y) for x in (7, 20, 33) for y in (7, 20, 33)]
    area = make_area(squares=[("Dim", dim), ("Bright", bright)])
    lamps = pd.concat([lamp_table([(20, 20)], flux=1000.0), lamp_table(bright_lamps)],
                      ignore_index=True)
    an = analyse_lighting(area, lamps)
    s = an.surfaces.set_index("name")
    assert s.loc["Dim", "below_average"] and not s.loc["Bright", "below_average"]
    # the grid average against the exact values at the cell centres the lamp data cover:
    # within the lamp's reach, max(4 × 5 m, 20 m), of the one lamp in the middle
    xs = np.arange(0.5, 40, 1.0)
    gx, gy = np.meshgrid(xs, xs)
    within = np.hypot(gx.ravel() - 20, gy.ravel() - 20) <= 20.0
    exact = horizontal_illuminance([P(20, 20)], 5.0, 1000 / math.pi,
                                   np.column_stack([gx.ravel() + X0, gy.ravel() + Y0]),
                                   distribution="lambertian", maintenance_factor=MF)
    assert s.loc["Dim", "covered_share"] == pytest.approx(within.mean())
    assert s.loc["Dim", "lamp_data"] == "lamp_in_reach"
    assert s.loc["Dim", "avg_lux"] == pytest.approx(exact[within].mean(), abs=0.02)
    assert s.loc["Dim", "avg_lux"] < 7.5 <= s.loc["Bright", "avg_lux"]
    below = an.gaps[an.gaps["gap_kind"] == "below_average"]
    assert list(below["name"]) == ["Dim"] and below["criterion"].item() == "average"
    assert below["required_lux"].item() == 7.5 and below["size_unit"].item() == "m²"
    # the dim square's ring around the lamp is below the P3 minimum: a dark patch (its
    # corners are beyond the lamp's reach: not known, not counted)
    patches = an.gaps[(an.gaps["gap_kind"] == "dark_patch") & (an.gaps["name"] == "Dim")]
    assert len(patches) >= 1 and (patches["modelled_lux"] < 1.5).all()


def test_lamps_outside_the_area_count_near_its_edge():
    # the area ends at y = 100; the path runs 5 m inside, the lamp stands 3 m outside
    area = make_area([([(0, 95), (100, 95)], {})], boundary=(0, 0, 100, 100))
    assert not area.boundary.contains(lamp_table([(50, 103)]).geometry.iloc[0])
    an = analyse_lighting(area, lamp_table([(50, 103)]))
    reach = math.sqrt(lit_radius(1.0) ** 2 - 8.0**2)  # 7 m along the path either side
    assert 5 < reach < 10
    assert an.figures["compliant_length_m"] == pytest.approx(10.0)  # 45–55 m
    at = an.pieces[(an.pieces["start_m"] <= 50) & (an.pieces["start_m"] + 5 >= 50)]
    assert at["compliant"].all()


def test_no_lamps_everything_tagged_unlit_is_a_gap_and_lamps_are_proposed():
    unlit = {"lit_status": "unlit"}
    area = make_area([([(0, 0), (60, 0)], unlit), ([(60, 0), (60, 60)], unlit)],
                     courtyards=[box(100, 100, 130, 130)])
    an = analyse_lighting(area, lamp_table([]))
    assert an.figures["compliant_share"] == 0 and an.figures["gap_pieces"] == len(an.pieces)
    yard = an.surfaces[an.surfaces["kind"] == "courtyard"].iloc[0]
    # no lamp, no tag: the courtyard is not known to be dark
    assert yard["lamp_data"] == "no_lamp_data" and not yard["below_average"]
    assert np.isnan(yard["avg_lux"])
    assert np.nanmax(an.grid) == 0
    rec = recommend_lamps(an, 3)
    assert len(rec.lamps) == 3 and set(rec.lamps["target"]) == {"path"}
    assert rec.after["compliant_length_m"] > rec.before["compliant_length_m"] == 0


def test_no_lamps_on_lit_paths_is_missing_data_not_darkness():
    area = make_area([([(0, 0), (60, 0)], {}), ([(60, 0), (60, 60)], {})])  # lit=yes
    an = analyse_lighting(area, lamp_table([]))
    assert (an.pieces["lamp_data"] == "lamp_data_missing").all()
    assert len(an.gaps) == 0 and len(an.path_gaps) == 0
    assert np.isnan(an.figures["compliant_share"])
    assert an.coverage["share"] == 0 and an.coverage["below_threshold"]
    assert an.data_stretches["length_m"].sum() == pytest.approx(120.0)
    assert len(recommend_lamps(an, 3).lamps) == 0  # an inventory first, not new lamps


def test_broken_and_planned_lamps_are_left_out():
    area = make_area([([(0, 0), (100, 0)], {})])
    lamps = lamp_table([(50, 0), (20, 0), (80, 0)], status=["broken", "planned", "unknown"])
    an = analyse_lighting(area, lamps)
    assert an.lamps["counted"].tolist() == [False, False, True]
    assert an.figures["lamps_counted"] == 1
    around_80 = an.pieces[(an.pieces["start_m"] >= 70) & (an.pieces["start_m"] < 90)]
    around_50 = an.pieces[(an.pieces["start_m"] >= 40) & (an.pieces["start_m"] < 60)]
    assert around_80["compliant"].all() and not around_50["compliant"].any()


# ---- proposals ----------------------------------------------------------------------------


def test_a_proposal_makes_a_dark_path_compliant():
    area = make_area([([(0, 0), (15, 0)], {"lit_status": "unlit"})])
    an = analyse_lighting(area, lamp_table([]))
    rec = recommend_lamps(an, 2)
    # one lamp suffices: the second finds nothing left to fix and is not proposed
    assert len(rec.lamps) == 1
    assert rec.before["compliant_length_m"] == 0
    assert rec.after["compliant_length_m"] == pytest.approx(15.0)
    assert rec.after["exposure_covered_share"] == pytest.approx(1.0)
    assert rec.pieces["compliant_after"].all()
    lamp = rec.lamps.iloc[0]
    assert lamp["fixed_length_m"] == pytest.approx(15.0)
    # it says which gap it fixes and by how much
    assert lamp["gap_id"] == an.gaps["gap_id"].iloc[0]
    assert lamp["lux_before"] == pytest.approx(0.0) and lamp["lux_after"] >= 1.0
    assert abs(lamp.geometry.x - X0 - 7.5) < 1e-6  # the middle piece's midpoint
    # re-evaluating with the proposed lamp as a real one gives the same answer
    new = lamp_table([(lamp.geometry.x - X0, lamp.geometry.y - Y0)])
    assert analyse_lighting(area, new).figures["compliant_share"] == pytest.approx(1.0)


def test_greedy_proposals_do_not_stack():
    # two dark paths far apart: one lamp each, not two on the first
    unlit = {"lit_status": "unlit"}
    area = make_area([([(0, 0), (15, 0)], unlit), ([(0, 200), (15, 200)], unlit)])
    rec = recommend_lamps(analyse_lighting(area, lamp_table([])), 2)
    assert len(rec.lamps) == 2
    ys = sorted(rec.lamps.geometry.y - Y0)
    assert ys[0] == pytest.approx(0) and ys[1] == pytest.approx(200)
    assert rec.after["compliant_share"] == pytest.approx(1.0)
    # a long dark path: successive lamps spread along it, each fixing new length
    area = make_area([([(0, 0), (100, 0)], unlit)])
    rec = recommend_lamps(analyse_lighting(area, lamp_table([])), 4)
    xs = np.sort(rec.lamps.geometry.x.to_numpy() - X0)
    assert np.diff(xs).min() >= 2 * lit_radius(1.0) - 5.0 - 1e-6
    assert np.diff(xs).min() >= PROPOSAL_SPACING_M["P4"]  # the class spacing
    assert (rec.lamps["fixed_length_m"] > 0).all()
    assert rec.lamps["cumulative_exposure_share"].is_monotonic_increasing


def test_proposals_prefer_exposed_gaps_and_can_target_courtyards():
    unlit = {"lit_status": "unlit"}
    area = make_area([([(0, 0), (15, 0)], unlit), ([(0, 200), (15, 200)], unlit)],
                     courtyards=[box(100, 100, 120, 120)])
    reports = _reports([(7, 200)] * 3, weight=1.0)
    # a weak lamp in the courtyard: the lamp data cover it, and it is dark
    an = analyse_lighting(area, lamp_table([(110, 110)], height=3.0, flux=100.0),
                          reports=reports)
    rec = recommend_lamps(an, 1, target="paths")
    assert rec.lamps.geometry.y.iloc[0] - Y0 == pytest.approx(200)  # near the reports
    rec = recommend_lamps(an, 3, target="courtyards", lamp=NewLamp(flux_lm=6000))
    assert rec.before["dark_cells_m2"] > rec.after["dark_cells_m2"]
    assert (rec.lamps["fixed_area_m2"] > 0).all() and set(rec.lamps["target"]) == {"courtyard"}
    assert rec.before["gap_exposure"] > rec.after["gap_exposure"]
    with pytest.raises(LightingError):
        recommend_lamps(an, -1)
    with pytest.raises(LightingError, match="target"):
        recommend_lamps(an, 1, target="streets")


def test_nothing_to_fix_proposes_nothing():
    area = make_area([([(0, 0), (10, 0)], {})])
    an = analyse_lighting(area, lamp_table([(5, 0)]))
    assert an.figures["compliant_share"] == 1 and len(an.gaps) == 0
    rec = recommend_lamps(an, 5)
    assert len(rec.lamps) == 0 and rec.after["compliant_share"] == 1
    assert rec.after["exposure_covered_share"] == 0


# ---- ranking ------------------------------------------------------------------------------


def _reports(points, *, weight=1.0, category="belysning", after_dark=True):
    n = len(points)
    return gpd.GeoDataFrame({
        "category": [category] * n, "after_dark": pd.array([after_dark] * n, dtype="boolean"),
        "weight": np.full(n, weight),
    }, geometry=gpd.points_from_xy([P(*p)[0] for p in points], [P(*p)[1] for p in points]),
        crs=CRS)


def test_ranking_factors_multiply_and_each_is_shown():
    # a main line 0-100-200-300 with a dead-end spur at 100; all dark
    area = make_area([
        ([(0, 0), (100, 0)], {"name": "Stora gatan"}),
        ([(100, 0), (200, 0)], {"name": "Stora gatan"}),
        ([(200, 0), (300, 0)], {"name": "Stora gatan"}),
        ([(100, 0), (100, -40)], {"name": "Lilla gränd"}),
    ], buildings=[{"geometry": box(140, 10, 160, 30), "street": "Stora gatan",
                   "number": "12"}], lit="unlit")
    reports = pd.concat([
        _reports([(150, 5)], weight=2.0),  # counts: darkness category, after dark
        _reports([(150, 5)], weight=5.0, category="klotter"),  # not a darkness category
        _reports([(150, 5)], weight=5.0, after_dark=False),  # in daylight
    ], ignore_index=True)
    an = analyse_lighting(area, lamp_table([]), reports=reports, betweenness_samples=None)
    g = an.gaps
    for col in ("size", "reports_factor", "importance", "betweenness", "exposure",
                "nearest_street", "nearest_address", "rank", "rank_in_kind"):
        assert col in g
    assert np.allclose(g["exposure"], g["size"] * g["reports_factor"] * g["importance"])
    assert g["rank"].tolist() == list(range(1, len(g) + 1))
    assert g["exposure"].is_monotonic_decreasing
    middle = g[g["surface_id"] == "path:1"].iloc[0]
    assert middle["reports_factor"] == pytest.approx(3.0)  # 1 + weight 2
    assert middle["nearest_address"] == "Stora gatan 12"
    assert middle["nearest_street"] == "Stora gatan"
    spur = g[g["surface_id"] == "path:3"].iloc[0]
    assert spur["reports_factor"] == pytest.approx(1.0)
    assert middle["importance"] > spur["importance"] >= an.params["importance_floor"]
    assert middle["rank"] == 1
    # pieces carry the same factors
    p = an.pieces
    assert np.allclose(p["exposure"], p["length_m"] * p["reports_factor"] * p["importance"])


def test_edge_betweenness_matches_networkx():
    rng = np.random.default_rng(3)
    g = nx.connected_watts_strogatz_graph(40, 4, 0.3, seed=3)
    for u, v in g.edges:
        g[u][v]["length"] = float(rng.uniform(1, 10))
    lo, hi, bet = edge_betweenness(g, n_samples=None)
    ref = nx.edge_betweenness_centrality(g, weight="length", normalized=False)
    ours = {(min(a, b), max(a, b)): x for a, b, x in zip(lo, hi, bet, strict=True)}
    theirs = np.array([ref.get((a, b), ref.get((b, a))) for a, b in ours])
    values = np.array(list(ours.values()))
    scale = values.sum() / theirs.sum()
    assert np.allclose(values, scale * theirs)  # the same up to normalisation
    assert (theirs == 0).any() and (values[theirs == 0] == 0).all()
    # sampled sources: seeded and close
    _, _, b1 = edge_betweenness(g, n_samples=20, seed=1)
    _, _, b2 = edge_betweenness(g, n_samples=20, seed=1)
    assert np.array_equal(b1, b2)
    assert np.corrcoef(b1, bet)[0, 1] > 0.8


# ---- facades ------------------------------------------------------------------------------


def test_a_facade_facing_a_lamp_is_lit_one_facing_away_is_dark():
    square = box(0, 20, 40, 50)
    area = make_area(squares=[("Torget", square)], buildings=[
        {"geometry": box(0, 0, 15, 15), "name": "Hus A", "street": "Torggatan", "number": "1"},
        {"geometry": box(25, 0, 40, 15), "name": "Hus B", "street": "Torggatan", "number": "3"},
    ])
    # one lamp in front of A's north wall, one behind B (south of it)
    lamps = lamp_table([(7.5, 18), (32.5, -3)])
    f = facade_lighting(area, lamps, square="Torget")
    assert f.square == "Torget"
    by = f.facades.groupby("building_name")
    assert set(by.groups) == {"Hus A", "Hus B"}  # only the walls facing the square
    a = f.facades[f.facades["building_name"] == "Hus A"]
    b = f.facades[f.facades["building_name"] == "Hus B"]
    assert not a["dark"].any() and b["dark"].all()
    assert b["length_m"].sum() == pytest.approx(15.0)
    assert b["address"].iloc[0] == "Torggatan 3"
    dark = f.dark
    assert list(dark["building_name"].unique()) == ["Hus B"]
    # a sample against the photometry directly
    s = f.samples[f.samples["building_name"] == "Hus A"].iloc[0]
    exact = vertical_illuminance(
        [P(7.5, 18), P(32.5, -3)], 5.0, I0, [[s.geometry.x, s.geometry.y]],
        [[s["normal_x"], s["normal_y"]]], point_height=1.5, distribution="lambertian",
        maintenance_factor=MF)[0]
    assert s["ev_lux"] == pytest.approx(exact, rel=1e-9)
    assert s["normal_y"] == pytest.approx(1.0)


def test_facades_behind_other_buildings_and_blocked_lamps():
    square = box(0, 20, 40, 50)
    area = make_area(squares=[("Torget", square)], buildings=[
        {"geometry": box(0, 0, 40, 15), "name": "Front"},
        {"geometry": box(0, -30, 40, -20), "name": "Back"},  # behind Front: hidden
    ])
    lamps = lamp_table([(20, -10)])  # between the two buildings
    f = facade_lighting(area, lamps, square=box(X0, Y0 + 20, X0 + 40, Y0 + 50), distance=60)
    assert set(f.facades["building_name"]) == {"Front"}
    assert f.facades["dark"].all()  # the lamp is behind Front's wall
    unblocked = facade_lighting(area, lamps, square=box(X0, Y0 + 20, X0 + 40, Y0 + 50),
                                distance=60, occlusion=False)
    assert "Back" in set(unblocked.facades["building_name"])


# ---- the real sample ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_job(sample_area, tmp_path_factory):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.maps.offline import install_assets

    install_assets()
    out = tmp_path_factory.mktemp("lighting")
    reports = write_sample_reports(sample_area, out / "synthetic_reports.csv", n=300, seed=7)
    # an owner's inventory: the first OSM lamp reported broken (merged with it), a new
    # working lamp on Senaatintori, and a row without a position (rejected)
    inventory = out / "inventory.csv"
    inventory.write_text(
        "id;lat;lon;höjd;ljusflöde;status\n"
        "L1;60.167470;24.952550;6;4000;trasig\n"
        "L2;60.169510;24.952270;5;3000;fungerande\n"
        "L3;;;5;3000;fungerande\n", encoding="utf-8")
    return run_lighting_gaps(sample_area, out=out / "job", lamps=inventory, reports=reports,
                             add_lamps=10, offline_html=True, lang="sv")


def test_sample_runs_end_to_end(sample_job):
    result = sample_job
    assert set(result.files) >= {"map", "gpkg", "csv"}
    assert all(p.exists() and p.stat().st_size > 0 for p in result.files.values())
    f = result.analysis.figures
    assert f["lamps_total"] == 587 and f["lamps_counted"] == 586  # one merged, one broken
    lamps = result.analysis.lamps
    broken = lamps[lamps["status"] == "broken"]
    assert len(broken) == 1 and broken["source"].item() == "both"
    assert not broken["counted"].item()
    rejects = pd.read_csv(result.files["lamp_rejects"])
    assert rejects["row"].tolist() == [4]
    assert any("inventory" in m for m in result.messages)
    assert 0 < f["compliant_share"] < 1
    assert f["gap_pieces"] > 0 and f["dark_reports_used"] > 0
    assert result.analysis.synthetic
    rec = result.recommendation
    assert len(rec.lamps) == 10
    assert rec.after["gap_exposure"] < rec.before["gap_exposure"]
    assert (rec.lamps["fixed_length_m"] + rec.lamps["fixed_area_m2"] > 0).all()
    assert "lamp data coverage" in result.messages[0]
    assert result.facades is not None and result.facades.square == "Senaatintori"
    assert len(result.facades.facades) > 0


def test_sample_files(sample_job):
    import pyogrio

    result = sample_job
    layers = {name for name, _ in pyogrio.list_layers(result.files["gpkg"])}
    expected = {"courtyards", "surfaces", "gaps", "path_gaps", "data_stretches", "uncovered",
                "lamps", "proposed_lamps", "facades", "illuminance", "about"}
    assert expected <= layers
    for name in expected - {"about"}:
        gdf = pyogrio.read_dataframe(result.files["gpkg"], layer=name)
        assert len(gdf) > 0, name
        assert gdf["synthetic_reports"].all(), name  # synthetic reports: labelled
    about = pyogrio.read_dataframe(result.files["gpkg"], layer="about").set_index("key")
    assert "SYNTHETIC" in about.loc["note", "value"]
    assert "share" in about.loc["lamp_data_coverage", "value"]
    header, csv = read_csv_with_header(result.files["csv"])
    assert any("Lampdata täcker" in line for line in header)
    assert any("SYNTHETIC" in line for line in header)
    assert csv["rank"].tolist() == list(range(1, len(csv) + 1))
    assert csv["exposure"].is_monotonic_decreasing
    for col in ("size", "reports_factor", "importance", "exposure", "nearest_street",
                "nearest_address", "gap_type", "lon", "lat", "synthetic_reports"):
        assert col in csv
    assert csv["synthetic_reports"].all()
    assert set(csv["gap_kind"]) == {"path_stretch", "dark_patch", "below_average"}
    html = result.files["map"].read_text(encoding="utf-8")
    assert "SYNTETISKA DATA" in html and "Föreslagna nya lampor" in html
    classes = illuminance_classes(result.analysis)
    assert classes["lux_class"].tolist() == list(range(6))


@pytest.mark.browser
def test_offline_lighting_map_in_the_browser(sample_job):
    from browser import chromium, severe_console_messages
    from helpers import LAYER_STATE_JS, wait_for

    result = sample_job
    with chromium() as driver:
        driver.get(result.files["map"].as_uri())
        wait_for(driver, "return !!(window.L && window.SJOBO_LAYERS && window.SJOBO_MAP)")
        state = driver.execute_script(LAYER_STATE_JS)
        messages = severe_console_messages(driver)
        legend = driver.find_element("id", "sjobo-legend").text
        figures = driver.find_element("id", "sjobo-lighting-figures").text
    expected = {f"lux_{i}" for i in range(6)} | {f"gaps_{t}" for t in GAP_TYPES} | {
        "courtyards", "uncovered", "lamp_data_missing", "dark_patches", "below_average",
        "lamps_working", "lamps_unknown", "lamps_broken", "proposed_lamps", "facades_dark",
        "facades_lit"}
    assert set(state) == expected
    for key, s in state.items():
        assert s["features"] >= s["expected"], (key, s)
        assert s["drawn"] == s["features"], (key, s)
    assert state["proposed_lamps"]["drawn"] == 10
    assert state["lux_0"]["drawn"] > 0 and state["gaps_lit_modelled_dark"]["drawn"] > 0
    assert messages == []
    assert "Belysning" in legend and "Föreslagna nya lampor" in legend
    assert "Senaatintori" in figures
