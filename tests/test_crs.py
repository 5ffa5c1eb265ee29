"""The CRS at the door of every analysis: inputs reprojected to the area's CRS, or refused.

WGS84 reports must give the same hot spots as the same reports in the area's CRS (degrees
read as metres gave a bandwidth of 0 m and nothing significant), and a frame without a CRS
is refused with an error naming both CRSs, for reports, lamps, visibility and patrol inputs.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from sjobo_geo._errors import CRSError
from sjobo_geo.core.crs import crs_name, is_metric, to_area_crs

WGS84 = "EPSG:4326"


def _no_crs(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same rows and points with no CRS at all."""
    out = gpd.GeoDataFrame(pd.DataFrame(frame.drop(columns=frame.geometry.name)),
                           geometry=frame.geometry.to_numpy())
    assert out.crs is None
    return out


def _assert_names_both(err: pytest.ExceptionInfo, area_crs) -> None:
    msg = str(err.value)
    assert "without a CRS" in msg and crs_name(area_crs) in msg, msg


@pytest.fixture(scope="module")
def report_set(tmp_path_factory, sample_area):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.inputs.reports.validate import load_reports

    src = write_sample_reports(sample_area, tmp_path_factory.mktemp("crs") / "reports.csv",
                               n=300, seed=3)
    return load_reports(src, sample_area)


@pytest.fixture(scope="module")
def analyses(sample_area, report_set):
    """Hot spots of the same reports, given in the area's CRS and in WGS84."""
    from sjobo_geo.analysis.hotspots import analyse_hotspots

    reports = report_set.reports
    assert reports.crs == sample_area.crs and not is_metric(WGS84)
    return (analyse_hotspots(sample_area, reports),
            analyse_hotspots(sample_area, reports.to_crs(WGS84)))


# ---- the helper ----------------------------------------------------------------------------


def test_to_area_crs_keeps_reprojects_or_refuses(sample_area, report_set):
    reports = report_set.reports
    area_crs = sample_area.crs
    # already in the area's CRS: the very same objects, frame and report set alike
    assert to_area_crs(reports, area_crs, "the reports") is reports
    assert to_area_crs(report_set, area_crs, "the reports") is report_set
    # another CRS: a reprojected copy, the input untouched
    wgs = reports.to_crs(WGS84)
    back = to_area_crs(wgs, area_crs, "the reports")
    assert back.crs == area_crs and wgs.crs == WGS84
    np.testing.assert_allclose(back.geometry.x, reports.geometry.x, atol=1e-6)
    moved = dataclasses.replace(report_set, reports=wgs)
    placed = to_area_crs(moved, area_crs, "the reports")
    assert placed is not moved and placed.reports.crs == area_crs and moved.reports.crs == WGS84
    assert placed.synthetic and placed.accepted == report_set.accepted
    # no CRS: refused, naming both
    with pytest.raises(CRSError) as err:
        to_area_crs(_no_crs(reports), area_crs, "the reports")
    _assert_names_both(err, area_crs)
    # no area CRS known: a metric frame passes as it is, degrees and no CRS do not
    assert to_area_crs(reports, None, "the reports") is reports
    with pytest.raises(CRSError, match="EPSG:4326.*not in metres"):
        to_area_crs(wgs, None, "the reports")
    with pytest.raises(CRSError, match="without a CRS"):
        to_area_crs(_no_crs(reports), None, "the reports")
    # an area in degrees cannot be measured in
    with pytest.raises(CRSError, match="EPSG:4326, which is not a metric CRS"):
        to_area_crs(reports, WGS84, "the reports")


# ---- hot spots -----------------------------------------------------------------------------


def test_wgs84_reports_give_the_same_hotspots(analyses):
    native, wgs = analyses
    assert native.bandwidth > 10  # metres, not degrees
    assert wgs.bandwidth == pytest.approx(native.bandwidth, rel=1e-6)
    assert wgs.cell_size == native.cell_size
    for a, b in ((native.grid, wgs.grid), (native.segments, wgs.segments)):
        assert a.crs == b.crs
        np.testing.assert_array_equal(a["n_reports"], b["n_reports"])
        np.testing.assert_allclose(a["gi_z"], b["gi_z"], atol=1e-9)
        assert a["gi_class"].tolist() == b["gi_class"].tolist()
        np.testing.assert_allclose(a["police_score"], b["police_score"], atol=1e-9)
    assert (native.grid["gi_class"] != "not significant").any()
    np.testing.assert_allclose(native.contours.area, wgs.contours.area, rtol=1e-3)


def test_hotspot_inputs_without_crs_are_refused(sample_area, report_set, analyses):
    from sjobo_geo.analysis.hotspots import analyse_hotspots, before_after, public_view

    bare = _no_crs(report_set.reports)
    with pytest.raises(CRSError) as err:
        analyse_hotspots(sample_area, bare)
    _assert_names_both(err, sample_area.crs)
    with pytest.raises(CRSError) as err:
        before_after(sample_area, bare)
    _assert_names_both(err, sample_area.crs)
    with pytest.raises(CRSError) as err:
        public_view(analyses[0], bare)
    _assert_names_both(err, sample_area.crs)


def test_before_after_and_public_view_reproject(sample_area, report_set, analyses):
    from sjobo_geo.analysis.hotspots import before_after, public_view

    reports = report_set.reports
    wgs = reports.to_crs(WGS84)
    split = reports["timestamp"].dropna().median()
    ref = before_after(sample_area, reports, split=split, min_reports=3)
    assert ref["before"].sum() + ref["after"].sum() > 0
    pd.testing.assert_frame_equal(before_after(sample_area, wgs, split=split, min_reports=3),
                                  ref)
    a = public_view(analyses[0], reports, k=3)
    b = public_view(analyses[0], wgs, k=3)
    assert len(a.profiles) > 0
    pd.testing.assert_frame_equal(a.profiles, b.profiles)
    assert a.grid["profile_hours"].tolist() == b.grid["profile_hours"].tolist()


def test_public_aggregate_refuses_degrees_and_no_crs(report_set):
    from sjobo_geo.analysis.privacy import public_aggregate

    assert len(public_aggregate(report_set, k=1)) > 0
    with pytest.raises(CRSError, match="EPSG:4326"):
        public_aggregate(report_set.reports.to_crs(WGS84))
    with pytest.raises(CRSError, match="without a CRS"):
        public_aggregate(_no_crs(report_set.reports))


# ---- lighting ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lamps(sample_area):
    from sjobo_geo.inputs.lamps import lamps_from_osm

    return lamps_from_osm(sample_area)


def test_lamps_are_reprojected_or_refused(sample_area, report_set, lamps):
    from sjobo_geo.analysis.lighting import analyse_lighting
    from sjobo_geo.analysis.lighting.analysis import check_lamp_table

    assert len(lamps) and lamps.crs == sample_area.crs
    placed = check_lamp_table(lamps.to_crs(WGS84), sample_area.crs)
    assert placed.crs == sample_area.crs
    np.testing.assert_allclose(placed.geometry.x, lamps.geometry.x, atol=1e-6)
    np.testing.assert_allclose(placed.geometry.y, lamps.geometry.y, atol=1e-6)
    # refused before any modelling: lamps without a CRS, and reports without one
    with pytest.raises(CRSError) as err:
        analyse_lighting(sample_area, _no_crs(lamps))
    _assert_names_both(err, sample_area.crs)
    assert "the lamps" in str(err.value)
    with pytest.raises(CRSError) as err:
        analyse_lighting(sample_area, lamps, reports=_no_crs(report_set.reports))
    _assert_names_both(err, sample_area.crs)


def test_facade_lighting_with_wgs84_lamps(sample_area, lamps):
    from sjobo_geo.analysis.lighting import facade_lighting

    native = facade_lighting(sample_area, lamps, distance=20)
    wgs = facade_lighting(sample_area, lamps.to_crs(WGS84), distance=20)
    assert len(native.samples) > 0 and native.samples["ev_lux"].max() > 0
    np.testing.assert_allclose(wgs.samples["ev_lux"], native.samples["ev_lux"], rtol=1e-6,
                               atol=1e-9)
    with pytest.raises(CRSError):
        facade_lighting(sample_area, _no_crs(lamps), distance=20)


# ---- visibility ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def yard(sample_area):
    yards = sample_area.schoolyards
    return yards[yards["name"].str.contains("Kaisaniemen", na=False)]


def test_visibility_reprojects_or_refuses(sample_area, yard):
    from sjobo_geo.analysis.visibility import (
        VisibilityError,
        blockers_from_area,
        observer_points,
        visibility_grid,
    )

    obs = observer_points(yard, sample_area, radius=30)
    # the place in WGS84 gives the same observers: reprojected to the area's CRS
    obs_wgs = observer_points(yard.to_crs(WGS84), sample_area, radius=30)
    assert obs_wgs.crs == sample_area.crs and len(obs_wgs) == len(obs)
    np.testing.assert_allclose(obs_wgs.geometry.x, obs.geometry.x, atol=1e-3)
    blockers = blockers_from_area(yard, sample_area, radius=60)
    ref = visibility_grid(yard, obs, blockers, cell_size=2.0, max_distance=40)
    assert (ref.counts > 0).any()
    # observers in WGS84 are reprojected to the place's CRS
    again = visibility_grid(yard, obs.to_crs(WGS84), blockers, cell_size=2.0, max_distance=40)
    np.testing.assert_array_equal(again.counts, ref.counts)
    assert again.cells.crs == sample_area.crs
    # observers without a CRS beside a place with one: refused, naming both
    with pytest.raises(CRSError) as err:
        visibility_grid(yard, _no_crs(obs), blockers, cell_size=2.0, max_distance=40)
    _assert_names_both(err, sample_area.crs)
    assert isinstance(err.value, VisibilityError)
    # a place without a CRS given to an area in one
    with pytest.raises(CRSError) as err:
        observer_points(_no_crs(yard), sample_area)
    _assert_names_both(err, sample_area.crs)


# ---- patrol --------------------------------------------------------------------------------


def test_patrol_units_are_reprojected_to_the_graph(sample_area, report_set, analyses):
    from sjobo_geo.analysis.patrol import RouteGraph, candidate_stops, week_schedule

    rg = RouteGraph.from_graph(sample_area.graph)
    assert rg.crs is not None and is_metric(rg.crs)
    grid = analyses[0].grid
    native = candidate_stops(grid, rg, n_candidates=10)
    wgs = candidate_stops(grid.to_crs(WGS84), rg, n_candidates=10)
    assert len(native) > 0 and wgs.crs == native.crs
    assert wgs["unit_id"].tolist() == native["unit_id"].tolist()
    assert wgs["node"].tolist() == native["node"].tolist()
    with pytest.raises(CRSError) as err:
        candidate_stops(_no_crs(grid), rg, n_candidates=10)
    assert "the walk graph" in str(err.value)
    _assert_names_both(err, rg.crs)
    start = rg.nodes[np.flatnonzero(rg.component)[0]]
    with pytest.raises(CRSError) as err:
        week_schedule(native, rg, sample_area, start_node=start,
                      reports=_no_crs(report_set.reports))
    _assert_names_both(err, sample_area.crs)


def test_distance_to_refuses_degrees():
    import shapely

    from sjobo_geo.analysis.scoring import distance_to

    targets = gpd.GeoSeries([shapely.Point(24.94, 60.17)], crs=WGS84)
    with pytest.raises(CRSError, match="EPSG:4326"):
        distance_to(shapely.points([(0.0, 0.0)]), targets)
