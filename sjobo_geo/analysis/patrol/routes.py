"""Tours: a closed walking route over chosen stops within a time budget.

:func:`plan_route` chooses the stops (most priority within the time budget and the number of
stops, the highest-priority stop that fits in unless that costs too much) and orders them
(exactly for up to :data:`EXACT_ORDER_MAX` stops, else by 2-opt and Or-opt), and returns a
:class:`PatrolPlan` with the route on the streets. :func:`tour_length`,
:func:`nearest_neighbour_order`, :func:`two_opt`, :func:`best_order`, :func:`added_minutes`
and :func:`swap_minutes` work on a distance (or time) matrix alone; the last two are also
what the plan's explanations (:mod:`.explain`) use, so that an explanation tests exactly
what the search tested.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sjobo_geo.analysis.patrol._errors import PatrolError
from sjobo_geo.analysis.patrol.graph import RouteGraph

__all__ = ["EXACT_ORDER_MAX", "PatrolPlan", "added_minutes", "best_order",
           "nearest_neighbour_order", "plan_route", "swap_minutes", "tour_length", "two_opt"]

#: Tours of at most this many stops are ordered exactly (every order tried); longer ones by
#: 2-opt from two starts.
EXACT_ORDER_MAX = 10

# a swap or an addition that does not fit by cheapest insertion is re-ordered only when it
# is over the budget by at most this share of it, and at most _REORDER_MAX_MIN minutes: a
# better order after one change rarely saves more
_REORDER_SLACK = 0.15
_REORDER_MAX_MIN = 15.0
# the re-ordering in those tests is exact up to this many stops (2-opt beyond)
_QUICK_EXACT = 6

# local searches started from tours built around single stops (the best ones)
_SEEDED_STARTS = 3


def tour_length(dist: np.ndarray, order: Sequence[int]) -> float:
    """Length of the closed tour 0 -> order... -> 0 in the matrix ``dist``.

    Examples
    --------
    >>> d = np.array([[0, 3, 4], [3, 0, 5], [4, 5, 0]], float)
    >>> tour_length(d, [1, 2])
    12.0
    """
    seq = np.concatenate([[0], np.asarray(order, dtype=np.int64), [0]])
    return float(dist[seq[:-1], seq[1:]].sum())


def nearest_neighbour_order(dist: np.ndarray, stops: Sequence[int]) -> list[int]:
    """Nearest-neighbour tour from 0 over ``stops`` (matrix indices); ties: lowest index.

    Examples
    --------
    >>> d = np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]], float)
    >>> nearest_neighbour_order(d, [1, 2])
    [2, 1]
    """
    left = list(stops)
    order: list[int] = []
    cur = 0
    while left:
        d = dist[cur, left]
        j = int(np.argmin(d))
        cur = left.pop(j)
        order.append(cur)
    return order


def two_opt(dist: np.ndarray, order: Sequence[int], max_rounds: int = 200) -> list[int]:
    """2-opt improvement of the closed tour 0 -> order -> 0 (symmetric ``dist``).

    Each round evaluates every segment reversal at once (numpy) and applies the best;
    stops when no reversal shortens the tour by more than 1e-9.

    Examples
    --------
    >>> pts = np.array([[0, 0], [0, 1], [1, 1], [1, 0]], float)
    >>> d = np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))
    >>> two_opt(d, [2, 1, 3])
    [1, 2, 3]
    """
    seq = np.concatenate([[0], np.asarray(order, dtype=np.int64), [0]])
    m = len(seq)
    if m < 5:
        return [int(v) for v in seq[1:-1]]
    i_idx, j_idx = _pairs(m - 1)
    for _ in range(max_rounds):
        a, b = seq[i_idx], seq[i_idx + 1]
        c, d = seq[j_idx], seq[j_idx + 1]
        gain = dist[a, b] + dist[c, d] - dist[a, c] - dist[b, d]
        k = int(np.argmax(gain))
        if gain[k] <= 1e-9:
            break
        i, j = i_idx[k], j_idx[k]
        seq[i + 1:j + 1] = seq[i + 1:j + 1][::-1].copy()
    return [int(v) for v in seq[1:-1]]


@functools.cache
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The index pairs (i, j >= i + 2) of :func:`two_opt` for ``n`` edges."""
    return np.triu_indices(n, k=2)


@functools.cache
def _layers(k: int) -> list[np.ndarray]:
    """The subsets (bit masks) of ``k`` stops, grouped by their size (1 .. k)."""
    masks = np.arange(1 << k, dtype=np.int64)
    size = np.zeros_like(masks)
    for j in range(k):
        size += masks >> j & 1
    return [masks[size == n] for n in range(1, k + 1)]


def _held_karp(dist: np.ndarray, stops: np.ndarray) -> list[int]:
    """The shortest closed tour 0 -> stops -> 0 (Held-Karp: every subset, numpy per size)."""
    k = len(stops)
    d = dist[np.ix_(stops, stops)]
    dp = np.full((1 << k, k), np.inf)
    parent = np.full((1 << k, k), -1, dtype=np.int64)
    for j in range(k):
        dp[1 << j, j] = dist[0, stops[j]]
    for masks in _layers(k)[1:]:
        for j in range(k):
            sel = masks[(masks >> j & 1).astype(bool)]
            prev = sel ^ (1 << j)
            cand = dp[prev] + d[:, j]  # rows: subsets without j, columns: the stop before j
            i = np.argmin(cand, axis=1)
            dp[sel, j] = cand[np.arange(len(sel)), i]
            parent[sel, j] = i
    full = (1 << k) - 1
    j = int(np.argmin(dp[full] + dist[stops, 0]))
    out, mask = [], full
    while j >= 0:
        out.append(int(stops[j]))
        mask, j = mask ^ (1 << j), int(parent[mask, j])
    return out[::-1]


def best_order(dist: np.ndarray, order: Sequence[int]) -> list[int]:
    """The shortest closed tour 0 -> stops -> 0 over the stops of ``order`` that we find.

    Up to :data:`EXACT_ORDER_MAX` stops the optimum (Held-Karp over every subset; ties:
    the first found over the sorted stops); more stops: 2-opt and Or-opt (runs of 1-3
    stops moved) from ``order`` and from a nearest-neighbour start, the shortest of the
    three kept. Never longer than ``order``.

    Examples
    --------
    >>> pts = np.array([[0, 0], [0, 1], [1, 1], [1, 0]], float)
    >>> d = np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))
    >>> best_order(d, [2, 1, 3])  # around the square (either way round)
    [3, 2, 1]
    """
    order = [int(v) for v in order]
    k = len(order)
    if k < 3:
        return order
    if k <= EXACT_ORDER_MAX:
        best = _held_karp(dist, np.array(sorted(order), dtype=np.int64))
        return best if tour_length(dist, best) < tour_length(dist, order) - 1e-9 else order
    tries = [order, _improve_order(dist, order),
             _improve_order(dist, nearest_neighbour_order(dist, order))]
    return min(tries, key=lambda o: tour_length(dist, o))


def _or_opt(dist: np.ndarray, order: list[int], max_rounds: int = 500) -> list[int]:
    """Or-opt: move a run of 1-3 stops (either way round) to the cheapest other place,
    the best move each round, while one shortens the tour."""
    seq = [0, *order, 0]
    for _ in range(max_rounds):
        s = np.array(seq, dtype=np.int64)
        n = len(s) - 2
        best = (1e-9, None)
        for length in (1, 2, 3):
            if length >= n:
                break
            i = np.arange(1, n - length + 2)  # run s[i] .. s[i + length - 1]
            first, last = s[i], s[i + length - 1]
            prev, nxt = s[i - 1], s[i + length]
            saved = dist[prev, first] + dist[last, nxt] - dist[prev, nxt]
            a = np.arange(0, n + 1)  # insert between s[a] and s[a + 1]
            ea, eb = s[a], s[a + 1]
            fwd = dist[ea][:, first].T + dist[last][:, eb] - dist[ea, eb]  # runs × places
            rev = dist[ea][:, last].T + dist[first][:, eb] - dist[ea, eb]
            gain = saved[:, None] - np.minimum(fwd, rev)
            inside = (a[None, :] >= i[:, None] - 1) & (a[None, :] <= i[:, None] + length - 1)
            gain[inside] = -np.inf
            k = int(np.argmax(gain))
            r, c = divmod(k, gain.shape[1])
            if gain[r, c] > best[0]:
                best = (float(gain[r, c]), (int(i[r]), length, int(a[c]),
                                            bool(rev[r, c] < fwd[r, c])))
        if best[1] is None:
            break
        start, length, at, flip = best[1]
        run = seq[start:start + length]
        rest = seq[:start] + seq[start + length:]
        at = at if at < start else at - length  # the place, counted in ``rest``
        seq = rest[:at + 1] + (run[::-1] if flip else run) + rest[at + 1:]
    return [int(v) for v in seq[1:-1]]


def _improve_order(dist: np.ndarray, order: list[int]) -> list[int]:
    """2-opt and Or-opt in turn until neither shortens the tour."""
    order = two_opt(dist, order)
    for _ in range(20):
        moved = two_opt(dist, _or_opt(dist, order))
        if tour_length(dist, moved) >= tour_length(dist, order) - 1e-9:
            break
        order = moved
    return order


def _reorder_limit(budget: float) -> float:
    return budget + min(_REORDER_SLACK * budget, _REORDER_MAX_MIN)


def _quick_order(dist: np.ndarray, order: list[int]) -> list[int]:
    """A better order, quickly: what the search uses to test whether a changed tour fits
    (exact up to 6 stops, else 2-opt from ``order``); the chosen tour gets
    :func:`best_order`."""
    if len(order) <= _QUICK_EXACT:
        return best_order(dist, order)
    better = two_opt(dist, order)
    return better if tour_length(dist, better) < tour_length(dist, order) else list(order)


def _insertion(t: np.ndarray, order: Sequence[int], cand: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest insertion (added walking minutes, position) of each of ``cand``."""
    seq = np.array([0, *order, 0], dtype=np.int64)
    a, b = seq[:-1], seq[1:]
    added = t[a][:, cand] + t[cand][:, b].T - t[a, b][:, None]  # positions × candidates
    pos = np.argmin(added, axis=0)
    return added[pos, np.arange(len(cand))], pos


def _tour_min(t: np.ndarray, order: Sequence[int], stop_min: float) -> float:
    return tour_length(t, order) + stop_min * len(order)


def added_minutes(t: np.ndarray, order: Sequence[int], c: int, stop_min: float, *,
                  budget: float | None = None) -> tuple[float, list[int]]:
    """Minutes that visiting stop ``c`` adds to the tour ``order``, and the new tour.

    Cheapest insertion; when that exceeds the ``budget`` by at most 15 % of it and at most
    15 minutes, also a better order of the stops with ``c`` (exact up to 6 stops, else
    2-opt from the insertion), the smaller kept. Without a budget, always :func:`best_order`.
    ``t`` is the walking-time matrix (row/column 0 the start); the minutes include
    ``stop_min`` for ``c``.

    Examples
    --------
    >>> t = np.array([[0, 3, 4], [3, 0, 5], [4, 5, 0]], float)
    >>> added_minutes(t, [1], 2, 10)
    (16.0, [2, 1])
    """
    order = [int(v) for v in order]
    base = _tour_min(t, order, stop_min)
    cost, pos = _insertion(t, order, np.array([c], dtype=np.int64))
    new = order[:int(pos[0])] + [int(c)] + order[int(pos[0]):]
    added = float(cost[0]) + stop_min
    if budget is None or (budget + 1e-9 < base + added <= _reorder_limit(budget)):
        alt = best_order(t, new) if budget is None else _quick_order(t, new)
        alt_added = _tour_min(t, alt, stop_min) - base
        if alt_added < added - 1e-9:
            return alt_added, alt
    return added, new


def swap_minutes(t: np.ndarray, order: Sequence[int], out: Sequence[int], c: int,
                 stop_min: float, *, budget: float | None = None) -> tuple[float, list[int]]:
    """Minutes of the tour ``order`` with the stops ``out`` replaced by ``c``, and the tour.

    ``c`` is inserted where it is cheapest into the tour without ``out``; when that exceeds
    the ``budget`` by a little (or no budget is given) a better order of the new stops is
    tried too and the shorter kept (as :func:`added_minutes`).

    Examples
    --------
    >>> t = np.array([[0, 3, 4], [3, 0, 5], [4, 5, 0]], float)
    >>> swap_minutes(t, [1], [1], 2, 10)
    (18.0, [2])
    """
    rest = [int(v) for v in order if v not in set(out)]
    added, new = added_minutes(t, rest, c, stop_min, budget=budget)
    return _tour_min(t, rest, stop_min) + added, new


def _fits(time: float, budget: float) -> bool:
    return time <= budget + 1e-9


def _fill(t: np.ndarray, w: np.ndarray, order: list[int], pool: Sequence[int], budget: float,
          stop_min: float, max_stops: int | None, *, by: str = "ratio",
          reorder: bool = True) -> list[int]:
    """Add stops while they fit: best priority per added minute (``by="ratio"``) or highest
    priority first (``by="priority"``), each where it is cheapest; with ``reorder`` the
    order re-optimised after each addition, and a stop that fits only in a better order
    added too (without: a quick first tour)."""
    order = list(order)
    while max_stops is None or len(order) < max_stops:
        left = [c for c in pool if c not in order]
        if not left:
            break
        cand = np.array(left, dtype=np.int64)
        used = _tour_min(t, order, stop_min)
        cost, pos = _insertion(t, order, cand)
        cost = cost + stop_min
        fits = used + cost <= budget + 1e-9
        if fits.any():
            score = w[cand] / np.maximum(cost, 1e-6) if by == "ratio" else w[cand]
            k = int(np.argmax(np.where(fits, score, -np.inf)))
            order.insert(int(pos[k]), int(cand[k]))
            if reorder:
                order = _quick_order(t, order)
            continue
        if not reorder:
            break
        # nothing fits by insertion: the highest priority that fits in a better order
        near = np.flatnonzero(used + cost <= _reorder_limit(budget))
        added = None
        for k in sorted(near, key=lambda k: (-w[cand[k]], int(cand[k]))):
            extra, new = added_minutes(t, order, int(cand[k]), stop_min, budget=budget)
            if _fits(used + extra, budget):
                added = new
                break
        if added is None:
            break
        order = added
    return order


def _swap(t: np.ndarray, w: np.ndarray, order: list[int], pool: Sequence[int], budget: float,
          stop_min: float, max_stops: int | None, fixed: int | None) -> list[int] | None:
    """The best exchange that raises the summed priority and fits the budget and the
    number of stops, or None: one or two chosen stops out and one left-out stop in, or one
    out and two in (one far stop for two near ones). Ties: the shorter tour."""
    left = np.array([c for c in pool if c not in order], dtype=np.int64)
    movable = [i for i in order if i != fixed]
    if not len(left) or not movable:
        return None
    best: tuple[float, float, list[int]] | None = None

    def consider(gain: float, tm: float, new: list[int]) -> None:
        nonlocal best
        if best is None or (gain, -tm) > (best[0], best[1]):
            best = (gain, -tm, new)

    reorders = 50  # bounds the work of the two-in moves that fit only in a better order
    outs = [(i,) for i in movable] + list(itertools.combinations(movable, 2))
    swaps = []  # one in for one or two out: by cheapest insertion first
    for out in outs:
        gain = w[left] - sum(w[i] for i in out)
        rest = [i for i in order if i not in out]
        base = _tour_min(t, rest, stop_min)
        cost, pos = _insertion(t, rest, left)
        cheap = base + cost + stop_min
        for k in np.flatnonzero(gain > 1e-12):
            if _fits(cheap[k], budget):
                new = rest[:int(pos[k])] + [int(left[k])] + rest[int(pos[k]):]
                consider(float(gain[k]), float(cheap[k]), new)
            elif cheap[k] <= _reorder_limit(budget):
                swaps.append((float(gain[k]), out, int(left[k])))
    swaps.sort(key=lambda x: -x[0])
    # those that fit only in a better order, the largest gain first: the first that fits
    # is the best of them (every one is tried when none fits: the explanations rely on it)
    for gain_k, out, c in swaps:
        if best is not None and gain_k < best[0] - 1e-12:
            break
        tm, new = swap_minutes(t, order, out, c, stop_min, budget=budget)
        if _fits(tm, budget):
            consider(gain_k, tm, new)
            break
    for out in outs:
        if len(out) == 2 or (max_stops is not None and len(order) + 1 > max_stops):
            continue
        rest = [i for i in order if i not in out]
        base = _tour_min(t, rest, stop_min)
        cost, pos = _insertion(t, rest, left)
        cheap = base + cost + stop_min
        # one out, two in: the first by cheapest insertion, then every second one
        top2 = np.sort(w[left])[-2:].sum() - w[out[0]]
        if top2 <= 1e-12 or (best is not None and top2 < best[0] - 1e-12):
            continue
        for k in np.argsort(-w[left], kind="stable"):
            a = int(left[k])
            if not _fits(cheap[k], budget):
                continue
            with_a = rest[:int(pos[k])] + [a] + rest[int(pos[k]):]
            others = left[left != a]
            g2 = w[a] + w[others] - w[out[0]]
            if not (g2 > 1e-12).any():
                continue
            c2, p2 = _insertion(t, with_a, others)
            tm2 = cheap[k] + c2 + stop_min
            near = (g2 > 1e-12) & (tm2 <= _reorder_limit(budget))
            for j in np.flatnonzero(near)[np.argsort(-g2[near], kind="stable")]:
                if best is not None and g2[j] < best[0] - 1e-12:
                    break
                new = with_a[:int(p2[j])] + [int(others[j])] + with_a[int(p2[j]):]
                tm = float(tm2[j])
                if not _fits(tm, budget):
                    if reorders <= 0:
                        continue
                    reorders -= 1
                    new = _quick_order(t, new)
                    tm = _tour_min(t, new, stop_min)
                    if not _fits(tm, budget):
                        continue
                consider(float(g2[j]), tm, new)
    if best is None and len(movable) <= 6:
        # ruin and recreate: one or two stops out, the time they free filled again
        now = float(w[order].sum())
        for out in outs:
            rest = [i for i in order if i not in out]
            for by in ("ratio", "priority"):
                new = _fill(t, w, rest, [c for c in pool if c not in out], budget, stop_min,
                            max_stops, by=by)
                gain = float(w[new].sum()) - now
                if gain > 1e-12:
                    consider(gain, _tour_min(t, new, stop_min), new)
    return None if best is None else _quick_order(t, best[2])


def _local_search(t: np.ndarray, w: np.ndarray, order: list[int], pool: Sequence[int],
                  budget: float, stop_min: float, max_stops: int | None, fixed: int | None,
                  by: str) -> list[int]:
    order = _fill(t, w, best_order(t, order), pool, budget, stop_min, max_stops, by=by)
    for _ in range(10 * len(pool) + 10):  # each exchange raises the priority: it ends
        new = _swap(t, w, order, pool, budget, stop_min, max_stops, fixed)
        if new is None:
            break
        order = _fill(t, w, new, pool, budget, stop_min, max_stops)
    return order


@dataclass
class PatrolPlan:
    """Result of :func:`plan_route`. Indices refer to the ``stops`` given (0-based)."""

    order: list[int]
    """Chosen stops in visiting order (indices into ``stops``)."""
    arrival_min: list[float]
    """Arrival minute at each chosen stop (0 = leaving the start)."""
    length_m: float
    """Walking length of the closed tour (start -> stops -> start)."""
    time_min: float
    """Walking time plus stop time."""
    nn_length_m: float
    """Nearest-neighbour tour length over the same chosen stops."""
    node_path: list[Any]
    """Graph nodes of the whole route, start to start."""
    geometry: Any
    """The route as a LineString (edge geometries concatenated)."""
    covered_priority: float
    unreachable: list[int] = field(default_factory=list)
    """Stops with no path from the start."""
    skipped: list[int] = field(default_factory=list)
    """Reachable stops left out (by the budget, the number of stops or their priority)."""
    budget_min: float = 0.0
    """The time budget (minutes)."""
    walk_min: float = 0.0
    """Walking time (minutes)."""
    stop_min: float = 0.0
    """Minutes at each stop."""
    minutes: np.ndarray | None = None
    """Walking minutes between the start (row/column 0) and the stops (1 + index); inf
    where there is no path. What the explanations (:mod:`.explain`) measure with."""
    priorities: np.ndarray | None = None
    """The priorities given (one per stop)."""
    weights: np.ndarray | None = None
    """The priorities the choice used: ``priorities`` times the seeded jitter factor."""
    max_stops: int | None = None
    """Most stops allowed."""
    jitter: float = 0.0
    """Relative jitter of the priorities (unpredictability)."""
    first: int | None = None
    """The highest-priority stop that fits the budget on its own (``visit_top``); None
    without ``visit_top`` or when no stop fits."""
    first_kept: bool = True
    """Whether ``first`` is in the tour (False: keeping it in would cost more than
    ``top_cost`` of the collected priority)."""
    priority_with_first: float = 0.0
    """The priority collected by the best tour found with ``first`` in."""
    priority_without_first: float = 0.0
    """The priority collected by the best tour found without that rule."""
    top_cost: float = 0.0
    """The largest share of the collected priority given up to keep ``first`` in."""


def plan_route(graph: Any, start_node: Any, stops: Sequence[Any], *, budget_min: float,
               speed_kmh: float = 5.0, stop_min: float = 12.0, seed: int = 0,
               priorities: Sequence[float] | None = None, jitter: float = 0.15,
               max_stops: int | None = None, visit_top: bool = True,
               top_cost: float = 0.25) -> PatrolPlan:
    """Choose and order stops for a closed walking tour within a time budget.

    The choice maximises the summed (jittered) priority of the stops within the budget
    (walking plus ``stop_min`` per stop) and ``max_stops``; among equal sums, the shorter
    tour. It is a local search: tours built by best priority per added minute, by highest
    priority first and around each stop that fits on its own (the best three), each
    improved by exchanging one or two chosen stops for one left out, or one for two, while
    that raises the sum and fits, and by adding stops while they fit; the stops of the tour
    are ordered by :func:`best_order` (exact up to :data:`EXACT_ORDER_MAX` stops). With
    ``visit_top`` the highest-priority reachable stop that fits the budget on its own is in
    the tour (a plan that leaves out the top hot spot is hard to explain)
    unless keeping it in costs more than ``top_cost`` of the priority the tour collects
    without that rule (a top stop at the far end of the area can take the whole shift).
    The tests compare it with a brute-force optimum on small instances.

    Parameters
    ----------
    graph : networkx graph or RouteGraph
        Walk network (edge ``length`` in metres, node ``x``/``y``).
    start_node : node id
        Where the patrol starts and ends.
    stops : sequence of node ids
        Candidate stop nodes (repeats allowed; each is a separate stop).
    budget_min : float
        Walking plus stopping time available, minutes (> 0).
    speed_kmh : float, default 5
    stop_min : float, default 12
        Minutes spent at each stop.
    seed : int, default 0
        Seed of the priority jitter (same seed, same plan).
    priorities : sequence of float, optional
        Priority per stop (default 1 each, i.e. as many stops as fit).
    jitter : float, default 0.15
        Relative random change of the priorities used to choose (0: none).
    max_stops : int, optional
        Most stops to choose (hot spot policing advises 2-5 per shift); no limit when None.
    visit_top : bool, default True
        Visit the highest-priority reachable stop that fits the budget on its own (by the
        priorities given, before jitter), unless that costs more than ``top_cost``.
    top_cost : float, default 0.25
        Largest share of the collected priority (priorities as given) that keeping the
        top stop in may cost.

    Returns
    -------
    PatrolPlan

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph()
    >>> g.add_node("s", x=0.0, y=0.0); g.add_node("a", x=500.0, y=0.0)
    >>> g.add_edge("s", "a", length=500.0)
    >>> plan = plan_route(g, "s", ["a"], budget_min=30, stop_min=10, jitter=0)
    >>> plan.order, plan.length_m, plan.time_min
    ([0], 1000.0, 22.0)
    """
    from scipy.sparse.csgraph import dijkstra

    if not (budget_min > 0 and math.isfinite(budget_min)):
        raise PatrolError(f"budget_min must be positive; got {budget_min!r}")
    if not speed_kmh > 0:
        raise PatrolError(f"speed_kmh must be positive; got {speed_kmh!r}")
    if stop_min < 0:
        raise PatrolError(f"stop_min must be 0 or more; got {stop_min!r}")
    if not 0 <= jitter < 1:
        raise PatrolError(f"jitter must be in [0, 1); got {jitter!r}")
    if max_stops is not None and max_stops < 0:
        raise PatrolError(f"max_stops must be 0 or more; got {max_stops!r}")
    if not 0 <= top_cost <= 1:
        raise PatrolError(f"top_cost must be in [0, 1]; got {top_cost!r}")
    rg = graph if isinstance(graph, RouteGraph) else RouteGraph.from_graph(graph)
    if start_node not in rg.index:
        raise PatrolError(f"start node {start_node!r} is not in the graph")
    stops = list(stops)
    m = len(stops)
    prio = np.ones(m) if priorities is None else np.asarray(priorities, dtype=float)
    if prio.shape != (m,):
        raise PatrolError("priorities must have one value per stop")
    missing = [s for s in stops if s not in rg.index]
    if missing:
        raise PatrolError(f"stop nodes not in the graph: {missing[:5]}")
    src = np.array([rg.index[start_node]] + [rg.index[s] for s in stops], dtype=np.int64)
    uniq, inv = np.unique(src, return_inverse=True)
    dist_u, pred_u = dijkstra(rg.matrix, directed=False, indices=uniq, return_predecessors=True)
    dist = dist_u[inv][:, src]  # (m+1) × (m+1)
    pred = pred_u[inv]
    dist = np.minimum(dist, dist.T)
    reach = np.isfinite(dist[0, 1:])
    unreachable = [int(i) for i in np.flatnonzero(~reach)]
    m_per_min = speed_kmh * 1000.0 / 60.0
    minutes = dist / m_per_min
    t = np.where(np.isfinite(dist), minutes, 1e12)
    rng = np.random.default_rng(seed)
    noise = rng.uniform(1 - jitter, 1 + jitter, size=m) if jitter else np.ones(m)
    w = np.concatenate([[0.0], np.maximum(prio, 0) * noise + 1e-9])
    pool = [int(i) + 1 for i in np.flatnonzero(reach)]
    # deterministic tie-break: pool order by jittered priority, then index
    pool.sort(key=lambda i: (-w[i], i))
    first = None
    if visit_top and max_stops != 0:
        solo = [i for i in pool if _fits(2 * t[0, i] + stop_min, budget_min)]
        if solo:
            first = min(solo, key=lambda i: (-prio[i - 1], i))

    def key(order: list[int]) -> tuple[float, float]:  # the larger sum, then the shorter
        return round(float(w[order].sum()), 12), -round(tour_length(t, order), 9)

    solo_all = [i for i in pool if _fits(2 * t[0, i] + stop_min, budget_min)]

    def search(fixed: int | None) -> list[int]:
        start = [] if fixed is None else [fixed]
        # starts: built by priority per minute and by priority, and the best few of the
        # tours built around each stop that fits on its own (a far cluster of middling
        # stops is found from one of its own)
        starts = [(start, "ratio"), (start, "priority")]
        seeded = {}
        for c in solo_all:
            if c == fixed:
                continue
            tour = _fill(t, w, start + [c], pool, budget_min, stop_min, max_stops,
                         reorder=False)
            if _fits(_tour_min(t, tour, stop_min), budget_min):
                seeded.setdefault(frozenset(tour), tour)
        for tour in sorted(seeded.values(), key=key, reverse=True)[:_SEEDED_STARTS]:
            starts.append((tour, "ratio"))
        best: list[int] = []
        for tour, by in starts:
            order = _local_search(t, w, tour, pool, budget_min, stop_min, max_stops, fixed,
                                  by)
            if not best or key(order) > key(best):
                best = order
        return best

    best = search(None)
    free_p = with_p = float(prio[[i - 1 for i in best]].sum())
    kept = first is None or first in best
    if not kept:
        # the top stop that fits is kept in unless that costs more than top_cost of the
        # priority the shift collects without it
        forced = search(first)
        with_p = float(prio[[i - 1 for i in forced]].sum())
        if with_p >= (1 - top_cost) * free_p - 1e-12:
            best, kept = forced, True
    order = best_order(dist, best)
    length = tour_length(dist, order)
    nn_length = tour_length(dist, nearest_neighbour_order(dist, order))
    seq = [0, *order, 0]
    legs = dist[seq[:-1], seq[1:]] / m_per_min
    arrival = np.cumsum(legs[:-1]) + stop_min * np.arange(len(order))
    walk = float(legs.sum())
    # node path and geometry
    path: list[int] = [int(src[0])]
    for fr, to in zip(seq[:-1], seq[1:], strict=True):
        leg = _leg(pred[to], int(src[to]), int(src[fr]))  # fr ... to, up the tree of to
        path.extend(leg[1:])
    node_path = [rg.nodes[i] for i in path]
    geometry = _route_line(rg, node_path)
    chosen = set(order)
    return PatrolPlan(
        order=[i - 1 for i in order], arrival_min=[round(float(v), 2) for v in arrival],
        length_m=round(length, 1), time_min=round(walk + stop_min * len(order), 2),
        nn_length_m=round(nn_length, 1), node_path=node_path, geometry=geometry,
        covered_priority=round(float(prio[[i - 1 for i in order]].sum()), 4),
        unreachable=unreachable,
        skipped=[i - 1 for i in pool if i not in chosen], budget_min=float(budget_min),
        walk_min=round(walk, 2), stop_min=float(stop_min), minutes=minutes, priorities=prio,
        weights=w[1:], max_stops=max_stops, jitter=float(jitter),
        first=None if first is None else first - 1, first_kept=bool(kept),
        priority_with_first=round(with_p, 4), priority_without_first=round(free_p, 4),
        top_cost=float(top_cost))


def _leg(pred_row: np.ndarray, source: int, target: int) -> list[int]:
    """Node indices from ``target`` back to ``source`` in a predecessor row of ``source``."""
    out = [target]
    cur = target
    while cur != source:
        cur = int(pred_row[cur])
        if cur < 0:
            raise PatrolError("no path between two stops")
        out.append(cur)
    return out


def _route_line(rg: RouteGraph, node_path: list[Any]) -> Any:
    import shapely

    if len(node_path) < 2:
        p = rg.xy[rg.index[node_path[0]]]
        return shapely.LineString([p, p])
    pieces = [rg.edge_geometry(u, v) for u, v in zip(node_path[:-1], node_path[1:], strict=True)]
    coords = np.concatenate([pieces[0]] + [p[1:] for p in pieces[1:]])
    return shapely.LineString(coords)
