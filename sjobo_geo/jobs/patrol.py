"""The patrol job: reports → hot spots → candidate stops → route, areas, week → files and map.

:func:`run_patrol` runs it all and writes ``patrol.html``, ``patrol.gpx``, ``patrol.gpkg``,
``patrol_plan.csv``, ``patrol.png`` and ``patrol_week.csv``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.analysis.patrol.areas import patrol_areas
from sjobo_geo.analysis.patrol.candidates import candidate_stops
from sjobo_geo.analysis.patrol.graph import RouteGraph
from sjobo_geo.analysis.patrol.routes import PatrolPlan, plan_route
from sjobo_geo.analysis.patrol.week import WEEK_KINDS, week_schedule
from sjobo_geo.core.progress import noop
from sjobo_geo.maps.gpx import write_gpx

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = ["PATROL_STEPS", "PatrolResult", "run_patrol"]


PATROL_STEPS = ("load area", "read reports", "analyse", "plan", "write files", "write map")


@dataclass
class PatrolResult:
    """What :func:`run_patrol` produced."""

    plan: PatrolPlan
    candidates: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    synthetic: bool
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _start_xy(area: Area, start: Any, messages: list[str]) -> tuple[tuple[float, float], str]:
    """Start point from a place name, an (x, y) pair or "x,y"; default the main square."""
    import shapely

    if start is None:
        name = area.profile.role("main_square") if hasattr(area.profile, "role") else None
        if name:
            try:
                g = area.find(name).geometry
                p = shapely.point_on_surface(g)
                return (p.x, p.y), str(name)
            except SjoboGeoError:
                messages.append(f"main square {name!r} not found; starting at the area centre")
        p = shapely.point_on_surface(area.boundary)
        return (p.x, p.y), "area centre"
    if isinstance(start, str) and "," in start:
        try:
            x, y = (float(v) for v in start.split(","))
            return (x, y), f"{x:.0f},{y:.0f}"
        except ValueError:
            pass
    if isinstance(start, tuple | list) and len(start) == 2:
        return (float(start[0]), float(start[1])), f"{start[0]:.0f},{start[1]:.0f}"
    if isinstance(start, str):
        try:
            p = shapely.point_on_surface(area.find(start).geometry)
        except SjoboGeoError as exc:
            raise PatrolError(f"start {start!r}: {exc}") from None
        return (p.x, p.y), start
    raise PatrolError(f"start must be a place name, 'x,y' or (x, y); got {start!r}")


def run_patrol(
    reports_file: str | Path,
    area: Any = "sample",
    *,
    out: str | Path,
    shift_minutes: float = 120,
    start: Any = None,
    speed_kmh: float = 5.0,
    stop_minutes: float = 12,
    seed: int = 0,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Callable[[str], None] | None = None,
    units: str = "grid",
    n_candidates: int = 30,
    n_areas: int = 3,
    max_stops: int | None = 5,
    measures: Any = None,
) -> PatrolResult:
    """A patrol plan from a report file: ``patrol.html``, ``patrol.gpx``, ``patrol.gpkg``,
    ``patrol_plan.csv``, ``patrol_week.csv`` (:func:`week_schedule`, mon-fri evenings) and
    ``patrol.png`` in ``out``.

    Parameters
    ----------
    reports_file : path
        Report export, read by :func:`sjobo_geo.inputs.reports.validate.load_reports`.
    area : str, path or Area
    out : path
        Output folder (created).
    shift_minutes : float, default 120
        Time budget of the tour (walking plus stops).
    start : str or (x, y), optional
        Place name, "x,y" in the area CRS, or a pair; default the profile's main square.
    speed_kmh : float, default 5
    stop_minutes : float, default 12
        Minutes at each stop (10-15 is the usual advice).
    seed : int, default 0
        Seed of the unpredictable choice (another seed per shift gives another plan).
    offline_html : bool
    lang : {"sv", "en"}, optional
    progress : callable, optional
        Called with each step name of :data:`PATROL_STEPS`.
    units : {"grid", "segments"}
        Hot spot units the stops come from.
    n_candidates : int, default 30
    n_areas : int, default 3
        Patrol areas to group the candidates into.
    max_stops : int or None, default 5
        Most stops per shift (2-5 is the usual advice); None: as many as the shift allows.
    measures : path, MeasureSet or GeoDataFrame, optional
        A measures register (:func:`sjobo_geo.inputs.measures.load_measures`) drawn on the map
        (patrols added, school visits, ...); its accounting goes to the messages.
    """
    import geopandas as gpd
    import shapely

    from sjobo_geo.analysis.hotspots import analyse_hotspots
    from sjobo_geo.core.files import atomic_path, write_gpkg_layers
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.reports.validate import load_reports
    from sjobo_geo.jobs.common import load_area_for
    from sjobo_geo.maps.offline import save_map
    from sjobo_geo.maps.patrol import patrol_map, patrol_png
    from sjobo_geo.settings import map_crs

    lang = check_lang(lang)
    step = progress or noop
    out = Path(out)
    path = Path(reports_file)
    if not path.is_file():
        raise PatrolError(f"{path}: report file not found")
    if not (shift_minutes > 0):
        raise PatrolError(f"shift_minutes must be positive; got {shift_minutes!r}")
    step(PATROL_STEPS[0])
    model = area if hasattr(area, "layers") else load_area_for(area, None, None)
    from sjobo_geo.inputs.measures import as_measure_set

    measure_set = as_measure_set(measures, model)
    step(PATROL_STEPS[1])
    rs = load_reports(path, model)
    if rs.reports.empty:
        raise PatrolError(f"{path}: no report accepted; nothing to plan")
    step(PATROL_STEPS[2])
    analysis = analyse_hotspots(model, rs)
    synthetic = bool(analysis.synthetic)
    messages = list(analysis.messages)
    step(PATROL_STEPS[3])
    rg = RouteGraph.from_graph(model.graph)
    cands = candidate_stops(analysis, rg, units=units, n=n_candidates)
    if not cands["reachable"].any():
        raise PatrolError("no candidate stop is reachable on the walk network")
    (sx, sy), start_name = _start_xy(model, start, messages)
    main = np.flatnonzero(rg.component)
    j = int(np.argmin(np.hypot(rg.xy[main, 0] - sx, rg.xy[main, 1] - sy)))
    start_node = rg.nodes[main[j]]
    reach = cands[cands["reachable"]]
    plan = plan_route(rg, start_node, list(reach["node"]), budget_minutes=shift_minutes,
                      speed_kmh=speed_kmh, stop_minutes=stop_minutes, seed=seed,
                      priorities=reach["priority"].to_numpy(), max_stops=max_stops)
    chosen = reach.iloc[plan.order].copy()
    chosen.insert(0, "stop", np.arange(1, len(chosen) + 1))
    chosen["arrival_min"] = plan.arrival_min
    chosen["depart_min"] = np.round(np.asarray(plan.arrival_min) + stop_minutes, 2)
    chosen["geometry"] = shapely.points(chosen[["node_x", "node_y"]].to_numpy())
    chosen = gpd.GeoDataFrame(chosen, geometry="geometry", crs=model.crs)
    chosen["synthetic"] = synthetic
    status = np.where(cands["reachable"], "not chosen", "unreachable")
    picked = set(reach.index[plan.order])
    status[list(picked)] = "stop"
    cands = cands.assign(status=status, synthetic=synthetic)
    areas = patrol_areas(cands, rg, getattr(analysis, units), k=n_areas)
    areas["synthetic"] = synthetic
    start_pt = gpd.GeoDataFrame({"name": [start_name], "node": [str(start_node)]},
                                geometry=shapely.points([rg.xy[main[j]]]), crs=model.crs)
    route = gpd.GeoDataFrame({"length_m": [plan.length_m], "time_min": [plan.time_min],
                              "walk_min": [plan.walk_min], "stops": [len(plan.order)],
                              "nn_length_m": [plan.nn_length_m], "synthetic": [synthetic]},
                             geometry=[plan.geometry], crs=model.crs)
    result = PatrolResult(plan, cands, chosen, areas, synthetic, messages=messages)
    step(PATROL_STEPS[4])
    about = {"generator": "sjobo-geo patrol", "area": model.name, "synthetic": synthetic,
             "reports": len(rs.reports), "units": units, "shift_minutes": shift_minutes,
             "speed_kmh": speed_kmh, "stop_minutes": stop_minutes, "seed": seed,
             "start": start_name}
    cand_layer = cands.assign(node=cands["node"].astype(str))
    result.files["gpkg"] = write_gpkg_layers(
        {"stops": chosen.assign(node=chosen["node"].astype(str)), "route": route,
         "candidates": cand_layer, "areas": areas, "start": start_pt},
        out / "patrol.gpkg", about=about)
    wgs = chosen.to_crs(map_crs)
    table = pd.DataFrame({
        "stop": chosen["stop"].to_numpy(), "unit_id": chosen["unit_id"].to_numpy(),
        "nearest_street": chosen["nearest_street"].to_numpy(),
        "arrival_min": chosen["arrival_min"].to_numpy(),
        "depart_min": chosen["depart_min"].to_numpy(),
        "priority": chosen["priority"].to_numpy(), "why": chosen["why"].to_numpy(),
        "peak_hours": chosen["peak_hours"].to_numpy(),
        "x": chosen["node_x"].to_numpy(), "y": chosen["node_y"].to_numpy(),
        "lat": wgs.geometry.y.round(6).to_numpy(), "lon": wgs.geometry.x.round(6).to_numpy(),
        "synthetic": synthetic,
    })
    with atomic_path(out / "patrol_plan.csv") as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    result.files["csv"] = out / "patrol_plan.csv"
    week = week_schedule(cands, rg, model, shift_minutes=shift_minutes, start_node=start_node,
                         speed_kmh=speed_kmh, stop_minutes=stop_minutes, seed=seed,
                         reports=rs.reports, max_stops=max_stops)
    week = week.assign(node=week["node"].astype(str), synthetic=synthetic)
    with atomic_path(out / "patrol_week.csv") as tmp:
        week.to_csv(tmp, index=False, encoding="utf-8")
    result.files["week"] = out / "patrol_week.csv"
    tag = " (SYNTHETIC)" if synthetic else ""
    s_wgs = start_pt.to_crs(map_crs).geometry.iloc[0]
    track = gpd.GeoSeries([plan.geometry], crs=model.crs).to_crs(map_crs).iloc[0]
    gpx_stops = [{"lat": r.lat, "lon": r.lon,
                  "name": f"{r.stop}. {r.nearest_street or r.unit_id}",
                  "desc": f"arrive min {r.arrival_min:g}; priority {r.priority:.2f}; {r.why}"}
                 for r in table.itertuples()]
    result.files["gpx"] = write_gpx(
        out / "patrol.gpx", stops=gpx_stops,
        start={"lat": s_wgs.y, "lon": s_wgs.x, "name": f"Start: {start_name}"},
        track=[(lat, lon) for lon, lat in np.asarray(track.coords)[:, :2]],
        name=f"Patrol {model.name}{tag}",
        desc=(f"{len(chosen)} stops, {plan.length_m:.0f} m, {plan.time_min:.0f} of "
              f"{shift_minutes:g} min, seed {seed}{tag}"))
    step(PATROL_STEPS[5])
    m = patrol_map(result, model, start_pt, route, lang=lang, tiles=not offline_html,
                   measures=measure_set)
    result.files["map"] = save_map(m, out / "patrol.html", offline=offline_html)
    result.files["png"] = patrol_png(result, model, start_pt, route, out / "patrol.png",
                                     lang=lang)
    n_unreach = int((~cands["reachable"]).sum())
    result.messages.append(
        f"patrol{tag}: {len(chosen)} stops of {int(cands['reachable'].sum())} reachable "
        f"candidates, {plan.length_m:.0f} m walking, {plan.time_min:.0f} of "
        f"{shift_minutes:g} min (nearest neighbour: {plan.nn_length_m:.0f} m)")
    if n_unreach:
        result.messages.append(f"{n_unreach} candidate(s) unreachable on the walk network: "
                               + ", ".join(cands.loc[~cands['reachable'], 'unit_id']))
    n_ev = week["evening"].nunique()
    result.messages.append(
        f"patrol week{tag}: {week['stop_id'].nunique()} distinct stops over {n_ev} evenings "
        f"({len(week)} visits; kinds: " + ", ".join(
            f"{k} {int((week['kind'] == k).sum())}" for k in WEEK_KINDS) + ")")
    if len(chosen) < 2:
        result.messages.append("fewer than 2 stops fit the shift; lengthen it or shorten the "
                               "stops")
    if measure_set is not None:
        result.messages.extend(measure_set.messages())
    return result
