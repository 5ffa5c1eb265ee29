"""The report jobs: `reports validate` (accounting and rejects), `reports map` (internal or
public map, GeoPackage, rejects) and `sample-reports` (SYNTHETIC reports on an area).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.core.progress import Progress, noop
from sjobo_geo.jobs.common import load_area_for

#: Steps reported by :func:`run_reports_map`.
REPORT_STEPS = ("load area", "read and validate reports", "write files", "write map")


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
    error: type[Exception] = ValueError,
) -> Path:
    """Where a validate job writes the rejects of ``file``.

    ``rejects`` when given; else ``<stem>_rejects.csv`` in the folder ``out``; else
    ``<stem>_rejects.csv`` beside ``file``. A relative ``file`` is relative to the current
    folder, so its rejects land there only when the input itself is there: a validate run
    never drops files into the current folder by accident. The input is never overwritten.

    Parameters
    ----------
    file : str or pathlib.Path
        The validated file (report file or measures register).
    rejects : str or pathlib.Path, optional
        Explicit rejects file (``--rejects``).
    out : str or pathlib.Path, optional
        Folder for the rejects file (``--out``).
    error : type of Exception, default ValueError
        Raised when the rejects would overwrite ``file`` (the job passes its own error type).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    Exception
        ``error``, when the rejects file is ``file`` itself.

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
        target = Path(rejects)
    else:
        folder = Path(out) if out is not None else source.parent
        target = folder / f"{source.stem}_rejects.csv"
    same = target.resolve() == source.resolve() or (
        target.exists() and source.exists() and os.path.samefile(target, source))
    if same:
        raise error(f"{target}: the rejects file would overwrite the input {file}; "
                    "name another file with --rejects")
    return target


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
    """
    from sjobo_geo.inputs.reports.schema import ReportsError
    from sjobo_geo.inputs.reports.validate import load_reports

    step = progress or noop
    target = rejects_path(file, rejects=rejects, out=out, error=ReportsError)
    step(REPORT_STEPS[0])
    model = load_area_for(area, osm_file, source)
    step(REPORT_STEPS[1])
    rs = load_reports(file, model, columns=columns, crs=crs, default_source=report_source)
    result = ReportsResult(rs)
    result.files["rejects"] = rs.write_rejects(target)
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
    and reasons without the rejected values.

    ``measures`` (a path, :class:`~sjobo_geo.inputs.measures.MeasureSet` or GeoDataFrame) adds the
    measures register to the map, public or not (never its notes); its accounting goes to
    ``messages``.
    """
    from sjobo_geo.analysis.privacy import (
        DEFAULT_CELL_SIZE_M,
        DEFAULT_K,
        public_aggregate,
        public_table,
    )
    from sjobo_geo.core.files import write_gpkg_layers
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.reports.schema import ReportsError
    from sjobo_geo.inputs.reports.validate import load_reports
    from sjobo_geo.maps.offline import save_map
    from sjobo_geo.maps.reports import reports_map

    lang = check_lang(lang)
    k = DEFAULT_K if k is None else k
    cell_size = DEFAULT_CELL_SIZE_M if cell_size is None else cell_size
    step = progress or noop
    out = Path(out)
    step(REPORT_STEPS[0])
    model = load_area_for(area, osm_file, source)
    from sjobo_geo.inputs.measures import as_measure_set

    measure_set = as_measure_set(measures, model)
    step(REPORT_STEPS[1])
    rs = load_reports(file, model, columns=columns, crs=crs, default_source=report_source)
    result = ReportsResult(rs)
    if measure_set is not None:
        result.messages.extend(measure_set.messages())
    step(REPORT_STEPS[2])
    rejects = rs.rejects.copy()
    if public:  # row numbers and the kind of reason only: values may be personal data
        from sjobo_geo.analysis.privacy import public_reason

        rejects["value"] = ""
        rejects["reason"] = rejects["reason"].map(public_reason)
    result.files["rejects"] = replace(rs, rejects=rejects).write_rejects(
        out / "reports_rejects.csv")
    if strict and rs.rejected:
        raise ReportsError(f"{file}: {rs.rejected} of {rs.total} rows rejected (--strict); "
                           f"see {result.files['rejects']}")
    about = {**rs.accounting(), "public": public, "generator": "sjobo-geo"}
    if public:
        cells = public_aggregate(rs, k=k, cell_size=cell_size)
        about.update(k=k, cell_size_m=cell_size)
        result.files["gpkg"] = write_gpkg_layers({"report_cells": cells}, out / "reports.gpkg",
                                                 about=about)
        from sjobo_geo.core.files import atomic_path

        with atomic_path(out / "report_cells.csv") as tmp:
            public_table(cells).to_csv(tmp, index=False, encoding="utf-8")
        result.files["csv"] = out / "report_cells.csv"
        step(REPORT_STEPS[3])
        m = reports_map(rs, model, public=True, cells=cells, lang=lang, tiles=not offline_html,
                        k=k, measures=measure_set)
    else:
        layers = {"reports": rs.reports}
        result.files["gpkg"] = write_gpkg_layers(layers, out / "reports.gpkg", about=about)
        step(REPORT_STEPS[3])
        m = reports_map(rs, model, lang=lang, tiles=not offline_html, measures=measure_set)
    result.files["map"] = save_map(m, out / "reports_map.html", offline=offline_html)
    return result


def run_sample_reports(
    area: str | Path | Area = "sample",
    *,
    out: str | Path,
    n: int = 500,
    seed: int = 0,
    osm_file: str | Path | None = None,
    source: str | None = None,
) -> Path:
    """Write a seeded file of SYNTHETIC reports placed on the area (labelled synthetic)."""
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports

    model = load_area_for(area, osm_file, source)
    return write_sample_reports(model, out, n=n, seed=seed)
