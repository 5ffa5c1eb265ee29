"""The ``follow-up`` job: reports and a measures register in, the follow-up out.

Reads the area, the report files and the register, runs
:func:`sjobo_geo.analysis.follow_up.follow_up`, writes ``follow_up.csv``, ``follow_up.gpkg``
(each measure's zone) and the page ``follow_up.html``
(:func:`sjobo_geo.maps.follow_up.follow_up_page`). Public runs write and show the table
through the privacy gate (:func:`sjobo_geo.analysis.follow_up.public_follow_up`): no count
under ``k`` and no rate, ratio, interval, share or p-value it could be computed back from;
rejection reasons without values (:func:`sjobo_geo.analysis.privacy.public_reason`).
The folder is written as one run (:func:`sjobo_geo.jobs.common.output_run`): the three files
appear together with ``about.json``, and none may be one of the inputs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sjobo_geo.analysis.follow_up import (
    COUNT_COLUMNS,
    MIN_REPORTS,
    RADIUS_M,
    VERDICTS,
    FollowUpError,
    FollowUpResult,
    follow_up,
    public_follow_up,
)
from sjobo_geo.core.progress import noop

__all__ = ["FOLLOW_UP_FILES", "FOLLOW_UP_STEPS", "run_follow_up"]

#: Steps reported to ``progress``.
FOLLOW_UP_STEPS = ("area", "reports", "measures", "analysis", "outputs", "page")
#: The files :func:`run_follow_up` writes (``about.json`` besides).
FOLLOW_UP_FILES = ("follow_up.csv", "follow_up.gpkg", "follow_up.html")


def run_follow_up(
    reports_file: str | Path | Sequence[str | Path],
    measures_file: Any,
    area: Any = "sample",
    *,
    out: str | Path,
    radius: float = RADIUS_M,
    min_reports: int = MIN_REPORTS,
    public: bool = False,
    k: int = 5,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> FollowUpResult:
    """The follow-up of the measures: ``follow_up.html``, ``follow_up.csv``, ``follow_up.gpkg``.

    Parameters
    ----------
    reports_file : path or list of paths
        Report exports (EST incidents, survey answers, ...), combined as in
        :func:`sjobo_geo.inputs.reports.validate.load_report_files`.
    measures_file : path, MeasureSet or GeoDataFrame
        The measures register (:func:`sjobo_geo.inputs.measures.load_measures`).
    area : str, path or Area
    out : path
        Output folder (created), written as one run
        (:func:`~sjobo_geo.jobs.common.output_run`): the files appear together, with
        ``about.json``, once all are written; none may be an input.
    radius : float, default 100
        Metres around each measure that count as its place.
    min_reports : int, default 10
    public : bool
        Publishable outputs through the privacy gate
        (:func:`~sjobo_geo.analysis.follow_up.public_follow_up`): counts under ``k`` shown as
        ``<k`` and left empty in the CSV and GeoPackage, and so is every rate, ratio,
        interval, share and p-value computed from them.
    k : int, default 5
    offline_html : bool
        Inline the map's scripts, no web tiles.
    lang : {"sv", "en"}, optional
    progress : callable, optional
        Called with each step name of :data:`FOLLOW_UP_STEPS`.

    Returns
    -------
    FollowUpResult
        ``files`` (html, csv, gpkg), ``messages``, ``table`` (one row per measure, see
        :data:`sjobo_geo.analysis.follow_up.COLUMNS`) and ``synthetic``.

    Examples
    --------
    >>> result = run_follow_up(["est.csv", "survey.csv"], "measures.csv", "sample",
    ...                        out="out/follow_up", offline_html=True)  # doctest: +SKIP
    >>> result.table[["measure_id", "verdict"]]  # doctest: +SKIP
    """
    from sjobo_geo.core.files import write_csv, write_gpkg_layers
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.measures import as_measure_set
    from sjobo_geo.jobs.common import area_and_reports, output_run

    t_start = time.perf_counter()
    lang = check_lang(lang)
    if int(k) < 1:
        raise FollowUpError(f"k must be at least 1; got {k}")
    step = progress or noop
    given = list(reports_file) if isinstance(reports_file, list | tuple) else [reports_file]
    arguments = {"reports_file": given, "measures_file": measures_file, "area": area,
                 "radius": radius, "min_reports": min_reports, "public": public, "k": k,
                 "offline_html": offline_html, "lang": lang}
    with output_run(out, job="follow-up", inputs=[given, measures_file, area],
                    outputs=FOLLOW_UP_FILES, arguments=arguments) as run:
        model, rs, _ = area_and_reports(reports_file, area, error=FollowUpError, step=step,
                                         steps=(FOLLOW_UP_STEPS[0], FOLLOW_UP_STEPS[1]))
        run.area = model
        if not rs.reports["timestamp"].notna().any():
            raise FollowUpError(f"{rs.source_file}: no accepted report has a date; nothing "
                                "to compare")
        step(FOLLOW_UP_STEPS[2])
        ms = as_measure_set(measures_file, model)
        if ms is None or ms.accepted == 0:
            raise FollowUpError(f"{getattr(ms, 'source_file', measures_file)}: no measure was "
                                f"accepted ({getattr(ms, 'rejected', 0)} rows rejected); "
                                "nothing to follow up")
        step(FOLLOW_UP_STEPS[3])
        table = follow_up(model, rs, ms, radius_m=radius, min_reports=min_reports)
        result = FollowUpResult(table=table, synthetic=bool(rs.synthetic))

        step(FOLLOW_UP_STEPS[4])
        written = public_follow_up(table, k)[0] if public else table.copy()
        written.insert(0, "synthetic", result.synthetic)
        if public:  # whole numbers stay whole, blanks empty
            for c in COUNT_COLUMNS:
                written[c] = pd.to_numeric(written[c], errors="coerce").round().astype("Int64")
        result.files["csv"] = write_csv(written, run.file("follow_up.csv"))
        import geopandas as gpd

        zones = gpd.GeoDataFrame(
            written.assign(date=written["date"].astype(str)).astype(
                {c: str for c in ("before_from", "before_to", "after_from", "after_to")}),
            geometry=ms.measures.geometry.buffer(radius).to_numpy(), crs=model.crs)
        about = {"generator": "sjobo-geo follow-up", "area": model.name,
                 "reports": rs.source_file, "measures": ms.source_file, "public": public,
                 "synthetic": result.synthetic,
                 **{k_: str(v) for k_, v in table.attrs.items()}}
        result.files["gpkg"] = write_gpkg_layers({"measure_zones": zones},
                                                 run.file("follow_up.gpkg"), about=about)

        step(FOLLOW_UP_STEPS[5])
        from sjobo_geo.maps.follow_up import follow_up_page

        page = follow_up_page(table, ms, model, rs, zones, radius=radius, public=public, k=k,
                              offline=offline_html, lang=lang)
        html = run.file("follow_up.html")
        html.write_text(page, encoding="utf-8")
        result.files["html"] = html
    result.files = run.finals(result.files)
    result.messages += run.messages

    verdicts = table["verdict"].value_counts()
    result.messages.append(
        f"{len(table)} measures{' (reports SYNTHETIC)' if result.synthetic else ''}: "
        + ", ".join(f"{v} {int(verdicts[v])}" for v in VERDICTS if v in verdicts)
        + f"; {rs.accepted} of {rs.total} report rows accepted; "
        f"{time.perf_counter() - t_start:.1f} s")
    if rs.rejected:
        from sjobo_geo.analysis.privacy import public_reason

        reason = str(rs.rejects["reason"].iloc[0])  # public: its kind, not the value it echoes
        result.messages.append(f"{rs.rejected} report rows rejected (first: row "
                               f"{rs.rejects['row'].iloc[0]}: "
                               f"{public_reason(reason) if public else reason})")
    result.messages += ms.messages()
    return result
