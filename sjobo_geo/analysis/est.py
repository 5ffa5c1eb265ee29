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
Incidents are counted on a square grid (:func:`sjobo_geo.analysis.hotspots.grid_units`,
``cell_size``
metres). For each cell, ``c`` is the count of the chosen period and ``b`` the mean count of
the previous periods (up to 8, only periods the data cover). The cell is **rising** when
``c >= 3``, ``c > b`` and the Poisson upper tail ``P(X >= c | lambda)`` with
``lambda = (sum of previous counts + 0.5) / number of previous periods`` is significant after
a Benjamini-Hochberg correction over the cells (``alpha = 0.05``); **new** when it is rising
and had no incident in the previous periods.

Emerging hot spot classes
-------------------------
Beside that rule, every cell gets an emerging hot spot class (ESRI's classes, computed by
:func:`sjobo_geo.analysis.hotspots.emerging_classes`): a Getis-Ord Gi* for each of up to 26 periods
ending with the chosen one (neighbours: the 3 x 3 block of cells), FDR per period, and a
Mann-Kendall trend of the z-scores. It needs 6 periods of data. Cells that are a **new**,
**consecutive** or **intensifying** hot spot are listed with the rising ones; the table shows
both the rule's status and the class.

Several actors
--------------
Several files (one per actor) are read by
:func:`sjobo_geo.inputs.reports.validate.load_report_files`: each report keeps its file and actor
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo._errors import SjoboGeoError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "EstError",
    "EstResult",
    "PERIODS",
    "flag_duplicates",
]

#: Period lengths the page can show.
PERIODS = ("week", "quarter", "year")
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


def period_index(dates: pd.Series | list[dt.date], period: str) -> np.ndarray:
    d = pd.to_datetime(pd.Series(dates))
    if period == "week":
        days = (d.dt.normalize() - pd.Timestamp(_EPOCH)).dt.days.to_numpy()
        return np.floor_divide(days, 7)
    if period == "quarter":
        return (d.dt.year * 4 + (d.dt.month - 1) // 3).to_numpy()
    return d.dt.year.to_numpy()


def period_label(index: int, period: str) -> str:
    if period == "week":
        monday = _EPOCH + dt.timedelta(days=7 * int(index))
        y, w, _ = monday.isocalendar()
        return f"{y}-W{w:02d}"
    if period == "quarter":
        return f"{index // 4}-Q{index % 4 + 1}"
    return str(index)


def period_bounds(index: int, period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First day of the period and first day after it."""
    if period == "week":
        start = pd.Timestamp(_EPOCH + dt.timedelta(days=7 * int(index)))
        return start, start + pd.Timedelta(days=7)
    if period == "quarter":
        start = pd.Timestamp(year=index // 4, month=3 * (index % 4) + 1, day=1)
        return start, start + pd.DateOffset(months=3)
    return pd.Timestamp(year=index, month=1, day=1), pd.Timestamp(year=index + 1, month=1, day=1)


def parse_week(week: str) -> dt.date:
    try:
        y, w = str(week).upper().split("-W")
        return dt.date.fromisocalendar(int(y), int(w), 1)
    except ValueError as exc:
        raise EstError(f"bad week {week!r}; expected an ISO week such as 2025-W14") from exc


def last_full_week(last: pd.Timestamp) -> dt.date:
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


def rising_cells(series: np.ndarray, have_prev: np.ndarray) -> pd.DataFrame:
    """Columns count, prev_mean, p, status per cell from counts ``(cells, N_PREVIOUS + 1)``."""
    from scipy.stats import poisson

    from sjobo_geo.analysis.stats import fdr

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


def place_names(reports: gpd.GeoDataFrame, area: Any, lang: str) -> pd.Series:
    """A readable place per report: the place text, else the name of the place it was
    snapped to, else "near <the nearest named street>" (within 150 m), else empty."""
    from sjobo_geo.analysis.hotspots import nearest_street
    from sjobo_geo.core.i18n import label

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


def summary_text(now: pd.DataFrame, totals: list[float | None], rising: pd.DataFrame,
             dups: pd.DataFrame, by_cat: pd.DataFrame, plabel: str, period: str,
             lang: str, public: bool, k: int) -> str:
    from sjobo_geo.core.i18n import label
    from sjobo_geo.inputs.reports.schema import CATEGORIES

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
    return " ".join(parts)


