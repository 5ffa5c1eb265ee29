"""Why a plan visits what it visits: the highest-ranked units, each visited or a reason why not.

:func:`explain_top_units` takes the units ranked highest for police presence and says for
each at which stop (and clock time) it is visited, or why not, with the numbers:

``unreachable``
    outside the reachable walk network (snap distance, or a street not connected to it);
``not_candidate``
    not among the ``n_candidates`` candidates;
``merged``
    within ``min_separation_m`` of a higher-ranked candidate, which stands for it (the
    stop it is merged into, or that candidate's own reason);
``budget``
    beyond the time budget: the minutes it needs (on its own, added to the tour, or in
    place of a lower-priority stop) against the minutes left;
``capped``
    the tour has ``max_stops`` stops, all of higher priority;
``per_minute``
    it could replace lower-priority stops only by dropping more priority than it brings:
    its priority per added minute is below that of every stop chosen;
``varied``
    it would fit in place of a lower-priority stop, but the seeded variation of the
    priorities (unpredictable patrols, ``jitter``) put that stop first;
``top_cost``
    the highest-priority place that fits the shift, left out because keeping it in would
    cost more than ``top_cost`` of the priority the shift collects (the priority with it
    and without it).

The tests that decide between these are the ones the route search used
(:func:`~.routes.added_minutes`, :func:`~.routes.swap_minutes`), so a reason is what the
search met, not a story told afterwards. :func:`reason_text` and :func:`why_text` put a row
in words of the page's language (``labels.toml``); :func:`clock_time` turns minutes after
the start into a clock time.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.analysis.patrol.candidates import factor_codes
from sjobo_geo.analysis.patrol.routes import added_minutes, swap_minutes
from sjobo_geo.core.i18n import label

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.analysis.patrol.routes import PatrolPlan

__all__ = ["REASONS", "TOP_UNITS_COLUMNS", "check_start_time", "clock_time",
           "explain_top_units", "reason_text", "why_text"]

#: Reason codes of :func:`explain_top_units` (``visited`` for the units that are stops).
REASONS = ("visited", "unreachable", "not_candidate", "merged", "budget", "capped",
           "per_minute", "varied", "top_cost", "not_chosen")

#: Columns of :func:`explain_top_units`.
TOP_UNITS_COLUMNS = (
    "rank", "unit_id", "nearest_street", "police_score", "n_reports", "reason", "stop",
    "arrival", "arrival_min", "explanation", "snap_m", "max_snap_m", "need_min", "left_min",
    "alone_min", "budget_min", "max_stops", "n_candidates", "merged_into", "merged_rank",
    "merged_stop", "merged_m", "merged_reason", "other_stop", "other_priority",
    "swap_min", "priority_per_min", "lowest_per_min", "weight", "other_weight", "jitter",
    "priority_with", "priority_without", "top_cost", "factors", "gi_class", "x", "y")

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def check_start_time(start_time: str) -> str:
    """A shift's start as "HH:MM" (24-hour clock), checked; "8:05" becomes "08:05".

    Raises
    ------
    PatrolError
        Anything else.

    Examples
    --------
    >>> check_start_time("8:05")
    '08:05'
    """
    m = _CLOCK.match(str(start_time).strip())
    if not m:
        raise PatrolError(f"start time must be HH:MM (24-hour clock); got {start_time!r}")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def clock_time(start_time: str, minutes: float) -> str:
    """The clock time ``minutes`` after ``start_time`` ("HH:MM"), to the minute, past
    midnight from 00:00 again.

    Examples
    --------
    >>> clock_time("18:00", 24.4), clock_time("23:50", 25)
    ('18:24', '00:15')
    """
    h, m = (int(v) for v in check_start_time(start_time).split(":"))
    total = (h * 60 + m + int(np.floor(float(minutes) + 0.5))) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def _num(value: Any, digits: int = 0) -> str:
    v = float(value)
    return f"{v:.{digits}f}" if digits else f"{v:.0f}"


def reason_text(row: Any, lang: str | None = None) -> str:
    """A row of :func:`explain_top_units` in words of ``lang`` (``labels.toml``), numbers
    included.

    Examples
    --------
    >>> row = {"reason": "capped", "max_stops": 5, "need_min": 14.2, "left_min": 40.0}
    >>> reason_text(row, "en")
    'capped at 5 stops, all of higher priority (it would fit: needs 14 of the 40 min left)'
    """
    r = row if isinstance(row, dict) else dict(row)
    code = r.get("reason")
    if code == "visited":
        return label("pt_r_visited", lang).format(stop=int(r["stop"]), time=r["arrival"])
    if code == "unreachable":
        if float(r.get("snap_m", 0)) > float(r.get("max_snap_m", np.inf)):
            return label("pt_r_unreachable", lang).format(
                m=_num(r["snap_m"]), limit=_num(r["max_snap_m"]))
        return label("pt_r_unconnected", lang).format(m=_num(r["snap_m"]))
    if code == "not_candidate":
        return label("pt_r_not_candidate", lang).format(n=int(r["n_candidates"]))
    if code == "merged":
        street = r.get("merged_street") or r.get("merged_into") or ""
        if not pd.isna(r.get("merged_stop")):
            return label("pt_r_merged_stop", lang).format(
                m=_num(r["merged_m"]), stop=int(r["merged_stop"]), street=street)
        inner = reason_text({**r, "reason": r.get("merged_reason"), **{
            k.removeprefix("merged_inner_"): v for k, v in r.items()
            if k.startswith("merged_inner_")}}, lang)
        return label("pt_r_merged_other", lang).format(
            m=_num(r["merged_m"]), rank=int(r["merged_rank"]), street=street, why=inner)
    if code == "budget":
        if float(r.get("alone_min", 0)) > float(r.get("budget_min", np.inf)) + 1e-9:
            return label("pt_r_budget_alone", lang).format(
                need=_num(r["alone_min"]), budget=_num(r["budget_min"]))
        if not pd.isna(r.get("other_stop")):
            return label("pt_r_budget_swap", lang).format(
                need=_num(r["need_min"]), left=_num(r["left_min"]),
                stop=int(r["other_stop"]), swap=_num(r["swap_min"]),
                budget=_num(r["budget_min"]))
        return label("pt_r_budget", lang).format(need=_num(r["need_min"]),
                                                 left=_num(r["left_min"]))
    if code == "capped":
        key = "pt_r_capped_fits" if float(r["need_min"]) <= float(r["left_min"]) + 1e-9 \
            else "pt_r_capped"
        return label(key, lang).format(k=int(r["max_stops"]), need=_num(r["need_min"]),
                                       left=_num(r["left_min"]))
    if code == "per_minute":
        return label("pt_r_per_minute", lang).format(
            p=_num(r["police_score"], 2), need=_num(r["need_min"]),
            ppm=_num(r["priority_per_min"], 3), low=_num(r["lowest_per_min"], 3),
            stop=int(r["other_stop"]), left=_num(r["left_min"]))
    if code == "top_cost":
        loss = 1 - float(r["priority_with"]) / max(float(r["priority_without"]), 1e-12)
        return label("pt_r_top_cost", lang).format(
            without=_num(r["priority_without"], 2), with_=_num(r["priority_with"], 2),
            loss=_num(100 * loss), limit=_num(100 * float(r["top_cost"])))
    if code == "varied":
        return label("pt_r_varied", lang).format(
            jitter=_num(100 * float(r["jitter"])), p=_num(r["police_score"], 3),
            stop=int(r["other_stop"]), q=_num(r["other_priority"], 3))
    return label("pt_r_not_chosen", lang).format(need=_num(r.get("need_min", np.nan)),
                                                 left=_num(r.get("left_min", np.nan)))


def why_text(row: Any, lang: str | None = None) -> str:
    """Why a stop is a candidate, in words of ``lang``: its largest factors (``factors``),
    its report count and its Gi* class; no factor codes or weights.

    Examples
    --------
    >>> why_text({"factors": "youth", "n_reports": 16, "gi_class": "hot 99%"}, "en")
    'young people and recruitment · 16 reports · significant hot spot (99 %)'
    """
    r = row if isinstance(row, dict) else dict(row)
    factors = [f for f in str(r.get("factors") or "").split(",") if f]
    parts = []
    if factors:
        parts.append(", ".join(label(f"pt_f_{f}", lang) for f in factors))
    n = r.get("n_reports")
    if n is not None and not pd.isna(n):
        parts.append(label("pt_n_report" if int(n) == 1 else "pt_n_reports",
                           lang).format(n=int(n)))
    gi = str(r.get("gi_class") or "")
    m = re.match(r"^(hot|cold) (\d+)%$", gi)
    if m:
        parts.append(label(f"pt_gi_{m.group(1)}", lang).format(level=m.group(2)))
    return " · ".join(parts)


def _unit_points(units: gpd.GeoDataFrame) -> np.ndarray:
    import shapely

    pts = shapely.point_on_surface(units.geometry.to_numpy())
    return np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])


def explain_top_units(units: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame,
                      plan: PatrolPlan, *, n: int = 10, start_time: str = "18:00",
                      n_candidates: int = 30, min_separation_m: float = 100.0,
                      max_snap_m: float = 150.0) -> pd.DataFrame:
    """The ``n`` units ranked highest for police presence: at which stop each is visited, or
    why not, with the numbers.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        The hot spot units (``unit_id``, ``police_score``, ``nearest_street``,
        ``n_reports``), as :func:`~.candidates.candidate_stops` got them.
    candidates : geopandas.GeoDataFrame
        :func:`~.candidates.candidate_stops` of those units, highest first; the indices of
        ``plan`` refer to its reachable rows, in order (as :func:`~.plan.plan_patrol` plans).
    plan : PatrolPlan
        The route (:func:`~.routes.plan_route`) with its ``minutes`` matrix.
    n : int, default 10
    start_time : str, default "18:00"
        Clock time of the start, for the arrival times.
    n_candidates, min_separation_m, max_snap_m
        What the candidates were chosen with (the reasons quote them).

    Returns
    -------
    pandas.DataFrame
        One row per unit (:data:`TOP_UNITS_COLUMNS`), rank 1 first: ``reason`` (a code of
        :data:`REASONS`), ``stop``/``arrival`` when visited, ``explanation`` (in English;
        :func:`reason_text` in another language) and the numbers it quotes: ``snap_m``,
        ``need_min`` (minutes added to the tour), ``left_min`` (minutes of the budget
        left), ``alone_min`` (there and back plus the stop), ``other_stop`` /
        ``other_priority`` / ``swap_min`` (the lower-priority stop it was weighed
        against and the tour's minutes with it in that stop's place),
        ``priority_per_min`` / ``lowest_per_min``, ``merged_*``, ``weight`` (its priority
        after the seeded variation); ``factors``/``gi_class`` (for :func:`why_text`);
        ``x``/``y`` its representative point.

    Examples
    --------
    >>> patrol = plan_patrol(area, reports)  # doctest: +SKIP
    >>> explain_top_units(patrol.hotspots.grid, patrol.candidates,
    ...                   patrol.plan)[["rank", "nearest_street", "reason"]]  # doctest: +SKIP
    """
    units = units if candidates.crs is None or units.crs is None or units.crs == candidates.crs \
        else units.to_crs(candidates.crs)
    table = units[units["police_score"].to_numpy(dtype=float) > 0]
    table = table.sort_values("police_score", ascending=False, kind="stable")
    top = table.head(n)
    xy = _unit_points(top)
    codes = factor_codes(top)
    cand_ids = candidates["unit_id"].astype(str).to_numpy()
    cand_xy = np.column_stack([candidates.geometry.x, candidates.geometry.y]) \
        if len(candidates) else np.zeros((0, 2))
    rank_of = {u: i + 1 for i, u in enumerate(table["unit_id"].astype(str))}
    reach_rows = np.flatnonzero(candidates["reachable"].to_numpy(dtype=bool))
    row_to_plan = {int(r): j for j, r in enumerate(reach_rows)}
    stop_of = {int(reach_rows[j]): k for k, j in enumerate(plan.order, start=1)}
    arrival_of = {int(reach_rows[j]): a for j, a in zip(plan.order, plan.arrival_min,
                                                        strict=True)}
    t = plan.minutes
    s = plan.stop_min
    budget = plan.budget_min
    order = [j + 1 for j in plan.order]  # matrix indices (0: the start)
    used = _tour_minutes(t, order, s) if t is not None else plan.time_min
    left = budget - used
    prio = np.asarray(plan.priorities, dtype=float)
    w = np.asarray(plan.weights, dtype=float)
    # priority per minute of each stop: its priority over the minutes it costs the tour
    per_min = {}
    for i in order:
        rest = [j for j in order if j != i]
        saving = used - (_tour_minutes(t, rest, s))
        per_min[i] = prio[i - 1] / max(saving, 1e-6)

    def candidate_row(ci: int) -> dict[str, Any]:
        """Reason and numbers of candidate row ``ci``."""
        c = candidates.iloc[ci]
        out: dict[str, Any] = {"snap_m": float(c["snap_m"]), "max_snap_m": max_snap_m}
        if not bool(c["reachable"]):
            return {**out, "reason": "unreachable"}
        if ci in stop_of:
            k = stop_of[ci]
            return {**out, "reason": "visited", "stop": k, "arrival_min": arrival_of[ci],
                    "arrival": clock_time(start_time, arrival_of[ci])}
        j = row_to_plan[ci] + 1
        alone = float(t[0, j] + t[j, 0] + s)
        need, _ = added_minutes(t, order, j, s, budget=budget)
        out.update(alone_min=alone, need_min=need, left_min=left, weight=float(w[j - 1]))
        if alone > budget + 1e-9:
            return {**out, "reason": "budget"}
        if plan.first is not None and not plan.first_kept and j - 1 == plan.first:
            return {**out, "reason": "top_cost", "priority_with": plan.priority_with_first,
                    "priority_without": plan.priority_without_first,
                    "top_cost": plan.top_cost}
        lower = [i for i in order if prio[i - 1] < prio[j - 1]]
        n_stops = len(order)
        cap = plan.max_stops
        if not lower:
            if cap is not None and n_stops >= cap:
                return {**out, "reason": "capped"}
            return {**out, "reason": "budget" if need > left + 1e-9 else "not_chosen"}
        swaps = {i: swap_minutes(t, order, [i], j, s, budget=budget)[0] for i in lower}
        fits = [i for i in lower if swaps[i] <= budget + 1e-9]
        if fits:
            # the search takes any exchange that fits and raises the jittered sum, so
            # these were weighed with the variation and kept the stop
            i = max(fits, key=lambda i: (w[i - 1], -i))
            code = "varied" if w[i - 1] >= w[j - 1] else "not_chosen"
            return {**out, "reason": code, "other_stop": order.index(i) + 1,
                    "other_priority": float(prio[i - 1]), "other_weight": float(w[i - 1]),
                    "swap_min": float(swaps[i])}
        i = min(lower, key=lambda i: (swaps[i], i))
        low = min(per_min, key=lambda i: (per_min[i], i))
        out.update(other_stop=order.index(i) + 1, other_priority=float(prio[i - 1]),
                   swap_min=float(swaps[i]), priority_per_min=prio[j - 1] / max(need, 1e-6))
        if out["priority_per_min"] < per_min[low]:
            return {**out, "reason": "per_minute", "other_stop": order.index(low) + 1,
                    "other_priority": float(prio[low - 1]), "lowest_per_min": per_min[low]}
        return {**out, "reason": "budget"}

    rows = []
    for k, (_, u) in enumerate(top.iterrows()):
        uid = str(u["unit_id"])
        row: dict[str, Any] = {
            "rank": rank_of[uid], "unit_id": uid,
            "nearest_street": str(u.get("nearest_street") or "") if "nearest_street" in top
            else "", "police_score": round(float(u["police_score"]), 4),
            "n_reports": int(u["n_reports"]) if "n_reports" in top else 0,
            "budget_min": budget, "max_stops": plan.max_stops, "n_candidates": n_candidates,
            "jitter": plan.jitter, "factors": codes[k],
            "gi_class": str(u["gi_class"]) if "gi_class" in top else "",
            "x": round(float(xy[k, 0]), 1),
            "y": round(float(xy[k, 1]), 1)}
        hit = np.flatnonzero(cand_ids == uid)
        if len(hit):
            row.update(candidate_row(int(hit[0])))
        else:
            # dropped by candidate_stops: near a higher candidate, or past n_candidates
            higher = np.array([rank_of.get(c, 10**9) < row["rank"] for c in cand_ids], bool)
            d = np.hypot(*(cand_xy - xy[k]).T) if len(cand_xy) else np.zeros(0)
            near = np.flatnonzero(higher & (d < min_separation_m))
            if len(near):
                ci = int(near[np.argmin(d[near])])
                inner = candidate_row(ci)
                c = candidates.iloc[ci]
                inner["police_score"] = float(c["priority"])  # the texts quote its own
                row.update(reason="merged", merged_into=cand_ids[ci],
                           merged_rank=rank_of.get(cand_ids[ci]),
                           merged_street=str(c.get("nearest_street") or ""),
                           merged_m=round(float(d[ci]), 1), merged_reason=inner["reason"],
                           merged_stop=inner.get("stop", pd.NA),
                           **{f"merged_inner_{key}": v for key, v in inner.items()
                              if key != "reason"})
            else:
                row["reason"] = "not_candidate"
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in TOP_UNITS_COLUMNS:
        if col not in out:
            out[col] = np.nan
    for col in ("stop", "merged_stop", "other_stop", "merged_rank", "max_stops"):
        out[col] = pd.array(out[col], dtype="Int64") if len(out) else out[col]
    out["arrival"] = out["arrival"].where(out["arrival"].notna(), "")
    out["explanation"] = [reason_text(r, "en") for r in out.to_dict("records")]
    extra = [c for c in out.columns if c not in TOP_UNITS_COLUMNS]
    return out[list(TOP_UNITS_COLUMNS) + extra].reset_index(drop=True)


def _tour_minutes(t: np.ndarray, order: list[int], stop_min: float) -> float:
    seq = np.array([0, *order, 0], dtype=np.int64)
    return float(t[seq[:-1], seq[1:]].sum()) + stop_min * len(order)
