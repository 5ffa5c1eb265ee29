"""The `measures validate` job: read and locate a measures register, write its rejects (and
the located measures as a GeoPackage for QGIS).

The rejects file is Excel-safe (:func:`sjobo_geo.core.files.write_csv`). Neither output may
be an input or anything but a regular file (:func:`~sjobo_geo.jobs.common.check_output_path`),
and both are replaced together, only once both are written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo._errors import OutputPathError
from sjobo_geo.core.progress import Progress, noop
from sjobo_geo.jobs.common import check_output_path, load_area_for

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area

__all__ = ["MEASURES_STEPS", "MeasuresResult", "run_measures_validate"]

#: Steps reported by :func:`run_measures_validate`.
MEASURES_STEPS = ("load area", "read and locate measures", "write files")


@dataclass
class MeasuresResult:
    """What :func:`run_measures_validate` produced: the register and the files written."""

    measures: Any
    files: dict[str, Path] = field(default_factory=dict)


def run_measures_validate(
    file: str | Path,
    area: str | Path | Area = "sample",
    *,
    osm_file: str | Path | None = None,
    source: str | None = None,
    rejects: str | Path | None = None,
    out: str | Path | None = None,
    gpkg: str | Path | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> MeasuresResult:
    """Check a measures register against an area: accounting, rejects file, optional GPKG.

    Every row is accepted or rejected with row, column and reason, written to ``rejects``,
    else to ``<stem>_rejects.csv`` in the folder ``out``, else beside ``file`` (see
    :func:`~sjobo_geo.jobs.reports.rejects_path`; never over ``file``); with ``gpkg`` the
    accepted measures are written with their geometry (the note column left out) for QGIS.
    With ``strict`` any rejected row raises :class:`~sjobo_geo.inputs.measures.MeasuresError`
    after the rejects are written.

    Neither output may be one of the inputs or anything but a regular file
    (:class:`~sjobo_geo._errors.OutputPathError`, raised before anything is read); the two
    files replace the old ones together, once both are written.

    Examples
    --------
    >>> result = run_measures_validate("measures.csv", "sample",
    ...                                gpkg="out/measures.gpkg")  # doctest: +SKIP
    >>> result.measures.accounting()["accepted"]  # doctest: +SKIP
    """
    from sjobo_geo.core.files import atomic_path, write_csv, write_gpkg_layers
    from sjobo_geo.inputs.measures import MeasuresError, load_measures
    from sjobo_geo.jobs.reports import rejects_path

    step = progress or noop
    inputs = [file, osm_file, area]
    target = rejects_path(file, rejects=rejects, out=out, inputs=inputs)
    if gpkg is not None:
        check_output_path(gpkg, inputs, option="--gpkg")
        if os.path.realpath(gpkg) == os.path.realpath(target):
            raise OutputPathError(f"{gpkg}: is the rejects file too; give --gpkg and "
                                  "--rejects two different files")
    step(MEASURES_STEPS[0])
    model = load_area_for(area, osm_file, source)
    step(MEASURES_STEPS[1])
    ms = load_measures(file, model)
    step(MEASURES_STEPS[2])
    result = MeasuresResult(ms)
    # both files are written to temporary names first and replaced together at the end
    with atomic_path(target) as rejects_tmp:
        if gpkg is not None:
            layer = ms.measures.drop(columns="note").assign(
                date=ms.measures["date"].astype(str))
            with atomic_path(gpkg) as gpkg_tmp:
                write_gpkg_layers({"measures": layer}, gpkg_tmp,
                                  about={"generator": "sjobo-geo measures validate",
                                         "area": model.name, "register": str(file),
                                         "accepted": ms.accepted, "rejected": ms.rejected})
                write_csv(ms.rejects, rejects_tmp)
            result.files["gpkg"] = Path(gpkg)
        else:
            write_csv(ms.rejects, rejects_tmp)
    result.files = {"rejects": target, **result.files}
    if strict and ms.rejected:
        first = ms.rejects.iloc[0]
        raise MeasuresError(
            f"{file}: {ms.rejected} of {ms.total} rows rejected (--strict); first: row "
            f"{first['row']}, {first['column']}: {first['reason']}; all in {target}")
    return result
