"""The report jobs: `reports validate` (accounting and rejects), `reports map` (internal or
public map, GeoPackage, rejects) and `sample-reports` (SYNTHETIC reports on an area).

No output is ever written over an input (:func:`~sjobo_geo.jobs.common.check_output_path`);
``reports map`` writes its folder as one run (:func:`~sjobo_geo.jobs.common.output_run`);
every CSV is Excel-safe (:func:`sjobo_geo.core.files.write_csv`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.core.progress import Progress, noop
from sjobo_geo.jobs.common import check_output_path, load_area_for, output_run

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area
    from sjobo_geo.jobs.common import RunFolder

__all__ = ["REPORT_STEPS", "REPORTS_MAP_FILES", "ReportsResult", "rejects_path",
           "run_reports_map", "run_reports_validate", "run_sample_reports"]

#: Steps reported by :func:`run_reports_map`.
REPORT_STEPS = ("load area", "read and validate reports", "write files", "write map")
#: The files :func:`run_reports_map` writes (``report_cells.csv`` only when public;
#: ``about.json`` besides).
REPORTS_MAP_FILES = ("reports_rejects.csv", "reports.gpkg", "report_cells.csv",
                     "reports_map.html")


@dataclass
class ReportsResult:
    """What a reports job produced: the validated reports, their accounting, the files."""

    reports: Any
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def rejects_path(
    file: str | Path,
    *,
    rejects: str | Path | None = None,
    out: str | Path | None = None,
    inputs: Iterable[Any] = (),
) -> Path:
    """Where a validate job writes the rejects of ``file``, checked to be safe to write.

    ``rejects`` when given; else ``<stem>_rejects.csv`` in the folder ``out``; else
    ``<stem>_rejects.csv`` beside ``file``. A relative ``file`` is relative to the current
    folder, so its rejects land there only when the input itself is there: a validate run
    never drops files into the current folder by accident. The path is refused when it is
    ``file`` or one of ``inputs`` (symlinks resolved, hard links too), or exists and is not
    a regular file (:func:`~sjobo_geo.core.files.check_output_path`).

    Parameters
    ----------
    file : str or pathlib.Path
        The validated file (report file or measures register).
    rejects : str or pathlib.Path, optional
        Explicit rejects file (``--rejects``).
    out : str or pathlib.Path, optional
        Folder for the rejects file (``--out``).
    inputs : iterable, optional
        The run's other inputs (column mapping, OSM file, profile); paths among them are
        compared too.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputPathError
        The rejects file would overwrite ``file`` or another input, or is a folder, a FIFO
        or a device.

    Examples
    --------
    >>> from pathlib import Path
    >>> rejects_path("exports/jan.csv") == Path("exports/jan_rejects.csv")
    True
    >>> rejects_path("exports/jan.csv", out="checked") == Path("checked/jan_rejects.csv")
    True
    >>> rejects_path("exports/jan.csv", rejects="r.csv") == Path("r.csv")
    True
    """
    source = Path(file)
    if rejects is not None:
        target, option = Path(rejects), "--rejects"
    else:
        folder = Path(out) if out is not None else source.parent
        target, option = folder / f"{source.stem}_rejects.csv", "--rejects (or --out)"
    return check_output_path(target, [source, *inputs], option=option)


def run_reports_validate(
    file: str | Path,
    area: str | Path | Area = "sample",
    *,
    osm_file: str | Path | None = None,
    source: str | None = None,
    columns: str | Path | None = None,
    crs: str | None = None,
    report_source: str = "unknown",
    rejects: str | Path | None = None,
    out: str | Path | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> ReportsResult:
    """Validate a report file against an area and write the rejects file.

    Returns the :class:`~sjobo_geo.inputs.reports.schema.ReportSet`; with ``strict`` any rejected
    row raises :class:`~sjobo_geo.inputs.reports.schema.ReportsError` after the rejects are written.
    The rejects go to ``rejects``, else into the folder ``out``, else beside ``file`` (see
    :func:`rejects_path`); never into the current folder by accident, never over ``file``.
    The rejects file is Excel-safe and may be neither an input nor anything but a regular
    file (:class:`~sjobo_geo._errors.OutputPathError`, before anything is read).

    Examples
    --------
    >>> result = run_reports_validate("reports.csv", "sample",
    ...                               rejects="out/rejects.csv")  # doctest: +SKIP
    >>> result.reports.accounting()["rejected"]  # doctest: +SKIP
    """
    from sjobo_geo.core.files import write_csv
    from sjobo_geo.inputs.reports.schema import ReportsError
    from sjobo_geo.inputs.reports.validate import load_reports

    step = progress or noop
    target = rejects_path(file, rejects=rejects, out=out, inputs=[columns, osm_file, area])
    step(REPORT_STEPS[0])
    model = load_area_for(area, osm_file, source)
    step(REPORT_STEPS[1])
    rs = load_reports(file, model, columns=columns, crs=crs, default_source=report_source)
    result = ReportsResult(rs)
    result.files["rejects"] = write_csv(rs.rejects, target)
    if strict and rs.rejected:
        first = rs.rejects.iloc[0]
        raise ReportsError(
            f"{file}: {rs.rejected} of {rs.total} rows rejected (--strict); first: row "
            f"{first['row']}, {first['column']}: {first['reason']}; all in {target}"
        )
    return result


def run_reports_map(
    file: str | Path,
    area: str | Path | Area = "sample",
    *,
    out: str | Path,
    osm_file: str | Path | None = None,
    source: str | None = None,
    columns: str | Path | None = None,
    crs: str | None = None,
    report_source: str = "unknown",
    public: bool = False,
    k: int | None = None,
    cell_size: float | None = None,
    strict: bool = False,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Progress | None = None,
    measures: Any = None,
) -> ReportsResult:
    """Validate reports and write ``reports_map.html``, ``reports.gpkg`` and the rejects.

    Internal outputs keep every field (free text included) and exact positions. With
    ``public`` the map, GeoPackage and CSV hold only counts per grid cell of at least ``k``
    reports (see :mod:`sjobo_geo.analysis.privacy`), and the rejects file keeps row numbers
    and the kind of each reason, without the rejected values. Public cells are never smaller
    than 100 m (:data:`~sjobo_geo.analysis.privacy.DEFAULT_CELL_SIZE_M`, as the README
    promises): a smaller ``cell_size`` is raised to it, with a message.

    ``measures`` (a path, :class:`~sjobo_geo.inputs.measures.MeasureSet` or GeoDataFrame) adds the
    measures register to the map, public or not (never its notes); its accounting goes to
    ``messages``.

    ``out`` is written as one run (:func:`~sjobo_geo.jobs.common.output_run`): the files
    appear together, with ``about.json``, once all are written, and none may be an input.
    With ``strict`` and a rejected row the run is the rejects file alone (the error is
    raised once it is in place).

    Examples
    --------
    >>> result = run_reports_map("reports.csv", "sample", out="out/reports",
    ...                          public=True)  # doctest: +SKIP
    >>> sorted(result.files)  # doctest: +SKIP
    ['csv', 'gpkg', 'map', 'rejects']
    """
    from sjobo_geo.analysis.privacy import DEFAULT_CELL_SIZE_M, DEFAULT_K, public_reason
    from sjobo_geo.core.files import write_csv
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.measures import as_measure_set
    from sjobo_geo.inputs.reports.schema import ReportsError
    from sjobo_geo.inputs.reports.validate import load_reports

    lang = check_lang(lang)
    k = DEFAULT_K if k is None else k
    asked = cell_size
    cell_size = DEFAULT_CELL_SIZE_M if cell_size is None else float(cell_size)
    if public:  # not from the data: the smallest cell the public promise allows
        cell_size = max(cell_size, DEFAULT_CELL_SIZE_M)
    step = progress or noop
    arguments = {"file": file, "area": area, "osm_file": osm_file, "source": source,
                 "columns": columns, "crs": crs, "report_source": report_source,
                 "public": public, "k": k, "cell_size": cell_size, "strict": strict,
                 "offline_html": offline_html, "lang": lang, "measures": measures}
    with output_run(out, job="reports-map", inputs=[file, columns, osm_file, measures, area],
                    outputs=REPORTS_MAP_FILES, arguments=arguments) as run:
        step(REPORT_STEPS[0])
        model = load_area_for(area, osm_file, source)
        run.area = model
        measure_set = as_measure_set(measures, model)
        step(REPORT_STEPS[1])
        rs = load_reports(file, model, columns=columns, crs=crs, default_source=report_source)
        result = ReportsResult(rs)
        if public and asked is not None and asked < cell_size:
            result.messages.append(f"public: cells of {cell_size:g} m, not {asked:g} m (the "
                                   "smallest public cell)")
        if measure_set is not None:
            result.messages.extend(measure_set.messages())
        step(REPORT_STEPS[2])
        rejects = rs.rejects.copy()
        if public:  # row numbers and the kind of reason only: values may be personal data
            rejects["value"] = ""
            rejects["reason"] = rejects["reason"].map(public_reason)
        result.files["rejects"] = write_csv(rejects, run.file("reports_rejects.csv"))
        if strict and rs.rejected:
            # the run is the rejects file alone: it is committed (the point of --strict),
            # the rest is not written, and the error comes after the commit
            failed = ReportsError(f"{file}: {rs.rejected} of {rs.total} rows rejected "
                                  f"(--strict); see {run.final(result.files['rejects'])}")
        else:
            failed = None
            _write_reports_map(run, result, model, measure_set, public=public, k=k,
                               cell_size=cell_size, lang=lang, offline_html=offline_html,
                               step=step)
    result.files = run.finals(result.files)
    result.messages[:0] = run.messages
    if failed is not None:
        raise failed
    return result



def _write_reports_map(run: RunFolder, result: ReportsResult, model: Area, measure_set: Any,
                       *, public: bool, k: int, cell_size: float, lang: str,
                       offline_html: bool, step: Progress) -> None:
    """``reports.gpkg``, ``report_cells.csv`` (public) and ``reports_map.html``."""
    from sjobo_geo.analysis.privacy import public_aggregate, public_table
    from sjobo_geo.core.files import write_csv, write_gpkg_layers
    from sjobo_geo.maps.offline import save_map
    from sjobo_geo.maps.reports import reports_map

    rs = result.reports
    about = {**rs.accounting(), "public": public, "generator": "sjobo-geo"}
    if public:
        cells = public_aggregate(rs, k=k, cell_size=cell_size)
        about.update(k=k, cell_size_m=cell_size)
        result.files["gpkg"] = write_gpkg_layers({"report_cells": cells},
                                                 run.file("reports.gpkg"), about=about)
        result.files["csv"] = write_csv(public_table(cells), run.file("report_cells.csv"))
        step(REPORT_STEPS[3])
        m = reports_map(rs, model, public=True, cells=cells, lang=lang,
                        tiles=not offline_html, k=k, measures=measure_set)
    else:
        result.files["gpkg"] = write_gpkg_layers({"reports": rs.reports},
                                                 run.file("reports.gpkg"), about=about)
        step(REPORT_STEPS[3])
        m = reports_map(rs, model, lang=lang, tiles=not offline_html, measures=measure_set)
    result.files["map"] = save_map(m, run.file("reports_map.html"), offline=offline_html)


def run_sample_reports(
    area: str | Path | Area = "sample",
    *,
    out: str | Path,
    n: int = 500,
    seed: int = 0,
    osm_file: str | Path | None = None,
    source: str | None = None,
) -> Path:
    """Write a seeded file of SYNTHETIC reports placed on the area (labelled synthetic).

    The CSV is Excel-safe (:func:`sjobo_geo.core.files.write_csv`: a place name from OSM
    that starts with ``=`` stays text) and ``out`` may be neither an input (the OSM file,
    the profile) nor anything but a regular file.

    Examples
    --------
    >>> run_sample_reports("sample", out="reports.csv", n=200, seed=1)  # doctest: +SKIP
    PosixPath('reports.csv')
    """
    from sjobo_geo.core.files import write_csv
    from sjobo_geo.inputs.reports.synthetic import generate_reports

    check_output_path(out, [osm_file, area], option="--out")
    model = load_area_for(area, osm_file, source)
    return write_csv(generate_reports(model, n, seed=seed), out)
