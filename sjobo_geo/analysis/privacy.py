"""Privacy for public outputs: one gate that every public table, page and file goes through.

A public output (HTML, GeoPackage, CSV; ``--public``) promises three things:

1. **no free text and no report-level data**: reports are counted, never listed; the
   reasons rows were rejected are shown without the rejected value
   (:func:`public_reason`); actors are named only when the area profile lists them as
   organisations (:func:`public_actors`), every other name, a person's say, is "other
   actor";
2. **no exact positions**: reports are counted in square cells of ``cell_size`` metres
   (:func:`public_aggregate`, 100 m by default) on a grid aligned to multiples of the cell
   size in the area's metric CRS, so the same report always falls in the same cell;
3. **no figure from which a count under k can be recovered** (``k`` = 5 by default).

The third promise is about more than the counts themselves. Each rule below stops an attack
that worked on earlier public pages:

* *A small count printed as it is* (a summary saying "lighting (4)"). A count ``0 < n < k``
  is **small**: it is shown as ``<k`` (:func:`is_small`, :func:`public_count`). Zero is
  shown: it counts nobody.
* *Everything derived from a small count* (a rate 0.547 per week over 51 days gives
  0.547 × 51 / 7 = 4; a rate ratio with its interval, a share × its total, a p-value of a
  test on the count). Every mean, rate, ratio, interval, share and p-value computed from a
  hidden count is hidden with it (:func:`derived_shown`).
* *Subtraction from a published total* (a week total of 56 and categories summing to 53
  give back the hidden 3). In each line of a table whose total is published (a period's
  column of the counts by category or by actor, the survey answers naming a zone and the
  other answers), the hidden cells must leave every small count anywhere between 1 and
  ``k - 1``: besides the small cells, **complementary** cells of at least ``k`` are hidden
  (shown as ``×``), in a fixed order (by key, never by value, so that the choice tells
  nothing about the hidden values), until together they exceed ``k`` by at least
  ``k - 2``. Then ``total - shown`` is at least ``small + k + (k - 2)``, which fits every
  small value from 1 to ``k - 1`` (:func:`suppress_line`). When the line has not enough
  such cells, its total is hidden too, and with it the whole line in every table that
  splits the same total (the counts by category and by actor add up to the same period
  total; :func:`gate_tables`).
* *Subtraction through a mean* (a previous-period mean of 7.0 over 8 periods is a sum of
  56; the shown counts sum to 53). A mean is shown only when **every count it averages is
  shown** exactly (zero or at least ``k``, not hidden): then it tells nothing more than
  those counts. Rounding or banding the mean was not chosen: a band ``[a, b)`` intersected
  with the known range ``1 .. k-1`` of a hidden count can leave a single value.
* *A significance test on a small count* (a rising place with "<5" incidents, a previous
  mean of 0.2, i.e. 2 reports, and p = 0.003). A p-value or q-value is a figure derived
  from its counts: hidden when they are. A place is listed publicly only with at least
  ``k`` incidents in the period.
* *An actor name that is a person's name and address* (exact weekly counts of one
  household): only the profile's ``organisations`` are named (:func:`public_actors`); the
  others are counted together as "other actor", and that row is subject to ``k`` as well.
* *A rejected value echoed in its reason* ("unknown category: <a resident's words>"):
  public outputs give the kind of reason only (:func:`public_reason`).

What the gate does not stop (use one public output per period length and one ``k``):
outputs that split the same reports differently and are published side by side can
still be differenced: a quarter page against its weekly pages, pages made with different
``k``, or a total against the cells drawn on a map (the total minus the drawn cells is the
number of incidents everywhere else in the area, spread over many cells). Counts of
different categories in one cell of :func:`public_aggregate` can likewise be subtracted
from the cell's total (a total of 7 with one category at 5 shows that the others hold 2):
where that matters, raise ``k`` or the cell size.

The functions are general (a line of counts, a set of linked tables, a list of actor
names, a reason): the EST page (:mod:`sjobo_geo.analysis.est`), the follow-up
(:mod:`sjobo_geo.analysis.follow_up`) and the reports map use them, and any other public
output can.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.core.crs import to_area_crs

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = [
    "DEFAULT_CELL_SIZE_M",
    "DEFAULT_K",
    "HIDDEN",
    "MARKS",
    "NODATA",
    "SHOWN",
    "SMALL",
    "GatedTable",
    "derived_shown",
    "gate_tables",
    "is_small",
    "public_actors",
    "public_aggregate",
    "public_count",
    "public_reason",
    "public_table",
    "suppress_line",
]

DEFAULT_K = 5
DEFAULT_CELL_SIZE_M = 100.0

#: States of a cell in a gated table: shown as it is ...
SHOWN = ""
#: ... a small count (``0 < n < k``), shown as ``<k`` ...
SMALL = "small"
#: ... a count hidden so that a small one cannot be computed back (or a derived figure) ...
HIDDEN = "hidden"
#: ... and no data (a period the data do not cover).
NODATA = "nodata"
#: How the pages show each state that is not a number (``{k}`` filled in).
MARKS = {SMALL: "<{k}", HIDDEN: "×", NODATA: "–"}


def public_aggregate(
    reports: ReportSet | gpd.GeoDataFrame,
    *,
    k: int = DEFAULT_K,
    cell_size: float = DEFAULT_CELL_SIZE_M,
) -> gpd.GeoDataFrame:
    """Count reports per grid cell, category and time band, keeping only counts of at least k.

    Parameters
    ----------
    reports : ReportSet or geopandas.GeoDataFrame
        Validated reports (columns ``category``, ``time_band``, ``weight``) in a metric CRS,
        the area's: there is no area here to reproject them to, so reports without a CRS
        or in degrees are refused (:class:`~sjobo_geo._errors.CRSError`).
    k : int, default 5
        Smallest count that may be shown.
    cell_size : float, default 100
        Cell side in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id``, ``category`` (a code or ``"all"``), ``time_band`` (a band or
        ``"all"``), ``n`` (>= k), ``weight`` and the cell polygon, in the reports' CRS.
        ``attrs`` holds ``k`` and ``cell_size``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame({"category": ["klotter"] * 6, "time_band": ["night"] * 6,
    ...                         "weight": [1.0] * 6},
    ...                        geometry=gpd.points_from_xy([10] * 6, [10] * 6), crs=3006)
    >>> public_aggregate(pts, k=5)[["category", "time_band", "n"]].values.tolist()[0]
    ['all', 'all', 6]
    """
    import geopandas as gpd
    import shapely

    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not cell_size > 0:
        raise ValueError(f"cell_size must be positive, got {cell_size}")
    from sjobo_geo.inputs.reports.schema import ReportSet

    gdf: gpd.GeoDataFrame = reports.reports if isinstance(reports, ReportSet) else reports
    # cells of cell_size metres: degrees (or no CRS) would give silently wrong cells
    gdf = to_area_crs(gdf, None, "the reports")
    empty = gpd.GeoDataFrame(
        {"cell_id": pd.Series(dtype="object"), "category": pd.Series(dtype="object"),
         "time_band": pd.Series(dtype="object"), "n": pd.Series(dtype="int64"),
         "weight": pd.Series(dtype="float64")},
        geometry=gpd.GeoSeries([], crs=gdf.crs), crs=gdf.crs,
    )
    empty.attrs.update(k=k, cell_size=cell_size)
    if len(gdf) == 0:
        return empty
    ix = np.floor(gdf.geometry.x.to_numpy() / cell_size).astype("int64")
    iy = np.floor(gdf.geometry.y.to_numpy() / cell_size).astype("int64")
    base = pd.DataFrame({
        "ix": ix, "iy": iy, "category": gdf["category"].astype(str).to_numpy(),
        "time_band": gdf["time_band"].astype(str).to_numpy(),
        "weight": gdf["weight"].astype("float64").to_numpy(),
    })
    parts = []
    for cat_all in (False, True):
        for band_all in (False, True):
            frame = base.assign(
                category="all" if cat_all else base["category"],
                time_band="all" if band_all else base["time_band"],
            )
            parts.append(frame.groupby(["ix", "iy", "category", "time_band"], sort=False)
                         .agg(n=("weight", "size"), weight=("weight", "sum")).reset_index())
    counts = pd.concat(parts, ignore_index=True)
    counts = counts[counts["n"] >= k].sort_values(["category", "time_band", "ix", "iy"])
    if counts.empty:
        return empty
    x0 = counts["ix"].to_numpy() * cell_size
    y0 = counts["iy"].to_numpy() * cell_size
    out = gpd.GeoDataFrame(
        {
            "cell_id": (counts["ix"].astype(str) + "_" + counts["iy"].astype(str)).to_numpy(),
            "category": counts["category"].to_numpy(),
            "time_band": counts["time_band"].to_numpy(),
            "n": counts["n"].astype("int64").to_numpy(),
            "weight": counts["weight"].round(3).to_numpy(),
        },
        geometry=shapely.box(x0, y0, x0 + cell_size, y0 + cell_size), crs=gdf.crs,
    )
    out.attrs.update(k=k, cell_size=cell_size)
    return out.reset_index(drop=True)


def public_table(cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """The public counts as a plain table: cell centre (rounded to the cell), category,
    time band, n, weight. No report-level data."""
    centre = cells.geometry.centroid
    return pd.DataFrame({
        "cell_id": cells["cell_id"], "cell_centre_x": centre.x.round(0),
        "cell_centre_y": centre.y.round(0), "category": cells["category"],
        "time_band": cells["time_band"], "n": cells["n"], "weight": cells["weight"],
    })


# ---- the gate: small counts, complementary suppression, derived figures ---------------------


def is_small(values: Any, k: int) -> np.ndarray:
    """Whether each count is small: above 0 and below ``k`` (NaN is not small).

    Parameters
    ----------
    values : array_like of numbers
    k : int
        Smallest count that may be shown.

    Returns
    -------
    numpy.ndarray of bool, the shape of ``values``

    Examples
    --------
    >>> is_small([0, 1, 4, 5, float("nan")], 5).tolist()
    [False, True, True, False, False]
    """
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return (v > 0) & (v < k)


def public_count(value: Any, k: int) -> float:
    """A count as a public output may hold it: NaN when small (or missing), else the count.

    Examples
    --------
    >>> public_count(3, 5), public_count(0, 5), public_count(12, 5)
    (nan, 0.0, 12.0)
    """
    v = np.nan if value is None else float(value)
    return np.nan if np.isnan(v) or is_small(v, k) else v


def derived_shown(*counts: Any, k: int) -> np.ndarray:
    """Whether a figure derived from ``counts`` (a rate, ratio, share, mean, p-value) may be
    shown: only when none of them is small or missing.

    Each argument is a count or an array of counts (one per row); NaN, a count already
    blanked by the gate, hides the derived figure too.

    Examples
    --------
    >>> derived_shown([12, 3, 8], [20, 20, float("nan")], k=5).tolist()
    [True, False, False]
    """
    ok = np.ones(np.broadcast(*[np.asarray(c, dtype=float) for c in counts]).shape,
                 dtype=bool)
    for c in counts:
        v = np.asarray(c, dtype=float)
        ok &= ~np.isnan(v) & ~is_small(v, k)
    return ok


def suppress_line(values: Any, k: int, *, order: Sequence[Any] | None = None
                  ) -> tuple[np.ndarray, bool]:
    """Which cells of one line to hide when the line's total is published.

    The small cells (``0 < n < k``) are hidden. With any of them, cells of at least ``k``
    are hidden as well (complementary suppression), taken in ``order`` (a fixed order such
    as the row keys, never the values: the choice must tell nothing about them) until they
    exceed ``k`` by at least ``k - 2`` together. Then ``total - shown`` is at least
    ``small + k + (k - 2)``, so it fits every value ``1 .. k-1`` of each small cell, and the
    complementary cells, known only to be at least ``k``, fit any split.

    Parameters
    ----------
    values : array_like of counts
        The line (NaN: not a cell, never hidden).
    k : int
        Smallest count that may be shown.
    order : sequence, optional
        Sort keys of the cells (e.g. their row names); default: their position.

    Returns
    -------
    hidden : numpy.ndarray of bool
        The cells to hide: the small ones and their complements.
    total_hidden : bool
        True when the line cannot be protected so (not enough cells of at least ``k``):
        the total must be hidden as well (and so every cell of the line, see
        :func:`gate_tables`).

    Examples
    --------
    A week of 56 incidents, one category with 3: hiding the 3 alone would leave 56 - 53.
    The first other category (by key) is hidden too:

    >>> hidden, total_hidden = suppress_line([30, 3, 23], 5, order=["b", "a", "c"])
    >>> hidden.tolist(), total_hidden
    ([True, True, False], False)

    A line of 6 with 5 and 1 cannot be protected: 6 - 5 is the 1 whatever is hidden.

    >>> suppress_line([5, 1], 5)[1]
    True
    """
    v = np.asarray(values, dtype=float)
    small = is_small(v, k)
    hidden = small.copy()
    if not small.any():
        return hidden, False
    keys = list(range(len(v))) if order is None else [str(o) for o in order]
    excess = 0.0
    added = 0
    for i in sorted(range(len(v)), key=lambda j: keys[j]):
        if added and excess >= k - 2:
            break
        if v[i] >= k:  # NaN compares False: never a complement
            hidden[i] = True
            excess += v[i] - k
            added += 1
    return hidden, not (added and excess >= k - 2)


@dataclass(frozen=True)
class GatedTable:
    """A table of counts (rows: categories, actors; columns: periods) through the gate.

    Attributes
    ----------
    counts : pandas.DataFrame
        The counts, NaN where hidden or not covered.
    state : pandas.DataFrame
        Per cell :data:`SHOWN`, :data:`SMALL`, :data:`HIDDEN` or :data:`NODATA`.
    totals : pandas.Series
        Column totals, NaN where hidden (or not covered).
    total_state : pandas.Series
        The state of each total.
    mean : pandas.Series
        Per row, the mean over the averaged columns the data cover; NaN unless every count
        it averages is shown.
    k : int
    """

    counts: pd.DataFrame
    state: pd.DataFrame
    totals: pd.Series
    total_state: pd.Series
    mean: pd.Series
    k: int

    def text(self, row: Any, column: Any, fmt: str = "g") -> str:
        """A cell as the reader sees it: the number, or the mark of its state (:data:`MARKS`).

        Examples
        --------
        >>> import pandas as pd
        >>> t = gate_tables([pd.DataFrame({"w1": [30.0, 3.0, 23.0]}, index=["b", "a", "c"])],
        ...                 5)[0]
        >>> [t.text(r, "w1") for r in ["b", "a", "c"]]
        ['×', '<5', '23']
        """
        state = self.state.at[row, column]
        if state != SHOWN:
            return MARKS[state].format(k=self.k)
        return format(float(self.counts.at[row, column]), fmt)


def gate_tables(tables: Sequence[pd.DataFrame], k: int, *,
                mean_columns: Sequence[Any] | None = None) -> list[GatedTable]:
    """Put linked tables of counts through the gate: every table splits the same column
    totals (incidents per period by category and by actor, say).

    In every column of every table, :func:`suppress_line` hides the small counts and their
    complements. A column that cannot be protected in some table (or whose total is itself
    small) is hidden whole, in every table, with its total: the other tables would
    otherwise give the total back. A row mean over ``mean_columns`` is shown only when
    every count it averages is shown (no subtraction through the mean). A column that is
    all NaN is a period the data do not cover (:data:`NODATA`).

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        Counts with the same columns; rows are keys (their order does not matter: the
        complements are chosen by key).
    k : int
        Smallest count that may be shown, at least 1.
    mean_columns : sequence, optional
        The columns of the row means (e.g. the earlier periods); default: no mean (NaN).

    Returns
    -------
    list of GatedTable
        One per table, in the same order.

    Examples
    --------
    Week ``w2`` has a category with 3 and a total of 56; the earlier mean of category
    ``b`` would give it back (``2 * 28.0 - 53``):

    >>> import pandas as pd
    >>> cats = pd.DataFrame({"w1": [20.0, 30.0, 6.0], "w2": [3.0, 30.0, 23.0]},
    ...                     index=["a", "b", "c"])
    >>> actors = pd.DataFrame({"w1": [40.0, 16.0], "w2": [50.0, 6.0]},
    ...                       index=["Polisen", "annan aktör"])
    >>> c, a = gate_tables([cats, actors], 5, mean_columns=["w1", "w2"])
    >>> c.state["w2"].tolist(), c.totals.tolist()
    (['small', 'hidden', ''], [56.0, 56.0])
    >>> c.mean.round(1).tolist()
    [nan, nan, 14.5]
    >>> a.state["w2"].tolist()
    ['', '']
    """
    if int(k) < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    k = int(k)
    if not tables:
        return []
    columns = list(tables[0].columns)
    totals = tables[0][columns].sum(axis=0, min_count=1)
    states = []
    whole = pd.Series(False, index=columns)  # columns hidden whole, in every table
    for table in tables:
        state = pd.DataFrame(SHOWN, index=table.index, columns=columns, dtype=object)
        for col in columns:
            v = table[col].to_numpy(dtype=float)
            if np.isnan(v).all():
                state[col] = NODATA
                continue
            hidden, total_hidden = suppress_line(v, k, order=list(table.index))
            small = is_small(v, k)
            state.loc[hidden & small, col] = SMALL
            state.loc[hidden & ~small, col] = HIDDEN
            whole[col] |= total_hidden
        states.append(state)
    total_state = pd.Series(SHOWN, index=columns, dtype=object)
    total_state[totals.isna()] = NODATA
    for col in columns:
        if whole[col] and total_state[col] != NODATA:
            total_state[col] = SMALL if is_small(totals[col], k) else HIDDEN
            for state in states:
                state[col] = HIDDEN
    out = []
    for table, state in zip(tables, states, strict=True):
        counts = table[columns].astype(float).where(state == SHOWN)
        if mean_columns is not None and len(mean_columns):
            sub = state[list(mean_columns)]
            complete = ~sub.isin([SMALL, HIDDEN]).any(axis=1)
            mean = counts[list(mean_columns)].mean(axis=1, skipna=True).where(complete)
        else:
            mean = pd.Series(np.nan, index=table.index)
        out.append(GatedTable(counts=counts, state=state,
                              totals=totals.where(total_state == SHOWN),
                              total_state=total_state, mean=mean, k=k))
    return out


# ---- names and reasons ----------------------------------------------------------------------


def _norm_name(name: Any) -> str:
    return " ".join(str(name).casefold().split())


def public_actors(actors: Iterable[Any], organisations: Iterable[str], *,
                  other: str = "annan aktör") -> pd.Series:
    """Actor names as a public output may show them: an organisation of the area profile
    (``organisations``), else ``other``.

    Matching ignores case and spacing (a file named ``coop.csv`` whose rows have no actor
    column is the actor ``coop``, i.e. ``Coop``); the profile's spelling is shown. Missing
    and unlisted names, a person's name and address among them, all become ``other`` and
    are counted together (a row that is then subject to ``k`` like any other).

    Parameters
    ----------
    actors : iterable
        Actor names as written in the reports (NaN/None allowed).
    organisations : iterable of str
        :attr:`sjobo_geo.core.profiles.AreaProfile.organisations`.
    other : str, default "annan aktör"
        The name of the others (``label("est_other_actor", lang)``).

    Returns
    -------
    pandas.Series of str
        One name per actor, in order.

    Examples
    --------
    >>> public_actors(["Polisen", "coop", "Anna Svensson, Storgatan 3", None],
    ...               ["Polisen", "Coop"], other="other actor").tolist()
    ['Polisen', 'Coop', 'other actor', 'other actor']
    """
    canon = {_norm_name(o): str(o).strip() for o in organisations if str(o).strip()}
    names = []
    for a in actors:
        missing = a is None or (isinstance(a, float) and np.isnan(a)) or a is pd.NA
        names.append(other if missing else canon.get(_norm_name(a), other))
    return pd.Series(names, dtype=object)


#: Reasons whose kind a public output may give (the rest of the text may echo the value).
SAFE_REASONS = (
    "category missing", "unknown category", "unknown source", "weight is not a number",
    "weight missing", "weight must be above 0", "weight above", "bad date or time",
    "implausible date", "unknown weekday", "bad time of day", "duplicate id",
    "position outside the area", "place not found", "no location", "undecodable bytes",
    "ragged row", "unclosed quote", "empty row",
)
#: A reason of no known kind whose head may still hold a value (digits, quotes, brackets).
OTHER_REASON = "rejected"
_VALUE_LIKE = re.compile(r"[0-9'\"<>=@/\\]")


def public_reason(reason: str) -> str:
    """The kind of a rejection reason, without the rejected value it may echo.

    A known kind (:data:`SAFE_REASONS`) is returned as it is; else the text before the
    first ``:`` (or ``" ("`` or ``;``), unless that still looks like a value (digits,
    quotes, brackets), then ``"rejected"``. Only the internal rejects file keeps values.

    Examples
    --------
    >>> public_reason("unknown category: Anna Svensson, Storgatan 3; accepted: Klotter")
    'unknown category'
    >>> public_reason("duplicate id P-0001 (first at row 3)")
    'duplicate id'
    >>> public_reason("weight missing (written as 'Storgatan 3'); leave empty for 1")
    'weight missing'
    >>> public_reason("ragged row: 3 fields, header has 11")
    'ragged row'
    >>> public_reason("no id given for 19850412-1234")
    'rejected'
    """
    text = " ".join(str(reason).split())
    low = text.casefold()
    for safe in SAFE_REASONS:
        if low.startswith(safe):
            return safe
    head = re.split(r":| \(|;", text, maxsplit=1)[0].strip()
    return head if head and not _VALUE_LIKE.search(head) else OTHER_REASON
