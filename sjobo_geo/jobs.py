"""User jobs: the end-to-end runs behind the CLI subcommands.

Each job takes plain arguments, calls the library (sources -> model -> analyses -> outputs)
and returns what it wrote, so the CLI stays thin and notebooks can run the same jobs. An
optional ``progress`` callback receives one short step description at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .area import Area

__all__ = ["AREA_STEPS", "JobResult", "run_area", "run_demo"]

Progress = Callable[[str], None]

#: Steps reported by :func:`run_area`, in order (for progress bars).
AREA_STEPS = ("read OSM data", "build area model", "write GeoPackage", "write map")


@dataclass
class JobResult:
    """What a job produced: the area and the files written (name -> path)."""

    area: Area
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _noop(_step: str) -> None:
    return None


def run_area(
    area: str | Path = "sample",
    *,
    out: str | Path,
    osm_file: str | Path | None = None,
    source: str | None = None,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """Load an area and write ``area.gpkg`` and ``area_map.html`` into ``out``.

    Parameters
    ----------
    area : str or pathlib.Path
        Profile name or TOML path.
    out : str or pathlib.Path
        Output folder (created if needed).
    osm_file : str or pathlib.Path, optional
        Local ``.osm``/``.osm.pbf`` instead of the profile's source.
    source : {"live", "file", "sample"}, optional
        Override the profile's source.
    offline_html : bool, default False
        Write a self-contained page (assets inlined, no tiles) that works with no internet.
    lang : {"sv", "en"}, optional
        Map language; Swedish by default.
    progress : callable, optional
        Called with each step name of :data:`AREA_STEPS` as it starts.

    Returns
    -------
    JobResult
    """
    from .maps._offline import save_map
    from .maps.i18n import check_lang
    from .osm import fetch_osm
    from .profiles import load_profile

    lang = check_lang(lang)
    step = progress or _noop
    out = Path(out)
    profile = load_profile(area)
    step(AREA_STEPS[0])
    osm = fetch_osm(profile, osm_file=osm_file, source=source)
    step(AREA_STEPS[1])
    from .area import build_area

    model = build_area(osm, profile)
    step(AREA_STEPS[2])
    result = JobResult(model)
    result.files["gpkg"] = model.to_gpkg(out / "area.gpkg")
    step(AREA_STEPS[3])
    m = model.explore(lang=lang) if not offline_html else _offline_map(model, lang)
    result.files["map"] = save_map(m, out / "area_map.html", offline=offline_html)
    result.messages.append(model.summary())
    return result


def _offline_map(model: Area, lang: str):
    from .maps.base import area_map

    return area_map(model, lang=lang, tiles=False)


def run_demo(
    out: str | Path = "outputs/demo",
    *,
    lang: str | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """The offline demo on the sample area: the area model and its offline map.

    Later capabilities (reports, lighting gaps, hotspots, ...) add their outputs here.
    """
    return run_area("sample", out=out, offline_html=True, lang=lang, progress=progress)
