"""Patrol areas: the candidate stops grouped into a few compact areas on the walk network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo.analysis.patrol.candidates import busiest_hours
from sjobo_geo.analysis.patrol.graph import RouteGraph

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["patrol_areas"]


_WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")


def patrol_areas(candidates: gpd.GeoDataFrame, graph: Any, units: gpd.GeoDataFrame | None = None,
                 *, n_areas: int = 3, buffer_m: float = 40.0) -> gpd.GeoDataFrame:
    """Group reachable candidates into at most ``n_areas`` compact areas on the walk network.

    Complete-linkage clustering (:func:`scipy.cluster.hierarchy.linkage`) of the walking
    distances between the candidates' nodes. Each area: ``area_id`` (1 = highest summed
    priority), ``n_units``, ``priority`` (sum), ``max_walk_m`` (largest walking distance
    inside), ``peak_hours`` and ``weekdays`` (summed report profiles) and a polygon: the
    convex hull of its units (``units`` geometry by ``unit_id``, else the candidate
    points), buffered by ``buffer_m``. Candidates and units in another CRS than the
    graph's are reprojected to it (:meth:`RouteGraph.to_graph_crs`).

    Examples
    --------
    >>> areas = patrol_areas(candidates, graph, analysis.grid, n_areas=3)  # doctest: +SKIP
    >>> areas[["area_id", "n_units", "priority", "max_walk_m"]]  # doctest: +SKIP
    """
    import geopandas as gpd
    import shapely
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial.distance import squareform

    rg = graph if isinstance(graph, RouteGraph) else RouteGraph.from_graph(graph)
    candidates = rg.to_graph_crs(candidates, "the candidates")
    units = None if units is None else rg.to_graph_crs(units, "the units")
    cand = candidates[candidates["reachable"]].reset_index(drop=True)
    cols = ["area_id", "n_units", "priority", "max_walk_m", "unit_ids", "peak_hours",
            "weekdays"]
    if cand.empty:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=candidates.crs)
    idx = np.array([rg.index[n] for n in cand["node"]], dtype=np.int64)
    d = dijkstra(rg.matrix, directed=False, indices=idx)[:, idx]
    d = np.minimum(d, d.T)
    np.fill_diagonal(d, 0)
    if len(cand) == 1:
        labels = np.array([1])
    else:
        z = linkage(squareform(d, checks=False), method="complete")
        labels = fcluster(z, t=min(n_areas, len(cand)), criterion="maxclust")
    geoms = cand.geometry.to_numpy()
    if units is not None and "unit_id" in units:
        lookup = dict(zip(units["unit_id"].astype(str), units.geometry, strict=False))
        geoms = np.array([lookup.get(u, g) for u, g in zip(cand["unit_id"], geoms,
                                                            strict=True)], dtype=object)
    rows, polys = [], []
    for lab in np.unique(labels):
        sel = labels == lab
        hours = np.zeros(24, np.int64)
        days = np.zeros(7, np.int64)
        for h, w in zip(cand.loc[sel, "profile_hours"], cand.loc[sel, "profile_weekdays"],
                        strict=True):
            hv, wv = str(h).split(","), str(w).split(",")
            if len(hv) == 24 and all(v.isdigit() for v in hv):
                hours += np.array(hv, dtype=np.int64)
            if len(wv) == 7 and all(v.isdigit() for v in wv):
                days += np.array(wv, dtype=np.int64)
        rows.append({
            "n_units": int(sel.sum()),
            "priority": round(float(cand.loc[sel, "priority"].sum()), 4),
            "max_walk_m": round(float(d[np.ix_(sel, sel)].max()), 1),
            "unit_ids": ";".join(cand.loc[sel, "unit_id"]),
            "peak_hours": busiest_hours(",".join(map(str, hours))),
            "weekdays": ",".join(f"{_WEEKDAYS[i]} {days[i]}" for i in
                                 np.argsort(-days, kind="stable")[:3] if days[i] > 0),
        })
        polys.append(shapely.convex_hull(shapely.union_all(geoms[sel])).buffer(buffer_m))
    out = gpd.GeoDataFrame(rows, geometry=polys, crs=candidates.crs)
    out = out.sort_values("priority", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "area_id", np.arange(1, len(out) + 1))
    return out
