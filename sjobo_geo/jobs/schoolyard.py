"""The schoolyard job: area and inputs → :func:`~sjobo_geo.analysis.schoolyard.analyse_schoolyard`
→ ``schoolyard.html``, ``schoolyard.gpkg`` and ``vegetation_actions.csv``.

:func:`run_schoolyard_job` loads the area and the report file (the CLI's entry);
:func:`run_schoolyard` takes a loaded area, reads the lighting-gaps file when given one, runs
the analysis (objects only), draws the map (:func:`sjobo_geo.maps.schoolyard.schoolyard_map`)
and writes the files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.analysis.schoolyard import (
    SCHOOLYARD_ANALYSIS_STEPS,
    SchoolyardResult,
    analyse_schoolyard,
)
from sjobo_geo.core.progress import Progress, noop
from sjobo_geo.jobs.common import load_area_for

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.analysis.visibility import VegetationActions
    from sjobo_geo.core.area import Area

__all__ = ["SCHOOLYARD_FILES", "SCHOOLYARD_STEPS", "SchoolyardJobResult", "run_schoolyard",
           "run_schoolyard_job"]

#: Steps of the schoolyard job (the first is reported by the job that loads the area).
SCHOOLYARD_STEPS = ("load area", *SCHOOLYARD_ANALYSIS_STEPS, "write files", "write map")
#: The files :func:`run_schoolyard` writes (``about.json`` besides).
SCHOOLYARD_FILES = ("schoolyard.gpkg", "vegetation_actions.csv", "schoolyard.html")


@dataclass
class SchoolyardJobResult:
    """What :func:`run_schoolyard` produced: the analysis (objects) and the files written.

    The analysis' main parts are also attributes of the result (``place_name``,
    ``actions``, ``hidden``, ``min_observers``), as before the analysis became an object of
    its own.
    """

    analysis: SchoolyardResult
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def place_name(self) -> str:
        """The place analysed."""
        return self.analysis.place_name

    @property
    def actions(self) -> VegetationActions:
        """Vegetation actions (ranked, near paths, the visibility grid, observers)."""
        return self.analysis.actions

    @property
    def hidden(self) -> gpd.GeoDataFrame:
        """Hidden places."""
        return self.analysis.hidden

    @property
    def min_observers(self) -> int:
        """A cell seen by fewer observers is hidden."""
        return self.analysis.min_observers


def _read_gaps(lighting: str | Path | gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Lighting gaps: layer ``path_gaps`` of a ``lighting.gpkg``, or a frame as given."""
    if lighting is None or not isinstance(lighting, str | Path):
        return lighting
    import pyogrio

    return pyogrio.read_dataframe(lighting, layer="path_gaps")


def run_schoolyard(
    area: Area,
    *,
    out: str | Path,
    place: str | None = None,
    reports: Any = None,
    lighting: str | Path | gpd.GeoDataFrame | None = None,
    min_share: float = 0.05,
    settings: str = "crime_prevention_victoria",
    offline_html: bool = False,
    lang: str | None = None,
    progress: Callable[[str], None] | None = None,
    measures: Any = None,
) -> SchoolyardJobResult:
    """Visibility, hidden places and vegetation actions for a place; writes three files.

    Parameters
    ----------
    area : Area
    out : str or pathlib.Path
        Output folder.
        Written as one run (:func:`~sjobo_geo.jobs.common.output_run`): the files appear
        together, with ``about.json``, once all are written; none is an input.
    place : str, optional
        Place name (gazetteer); the profile's school by default.
    reports : ReportSet or geopandas.GeoDataFrame, optional
        Reports drawn in and around the grounds (internal map).
    lighting : path or GeoDataFrame, optional
        Lighting gaps: ``lighting.gpkg`` from ``sjobo-geo lighting-gaps`` (layer
        ``path_gaps``) or a GeoDataFrame; the gaps in and around the grounds are drawn.
    min_share : float, default 0.05
        A cell seen by fewer than this share of the observers (at least 1) is hidden.
    settings : str, default "crime_prevention_victoria"
        Trimming heights and clearances (:data:`sjobo_geo.analysis.visibility.CPTED_SETTINGS`).
    offline_html, lang
        As for every map.
    progress : callable, optional
        Called with the steps of :data:`SCHOOLYARD_STEPS` after the first.
    measures : path, MeasureSet or GeoDataFrame, optional
        A measures register (:func:`sjobo_geo.inputs.measures.load_measures`) drawn on the map
        (bushes cut, lamps installed, ...); its accounting goes to the messages.

    Returns
    -------
    SchoolyardJobResult

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> result = run_schoolyard(load_area("sample"), out="out/schoolyard")  # doctest: +SKIP
    >>> sorted(result.files)  # doctest: +SKIP
    ['csv', 'gpkg', 'map']
    """
    import pandas as pd

    from sjobo_geo.core.files import write_csv, write_gpkg_layers
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.measures import as_measure_set
    from sjobo_geo.jobs.common import output_run
    from sjobo_geo.maps.offline import save_map
    from sjobo_geo.maps.schoolyard import labelled_classes, schoolyard_map

    lang = check_lang(lang)
    step = progress or noop
    arguments = {"area": area.name, "place": place, "reports": reports, "lighting": lighting,
                 "min_share": min_share, "settings": settings, "offline_html": offline_html,
                 "lang": lang, "measures": measures}
    with output_run(out, job="schoolyard", inputs=[reports, lighting, measures],
                    outputs=SCHOOLYARD_FILES, arguments=arguments, area=area) as run:
        measure_set = as_measure_set(measures, area)
        gaps = _read_gaps(lighting)
        sy = analyse_schoolyard(area, place=place, reports=reports, lighting=gaps,
                                min_share=min_share, settings=settings, progress=step)
        result = SchoolyardJobResult(sy, messages=list(sy.messages))
        step(SCHOOLYARD_STEPS[3])
        actions = sy.actions
        layers = {
            "place": sy.place, "visibility": labelled_classes(sy.classes, lang),
            "hidden_places": sy.hidden, "vegetation_ranked": actions.ranked,
            "vegetation_near_paths": actions.near_paths, "observers": actions.observers,
            "lamps": sy.lamps,
        }
        if sy.reports is not None:
            layers["reports"] = sy.reports
        if sy.gaps is not None:
            layers["lighting_gaps"] = sy.gaps
        about = {"place": sy.place_name, "area": area.name, "min_observers": sy.min_observers,
                 "min_share": min_share, "settings": sy.settings, "synthetic": sy.synthetic}
        result.files["gpkg"] = write_gpkg_layers(layers, run.file("schoolyard.gpkg"),
                                                 about=about)
        table = pd.concat([
            pd.DataFrame(actions.ranked.drop(columns="geometry")).assign(list="ranked"),
            pd.DataFrame(actions.near_paths.drop(columns="geometry")).assign(
                list="within path clearance"),
        ], ignore_index=True)
        result.files["csv"] = write_csv(table, run.file("vegetation_actions.csv"))
        step(SCHOOLYARD_STEPS[4])
        m = schoolyard_map(sy, area, lang=lang, tiles=not offline_html, measures=measure_set)
        result.files["map"] = save_map(m, run.file("schoolyard.html"), offline=offline_html)
    result.files = run.finals(result.files)
    result.messages[:0] = run.messages
    if measure_set is not None:
        result.messages.extend(measure_set.messages())
    return result


def run_schoolyard_job(
    area: str | Path | Area = "sample",
    *,
    out: str | Path,
    place: str | None = None,
    reports: str | Path | None = None,
    lighting: str | Path | None = None,
    osm_file: str | Path | None = None,
    source: str | None = None,
    min_share: float = 0.05,
    settings: str = "crime_prevention_victoria",
    offline_html: bool = False,
    lang: str | None = None,
    progress: Progress | None = None,
    measures: Any = None,
) -> SchoolyardJobResult:
    """Load the area (and the report file), then :func:`run_schoolyard`.

    Examples
    --------
    >>> result = run_schoolyard_job("sample", out="out/schoolyard",
    ...                             reports="reports.csv")  # doctest: +SKIP
    """
    from sjobo_geo.inputs.reports.validate import load_reports
    from sjobo_geo.jobs.common import output_run

    step = progress or noop
    arguments = {"area": area, "place": place, "reports": reports, "lighting": lighting,
                 "osm_file": osm_file, "source": source, "min_share": min_share,
                 "settings": settings, "offline_html": offline_html, "lang": lang,
                 "measures": measures}
    # the run of the files read here (the report file, the OSM file); run_schoolyard's own
    # run is nested in it and committed with it
    with output_run(out, job="schoolyard", inputs=[reports, lighting, measures, osm_file, area],
                    outputs=SCHOOLYARD_FILES, arguments=arguments) as run:
        step(SCHOOLYARD_STEPS[0])
        model = load_area_for(area, osm_file, source)
        run.area = model
        rs = load_reports(reports, model) if reports is not None else None
        result = run_schoolyard(model, out=run.path, place=place, reports=rs,
                                lighting=lighting, min_share=min_share, settings=settings,
                                offline_html=offline_html, lang=lang, progress=step,
                                measures=measures)
    result.files = run.finals(result.files)
    result.messages[:0] = run.messages
    return result
