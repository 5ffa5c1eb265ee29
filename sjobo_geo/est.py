"""EST weekly picture: one printable page for the weekly meeting of the EST actors.

EST (Effektiv samordning för trygghet): Borås Stad, the police, Victoriahem, Bostäder Borås,
Svenska kyrkan, Borås GIF and Coop report incidents every week into one shared picture.
:func:`run_est_week` turns a report export into

* ``est_week.html``: one self-contained page (A4 print CSS, a section per printed page): a
  short generated summary, a map of the period's incidents by category and by actor, counts
  of the period against the previous 8 periods (table and inline SVG bars), places that are
  new or rising, the places named most often and the probable duplicates to check;
* ``est_week.gpkg`` and ``est_week.csv``: the period's incidents (with public=True only the
  grid cells with at least ``k`` incidents, no report-level data, no free text).

Rising places (a documented, simple rule)
-----------------------------------------
Incidents are counted on a square grid (:func:`sjobo_geo.hotspots.grid_units`, ``cell_size``
metres). For each cell, ``c`` is the count of the chosen period and ``b`` the mean count of
the previous periods (up to 8, only periods the data cover). The cell is **rising** when
``c >= 3``, ``c > b`` and the Poisson upper tail ``P(X >= c | lambda)`` with
``lambda = (sum of previous counts + 0.5) / number of previous periods`` is significant after
a Benjamini-Hochberg correction over the cells (``alpha = 0.05``); **new** when it is rising
and had no incident in the previous periods.

Emerging hot spot classes
-------------------------
Beside that rule, every cell gets an emerging hot spot class (ESRI's classes, computed by
:func:`sjobo_geo.hotspots.emerging_classes`): a Getis-Ord Gi* for each of up to 26 periods
ending with the chosen one (neighbours: the 3 x 3 block of cells), FDR per period, and a
Mann-Kendall trend of the z-scores. It needs 6 periods of data. Cells that are a **new**,
**consecutive** or **intensifying** hot spot are listed with the rising ones; the table shows
both the rule's status and the class.

Several actors
--------------
Several files (one per actor) are read by
:func:`sjobo_geo.reports.validate.load_report_files`: each report keeps its file and actor
(a file without an actor column gives its name), ids become ``<file>:<id>``, and rejected
rows of every file are listed in ``est_rejects.csv``. In a mixed file (surveys and EST),
only the EST sources (``est``, ``situational_picture``) are shown, and the rest is counted
in the messages.

Probable duplicates
-------------------
Several actors may report the same incident. Reports of the same category within 50 m and
2 hours of each other, from different actors, are flagged: the later one gets the earlier
one's id in ``probable_duplicate_of``. Nothing is merged or dropped; a person decides.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import SjoboGeoError
from ._progress import noop

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["EST_STEPS", "EstError", "EstResult", "PERIODS", "flag_duplicates", "run_est_week"]

#: Period lengths the page can show.
PERIODS = ("week", "quarter", "year")
#: Steps reported to ``progress``.
EST_STEPS = ("area", "reports", "analysis", "outputs", "page")
#: Number of earlier periods compared with the chosen one.
N_PREVIOUS = 8
#: Sources that are EST incidents (a mixed file's other rows are left out and counted).
EST_SOURCES = ("est", "situational_picture", "unknown")
#: Duplicate rule: same category, different actors, this close in metres and hours.
DUP_DISTANCE_M = 50.0
DUP_HOURS = 2.0
#: Rising rule: smallest count, significance level (Benjamini-Hochberg over the cells).
RISING_MIN = 3
ALPHA = 0.05
#: Grid cell size (metres) of the rising rule and of the public counts.
CELL_SIZE_M = 100.0
#: Emerging hot spot classes: up to this many periods (ending with the chosen one) ...
EMERGING_STEPS = 26
#: ... of which at least this many must be covered by the data.
EMERGING_MIN_STEPS = 6
#: Gi* neighbours of the emerging classes: the 3 x 3 block of cells around each (a place,
#: not a district: a wider band dilutes one busy cell among quiet ones).
EMERGING_BAND_CELLS = 1.5
#: Emerging classes that put a place on the "new or rising" list.
RISING_CLASSES = ("new hot spot", "consecutive hot spot", "intensifying hot spot")
#: At most this many rows in the page's lists (the CSV holds all).
LIST_MAX = 40

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#ad494a", "#637939", "#843c39")


class EstError(ValueError, SjoboGeoError):
    """Bad arguments or a report file the EST page cannot be made from."""


@dataclass
class EstResult:
    """What :func:`run_est_week` produced."""

    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    period: str = ""
    counts: pd.DataFrame | None = None
    rising: pd.DataFrame | None = None
    duplicates: pd.DataFrame | None = None
    accepted: int = 0
    synthetic: bool = False


# ---- periods ---------------------------------------------------------------------------------

_EPOCH = dt.date(1970, 1, 5)  # a Monday


def _period_index(dates: pd.Series | list[dt.date], period: str) -> np.ndarray:
    d = pd.to_datetime(pd.Series(dates))
    if period == "week":
        days = (d.dt.normalize() - pd.Timestamp(_EPOCH)).dt.days.to_numpy()
        return np.floor_divide(days, 7)
    if period == "quarter":
        return (d.dt.year * 4 + (d.dt.month - 1) // 3).to_numpy()
    return d.dt.year.to_numpy()


def _period_label(index: int, period: str) -> str:
    if period == "week":
        monday = _EPOCH + dt.timedelta(days=7 * int(index))
        y, w, _ = monday.isocalendar()
        return f"{y}-W{w:02d}"
    if period == "quarter":
        return f"{index // 4}-Q{index % 4 + 1}"
    return str(index)


def _period_bounds(index: int, period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First day of the period and first day after it."""
    if period == "week":
        start = pd.Timestamp(_EPOCH + dt.timedelta(days=7 * int(index)))
        return start, start + pd.Timedelta(days=7)
    if period == "quarter":
        start = pd.Timestamp(year=index // 4, month=3 * (index % 4) + 1, day=1)
        return start, start + pd.DateOffset(months=3)
    return pd.Timestamp(year=index, month=1, day=1), pd.Timestamp(year=index + 1, month=1, day=1)


def _parse_week(week: str) -> dt.date:
    try:
        y, w = str(week).upper().split("-W")
        return dt.date.fromisocalendar(int(y), int(w), 1)
    except ValueError as exc:
        raise EstError(f"bad week {week!r}; expected an ISO week such as 2025-W14") from exc


def _last_full_week(last: pd.Timestamp) -> dt.date:
    day = last.date()
    monday = day - dt.timedelta(days=day.weekday())
    return monday if day.weekday() == 6 else monday - dt.timedelta(days=7)


# ---- duplicates ------------------------------------------------------------------------------


def flag_duplicates(reports: pd.DataFrame, *, distance: float = DUP_DISTANCE_M,
                    hours: float = DUP_HOURS) -> pd.Series:
    """``probable_duplicate_of`` per report: the id of an earlier report of the same category,
    from another actor, within ``distance`` metres and ``hours`` hours; else empty.

    Positions are the report geometries (snapped, metric CRS). Reports without a time are
    never flagged. Nothing is removed.
    """
    from scipy.spatial import cKDTree

    out = pd.Series("", index=reports.index, dtype=object)
    ts = pd.to_datetime(reports["timestamp"])
    ok = ts.notna().to_numpy() & ~reports.geometry.is_empty.to_numpy()
    if ok.sum() < 2:
        return out
    pos = np.flatnonzero(ok)
    t = ts.to_numpy()
    cat = reports["category"].astype(str).to_numpy()
    actor = reports["actor"].astype(str).to_numpy()
    # one KD-tree in (x, y, scaled time, category): boxes of +-distance metres and +-hours
    # (time scaled so that `hours` is `distance`), categories far apart; then the exact test
    hours_s = (t[pos] - t[pos].min()) / np.timedelta64(1, "s") / 3600.0
    codes = pd.factorize(cat[pos])[0].astype(float)
    pts = np.column_stack([reports.geometry.x.to_numpy()[pos],
                           reports.geometry.y.to_numpy()[pos],
                           hours_s * (distance / hours), codes * 10.0 * distance])
    pairs = cKDTree(pts).query_pairs(distance, p=np.inf, output_type="ndarray")
    if not len(pairs):
        return out
    a, b = pairs[:, 0], pairs[:, 1]
    near = np.hypot(pts[a, 0] - pts[b, 0], pts[a, 1] - pts[b, 1]) <= distance
    i, j = pos[a], pos[b]
    gap = np.abs(hours_s[a] - hours_s[b])
    keep = near & (gap <= hours) & (cat[i] == cat[j]) & (actor[i] != actor[j])
    i, j = i[keep], j[keep]
    # the later one points at the earlier one (ties: the later row)
    swap = (t[j] < t[i]) | ((t[j] == t[i]) & (j < i))
    first, later = np.where(swap, j, i), np.where(swap, i, j)
    ids = reports["report_id"].astype(str).to_numpy()
    order = np.lexsort((t[first], later))  # per later report, its earliest match first
    uniq, at = np.unique(later[order], return_index=True)
    values = out.to_numpy(copy=True)
    values[uniq] = ids[first[order][at]]
    return pd.Series(values, index=reports.index, dtype=object)


# ---- rising places ---------------------------------------------------------------------------


def _rising(series: np.ndarray, have_prev: np.ndarray) -> pd.DataFrame:
    """Columns count, prev_mean, p, status per cell from counts ``(cells, N_PREVIOUS + 1)``."""
    from scipy.stats import poisson

    from .stats import fdr

    c = series[:, -1]
    prev = series[:, :-1][:, have_prev]
    n_prev = int(have_prev.sum())
    frame = pd.DataFrame({"count": c.astype(int)})
    if n_prev == 0:
        frame["prev_mean"] = np.nan
        frame["p"] = np.nan
        frame["status"] = ""
        return frame
    total = prev.sum(axis=1)
    mean = total / n_prev
    lam = (total + 0.5) / n_prev
    p = np.where(c > 0, poisson.sf(c - 1, lam), 1.0)
    sig = fdr(p, ALPHA) & (c >= RISING_MIN) & (c > mean)
    frame["prev_mean"] = mean.round(2)
    frame["p"] = p
    frame["status"] = np.where(sig, np.where(total == 0, "new", "rising"), "")
    return frame


# ---- place names -----------------------------------------------------------------------------


def _place_names(reports: gpd.GeoDataFrame, area: Any, lang: str) -> pd.Series:
    """A readable place per report: the place text, else the name of the place it was
    snapped to, else "near <the nearest named street>" (within 150 m), else empty."""
    from .hotspots import nearest_street
    from .maps.i18n import label

    text = (reports["place_text"].astype("string") if "place_text" in reports
            else pd.Series(pd.NA, index=reports.index, dtype="string"))
    snapped = (reports["snapped_to"].astype("string") if "snapped_to" in reports
               else pd.Series(pd.NA, index=reports.index, dtype="string"))
    name = snapped.str.split(":", n=2).str[2]
    named = snapped.str.startswith("place:").fillna(False) & name.notna() & ~name.fillna(
        "#").str.startswith("#")
    out = text.where(text.notna() & (text.str.strip() != ""), name.where(named))
    missing = out.isna().to_numpy()
    if missing.any() and "paths" in area.layers:
        street = nearest_street(reports[missing], area.layers["paths"])
        near = np.where(street != "", label("est_near", lang) + " " + street, "")
        out[missing] = near
    return out.astype(object).where(out.notna(), "")


# ---- page pieces -----------------------------------------------------------------------------


# ---- the run ---------------------------------------------------------------------------------


def run_est_week(
    reports_file: str | Path | Sequence[str | Path],
    area: Any = "sample",
    *,
    out: str | Path,
    week: str | None = None,
    period: str = "week",
    public: bool = False,
    k: int = 5,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Callable[[str], None] | None = None,
    measures: Any = None,
) -> EstResult:
    """The EST weekly picture: ``est_week.html``, ``est_week.gpkg``, ``est_week.csv`` in ``out``.

    Parameters
    ----------
    reports_file : path or list of paths
        Report exports, e.g. one per EST actor, read by
        :func:`sjobo_geo.reports.validate.load_report_files`: each report keeps its actor
        and file, and the same incident reported by two actors is flagged, never merged.
        Every accepted report counts (EST files hold only EST incidents; in mixed files the
        ``source`` column tells them apart).
    area : str, path or Area
    out : path
        Output folder (created).
    week : str, optional
        ISO week such as ``"2025-W14"``; the period shown is the one containing its Monday.
        Default: the last full ISO week in the data.
    period : {"week", "quarter", "year"}
        Length of the period shown and of the 8 earlier periods it is compared with.
    public : bool
        Publishable outputs: counts per grid cell with at least ``k`` incidents only, counts
        under ``k`` shown as ``<k``, no report-level lists, no free text.
    k : int, default 5
    offline_html : bool
        Inline the map's scripts and use no web tiles (no network needed).
    lang : {"sv", "en"}, optional
    progress : callable, optional
        Called with each step name of :data:`EST_STEPS`.
    measures : path, MeasureSet or GeoDataFrame, optional
        A measures register (:func:`sjobo_geo.measures.load_measures`) drawn on the map.

    Returns
    -------
    EstResult
        ``files`` (html, gpkg, csv, and rejects when rows were rejected), ``messages``,
        ``period`` label, ``counts`` (by category and period), ``rising`` (cells: Poisson
        ``status`` and emerging hot spot ``pattern``), ``duplicates`` (flagged reports of the
        period).
    """
    from .hotspots import assign_to_grid, emerging_classes, grid_units
    from .io import atomic_path, write_gpkg_layers
    from .jobs import _area_and_reports
    from .maps.i18n import check_lang

    t0 = time.perf_counter()
    lang = check_lang(lang)
    if period not in PERIODS:
        raise EstError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    if int(k) < 1:
        raise EstError(f"k must be at least 1; got {k}")
    step = progress or noop
    out = Path(out)
    model, rs, paths = _area_and_reports(reports_file, area, error=EstError, step=step,
                                         steps=(EST_STEPS[0], EST_STEPS[1]))
    from .measures import as_measure_set

    ms = as_measure_set(measures, model)
    reports = rs.reports
    timed = reports["timestamp"].notna()
    if not timed.any():
        raise EstError(f"{rs.source_file}: no accepted report has a date ({rs.rejected} of "
                       f"{rs.total} rows rejected); nothing to show")
    step(EST_STEPS[2])
    reports = reports.copy()
    est_like = reports["source"].isin(EST_SOURCES).to_numpy()
    left_out = int((~est_like).sum())
    if est_like.any() and left_out:  # a mixed file: the EST picture shows EST incidents
        reports = reports[est_like]
        timed = timed[est_like]
    reports["probable_duplicate_of"] = flag_duplicates(reports)
    ts = reports["timestamp"]
    anchor = _parse_week(week) if week else _last_full_week(ts.max())
    current = int(_period_index([anchor], period)[0])
    pidx = np.full(len(reports), np.iinfo(np.int64).min, dtype=np.int64)
    pidx[timed.to_numpy()] = _period_index(ts[timed], period)
    first = int(pidx[timed.to_numpy()].min())
    if current < first or current > int(pidx.max()):
        raise EstError(f"{_period_label(current, period)} is outside the data "
                       f"({ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d})")
    periods = list(range(current - N_PREVIOUS, current + 1))
    have = np.array([p >= first for p in periods])
    plabels = [_period_label(p, period) for p in periods]
    in_current = pidx == current
    now = reports[in_current].copy()
    now["place"] = _place_names(now, model, lang)
    result = EstResult(period=plabels[-1], accepted=rs.accepted, synthetic=bool(rs.synthetic))

    # counts by category and by actor over the 9 periods
    window = (pidx >= periods[0]) & (pidx <= current)
    win = reports[window]
    pos = pidx[window] - periods[0]

    def counts_by(col: str) -> pd.DataFrame:
        keys = win[col].astype(str).to_numpy()
        frame = pd.crosstab(keys, pos).reindex(columns=range(len(periods)), fill_value=0)
        frame.columns = plabels
        frame.index.name = col
        frame = frame.astype(float)
        frame.loc[:, ~have] = np.nan
        return frame.sort_values(plabels[-1], ascending=False, kind="stable")

    by_cat = counts_by("category")
    by_actor = counts_by("actor")
    totals = [float((pos == n).sum()) if have[n] else None for n in range(len(periods))]
    result.counts = by_cat

    # rising cells: the Poisson rule over the compared periods, emerging classes over more
    grid = grid_units(model, CELL_SIZE_M)
    span = max(N_PREVIOUS, EMERGING_STEPS - 1)
    lo = current - span
    longwin = (pidx >= lo) & (pidx <= current)
    lw = reports[longwin]
    cell = assign_to_grid(np.column_stack([lw.geometry.x.to_numpy(), lw.geometry.y.to_numpy()]),
                          grid)
    okc = cell >= 0
    series_all = np.zeros((len(grid), span + 1))
    np.add.at(series_all, (cell[okc], pidx[longwin][okc] - lo), 1.0)
    series = series_all[:, -len(periods):]
    rise = _rising(series, have[:-1])
    rise.insert(0, "unit_id", grid["unit_id"].to_numpy())
    e_cols = (np.arange(lo, current + 1) >= first)[-EMERGING_STEPS:]
    n_steps = int(e_cols.sum())
    rise["pattern"] = (emerging_classes(series_all[:, -EMERGING_STEPS:][:, e_cols], grid,
                                        EMERGING_BAND_CELLS)
                       if n_steps >= EMERGING_MIN_STEPS else "")
    now_cell = cell[pidx[longwin] == current]  # the period's reports are in the long window
    now["cell"] = np.where(now_cell >= 0, grid["unit_id"].to_numpy()[now_cell], "")
    pairs = now.loc[now["place"] != "", ["cell", "place"]]
    top_place = (pairs.value_counts().reset_index().drop_duplicates("cell")
                 .set_index("cell")["place"])
    rise["place"] = rise["unit_id"].map(top_place).fillna("")
    listed = (rise["status"] != "") | rise["pattern"].isin(RISING_CLASSES)
    rising = rise[listed]
    order = np.lexsort((-rising["count"].to_numpy(),
                        rising["p"].where(rising["status"] != "", 2.0).to_numpy()))
    rising = rising.iloc[order]
    result.rising = rising.reset_index(drop=True)
    dups = now[now["probable_duplicate_of"] != ""]
    result.duplicates = dups
    named = now.loc[now["place"] != "", "place"].value_counts()

    # outputs
    step(EST_STEPS[3])
    out.mkdir(parents=True, exist_ok=True)
    about = {"generator": "sjobo-geo est-week", "area": model.name, "period": plabels[-1],
             "period_kind": period, "public": public, "synthetic": result.synthetic,
             "reports": len(now), "accepted": rs.accepted, "rejected": rs.rejected,
             "cell_size_m": CELL_SIZE_M, "duplicate_rule_m_h": f"{DUP_DISTANCE_M}/{DUP_HOURS}",
             "emerging_periods": n_steps, "files": ", ".join(p.name for p in paths),
             **({"k": k} if public else {})}
    cells_now = grid[["unit_id", "geometry"]].copy()
    cells_now["count"] = series[:, -1].astype(int)
    cells_now["status"] = rise["status"].to_numpy()
    cells_now["pattern"] = rise["pattern"].to_numpy()
    if public:
        cells_now = cells_now[cells_now["count"] >= k].reset_index(drop=True)
        cells_now["synthetic"] = result.synthetic
        layers: dict[str, gpd.GeoDataFrame] = {"cells": cells_now}
        table = cells_now.drop(columns="geometry")
    else:
        cols = ["report_id", "source_file", "source", "actor", "category", "timestamp", "time_band",
                "after_dark", "weight", "place", "text", "x", "y", "snapped_to",
                "probable_duplicate_of", "synthetic", "geometry"]
        incidents = now[[c for c in cols if c in now.columns]].reset_index(drop=True)
        layers = {"incidents": incidents, "cells": cells_now[cells_now["count"] > 0]}
        table = incidents.drop(columns="geometry")
    result.files["gpkg"] = write_gpkg_layers(layers, out / "est_week.gpkg", about=about)
    with atomic_path(out / "est_week.csv") as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    result.files["csv"] = out / "est_week.csv"
    if rs.rejected and not public:  # rejected values may be personal data: internal only
        result.files["rejects"] = rs.write_rejects(out / "est_rejects.csv")

    step(EST_STEPS[4])
    page = _page(model, now, cells_now, rising, dups, named, by_cat, by_actor, totals, plabels,
                 have, period=period, public=public, k=k, offline=offline_html, lang=lang,
                 synthetic=result.synthetic, files=[p.name for p in paths],
                 rejected=rs.rejected, n_steps=n_steps, measures=ms,
                 bounds=_period_bounds(current, period))
    with atomic_path(out / "est_week.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    result.files["html"] = out / "est_week.html"
    result.messages.append(
        f"{plabels[-1]}: {len(now)} incidents{' (SYNTHETIC)' if result.synthetic else ''}, "
        f"{len(rising)} rising or new cells, {len(dups)} probable duplicates flagged "
        f"(none removed); {rs.accepted} of {rs.total} rows accepted; "
        f"{time.perf_counter() - t0:.1f} s")
    if est_like.any() and left_out:
        result.messages.append(f"{left_out} reports of other sources (surveys, dialogues, "
                               "door knocking) are not EST incidents and were left out")
    if len(paths) > 1:
        per_actor = now["actor"].astype(str).value_counts()
        result.messages.append(f"{len(paths)} files combined; this period by actor: "
                               + ", ".join(f"{a} {n}" for a, n in per_actor.items()))
    if rs.rejected:
        first_reasons = "; ".join(
            f"{r.get('file', '') + ' ' if 'file' in rs.rejects else ''}row {r['row']}: "
            f"{r['reason']}" for _, r in rs.rejects.head(3).iterrows())
        result.messages.append(f"{rs.rejected} rows rejected ({first_reasons}"
                               f"{'; ...' if rs.rejected > 3 else ''})"
                               + ("" if public else "; all in est_rejects.csv"))
    result.messages += rs.warnings[:5]
    if ms is not None:
        result.messages += ms.messages()
    if n_steps < EMERGING_MIN_STEPS:
        result.messages.append(f"emerging hot spot classes need {EMERGING_MIN_STEPS} periods "
                               f"of data; only {n_steps} available")
    if not have[:-1].all():
        result.messages.append(f"only {int(have[:-1].sum())} of {N_PREVIOUS} earlier periods "
                               "are covered by the data")
    return result


def _summary(now: pd.DataFrame, totals: list[float | None], rising: pd.DataFrame,
             dups: pd.DataFrame, by_cat: pd.DataFrame, plabel: str, period: str,
             lang: str, public: bool, k: int) -> str:
    from .maps.i18n import label
    from .reports.schema import CATEGORIES

    prev = [v for v in totals[:-1] if v is not None]
    mean = sum(prev) / len(prev) if prev else None
    n = len(now)
    actors = now["actor"].nunique()
    dec = (lambda v: f"{v:.1f}".replace(".", ",")) if lang == "sv" else (lambda v: f"{v:.1f}")
    top = [(CATEGORIES[c].sv if lang == "sv" else CATEGORIES[c].en) if c in CATEGORIES else c
           for c in by_cat.index[:3] if by_cat.loc[c].iloc[-1] > 0]
    topn = [int(by_cat.loc[c].iloc[-1]) for c in by_cat.index[:3] if by_cat.loc[c].iloc[-1] > 0]
    parts = [label("est_sum_head", lang).format(period=label(f"est_{period}", lang),
                                                 label=plabel, n=n, actors=actors)]
    if mean is not None:
        trend = label("est_more" if n > mean * 1.15 else "est_fewer" if n < mean * 0.85
                      else "est_same", lang)
        parts.append(label("est_sum_mean", lang).format(mean=dec(mean), m=len(prev),
                                                         trend=trend))
    if top:
        parts.append(label("est_sum_top", lang) + " " + ", ".join(
            f"{t.lower()} ({m})" for t, m in zip(top, topn, strict=True)) + ".")
    places = [p for p in rising["place"] if p][:3]
    if len(rising):
        parts.append(label("est_sum_rising", lang).format(n=len(rising)) + (
            " (" + ", ".join(places) + ")." if places and not public else "."))
    else:
        parts.append(label("est_sum_norising", lang))
    if len(dups) and not public:
        parts.append(label("est_sum_dups", lang).format(n=len(dups)))
    from .maps.base import escape_text

    return escape_text(" ".join(parts))


def _map_html(model: Any, now: pd.DataFrame, cells: pd.DataFrame, rising: pd.DataFrame, *,
              public: bool, offline: bool, lang: str, measures: Any = None) -> str:
    import folium

    from .maps._offline import render_map
    from .maps.base import add_geodataframe, add_legend, new_map
    from .maps.i18n import label
    from .reports.schema import CATEGORIES

    m = new_map(model, tiles=not offline, lang=lang)
    legend: list[tuple[str, dict[str, Any]]] = []
    if public:
        style = {"color": "#d62728", "fillColor": "#fb9a99", "weight": 1, "fillOpacity": 0.5,
                 "fields": ["count"]}
        add_geodataframe(m, cells, name=label("est_cells", lang), style=style, lang=lang)
        legend.append((label("est_cells", lang), style))
    else:
        pts = now.copy()
        pts["category"] = [CATEGORIES[c].sv if lang == "sv" else CATEGORIES[c].en
                           if c in CATEGORIES else c for c in pts["category"]]
        pts["time"] = pts["timestamp"].dt.strftime("%Y-%m-%d %H:%M").fillna("")
        for i, (cat, group) in enumerate(pts.groupby("category", sort=True)):
            style = {"color": "#333", "fillColor": _COLOURS[i % len(_COLOURS)], "radius": 5,
                     "weight": 1, "fillOpacity": 0.85,
                     "fields": ["report_id", "category", "actor", "time", "place"]}
            add_geodataframe(m, group, name=f"{label('category', lang)}: {cat}", style=style,
                             lang=lang)
            legend.append((f"{cat} ({len(group)})", style))
        for i, (actor, group) in enumerate(pts.groupby("actor", sort=True)):
            style = {"color": _COLOURS[-1 - i % len(_COLOURS)], "radius": 7, "weight": 2,
                     "fill": False, "show": False,
                     "fields": ["report_id", "category", "actor", "time", "place"]}
            add_geodataframe(m, group, name=f"{label('actor', lang)}: {actor}", style=style,
                             lang=lang)
    marked = cells[cells["unit_id"].isin(rising["unit_id"])] if len(rising) else cells.iloc[:0]
    style = {"color": "#d62728", "weight": 3, "fill": False, "fields": ["unit_id", "count"]}
    add_geodataframe(m, marked, name=label("est_rising", lang), style=style, lang=lang)
    legend.append((label("est_rising", lang), {"color": "#d62728", "fillColor": "#ffffff"}))
    if measures is not None:
        from .maps.measures import add_measures

        add_measures(m, measures, lang=lang, legend=legend)
    add_legend(m, legend, title=label("legend", lang))
    folium.LayerControl(collapsed=True).add_to(m)
    return render_map(m, offline=offline)


def _measures_section(ms: Any, bounds: tuple[pd.Timestamp, pd.Timestamp] | None,
                      lang: str) -> str:
    """Measures done in the period, and those planned or in progress (never the note)."""
    from .maps.base import escape_text as esc
    from .maps.i18n import label
    from .maps.page import html_table
    from .measures import MEASURE_KINDS, MEASURE_STATUSES

    m = ms.measures
    date = pd.to_datetime(m["date"])
    in_period = ((date >= bounds[0]) & (date < bounds[1]) if bounds
                 else pd.Series(False, index=m.index))
    open_ = m["status"].isin(["planned", "in_progress"])
    rows = []
    for r in m[in_period | open_].sort_values("date").itertuples(index=False):
        kind, status = MEASURE_KINDS.get(r.kind), MEASURE_STATUSES.get(r.status)
        rows.append([esc(r.measure_id), esc(r.promise),
                     esc((kind.sv if lang == "sv" else kind.en) if kind else r.kind),
                     esc(r.place), esc(r.owner),
                     "" if pd.isna(r.date) else f"{pd.Timestamp(r.date):%Y-%m-%d}",
                     esc((status.sv if lang == "sv" else status.en) if status else r.status)])
    body = (html_table([esc(label(k, lang)) for k in ("measure_id", "measure_promise",
                                                         "measure_kind", "measure_place",
                                                         "measure_owner", "measure_date",
                                                         "measure_status")], rows)
            if rows else f"<p>{esc(label('est_no_measures', lang))}</p>")
    return f'<h2>{esc(label("est_measures", lang))}</h2>{body}'


def _page(model: Any, now: pd.DataFrame, cells: pd.DataFrame, rising: pd.DataFrame,
          dups: pd.DataFrame, named: pd.Series, by_cat: pd.DataFrame, by_actor: pd.DataFrame,
          totals: list[float | None], plabels: list[str], have: np.ndarray, *, period: str,
          public: bool, k: int, offline: bool, lang: str, synthetic: bool,
          files: list[str], rejected: int, n_steps: int, measures: Any = None,
          bounds: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> str:
    from .maps.base import escape_text as esc
    from .maps.i18n import label
    from .maps.page import PRINT_CSS, bars_svg, html_table, map_iframe
    from .reports.schema import CATEGORIES

    L = lambda key: esc(label(key, lang))  # noqa: E731

    def small(v: float) -> str:
        if np.isnan(v):
            return "–"
        return f"&lt;{k}" if public and 0 < v < k else f"{v:g}"

    def count_rows(frame: pd.DataFrame, names: dict[str, str] | None) -> list[list[str]]:
        rows = []
        for key, row in frame.iterrows():
            vals = row.to_numpy(dtype=float)
            prev = vals[:-1][~np.isnan(vals[:-1])]
            mean = f"{prev.mean():.1f}" if len(prev) else "–"
            bars = bars_svg([None if np.isnan(v) or (public and 0 < v < k) else float(v)
                              for v in vals], plabels, width=120, height=24, title=str(key))
            rows.append([esc(names.get(key, key) if names else key),
                         *[small(v) for v in vals], mean, bars])
        return rows

    cat_names = {c: (CATEGORIES[c].sv if lang == "sv" else CATEGORIES[c].en)
                 for c in by_cat.index if c in CATEGORIES}
    header = [L("category"), *[esc(p) for p in plabels], L("est_prev_mean"), ""]
    mark = (f'<p class="synthetic">{L("est_synthetic")}</p>' if synthetic else "")
    summary = _summary(now, totals, rising, dups, by_cat, plabels[-1], period, lang, public, k)
    map_page = _map_html(model, now, cells, rising, public=public, offline=offline, lang=lang,
                         measures=measures)
    total_svg = bars_svg(totals, plabels, width=520, height=90, title=label("est_total", lang))
    coverage = "" if have.all() else (
        '<p class="muted">'
        + esc(label("est_coverage", lang).format(n=int(have[:-1].sum()), m=N_PREVIOUS))
        + "</p>")

    # rising
    def status_text(status: str) -> str:
        return "" if not status else label("est_new" if status == "new" else "est_up", lang)

    def pattern_text(pattern: str) -> str:
        return label("em_" + pattern.replace(" ", "_"), lang) if pattern else ""

    if len(rising):
        rrows = [[esc(status_text(r.status)), esc(pattern_text(r.pattern)),
                  esc(r.place) if not public else "", esc(r.unit_id), small(float(r["count"])),
                  f"{r.prev_mean:.1f}", "" if np.isnan(r.p) else f"{r.p:.2g}"]
                 for _, r in rising.head(LIST_MAX).iterrows()]
        rising_html = html_table([L("est_status"), L("est_pattern"), L("est_place"), L("est_cell"),
                              esc(plabels[-1]), L("est_prev_mean"), "p"], rrows)
    else:
        rising_html = f"<p>{L('est_none_rising')}</p>"
    rule = (f'<p class="muted">{L("est_rule")} '
            f'{esc(label("est_rule_emerging", lang).format(n=EMERGING_STEPS))} '
            f'{esc(label("est_steps", lang).format(n=n_steps))}</p>')
    source_note = ('<p class="muted">' + L("est_files") + ": " + esc(", ".join(files))
                   + (" · " + esc(label("est_rejected", lang).format(n=rejected))
                      if rejected else "") + "</p>")

    # places named most often
    if public:
        named = named[named >= k]
    prow = [[esc(p), str(int(n))] for p, n in named.head(15).items()]
    places_html = html_table([L("est_place"), L("est_count")], prow) if prow else "<p>–</p>"

    # duplicates
    if public:
        dup_html = f"<p>{esc(label('est_dups_public', lang).format(n=len(dups)))}</p>"
    elif len(dups):
        by_id = now.set_index(now["report_id"].astype(str))
        drows = []
        for _, r in dups.head(LIST_MAX).iterrows():
            o = by_id.loc[r.probable_duplicate_of] if r.probable_duplicate_of in by_id.index \
                else None
            drows.append([
                esc(r.report_id), esc(r.actor), esc(cat_names.get(r.category, r.category)),
                esc(f"{r.timestamp:%Y-%m-%d %H:%M}"), esc(r.place), esc(r.text or ""),
                esc(r.probable_duplicate_of) + ("" if o is None else
                                                f" ({esc(o.actor)}, {o.timestamp:%H:%M})")])
        more = ('<p class="muted">'
                + esc(label("est_more_csv", lang).format(n=len(dups) - LIST_MAX)) + "</p>"
                if len(dups) > LIST_MAX else "")
        dup_html = html_table([L("est_id"), L("actor"), L("category"), L("time"), L("est_place"),
                           L("report_text"), L("est_dup_of")], drows) + more
    else:
        dup_html = f"<p>{L('est_no_dups')}</p>"
    dup_rule = f'<p class="muted">{L("est_dup_rule")}</p>'
    measures_html = _measures_section(measures, bounds, lang) if measures is not None else ""

    title = f"{label('est_title', lang)} · {label(f'est_{period}', lang)} {plabels[-1]}"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{PRINT_CSS}</style></head>
<body>
<section id="summary">
<h1>{esc(title)}</h1>
{mark}
<p class="muted">{esc(model.name)} · {L("est_generated")} {dt.date.today():%Y-%m-%d}</p>
{source_note}
<p class="summary" id="est-summary">{summary}</p>
{map_iframe(map_page, label("est_map", lang))}
</section>
<section id="counts" class="break">
<h2>{L("est_counts")}</h2>{mark}{coverage}
{total_svg}
{html_table(header, count_rows(by_cat, cat_names), "counts")}
<h2>{L("actor")}</h2>
{html_table([L("actor"), *header[1:]], count_rows(by_actor, None), "counts")}
</section>
<section id="rising" class="break">
<h2>{L("est_rising")}</h2>{mark}
{rising_html}{rule}
<h2>{L("est_named")}</h2>
{places_html}
</section>
<section id="duplicates" class="break">
<h2>{L("est_dups")}</h2>{mark}
{dup_html}{dup_rule}
{measures_html}
</section>
</body></html>
"""
