"""The places of a target in an analysis, and an inventory's rows for them.

:func:`target_places` says which path pieces and surfaces of a
:class:`~.analysis.LightingAnalysis` a target (:data:`~.coverage.TARGETS`: courtyards, the
main square, schoolyards, paths; never roads carrying cars) holds: the proposals
(:mod:`.proposals`) stand there. :func:`inventory_targets` lists, for a target, the lamps
the data already know there and one point per place the lamp data do not cover (each
stretch tagged lit with no lamp within reach, *lamp data missing*, :mod:`.coverage`; each
courtyard, schoolyard or main square without lamp data): the rows of the inventory template
(:func:`sjobo_geo.inputs.lamps.inventory_template`), which the job
:func:`sjobo_geo.jobs.lighting.run_lighting_inventory_template` writes. Filled in on site and
passed back as an inventory, they change the coverage and the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.lighting.analysis import nearest_names
from sjobo_geo.analysis.lighting.courtyards import surrounding_addresses
from sjobo_geo.analysis.lighting.coverage import (
    TEMPLATE_LAMP_DISTANCE_M,
    carries_cars,
    check_target,
)
from sjobo_geo.analysis.lighting.photometry import LightingError
from sjobo_geo.analysis.lighting.surfaces import geometry_array, main_square

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.analysis.lighting.analysis import LightingAnalysis

__all__ = ["TargetPlaces", "inventory_targets", "target_places"]


@dataclass
class TargetPlaces:
    """The places of a target in an analysis.

    Attributes
    ----------
    target : str
    pieces : numpy.ndarray of bool
        Path pieces in the target (``analysis.pieces`` rows).
    surface_kind : numpy.ndarray of str
        Per ``analysis.surfaces`` row: the target kind it counts as (``courtyard``,
        ``schoolyard``, ``main_square``, ``path``), ``""`` when outside the target.
    square : str
        Name of the main square (``""`` when the target has none or it was not found).
    notes : list of str
        What could not be found (no main square), for the messages.
    """

    target: str
    pieces: np.ndarray
    surface_kind: np.ndarray
    square: str = ""
    notes: list[str] = field(default_factory=list)


def target_places(analysis: LightingAnalysis, target: str = "all", *, square: Any = None,
                  cars: bool = False) -> TargetPlaces:
    """Which pieces and surfaces of an analysis a target holds.

    Parameters
    ----------
    analysis : LightingAnalysis
    target : {"courtyards", "square", "paths", "all"}, default "all"
        :data:`TARGETS`.
    square : str or geometry, optional
        The main square; the profile's ``main_square`` role by default
        (:func:`~.surfaces.main_square`). Squares and pedestrian areas of the analysis that
        overlap it by at least half (of the smaller) count as the main square.
    cars : bool, default False
        Count roads carrying cars (:data:`CAR_HIGHWAYS`) as paths too (the inventory
        template's ``all`` does: their lamps belong to the coverage).

    Returns
    -------
    TargetPlaces

    Raises
    ------
    LightingError
        An unknown target, or a square given that cannot be found.

    Examples
    --------
    >>> from sjobo_geo.analysis.lighting.analysis import analyse_lighting  # doctest: +SKIP
    >>> places = target_places(analyse_lighting(area), "courtyards")  # doctest: +SKIP
    >>> int(places.pieces.sum())  # doctest: +SKIP
    0
    """
    import shapely

    from sjobo_geo._errors import PlaceNotFoundError

    kinds = check_target(target)
    surfaces = analysis.surfaces
    pieces = analysis.pieces
    skind = surfaces["kind"].to_numpy(dtype=object)
    out = np.full(len(surfaces), "", dtype=object)
    notes: list[str] = []
    if "path" in kinds:
        is_path = skind == "path"
        ok = is_path & (cars | ~carries_cars(surfaces["highway"].to_numpy(dtype=object)))
        out[ok] = "path"
        piece_ok = cars | ~carries_cars(pieces["highway"].to_numpy(dtype=object))
    else:
        piece_ok = np.zeros(len(pieces), dtype=bool)
    for kind in ("courtyard", "schoolyard"):
        if kind in kinds:
            out[skind == kind] = kind
    name = ""
    if "main_square" in kinds:
        try:
            name, geom = main_square(analysis.area, square)
        except (LightingError, PlaceNotFoundError) as exc:
            if square is not None:
                raise
            notes.append(f"main square: not found ({exc})")
        else:
            rows = np.flatnonzero(np.isin(skind, ["square", "pedestrian_area"]))
            if len(rows):
                polys = geometry_array(surfaces)[rows]
                if shapely.area(geom) > 0:
                    inter = shapely.area(shapely.intersection(polys, geom))
                    smaller = np.minimum(shapely.area(polys), shapely.area(geom))
                    hit = inter >= 0.5 * np.maximum(smaller, 1e-9)
                else:
                    hit = shapely.dwithin(polys, geom, 5.0)
                out[rows[hit]] = "main_square"
            if not (out == "main_square").any():
                notes.append(f"main square {name}: no square surface in the model")
    piece_in = piece_ok & np.isin(pieces["surface_id"].to_numpy(dtype=object),
                                  surfaces["surface_id"].to_numpy(dtype=object)[out == "path"])
    return TargetPlaces(target=target, pieces=piece_in, surface_kind=out, square=name,
                        notes=notes)


def inventory_targets(
    analysis: LightingAnalysis,
    target: str = "all",
    *,
    square: Any = None,
    lamp_distance: float = TEMPLATE_LAMP_DISTANCE_M,
    lang: str | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The known lamps of a target and its places without lamp data: the inventory's rows.

    Parameters
    ----------
    analysis : LightingAnalysis
    target : {"courtyards", "square", "paths", "all"}, default "all"
        :data:`TARGETS`; ``all`` here is every place, roads carrying cars included: their
        lamps count in the coverage, so the inventory asks for them too.
    square : str or geometry, optional
        The main square (:func:`target_places`).
    lamp_distance : float, default 5
        Lamps up to this far from a target place belong to it
        (:data:`TEMPLATE_LAMP_DISTANCE_M`); with ``all``, every lamp of the analysis.
    lang : {"sv", "en"}, optional
        Language of the words in ``place`` ("nära Annankatu 2"); Swedish by default.

    Returns
    -------
    lamps : geopandas.GeoDataFrame
        The analysis' lamps (a standard lamp table) in the target, with ``place`` (the
        street, square or courtyard they belong to).
    missing : geopandas.GeoDataFrame
        One point per place without lamp data: every stretch tagged lit with no lamp in
        reach (``lamp_data_missing``, its middle) and every courtyard, schoolyard or square
        of the target whose lamp data cover less than
        :data:`~.coverage.SURFACE_COVERED_SHARE` (a point inside): ``kind`` (``path``,
        ``street`` for a road carrying cars, or the surface kind), ``lamp_data``,
        ``place`` (name, street or addresses), ``length_m`` (stretches), ``area_m2``
        (surfaces), ``surface_id``.

    Examples
    --------
    >>> lamps, missing = inventory_targets(analysis, "courtyards")  # doctest: +SKIP
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    places = target_places(analysis, target, square=square, cars=target == "all")
    surfaces = analysis.surfaces
    crs = analysis.crs
    # stretches tagged lit without a lamp in reach, on paths of the target
    st = analysis.data_stretches
    st = st[st["lamp_data"] == "lamp_data_missing"]
    path_ids = set(surfaces["surface_id"].to_numpy(dtype=object)[places.surface_kind == "path"])
    st = st[st["surface_id"].isin(path_ids)]
    st_pts = (shapely.line_interpolate_point(geometry_array(st), 0.5, normalized=True)
              if len(st) else np.array([], dtype=object))
    st_place = np.where(st["name"].notna().to_numpy(), st["name"].astype(str).to_numpy(),
                        st["highway"].astype(str).to_numpy()) if len(st) else np.zeros(0)
    # the courtyards, squares and schoolyards of the target, and those without lamp data
    t_rows = np.flatnonzero((places.surface_kind != "") & (places.surface_kind != "path"))
    t_name = _surface_names(surfaces.iloc[t_rows], analysis.area, lang)
    uncovered = ~surfaces["data_covered"].to_numpy(dtype=bool)[t_rows]
    s_rows, s_name = t_rows[uncovered], t_name[uncovered]
    srf = surfaces.iloc[s_rows]
    s_pts = (shapely.point_on_surface(geometry_array(srf)) if len(srf)
             else np.array([], dtype=object))
    missing = gpd.GeoDataFrame({
        "kind": np.concatenate([np.where(st["car_road"].to_numpy(dtype=bool), "street",
                                         "path").astype(object),
                                places.surface_kind[s_rows].astype(object)]),
        "lamp_data": np.concatenate([st["lamp_data"].to_numpy(dtype=object),
                                     srf["lamp_data"].to_numpy(dtype=object)]),
        "place": np.concatenate([np.asarray(st_place, dtype=object), s_name]),
        "surface_id": np.concatenate([st["surface_id"].to_numpy(dtype=object),
                                      srf["surface_id"].to_numpy(dtype=object)]),
        "length_m": np.concatenate([st["length_m"].to_numpy(dtype=np.float64),
                                    np.full(len(srf), np.nan)]),
        "area_m2": np.concatenate([np.full(len(st), np.nan),
                                   srf["area_m2"].to_numpy(dtype=np.float64)]),
    }, geometry=list(np.concatenate([st_pts, s_pts])) if len(st) + len(srf) else [], crs=crs)

    lamps = analysis.lamps
    if target == "all" or len(lamps) == 0:
        sel = np.arange(len(lamps))
    else:
        geoms = geometry_array(surfaces)[places.surface_kind != ""]
        if len(geoms):
            il, _ = shapely.STRtree(geoms).query(geometry_array(lamps), predicate="dwithin",
                                                 distance=lamp_distance)
            sel = np.unique(il)
        else:
            sel = np.zeros(0, dtype=np.int64)
    known = lamps.iloc[sel].copy()
    if len(known):  # the courtyard or square it stands in, else the nearest street
        pts = geometry_array(known)
        street, addr, _ = nearest_names(pts, analysis.area, max_distance=60.0)
        place = np.where(street != "", street, addr).astype(object)
        if len(t_rows):
            il, it = shapely.STRtree(geometry_array(surfaces)[t_rows]).query(
                pts, predicate="dwithin", distance=lamp_distance)
            place[il] = t_name[it]
        known["place"] = pd.Series(place, index=known.index, dtype=object)
    else:
        known["place"] = pd.Series([], dtype=object)
    return known.reset_index(drop=True), missing.reset_index(drop=True)


def _surface_names(srf: gpd.GeoDataFrame, area: Any, lang: str | None) -> np.ndarray:
    """Names of surfaces for people: their name, else (courtyards) the addresses around
    them, else "near <the nearest address>" (label ``near_address``)."""
    from sjobo_geo.core.i18n import label

    name = srf["name"].astype("string").fillna("").to_numpy(dtype=object)
    if len(srf) == 0:
        return name
    geoms = geometry_array(srf)
    around, _ = surrounding_addresses(geoms, area)
    _, addr, _ = nearest_names(geoms, area, max_distance=60.0)
    near = np.array([label("near_address", lang).format(address=a) if a else "" for a in addr],
                    dtype=object)
    return np.where(name != "", name, np.where(around != "", around, near))
