"""Lighting gaps: where walkable surfaces fall below their EN 13201 class, ranked, with fixes.

Gaps come from the photometric model (:mod:`.photometry`), never from circles around lamps:

1. **Walkable surfaces** (:func:`~.surfaces.walkable_surfaces`): paths buffered to their width
   (``width_m``), squares and pedestrian areas, courtyards and schoolyards, each with an
   EN 13201-2 P class from :class:`~.classes.LightingClasses` (default :data:`DEFAULT_CLASSES`,
   mirrored in ``data/lighting_classes.toml``; a TOML file can override any part).
2. **Illuminance** (:func:`~.analysis.analyse_lighting`): horizontal illuminance from the
   lamps that give light (status ``working`` or ``unknown``: an OSM lamp is assumed lit, as
   OSM maps lamps in use; ``broken`` and ``planned`` lamps are left out) with a maintenance
   factor (default 0.8, LED), on a grid of ``cell_size`` cells masked to the surfaces
   (:func:`~.photometry.illuminance_grid`), and exactly
   (:func:`~.photometry.horizontal_illuminance`) at points every ``sample_spacing`` metres
   along every path's centreline.
3. **Compliance**: a *path gap* is a piece of path of at most ``piece_length`` metres whose
   minimum centreline illuminance is below its class minimum; a *dark patch* is a connected
   set of cells of a square, courtyard or schoolyard below the class minimum; a *surface
   below average* is a square, courtyard or schoolyard whose mean illuminance is below the
   class average. Path gaps say apart, in ``gap_type``, whether OSM tags the path unlit
   (``tagged_unlit``: lit=no), says nothing (``unknown_lit``) or tags it lit while the model
   finds it dark (``lit_modelled_dark``: a lamp is missing from the data, or the lighting
   really is too weak; check on site or in the owner's inventory).
4. **Ranking** by ``exposure = size × reports_factor × importance``: size in metres (paths)
   or square metres (surfaces); ``reports_factor = 1 + Σ weight`` of darkness or unsafety
   reports (``CATEGORIES[code].darkness``) made after dark within ``report_radius`` metres;
   ``importance`` from the walk graph's edge betweenness (:func:`~.importance.edge_betweenness`,
   ``n_samples`` sampled sources, seeded), scaled to ``floor … 1``. Every factor is a column.
5. **Proposals** (:func:`~.proposals.recommend_lamps`): where ``n`` new lamps
   (:class:`NewLamp`, default 5 m, 3,000 lm LED, Lambertian) make the most gap exposure
   compliant, chosen greedily with the model re-evaluated after each lamp (the model is
   linear: a lamp's light is added to every sample it reaches), with before/after figures.
6. **Facades** (:func:`~.facades.facade_lighting`): building walls facing a square within
   ``distance`` metres, sampled every ``spacing`` metres at face height, their vertical
   illuminance (:func:`~.photometry.vertical_illuminance`, lamps behind other buildings
   blocked) and the stretches below ``threshold_lux``.

All of it, as objects and without writing anything, is
:func:`~sjobo_geo.analysis.lighting.gaps.analyse_lighting_gaps`. This module is the job:
:func:`run_lighting_gaps` reads the inputs (an inventory file, a report file), calls the
analysis and writes ``lighting_gaps.html``, ``lighting.gpkg`` and ``lighting_gaps.csv``. Each
step lives in its own module (:mod:`.classes`, :mod:`.surfaces`, :mod:`.analysis`,
:mod:`.importance`, :mod:`.proposals`, :mod:`.facades`, :mod:`.gaps`); their public names
are importable from here too.

Known limits: buildings do not shade the ground (they do shade facades); lamps are
rotationally symmetric point sources (no I-tables); tunnels are evaluated with the street
lamps only (their own luminaires are rarely mapped, and the roof is not modelled: see the
``covered`` column); the grid sum leaves out per-lamp terms below ``cutoff_lux``
(:func:`~.photometry.illuminance_grid`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.analysis.lighting.analysis import (
    DEFAULT_MAINTENANCE_FACTOR,
    GAP_TYPES,
    LUX_BREAKS,
    LightingAnalysis,
    analyse_lighting,
    gaps_table,
    illuminance_classes,
)
from sjobo_geo.analysis.lighting.classes import (
    DEFAULT_CLASSES,
    LightingClasses,
    load_lighting_classes,
)
from sjobo_geo.analysis.lighting.facades import (
    FACADE_THRESHOLD_LUX,
    FacadeLighting,
    facade_lighting,
)
from sjobo_geo.analysis.lighting.gaps import (
    LIGHTING_GAPS_STEPS,
    LightingGaps,
    analyse_lighting_gaps,
)
from sjobo_geo.analysis.lighting.importance import edge_betweenness
from sjobo_geo.analysis.lighting.photometry import LightingError
from sjobo_geo.analysis.lighting.proposals import LampRecommendation, NewLamp, recommend_lamps
from sjobo_geo.analysis.lighting.surfaces import walkable_surfaces
from sjobo_geo.core.progress import Progress, noop

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.lamps import LampInventory
    from sjobo_geo.jobs.common import RunFolder

__all__ = [
    "DEFAULT_CLASSES", "DEFAULT_MAINTENANCE_FACTOR", "FACADE_THRESHOLD_LUX", "GAP_TYPES",
    "LIGHTING_FILES", "LIGHTING_STEPS", "LUX_BREAKS", "FacadeLighting", "LampRecommendation",
    "LightingAnalysis", "LightingClasses", "LightingError", "LightingGaps",
    "LightingJobResult", "NewLamp", "analyse_lighting", "analyse_lighting_gaps",
    "edge_betweenness", "facade_lighting", "illuminance_classes", "load_lighting_classes",
    "recommend_lamps", "run_lighting_gaps", "walkable_surfaces",
]


# --------------------------------------------------------------------------------------
# the job

#: Steps reported by :func:`run_lighting_gaps`, in order.
LIGHTING_STEPS = ("load area", "lamps", "reports", *LIGHTING_GAPS_STEPS,
                  "write GeoPackage and CSV", "write map")
#: The files :func:`run_lighting_gaps` writes (the lamp files only with an inventory;
#: ``about.json`` besides).
LIGHTING_FILES = ("lighting_gaps.html", "lighting.gpkg", "lighting_gaps.csv",
                  "lamp_inventory_rejects.csv", "lamp_merges.csv")


@dataclass
class LightingJobResult:
    """What :func:`run_lighting_gaps` produced: the analysis (objects) and the files.

    Attributes
    ----------
    gaps : LightingGaps
        The analysis (:func:`~sjobo_geo.analysis.lighting.gaps.analyse_lighting_gaps`);
        its ``analysis``, ``recommendation`` and ``facades`` are attributes of the job's
        result too.
    files : dict of str to pathlib.Path
        ``map``, ``gpkg``, ``csv`` (and ``lamp_rejects``, ``lamp_merges`` with an
        inventory).
    messages : list of str
        Summary lines for the user.
    timings : dict of str to float
        Seconds per step.
    """

    gaps: LightingGaps
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def analysis(self) -> LightingAnalysis:
        """The model and its ranked gaps."""
        return self.gaps.analysis

    @property
    def recommendation(self) -> LampRecommendation:
        """The proposed new lamps."""
        return self.gaps.recommendation

    @property
    def facades(self) -> FacadeLighting | None:
        """The facades around the square (None when not evaluated)."""
        return self.gaps.facades

    @property
    def area(self) -> Area:
        """The area analysed."""
        return self.gaps.area


def run_lighting_gaps(
    area: Any = "sample",
    *,
    out: str | Path,
    lamps: str | Path | LampInventory | gpd.GeoDataFrame | None = None,
    reports: Any = None,
    add_lamps: int = 10,
    classes: str | Path | LightingClasses | None = None,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Progress | None = None,
    osm_file: str | Path | None = None,
    source: str | None = None,
    square: Any = None,
    maintenance_factor: float = DEFAULT_MAINTENANCE_FACTOR,
    facade_threshold_lux: float = FACADE_THRESHOLD_LUX,
    measures: Any = None,
) -> LightingJobResult:
    """Lighting gaps of an area: model, gaps, ranking, proposals, facades; files in ``out``.

    Writes ``lighting_gaps.html`` (map), ``lighting.gpkg`` (layers ``surfaces``, ``gaps``,
    ``path_gaps``, ``lamps``, ``proposed_lamps``, ``facades``, ``illuminance`` and the
    attribute table ``about``) and ``lighting_gaps.csv`` (:func:`gaps_table`); with an
    inventory also ``lamp_inventory_rejects.csv`` and ``lamp_merges.csv``. Reads the files
    given (inventory, reports), then computes everything with
    :func:`~sjobo_geo.analysis.lighting.gaps.analyse_lighting_gaps` (which writes nothing).

    Parameters
    ----------
    area : str, pathlib.Path or Area
        Profile name or TOML path (loaded), or an Area.
    out : str or pathlib.Path
        Output folder (created if needed).
        Written as one run (:func:`~sjobo_geo.jobs.common.output_run`): the files appear
        together, with ``about.json``, once all are written; none is an input.
    lamps : str, pathlib.Path, LampInventory or geopandas.GeoDataFrame, optional
        An owner's lamp inventory file (read here by
        :func:`~sjobo_geo.inputs.lamps.read_lamp_inventory`) or inventory, merged with the
        OSM lamps (:func:`~sjobo_geo.inputs.lamps.merge_lamps`); or a standard lamp table
        used as is. OSM lamps only by default.
    reports : str, pathlib.Path or ReportSet, optional
        A report file (:func:`~sjobo_geo.inputs.reports.validate.load_reports`) or validated
        reports; darkness reports after dark raise the ranking. Synthetic reports label
        every output synthetic.
    add_lamps : int, default 10
        New lamps to propose (:func:`recommend_lamps`, default :class:`NewLamp`).
    classes : str, pathlib.Path or LightingClasses, optional
        Lighting class mapping (TOML); :data:`DEFAULT_CLASSES` by default.
    offline_html : bool, default False
        A self-contained page (assets inlined, no tiles).
    lang : {"sv", "en"}, optional
        Map language, Swedish by default.
    progress : callable, optional
        Called with each step of :data:`LIGHTING_STEPS`.
    osm_file, source : optional
        As for :func:`sjobo_geo.load_area`, when ``area`` is a profile.
    square : str or geometry, optional
        Square for the facades; the profile's main square by default.
    maintenance_factor : float, default 0.8
    facade_threshold_lux : float, default 1.0
    measures : str, pathlib.Path, MeasureSet or GeoDataFrame, optional
        A measures register (:func:`sjobo_geo.inputs.measures.load_measures`) drawn on the map
        (lamps installed, bushes cut, ...); its accounting goes to the messages.

    Returns
    -------
    LightingJobResult

    Examples
    --------
    >>> result = run_lighting_gaps("sample", out="out/lighting", lamps="inventory.csv",
    ...                            reports="reports.csv")  # doctest: +SKIP
    >>> result.gaps.analysis.figures["compliant_share"]  # doctest: +SKIP
    """
    from sjobo_geo.core.area import Area as AreaType
    from sjobo_geo.core.area import load_area
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.lamps import read_lamp_inventory
    from sjobo_geo.inputs.measures import as_measure_set
    from sjobo_geo.jobs.common import output_run
    from sjobo_geo.maps.lighting import lighting_map
    from sjobo_geo.maps.offline import save_map

    lang = check_lang(lang)
    step = progress or noop
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - clock
        clock = now

    arguments = {"area": area, "lamps": lamps, "reports": reports, "add_lamps": add_lamps,
                 "classes": classes, "offline_html": offline_html, "lang": lang,
                 "osm_file": osm_file, "source": source, "square": square,
                 "maintenance_factor": maintenance_factor,
                 "facade_threshold_lux": facade_threshold_lux, "measures": measures}
    with output_run(out, job="lighting-gaps", outputs=LIGHTING_FILES, arguments=arguments,
                    inputs=[lamps, reports, classes, measures, osm_file, area]) as run:
        step(LIGHTING_STEPS[0])
        model = area if isinstance(area, AreaType) else load_area(area, osm_file=osm_file,
                                                                  source=source)
        run.area = model
        measure_set = as_measure_set(measures, model)
        lap("load area")
        step(LIGHTING_STEPS[1])
        lamp_input = (read_lamp_inventory(lamps, model) if isinstance(lamps, str | Path)
                      else lamps)
        lap("lamps")
        step(LIGHTING_STEPS[2])
        report_set = reports
        if isinstance(reports, str | Path):
            from sjobo_geo.inputs.reports.validate import load_reports

            report_set = load_reports(reports, model)
        lap("reports")
        gaps = analyse_lighting_gaps(model, lamp_input, report_set, add_lamps=add_lamps,
                                     classes=classes, square=square,
                                     maintenance_factor=maintenance_factor,
                                     facade_threshold_lux=facade_threshold_lux, progress=step)
        for name, seconds in gaps.timings.items():
            timings[name] = timings.get(name, 0.0) + seconds
        clock = time.perf_counter()
        step(LIGHTING_STEPS[6])
        files, classes_gdf = _write_lighting(run, model, gaps)
        lap("write files")
        step(LIGHTING_STEPS[7])
        analysis, rec, facades = gaps.analysis, gaps.recommendation, gaps.facades
        m = lighting_map(analysis, recommendation=rec, facades=facades, classes=classes_gdf,
                         lang=lang, tiles=not offline_html, measures=measure_set)
        files["map"] = save_map(m, run.file("lighting_gaps.html"), offline=offline_html)
        lap("write map")
    messages = [*run.messages, *gaps.messages]
    if measure_set is not None:
        messages.extend(measure_set.messages())
    messages.append(f"time: {sum(timings.values()):.1f} s (" + ", ".join(
        f"{k} {v:.1f}" for k, v in timings.items()) + ")")
    return LightingJobResult(gaps, run.finals(files), messages, timings)


def _write_lighting(run: RunFolder, model: Area, gaps: LightingGaps
                    ) -> tuple[dict[str, Path], gpd.GeoDataFrame]:
    """The GeoPackage and the CSVs of a lighting run, and the illuminance classes drawn."""
    from sjobo_geo.core.files import write_csv, write_gpkg_layers

    analysis, rec, facades = gaps.analysis, gaps.recommendation, gaps.facades
    files: dict[str, Path] = {}
    if gaps.inventory is not None:
        files["lamp_rejects"] = write_csv(gaps.inventory.rejects,
                                          run.file("lamp_inventory_rejects.csv"))
    if gaps.merges is not None:  # what was merged with what
        files["lamp_merges"] = write_csv(gaps.merges, run.file("lamp_merges.csv"))
    classes_gdf = illuminance_classes(analysis)
    synthetic = analysis.synthetic
    about = {
        "generator": "sjobo-geo lighting-gaps", "area": model.name, "crs": model.crs,
        "synthetic_reports": synthetic,
        "note": ("ranking uses SYNTHETIC reports (not real)" if synthetic else ""),
        "lamps": gaps.lamps, "params": analysis.params, "figures": analysis.figures,
        "classes": analysis.classes.to_dict(),
        "new_lamp": {"height_m": rec.lamp.height_m, "flux_lm": rec.lamp.flux_lm,
                     "distribution": rec.lamp.distribution},
        "before": rec.before, "after": rec.after,
        "facade_square": facades.square if facades else "",
        "facade_params": facades.params if facades else {},
        "gap_types": GAP_TYPES,
    }
    empty_facades = _empty_facades(model.crs)
    layers = {
        "surfaces": analysis.surfaces,
        "gaps": analysis.gaps,
        "path_gaps": analysis.path_gaps,
        "lamps": analysis.lamps,
        "proposed_lamps": rec.lamps,
        "facades": facades.facades if facades is not None else empty_facades,
        "illuminance": classes_gdf,
    }
    if synthetic:
        layers = {k: v.assign(synthetic_reports=True) for k, v in layers.items()}
    files["gpkg"] = write_gpkg_layers(layers, run.file("lighting.gpkg"), about=about)
    files["csv"] = write_csv(gaps_table(analysis), run.file("lighting_gaps.csv"))
    return files, classes_gdf


def _empty_facades(crs: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    cols = ["facade_id", "dark", "length_m", "min_lux", "mean_lux", "building",
            "building_name", "address", "nearest_address", "nearest_street"]
    return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=crs)
