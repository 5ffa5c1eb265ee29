"""Lighting gaps: where walkable surfaces fall below their EN 13201 class, ranked, with fixes.

Gaps come from the photometric model (:mod:`.photometry`), never from circles around lamps:

1. **Walkable surfaces** (:func:`~.surfaces.walkable_surfaces`): paths buffered to their width
   (``width_m``), squares and pedestrian areas, courtyards and schoolyards, each with an
   EN 13201-2 P class from :class:`~.classes.LightingClasses` (default :data:`DEFAULT_CLASSES`,
   mirrored in ``data/lighting_classes.toml``; a TOML file can override any part).
2. **Lamp data coverage** (:mod:`~.coverage`): a path piece or surface cell is *covered*
   when a lamp of the data (OSM or an inventory) stands within its reach,
   ``max(4 × mounting height, 20 m)``, or OSM tags it unlit. Stretches tagged lit with no
   lamp in reach are *lamp data missing*, never dark. Compliance, the ranking and proposals
   count covered places only; every output states the coverage (share of lit-tagged length
   covered), and below 50 % says it shows where lamps must be inventoried, not where it is
   dark.
3. **Illuminance** (:func:`~.analysis.analyse_lighting`): horizontal illuminance from the
   lamps that give light (status ``working`` or ``unknown``: an OSM lamp is assumed lit, as
   OSM maps lamps in use; ``broken`` and ``planned`` lamps are left out) with a maintenance
   factor (default 0.8, LED), on a grid of ``cell_size`` cells masked to the surfaces
   (:func:`~.photometry.illuminance_grid`), and exactly
   (:func:`~.photometry.horizontal_illuminance`) at points every ``sample_spacing`` metres
   along every path's centreline.
4. **Compliance** (covered places): a *path gap* is a piece of path of at most
   ``piece_length`` metres whose minimum centreline illuminance is below its class minimum;
   a *dark patch* is a connected set of cells of a square, courtyard or schoolyard below the
   class minimum; a *surface below average* is a square, courtyard or schoolyard whose mean
   illuminance is below the class average. Path gaps say apart, in ``gap_type``, whether
   OSM tags the path unlit (``tagged_unlit``: lit=no), says nothing (``unknown_lit``) or
   tags it lit while the model finds it dark although a known lamp stands within reach
   (``lit_modelled_dark``: the lamps known are too weak or too far apart).
5. **Courtyards** (:func:`~.courtyards.courtyard_lighting`): every courtyard with its
   addresses, lamps, coverage, mean and least lux, share below the minimum, rank and verdict.
6. **Ranking** by ``exposure = size × reports_factor × importance``: size in metres (paths)
   or square metres (surfaces); ``reports_factor = 1 + Σ weight`` of darkness or unsafety
   reports (``CATEGORIES[code].darkness``) made after dark within ``report_radius`` metres;
   ``importance`` from the walk graph's edge betweenness (:func:`~.importance.edge_betweenness`,
   ``n_samples`` sampled sources, seeded), scaled to ``floor … 1``. Every factor is a column.
7. **Proposals** (:func:`~.proposals.recommend_lamps`): where ``n`` new lamps
   (:class:`NewLamp`, default 5 m, 3,000 lm LED, Lambertian) make the most gap exposure
   compliant, chosen greedily with the model re-evaluated after each lamp (the model is
   linear: a lamp's light is added to every sample it reaches), with before/after figures;
   in courtyards, the main square, schoolyards and paths (``target``), never on roads
   carrying cars, on covered places, no two closer than their class spacing.
8. **Facades** (:func:`~.facades.facade_lighting`): building walls facing a square within
   ``distance`` metres, sampled every ``spacing`` metres at face height, their vertical
   illuminance (:func:`~.photometry.vertical_illuminance`, lamps behind other buildings
   blocked) and the stretches below ``threshold_lux``.

All of it, as objects and without writing anything, is
:func:`~sjobo_geo.analysis.lighting.gaps.analyse_lighting_gaps`. This module is the job:
:func:`run_lighting_gaps` reads the inputs (an inventory file, a report file), calls the
analysis and writes ``lighting_gaps.html``, ``lighting.gpkg``, ``lighting_gaps.csv`` and
``courtyards.csv``; :func:`run_lighting_inventory_template` writes the inventory template
whose filled-in copy goes back in as ``lamps``. Each step lives in its own module
(:mod:`.classes`, :mod:`.surfaces`, :mod:`.coverage`, :mod:`.analysis`, :mod:`.importance`,
:mod:`.courtyards`, :mod:`.proposals`, :mod:`.facades`, :mod:`.gaps`); their public names
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
from sjobo_geo.analysis.lighting.courtyards import courtyard_table
from sjobo_geo.analysis.lighting.coverage import TARGETS
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
    "INVENTORY_TEMPLATE_STEPS", "LIGHTING_FILES", "LIGHTING_STEPS", "LUX_BREAKS", "TARGETS",
    "FacadeLighting", "InventoryTemplateResult", "LampRecommendation", "LightingAnalysis",
    "LightingClasses", "LightingError", "LightingGaps", "LightingJobResult", "NewLamp",
    "analyse_lighting", "analyse_lighting_gaps", "edge_betweenness", "facade_lighting",
    "illuminance_classes", "load_lighting_classes", "recommend_lamps", "run_lighting_gaps",
    "run_lighting_inventory_template", "walkable_surfaces",
]


# --------------------------------------------------------------------------------------
# the job

#: Steps reported by :func:`run_lighting_gaps`, in order.
LIGHTING_STEPS = ("load area", "lamps", "reports", *LIGHTING_GAPS_STEPS,
                  "write GeoPackage and CSV", "write map")
#: The files :func:`run_lighting_gaps` writes (the lamp files only with an inventory;
#: ``about.json`` besides).
LIGHTING_FILES = ("lighting_gaps.html", "lighting.gpkg", "lighting_gaps.csv", "courtyards.csv",
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
        ``map``, ``gpkg``, ``csv``, ``courtyards`` (and ``lamp_rejects``, ``lamp_merges``
        with an inventory).
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
    def courtyards(self) -> gpd.GeoDataFrame:
        """Every courtyard, ranked darkest first, with a verdict."""
        return self.gaps.courtyards

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
    target: str = "all",
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

    Writes ``lighting_gaps.html`` (map: courtyards first, the lamp data coverage in a box
    and, below 50 %, in the title), ``lighting.gpkg`` (layers ``courtyards``, ``surfaces``,
    ``gaps``, ``path_gaps``, ``data_stretches`` (lamp data missing), ``uncovered``,
    ``lamps``, ``proposed_lamps``, ``facades``, ``illuminance`` and the attribute table
    ``about`` with the coverage), ``lighting_gaps.csv`` (:func:`gaps_table`) and
    ``courtyards.csv`` (every courtyard ranked, with a verdict), both CSVs with the coverage
    in ``#`` header lines; with an inventory also ``lamp_inventory_rejects.csv`` and
    ``lamp_merges.csv``. Reads the files given (inventory, reports), then computes
    everything with :func:`~sjobo_geo.analysis.lighting.gaps.analyse_lighting_gaps` (which
    writes nothing). The first message states the coverage.

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
    target : {"all", "courtyards", "square", "paths"}, default "all"
        Where proposals may go (:data:`TARGETS`): courtyards, the main square, schoolyards
        and paths by default; never roads carrying cars.
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
                 "target": target, "classes": classes, "offline_html": offline_html, "lang": lang,
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
                                     target=target, classes=classes, square=square,
                                     maintenance_factor=maintenance_factor,
                                     facade_threshold_lux=facade_threshold_lux, progress=step)
        for name, seconds in gaps.timings.items():
            timings[name] = timings.get(name, 0.0) + seconds
        clock = time.perf_counter()
        step(LIGHTING_STEPS[-2])
        files, classes_gdf, uncovered = _write_lighting(run, model, gaps, lang=lang,
                                                        target=target)
        lap("write files")
        step(LIGHTING_STEPS[-1])
        analysis, rec, facades = gaps.analysis, gaps.recommendation, gaps.facades
        m = lighting_map(analysis, recommendation=rec, facades=facades, classes=classes_gdf,
                         courtyards=gaps.courtyards, uncovered=uncovered, lang=lang,
                         tiles=not offline_html, measures=measure_set)
        files["map"] = save_map(m, run.file("lighting_gaps.html"), offline=offline_html)
        lap("write map")
    messages = [*run.messages, *gaps.messages]
    if measure_set is not None:
        messages.extend(measure_set.messages())
    messages.append(f"time: {sum(timings.values()):.1f} s (" + ", ".join(
        f"{k} {v:.1f}" for k, v in timings.items()) + ")")
    return LightingJobResult(gaps, run.finals(files), messages, timings)


def _write_lighting(run: RunFolder, model: Area, gaps: LightingGaps, *, lang: str, target: str
                    ) -> tuple[dict[str, Path], gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The GeoPackage and the CSVs of a lighting run; the illuminance classes and the
    uncovered cells drawn on the map."""
    from sjobo_geo.analysis.lighting.analysis import uncovered_cells
    from sjobo_geo.core.files import write_csv, write_gpkg_layers
    from sjobo_geo.maps.lighting import coverage_lines

    analysis, rec, facades = gaps.analysis, gaps.recommendation, gaps.facades
    files: dict[str, Path] = {}
    if gaps.inventory is not None:
        files["lamp_rejects"] = write_csv(gaps.inventory.rejects,
                                          run.file("lamp_inventory_rejects.csv"))
    if gaps.merges is not None:  # what was merged with what
        files["lamp_merges"] = write_csv(gaps.merges, run.file("lamp_merges.csv"))
    classes_gdf = illuminance_classes(analysis)
    uncovered = uncovered_cells(analysis)
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
        "lamp_data_coverage": gaps.coverage,
        "coverage_note": " ".join(coverage_lines(gaps.coverage, lang)),
        "target": target, "proposal_spacing_m": rec.params["spacing_m"],
    }
    empty_facades = _empty_facades(model.crs)
    layers = {
        "courtyards": gaps.courtyards,
        "surfaces": analysis.surfaces,
        "gaps": analysis.gaps,
        "path_gaps": analysis.path_gaps,
        "data_stretches": analysis.data_stretches,
        "uncovered": uncovered,
        "lamps": analysis.lamps,
        "proposed_lamps": rec.lamps,
        "facades": facades.facades if facades is not None else empty_facades,
        "illuminance": classes_gdf,
    }
    if synthetic:
        layers = {k: v.assign(synthetic_reports=True) for k, v in layers.items()}
    files["gpkg"] = write_gpkg_layers(layers, run.file("lighting.gpkg"), about=about)
    header = [f"sjobo-geo lighting-gaps: {model.name}", *coverage_lines(gaps.coverage, lang)]
    if synthetic:
        header.append("ranking uses SYNTHETIC reports (not real)")
    files["csv"] = write_csv(gaps_table(analysis), run.file("lighting_gaps.csv"),
                             header_lines=header)
    files["courtyards"] = write_csv(courtyard_table(gaps.courtyards, lang),
                                    run.file("courtyards.csv"), header_lines=header)
    return files, classes_gdf, uncovered


#: Steps reported by :func:`run_lighting_inventory_template`, in order.
INVENTORY_TEMPLATE_STEPS = ("load area", "lamps", "lamp data coverage", "write template")


@dataclass
class InventoryTemplateResult:
    """What :func:`run_lighting_inventory_template` wrote.

    Attributes
    ----------
    table : pandas.DataFrame
        The template's rows (:func:`~sjobo_geo.inputs.lamps.inventory_template`).
    known, missing : int
        Rows of known lamps, and rows "lampa saknas i data?".
    files : dict of str to pathlib.Path
        ``template``.
    messages : list of str
    """

    table: Any
    known: int
    missing: int
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def run_lighting_inventory_template(
    area: Any = "sample",
    *,
    out: str | Path,
    target: str = "all",
    lamps: str | Path | LampInventory | gpd.GeoDataFrame | None = None,
    square: Any = None,
    osm_file: str | Path | None = None,
    source: str | None = None,
    progress: Progress | None = None,
) -> InventoryTemplateResult:
    """Write a lamp inventory template for the places of a target (XLSX or CSV).

    The rows: every known lamp of the target's places (OSM, merged with ``lamps`` when
    given) with its position and empty columns for height, lumen or power, type and status;
    and one row "lampa saknas i data?" per place without lamp data: each stretch tagged lit
    with no lamp within reach, each courtyard, schoolyard or main square the lamp data do not
    cover (:func:`~sjobo_geo.analysis.lighting.targets.inventory_targets`). The headers are
    the Swedish ones the inventory reader accepts: fill it in on site and pass it back to
    :func:`run_lighting_gaps` (``--lamps``); "lampa saknas i data?" rows left empty are
    rejected when read back, not taken for lamps.

    Parameters
    ----------
    area : str, pathlib.Path or Area
        Profile name or TOML path (loaded), or an Area.
    out : str or pathlib.Path
        The file to write: ``.xlsx`` (Excel), else ``.csv`` (UTF-8 with BOM,
        semicolon-separated: Swedish Excel opens it in columns). Refused
        (:class:`~sjobo_geo._errors.OutputPathError`, before anything is read) when it is one
        of the inputs (``lamps``: filling in last week's template and writing the new one
        over it would lose the work) or exists and is not a regular file.
    target : {"all", "courtyards", "square", "paths"}, default "all"
        :data:`TARGETS`; ``all`` here is every place, roads carrying cars included (their
        lamps count in the coverage).
    lamps : str, pathlib.Path, LampInventory or geopandas.GeoDataFrame, optional
        An inventory already made (merged with the OSM lamps), as for
        :func:`run_lighting_gaps`.
    square : str or geometry, optional
        The main square; the profile's by default.
    osm_file, source : optional
        As for :func:`sjobo_geo.load_area`.
    progress : callable, optional
        Called with each step of :data:`INVENTORY_TEMPLATE_STEPS`.

    Returns
    -------
    InventoryTemplateResult

    Examples
    --------
    >>> result = run_lighting_inventory_template("sample", out="inventering.xlsx",
    ...                                          target="courtyards")  # doctest: +SKIP
    >>> result.missing  # doctest: +SKIP
    """
    from sjobo_geo.analysis.lighting.coverage import check_target
    from sjobo_geo.analysis.lighting.targets import inventory_targets
    from sjobo_geo.core.area import Area as AreaType
    from sjobo_geo.core.area import load_area
    from sjobo_geo.core.files import atomic_path, check_output_path, safe_csv_frame, write_csv
    from sjobo_geo.inputs.lamps import (
        LampInventory,
        inventory_template,
        lamps_from_osm,
        merge_lamps,
        read_lamp_inventory,
    )

    check_target(target)
    step = progress or noop
    out = check_output_path(out, [lamps, osm_file, area], option="--out")
    step(INVENTORY_TEMPLATE_STEPS[0])
    model = area if isinstance(area, AreaType) else load_area(area, osm_file=osm_file,
                                                              source=source)
    step(INVENTORY_TEMPLATE_STEPS[1])
    lamp_input = read_lamp_inventory(lamps, model) if isinstance(lamps, str | Path) else lamps
    if lamp_input is None:
        table = lamps_from_osm(model)
    elif isinstance(lamp_input, LampInventory):
        table, _ = merge_lamps(lamps_from_osm(model), lamp_input)
    else:
        table = lamp_input
    step(INVENTORY_TEMPLATE_STEPS[2])
    # the coverage needs the model's pieces and cells; no reports, no ranking samples
    analysis = analyse_lighting(model, table, betweenness_samples=16)
    known, missing = inventory_targets(analysis, target, square=square,
                                       lang="sv")  # the template's headers are Swedish
    rows = inventory_template(known, missing)
    step(INVENTORY_TEMPLATE_STEPS[3])
    if out.suffix.lower() in (".xlsx", ".xlsm"):
        with atomic_path(out) as tmp:
            safe_csv_frame(rows).to_excel(tmp, index=False, sheet_name="Lampor",
                                          engine="openpyxl")
    else:
        write_csv(rows, out, sep=";")
    cov = analysis.coverage
    messages = [
        f"inventory template for {target} ("
        + ("every place, roads carrying cars included" if target == "all"
           else ", ".join(TARGETS[target])) + f"): {len(known)} known lamps and "
        f"{len(missing)} places without lamp data ('lampa saknas i data?')",
        f"lamp data coverage now: {100 * cov['share']:.1f} % of the "
        f"{cov['lit_length_m'] / 1000:.1f} km tagged lit",
        "fill in height, lumen or power, type and status on site; pass the file back with "
        "--lamps (empty 'lampa saknas i data?' rows are not lamps)",
    ]
    return InventoryTemplateResult(table=rows, known=len(known), missing=len(missing),
                                   files={"template": out}, messages=messages)


def _empty_facades(crs: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    cols = ["facade_id", "dark", "length_m", "min_lux", "mean_lux", "building",
            "building_name", "address", "nearest_address", "nearest_street"]
    return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=crs)
