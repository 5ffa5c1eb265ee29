"""Follow-up of the promises: reports before and after each measure, against comparable places.

For every measure of a register (:mod:`sjobo_geo.inputs.measures`) that is done or in progress and
has a date, :func:`follow_up` compares the reports **in and around** its place (its geometry
grown by ``radius`` metres) before and after the date, and compares that change with the
change at **comparable places without a measure** over the same days. It writes nothing; the
job :func:`sjobo_geo.jobs.follow_up.run_follow_up` writes ``follow_up.html`` (a printable
page with a map, :func:`sjobo_geo.maps.follow_up.follow_up_page`), ``follow_up.csv`` and
``follow_up.gpkg``.

The method, step by step
------------------------
1. **Which reports.** Incidents are all reports whose source is not a survey (EST, police
   situational picture, door knocking, dialogues) of the categories the kind of measure is
   meant to reduce (:attr:`sjobo_geo.inputs.measures.MeasureKind.addresses`; all categories for
   kinds without a list). Survey answers (sources ``survey`` and ``safety_survey``) are
   compared separately (step 5).
2. **Windows.** The after window starts on the measure's date; both windows have the same
   length ``W = min(365 days, days of data before, days of data after)``. With (almost) a
   whole year on each side (``W >= 350``) every season is in both windows. With less, the
   before window is **the same calendar days a year earlier** when the data reach back that
   far ("same season"), and otherwise the days just before the date (then the seasons
   differ, which the table says).
   Below 28 days on either side the measure is "too little data before or after".
3. **Change at the place.** ``before`` and ``after`` are the counts in the zone; the rate
   ratio ``after / before`` (windows of equal length) comes with an exact 95 % interval and
   the exact conditional test: given ``n = before + after``, ``after`` is binomial with
   ``p = 1/2`` when the rate did not change (a Poisson rate comparison). Fewer than
   ``min_reports`` (10) reports in the zone: "too few reports to say", and no test.
4. **Against comparable places.** The area is cut into 100 m cells; cells within
   ``radius + 200`` m of any measure that is done or in progress are left out. Comparable
   cells are those whose report density over both windows together is within a factor 4 of
   the zone's (selection on both windows together does not favour a fall or a rise); with
   fewer than 5 such cells, all cells with reports are used. The measure's effect is judged
   by the **relative change** ``(after/before at the place) / (after/before at the comparable
   places)`` and Fisher's exact test of the 2x2 table; the p-values are corrected over the
   measures (Benjamini-Hochberg, ``alpha = 0.05``).
5. **Survey answers.** The share of survey answers in the 365 days before the date that
   name a place in the zone, against the share in the 365 days after (the next survey),
   with Fisher's exact test ("too few survey answers to say" below ``min_reports``).

Verdicts: ``fewer`` or ``more`` (a significant relative change against comparable places),
``like_elsewhere`` (the place changed significantly, but not more than comparable places),
``no_clear_change``, ``too_few``, ``too_little_time``, ``not_done`` (planned, cancelled or
no date). A verdict is a statement about reports, not proof of cause: other things change
too, and people may report more where something was done.

Public follow-up
----------------
:func:`public_follow_up` puts the table through the privacy gate
(:mod:`sjobo_geo.analysis.privacy`) for public pages and files: counts under ``k`` are
blanked, and so is every figure they could be computed back from, i.e. the weekly rates
(rate × days / 7 is the count), the rate ratio with its interval and p-value, the relative
change and its tests, the survey shares (share × total is the count) and Fisher's p. The
survey answers naming a zone and the other answers split a published total (all answers of
the year): both are protected as one line (:func:`~sjobo_geo.analysis.privacy.suppress_line`),
hiding the total too when the line cannot be protected. A q-value is computed from every
measure's p-value (Benjamini-Hochberg), so all q-values are blanked when any p-value is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo._errors import SjoboGeoError

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = [
    "FollowUpError",
    "FollowUpResult",
    "VERDICTS",
    "follow_up",
    "public_follow_up",
]

#: Metres around a measure's geometry that count as "in and around" its place.
RADIUS_M = 100.0
#: Comparable cells are at least this far (metres) beyond the radius of every measure.
CONTROL_GAP_M = 200.0
#: Cell size (metres) of the comparable places.
CELL_M = 100.0
#: Comparable: density within this factor of the zone's.
CONTROL_FACTOR = 4.0
#: Fewer comparable cells than this: all cells with reports are used.
CONTROL_MIN_CELLS = 5
#: Longest and shortest window (days) on each side of the date.
MAX_WINDOW_DAYS = 365
MIN_WINDOW_DAYS = 28
#: Windows at least this long cover every season ("a whole year on each side").
YEAR_LIKE_DAYS = 350
#: Fewer reports than this in the zone (both windows): too few to say.
MIN_REPORTS = 10
ALPHA = 0.05
#: Sources that are survey answers (compared as shares, step 5).
SURVEY_SOURCES = ("survey", "safety_survey")
#: Verdict codes in the order of the page.
VERDICTS = ("fewer", "more", "like_elsewhere", "no_clear_change", "too_few",
            "too_little_time", "not_done")
_FOLLOWED = ("done", "in_progress")

COLUMNS = (
    "measure_id", "promise", "kind", "place", "owner", "status", "date", "categories",
    "window_days", "season", "before_from", "before_to", "after_from", "after_to",
    "before", "after", "rate_before_week", "rate_after_week", "rate_ratio", "ratio_low",
    "ratio_high", "p_time", "control_rule", "control_cells", "control_before",
    "control_after", "control_ratio", "relative_change", "p_control", "q_control",
    "survey_before", "survey_total_before", "survey_after", "survey_total_after",
    "survey_share_before", "survey_share_after", "p_survey", "survey_verdict", "verdict",
)


class FollowUpError(ValueError, SjoboGeoError):
    """Bad arguments, or reports and measures the follow-up cannot be made from."""


@dataclass
class FollowUpResult:
    """What :func:`sjobo_geo.jobs.follow_up.run_follow_up` produced."""

    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    synthetic: bool = False


# ---- the analysis ----------------------------------------------------------------------------


def _windows(date: pd.Timestamp, t0: pd.Timestamp, t1: pd.Timestamp
             ) -> tuple[int, str, pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """Window length in days, season rule and the before/after windows (half-open)."""
    day = pd.Timedelta(days=1)
    have_before = int((date - t0.normalize()) / day)
    have_after = int((t1.normalize() + day - date) / day)
    w = max(0, min(MAX_WINDOW_DAYS, have_before, have_after))
    after = (date, date + w * day)
    if w >= YEAR_LIKE_DAYS:  # (almost) a whole year on each side: every season in both
        season, before = "year", (date - w * day, date)
    elif have_before >= MAX_WINDOW_DAYS:
        start = date - MAX_WINDOW_DAYS * day
        season, before = "same_season", (start, start + w * day)
    else:
        season, before = "adjacent", (date - w * day, date)
    return w, season, before[0], before[1], after[0], after[1]


def _ratio_ci(a: int, b: int) -> tuple[float, float]:
    """Exact 95 % interval of the rate ratio a/b (equal windows), via Clopper-Pearson."""
    from scipy.stats import beta

    n = a + b
    if n == 0:
        return np.nan, np.nan
    lo = beta.ppf(0.025, a, n - a + 1) if a > 0 else 0.0
    hi = beta.ppf(0.975, a + 1, n - a) if a < n else 1.0
    return (lo / (1 - lo), hi / (1 - hi) if hi < 1 else np.inf)


def _comparable(cb: np.ndarray, ca: np.ndarray, a: int, b: int, zone_area: float,
                away: np.ndarray, cell_area: np.ndarray) -> dict[str, Any]:
    """Step 4: the counts at comparable cells (``cb``, ``ca``: counts per cell before and
    after) and Fisher's test of the zone's change against theirs."""
    from scipy.stats import fisher_exact

    total = cb + ca
    zone_density = (a + b) / zone_area
    density = total / cell_area
    comparable = (away & (total > 0) & (density >= zone_density / CONTROL_FACTOR)
                  & (density <= zone_density * CONTROL_FACTOR))
    rule = "similar_density"
    if comparable.sum() < CONTROL_MIN_CELLS:
        comparable, rule = away & (total > 0), "all_cells"
    B, A = int(cb[comparable].sum()), int(ca[comparable].sum())  # noqa: N806
    out: dict[str, Any] = {"control_rule": rule, "control_cells": int(comparable.sum()),
                           "control_before": B, "control_after": A}
    if A + B > 0:
        control_ratio = (A + 0.5) / (B + 0.5)
        out.update(control_ratio=control_ratio,
                   relative_change=((a + 0.5) / (b + 0.5)) / control_ratio,
                   p_control=fisher_exact([[a, b], [A, B]]).pvalue)
    return out


def follow_up(
    area: Area,
    reports: gpd.GeoDataFrame,
    measures: gpd.GeoDataFrame,
    *,
    radius_m: float = RADIUS_M,
    min_reports: int = MIN_REPORTS,
) -> pd.DataFrame:
    """Before and after per measure, against comparable places (see the module docstring).

    Parameters
    ----------
    area : Area
        The area (its boundary makes the comparable cells).
    reports : ReportSet or geopandas.GeoDataFrame
        Validated reports (a ``ReportSet`` or its ``reports``) with ``timestamp``, ``source`` and
        ``category``; a frame in another CRS is reprojected to the area's.
    measures : MeasureSet or geopandas.GeoDataFrame
        A ``MeasureSet`` or its ``measures``
        (:data:`sjobo_geo.inputs.measures.MEASURE_COLUMNS`); a frame in another CRS is
        reprojected to the area's.
    radius_m : float, default 100
        Metres around a measure's geometry that count as its place.
    min_reports : int, default 10
        Fewer reports in a zone (both windows): "too few reports to say".

    Returns
    -------
    pandas.DataFrame
        One row per measure, columns :data:`COLUMNS`; ``attrs`` holds the parameters.

    Raises
    ------
    TypeError
        ``area`` is not an Area (the arguments in the order before 0.2).
    FollowUpError
        A ``radius_m`` ``min_reports`` out of range, or a measure without a geometry.
    CRSError
        A frame without a CRS.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> from sjobo_geo.inputs.measures import load_measures
    >>> from sjobo_geo.inputs.reports.validate import load_report_files
    >>> area = load_area("sample")
    >>> reports = load_report_files(["est.csv", "survey.csv"], area).reports  # doctest: +SKIP
    >>> measures = load_measures("measures.csv", area).measures  # doctest: +SKIP
    >>> table = follow_up(area, reports, measures)  # doctest: +SKIP
    >>> table[["measure_id", "before", "after", "relative_change", "verdict"]]  # doctest: +SKIP
    """
    import shapely
    from scipy.stats import binomtest, fisher_exact

    from sjobo_geo.analysis.hotspots import assign_to_grid, grid_units
    from sjobo_geo.analysis.stats import fdr_adjust
    from sjobo_geo.core.crs import to_area_crs
    from sjobo_geo.inputs.measures import MEASURE_KINDS

    if not hasattr(area, "layers"):  # the order was (reports, measures, area) before 0.2
        raise TypeError(f"follow_up takes the area first: follow_up(area, reports, measures); "
                        f"got {type(area).__name__} as the area")
    if not radius_m > 0:
        raise FollowUpError(f"radius_m must be above 0 metres; got {radius_m}")
    if int(min_reports) < 1:
        raise FollowUpError(f"min_reports must be at least 1; got {min_reports}")
    reports = to_area_crs(reports, area.crs, "the reports")
    measures = to_area_crs(measures, area.crs, "the measures")
    # a ReportSet / MeasureSet as loaded, or their frames
    reports = reports.reports if not hasattr(reports, "geometry") else reports
    measures = measures.measures if not hasattr(measures, "geometry") else measures
    dated = reports[reports["timestamp"].notna()]
    ts = pd.to_datetime(dated["timestamp"]).to_numpy()
    xy = np.column_stack([dated.geometry.x.to_numpy(), dated.geometry.y.to_numpy()])
    source = dated["source"].astype(str).to_numpy()
    category = dated["category"].astype(str).to_numpy()
    survey = np.isin(source, SURVEY_SOURCES)
    incident = ~survey
    t0 = pd.Timestamp(ts[incident].min()) if incident.any() else None
    t1 = pd.Timestamp(ts[incident].max()) if incident.any() else None

    m = measures.reset_index(drop=True)
    no_place = m.geometry.isna() | m.geometry.is_empty
    if no_place.any():
        raise FollowUpError("measures without a geometry: "
                            + ", ".join(m.loc[no_place, "measure_id"].astype(str).head(10))
                            + "; give each a place, coordinates or a geometry")
    zones = shapely.buffer(m.geometry.to_numpy(), radius_m)
    pt_idx, zone_idx = shapely.STRtree(zones).query(shapely.points(xy), predicate="intersects")
    followed = (m["status"].isin(_FOLLOWED) & m["date"].notna()).to_numpy()

    # comparable cells: away from every measure that was carried out
    grid = grid_units(area, CELL_M)
    away = np.ones(len(grid), dtype=bool)
    if followed.any():
        near = shapely.STRtree(grid.geometry.to_numpy()).query(
            zones[followed], predicate="dwithin", distance=CONTROL_GAP_M)[1]
        away[near] = False
    cell = assign_to_grid(xy, grid)
    cell_area = grid.geometry.area.to_numpy()

    def in_window(lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
        return (ts >= np.datetime64(lo)) & (ts < np.datetime64(hi))

    rows: list[dict[str, Any]] = []
    tested: list[int] = []
    for i, meas in m.iterrows():  # one row per measure (tens), all counts vectorised
        kind = MEASURE_KINDS.get(str(meas["kind"]))
        cats = tuple(kind.addresses) if kind is not None and kind.addresses else ()
        row: dict[str, Any] = {c: np.nan for c in COLUMNS}
        row.update(measure_id=meas["measure_id"], promise=meas.get("promise", ""),
                   kind=meas["kind"], place=meas.get("place", ""), owner=meas.get("owner", ""),
                   status=meas["status"], date=meas["date"],
                   categories=" ".join(cats) if cats else "all", control_rule="",
                   season="", survey_verdict="", verdict="not_done")
        rows.append(row)
        if not followed[i]:
            continue
        date = pd.Timestamp(meas["date"]).normalize()
        mine = np.zeros(len(ts), dtype=bool)
        mine[pt_idx[zone_idx == i]] = True
        if t0 is None or t1 is None:  # survey answers only: no incident to compare
            row["verdict"] = "too_few"
        else:
            w, season, b0, b1, a0, a1 = _windows(date, t0, t1)
            row.update(window_days=w, season=season, before_from=b0.date(),
                       before_to=(b1 - pd.Timedelta(days=1)).date(), after_from=a0.date(),
                       after_to=(a1 - pd.Timedelta(days=1)).date())
            if w < MIN_WINDOW_DAYS:
                row["verdict"] = "too_little_time"
            else:
                use = incident & (np.isin(category, cats) if cats else True)
                wb, wa = in_window(b0, b1) & use, in_window(a0, a1) & use
                b, a = int((wb & mine).sum()), int((wa & mine).sum())
                row.update(before=b, after=a, rate_before_week=round(b / w * 7, 3),
                           rate_after_week=round(a / w * 7, 3))
                if a + b < min_reports:
                    row["verdict"] = "too_few"
                else:
                    ratio = a / b if b else np.inf
                    lo, hi = _ratio_ci(a, b)
                    row.update(rate_ratio=ratio, ratio_low=lo, ratio_high=hi,
                               p_time=binomtest(a, a + b, 0.5).pvalue)
                    # comparable cells over the same windows
                    cb = np.bincount(cell[wb & (cell >= 0)], minlength=len(grid))
                    ca = np.bincount(cell[wa & (cell >= 0)], minlength=len(grid))
                    control = _comparable(cb, ca, a, b, zones[i].area, away, cell_area)
                    row.update(control)
                    if "p_control" in control:
                        tested.append(len(rows) - 1)
                    row["verdict"] = "pending"
        # survey answers: the year before against the year after
        yb = in_window(date - pd.Timedelta(days=365), date) & survey
        ya = in_window(date, date + pd.Timedelta(days=365)) & survey
        sb, sa = int((yb & mine).sum()), int((ya & mine).sum())
        nb, na = int(yb.sum()), int(ya.sum())
        row.update(survey_before=sb, survey_total_before=nb, survey_after=sa,
                   survey_total_after=na,
                   survey_share_before=round(sb / nb, 4) if nb else np.nan,
                   survey_share_after=round(sa / na, 4) if na else np.nan)
        if nb == 0 or na == 0:
            row["survey_verdict"] = "no_survey"
        elif sa + sb < min_reports:
            row["survey_verdict"] = "too_few"
        else:
            p = fisher_exact([[sa, na - sa], [sb, nb - sb]]).pvalue
            row["p_survey"] = p
            row["survey_verdict"] = ("no_clear_change" if p >= ALPHA else
                                     "fewer" if sa / na < sb / nb else "more")

    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if tested:
        q = fdr_adjust(table.loc[tested, "p_control"].to_numpy(dtype=float))
        table.loc[tested, "q_control"] = q
    pending = table["verdict"] == "pending"
    sig_c = pending & (table["q_control"] < ALPHA)
    sig_t = pending & (table["p_time"] < ALPHA)
    rel = table["relative_change"]
    table.loc[pending, "verdict"] = "no_clear_change"
    table.loc[sig_t & ~sig_c, "verdict"] = "like_elsewhere"
    table.loc[sig_c & (rel < 1), "verdict"] = "fewer"
    table.loc[sig_c & (rel > 1), "verdict"] = "more"
    table.attrs.update(radius_m=radius_m, min_reports=int(min_reports), alpha=ALPHA,
                       cell_m=CELL_M, control_gap_m=CONTROL_GAP_M,
                       data_from=str(t0.date()) if t0 is not None else "",
                       data_to=str(t1.date()) if t1 is not None else "")
    return table


# ---- the public table ------------------------------------------------------------------------

#: Counts of the follow-up table.
COUNT_COLUMNS = ("before", "after", "control_before", "control_after", "survey_before",
                 "survey_total_before", "survey_after", "survey_total_after")
#: Figures derived from counts, with the counts each one is computed from.
DERIVED_FROM = {
    "rate_before_week": ("before",),
    "rate_after_week": ("after",),
    "rate_ratio": ("before", "after"),
    "ratio_low": ("before", "after"),
    "ratio_high": ("before", "after"),
    "p_time": ("before", "after"),
    "control_ratio": ("control_before", "control_after"),
    "relative_change": ("before", "after", "control_before", "control_after"),
    "p_control": ("before", "after", "control_before", "control_after"),
    "survey_share_before": ("survey_before", "survey_total_before"),
    "survey_share_after": ("survey_after", "survey_total_after"),
    "p_survey": ("survey_before", "survey_total_before", "survey_after",
                 "survey_total_after"),
}


def public_follow_up(table: pd.DataFrame, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The follow-up table as a public page or file may hold it (see the module docstring).

    Parameters
    ----------
    table : pandas.DataFrame
        What :func:`follow_up` returned.
    k : int
        Smallest count that may be shown, at least 1.

    Returns
    -------
    gated : pandas.DataFrame
        ``table`` with every hidden figure NaN (``attrs`` kept, ``k`` added).
    state : pandas.DataFrame
        Per cell of ``table``: ``""`` (as it was), ``"small"`` (a count under ``k``) or
        ``"hidden"`` (a count or figure hidden so that no small count can be computed
        back), as :data:`sjobo_geo.analysis.privacy.MARKS` shows them.

    Examples
    --------
    A zone with 4 incidents before and 12 after: the 4 is blanked, and so are the rate
    before (0.547 a week over 51 days gives back 4) and the ratio 3.0 (12 / 3.0 = 4).

    >>> t = pd.DataFrame([{c: np.nan for c in COLUMNS}])
    >>> t.loc[0, ["before", "after", "window_days"]] = [4, 12, 51]
    >>> t.loc[0, ["rate_before_week", "rate_after_week", "rate_ratio"]] = [0.549, 1.647, 3.0]
    >>> gated, state = public_follow_up(t, 5)
    >>> gated.loc[0, ["before", "after", "rate_before_week", "rate_ratio"]].tolist()
    [nan, 12.0, nan, nan]
    >>> state.loc[0, ["before", "rate_before_week"]].tolist()
    ['small', 'hidden']
    """
    from sjobo_geo.analysis.privacy import HIDDEN, SHOWN, SMALL, is_small, suppress_line

    if int(k) < 1:
        raise FollowUpError(f"k must be at least 1; got {k}")
    k = int(k)
    gated = table.copy()
    state = pd.DataFrame(SHOWN, index=table.index, columns=table.columns, dtype=object)

    def num(col: str) -> np.ndarray:
        return pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)

    for col in ("before", "after", "control_before", "control_after"):
        state.loc[is_small(num(col), k), col] = SMALL
    # survey answers naming the zone and the others: one line whose total is published
    for side in ("before", "after"):
        part, total = num(f"survey_{side}"), num(f"survey_total_{side}")
        for row, (a, n) in enumerate(zip(part, total, strict=True)):
            if np.isnan(a) or np.isnan(n):
                continue
            hidden, total_hidden = suppress_line([a, n - a], k)
            idx = table.index[row]
            if hidden[0] or total_hidden:
                state.at[idx, f"survey_{side}"] = SMALL if is_small(a, k) else HIDDEN
            if total_hidden:
                state.at[idx, f"survey_total_{side}"] = SMALL if is_small(n, k) else HIDDEN
    blank = state[list(COUNT_COLUMNS)] != SHOWN
    for col, sources in DERIVED_FROM.items():
        hide = blank[list(sources)].any(axis=1) & table[col].notna()
        state.loc[hide, col] = HIDDEN
    # BH ties every q to every p: one hidden p hides them all
    if (state["p_control"] == HIDDEN).any():
        state.loc[table["q_control"].notna(), "q_control"] = HIDDEN
    for col in table.columns:
        hide = (state[col] != SHOWN).to_numpy()
        if hide.any():
            gated[col] = gated[col].astype(float).where(~hide)
    gated.attrs = {**table.attrs, "k": k}
    return gated, state
