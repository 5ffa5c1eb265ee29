"""The ``est-week`` job: report files in, the EST weekly picture out.

Reads the area and the report files (one per EST actor, say), runs
:func:`sjobo_geo.analysis.est.analyse_est_week`, writes ``est_week.gpkg``, ``est_week.csv``,
``est_rising.csv`` (the new and rising places, :func:`sjobo_geo.analysis.est.rising_table`;
through :func:`sjobo_geo.core.files.write_csv`: Excel formulas neutralised), ``est_rejects.csv``
when rows were rejected (internal only) and the page ``est_week.html``
(:func:`sjobo_geo.maps.est.est_page`). Public runs write what the privacy gate shows
(:attr:`sjobo_geo.analysis.est.EstWeek.public_view`) and give rejection reasons without
values (:func:`sjobo_geo.analysis.privacy.public_reason`). The folder is written as one run
(:func:`sjobo_geo.jobs.common.output_run`): the files appear together with ``about.json``,
an earlier run's ``est_rejects.csv`` goes when this run has none, and no output may be one
of the report files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.analysis.est import (
    DUP_DISTANCE_M,
    DUP_HOURS,
    EMERGING_MIN_STEPS,
    EstError,
    EstResult,
    analyse_est_week,
    check_est_options,
    rising_table,
)
from sjobo_geo.core.progress import noop

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.analysis.est import EstPublic, EstWeek
    from sjobo_geo.jobs.common import RunFolder

__all__ = ["EST_FILES", "EST_STEPS", "run_est_week"]

#: Steps reported to ``progress``.
EST_STEPS = ("area", "reports", "analysis", "outputs", "page")
#: The files :func:`run_est_week` writes (``est_rejects.csv`` only for an internal run with
#: rejected rows; ``about.json`` besides).
EST_FILES = ("est_week.gpkg", "est_week.csv", "est_rising.csv", "est_rejects.csv",
             "est_week.html")

#: Columns of the period's incidents in the internal ``est_week.csv`` and GeoPackage.
INCIDENT_COLUMNS = ("report_id", "source_file", "source", "actor", "category", "timestamp",
                    "time_band", "after_dark", "weight", "place", "text", "x", "y",
                    "snapped_to", "probable_duplicate_of", "synthetic", "geometry")


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
        Output folder (created), written as one run
        (:func:`~sjobo_geo.jobs.common.output_run`): the files appear together, with
        ``about.json``, once all are written; none may be an input.
    week : str, optional
        ISO week such as ``"2025-W14"``; the period shown is the one containing its Monday.
        Default: the last full ISO week in the data.
    period : {"week", "quarter", "year"}
        Length of the period shown and of the 8 earlier periods it is compared with.
    public : bool
        Publishable outputs, through the privacy gate (:mod:`sjobo_geo.analysis.privacy`):
        counts per grid cell with at least ``k`` incidents only, no figure from which a
        count under ``k`` can be recovered (small counts ``<k``, their complements ``×``),
        actors named only when the area profile lists them, no report-level lists, no free
        text, rejection reasons without values.
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
        ``files`` (html, gpkg, csv, rising, and rejects when rows were rejected),
        ``messages``,
        ``period`` label, ``counts`` (by category and period), ``rising`` (cells: Poisson
        ``status`` and emerging hot spot ``pattern``), ``duplicates`` (flagged reports of the
        period) and ``week``, the whole :class:`~sjobo_geo.analysis.est.EstWeek`.

    Examples
    --------
    >>> result = run_est_week(["polisen.csv", "coop.csv"], "sample", out="out/est",
    ...                       week="2024-W40", offline_html=True)  # doctest: +SKIP
    >>> sorted(result.files)  # doctest: +SKIP
    ['csv', 'gpkg', 'html', 'rising']
    """
    from sjobo_geo.core.files import write_csv
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.measures import as_measure_set
    from sjobo_geo.jobs.common import area_and_reports, output_run
    from sjobo_geo.maps.est import est_page

    t0 = time.perf_counter()
    lang = check_lang(lang)
    check_est_options(period, k)  # before the (slow) loading
    step = progress or noop
    given = list(reports_file) if isinstance(reports_file, list | tuple) else [reports_file]
    arguments = {"reports_file": given, "area": area, "week": week, "period": period,
                 "public": public, "k": k, "offline_html": offline_html, "lang": lang,
                 "measures": measures}
    with output_run(out, job="est-week", inputs=[given, measures, area], outputs=EST_FILES,
                    arguments=arguments) as run:
        model, rs, paths = area_and_reports(reports_file, area, error=EstError, step=step,
                                             steps=(EST_STEPS[0], EST_STEPS[1]))
        run.area = model
        ms = as_measure_set(measures, model)
        step(EST_STEPS[2])
        est = analyse_est_week(model, rs, week=week, period=period, measures=ms,
                               public=public, k=k, lang=lang)
        result = EstResult(period=est.label, accepted=est.accepted, synthetic=est.synthetic,
                           counts=est.by_category[est.period_labels],
                           rising=est.rising, duplicates=est.duplicates, week=est)

        step(EST_STEPS[3])
        result.files.update(_write_tables(run, est, model.name, [p.name for p in paths]))
        if rs.rejected and not public:  # rejected values may be personal data: internal only
            result.files["rejects"] = write_csv(rs.rejects, run.file("est_rejects.csv"))

        step(EST_STEPS[4])
        page = est_page(est, model, lang=lang, offline=offline_html)
        html = run.file("est_week.html")
        html.write_text(page, encoding="utf-8")
        result.files["html"] = html
    result.files = run.finals(result.files)
    result.messages += run.messages
    view = est.public_view

    if view is None:
        counted = (f"{len(est.incidents)} incidents, {len(est.rising)} new or rising places, "
                   f"{len(est.duplicates)} probable duplicates flagged (none removed)")
    else:  # the figures of the public page only
        counted = (f"{_total_text(view, est.label)} incidents, "
                   f"{len(view.rising)} new or rising places listed")
    result.messages.append(
        f"{est.label}: {counted}{' (SYNTHETIC)' if est.synthetic else ''}; "
        f"{rs.accepted} of {rs.total} rows accepted; {time.perf_counter() - t0:.1f} s")
    result.messages += est.messages
    if rs.rejected:
        from sjobo_geo.analysis.privacy import public_reason

        # public: the kind of reason only (the reason may echo the rejected value)
        first_reasons = "; ".join(
            f"{r.get('file', '') + ' ' if 'file' in rs.rejects else ''}row {r['row']}: "
            f"{public_reason(r['reason']) if public else r['reason']}"
            for _, r in rs.rejects.head(3).iterrows())
        result.messages.append(f"{rs.rejected} rows rejected ({first_reasons}"
                               f"{'; ...' if rs.rejected > 3 else ''})"
                               + ("" if public else "; all in est_rejects.csv"))
    result.messages += rs.warnings[:5]
    if ms is not None:
        result.messages += ms.messages()
    return result


def _total_text(view: EstPublic, label: str) -> str:
    """The period's total as the public page gives it (a number or a mark)."""
    from sjobo_geo.analysis.privacy import MARKS

    state = view.total_state[label]
    return str(int(view.totals[label])) if state == "" else MARKS[state].format(k=view.k)


def _write_tables(run: RunFolder, est: EstWeek, area_name: str, files: list[str]
                  ) -> dict[str, Path]:
    """``est_week.gpkg``, ``est_week.csv`` and ``est_rising.csv``: public, what the privacy
    gate shows (the cells with at least k incidents, the places listed publicly); internal,
    the period's incidents, the cells with any and every listed place."""
    from sjobo_geo.core.files import write_csv, write_gpkg_layers

    view = est.public_view
    about = {"generator": "sjobo-geo est-week", "area": area_name, "period": est.label,
             "period_kind": est.period, "public": est.public, "synthetic": est.synthetic,
             "reports": (len(est.incidents) if view is None
                         else _total_text(view, est.label)), "accepted": est.accepted,
             "rejected": est.rejected, "cell_size_m": est.params["cell_size_m"],
             "duplicate_rule_m_h": f"{DUP_DISTANCE_M}/{DUP_HOURS}",
             "emerging_periods": est.params["emerging_periods"], "files": ", ".join(files),
             **({"k": est.k} if est.public else {})}
    cells = est.cells
    if view is not None:
        cells = view.cells.copy()
        cells["synthetic"] = est.synthetic
        layers: dict[str, gpd.GeoDataFrame] = {"cells": cells}
        table = cells.drop(columns="geometry")
    else:
        now = est.incidents
        incidents = now[[c for c in INCIDENT_COLUMNS if c in now.columns]].reset_index(
            drop=True)
        layers = {"incidents": incidents, "cells": cells[cells["count"] > 0]}
        table = incidents.drop(columns="geometry")
    files_written = {"gpkg": write_gpkg_layers(layers, run.file("est_week.gpkg"),
                                               about=about)}
    files_written["csv"] = write_csv(table, run.file("est_week.csv"))
    rising = rising_table(est.rising if view is None else view.rising, est.lang,
                          emerging=est.params["emerging_periods"] >= EMERGING_MIN_STEPS)
    rising.insert(len(rising.columns), "synthetic", est.synthetic)
    files_written["rising"] = write_csv(
        rising, run.file("est_rising.csv"),
        header_lines=[f"sjobo-geo est-week, {area_name}, {est.label}"
                      f"{', public (k = ' + str(est.k) + ')' if est.public else ''}"
                      f"{', SYNTHETIC DATA' if est.synthetic else ''}"])
    return files_written
