"""EST weekly picture: one printable page for the weekly meeting of the EST actors.

EST (Effektiv samordning för trygghet): Borås Stad, the police, Victoriahem, Bostäder Borås,
Svenska kyrkan, Borås GIF and Coop report incidents every week into one shared picture.
:func:`analyse_est_week` turns validated reports into an :class:`EstWeek` (it writes
nothing): the period's incidents, counts of the period against the previous 8 periods by
category and by actor, the places that are new or rising, the places named most often, the
probable duplicates to check and, with a measures register, the measures of the period.
The job :func:`sjobo_geo.jobs.est.run_est_week` writes it out as

* ``est_week.html``: one self-contained page (A4 print CSS, a section per printed page,
  :func:`sjobo_geo.maps.est.est_page`): a short generated summary, a map of the period's
  incidents by category and by actor, the counts (table and inline SVG bars), the new and
  rising places, the places named most often and the probable duplicates;
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
(a file without an actor column gives its name), ids become ``<file>:<id>``, and the job lists
the rejected rows of every file in ``est_rejects.csv``. In a mixed file (surveys and EST),
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

    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.measures import MeasureSet
    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = [
    "EstError",
    "EstResult",
    "EstWeek",
    "PERIODS",
    "analyse_est_week",
    "check_est_options",
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
    """What :func:`sjobo_geo.jobs.est.run_est_week` produced.

    ``counts``, ``rising`` and ``duplicates`` are the tables of ``week`` (counts: by category
    and period, without the mean column); ``week`` is the whole :class:`EstWeek`.
    """

    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    period: str = ""
    counts: pd.DataFrame | None = None
    rising: pd.DataFrame | None = None
    duplicates: pd.DataFrame | None = None
    accepted: int = 0
    synthetic: bool = False
    week: EstWeek | None = None


@dataclass
class EstWeek:
    """The EST picture of one period, as :func:`analyse_est_week` found it (nothing written).

    Every table is in the area's CRS. The whole picture is kept (report-level rows too, also
    with ``public=True``): the page and the written files apply ``public`` and ``k``.

    Attributes
    ----------
    period : {"week", "quarter", "year"}
        Length of the periods.
    label : str
        The period shown: ``"2024-W40"``, ``"2024-Q4"`` or ``"2024"``.
    start, end : pandas.Timestamp
        First day of the period and first day after it.
    period_labels : list of str
        The compared periods, oldest first, the period shown last (``N_PREVIOUS + 1``).
    incidents : geopandas.GeoDataFrame
        The period's reports (EST sources only in a mixed file) with ``place`` (a readable
        place, see :func:`place_names`), ``cell`` (the grid cell's ``unit_id``, empty outside
        the grid) and ``probable_duplicate_of`` (see :func:`flag_duplicates`).
    cells : geopandas.GeoDataFrame
        Every grid cell of ``params["cell_size_m"]`` metres: ``unit_id``, ``count`` (the
        period's incidents), ``status`` (Poisson rule: ``"new"``, ``"rising"`` or ``""``),
        ``pattern`` (emerging hot spot class or ``""``) and the cell polygon.
    by_category, by_actor : pandas.DataFrame
        Incidents per category (per actor) and period: one column per label of
        ``period_labels`` (NaN for a period the data do not cover), then ``prev_mean``, the
        mean over the covered earlier periods; largest count in the period shown first.
    totals : pandas.Series
        Incidents per period, indexed by ``period_labels`` (NaN: not covered).
    rising : pandas.DataFrame
        The new and rising cells: ``unit_id``, ``count``, ``prev_mean``, ``p``, ``status`` (the
        Poisson rule), ``pattern`` (listed when one of :data:`RISING_CLASSES`) and ``place``
        (the place named most often in the cell in the period). Cells of the rule first, by
        p, then by count.
    named : pandas.DataFrame
        ``place`` and ``count``: the places of the period's incidents, most often first.
    duplicates : geopandas.GeoDataFrame
        The period's incidents flagged as a probable duplicate (rows of ``incidents``).
    measures : geopandas.GeoDataFrame or None
        With a register: its measures done in the period, and those planned or in
        progress, by date. None without a register.
    register : geopandas.GeoDataFrame or None
        The whole register (drawn on the map), or None.
    summary : str
        The page's short summary in ``lang``, plain text (not HTML-escaped).
    messages : list of str
        Notes on what the picture covers: other sources left out, files combined, periods
        the data do not cover.
    params : dict
        The method's parameters: ``alpha``, ``rising_min``, ``cell_size_m``,
        ``n_previous``, ``previous_covered`` (earlier periods with data),
        ``emerging_steps``, ``emerging_periods`` (periods used for the classes, 0 when too
        few), ``emerging_min_periods``, ``emerging_band_cells``, ``duplicate_distance_m``,
        ``duplicate_hours``, ``other_sources_left_out``.
    public : bool
        Whether the outputs are to be publishable.
    k : int
        Smallest count shown in public outputs.
    lang : {"sv", "en"}
        Language of ``summary`` and of the generated place names.
    synthetic : bool
        True when any report is synthetic: every output must say so.
    accepted, rejected, total : int
        Report rows accepted, rejected and read (a GeoDataFrame: all accepted).
    source_files : list of str
        Names of the report files (one per actor, say).
    """

    period: str
    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    period_labels: list[str]
    incidents: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame
    by_category: pd.DataFrame
    by_actor: pd.DataFrame
    totals: pd.Series
    rising: pd.DataFrame
    named: pd.DataFrame
    duplicates: gpd.GeoDataFrame
    summary: str
    measures: gpd.GeoDataFrame | None = None
    register: gpd.GeoDataFrame | None = None
    messages: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    public: bool = False
    k: int = 5
    lang: str = "sv"
    synthetic: bool = False
    accepted: int = 0
    rejected: int = 0
    total: int = 0
    source_files: list[str] = field(default_factory=list)

    @property
    def covered(self) -> np.ndarray:
        """Whether the data cover each period of ``period_labels`` (boolean array)."""
        return self.totals.notna().to_numpy()


def check_est_options(period: str, k: int) -> None:
    """Raise :class:`EstError` for a period length or a ``k`` the EST picture cannot use.

    Parameters
    ----------
    period : str
        One of :data:`PERIODS`.
    k : int
        Smallest count shown in public outputs, at least 1.

    Examples
    --------
    >>> check_est_options("week", 5)
    >>> check_est_options("month", 5)
    Traceback (most recent call last):
    ...
    sjobo_geo.analysis.est.EstError: unknown period 'month'; choose one of week, quarter, year
    """
    if period not in PERIODS:
        raise EstError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    if int(k) < 1:
        raise EstError(f"k must be at least 1; got {k}")


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


# ---- the summary -----------------------------------------------------------------------------


def summary_text(now: pd.DataFrame, totals: list[float | None], rising: pd.DataFrame,
                 dups: pd.DataFrame, by_cat: pd.DataFrame, plabel: str, period: str,
                 lang: str, public: bool, k: int) -> str:
    """The page's short summary, plain text (the page escapes it).

    ``totals`` are the incidents per compared period (None: not covered), the period shown
    last; ``by_cat`` the counts by category with a column ``plabel``, largest first. With
    ``public`` no place is named.

    Examples
    --------
    >>> import pandas as pd
    >>> now = pd.DataFrame({"actor": ["Polisen", "Coop", "Coop"]})
    >>> by_cat = pd.DataFrame({"2024-W40": [3.0]}, index=["klotter"])
    >>> rising = pd.DataFrame({"place": []})
    >>> text = summary_text(now, [None, 3.0], rising, now.iloc[:0], by_cat, "2024-W40",
    ...                     "week", "en", False, 5)
    >>> text.split(". ")[:2]
    ['In week 2024-W40, 2 actors reported 3 incidents', 'Most common: graffiti (3)']
    """
    from sjobo_geo.core.i18n import label
    from sjobo_geo.inputs.reports.schema import CATEGORIES

    prev = [v for v in totals[:-1] if v is not None]
    mean = sum(prev) / len(prev) if prev else None
    n = len(now)
    actors = now["actor"].nunique()
    dec = (lambda v: f"{v:.1f}".replace(".", ",")) if lang == "sv" else (lambda v: f"{v:.1f}")
    shown = by_cat[plabel]
    top = [(CATEGORIES[c].sv if lang == "sv" else CATEGORIES[c].en) if c in CATEGORIES else c
           for c in by_cat.index[:3] if shown.loc[c] > 0]
    topn = [int(shown.loc[c]) for c in by_cat.index[:3] if shown.loc[c] > 0]
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


# ---- the analysis ----------------------------------------------------------------------------


def analyse_est_week(
    area: Area,
    reports: ReportSet | gpd.GeoDataFrame,
    *,
    week: str | None = None,
    period: str = "week",
    measures: MeasureSet | gpd.GeoDataFrame | None = None,
    public: bool = False,
    k: int = 5,
    lang: str | None = None,
) -> EstWeek:
    """The EST picture of one period: counts, new and rising places, duplicates (no file).

    Parameters
    ----------
    area : Area
        The area (its grid makes the cells, its paths name places).
    reports : ReportSet or geopandas.GeoDataFrame
        What :func:`sjobo_geo.inputs.reports.validate.load_report_files` (or
        :func:`~sjobo_geo.inputs.reports.validate.load_reports`) returns, or its ``reports``
        GeoDataFrame (columns of :data:`sjobo_geo.inputs.reports.schema.REPORT_COLUMNS`). A
        frame in another CRS is reprojected to the area's. Every accepted report counts; in
        a mixed file only the EST sources (:data:`EST_SOURCES`) are shown.
    week : str, optional
        ISO week such as ``"2025-W14"``; the period shown is the one containing its Monday.
        Default: the last full ISO week in the data.
    period : {"week", "quarter", "year"}
        Length of the period shown and of the 8 earlier periods it is compared with.
    measures : MeasureSet or geopandas.GeoDataFrame, optional
        A loaded measures register (:func:`sjobo_geo.inputs.measures.load_measures`): its
        measures of the period are listed, all of them drawn on the map.
    public : bool
        The picture is for publishable outputs (recorded; the page and the files apply it).
        The summary then names no place.
    k : int, default 5
        Smallest count shown in public outputs.
    lang : {"sv", "en"}, optional
        Language of the summary and of generated place names ("near <street>").

    Returns
    -------
    EstWeek

    Raises
    ------
    EstError
        An unknown period, ``k`` below 1, a bad week, a week outside the data, or no report
        with a date.
    CRSError
        A reports or measures frame without a CRS.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> from sjobo_geo.inputs.reports.validate import load_report_files
    >>> area = load_area("sample")
    >>> rs = load_report_files(["polisen.csv", "coop.csv"], area)  # doctest: +SKIP
    >>> week = analyse_est_week(area, rs, week="2024-W40")  # doctest: +SKIP
    >>> week.rising[["unit_id", "count", "status", "pattern", "place"]]  # doctest: +SKIP
    """
    from sjobo_geo.core.crs import to_area_crs
    from sjobo_geo.core.i18n import check_lang

    lang = check_lang(lang)
    check_est_options(period, k)
    k = int(k)
    frame, about = _report_frame(reports, area)
    timed = frame["timestamp"].notna()
    if not timed.any():
        raise EstError(f"{about['source']}: no accepted report has a date ({about['rejected']} "
                       f"of {about['total']} rows rejected); nothing to show")
    frame = frame.copy()
    est_like = frame["source"].isin(EST_SOURCES).to_numpy()
    left_out = int((~est_like).sum()) if est_like.any() else 0
    if left_out:  # a mixed file: the EST picture shows EST incidents
        frame = frame[est_like]
        timed = timed[est_like]
    frame["probable_duplicate_of"] = flag_duplicates(frame)

    # the period shown and the compared ones (pidx: each report's period, or a sentinel)
    ts = frame["timestamp"]
    anchor = parse_week(week) if week else last_full_week(ts.max())
    current = int(period_index([anchor], period)[0])
    pidx = np.full(len(frame), np.iinfo(np.int64).min, dtype=np.int64)
    pidx[timed.to_numpy()] = period_index(ts[timed], period)
    first = int(pidx[timed.to_numpy()].min())
    if current < first or current > int(pidx.max()):
        raise EstError(f"{period_label(current, period)} is outside the data "
                       f"({ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d})")
    periods = list(range(current - N_PREVIOUS, current + 1))
    have = np.array([p >= first for p in periods])
    plabels = [period_label(p, period) for p in periods]
    now = frame[pidx == current].copy()
    now["place"] = place_names(now, area, lang)

    # counts by category and by actor over the compared periods
    window = (pidx >= periods[0]) & (pidx <= current)
    pos = pidx[window] - periods[0]
    by_cat = _counts_by(frame[window], "category", pos, plabels, have)
    by_actor = _counts_by(frame[window], "actor", pos, plabels, have)
    totals = pd.Series([float((pos == n).sum()) if have[n] else np.nan
                        for n in range(len(periods))], index=plabels, name="total")

    cells, rising, n_steps = _rising_places(frame, now, pidx, current, first, have, area)
    dups = now[now["probable_duplicate_of"] != ""]
    named = (now.loc[now["place"] != "", "place"].value_counts()
             .rename_axis("place").reset_index(name="count"))
    start, end = period_bounds(current, period)
    register = (None if measures is None else to_area_crs(
        getattr(measures, "measures", measures), area.crs, "the measures"))
    summary = summary_text(now, [None if np.isnan(v) else v for v in totals], rising, dups,
                           by_cat, plabels[-1], period, lang, public, k)

    messages = []
    if left_out:
        messages.append(f"{left_out} reports of other sources (surveys, dialogues, "
                        "door knocking) are not EST incidents and were left out")
    if len(about["source_files"]) > 1:
        per_actor = now["actor"].astype(str).value_counts()
        messages.append(f"{len(about['source_files'])} files combined; this period by actor: "
                        + ", ".join(f"{a} {n}" for a, n in per_actor.items()))
    if n_steps < EMERGING_MIN_STEPS:
        messages.append(f"emerging hot spot classes need {EMERGING_MIN_STEPS} periods "
                        f"of data; only {n_steps} available")
    if not have[:-1].all():
        messages.append(f"only {int(have[:-1].sum())} of {N_PREVIOUS} earlier periods "
                        "are covered by the data")
    params = {"alpha": ALPHA, "rising_min": RISING_MIN, "cell_size_m": CELL_SIZE_M,
              "n_previous": N_PREVIOUS, "previous_covered": int(have[:-1].sum()),
              "emerging_steps": EMERGING_STEPS, "emerging_periods": n_steps,
              "emerging_min_periods": EMERGING_MIN_STEPS,
              "emerging_band_cells": EMERGING_BAND_CELLS,
              "duplicate_distance_m": DUP_DISTANCE_M, "duplicate_hours": DUP_HOURS,
              "other_sources_left_out": left_out}
    return EstWeek(
        period=period, label=plabels[-1], start=start, end=end, period_labels=plabels,
        incidents=now, cells=cells, by_category=by_cat, by_actor=by_actor, totals=totals,
        rising=rising, named=named, duplicates=dups, summary=summary,
        measures=None if register is None else measures_of_period(register, start, end),
        register=register, messages=messages, params=params, public=bool(public), k=k,
        lang=lang, synthetic=about["synthetic"], accepted=about["accepted"],
        rejected=about["rejected"], total=about["total"], source_files=about["source_files"])


def _report_frame(reports: ReportSet | gpd.GeoDataFrame, area: Area
                  ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """The reports in the area's CRS, and their accounting (a frame: all accepted)."""
    from sjobo_geo.core.crs import to_area_crs
    from sjobo_geo.inputs.reports.schema import ReportSet

    if isinstance(reports, ReportSet):
        return to_area_crs(reports.reports, area.crs, "the reports"), {
            "accepted": reports.accepted, "rejected": reports.rejected,
            "total": reports.total, "synthetic": bool(reports.synthetic),
            "source": reports.source_file,
            "source_files": [Path(f).name for f in reports.meta.get(
                "files", [reports.source_file]) if f]}
    frame = to_area_crs(reports, area.crs, "the reports")
    return frame, {
        "accepted": len(frame), "rejected": 0, "total": len(frame),
        "synthetic": bool(len(frame) and "synthetic" in frame and frame["synthetic"].any()),
        "source": "the reports",
        "source_files": (list(dict.fromkeys(frame["source_file"].astype(str)))
                         if "source_file" in frame else [])}


def _rising_places(frame: gpd.GeoDataFrame, now: gpd.GeoDataFrame, pidx: np.ndarray,
                   current: int, first: int, have: np.ndarray, area: Area
                   ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, int]:
    """The grid cells with the period's counts, the new and rising ones, and the number of
    periods the emerging classes used; sets ``now["cell"]``.

    The Poisson rule looks at the compared periods, the emerging classes at up to
    :data:`EMERGING_STEPS` periods (those the data cover).
    """
    from sjobo_geo.analysis.hotspots import assign_to_grid, emerging_classes, grid_units

    grid = grid_units(area, CELL_SIZE_M)
    span = max(N_PREVIOUS, EMERGING_STEPS - 1)
    lo = current - span
    longwin = (pidx >= lo) & (pidx <= current)
    lw = frame[longwin]
    cell = assign_to_grid(np.column_stack([lw.geometry.x.to_numpy(), lw.geometry.y.to_numpy()]),
                          grid)
    okc = cell >= 0
    series_all = np.zeros((len(grid), span + 1))
    np.add.at(series_all, (cell[okc], pidx[longwin][okc] - lo), 1.0)
    series = series_all[:, -len(have):]
    rise = rising_cells(series, have[:-1])
    rise.insert(0, "unit_id", grid["unit_id"].to_numpy())
    e_cols = (np.arange(lo, current + 1) >= first)[-EMERGING_STEPS:]
    n_steps = int(e_cols.sum())
    rise["pattern"] = (emerging_classes(series_all[:, -EMERGING_STEPS:][:, e_cols], grid,
                                        EMERGING_BAND_CELLS)
                       if n_steps >= EMERGING_MIN_STEPS else "")
    now_cell = cell[pidx[longwin] == current]  # the period's reports are in the long window
    now["cell"] = np.where(now_cell >= 0, grid["unit_id"].to_numpy()[now_cell], "")
    # each cell is named by the place named most often in it this period
    pairs = now.loc[now["place"] != "", ["cell", "place"]]
    top_place = (pairs.value_counts().reset_index().drop_duplicates("cell")
                 .set_index("cell")["place"])
    rise["place"] = rise["unit_id"].map(top_place).fillna("")
    listed = (rise["status"] != "") | rise["pattern"].isin(RISING_CLASSES)
    rising = rise[listed]
    order = np.lexsort((-rising["count"].to_numpy(),
                        rising["p"].where(rising["status"] != "", 2.0).to_numpy()))
    rising = rising.iloc[order].reset_index(drop=True)
    cells = grid[["unit_id", "geometry"]].copy()
    cells["count"] = series[:, -1].astype(int)
    cells["status"] = rise["status"].to_numpy()
    cells["pattern"] = rise["pattern"].to_numpy()
    return cells, rising, n_steps


def _counts_by(win: pd.DataFrame, col: str, pos: np.ndarray, plabels: list[str],
               have: np.ndarray) -> pd.DataFrame:
    """Incidents per value of ``col`` and period (NaN where not covered), and prev_mean."""
    keys = win[col].astype(str).to_numpy()
    frame = pd.crosstab(keys, pos).reindex(columns=range(len(plabels)), fill_value=0)
    frame.columns = plabels
    frame.index.name = col
    frame = frame.astype(float)
    frame.loc[:, ~have] = np.nan
    frame = frame.sort_values(plabels[-1], ascending=False, kind="stable")
    # the mean over the covered earlier periods only (NaN when none is covered)
    frame["prev_mean"] = frame[plabels[:-1]].mean(axis=1, skipna=True)
    return frame


def measures_of_period(register: gpd.GeoDataFrame, start: pd.Timestamp, end: pd.Timestamp
                       ) -> gpd.GeoDataFrame:
    """The measures done in ``[start, end)`` and those planned or in progress, by date.

    Parameters
    ----------
    register : geopandas.GeoDataFrame
        ``MeasureSet.measures`` (:data:`sjobo_geo.inputs.measures.MEASURE_COLUMNS`).
    start, end : pandas.Timestamp
        First day of the period and first day after it.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of ``register`` dated in the period, or planned or in progress (with or
        without a date), sorted by date.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> reg = gpd.GeoDataFrame({"measure_id": ["a", "b", "c"],
    ...                         "status": ["done", "planned", "done"],
    ...                         "date": pd.to_datetime(["2024-10-02", None, "2024-03-01"])},
    ...                        geometry=gpd.points_from_xy([0, 0, 0], [0, 0, 0]), crs=3006)
    >>> measures_of_period(reg, pd.Timestamp("2024-09-30"), pd.Timestamp("2024-10-07"))[
    ...     "measure_id"].tolist()
    ['a', 'b']
    """
    date = pd.to_datetime(register["date"])
    in_period = (date >= start) & (date < end)
    open_ = register["status"].isin(["planned", "in_progress"])
    return register[in_period | open_].sort_values("date")
