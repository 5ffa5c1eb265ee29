"""Lamp data coverage: where the lamp data can be trusted, and the places a target holds.

A photometric model only knows the lamps it is given. Where OSM maps few of them (central
Helsinki hangs most of its street lamps on wires across the street, and few of those are
mapped) the model finds darkness that is only missing data. This module says where the
lamp data can be trusted:

- a path piece, or a cell of a square, courtyard or schoolyard, is **covered** when a lamp
  of the data (mapped in OSM or in an owner's inventory, see :func:`lamps_in_data`) stands
  within its reach (:func:`lamp_reach`), or when OSM tags it unlit (``lit=no``: stated dark,
  no lamp is needed to know that);
- a stretch tagged lit (``lit=yes``) with no lamp within reach is **lamp data missing**
  (:data:`LAMP_DATA`): a class of its own, never "dark";
- a stretch with no lit tag and no lamp within reach: nothing is known (``no_lamp_data``).

Compliance, gaps and proposals (:mod:`.analysis`, :mod:`.proposals`) count covered places
only; the share of lit-tagged length that is covered is the area's **coverage**, stated by
every lighting output, and below :data:`COVERAGE_THRESHOLD` the outputs say they show where
lamps must be inventoried, not where it is dark.

:data:`TARGETS` are the kinds of places proposals and the inventory template look at
(courtyards, the main square, schoolyards and paths, never roads carrying cars,
:data:`CAR_HIGHWAYS`); :mod:`.targets` finds them in an analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.lighting.photometry import LightingError
from sjobo_geo.analysis.lighting.surfaces import geometry_array

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CAR_HIGHWAYS", "COVERAGE_THRESHOLD", "LAMP_DATA", "LAMP_DATA_STATUSES",
    "LAMP_REACH_HEIGHTS", "LAMP_REACH_MIN_M", "SURFACE_COVERED_SHARE",
    "TEMPLATE_LAMP_DISTANCE_M", "TARGETS", "carries_cars", "check_target",
    "coverage_message", "lamp_data_class", "lamp_reach", "lamps_in_data",
    "points_within_reach", "within_reach",
]

# --------------------------------------------------------------------------------------
# settings

#: Reach of a lamp, in mounting heights: a lamp *could light* what lies within
#: ``max(LAMP_REACH_HEIGHTS × height, LAMP_REACH_MIN_M)`` metres of it.
#:
#: Why 4 heights: street and footway lamps stand 3–5 mounting heights apart (the spacing to
#: height ratio of EN 13201 designs and of Swedish municipal lighting programmes), so along
#: a lit street every point lies within about 2.5 heights of a lamp; twice that (4 heights,
#: rounded down) still counts a point where one lamp of a row is missing from the data as
#: covered by its neighbours, and leaves a stretch with no lamp in 4 heights as one whose
#: lamps are not in the data. Beyond the reach a lamp of the default flux for its height
#: (:data:`sjobo_geo.inputs.lamps.DEFAULTS`) gives about 0.1 lx or less (5 m, 3,000 lm:
#: 0.11 lx at 20 m; 8 m, 10,000 lm: 0.14 lx at 32 m; maintenance factor 0.8), a tenth of
#: the P4 minimum: whatever lies farther from every lamp is dark in the model for lack of
#: lamps, not because a known lamp is too weak.
LAMP_REACH_HEIGHTS = 4.0
#: Smallest reach (metres): low lamps (bollards, 3–4 m park posts, wall lamps in courtyards)
#: stand 15–25 m apart in Swedish lighting programmes, so 20 m is where one of them still
#: plausibly lights a point.
LAMP_REACH_MIN_M = 20.0
#: Statuses of lamps that are lamp data (they stand there): working, unknown and broken (a
#: broken lamp is known, its darkness is real). Planned lamps do not stand there yet.
LAMP_DATA_STATUSES = ("working", "unknown", "broken")
#: Below this share of lit-tagged length covered, the outputs say they show where lamps must
#: be inventoried, not where it is dark: then most of what the model calls dark on lit
#: streets is missing data.
COVERAGE_THRESHOLD = 0.5
#: A square, courtyard or schoolyard is judged (below its class average, its verdict) when at
#: least this share of its cells is covered.
SURFACE_COVERED_SHARE = 0.5
#: Lamps up to this far outside a target place belong to it in the inventory template
#: (metres): wall lamps stand on the buildings around a courtyard, just outside its polygon.
TEMPLATE_LAMP_DISTANCE_M = 5.0

#: What the lamp data say of a path piece or a surface.
LAMP_DATA: dict[str, str] = {
    "lamp_in_reach": "a lamp of the data stands within reach: the model can be trusted",
    "tagged_unlit": "OSM lit=no: stated dark, no lamp needed to know it",
    "lamp_data_missing": "OSM lit=yes but no lamp of the data within reach: a lamp is "
                         "missing from the data (inventory it), not darkness",
    "no_lamp_data": "no lit tag and no lamp of the data within reach: nothing is known",
}
#: Classes of :data:`LAMP_DATA` that are covered.
COVERED_CLASSES = ("lamp_in_reach", "tagged_unlit")

#: OSM ``highway`` values of roads that carry cars: their lighting belongs to the street
#: lighting owner, and no lamp is proposed on them (living streets carry cars at walking
#: pace; a footway beside a road is not the road). The area model keeps no access tags
#: (``motor_vehicle=no``), so every way of these types counts as carrying cars: a proposal
#: is never put on a road that might.
CAR_HIGHWAYS = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "residential",
    "unclassified", "service", "living_street", "road",
})

#: Targets of proposals and of the inventory template: the kinds of places each holds.
#: ``main_square`` is the profile's main square (Sjöbo torg; Senaatintori in the sample);
#: ``path`` is every walkable way except roads carrying cars (:data:`CAR_HIGHWAYS`).
TARGETS: dict[str, tuple[str, ...]] = {
    "courtyards": ("courtyard",),
    "square": ("main_square",),
    "paths": ("path",),
    "all": ("courtyard", "main_square", "schoolyard", "path"),
}


# --------------------------------------------------------------------------------------
# reach


def lamp_reach(height_m: Any) -> np.ndarray:
    """Reach of lamps of these mounting heights (metres): ``max(4 × height, 20 m)``.

    See :data:`LAMP_REACH_HEIGHTS` and :data:`LAMP_REACH_MIN_M` for the reasons.

    Examples
    --------
    >>> lamp_reach([1.0, 5.0, 8.0]).tolist()
    [20.0, 20.0, 32.0]
    """
    h = np.asarray(height_m, dtype=np.float64)
    return np.maximum(LAMP_REACH_HEIGHTS * np.nan_to_num(h, nan=0.0), LAMP_REACH_MIN_M)


def lamps_in_data(lamps: gpd.GeoDataFrame) -> np.ndarray:
    """Which lamps of a lamp table are lamp data (:data:`LAMP_DATA_STATUSES`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> t = gpd.GeoDataFrame({"status": ["working", "planned", None]},
    ...                      geometry=gpd.points_from_xy([0, 1, 2], [0, 0, 0]))
    >>> lamps_in_data(t).tolist()
    [True, False, True]
    """
    if "status" not in lamps:
        return np.ones(len(lamps), dtype=bool)
    status = lamps["status"].astype("string").fillna("unknown").str.lower()
    return status.isin(LAMP_DATA_STATUSES).to_numpy(dtype=bool)


def _lamp_points(lamps: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(xy, reach) of the lamps that are lamp data."""
    import shapely

    use = lamps_in_data(lamps) if len(lamps) else np.zeros(0, dtype=bool)
    sub = lamps[use]
    if len(sub) == 0:
        return np.zeros((0, 2)), np.zeros(0)
    xy = shapely.get_coordinates(geometry_array(sub))
    return xy, lamp_reach(sub["mount_height_m"].to_numpy(dtype=np.float64))


def within_reach(geoms: np.ndarray, lamps: gpd.GeoDataFrame) -> np.ndarray:
    """Whether some lamp of the data stands within its reach of each geometry.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Lines, points or polygons in the lamps' CRS.
    lamps : geopandas.GeoDataFrame
        A standard lamp table (``mount_height_m``, ``status``).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> lamps = gpd.GeoDataFrame({"mount_height_m": [5.0], "status": ["unknown"]},
    ...                          geometry=gpd.points_from_xy([0.0], [0.0]))
    >>> within_reach(shapely.points([[19.0, 0.0], [21.0, 0.0]]), lamps).tolist()
    [True, False]
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms), dtype=bool)
    lxy, reach = _lamp_points(lamps)
    if len(geoms) == 0 or len(lxy) == 0:
        return out
    pts = shapely.points(lxy)
    ig, il = shapely.STRtree(pts).query(geoms, predicate="dwithin", distance=float(reach.max()))
    if len(ig):
        ok = shapely.distance(geoms[ig], pts[il]) <= reach[il] + 1e-9
        out[ig[ok]] = True
    return out


def points_within_reach(xy: np.ndarray, lamps: gpd.GeoDataFrame) -> np.ndarray:
    """Whether some lamp of the data stands within its reach of each point (fast, for cells).

    Examples
    --------
    >>> import geopandas as gpd
    >>> lamps = gpd.GeoDataFrame({"mount_height_m": [8.0], "status": ["working"]},
    ...                          geometry=gpd.points_from_xy([0.0], [0.0]))
    >>> points_within_reach([[31.0, 0.0], [33.0, 0.0]], lamps).tolist()
    [True, False]
    """
    from scipy.spatial import cKDTree

    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    out = np.zeros(len(xy), dtype=bool)
    lxy, reach = _lamp_points(lamps)
    if len(xy) == 0 or len(lxy) == 0:
        return out
    # one tree per reach value (few: heights come in steps), each point's nearest lamp of it
    for r in np.unique(reach):
        d, _ = cKDTree(lxy[reach == r]).query(xy, distance_upper_bound=r * (1 + 1e-9) + 1e-9)
        out |= np.isfinite(d)
    return out


def lamp_data_class(osm_lit: Any, in_reach: Any) -> np.ndarray:
    """The :data:`LAMP_DATA` class of places from their OSM lit status and lamp reach.

    Examples
    --------
    >>> lamp_data_class(["lit", "lit", "unlit", "unknown"], [True, False, False, False]).tolist()
    ['lamp_in_reach', 'lamp_data_missing', 'tagged_unlit', 'no_lamp_data']
    """
    lit = np.asarray(osm_lit, dtype=object)
    reach = np.asarray(in_reach, dtype=bool)
    return np.select([reach, lit == "unlit", lit == "lit"],
                     ["lamp_in_reach", "tagged_unlit", "lamp_data_missing"],
                     "no_lamp_data").astype(object)


def carries_cars(highway: Any) -> np.ndarray:
    """Whether OSM ``highway`` values are roads carrying cars (:data:`CAR_HIGHWAYS`; any
    part of ``"a;b"``).

    Examples
    --------
    >>> carries_cars(["footway", "residential", "footway;service", None]).tolist()
    [False, True, True, False]
    """
    values = np.asarray(highway, dtype=object)
    cache: dict[Any, bool] = {}
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        if v not in cache:
            parts = [p.strip() for p in str(v).split(";")] if isinstance(v, str) else []
            cache[v] = any(p in CAR_HIGHWAYS for p in parts)
        out[i] = cache[v]
    return out


def check_target(target: str) -> tuple[str, ...]:
    """The place kinds of a target (:data:`TARGETS`).

    Raises
    ------
    LightingError
        An unknown target.

    Examples
    --------
    >>> check_target("courtyards")
    ('courtyard',)
    """
    if target not in TARGETS:
        raise LightingError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    return TARGETS[target]


def coverage_message(coverage: dict[str, Any]) -> str:
    """The coverage in one line for the user (messages, CLI summary).

    Examples
    --------
    >>> coverage_message({"share": 0.4, "lit_length_m": 64000.0, "lamp_data_missing_m": 38000.0,
    ...                   "covered_length_m": 35000.0, "uncovered_length_m": 55000.0,
    ...                   "uncovered_share": 0.61, "threshold": 0.5, "below_threshold": True,
    ...                   "reach": "max(4 × mounting height, 20 m)"})[:62]
    'lamp data coverage: 40.0 % of the 64.0 km tagged lit (lit=yes)'
    """
    share = coverage["share"]
    if share != share:  # NaN: nothing tagged lit
        head = "lamp data coverage: no way is tagged lit (lit=yes) in OSM, cannot be stated"
    else:
        head = (f"lamp data coverage: {100 * share:.1f} % of the "
                f"{coverage['lit_length_m'] / 1000:.1f} km tagged lit (lit=yes) have a mapped "
                f"or inventoried lamp within reach ({coverage['reach']}); "
                f"{coverage['lamp_data_missing_m'] / 1000:.1f} km tagged lit have none: "
                "lamp data missing, not darkness")
    text = (f"{head}. Compliance, gaps and proposals count covered places only "
            f"({coverage['covered_length_m'] / 1000:.1f} km of path); uncovered "
            f"{coverage['uncovered_length_m'] / 1000:.1f} km "
            f"({100 * coverage['uncovered_share']:.1f} %) left out")
    if coverage["below_threshold"]:
        text += (f". BELOW {100 * coverage['threshold']:.0f} %: these outputs show where "
                 "lamps must be inventoried, not where it is dark")
    return text
