"""TODO docstring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sjobo_geo.maps.est import est_page

if TYPE_CHECKING:
    import geopandas as gpd
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.analysis.est import (  # MOVED
    CELL_SIZE_M,
    DUP_DISTANCE_M,
    DUP_HOURS,
    EMERGING_BAND_CELLS,
    EMERGING_MIN_STEPS,
    EMERGING_STEPS,
    EST_SOURCES,
    N_PREVIOUS,
    PERIODS,
    RISING_CLASSES,
    EstError,
    EstResult,
    flag_duplicates,
    last_full_week,
    parse_week,
    period_bounds,
    period_index,
    period_label,
    place_names,
    rising_cells,
)
from sjobo_geo.core.progress import noop

#: Steps reported to ``progress``.
EST_STEPS = ("area", "reports", "analysis", "outputs", "page")


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
        :func:`sjobo_geo.inputs.reports.validate.load_report_files`: each report keeps its actor
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
        A measures register (:func:`sjobo_geo.inputs.measures.load_measures`) drawn on the map.

    Returns
    -------
    EstResult
        ``files`` (html, gpkg, csv, and rejects when rows were rejected), ``messages``,
        ``period`` label, ``counts`` (by category and period), ``rising`` (cells: Poisson
        ``status`` and emerging hot spot ``pattern``), ``duplicates`` (flagged reports of the
        period).
    """
    from sjobo_geo.analysis.hotspots import assign_to_grid, emerging_classes, grid_units
    from sjobo_geo.core.files import atomic_path, write_gpkg_layers
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.jobs.common import area_and_reports

    t0 = time.perf_counter()
    lang = check_lang(lang)
    if period not in PERIODS:
        raise EstError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    if int(k) < 1:
        raise EstError(f"k must be at least 1; got {k}")
    step = progress or noop
    out = Path(out)
    model, rs, paths = area_and_reports(reports_file, area, error=EstError, step=step,
                                         steps=(EST_STEPS[0], EST_STEPS[1]))
    from sjobo_geo.inputs.measures import as_measure_set

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
    anchor = parse_week(week) if week else last_full_week(ts.max())
    current = int(period_index([anchor], period)[0])
    pidx = np.full(len(reports), np.iinfo(np.int64).min, dtype=np.int64)
    pidx[timed.to_numpy()] = period_index(ts[timed], period)
    first = int(pidx[timed.to_numpy()].min())
    if current < first or current > int(pidx.max()):
        raise EstError(f"{period_label(current, period)} is outside the data "
                       f"({ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d})")
    periods = list(range(current - N_PREVIOUS, current + 1))
    have = np.array([p >= first for p in periods])
    plabels = [period_label(p, period) for p in periods]
    in_current = pidx == current
    now = reports[in_current].copy()
    now["place"] = place_names(now, model, lang)
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
    rise = rising_cells(series, have[:-1])
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
    page = est_page(model, now, cells_now, rising, dups, named, by_cat, by_actor, totals, plabels,
                 have, period=period, public=public, k=k, offline=offline_html, lang=lang,
                 synthetic=result.synthetic, files=[p.name for p in paths],
                 rejected=rs.rejected, n_steps=n_steps, measures=ms,
                 bounds=period_bounds(current, period))
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
