"""Natural surveillance: visibility grid, observers, hidden places and vegetation actions."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import shapely

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.analysis.visibility import (
    CPTED_SETTINGS,
    VisibilityError,
    blockers_from_area,
    hidden_places,
    observer_points,
    vegetation_actions,
    visibility_grid,
)

CRS = "EPSG:3006"
X0, Y0 = 400_000.0, 6_170_000.0  # SWEREF 99 TM, near Sjöbo


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def xy(x, y):
    return (X0 + x, Y0 + y)


def fake_area(buildings=(), vegetation=(), paths=()):
    """An object with the layers the visibility functions read."""
    veg = list(vegetation)
    return SimpleNamespace(
        crs=CRS,
        buildings=gpd.GeoDataFrame({"kind": ["yes"] * len(buildings)},
                                   geometry=list(buildings), crs=CRS),
        vegetation=gpd.GeoDataFrame(
            {"osm_id": list(range(1, len(veg) + 1)), "kind": [k for k, _, _ in veg],
             "name": [None] * len(veg), "height": [h for _, _, h in veg]},
            geometry=[g for _, g, _ in veg], crs=CRS),
        paths=gpd.GeoDataFrame({"highway": ["footway"] * len(paths)},
                               geometry=list(paths), crs=CRS),
    )


def cell_centres(info):
    gx, gy = info.centres()
    return gx, gy


# ---- visibility grid ---------------------------------------------------------------------


def test_wall_hides_what_is_behind_it():
    place = box(0, 0, 40, 40)
    wall = box(10, 19, 30, 21)
    counts, cells, info = visibility_grid(place, [xy(20, 5)], [wall])
    assert info.shape == (40, 40) and info.cell_size == 1.0
    assert info.bounds == pytest.approx((X0, Y0, X0 + 40, Y0 + 40))
    gx, gy = cell_centres(info)
    # row 0 is the south edge
    assert gy[0, 0] < gy[-1, 0]
    # the wall's own cells are not part of the place
    assert (counts[19:21, 10:30] == -1).all()
    # in front of the wall: visible; straight behind it: hidden
    assert (counts[:19, :] == 1).all()
    assert (counts[22:, 17:24] == 0).all()
    # the shadow matches the exact 2D shadow (rays through the wall's far corners)
    behind = (gy > Y0 + 21) & (counts >= 0)
    sight = shapely.linestrings(
        np.stack([np.broadcast_to(xy(20, 5), (behind.sum(), 2)),
                  np.stack([gx[behind], gy[behind]], axis=1)], axis=1))
    exact_hidden = shapely.intersects(sight, wall)
    model_hidden = counts[behind] == 0
    assert (exact_hidden != model_hidden).sum() <= 0.03 * exact_hidden.sum()
    # cells table and hidden places agree with the grid
    assert len(cells) == (counts >= 0).sum()
    assert cells["hidden"].sum() == (counts == 0).sum()
    hidden = hidden_places(counts, info)
    assert hidden["area_m2"].sum() == pytest.approx((counts == 0).sum())
    assert hidden.geometry.iloc[0].area == pytest.approx(hidden["area_m2"].iloc[0])
    assert (hidden.geometry.iloc[0].centroid.y > Y0 + 21)


def test_thin_wall_between_cell_centres_does_not_leak():
    place = box(0, 0, 40, 40)
    wall = box(10, 19.5, 30, 20.5)  # 1 m thick, edges exactly on cell centres
    counts, _, _ = visibility_grid(place, [xy(20, 5)], [wall])
    assert (counts[22:, 17:24] == 0).all()


def test_line_blocker_and_max_distance():
    place = box(0, 0, 100, 10)
    hedge = shapely.LineString([xy(50, -5), xy(50, 15)])
    counts, _, info = visibility_grid(place, [xy(5, 5)], [hedge], max_distance=30)
    gx, _ = cell_centres(info)
    d = gx - (X0 + 5)
    assert (counts[(d > 31) & (counts >= 0)] == 0).all()  # beyond the sight distance
    assert (counts[:, 60:] == 0).all()  # behind the hedge
    assert (counts[:, :25] == 1).all()


def test_counts_monotone_in_observers():
    rng = np.random.default_rng(7)
    place = box(0, 0, 60, 60)
    blockers = [box(x, y, x + 6, y + 3) for x, y in rng.uniform(0, 55, (8, 2))]
    blockers += list(shapely.buffer(shapely.points(rng.uniform(X0, X0 + 60, (10, 2))
                                                   + [0, Y0 - X0]), 2.0))
    obs = rng.uniform(-20, 80, (60, 2)) + [X0, Y0]
    few, _, _ = visibility_grid(place, obs[:20], blockers)
    many, _, _ = visibility_grid(place, obs, blockers)
    assert ((few >= 0) == (many >= 0)).all()
    assert (few <= many).all()
    assert (many > few).any()
    assert many.max() <= len(obs)
    # each observer separately sums to the whole
    total = sum(visibility_grid(place, obs[i:i + 1], blockers).counts.clip(0)
                for i in range(20))
    assert (total == few.clip(0)).all()


# ---- observers ---------------------------------------------------------------------------


def test_facade_points_only_on_walls_facing_the_place():
    place = box(0, 0, 40, 40)
    north = box(5, 50, 35, 60)
    east = box(50, 5, 60, 35)
    far = box(0, 200, 10, 210)
    path = shapely.LineString([xy(-10, 45), xy(70, 45)])
    area = fake_area(buildings=[north, east, far], paths=[path])
    obs = observer_points(place, area, path_spacing=10, facade_spacing=5, radius=30)
    fac = obs[obs["kind"] == "facade"]
    fx, fy = fac.geometry.x.to_numpy() - X0, fac.geometry.y.to_numpy() - Y0
    south_wall = np.isclose(fy, 49.5) & (fx > 5) & (fx < 35)
    west_wall = np.isclose(fx, 49.5) & (fy > 5) & (fy < 35)
    assert (south_wall | west_wall).all()
    assert south_wall.sum() == 6 and west_wall.sum() == 6
    pth = obs[obs["kind"] == "path"]
    assert len(pth) >= 6
    assert np.allclose(pth.geometry.y - Y0, 45)
    assert (pth["distance_m"] <= 30 + 1e-9).all()
    assert obs.crs == CRS


def test_facade_points_in_a_courtyard_face_inwards():
    block = box(0, 0, 60, 60).difference(box(15, 15, 45, 45))
    yard = box(15, 15, 45, 45)
    obs = observer_points(yard, fake_area(buildings=[block]), facade_spacing=5)
    pts = shapely.get_coordinates(obs.geometry.values)
    assert len(pts) == 4 * 6
    assert shapely.contains_xy(yard, pts[:, 0], pts[:, 1]).all()


# ---- vegetation --------------------------------------------------------------------------


def test_removing_a_hedge_reveals_what_it_hid():
    place = box(0, 0, 40, 40)
    big = shapely.LineString([xy(8, 30), xy(32, 30)])
    small = shapely.LineString([xy(2, 12), xy(5, 12)])
    low = shapely.LineString([xy(20, 5), xy(30, 5)])  # tagged 0.5 m: already low
    tree = shapely.Point(xy(45, 45))  # in a corner nothing hides
    path = shapely.LineString([xy(0, 14), xy(10, 14)])  # 2 m from the small hedge
    area = fake_area(
        vegetation=[("hedge", big, None), ("hedge", small, None), ("hedge", low, "0.5"),
                    ("tree", tree, None)],
        paths=[path],
    )
    observer = np.array([xy(20, -20)])
    res = vegetation_actions(place, area, observer, settings="secured_by_design")
    ranked = res.ranked
    assert ranked["index"].iloc[0] == 0  # the big hedge first
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert 2 not in set(ranked["index"])  # the low hedge does not block
    # expected: open cells hidden from the observer only by the big hedge (exact 2D)
    counts, info = res.baseline.counts, res.baseline.info
    gx, gy = cell_centres(info)
    open_ = counts >= 0
    sight = shapely.linestrings(
        np.stack([np.broadcast_to(observer[0], (open_.sum(), 2)),
                  np.stack([gx[open_], gy[open_]], axis=1)], axis=1))
    hedge_shape = shapely.buffer(big, 0.5)  # hedge width 1 m
    expected = shapely.intersects(sight, hedge_shape).sum()
    got = ranked["revealed_m2"].iloc[0]
    assert expected > 50
    assert abs(got - expected) <= 2.0
    assert ranked["revealed_m2"].iloc[1] > 0  # the small hedge hides a little
    assert ranked["revealed_m2"].iloc[1] < got
    assert "1 m" in ranked["action"].iloc[0] and "Secured by Design" in ranked["action"].iloc[0]
    assert (counts == 0).sum() == pytest.approx(ranked["revealed_m2"].sum(), abs=1)
    # beside a path: the small hedge, with its length
    near = res.near_paths
    assert list(near["index"]) == [1]
    assert near["length_m"].iloc[0] == pytest.approx(3.0)
    assert near["distance_m"].iloc[0] == pytest.approx(2.0)
    assert "3 m" in near["action"].iloc[0]


def test_settings_name_their_sources():
    cpv, sbd = CPTED_SETTINGS["crime_prevention_victoria"], CPTED_SETTINGS["secured_by_design"]
    assert (cpv.shrub_max_height_m, cpv.crown_min_height_m, cpv.path_clearance_m) == (0.6, 1.8, 3)
    assert (sbd.shrub_max_height_m, sbd.crown_min_height_m) == (1.0, 2.0)
    assert "Crime Prevention Victoria" in cpv.source and "Secured by Design" in sbd.source


# ---- the sample --------------------------------------------------------------------------


def test_real_schoolyard_in_the_sample(sample_area):
    yards = sample_area.schoolyards
    yard = yards[yards["name"].str.contains("Kaisaniemen", na=False)]
    assert len(yard)
    obs = observer_points(yard, sample_area)
    assert {"path", "facade"} <= set(obs["kind"])
    blockers = blockers_from_area(yard, sample_area)
    assert {"building", "vegetation"} <= set(blockers["source"])
    counts, cells, info = visibility_grid(yard, obs, blockers)
    seen = counts[counts >= 0]
    assert len(seen) > 0.8 * yard.area.sum() and seen.max() > 0
    # the yard is watched from many points; its least-watched tenth is still somewhere
    threshold = int(np.percentile(seen, 10)) + 1
    hidden = hidden_places(counts, info, min_observers=threshold)
    assert len(hidden) > 0 and hidden["area_m2"].sum() > 0
    assert hidden.crs == sample_area.crs
    res = vegetation_actions(yard, sample_area, obs, min_observers=threshold)
    assert len(res.ranked) > 0
    assert (np.diff(res.ranked["revealed_m2"].to_numpy()) <= 0).all()


# ---- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("place", [
    shapely.Polygon(),
    shapely.LineString([(0, 0), (10, 0)]),
    gpd.GeoSeries([shapely.box(13.0, 55.6, 13.01, 55.61)], crs="EPSG:4326"),
    shapely.box(13.0, 55.6, 13.001, 55.601),  # degrees without a CRS
    None,
])
def test_bad_place_raises(place):
    with pytest.raises(VisibilityError) as err:
        visibility_grid(place, [(0, 0)], [])
    assert isinstance(err.value, ValueError) and isinstance(err.value, SjoboGeoError)


def test_bad_arguments_raise():
    place = box(0, 0, 10, 10)
    with pytest.raises(VisibilityError):
        visibility_grid(place, [xy(0, 0)], [], cell_size=0)
    with pytest.raises(VisibilityError):
        visibility_grid(place, [(np.nan, 0)], [])
    area = fake_area()
    area.crs = "EPSG:4326"
    with pytest.raises(VisibilityError):
        observer_points(place, area)
    with pytest.raises(VisibilityError):
        vegetation_actions(place, fake_area(), [xy(0, 0)], settings="nonsense")
