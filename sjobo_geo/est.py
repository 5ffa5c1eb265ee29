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

Probable duplicates
-------------------
Several actors may report the same incident. Reports of the same category within 50 m and
2 hours of each other, from different actors, are flagged: the later one gets the earlier
one's id in ``probable_duplicate_of``. Nothing is merged or dropped; a person decides.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import SjoboGeoError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["EST_STEPS", "EstError", "EstResult", "PERIODS", "flag_duplicates", "run_est_week"]

#: Period lengths the page can show.
PERIODS = ("week", "quarter", "year")
#: Steps reported to ``progress``.
EST_STEPS = ("area", "reports", "analysis", "outputs", "page")
#: Number of earlier periods compared with the chosen one.
N_PREVIOUS = 8
#: Duplicate rule: same category, different actors, this close in metres and hours.
DUP_DISTANCE_M = 50.0
DUP_HOURS = 2.0
#: Rising rule: smallest count, significance level (Benjamini-Hochberg over the cells).
RISING_MIN = 3
ALPHA = 0.05
#: Grid cell size (metres) of the rising rule and of the public counts.
CELL_SIZE_M = 100.0
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


def _noop(_step: str) -> None:
    return None


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
    xy = np.column_stack([reports.geometry.x.to_numpy()[pos], reports.geometry.y.to_numpy()[pos]])
    pairs = cKDTree(xy).query_pairs(distance, output_type="ndarray")
    if not len(pairs):
        return out
    i, j = pos[pairs[:, 0]], pos[pairs[:, 1]]
    t = ts.to_numpy()
    cat = reports["category"].astype(str).to_numpy()
    actor = reports["actor"].astype(str).to_numpy()
    gap = np.abs((t[i] - t[j]) / np.timedelta64(1, "s")) / 3600.0
    keep = (gap <= hours) & (cat[i] == cat[j]) & (actor[i] != actor[j])
    i, j = i[keep], j[keep]
    # the later one points at the earlier one (ties: the later row)
    swap = (t[j] < t[i]) | ((t[j] == t[i]) & (j < i))
    first, later = np.where(swap, j, i), np.where(swap, i, j)
    ids = reports["report_id"].astype(str).to_numpy()
    order = np.lexsort((t[first], later))  # per later report, its earliest match first
    seen: set[int] = set()
    for n in order:
        if later[n] not in seen:
            seen.add(int(later[n]))
            out.iloc[later[n]] = ids[first[n]]
    return out


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


def _place_names(reports: pd.DataFrame) -> pd.Series:
    """A readable place per report: the place text, else the snapped place's name."""
    text = reports["place_text"] if "place_text" in reports else pd.Series(pd.NA,
                                                                           index=reports.index)
    snapped = reports["snapped_to"] if "snapped_to" in reports else pd.Series(
        pd.NA, index=reports.index)
    snapped = snapped.astype("string")
    parts = snapped.str.split(":", n=2)
    name = parts.str[2]
    kind = parts.str[1]
    named = name.notna() & ~name.fillna("#").str.startswith("#")
    from_snap = name.where(named, kind.str.replace("_", " ") + " " + name.fillna(""))
    out = text.astype("string").where(text.notna() & (text.astype("string") != ""), from_snap)
    return out.astype(object).where(out.notna(), "")


# ---- page pieces -----------------------------------------------------------------------------


def _bars_svg(values: list[float | None], labels: list[str], *, width: int = 260,
              height: int = 60, title: str = "") -> str:
    """A small inline SVG bar chart; the last bar (the chosen period) is highlighted."""
    from .maps.base import escape_text

    n = max(len(values), 1)
    top = max([v for v in values if v is not None] + [1.0])
    bw = width / n
    bars = []
    for k, (v, lab) in enumerate(zip(values, labels, strict=True)):
        colour = "#d62728" if k == n - 1 else "#7f9fbf"
        if v is None:
            bars.append(f'<rect x="{k * bw + 1:.1f}" y="{height - 2}" width="{bw - 2:.1f}" '
                        f'height="2" fill="#ddd"><title>{escape_text(lab)}: –</title></rect>')
            continue
        h = (height - 12) * v / top
        bars.append(
            f'<rect x="{k * bw + 1:.1f}" y="{height - h:.1f}" width="{bw - 2:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{escape_text(lab)}: {v:g}</title></rect>'
        )
        if n <= 12:
            bars.append(f'<text x="{k * bw + bw / 2:.1f}" y="{max(height - h - 2, 9):.1f}" '
                        f'font-size="9" text-anchor="middle">{v:g}</text>')
    return (f'<svg class="bars" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape_text(title)}</title>{''.join(bars)}</svg>")


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    """An HTML table; cells must already be escaped."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


_CSS = """
body{font:11pt/1.35 system-ui,sans-serif;margin:0 auto;max-width:190mm;color:#222}
h1{font-size:17pt;margin:4mm 0 2mm}h2{font-size:13pt;margin:0 0 2mm}
.synthetic{background:#ffe08a;border:2px solid #b8860b;padding:2mm 3mm;font-weight:bold}
.summary{font-size:11.5pt;background:#f3f6fa;padding:2mm 3mm;border-left:4px solid #1f77b4}
table{border-collapse:collapse;font-size:9pt;margin:2mm 0;width:100%}
th,td{border:1px solid #bbb;padding:1px 4px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}.current{background:#fde2e2}
iframe.map{width:186mm;height:150mm;border:1px solid #999;display:block}
section{margin-bottom:6mm}.muted{color:#666;font-size:9pt}
@page{size:A4;margin:12mm}
@media print{section.break{break-before:page}iframe.map{width:186mm;height:150mm}
 table,svg{break-inside:avoid}tr{break-inside:avoid}}
"""


# ---- the run ---------------------------------------------------------------------------------


def run_est_week(
    reports_file: str | Path,
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
) -> EstResult:
    """The EST weekly picture: ``est_week.html``, ``est_week.gpkg``, ``est_week.csv`` in ``out``.

    Parameters
    ----------
    reports_file : path
        Report export, read by :func:`sjobo_geo.reports.validate.load_reports`. Every
        accepted report counts (EST files hold only EST incidents; in mixed files the
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

    Returns
    -------
    EstResult
        ``files`` (html, gpkg, csv), ``messages``, ``period`` label, ``counts`` (by category
        and period), ``rising`` (cells), ``duplicates`` (flagged reports of the period).
    """
    from .hotspots import assign_to_grid, grid_units
    from .io import atomic_path, write_gpkg_layers
    from .jobs import _load_area_for
    from .maps.i18n import check_lang
    from .reports.validate import load_reports

    t0 = time.perf_counter()
    lang = check_lang(lang)
    if period not in PERIODS:
        raise EstError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    if int(k) < 1:
        raise EstError(f"k must be at least 1; got {k}")
    step = progress or _noop
    out = Path(out)
    path = Path(reports_file)
    if not path.is_file():
        raise EstError(f"{path}: report file not found")
    step(EST_STEPS[0])
    model = area if hasattr(area, "layers") else _load_area_for(area, None, None)
    step(EST_STEPS[1])
    rs = load_reports(path, model)
    reports = rs.reports
    timed = reports["timestamp"].notna()
    if not timed.any():
        raise EstError(f"{path}: no accepted report has a date ({rs.rejected} of {rs.total} "
                       "rows rejected); nothing to show")
    step(EST_STEPS[2])
    reports = reports.copy()
    reports["probable_duplicate_of"] = flag_duplicates(reports)
    reports["place"] = _place_names(reports)
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
    result = EstResult(period=plabels[-1], accepted=rs.accepted, synthetic=bool(rs.synthetic))

    # counts by category and by actor over the 9 periods
    window = (pidx >= periods[0]) & (pidx <= current)
    win = reports[window]
    pos = pidx[window] - periods[0]

    def counts_by(col: str) -> pd.DataFrame:
        keys = win[col].astype(str).to_numpy()
        frame = pd.crosstab(keys, pos).reindex(columns=range(len(periods)), fill_value=0)
        frame.columns = plabels
        frame = frame.astype(float)
        frame.loc[:, ~have] = np.nan
        return frame.sort_values(plabels[-1], ascending=False, kind="stable")

    by_cat = counts_by("category")
    by_actor = counts_by("actor")
    totals = [float((pos == n).sum()) if have[n] else None for n in range(len(periods))]
    result.counts = by_cat

    # rising cells
    grid = grid_units(model, CELL_SIZE_M)
    xy = np.column_stack([win.geometry.x.to_numpy(), win.geometry.y.to_numpy()])
    cell = assign_to_grid(xy, grid)
    series = np.zeros((len(grid), len(periods)))
    okc = cell >= 0
    np.add.at(series, (cell[okc], pos[okc]), 1.0)
    rise = _rising(series, have[:-1])
    rise.insert(0, "unit_id", grid["unit_id"].to_numpy())
    now_cell = assign_to_grid(np.column_stack([now.geometry.x, now.geometry.y]), grid)
    now["cell"] = np.where(now_cell >= 0, grid["unit_id"].to_numpy()[now_cell], "")
    top_place = (now[now["place"] != ""].groupby("cell")["place"]
                 .agg(lambda s: s.value_counts().index[0]))
    rise["place"] = rise["unit_id"].map(top_place).fillna("")
    rising = rise[rise["status"] != ""].sort_values(["p", "count"], ascending=[True, False])
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
             **({"k": k} if public else {})}
    cells_now = grid[["unit_id", "geometry"]].copy()
    cells_now["count"] = series[:, -1].astype(int)
    cells_now["status"] = rise["status"].to_numpy()
    if public:
        cells_now = cells_now[cells_now["count"] >= k].reset_index(drop=True)
        cells_now["synthetic"] = result.synthetic
        layers: dict[str, gpd.GeoDataFrame] = {"cells": cells_now}
        table = cells_now.drop(columns="geometry")
    else:
        cols = ["report_id", "source", "actor", "category", "timestamp", "time_band",
                "after_dark", "weight", "place", "text", "x", "y", "snapped_to",
                "probable_duplicate_of", "synthetic", "geometry"]
        incidents = now[[c for c in cols if c in now.columns]].reset_index(drop=True)
        layers = {"incidents": incidents, "cells": cells_now[cells_now["count"] > 0]}
        table = incidents.drop(columns="geometry")
    result.files["gpkg"] = write_gpkg_layers(layers, out / "est_week.gpkg", about=about)
    with atomic_path(out / "est_week.csv") as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    result.files["csv"] = out / "est_week.csv"

    step(EST_STEPS[4])
    page = _page(model, now, cells_now, rising, dups, named, by_cat, by_actor, totals, plabels,
                 have, period=period, public=public, k=k, offline=offline_html, lang=lang,
                 synthetic=result.synthetic)
    with atomic_path(out / "est_week.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    result.files["html"] = out / "est_week.html"
    result.messages.append(
        f"{plabels[-1]}: {len(now)} incidents{' (SYNTHETIC)' if result.synthetic else ''}, "
        f"{len(rising)} rising or new cells, {len(dups)} probable duplicates flagged "
        f"(none removed); {rs.accepted} of {rs.total} rows accepted; "
        f"{time.perf_counter() - t0:.1f} s")
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
              public: bool, offline: bool, lang: str) -> str:
    import folium

    from .maps._offline import inline_assets
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
    add_legend(m, legend, title=label("legend", lang))
    folium.LayerControl(collapsed=True).add_to(m)
    page = m.get_root().render()
    return inline_assets(page) if offline else page


def _page(model: Any, now: pd.DataFrame, cells: pd.DataFrame, rising: pd.DataFrame,
          dups: pd.DataFrame, named: pd.Series, by_cat: pd.DataFrame, by_actor: pd.DataFrame,
          totals: list[float | None], plabels: list[str], have: np.ndarray, *, period: str,
          public: bool, k: int, offline: bool, lang: str, synthetic: bool) -> str:
    from .maps.base import escape_text as esc
    from .maps.i18n import label
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
            bars = _bars_svg([None if np.isnan(v) or (public and 0 < v < k) else float(v)
                              for v in vals], plabels, width=120, height=24, title=str(key))
            rows.append([esc(names.get(key, key) if names else key),
                         *[small(v) for v in vals], mean, bars])
        return rows

    cat_names = {c: (CATEGORIES[c].sv if lang == "sv" else CATEGORIES[c].en)
                 for c in by_cat.index if c in CATEGORIES}
    header = [L("category"), *[esc(p) for p in plabels], L("est_prev_mean"), ""]
    mark = (f'<p class="synthetic">{L("est_synthetic")}</p>' if synthetic else "")
    summary = _summary(now, totals, rising, dups, by_cat, plabels[-1], period, lang, public, k)
    map_page = _map_html(model, now, cells, rising, public=public, offline=offline, lang=lang)
    total_svg = _bars_svg(totals, plabels, width=520, height=90, title=label("est_total", lang))
    coverage = "" if have.all() else (
        '<p class="muted">'
        + esc(label("est_coverage", lang).format(n=int(have[:-1].sum()), m=N_PREVIOUS))
        + "</p>")

    # rising
    if len(rising):
        rrows = [[esc(label("est_new" if r.status == "new" else "est_up", lang)),
                  esc(r.place) if not public else "", esc(r.unit_id), small(float(r["count"])),
                  f"{r.prev_mean:.1f}", f"{r.p:.2g}"] for _, r in rising.head(LIST_MAX).iterrows()]
        rising_html = _table([L("est_status"), L("est_place"), L("est_cell"), esc(plabels[-1]),
                              L("est_prev_mean"), "p"], rrows)
    else:
        rising_html = f"<p>{L('est_none_rising')}</p>"
    rule = f'<p class="muted">{L("est_rule")}</p>'

    # places named most often
    if public:
        named = named[named >= k]
    prow = [[esc(p), str(int(n))] for p, n in named.head(15).items()]
    places_html = _table([L("est_place"), L("est_count")], prow) if prow else "<p>–</p>"

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
        dup_html = _table([L("est_id"), L("actor"), L("category"), L("time"), L("est_place"),
                           L("report_text"), L("est_dup_of")], drows) + more
    else:
        dup_html = f"<p>{L('est_no_dups')}</p>"
    dup_rule = f'<p class="muted">{L("est_dup_rule")}</p>'

    title = f"{label('est_title', lang)} · {label(f'est_{period}', lang)} {plabels[-1]}"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{_CSS}</style></head>
<body>
<section id="summary">
<h1>{esc(title)}</h1>
{mark}
<p class="muted">{esc(model.name)} · {L("est_generated")} {dt.date.today():%Y-%m-%d}</p>
<p class="summary" id="est-summary">{summary}</p>
<iframe class="map" title="{L('est_map')}" srcdoc="{html.escape(map_page, quote=True)}">
</iframe>
</section>
<section id="counts" class="break">
<h2>{L("est_counts")}</h2>{mark}{coverage}
{total_svg}
{_table(header, count_rows(by_cat, cat_names), "counts")}
<h2>{L("actor")}</h2>
{_table([L("actor"), *header[1:]], count_rows(by_actor, None), "counts")}
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
</section>
</body></html>
"""
