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
  grid cells with at least ``k`` incidents, no report-level data, no free text);
* ``est_rising.csv``: the new and rising places (:func:`rising_table`: place, count this
  period, earlier mean, p, q, status, emerging class), written through
  :func:`sjobo_geo.core.files.write_csv` (Excel formulas neutralised).

Rising places (a documented, simple rule)
-----------------------------------------
Incidents are counted on a square grid (:func:`sjobo_geo.analysis.hotspots.grid_units`,
``cell_size`` metres). For each cell, ``c`` is the count of the chosen period and ``b`` the
mean count of the previous periods (up to 8, only periods the data cover). The Poisson
upper tail ``p = P(X >= c | lambda)`` with ``lambda = (sum of previous counts + 0.5) /
number of previous periods`` is computed for every cell and adjusted over the cells
(Benjamini-Hochberg, ``q``). A place (a cell) is listed only when it has at least
``RISING_MIN`` (3) incidents in the period (one or two incidents are never "a rising
place", whatever a test says) **and** a significant rise, in one of two ways:

* the Poisson rule: ``q <= ALPHA`` (0.05) and ``c > b``; status **rising**, or **new**
  when the place had no incident in the previous periods;
* an emerging hot spot class of a growing hot spot (:data:`RISING_CLASSES`: new,
  consecutive, intensifying; below), itself significant after FDR with a significant
  Mann-Kendall trend; status **pattern**. This catches a place that has grown over a few
  periods, which one period against the mean of eight can miss. A class alone on a cell
  with fewer than ``RISING_MIN`` incidents in the period lists nothing (a Gi* class
  describes the 3 x 3 block around a cell).

Places of the Poisson rule come first (by p), then those of a pattern (by count).

Each listed place is named by the place text most of its reports give, else by the name
of the place most of them were snapped to, else "near <the nearest named street>" of the
cell (:func:`cell_place_names`); never by a grid id. Public outputs name places by the
area's own names only (snapped places, streets), never by what a reporter typed, and list
only places with at least ``k`` incidents (:mod:`sjobo_geo.analysis.privacy`).

Emerging hot spot classes
-------------------------
Every cell gets an emerging hot spot class (ESRI's classes, computed by
:func:`sjobo_geo.analysis.hotspots.emerging_classes`): a Getis-Ord Gi* for each of up to 26
periods ending with the chosen one (neighbours: the 3 x 3 block of cells), FDR per period,
and a Mann-Kendall trend of the z-scores. It needs 6 periods of data. The class is shown
beside each listed place (``pattern``).

Public picture
--------------
With ``public=True``, :func:`analyse_est_week` also puts the picture through the privacy
gate (:attr:`EstWeek.public_view`, :class:`EstPublic`): the counts by category and by actor
with small counts and their complements hidden and earlier means only where every averaged
count is shown (:func:`sjobo_geo.analysis.privacy.gate_tables`), actors named only when
the area profile lists them as organisations, rising places with at least ``k`` incidents
(earlier mean and p only where the place's earlier counts are all zero or at least ``k``,
no q: it depends on every cell's p), and a summary built from those figures alone.

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

    from sjobo_geo.analysis.privacy import GatedTable
    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.measures import MeasureSet
    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = [
    "EstError",
    "EstPublic",
    "EstResult",
    "EstWeek",
    "PERIODS",
    "RISING_COLUMNS",
    "analyse_est_week",
    "cell_place_names",
    "check_est_options",
    "flag_duplicates",
    "rising_table",
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
#: Emerging classes of a growing hot spot: they list a place with at least RISING_MIN
#: incidents in the period (status "pattern"; see the module docstring).
RISING_CLASSES = ("new hot spot", "consecutive hot spot", "intensifying hot spot")
#: Columns of ``est_rising.csv`` (:func:`rising_table`).
RISING_COLUMNS = ("place", "count", "prev_mean", "p", "q", "status", "pattern")
#: Metres within which a cell is named after a street; beyond, the nearest named street at
#: up to :data:`STREET_FAR_M` is still named (a place must never be named by its grid id).
STREET_NEAR_M = 150.0
STREET_FAR_M = 5000.0
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
    with ``public=True``); with ``public=True`` the gated picture is ``public_view`` and
    ``summary`` is built from it: public pages and files use those only.

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
        The new and rising places (the rule of the module docstring): ``unit_id`` (the grid
        cell, for maps and joins; never shown as a name), ``place`` (see
        :func:`cell_place_names`), ``count``, ``prev_mean``, ``p``, ``q``, ``status``
        (``"new"`` or ``"rising"``: the Poisson rule; ``"pattern"``: listed for its
        emerging class), ``pattern`` (the emerging class, ``""`` when not computed) and
        ``place_public`` (the name public outputs use). Places of the Poisson rule first,
        by p, then those of a pattern, by count.
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
        The page's short summary in ``lang``, plain text (not HTML-escaped); with
        ``public`` built from ``public_view`` only.
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
    public_view : EstPublic or None
        With ``public=True``: the picture through the privacy gate; else None.
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
    public_view: EstPublic | None = None

    @property
    def covered(self) -> np.ndarray:
        """Whether the data cover each period of ``period_labels`` (boolean array)."""
        return self.totals.notna().to_numpy()


@dataclass
class EstPublic:
    """The EST picture through the privacy gate (:mod:`sjobo_geo.analysis.privacy`): every
    figure a public page or file may show, and nothing else.

    Attributes
    ----------
    by_category, by_actor : GatedTable
        Counts per category (per actor: the profile's organisations, the others together as
        "other actor") and period, linked by their period totals
        (:func:`sjobo_geo.analysis.privacy.gate_tables`); ``mean`` is the earlier periods'
        mean, shown only where every averaged count is.
    totals : pandas.Series
        Incidents per period, NaN where hidden or not covered.
    total_state : pandas.Series
        The privacy state of each total (``""`` shown, ``"small"``, ``"hidden"``,
        ``"nodata"``).
    rising : pandas.DataFrame
        The listed places with at least ``k`` incidents: ``unit_id``, ``place`` (the area's
        names only), ``count``, ``prev_mean`` and ``p`` (NaN unless every earlier count of
        the place is zero or at least ``k``), ``q`` (NaN: a q-value depends on every cell's
        p), ``status``, ``pattern``.
    named : pandas.DataFrame
        ``place`` (the area's names) and ``count``, counts of at least ``k`` only.
    cells : geopandas.GeoDataFrame
        The grid cells with at least ``k`` incidents (``unit_id``, ``count``, ``status``,
        ``pattern``, polygon).
    duplicates : int or None
        Probable duplicates of the period; None when fewer than ``k``.
    actors : int
        Number of actors (as written) that reported in the period.
    k : int
    """

    by_category: GatedTable
    by_actor: GatedTable
    totals: pd.Series
    total_state: pd.Series
    rising: pd.DataFrame
    named: pd.DataFrame
    cells: gpd.GeoDataFrame
    duplicates: int | None
    actors: int
    k: int


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
    """Columns count, prev_mean, p, q, status per cell from counts ``(cells, N_PREVIOUS + 1)``.

    ``status`` is ``"new"`` or ``"rising"`` where the rule of the module docstring holds
    (at least :data:`RISING_MIN` incidents, ``q <= ALPHA`` after Benjamini-Hochberg over the
    cells, more than the earlier mean), else ``""``.

    Examples
    --------
    >>> import numpy as np
    >>> series = np.zeros((50, 9))
    >>> series[0, -1] = 9                       # 9 incidents, none before: new
    >>> series[1, :] = 3                        # steady
    >>> series[2, -1] = 2                       # 2 incidents, none before: too few
    >>> rising_cells(series, np.ones(8, bool)).loc[:2, ["count", "status"]].values.tolist()
    [[9, 'new'], [3, ''], [2, '']]
    """
    from scipy.stats import poisson

    from sjobo_geo.analysis.stats import fdr_adjust

    c = series[:, -1]
    prev = series[:, :-1][:, have_prev]
    n_prev = int(have_prev.sum())
    frame = pd.DataFrame({"count": c.astype(int)})
    if n_prev == 0:
        frame["prev_mean"] = np.nan
        frame["p"] = np.nan
        frame["q"] = np.nan
        frame["status"] = ""
        return frame
    total = prev.sum(axis=1)
    mean = total / n_prev
    lam = (total + 0.5) / n_prev
    p = np.where(c > 0, poisson.sf(c - 1, lam), 1.0)
    q = fdr_adjust(p)
    sig = (q <= ALPHA) & (c >= RISING_MIN) & (c > mean)
    frame["prev_mean"] = mean.round(2)
    frame["p"] = p
    frame["q"] = q
    frame["status"] = np.where(sig, np.where(total == 0, "new", "rising"), "")
    return frame


# ---- place names -----------------------------------------------------------------------------


def _snapped_names(reports: pd.DataFrame) -> pd.Series:
    """The name of the place each report was snapped to (``place:<kind>:<name>``), or NA."""
    snapped = (reports["snapped_to"].astype("string") if "snapped_to" in reports
               else pd.Series(pd.NA, index=reports.index, dtype="string"))
    name = snapped.str.split(":", n=2).str[2].astype("string")  # all-NA stays a string
    named = (snapped.str.startswith("place:").fillna(False) & name.notna()
             & ~name.fillna("#").str.startswith("#"))
    return name.where(named)


def place_names(reports: gpd.GeoDataFrame, area: Any, lang: str, *,
                use_text: bool = True) -> pd.Series:
    """A readable place per report: the place text (unless ``use_text`` is False), else the
    name of the place it was snapped to, else "near <the nearest named street>" (within
    150 m), else empty.

    Public outputs pass ``use_text=False``: they name places by the area's own names only,
    never by what a reporter typed.
    """
    from sjobo_geo.analysis.hotspots import nearest_street
    from sjobo_geo.core.i18n import label

    text = (reports["place_text"].astype("string") if use_text and "place_text" in reports
            else pd.Series(pd.NA, index=reports.index, dtype="string"))
    name = _snapped_names(reports)
    out = text.where(text.notna() & (text.str.strip() != ""), name)
    missing = out.isna().to_numpy()
    if missing.any() and "paths" in area.layers:
        street = nearest_street(reports[missing], area.layers["paths"], STREET_NEAR_M)
        near = np.where(street != "", label("est_near", lang) + " " + street, "")
        out[missing] = near
    return out.astype(object).where(out.notna(), "")


def cell_place_names(unit_ids: Any, incidents: pd.DataFrame, cells: gpd.GeoDataFrame,
                     area: Any, lang: str, *, use_text: bool = True) -> pd.Series:
    """A name for each grid cell of ``unit_ids``, never its grid id.

    In this order: the place text most of the cell's ``incidents`` give (when ``use_text``;
    public outputs pass False: no typed text), else the name of the place most of them were
    snapped to, else "near <street>" (the named path nearest to the cell, within 150 m,
    else within 5 km), else "place without a name" (``est_unnamed``).

    Parameters
    ----------
    unit_ids : sequence of str
        Cells to name (``unit_id`` of ``cells``).
    incidents : pandas.DataFrame
        Reports with ``cell`` (their cell's ``unit_id``), ``place_text`` and ``snapped_to``.
    cells : geopandas.GeoDataFrame
        The grid: ``unit_id`` and polygon.
    area : Area
        Its ``paths`` layer names the streets.
    lang : {"sv", "en"}
    use_text : bool, default True

    Returns
    -------
    pandas.Series of str
        One name per cell of ``unit_ids``, indexed by them.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> from sjobo_geo.analysis.hotspots import grid_units
    >>> area = load_area("sample")
    >>> grid = grid_units(area, 100)
    >>> none = pd.DataFrame({"cell": [], "place_text": [], "snapped_to": []})
    >>> name = cell_place_names(grid["unit_id"][:1], none, grid, area, "sv").iloc[0]
    >>> name.startswith("vid ")
    True
    """
    from sjobo_geo.analysis.hotspots import nearest_street
    from sjobo_geo.core.i18n import label

    ids = pd.Index([str(u) for u in unit_ids])
    out = pd.Series("", index=ids, dtype=object)
    if not len(ids):
        return out
    mine = incidents[incidents["cell"].astype(str).isin(ids)]
    sources = []
    if use_text and "place_text" in mine:
        text = mine["place_text"].astype("string").str.strip()
        sources.append(text.where(text != ""))
    sources.append(_snapped_names(mine))
    for names in sources:
        todo = out == ""
        if not todo.any():
            break
        pairs = pd.DataFrame({"cell": mine["cell"].astype(str), "name": names}).dropna()
        pairs = pairs[pairs["cell"].isin(ids[todo.to_numpy()])]
        if len(pairs):  # the name most reports give (ties: the first seen)
            top = (pairs.groupby(["cell", "name"], sort=False).size().rename("n")
                   .reset_index().sort_values("n", ascending=False, kind="stable")
                   .drop_duplicates("cell").set_index("cell")["name"])
            out[top.index] = top.astype(str).to_numpy()
    todo = out == ""
    if todo.any() and "paths" in area.layers:
        grid = cells.set_index(cells["unit_id"].astype(str))
        units = grid.loc[ids[todo.to_numpy()]]
        for reach in (STREET_NEAR_M, STREET_FAR_M):
            still = (out[units.index] == "").to_numpy()
            if not still.any():
                break
            street = nearest_street(units[still], area.layers["paths"], reach)
            idx = units.index[still]
            out[idx] = np.where(street != "", label("est_near", lang) + " " + street, "")
    out[out == ""] = label("est_unnamed", lang)
    return out


def rising_table(rising: pd.DataFrame, lang: str, *, emerging: bool = True) -> pd.DataFrame:
    """The rising places as ``est_rising.csv`` holds them: :data:`RISING_COLUMNS`, every
    cell filled but for figures hidden by the privacy gate (NaN, written empty).

    ``status`` and ``pattern`` are in the reader's words (``pattern``: the emerging class,
    "no pattern", or "too few periods" when ``emerging`` is False: the classes were not
    computed).

    Examples
    --------
    >>> rising = pd.DataFrame({"unit_id": ["g1_2"], "place": ["Senaatintori"], "count": [9],
    ...                        "prev_mean": [0.0], "p": [1e-6], "q": [1e-4],
    ...                        "status": ["new"], "pattern": [""]})
    >>> table = rising_table(rising, "en")
    >>> list(table.columns) == list(RISING_COLUMNS)
    True
    >>> table[["place", "status", "pattern"]].iloc[0].tolist()
    ['Senaatintori', 'new', 'no pattern']
    """
    from sjobo_geo.core.i18n import label

    out = pd.DataFrame({c: rising[c] for c in RISING_COLUMNS}).reset_index(drop=True)
    words = {"new": "est_new", "rising": "est_up", "pattern": "est_status_pattern"}
    out["status"] = [label(words[s], lang) for s in out["status"]]
    out["pattern"] = [label("em_" + str(p).replace(" ", "_"), lang) if p
                      else label("em_no_pattern" if emerging else "est_no_pattern_data", lang)
                      for p in out["pattern"]]
    return out


# ---- the summary -----------------------------------------------------------------------------


def summary_text(n: float | None, actors: int, prev_totals: list[float] | None,
                 top: list[tuple[str, float]], rising_places: list[str], n_rising: int,
                 n_dups: int | None, plabel: str, period: str, lang: str) -> str:
    """The page's short summary, plain text (the page escapes it).

    Every figure it states is given: the public summary is built from the gated figures of
    :class:`EstPublic` only (None: not shown).

    Parameters
    ----------
    n : float or None
        Incidents in the period; None when hidden (the sentence then gives no number).
    actors : int
        Actors that reported in the period.
    prev_totals : list of float or None
        Incidents in each earlier period the data cover; None or empty: no mean stated.
    top : list of (str, float)
        The most common categories (the reader's words) and their counts, largest first.
    rising_places : list of str
        Names of the first rising places; ``n_rising`` how many there are.
    n_dups : int or None
        Probable duplicates (None: not stated).
    plabel, period, lang : str
        The period's label, its length and the language.

    Examples
    --------
    >>> text = summary_text(3, 2, [2.0], [("graffiti", 3)], [], 0, None, "2024-W40", "week",
    ...                     "en")
    >>> text.split(". ")[0]
    'In week 2024-W40, 2 actors reported 3 incidents'
    >>> text.split(". ")[2]
    'Most common: graffiti (3)'
    >>> summary_text(None, 2, None, [], [], 0, None, "2024-W40", "week", "en").split(" (")[0]
    'In week 2024-W40, 2 actors reported incidents'

    """
    from sjobo_geo.core.i18n import label

    dec = (lambda v: f"{v:.1f}".replace(".", ",")) if lang == "sv" else (lambda v: f"{v:.1f}")
    head = {"period": label(f"est_{period}", lang), "label": plabel, "actors": actors}
    if n is None:
        parts = [label("est_sum_head_hidden", lang).format(**head)]
    else:
        parts = [label("est_sum_head", lang).format(n=int(n), **head)]
        if prev_totals:
            mean = sum(prev_totals) / len(prev_totals)
            trend = label("est_more" if n > mean * 1.15 else "est_fewer" if n < mean * 0.85
                          else "est_same", lang)
            parts.append(label("est_sum_mean", lang).format(mean=dec(mean),
                                                             m=len(prev_totals), trend=trend))
    if top:
        parts.append(label("est_sum_top", lang) + " " + ", ".join(
            f"{t.lower()} ({int(m)})" for t, m in top) + ".")
    places = [p for p in rising_places if p][:3]
    if n_rising:
        parts.append(label("est_sum_rising", lang).format(n=n_rising) + (
            " (" + ", ".join(places) + ")." if places else "."))
    else:
        parts.append(label("est_sum_norising", lang))
    if n_dups:
        parts.append(label("est_sum_dups", lang).format(n=n_dups))
    return " ".join(parts)


def _category_name(code: str, lang: str) -> str:
    from sjobo_geo.inputs.reports.schema import CATEGORIES

    return (CATEGORIES[code].sv if lang == "sv" else CATEGORIES[code].en) \
        if code in CATEGORIES else code


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
        The picture is for publishable outputs: ``public_view`` holds it through the
        privacy gate (:class:`EstPublic`) and the summary states its figures only.
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

    cells, rising, n_steps, earlier = _rising_places(frame, now, pidx, current, first, have,
                                                     area, lang)
    dups = now[now["probable_duplicate_of"] != ""]
    named = (now.loc[now["place"] != "", "place"].value_counts()
             .rename_axis("place").reset_index(name="count"))
    start, end = period_bounds(current, period)
    register = (None if measures is None else to_area_crs(
        getattr(measures, "measures", measures), area.crs, "the measures"))
    view = None
    if public:  # every figure of the public page and files goes through the gate
        view = _public_view(now, by_cat, by_actor, plabels, rising, earlier, cells, dups,
                            area, lang, k)
        shown = view.total_state.to_numpy() == ""
        covered_before = view.total_state.to_numpy()[:-1] != "nodata"
        current_col = view.by_category
        top = [(_category_name(c, lang), current_col.counts.at[c, plabels[-1]])
               for c in current_col.counts[plabels[-1]].dropna().sort_values(
                   ascending=False, kind="stable").index[:3]
               if current_col.counts.at[c, plabels[-1]] > 0]
        summary = summary_text(
            view.totals.iloc[-1] if shown[-1] else None, view.actors,
            [float(v) for v in view.totals.iloc[:-1][covered_before]]
            if shown[:-1][covered_before].all() else None,
            top, list(view.rising["place"]), len(view.rising), None, plabels[-1], period,
            lang)
    else:
        top = [(_category_name(c, lang), by_cat.at[c, plabels[-1]]) for c in by_cat.index[:3]
               if by_cat.at[c, plabels[-1]] > 0]
        summary = summary_text(len(now), int(now["actor"].nunique()),
                               [float(v) for v in totals.iloc[:-1].dropna()], top,
                               list(rising["place"]), len(rising), len(dups), plabels[-1],
                               period, lang)

    messages = []
    if left_out:
        messages.append(f"{left_out} reports of other sources (surveys, dialogues, "
                        "door knocking) are not EST incidents and were left out")
    if len(about["source_files"]) > 1:
        if view is not None:  # public: the organisations' names and the gated counts only
            gated = view.by_actor
            per_actor = [(a, gated.text(a, plabels[-1])) for a in gated.counts.index]
        else:
            per_actor = list(now["actor"].astype(str).value_counts().items())
        messages.append(f"{len(about['source_files'])} files combined; this period by actor: "
                        + ", ".join(f"{a} {n}" for a, n in per_actor))
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
        rejected=about["rejected"], total=about["total"], source_files=about["source_files"],
        public_view=view)


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
                   current: int, first: int, have: np.ndarray, area: Area, lang: str
                   ) -> tuple[gpd.GeoDataFrame, pd.DataFrame, int, pd.DataFrame]:
    """The grid cells with the period's counts, the new and rising places, the number of
    periods the emerging classes used and the listed cells' earlier counts (rows: their
    ``unit_id``; columns: the covered earlier periods); sets ``now["cell"]``.

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
    # listed: at least RISING_MIN incidents and a significant rise, by the Poisson rule or
    # by the emerging class of a growing hot spot (never a class alone on 0, 1, 2 incidents)
    by_class = (rise["status"] == "") & rise["pattern"].isin(RISING_CLASSES) & (
        rise["count"] >= RISING_MIN)
    rise.loc[by_class, "status"] = "pattern"
    listed = (rise["status"] != "").to_numpy()
    rising = rise[listed]
    order = np.lexsort((-rising["count"].to_numpy(),
                        rising["p"].where(rising["status"] != "pattern", 2.0).to_numpy()))
    rising = rising.iloc[order].reset_index(drop=True)
    rising.insert(1, "place", cell_place_names(rising["unit_id"], now, grid, area, lang)
                  .to_numpy())
    rising["place_public"] = cell_place_names(rising["unit_id"], now, grid, area, lang,
                                              use_text=False).to_numpy()
    earlier = pd.DataFrame(series[listed][order][:, :-1][:, have[:-1]],
                           index=rising["unit_id"].to_numpy())
    cells = grid[["unit_id", "geometry"]].copy()
    cells["count"] = series[:, -1].astype(int)
    cells["status"] = rise["status"].to_numpy()
    cells["pattern"] = rise["pattern"].to_numpy()
    return cells, rising, n_steps, earlier


def _public_view(now: gpd.GeoDataFrame, by_cat: pd.DataFrame, by_actor: pd.DataFrame,
                 plabels: list[str], rising: pd.DataFrame, earlier: pd.DataFrame,
                 cells: gpd.GeoDataFrame, dups: pd.DataFrame, area: Area, lang: str, k: int
                 ) -> EstPublic:
    """The picture through the privacy gate (see :class:`EstPublic` and
    :mod:`sjobo_geo.analysis.privacy`)."""
    from sjobo_geo.analysis.privacy import gate_tables, is_small, public_actors, public_count
    from sjobo_geo.core.i18n import label

    organisations = getattr(getattr(area, "profile", None), "organisations", ()) or ()
    names = public_actors(by_actor.index, organisations, other=label("est_other_actor", lang))
    # the others are counted together; NaN (a period not covered) stays NaN
    actors = by_actor[plabels].groupby(names.to_numpy(), sort=False).sum(min_count=1)
    actors.index.name = "actor"
    cats, acts = gate_tables([by_cat[plabels], actors], k, mean_columns=plabels[:-1])
    # rising places: at least k incidents; the earlier mean and p only when every earlier
    # count of the place is zero or at least k (the mean is their sum / n, p a function of
    # it); no q: BH ties each q to the p-values of all cells, hidden ones among them
    pub = rising[rising["count"] >= k].copy()
    complete = ~pd.Series(is_small(earlier.loc[pub["unit_id"]].to_numpy(), k).any(axis=1)
                          if len(pub) else [], index=pub.index, dtype=bool)
    pub["place"] = pub["place_public"]
    pub["prev_mean"] = pub["prev_mean"].where(complete)
    pub["p"] = pub["p"].where(complete)
    pub["q"] = np.nan
    pub = pub[["unit_id", *RISING_COLUMNS]].reset_index(drop=True)
    places = place_names(now, area, lang, use_text=False)
    named = (places[places != ""].value_counts().rename_axis("place")
             .reset_index(name="count"))
    return EstPublic(
        by_category=cats, by_actor=acts, totals=cats.totals, total_state=cats.total_state,
        rising=pub, named=named[named["count"] >= k].reset_index(drop=True),
        cells=cells[cells["count"] >= k].reset_index(drop=True),
        duplicates=None if np.isnan(public_count(len(dups), k)) else len(dups),
        actors=int(now["actor"].nunique()), k=k)


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
