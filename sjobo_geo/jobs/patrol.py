"""The patrol job: report file → :func:`~sjobo_geo.analysis.patrol.plan.plan_patrol` → files.

:func:`run_patrol` reads the reports, plans with :func:`plan_patrol` (hot spots, candidate
stops, route, areas, week: objects only) and writes ``patrol.html``, ``patrol.gpx``,
``patrol.gpkg``, ``patrol_plan.csv``, ``patrol.png`` and ``patrol_week.csv``.
``patrol_plan.csv`` (:func:`plan_table`) lists the stops with their clock times, then the
units ranked highest for police presence that are not visited, each with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.analysis.patrol.explain import check_start_time, reason_text, why_text
from sjobo_geo.analysis.patrol.plan import PLAN_PATROL_STEPS, PatrolPlanResult, plan_patrol
from sjobo_geo.core.i18n import label
from sjobo_geo.core.progress import noop
from sjobo_geo.maps.gpx import write_gpx

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.analysis.patrol.routes import PatrolPlan
    from sjobo_geo.core.area import Area
    from sjobo_geo.jobs.common import RunFolder

__all__ = ["PATROL_FILES", "PATROL_STEPS", "PLAN_TABLE_COLUMNS", "PatrolResult", "plan_table",
           "run_patrol"]


#: Steps reported by :func:`run_patrol`, in order.
PATROL_STEPS = ("load area", "read reports", *PLAN_PATROL_STEPS, "write files", "write map")
#: The files :func:`run_patrol` writes (``about.json`` besides).
PATROL_FILES = ("patrol.gpkg", "patrol_plan.csv", "patrol_week.csv", "patrol.gpx",
                "patrol.html", "patrol.png")


@dataclass
class PatrolResult:
    """What :func:`run_patrol` produced: the plan (objects) and the files written.

    The plan's main parts are also attributes of the result (``plan``, ``candidates``,
    ``stops``, ``areas``, ``synthetic``), as before the plan became an object of its own.
    """

    analysis: PatrolPlanResult
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def plan(self) -> PatrolPlan:
        """The shift's route (:attr:`PatrolPlanResult.plan`)."""
        return self.analysis.plan

    @property
    def candidates(self) -> gpd.GeoDataFrame:
        """Candidate stops with their status."""
        return self.analysis.candidates

    @property
    def stops(self) -> gpd.GeoDataFrame:
        """The chosen stops in visiting order."""
        return self.analysis.stops

    @property
    def areas(self) -> gpd.GeoDataFrame:
        """The patrol areas."""
        return self.analysis.areas

    @property
    def synthetic(self) -> bool:
        """Synthetic reports: every output says so."""
        return self.analysis.synthetic


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
    start_time: str | None = None,
) -> PatrolResult:
    """A patrol plan from a report file: ``patrol.html``, ``patrol.gpx``, ``patrol.gpkg``,
    ``patrol_plan.csv``, ``patrol_week.csv`` (mon-fri evenings) and ``patrol.png`` in ``out``.

    Loads the area and the reports, plans with
    :func:`~sjobo_geo.analysis.patrol.plan.plan_patrol` (which writes nothing) and writes
    the files and the map. The CLI's ``--shift-minutes`` and ``--stop-minutes`` keep their
    names here; the analysis calls them ``shift_min`` and ``stop_min``.

    Parameters
    ----------
    reports_file : path
        Report export, read by :func:`sjobo_geo.inputs.reports.validate.load_reports`.
    area : str, path or Area
    out : path
        Output folder (created).
        Written as one run (:func:`~sjobo_geo.jobs.common.output_run`): the files appear
        together, with ``about.json``, once all are written; none is an input.
    shift_minutes : float, default 120
        Time budget of the tour (walking plus stops), minutes.
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
    start_time : str, optional
        Clock time of the start, "HH:MM"; default the profile's ``[patrol] start_time``
        (18:00). Arrivals in the plan, the sheet and the GPX are clock times.

    Returns
    -------
    PatrolResult

    Examples
    --------
    >>> result = run_patrol("reports.csv", "sample", out="out/patrol",
    ...                     shift_minutes=90)  # doctest: +SKIP
    >>> result.analysis.stops[["stop", "nearest_street", "arrival"]]  # doctest: +SKIP
    """
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.measures import as_measure_set
    from sjobo_geo.inputs.reports.validate import load_reports
    from sjobo_geo.jobs.common import load_area_for, output_run

    lang = check_lang(lang)
    step = progress or noop
    path = Path(reports_file)
    if not path.is_file():
        raise PatrolError(f"{path}: report file not found")
    if not (shift_minutes > 0):  # before the area is loaded: a typo fails fast
        raise PatrolError(f"shift_minutes must be positive; got {shift_minutes!r}")
    if start_time is not None:
        start_time = check_start_time(start_time)
    arguments = {"reports_file": path, "area": area, "shift_minutes": shift_minutes,
                 "start": start, "speed_kmh": speed_kmh, "stop_minutes": stop_minutes,
                 "seed": seed, "offline_html": offline_html, "lang": lang, "units": units,
                 "n_candidates": n_candidates, "n_areas": n_areas, "max_stops": max_stops,
                 "measures": measures, "start_time": start_time}
    with output_run(out, job="patrol", inputs=[path, measures, area], outputs=PATROL_FILES,
                    arguments=arguments) as run:
        step(PATROL_STEPS[0])
        model = area if hasattr(area, "layers") else load_area_for(area, None, None)
        run.area = model
        measure_set = as_measure_set(measures, model)
        step(PATROL_STEPS[1])
        rs = load_reports(path, model)
        if rs.reports.empty:
            raise PatrolError(f"{path}: no report accepted; nothing to plan")
        patrol = plan_patrol(model, rs, shift_min=shift_minutes, start=start,
                             speed_kmh=speed_kmh, stop_min=stop_minutes, seed=seed, units=units,
                             n_candidates=n_candidates, n_areas=n_areas, max_stops=max_stops,
                             start_time=start_time, progress=step)
        result = PatrolResult(patrol, messages=list(patrol.messages))
        step(PATROL_STEPS[4])
        _write_patrol(run, result, model, len(rs.reports), shift_minutes=shift_minutes,
                      speed_kmh=speed_kmh, stop_minutes=stop_minutes, seed=seed, units=units,
                      lang=lang)
        step(PATROL_STEPS[5])
        from sjobo_geo.maps.offline import save_map
        from sjobo_geo.maps.patrol import patrol_map, patrol_png

        m = patrol_map(patrol, model, lang=lang, tiles=not offline_html, measures=measure_set)
        result.files["map"] = save_map(m, run.file("patrol.html"), offline=offline_html)
        result.files["png"] = patrol_png(patrol, model, run.file("patrol.png"), lang=lang)
    result.files = run.finals(result.files)
    result.messages[:0] = run.messages
    if measure_set is not None:
        result.messages.extend(measure_set.messages())
    return result


def _write_patrol(run: RunFolder, result: PatrolResult, model: Area, n_reports: int, *,
                  shift_minutes: float, speed_kmh: float, stop_minutes: float, seed: int,
                  units: str, lang: str) -> None:
    """``patrol.gpkg``, ``patrol_plan.csv``, ``patrol_week.csv`` and ``patrol.gpx``."""
    import geopandas as gpd

    from sjobo_geo.core.files import write_csv, write_gpkg_layers
    from sjobo_geo.settings import map_crs

    patrol = result.analysis
    synthetic, plan, chosen = patrol.synthetic, patrol.plan, patrol.stops
    about = {"generator": "sjobo-geo patrol", "area": model.name, "synthetic": synthetic,
             "reports": n_reports, "units": units, "shift_minutes": shift_minutes,
             "speed_kmh": speed_kmh, "stop_minutes": stop_minutes, "seed": seed,
             "start": patrol.start_name, "start_time": patrol.start_time}
    cands = patrol.candidates
    result.files["gpkg"] = write_gpkg_layers(
        {"stops": chosen.assign(node=chosen["node"].astype(str)), "route": patrol.route,
         "candidates": cands.assign(node=cands["node"].astype(str)), "areas": patrol.areas,
         "start": patrol.start},
        run.file("patrol.gpkg"), about=about)
    table = plan_table(patrol, lang=lang)
    result.files["csv"] = write_csv(table, run.file("patrol_plan.csv"))
    week = patrol.week.assign(node=patrol.week["node"].astype(str))
    result.files["week"] = write_csv(week, run.file("patrol_week.csv"))
    tag = " (SYNTHETIC)" if synthetic else ""
    s_wgs = patrol.start.to_crs(map_crs).geometry.iloc[0]
    track = gpd.GeoSeries([plan.geometry], crs=model.crs).to_crs(map_crs).iloc[0]
    visits = table[table["stop"].notna()]
    gpx_stops = [{"lat": r.lat, "lon": r.lon,
                  "name": f"{int(r.stop)}. {r.arrival} {r.nearest_street or r.unit_id}",
                  "desc": f"{label('pt_arrival', lang)} {r.arrival}; "
                          f"{label('pt_priority', lang)} {r.priority:.2f}; {r.why}"}
                 for r in visits.itertuples()]
    result.files["gpx"] = write_gpx(
        run.file("patrol.gpx"), stops=gpx_stops,
        start={"lat": s_wgs.y, "lon": s_wgs.x,
               "name": f"{label('pt_start', lang)}: {patrol.start_name} {patrol.start_time}"},
        track=[(lat, lon) for lon, lat in np.asarray(track.coords)[:, :2]],
        name=f"Patrol {model.name}{tag}",
        desc=(f"{len(chosen)} stops, {plan.length_m:.0f} m, {plan.time_min:.0f} of "
              f"{shift_minutes:g} min, start {patrol.start_time}, seed {seed}{tag}"))


#: Columns of :func:`plan_table` (``patrol_plan.csv``).
PLAN_TABLE_COLUMNS = ("stop", "arrival", "depart", "rank", "unit_id", "nearest_street",
                      "priority", "n_reports", "reason", "explanation", "why", "peak_hours",
                      "arrival_min", "depart_min", "x", "y", "lat", "lon", "synthetic")


def plan_table(patrol: PatrolPlanResult, *, lang: str | None = None) -> pd.DataFrame:
    """The plan as one table (``patrol_plan.csv``): the stops in visiting order, then the
    units ranked highest for police presence that are not visited.

    Stops: ``stop``, clock times ``arrival``/``depart``, ``rank`` (for police presence,
    1 the highest), ``reason`` "visited"; the others: ``stop`` empty and ``reason`` a code
    of :data:`~sjobo_geo.analysis.patrol.explain.REASONS`. ``explanation`` says it in words
    of ``lang`` with the numbers, ``why`` why the place is a candidate (words, not factor
    codes). ``x``/``y`` in the area's CRS (a stop's network node, another unit's point),
    ``lat``/``lon`` in WGS84.

    Examples
    --------
    >>> plan_table(patrol, lang="en")[["stop", "arrival", "rank", "explanation"]]  # doctest: +SKIP
    """
    import geopandas as gpd

    from sjobo_geo.settings import map_crs

    stops, cands, top = patrol.stops, patrol.candidates, patrol.top_units
    by_unit = {str(u): r for u, r in zip(cands["unit_id"], cands.to_dict("records"),
                                         strict=True)}
    rows = []
    for r in stops.to_dict("records"):
        rows.append({
            "stop": r["stop"], "arrival": r.get("arrival", ""), "depart": r.get("depart", ""),
            "rank": r.get("rank"), "unit_id": r["unit_id"],
            "nearest_street": r["nearest_street"], "priority": r["priority"],
            "n_reports": r["n_reports"], "reason": "visited",
            "explanation": reason_text({"reason": "visited", "stop": r["stop"],
                                        "arrival": r.get("arrival", "")}, lang),
            "why": why_text(r, lang), "peak_hours": r["peak_hours"],
            "arrival_min": r["arrival_min"], "depart_min": r["depart_min"],
            "x": r["node_x"], "y": r["node_y"]})
    for r in ([] if top is None else top.to_dict("records")):
        if r["reason"] == "visited":
            continue
        cand = by_unit.get(str(r["unit_id"]))
        rows.append({
            "stop": None, "arrival": "", "depart": "", "rank": r["rank"],
            "unit_id": r["unit_id"], "nearest_street": r["nearest_street"],
            "priority": r["police_score"], "n_reports": r["n_reports"],
            "reason": r["reason"], "explanation": reason_text(r, lang),
            "why": why_text(cand if cand is not None else r, lang),
            "peak_hours": cand["peak_hours"] if cand is not None else "",
            "arrival_min": None, "depart_min": None, "x": r["x"], "y": r["y"]})
    table = pd.DataFrame(rows, columns=[c for c in PLAN_TABLE_COLUMNS
                                        if c not in ("lat", "lon", "synthetic")])
    for col in ("stop", "rank", "n_reports"):
        table[col] = pd.array(table[col], dtype="Int64")
    pts = gpd.GeoSeries(gpd.points_from_xy(table["x"].astype(float), table["y"].astype(float)),
                        crs=stops.crs).to_crs(map_crs)
    table["lat"] = pts.y.round(6).to_numpy()
    table["lon"] = pts.x.round(6).to_numpy()
    table["synthetic"] = patrol.synthetic
    return table[list(PLAN_TABLE_COLUMNS)]
