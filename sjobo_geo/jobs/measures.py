"""The `measures validate` job: read and locate a measures register, write its rejects (and
the located measures as a GeoPackage for QGIS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.core.progress import Progress, noop
from sjobo_geo.jobs.common import load_area_for

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
    """
    from sjobo_geo.core.files import write_gpkg_layers
    from sjobo_geo.inputs.measures import MeasuresError, load_measures
    from sjobo_geo.jobs.reports import rejects_path

    step = progress or noop
    target = rejects_path(file, rejects=rejects, out=out, error=MeasuresError)
    step(MEASURES_STEPS[0])
    model = load_area_for(area, osm_file, source)
    step(MEASURES_STEPS[1])
    ms = load_measures(file, model)
    step(MEASURES_STEPS[2])
    result = MeasuresResult(ms)
    result.files["rejects"] = ms.write_rejects(target)
    if gpkg is not None:
        layer = ms.measures.drop(columns="note").assign(date=ms.measures["date"].astype(str))
        result.files["gpkg"] = write_gpkg_layers(
            {"measures": layer}, gpkg, about={"generator": "sjobo-geo measures validate",
                                              "area": model.name, "register": str(file),
                                              "accepted": ms.accepted, "rejected": ms.rejected})
    if strict and ms.rejected:
        first = ms.rejects.iloc[0]
        raise MeasuresError(
            f"{file}: {ms.rejected} of {ms.total} rows rejected (--strict); first: row "
            f"{first['row']}, {first['column']}: {first['reason']}; all in {target}")
    return result
