"""A whole patrol plan as objects: hot spots → candidate stops → route, areas and week.

:func:`plan_patrol` is what :func:`sjobo_geo.jobs.patrol.run_patrol` computes before it
writes anything: the police-presence scores of the hot spots, the candidate stops, the
shift's route (:class:`~.routes.PatrolPlan`), the patrol areas and a week of evenings, with
the start point and the messages, in one :class:`PatrolPlanResult`. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.analysis.patrol.areas import patrol_areas
from sjobo_geo.analysis.patrol.candidates import candidate_stops
from sjobo_geo.analysis.patrol.explain import check_start_time, clock_time, explain_top_units
from sjobo_geo.analysis.patrol.graph import RouteGraph
from sjobo_geo.analysis.patrol.routes import PatrolPlan, plan_route
from sjobo_geo.analysis.patrol.week import WEEK_KINDS, week_schedule
from sjobo_geo.core.progress import noop

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.analysis.hotspots import HotspotAnalysis
    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = ["PLAN_PATROL_STEPS", "PatrolPlanResult", "plan_patrol"]

#: Steps :func:`plan_patrol` reports to its ``progress`` callback, in order.
PLAN_PATROL_STEPS = ("analyse", "plan")


@dataclass
class PatrolPlanResult:
    """What :func:`plan_patrol` computed (GeoDataFrames in the area's metric CRS).

    Attributes
    ----------
    plan : PatrolPlan
        The shift's route: chosen stops in order, arrival minutes, length, time, node path.
    candidates : geopandas.GeoDataFrame
        Candidate stops (:func:`~.candidates.candidate_stops`) with ``status`` ("stop",
        "not chosen", "unreachable") and ``synthetic``.
    stops : geopandas.GeoDataFrame
        The chosen stops in visiting order: ``stop`` (1-based), the candidate's columns
        (``rank`` for police presence among all units, 1 the highest), ``arrival_min``,
        ``depart_min``, the clock times ``arrival`` and ``depart`` ("18:24"),
        ``synthetic``; geometry the snapped network node.
    route : geopandas.GeoDataFrame
        One row: ``length_m``, ``time_min``, ``walk_min``, ``stops``, ``nn_length_m``,
        ``synthetic`` and the route line.
    areas : geopandas.GeoDataFrame
        Patrol areas (:func:`~.areas.patrol_areas`) with ``synthetic``.
    week : pandas.DataFrame
        A week of evenings (:func:`~.week.week_schedule`) with the clock time ``arrival``
        and ``synthetic``.
    start : geopandas.GeoDataFrame
        One row: ``name`` (place name, "x,y" or "area centre"), ``node`` (as text) and the
        start node's point.
    start_node : object
        The start node id of the walk graph.
    hotspots : HotspotAnalysis
        The hot spot analysis the candidates come from.
    synthetic : bool
        Synthetic reports: every output must say so.
    params : dict
        The options used (``units``, ``shift_min``, ``speed_kmh``, ``stop_min``, ``seed``,
        ``n_candidates``, ``n_areas``, ``max_stops``, ``start``, ``start_time``).
    messages : list of str
        Summary lines and warnings for the user; one says why the unit ranked 1 for police
        presence is not visited, when it is not.
    top_units : pandas.DataFrame
        The 10 units ranked highest for police presence, each with the stop that visits it
        or the reason why not, with numbers (:func:`~.explain.explain_top_units`).
    start_time : str
        Clock time of the start ("18:00"); arrivals are minutes after it.
    """

    plan: PatrolPlan
    candidates: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    route: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    week: pd.DataFrame
    start: gpd.GeoDataFrame
    start_node: Any
    hotspots: HotspotAnalysis
    synthetic: bool
    params: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    top_units: pd.DataFrame = field(default_factory=pd.DataFrame)
    start_time: str = "18:00"

    @property
    def start_name(self) -> str:
        """Name of the start (place name, "x,y" or "area centre")."""
        return str(self.start["name"].iloc[0])


def start_point(area: Area, start: Any = None) -> tuple[tuple[float, float], str, list[str]]:
    """Where a patrol starts: a place name, an (x, y) pair or "x,y"; default the main square.

    Returns ``((x, y), name, messages)`` in the area's CRS; without a start and without a
    main square found, the area's centre (a point on its surface), said in ``messages``.

    Raises
    ------
    PatrolError
        A place name not in the gazetteer, or a start of another type.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> (x, y), name, _ = start_point(load_area("sample"), "1000,2000")
    >>> (x, y), name
    ((1000.0, 2000.0), '1000,2000')
    """
    import shapely

    messages: list[str] = []
    if start is None:
        name = area.profile.role("main_square") if hasattr(area.profile, "role") else None
        if name:
            try:
                p = shapely.point_on_surface(area.find(name).geometry)
                return (p.x, p.y), str(name), messages
            except SjoboGeoError:
                messages.append(f"main square {name!r} not found; starting at the area centre")
        p = shapely.point_on_surface(area.boundary)
        return (p.x, p.y), "area centre", messages
    if isinstance(start, str) and "," in start:
        try:
            x, y = (float(v) for v in start.split(","))
            return (x, y), f"{x:.0f},{y:.0f}", messages
        except ValueError:
            pass
    if isinstance(start, tuple | list) and len(start) == 2:
        return ((float(start[0]), float(start[1])), f"{start[0]:.0f},{start[1]:.0f}",
                messages)
    if isinstance(start, str):
        try:
            p = shapely.point_on_surface(area.find(start).geometry)
        except SjoboGeoError as exc:
            raise PatrolError(f"start {start!r}: {exc}") from None
        return (p.x, p.y), start, messages
    raise PatrolError(f"start must be a place name, 'x,y' or (x, y); got {start!r}")


def plan_patrol(
    area: Area,
    reports_or_hotspots: ReportSet | gpd.GeoDataFrame | HotspotAnalysis,
    *,
    shift_min: float = 120,
    start: Any = None,
    speed_kmh: float = 5.0,
    stop_min: float = 12,
    seed: int = 0,
    units: str = "grid",
    n_candidates: int = 30,
    n_areas: int = 3,
    max_stops: int | None = 5,
    start_time: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> PatrolPlanResult:
    """A patrol plan for one shift and a week of evenings, as objects (nothing written).

    Hot spots (:func:`~sjobo_geo.analysis.hotspots.analyse_hotspots`, unless given) →
    candidate stops (:func:`~.candidates.candidate_stops`) → the shift's route
    (:func:`~.routes.plan_route`) → patrol areas (:func:`~.areas.patrol_areas`) → a week of
    mon-fri evenings (:func:`~.week.week_schedule`).

    Parameters
    ----------
    area : Area
    reports_or_hotspots : ReportSet, geopandas.GeoDataFrame or HotspotAnalysis
        Validated reports (analysed for hot spots here; ``trafik`` reports also give the
        week's traffic stops), or a hot spot analysis already made (then the week has no
        traffic stops from reports, only crossings near schools).
    shift_min : float, default 120
        Time budget of the tour in minutes (walking plus stops).
    start : str or (x, y), optional
        Place name, "x,y" in the area CRS, or a pair; default the profile's main square.
    speed_kmh : float, default 5
        Walking speed.
    stop_min : float, default 12
        Minutes at each stop (10-15 is the usual advice).
    seed : int, default 0
        Seed of the unpredictable choice (another seed per shift gives another plan).
    units : {"grid", "segments"}
        Hot spot units the stops come from.
    n_candidates : int, default 30
        Largest number of candidate stops.
    n_areas : int, default 3
        Patrol areas to group the candidates into.
    max_stops : int or None, default 5
        Most stops per shift (2-5 is the usual advice); None: as many as the shift allows.
        The highest-priority reachable stop that fits the shift on its own is in, unless
        that costs more than a quarter of the priority the shift collects
        (:func:`~.routes.plan_route`, ``visit_top`` and ``top_cost``; the plan says so).
    start_time : str, optional
        Clock time of the start, "HH:MM"; default the profile's ``[patrol] start_time``
        (18:00 when it has none). Arrivals are given as clock times too.
    progress : callable, optional
        Called with each step of :data:`PLAN_PATROL_STEPS`.

    Returns
    -------
    PatrolPlanResult

    Raises
    ------
    PatrolError
        A budget that is not positive, no reachable candidate, or an unknown start.
    HotspotsError
        Too few reports for hot spots.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> area = load_area("sample")
    >>> patrol = plan_patrol(area, reports, shift_min=90, seed=1)  # doctest: +SKIP
    >>> patrol.stops[["stop", "nearest_street", "arrival", "why"]]  # doctest: +SKIP
    >>> patrol.plan.time_min <= 90  # doctest: +SKIP
    True
    >>> patrol.top_units[["rank", "nearest_street", "reason", "explanation"]]  # doctest: +SKIP
    """
    import geopandas as gpd
    import shapely

    from sjobo_geo.analysis.hotspots import HotspotAnalysis, analyse_hotspots

    if not shift_min > 0:
        raise PatrolError(f"shift_min must be positive; got {shift_min!r}")
    start_time = check_start_time(
        start_time if start_time is not None
        else getattr(getattr(area, "profile", None), "patrol_start_time", "18:00"))
    step = progress or noop
    step(PLAN_PATROL_STEPS[0])
    reports = None  # the week's traffic stops use the 'trafik' reports, when there are any
    if isinstance(reports_or_hotspots, HotspotAnalysis):
        analysis = reports_or_hotspots
    else:
        analysis = analyse_hotspots(area, reports_or_hotspots)
        reports = reports_or_hotspots
        if not hasattr(reports, "geometry"):  # a ReportSet
            reports = reports.reports
    synthetic = bool(analysis.synthetic)
    messages = list(analysis.messages)
    if reports is None:
        messages.append("hot spots given without reports: the week has no traffic stops "
                        "from 'trafik' reports")
    step(PLAN_PATROL_STEPS[1])
    rg = RouteGraph.from_graph(area.graph)
    cands = candidate_stops(analysis, rg, units=units, n_candidates=n_candidates)
    unit_table = getattr(analysis, units) if units in ("grid", "segments") else None
    if unit_table is not None:
        ranked = unit_table[unit_table["police_score"].to_numpy(dtype=float) > 0] \
            .sort_values("police_score", ascending=False, kind="stable")
        rank_of = {u: i for i, u in enumerate(ranked["unit_id"].astype(str), start=1)}
        cands.insert(1, "rank", cands["unit_id"].map(rank_of).astype("Int64"))
    if not cands["reachable"].any():
        raise PatrolError("no candidate stop is reachable on the walk network")
    (sx, sy), start_name, start_messages = start_point(area, start)
    messages.extend(start_messages)
    main = np.flatnonzero(rg.component)
    j = int(np.argmin(np.hypot(rg.xy[main, 0] - sx, rg.xy[main, 1] - sy)))
    start_node = rg.nodes[main[j]]
    reach = cands[cands["reachable"]]
    plan = plan_route(rg, start_node, list(reach["node"]), budget_min=shift_min,
                      speed_kmh=speed_kmh, stop_min=stop_min, seed=seed,
                      priorities=reach["priority"].to_numpy(), max_stops=max_stops)
    chosen = reach.iloc[plan.order].copy()
    chosen.insert(0, "stop", np.arange(1, len(chosen) + 1))
    chosen["arrival_min"] = plan.arrival_min
    chosen["depart_min"] = np.round(np.asarray(plan.arrival_min) + stop_min, 2)
    chosen["arrival"] = [clock_time(start_time, v) for v in chosen["arrival_min"]]
    chosen["depart"] = [clock_time(start_time, v) for v in chosen["depart_min"]]
    chosen["geometry"] = shapely.points(chosen[["node_x", "node_y"]].to_numpy())
    chosen = gpd.GeoDataFrame(chosen, geometry="geometry", crs=area.crs)
    chosen["synthetic"] = synthetic
    status = np.where(cands["reachable"], "not chosen", "unreachable")
    picked = set(reach.index[plan.order])
    status[list(picked)] = "stop"
    cands = cands.assign(status=status, synthetic=synthetic)
    areas = patrol_areas(cands, rg, getattr(analysis, units), n_areas=n_areas)
    areas["synthetic"] = synthetic
    start_pt = gpd.GeoDataFrame({"name": [start_name], "node": [str(start_node)]},
                                geometry=shapely.points([rg.xy[main[j]]]), crs=area.crs)
    route = gpd.GeoDataFrame({"length_m": [plan.length_m], "time_min": [plan.time_min],
                              "walk_min": [plan.walk_min], "stops": [len(plan.order)],
                              "nn_length_m": [plan.nn_length_m], "synthetic": [synthetic]},
                             geometry=[plan.geometry], crs=area.crs)
    week = week_schedule(cands, rg, area, shift_min=shift_min, start_node=start_node,
                         speed_kmh=speed_kmh, stop_min=stop_min, seed=seed,
                         reports=reports, max_stops=max_stops)
    week["synthetic"] = synthetic
    if "arrival_min" in week:
        week.insert(int(week.columns.get_loc("arrival_min")) + 1, "arrival",
                    [clock_time(start_time, v) for v in week["arrival_min"]])
    top = explain_top_units(unit_table, cands, plan, n=10, start_time=start_time,
                            n_candidates=n_candidates)
    tag = " (SYNTHETIC)" if synthetic else ""
    n_unreach = int((~cands["reachable"]).sum())
    messages.append(
        f"patrol{tag}: {len(chosen)} stops of {int(cands['reachable'].sum())} reachable "
        f"candidates, {plan.length_m:.0f} m walking, {plan.time_min:.0f} of "
        f"{shift_min:g} min (nearest neighbour: {plan.nn_length_m:.0f} m), start {start_time}")
    messages.extend(_top_messages(top))
    if n_unreach:
        messages.append(f"{n_unreach} candidate(s) unreachable on the walk network: "
                        + ", ".join(cands.loc[~cands['reachable'], 'unit_id']))
    messages.append(
        f"patrol week{tag}: {week['stop_id'].nunique()} distinct stops over "
        f"{week['evening'].nunique()} evenings ({len(week)} visits; kinds: " + ", ".join(
            f"{k} {int((week['kind'] == k).sum())}" for k in WEEK_KINDS) + ")")
    if len(chosen) < 2:
        messages.append("fewer than 2 stops fit the shift; lengthen it or shorten the stops")
    params = {"units": units, "shift_min": shift_min, "speed_kmh": speed_kmh,
              "stop_min": stop_min, "seed": seed, "n_candidates": n_candidates,
              "n_areas": n_areas, "max_stops": max_stops, "start": start_name,
              "start_time": start_time}
    return PatrolPlanResult(plan=plan, candidates=cands, stops=chosen, route=route,
                            areas=areas, week=week, start=start_pt, start_node=start_node,
                            hotspots=analysis, synthetic=synthetic, params=params,
                            messages=messages, top_units=top, start_time=start_time)


def _top_messages(top: pd.DataFrame) -> list[str]:
    """A line on the top units (how many visited, why the others not) and one on rank 1
    when it is not visited."""
    if top.empty:
        return []
    counts = top["reason"].value_counts()
    words = {"visited": "visited", "merged": "merged into another place",
             "unreachable": "unreachable", "not_candidate": "not a candidate",
             "budget": "beyond the time budget", "capped": "capped by max_stops",
             "per_minute": "lower priority per minute", "varied": "left out by the variation",
             "top_cost": "costing the shift too much priority",
             "not_chosen": "not chosen"}
    out = []
    first = top.iloc[0]
    if first["reason"] != "visited":
        out.append(f"rank 1 for police presence ({first['nearest_street'] or first['unit_id']}, "
                   f"score {first['police_score']:.2f}, {int(first['n_reports'])} reports) is "
                   f"not visited: {first['explanation']}")
    out.append(f"top {len(top)} for police presence: " + ", ".join(
        f"{int(counts[k])} {words[k]}" for k in words if k in counts))
    return out
