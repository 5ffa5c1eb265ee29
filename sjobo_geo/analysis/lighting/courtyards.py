"""Courtyards: which of them are dark, one row each, with the addresses around them.

Bostäder Borås asks "which of our courtyards are dark?". :func:`courtyard_lighting` answers
it from a :class:`~.analysis.LightingAnalysis`: every courtyard of the area
(``area.layers["courtyards"]``) with its size, the addresses or names of the buildings
around it, the lamps inside it, whether the lamp data cover it (:mod:`.coverage`), its mean
and least illuminance and the share below its class minimum (over the covered cells), a
rank and a verdict (:data:`COURTYARD_VERDICTS`). :func:`courtyard_table` is the same as a
plain table with the verdict in words (Swedish or English), for the CSV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.lighting.coverage import SURFACE_COVERED_SHARE, lamps_in_data
from sjobo_geo.analysis.lighting.surfaces import geometry_array

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from sjobo_geo.analysis.lighting.analysis import LightingAnalysis

__all__ = ["COURTYARD_DARK_SHARE", "COURTYARD_VERDICTS", "TOUCH_DISTANCE_M",
           "courtyard_lighting", "courtyard_table", "surrounding_addresses", "verdict_text"]

#: A courtyard is *modelled dark* when at least this share of its covered cells is below
#: its class minimum (the greater part of it: most of the yard is dark, not a corner).
COURTYARD_DARK_SHARE = 0.5
#: Buildings up to this far from a courtyard surround it, and lamps up to this far outside
#: it stand in it (metres): courtyards are the gaps between buildings, so the walls around
#: them touch them, and wall lamps hang on those walls.
TOUCH_DISTANCE_M = 1.0

#: Verdicts of a courtyard, worst first (the rank follows this order): key -> meaning. The
#: words for people are the labels ``cy_verdict_<key>`` (Swedish and English).
COURTYARD_VERDICTS: dict[str, str] = {
    "modelled_dark": "the lamp data cover it and at least half of it is below the class "
                     "minimum in the model",
    "partly_dark": "the lamp data cover it; part of it is below the class minimum",
    "partly_covered": "the lamp data reach less than half of it: judged only where they reach",
    "no_lamp_data": "no lamp of the data within reach: unknown, inventory it",
    "compliant": "the lamp data cover it and the model meets the class minimum everywhere",
}

_COLUMNS = ["rank", "courtyard_id", "surface_id", "verdict", "area_m2", "addresses",
            "n_buildings", "nearest_address", "streets", "lamps_inside", "lamps_in_reach",
            "data_covered", "covered_share", "p_class", "min_req_lux", "mean_lux", "min_lux",
            "below_min_share", "below_min_m2", "importance"]


def courtyard_lighting(analysis: LightingAnalysis) -> gpd.GeoDataFrame:
    """Every courtyard of the analysis, ranked darkest first, with a verdict.

    Parameters
    ----------
    analysis : LightingAnalysis

    Returns
    -------
    geopandas.GeoDataFrame
        One row per courtyard (polygons, the analysis' CRS): ``rank`` (1 = worst: modelled
        dark with the most square metres below the minimum first, then partly dark, partly
        covered, without lamp data (largest first), compliant last), ``courtyard_id``,
        ``surface_id``, ``verdict`` (:data:`COURTYARD_VERDICTS`), ``area_m2``,
        ``addresses`` (``addr:street`` and ``addr:housenumber``, else the name, of the
        buildings around it, ``; ``-separated), ``n_buildings``, ``nearest_address``
        (the nearest addressed building within 150 m, for courtyards whose buildings have
        none), ``streets`` (from the courtyards layer), ``lamps_inside`` (lamps of the data
        inside or on its edge, :data:`TOUCH_DISTANCE_M`), ``lamps_in_reach`` (lamps of the
        data whose reach touches it), ``data_covered``, ``covered_share`` (share of its
        cells the lamp data cover), ``p_class``, ``min_req_lux``, ``mean_lux``,
        ``min_lux``, ``below_min_share``, ``below_min_m2`` (over the covered cells; NaN
        without any), ``importance``.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> from sjobo_geo.analysis.lighting.analysis import analyse_lighting
    >>> yards = courtyard_lighting(analyse_lighting(load_area("sample")))  # doctest: +SKIP
    >>> yards[["rank", "addresses", "verdict"]].head()  # doctest: +SKIP
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from sjobo_geo.analysis.lighting.analysis import nearest_names

    area = analysis.area
    s = analysis.surfaces
    yards = s[(s["kind"] == "courtyard").to_numpy()]
    n = len(yards)
    if n == 0:
        return gpd.GeoDataFrame({c: [] for c in _COLUMNS}, geometry=[], crs=analysis.crs)
    geoms = geometry_array(yards)
    sid = yards["surface_id"].astype(str).to_numpy()
    cid = np.array([v.split(":", 1)[1] for v in sid], dtype=object)

    addresses, n_bld = surrounding_addresses(geoms, area)
    _, near_addr, _ = nearest_names(geoms, area)
    layer = area.layers["courtyards"]
    streets = np.full(n, "", dtype=object)
    if "streets" in layer and "courtyard_id" in layer:
        by_id = dict(zip(layer["courtyard_id"].astype(str), layer["streets"].fillna("")
                         .astype(str), strict=True))
        streets = np.array([by_id.get(c, "") for c in cid], dtype=object)

    # lamps of the data in it and within reach of it
    lamps = analysis.lamps
    inside = np.zeros(n, dtype=np.int64)
    in_reach = np.zeros(n, dtype=np.int64)
    data = lamps[lamps_in_data(lamps)] if len(lamps) else lamps
    if len(data):
        pts = geometry_array(data)
        reach = data["reach_m"].to_numpy(dtype=np.float64)
        iy, il = shapely.STRtree(pts).query(geoms, predicate="dwithin",
                                            distance=float(reach.max()))
        d = shapely.distance(geoms[iy], pts[il])
        inside = np.bincount(iy[d <= TOUCH_DISTANCE_M], minlength=n)
        in_reach = np.bincount(iy[d <= reach[il] + 1e-9], minlength=n)

    # illuminance over the covered cells (the analysis' surface figures)
    cell = analysis.grid_info.cell_size
    n_cells = yards["n_cells"].to_numpy(dtype=np.float64)
    cov = yards["covered_share"].to_numpy(dtype=np.float64)
    below_m2 = yards["below_min_m2"].to_numpy(dtype=np.float64)
    min_lux = yards["min_lux"].to_numpy(dtype=np.float64)
    req = yards["min_req_lux"].to_numpy(dtype=np.float64)
    cov_m2 = np.nan_to_num(cov) * n_cells * cell ** 2
    below_share = np.where(cov_m2 > 0, below_m2 / np.maximum(cov_m2, 1e-12), np.nan)
    tiny = (n_cells == 0) & (np.nan_to_num(cov) > 0)  # smaller than a cell: the point inside
    below_share[tiny] = (min_lux[tiny] < req[tiny] - 1e-9).astype(float)
    below_m2 = np.where(np.nan_to_num(cov) > 0, below_m2, np.nan)
    verdict = np.select(
        [np.nan_to_num(cov) <= 0, cov < SURFACE_COVERED_SHARE - 1e-12,
         below_share >= COURTYARD_DARK_SHARE - 1e-12, below_share > 0],
        ["no_lamp_data", "partly_covered", "modelled_dark", "partly_dark"], "compliant",
    ).astype(object)

    out = pd.DataFrame({
        "courtyard_id": cid, "surface_id": sid, "verdict": verdict,
        "area_m2": yards["area_m2"].to_numpy(dtype=np.float64), "addresses": addresses,
        "n_buildings": n_bld, "nearest_address": near_addr, "streets": streets,
        "lamps_inside": inside, "lamps_in_reach": in_reach,
        "data_covered": yards["data_covered"].to_numpy(dtype=bool), "covered_share": cov,
        "p_class": yards["p_class"].to_numpy(dtype=object), "min_req_lux": req,
        "mean_lux": yards["avg_lux"].to_numpy(dtype=np.float64), "min_lux": min_lux,
        "below_min_share": below_share, "below_min_m2": below_m2,
        "importance": yards["importance"].to_numpy(dtype=np.float64),
    })
    # worst first: the verdict's order, then within it what matters most there
    group = out["verdict"].map({k: i for i, k in enumerate(COURTYARD_VERDICTS)})
    key = np.where(out["verdict"].isin(["no_lamp_data"]), -out["area_m2"],
                   np.where(out["verdict"] == "compliant", out["mean_lux"].fillna(0.0),
                            -out["below_min_m2"].fillna(0.0)))
    order = np.lexsort((-out["area_m2"].to_numpy(), key, group.to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, n + 1, dtype=np.int64))
    return gpd.GeoDataFrame(out[_COLUMNS], geometry=list(geoms[order]), crs=analysis.crs)


def courtyard_table(courtyards: gpd.GeoDataFrame, lang: str | None = None) -> pd.DataFrame:
    """The courtyards as a plain table: the verdict in words, a position, rounded figures.

    Parameters
    ----------
    courtyards : geopandas.GeoDataFrame
        From :func:`courtyard_lighting`.
    lang : {"sv", "en"}, optional
        Language of ``verdict_text``; Swedish by default.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`courtyard_lighting` without geometry, ``verdict_text`` after
        ``verdict``, then ``lon``, ``lat`` (WGS84, a point inside).

    Examples
    --------
    >>> courtyard_table(courtyard_lighting(analysis), "en")  # doctest: +SKIP
    """
    import geopandas as gpd
    import shapely

    df = courtyards.drop(columns=courtyards.geometry.name).copy()
    df.insert(df.columns.get_loc("verdict") + 1, "verdict_text",
              [verdict_text(row, lang) for row in df.to_dict("records")])
    if len(courtyards):
        pts = shapely.point_on_surface(geometry_array(courtyards))
        ll = shapely.get_coordinates(gpd.GeoSeries(pts, crs=courtyards.crs).to_crs(4326)
                                     .values)
    else:
        ll = np.zeros((0, 2))
    df["lon"], df["lat"] = ll[:, 0].round(6), ll[:, 1].round(6)
    for col in ("area_m2", "below_min_m2"):
        df[col] = df[col].astype("float64").round(1)
    for col in ("covered_share", "mean_lux", "min_lux", "below_min_share", "importance"):
        df[col] = df[col].astype("float64").round(3)
    return df


def verdict_text(row: dict, lang: str | None = None) -> str:
    """One line saying what a courtyard's verdict means, with its figures (labels
    ``cy_verdict_<verdict>``).

    Examples
    --------
    >>> verdict_text({"verdict": "no_lamp_data", "p_class": "P4", "min_req_lux": 1.0,
    ...               "covered_share": 0.0, "below_min_share": float("nan"),
    ...               "mean_lux": float("nan")}, "en")
    'No lamp in the data reaches it: unknown, inventory its lamps'
    """
    from sjobo_geo.core.i18n import label

    def pct(v: float) -> str:
        return "–" if v != v else f"{100 * v:.0f}"

    mean = row.get("mean_lux", float("nan"))
    return label(f"cy_verdict_{row['verdict']}", lang).format(
        cls=row.get("p_class", ""), lux=f"{row.get('min_req_lux', float('nan')):g}",
        below=pct(row.get("below_min_share", float("nan"))),
        covered=pct(row.get("covered_share", float("nan"))),
        mean="–" if mean != mean else f"{mean:.1f}")


def surrounding_addresses(geoms: np.ndarray, area: Any, *, distance: float = TOUCH_DISTANCE_M,
                          most: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """The addresses (else names) of the buildings around each polygon, and their number.

    The area model keeps ``addr:street``, ``addr:housenumber`` and ``name`` of its buildings;
    a building touches a polygon when it lies within ``distance`` metres of it.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Polygons in the area's CRS (courtyards).
    area : Area
    distance : float, default 1
        :data:`TOUCH_DISTANCE_M`.
    most : int, default 6
        Addresses listed at most; more are counted (``; +3``).

    Returns
    -------
    (numpy.ndarray of str, numpy.ndarray of int)
        ``"Annankatu 2; Annankatu 4"`` (naturally sorted, ``""`` when none has an address
        or a name) and the number of buildings touching.

    Examples
    --------
    >>> surrounding_addresses(courtyards.geometry.values, area)  # doctest: +SKIP
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    addresses = np.full(n, "", dtype=object)
    n_bld = np.zeros(n, dtype=np.int64)
    b = area.layers["buildings"]
    if n == 0 or len(b) == 0:
        return addresses, n_bld
    text = _building_text(b)
    iy, ib = shapely.STRtree(geometry_array(b)).query(geoms, predicate="dwithin",
                                                      distance=distance)
    n_bld = np.bincount(iy, minlength=n).astype(np.int64)
    order = np.argsort(iy, kind="stable")
    iy, ib = iy[order], ib[order]
    bounds = np.searchsorted(iy, np.arange(n + 1))
    for y in range(n):
        found = sorted({t for t in text[ib[bounds[y]:bounds[y + 1]]] if t}, key=_natural)
        addresses[y] = "; ".join(found[:most]) + (f"; +{len(found) - most}"
                                                  if len(found) > most else "")
    return addresses, n_bld


def _building_text(b: gpd.GeoDataFrame) -> np.ndarray:
    """``addr:street addr:housenumber`` of each building, else its name, else ``""``."""
    import pandas as pd

    name = (b["name"].astype("string").fillna("") if "name" in b
            else pd.Series("", index=b.index, dtype="string"))
    if "addr:street" in b:
        num = (b["addr:housenumber"].astype("string").fillna("") if "addr:housenumber" in b
               else pd.Series("", index=b.index, dtype="string"))
        addr = (b["addr:street"].astype("string").fillna("") + " " + num).str.strip()
        addr = addr.where(b["addr:street"].notna(), "")
    else:
        addr = pd.Series("", index=b.index, dtype="string")
    return addr.where(addr != "", name).fillna("").to_numpy(dtype=object)


def _natural(text: str) -> tuple:
    """Sort key: ``Annankatu 2`` before ``Annankatu 10``."""
    import re

    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text))
