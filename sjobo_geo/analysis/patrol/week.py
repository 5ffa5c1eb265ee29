"""A week of evenings: one patrol tour per evening, revisits spread over the week.

:func:`week_schedule` plans over hot spots, schools and leisure places (promise 2) and
traffic spots (promise 3), damping a stop's priority for the evenings after a visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.analysis.patrol.graph import RouteGraph
from sjobo_geo.analysis.patrol.routes import plan_route
from sjobo_geo.core.crs import to_area_crs

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = ["WEEK_KINDS", "week_schedule"]


WEEK_KINDS = ("hotspot", "school", "leisure", "traffic")
_ROADS = frozenset({"residential", "tertiary", "secondary", "primary", "tertiary_link",
                    "secondary_link", "primary_link"})
_FOOTWAYS = frozenset({"footway", "path", "pedestrian", "cycleway", "steps", "crossing"})
# leisure kinds where children and young people spend evenings (promise 2); others count half
_YOUTH_KINDS = frozenset({"pitch", "sports_centre", "sports_hall", "community_centre",
                          "youth_centre", "playground", "fitness_station", "skatepark",
                          "recreation_ground", "track", "swimming_pool", "ice_rink",
                          "stadium", "club"})
_WEEKDAY_EVENINGS = frozenset({"mon", "tue", "wed", "thu", "fri"})


def _as_set(value: Any) -> set[str]:
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return set() if value is None else {str(value)}


def _node_streets(rg: RouteGraph) -> tuple[dict[Any, set[str]], dict[Any, str]]:
    """Highway values and one street name per node (from the incident edges)."""
    highways: dict[Any, set[str]] = {}
    names: dict[Any, str] = {}
    for u, v, d in rg.graph.edges(data=True):
        hw = _as_set(d.get("highway"))
        nm = sorted(n for n in _as_set(d.get("name")) if n and n != "nan")
        for node in (u, v):
            highways.setdefault(node, set()).update(hw)
            if nm and node not in names:
                names[node] = nm[0]
    # nodes on unnamed ways: the name of the nearest named node (within 150 m)
    named = [n for n in names if n in rg.index]
    unnamed = [n for n in rg.nodes if n not in names]
    if named and unnamed:
        from scipy.spatial import cKDTree

        ok = np.isfinite(rg.xy).all(axis=1)
        nxy = rg.xy[[rg.index[n] for n in named]]
        uxy = rg.xy[[rg.index[n] for n in unnamed]]
        d, j = cKDTree(nxy).query(np.where(np.isfinite(uxy), uxy, 0.0))
        for n, dd, jj in zip(unnamed, d, j, strict=True):
            if dd <= 150 and ok[rg.index[n]]:
                names[n] = names[named[int(jj)]]
    return highways, names


def _snap_main(rg: RouteGraph, xy: np.ndarray, max_snap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Row of the nearest main-component node per point, and whether it is within reach."""
    from scipy.spatial import cKDTree

    main = np.flatnonzero(rg.component & np.isfinite(rg.xy).all(axis=1))
    if len(xy) == 0:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    d, i = cKDTree(rg.xy[main]).query(xy)
    return main[np.asarray(i, dtype=np.int64)], np.asarray(d) <= max_snap_m


def _week_pools(candidates: gpd.GeoDataFrame, rg: RouteGraph, area: Area,
                reports: gpd.GeoDataFrame | None, *, place_floor: float,
                max_snap_m: float, place_share: float = 0.6) -> pd.DataFrame:
    """All week stops (hot spots, schools, leisure places, traffic spots), one per node."""
    import shapely

    rows: list[dict[str, Any]] = []
    hot = candidates[candidates["reachable"]] if "reachable" in candidates else candidates
    hot_xy = hot[["node_x", "node_y"]].to_numpy(dtype=float) if len(hot) else np.zeros((0, 2))
    hot_p = hot["priority"].to_numpy(dtype=float) if len(hot) else np.zeros(0)
    top = float(hot_p.max()) if hot_p.size else 1.0
    floor = place_floor * (top if top > 0 else 1.0)
    for r in hot.itertuples():
        rows.append({"stop_id": f"hotspot:{r.unit_id}", "kind": "hotspot", "node": r.node,
                     "name": r.nearest_street or str(r.unit_id), "base": float(r.priority),
                     "why": str(r.why)})
    _, street_of = _node_streets(rg)

    def nearby_score(xy: np.ndarray, radius: float = 250.0) -> np.ndarray:
        if not hot_p.size or not len(xy):
            return np.zeros(len(xy))
        d = np.hypot(xy[:, None, 0] - hot_xy[None, :, 0], xy[:, None, 1] - hot_xy[None, :, 1])
        return np.where(d <= radius, hot_p[None, :], 0.0).max(axis=1)

    layers = getattr(area, "layers", {})
    leisure_parts = [g for g in (layers.get("leisure"), layers.get("playgrounds"))
                     if g is not None and not g.empty]
    leisure = pd.concat(leisure_parts, ignore_index=True) if leisure_parts else None
    leis_xy = np.zeros((0, 2))
    if leisure is not None:
        lp = shapely.point_on_surface(leisure.geometry.to_numpy())
        leis_xy = np.column_stack([shapely.get_x(lp), shapely.get_y(lp)])
    schools = layers.get("schools")
    for kind, table in (("school", schools), ("leisure", leisure)):
        if table is None or table.empty:
            continue
        pts = shapely.point_on_surface(table.geometry.to_numpy())
        xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
        node_idx, ok = _snap_main(rg, xy, max_snap_m)
        score = nearby_score(xy)
        names = table["name"] if "name" in table else pd.Series([None] * len(table))
        kinds = table["kind"] if "kind" in table else pd.Series([kind] * len(table))
        for i in np.flatnonzero(ok):
            nm = names.iloc[i]
            nm = str(nm) if isinstance(nm, str) and nm else ""
            what = str(kinds.iloc[i]) if isinstance(kinds.iloc[i], str) else kind
            base = max(floor, place_share * float(score[i]))
            parts = []
            if kind == "school":
                near = (np.hypot(*(leis_xy - xy[i]).T) <= 300).sum() if len(leis_xy) else 0
                if near:
                    base *= 1.2
                    parts.append(f"{near} leisure place(s) within 300 m")
                why = f"promise 2: police visit at school {nm or what}"
            else:
                if what not in _YOUTH_KINDS:
                    base *= 0.5
                why = f"promise 2: police visit at leisure place ({what})"
            parts.append(f"hot spot score nearby {score[i]:.2f}"
                         if place_share * score[i] > floor
                         else f"priority floor {floor:.2f}")
            node = rg.nodes[node_idx[i]]
            rows.append({"stop_id": f"{kind}:{table['osm_id'].iloc[i]}" if "osm_id" in table
                         else f"{kind}:{i}", "kind": kind, "node": node,
                         "name": nm or f"{what} by {street_of.get(node, 'street')}",
                         "base": base, "why": "; ".join([why, *parts])})
    # traffic: crossings (footway meets road) within 150 m of a school, and trafik reports
    traffic_xy: list[np.ndarray] = []
    if schools is not None and not schools.empty:
        highways, _ = _node_streets(rg)
        cross = [n for n, hw in highways.items()
                 if hw & _ROADS and hw & _FOOTWAYS and rg.component[rg.index[n]]]
        if cross:
            cidx = np.array([rg.index[n] for n in cross], dtype=np.int64)
            cpts = shapely.points(rg.xy[cidx])
            sgeo = schools.geometry.to_numpy()
            dist = np.stack([shapely.distance(cpts, g) for g in sgeo], axis=1)
            nearest = dist.argmin(axis=1)
            dmin = dist[np.arange(len(cidx)), nearest]
            keep: list[int] = []
            for i in np.argsort(dmin, kind="stable"):
                if dmin[i] > 150:
                    break
                if keep and np.hypot(*(rg.xy[cidx[keep]] - rg.xy[cidx[i]]).T).min() < 60:
                    continue
                keep.append(int(i))
            for k in keep:
                node = rg.nodes[cidx[k]]
                sname = schools["name"].iloc[nearest[k]] if "name" in schools else None
                sname = sname if isinstance(sname, str) and sname else "school"
                road = street_of.get(node, "road")
                rows.append({"stop_id": f"traffic:crossing:{node}", "kind": "traffic",
                             "node": node, "name": road, "base": floor,
                             "why": f"promise 3: crossing of {road} by a footway, "
                                    f"{dmin[k]:.0f} m from {sname}"})
                traffic_xy.append(rg.xy[cidx[k]])
    if reports is not None and len(reports) and "category" in reports:
        rep = reports[reports["category"].astype(str) == "trafik"]  # in area.crs already
        rep = rep[~rep.geometry.is_empty & rep.geometry.notna()] if len(rep) else rep
        if len(rep):
            pts = shapely.point_on_surface(rep.geometry.to_numpy())
            xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
            node_idx, ok = _snap_main(rg, xy, max_snap_m)
            for ni in np.unique(node_idx[ok]):
                n_rep = int((node_idx[ok] == ni).sum())
                node = rg.nodes[ni]
                road = street_of.get(node, "street")
                rows.append({"stop_id": f"traffic:report:{node}", "kind": "traffic",
                             "node": node, "name": road, "base": floor * (1 + 0.5 * n_rep),
                             "why": f"promise 3: {n_rep} trafik report(s) near {road}"})
    pool = pd.DataFrame(rows, columns=["stop_id", "kind", "node", "name", "base", "why"])
    if pool.empty:
        return pool
    # one stop per node: the school/leisure/traffic label wins over a hot spot at the same
    # node (the visit serves both); the priority is the largest of them
    rank = {"school": 0, "leisure": 1, "traffic": 2, "hotspot": 3}
    pool["_rank"] = pool["kind"].map(rank)
    pool["_key"] = pool["node"].map(str)
    best = pool.groupby("_key")["base"].transform("max")
    whys = pool.groupby("_key")["why"].transform(lambda s: " | ".join(dict.fromkeys(s)))
    pool = pool.assign(base=best, why=whys).sort_values(["_rank", "base"], ascending=[True, False],
                                                        kind="stable")
    pool = pool.drop_duplicates("_key").drop(columns=["_rank", "_key"])
    return pool.reset_index(drop=True)


def week_schedule(candidates: gpd.GeoDataFrame, graph: Any, area: Area, *,
                  evenings: Sequence[str] = ("mon", "tue", "wed", "thu", "fri"),
                  shift_min: float = 120, start_node: Any, speed_kmh: float = 5,
                  stop_min: float = 12, seed: int = 0,
                  reports: gpd.GeoDataFrame | None = None, max_stops: int | None = 5,
                  damping: Sequence[float] = (0.3, 0.7), max_in_row: int = 2,
                  place_floor: float = 0.3, max_snap_m: float = 150.0) -> pd.DataFrame:
    """One patrol route per evening, with revisits spread unpredictably over the week.

    Stops
        ``hotspot``: the reachable ``candidates`` (:func:`candidate_stops`), priority their
        police score. ``school`` / ``leisure`` (promise 2): the area's ``schools`` and its
        ``leisure`` and ``playgrounds`` layers, snapped to the main network (at most
        ``max_snap_m``); priority 0.6 × the highest hot spot score within 250 m (hot spots,
        promise 1, stay first), at least the floor
        ``place_floor`` × the highest hot spot priority. Leisure kinds that are not youth
        places (theatre, library, cinema, ...) count half. Schools are candidates on weekday
        evenings only (mon-fri: evening sports and clubs use school halls) and count 1.2 ×
        when a leisure place lies within 300 m. ``traffic`` (promise 3): graph nodes where a
        footway/path/cycleway meets a residential, tertiary, secondary or primary road within
        150 m of a school (at least 60 m apart; OSM crossing nodes are not in the layers),
        priority the floor; and the nodes nearest to ``trafik`` ``reports``, priority
        floor × (1 + 0.5 × reports). Stops on the same node are merged.
    Evenings
        Each evening is a :func:`plan_route` tour (seeded jitter, a seed per evening drawn
        from ``seed``). A stop visited ``k`` evenings ago has its priority multiplied by
        ``damping[k-1]`` (factors multiply), and a stop visited on each of the last
        ``max_in_row`` evenings rests this evening when enough other stops remain. The best
        (damped) school/leisure place and traffic spot are forced into the tour when they fit
        the budget (tried in order of damped priority, a few each).
    CRS
        ``candidates`` and ``reports`` in another CRS than ``area.crs`` are reprojected to
        it; without a CRS they are refused (:class:`~sjobo_geo._errors.CRSError`).

    Each evening's tour keeps the budget: walking at ``speed_kmh`` plus ``stop_min`` minutes
    per stop within ``shift_min`` minutes, at most ``max_stops`` stops, from and back to
    ``start_node``.

    Returns
    -------
    pandas.DataFrame
        One row per stop: ``evening``, ``order`` (1-based), ``stop_id``, ``kind``, ``name``,
        ``arrival_min``, ``priority`` (the evening's damped priority, before jitter),
        ``why``, ``node``, ``x``, ``y``, ``tour_min`` and ``walk_m`` of the whole evening.

    Examples
    --------
    >>> week = week_schedule(candidates, graph, area, start_node=node,
    ...                      shift_min=120, stop_min=12)  # doctest: +SKIP
    >>> week.groupby("evening")["tour_min"].max()  # doctest: +SKIP
    """
    from scipy.sparse.csgraph import dijkstra

    candidates = to_area_crs(candidates, area.crs, "the candidates")
    reports = None if reports is None else to_area_crs(reports, area.crs, "the reports")
    rg = graph if isinstance(graph, RouteGraph) else RouteGraph.from_graph(graph)
    if start_node not in rg.index:
        raise PatrolError(f"start node {start_node!r} is not in the graph")
    cols = ["evening", "order", "stop_id", "kind", "name", "arrival_min", "priority", "why",
            "node", "x", "y", "tour_min", "walk_m"]
    pool = _week_pools(candidates, rg, area, reports, place_floor=place_floor,
                       max_snap_m=max_snap_m)
    if pool.empty:
        return pd.DataFrame({c: [] for c in cols})
    idx = np.array([rg.index[n] for n in pool["node"]], dtype=np.int64)
    from_start = dijkstra(rg.matrix, directed=False, indices=rg.index[start_node])[idx]
    m_per_min = speed_kmh * 1000.0 / 60.0
    solo_fits = 2 * from_start / m_per_min + stop_min <= shift_min + 1e-9
    base = pool["base"].to_numpy(dtype=float)
    kind = pool["kind"].to_numpy()
    seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, size=len(evenings))
    history: list[set[int]] = []
    rows: list[dict[str, Any]] = []
    for e, (evening, eseed) in enumerate(zip(evenings, seeds, strict=True)):
        weekday = str(evening).lower()[:3] in _WEEKDAY_EVENINGS
        prio = base.copy()
        for k, factor in enumerate(damping, start=1):
            if len(history) >= k:
                prio[list(history[-k])] *= factor
        allowed = np.ones(len(pool), bool)
        if not weekday:
            allowed &= kind != "school"
        if max_in_row and len(history) >= max_in_row:
            tired = set.intersection(*history[-max_in_row:])
            others = allowed.sum() - len(tired & set(np.flatnonzero(allowed)))
            if tired and others >= (max_stops or 5):
                allowed[list(tired)] = False
        ids = np.flatnonzero(allowed)

        def ranked(kinds: tuple[str, ...], ids: np.ndarray = ids,
                   prio: np.ndarray = prio) -> list[int]:
            sel = [int(i) for i in ids if kind[i] in kinds and solo_fits[i]]
            return sorted(sel, key=lambda i: (-prio[i], i))[:3]

        places, traffic = ranked(("school", "leisure")), ranked(("traffic",))
        tries = [(p, t) for p in places for t in traffic] + [(p, None) for p in places] \
            + [(None, t) for t in traffic] + [(None, None)]
        plan = None
        for p, t in tries:
            forced = [i for i in (p, t) if i is not None]
            use = prio[ids].copy()
            for i in forced:
                use[np.flatnonzero(ids == i)] = 1e6 * (1 + use.max())
            plan = plan_route(rg, start_node, list(pool["node"].iloc[ids]),
                              budget_min=shift_min, speed_kmh=speed_kmh,
                              stop_min=stop_min, seed=int(eseed), priorities=use,
                              max_stops=max_stops)
            picked = {int(ids[o]) for o in plan.order}
            if all(i in picked for i in forced):
                break
        assert plan is not None
        visited = [int(ids[o]) for o in plan.order]
        for k, (i, arr) in enumerate(zip(visited, plan.arrival_min, strict=True), start=1):
            why = pool["why"].iloc[i]
            last = [evenings[e - j] for j in range(1, len(history) + 1) if i in history[-j]]
            if last:
                ago = next(j for j in range(1, len(history) + 1) if i in history[-j])
                why += f"; last visited {last[0]}" + (" (priority damped)"
                                                      if ago <= len(damping) else "")
            rows.append({"evening": str(evening), "order": k, "stop_id": pool["stop_id"].iloc[i],
                         "kind": kind[i], "name": pool["name"].iloc[i], "arrival_min": arr,
                         "priority": round(float(prio[i]), 4), "why": why,
                         "node": pool["node"].iloc[i], "x": round(float(rg.xy[idx[i], 0]), 1),
                         "y": round(float(rg.xy[idx[i], 1]), 1), "tour_min": plan.time_min,
                         "walk_m": plan.length_m})
        history.append(set(visited))
    return pd.DataFrame(rows, columns=cols)
