"""Patrol plans for police presence at hot spots: stops, a walking route, GPX and a map.

Hot spot policing sends patrols to a few places (2-5 per shift is a common advice) for
short, unpredictable stops of 10-15 minutes (see ``DOMAIN.md``, "Hotspots and patrol").
This module turns the police-presence scores of :func:`sjobo_geo.analysis.hotspots.analyse_hotspots`
into such a plan.

Candidates
    The units (grid cells or street segments) with the highest ``police_score``, at least
    ``min_separation_m`` apart, each snapped to the nearest node of the largest connected
    component of the walk graph. A unit whose nearest node lies in another component, or
    more than ``max_snap_m`` from the main component, is *unreachable* and reported apart.
    ``why`` names the largest factor contributions (``police_<factor>`` columns), the
    report count and the Gi* class; ``peak_hours`` the hours with most reports.
Route
    :func:`plan_route`: shortest walking distances between the start and the stops only
    (``scipy.sparse.csgraph.dijkstra`` from those nodes, on the graph with every edge
    walkable both ways). The stops are chosen to collect the most priority within the
    time budget and ``max_stops`` (a local search: tours built by priority per added
    minute, by priority and around single stops, improved by exchanging one or two stops
    for one left out, or one for two, while the sum rises and the budget holds); the
    highest-priority reachable stop that fits the shift on its own is in unless keeping
    it costs more than a quarter of the priority (``top_cost``; the plan then says so).
    Tours of up to :data:`EXACT_ORDER_MAX` stops are ordered exactly (Held-Karp), longer
    ones by 2-opt and Or-opt.
    The tests compare it with a brute-force optimum over every subset and order; the
    benchmark reports its gap to an exact optimum and to OR-Tools. The tour starts and
    ends at the start node. The budget always holds: travel time plus ``stop_min``
    minutes per stop. Unpredictability: ``jitter`` (default 0.15) multiplies the
    priorities used for the choice by a seeded random factor in [1 - jitter, 1 + jitter];
    the same seed gives the same plan, another seed a different but equally reasonable one.
Explanations
    :func:`explain_top_units` (:mod:`.explain`): the 10 units ranked highest for police
    presence, each with the stop (and clock time) that visits it or why not, with the
    numbers (snap distance, minutes needed and left, the stop it is merged into, the cap
    on stops, priority per minute, the seeded variation), tested the way the search
    tested them. :func:`reason_text` and :func:`why_text` say it in Swedish or English,
    :func:`clock_time` turns minutes after the start ("18:00") into clock times.
Patrol areas
    :func:`patrol_areas`: complete-linkage clustering of the candidates on their walking
    distances (limits the walk inside an area) into at most ``n_areas`` groups, each with
    a polygon (convex hull of its units plus a buffer), summed priority and the
    hours/weekdays of its reports.
Week
    :func:`week_schedule`: a tour per evening (mon-fri by default) over hot spots, schools
    and leisure places (promise 2) and traffic spots (crossings near schools, ``trafik``
    reports; promise 3); a stop's priority is damped for the evenings after a visit so that
    revisits are spread, and each evening includes a school/leisure visit and a traffic spot
    when they fit the budget.
Whole plan
    :func:`plan_patrol` (:mod:`.plan`): reports (or a hot spot analysis) → candidates →
    route, areas and week, with the start point and the messages, as one
    :class:`PatrolPlanResult`; nothing is written.

Each step lives in its own module, data flowing one way: :mod:`.graph` (the walk graph as a
sparse matrix) → :mod:`.candidates` → :mod:`.routes` (tours and :func:`plan_route`) →
:mod:`.explain`, :mod:`.areas`, :mod:`.week` → :mod:`.plan`. The maps are
:mod:`sjobo_geo.maps.patrol`, the GPX writer :mod:`sjobo_geo.maps.gpx` and the job
(:func:`sjobo_geo.jobs.patrol.run_patrol`: files and map) :mod:`sjobo_geo.jobs.patrol`.
The public names of the analysis modules are importable from here.
"""

from __future__ import annotations

from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.analysis.patrol.areas import patrol_areas
from sjobo_geo.analysis.patrol.candidates import candidate_stops
from sjobo_geo.analysis.patrol.explain import (
    REASONS,
    TOP_UNITS_COLUMNS,
    clock_time,
    explain_top_units,
    reason_text,
    why_text,
)
from sjobo_geo.analysis.patrol.graph import RouteGraph
from sjobo_geo.analysis.patrol.plan import (
    PLAN_PATROL_STEPS,
    PatrolPlanResult,
    plan_patrol,
    start_point,
)
from sjobo_geo.analysis.patrol.routes import (
    EXACT_ORDER_MAX,
    PatrolPlan,
    best_order,
    nearest_neighbour_order,
    plan_route,
    tour_length,
    two_opt,
)
from sjobo_geo.analysis.patrol.week import WEEK_KINDS, week_schedule

__all__ = ["EXACT_ORDER_MAX", "PLAN_PATROL_STEPS", "REASONS", "TOP_UNITS_COLUMNS", "WEEK_KINDS",
           "PatrolError", "PatrolPlan", "PatrolPlanResult", "RouteGraph", "best_order",
           "candidate_stops", "clock_time", "explain_top_units", "nearest_neighbour_order",
           "patrol_areas", "plan_patrol", "plan_route", "reason_text", "start_point",
           "tour_length", "two_opt", "week_schedule", "why_text"]
