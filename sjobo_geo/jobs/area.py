"""The `area` job: load an area and write `area.gpkg` and `area_map.html`.

Both files are written as one run (see :func:`sjobo_geo.jobs.common.output_run`).
"""

from __future__ import annotations

from pathlib import Path

from sjobo_geo.core.area import LOAD_STEPS
from sjobo_geo.core.progress import Progress, noop
from sjobo_geo.jobs.common import JobResult, output_run

__all__ = ["AREA_FILES", "AREA_STEPS", "run_area"]

#: Steps reported by :func:`run_area`, in order (for progress bars).
AREA_STEPS = (*LOAD_STEPS, "write GeoPackage", "write map")
#: The files :func:`run_area` writes (besides ``about.json``).
AREA_FILES = ("area.gpkg", "area_map.html")


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
        Written as one run (:func:`~sjobo_geo.jobs.common.output_run`): the files appear
        together, with ``about.json``, once all are written; none is an input.
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

    Examples
    --------
    >>> result = run_area("sample", out="out/area", offline_html=True)  # doctest: +SKIP
    >>> sorted(result.files)  # doctest: +SKIP
    ['gpkg', 'map']
    """
    from sjobo_geo.core.area import load_area
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.maps.base import area_map
    from sjobo_geo.maps.offline import save_map

    lang = check_lang(lang)
    step = progress or noop
    inputs = [osm_file, area if isinstance(area, Path) or str(area).endswith(".toml") else None]
    with output_run(out, job="area", inputs=inputs, outputs=AREA_FILES,
                    arguments={"area": area, "osm_file": osm_file, "source": source,
                               "offline_html": offline_html, "lang": lang}) as run:
        model = load_area(area, osm_file=osm_file, source=source, progress=step)
        run.area = model
        step(AREA_STEPS[2])
        result = JobResult(model)
        result.files["gpkg"] = model.to_gpkg(run.file("area.gpkg"))
        step(AREA_STEPS[3])
        m = area_map(model, lang=lang, tiles=not offline_html)
        result.files["map"] = save_map(m, run.file("area_map.html"), offline=offline_html)
    result.files = run.finals(result.files)
    result.messages += run.messages
    result.messages.append(model.summary())
    return result

