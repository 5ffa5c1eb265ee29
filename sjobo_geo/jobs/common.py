"""User jobs: the end-to-end runs behind the CLI subcommands.

Each job takes plain arguments, calls the library (sources -> model -> analyses -> outputs)
and returns what it wrote, so the CLI stays thin and notebooks can run the same jobs. An
optional ``progress`` callback receives one short step description at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area

__all__ = [
    "JobResult",
]


@dataclass
class JobResult:
    """What a job produced: the area and the files written (name -> path)."""

    area: Area
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# measures register


# --------------------------------------------------------------------------------------
# reports


def area_and_reports(reports_file: Any, area: Any, *, error: type[Exception],
                      step: Callable[[str], None], steps: tuple[str, str]
                      ) -> tuple[Area, Any, list[Path]]:
    """The area and the report files (one or several, e.g. one per actor) of a report job.

    Missing files raise ``error`` before anything is loaded; ``steps`` names the two steps
    (area, reports) reported to ``step``.
    """
    from sjobo_geo.inputs.reports.validate import load_report_files

    paths = ([Path(reports_file)] if isinstance(reports_file, str | Path)
             else [Path(f) for f in reports_file])
    if not paths:
        raise error("no report file given")
    for path in paths:
        if not path.is_file():
            raise error(f"{path}: report file not found")
    step(steps[0])
    model = area if hasattr(area, "layers") else load_area_for(area, None, None)
    step(steps[1])
    return model, load_report_files(paths, model), paths


def load_area_for(area: Any, osm_file: str | Path | None, source: str | None) -> Area:
    """An already built Area as is; else a profile name or path, loaded."""
    from sjobo_geo.core.area import Area, load_area

    if isinstance(area, Area):
        return area
    return load_area(area, osm_file=osm_file, source=source)


# --------------------------------------------------------------------------------------
# schoolyard


