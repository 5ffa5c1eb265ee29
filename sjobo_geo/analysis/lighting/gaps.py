"""Lighting gaps of an area as objects: lamps, the model, ranked gaps, proposals, facades.

:func:`analyse_lighting_gaps` is what the ``lighting-gaps`` command computes before it writes
anything: the lamps (OSM, merged with an owner's inventory when given), the photometric
model with the lamp data coverage and its ranked gaps (:func:`~.analysis.analyse_lighting`,
:mod:`.coverage`), every courtyard with a verdict (:func:`~.courtyards.courtyard_lighting`),
new lamps where the promise needs them (:func:`~.proposals.recommend_lamps`) and the facades
around the square (:func:`~.facades.facade_lighting`), in one :class:`LightingGaps`. Nothing
is written: the job (:func:`sjobo_geo.jobs.lighting.run_lighting_gaps`) reads the files and
writes the map, the GeoPackage and the CSVs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.analysis.lighting.analysis import (
    DEFAULT_MAINTENANCE_FACTOR,
    LightingAnalysis,
    analyse_lighting,
)
from sjobo_geo.analysis.lighting.courtyards import COURTYARD_VERDICTS, courtyard_lighting
from sjobo_geo.analysis.lighting.facades import (
    FACADE_THRESHOLD_LUX,
    FacadeLighting,
    facade_lighting,
)
from sjobo_geo.analysis.lighting.photometry import LightingError
from sjobo_geo.analysis.lighting.proposals import LampRecommendation, recommend_lamps
from sjobo_geo.core.progress import noop

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from sjobo_geo.analysis.lighting.classes import LightingClasses
    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.lamps import LampInventory
    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = ["LIGHTING_GAPS_STEPS", "LightingGaps", "analyse_lighting_gaps"]

#: Steps :func:`analyse_lighting_gaps` reports to its ``progress`` callback, in order.
LIGHTING_GAPS_STEPS = ("illuminance model and gaps", "courtyards", "lamp proposals",
                       "facades")


@dataclass
class LightingGaps:
    """What :func:`analyse_lighting_gaps` computed.

    Attributes
    ----------
    analysis : LightingAnalysis
        The model: surfaces, pieces, ranked gaps, lamps (with ``counted``), the grid,
        figures and parameters.
    recommendation : LampRecommendation
        Proposed new lamps with before/after figures.
    courtyards : geopandas.GeoDataFrame
        Every courtyard, ranked darkest first, with a verdict
        (:func:`~.courtyards.courtyard_lighting`).
    facades : FacadeLighting or None
        Facades around the square; None when the area has no square to look at (the
        reason is in ``messages``).
    lamps : str
        Where the lamps came from (OSM, an inventory merged with OSM, a table given).
    inventory : LampInventory or None
        The inventory given, with its rejects.
    merges : pandas.DataFrame or None
        The inventory lamps merged with OSM lamps (:func:`~sjobo_geo.inputs.lamps.merge_lamps`).
    params : dict
        The options of the call (``add_lamps``, ``target``, ``square``,
        ``maintenance_factor``, ``facade_threshold_lux``); the model's own are in
        ``analysis.params``.
    messages : list of str
        Summary lines for the user; the first (:meth:`~.analysis.LightingAnalysis.summary`)
        begins with the lamp data coverage.
    timings : dict of str to float
        Seconds per step (``lamps``, ``model``, ``courtyards``, ``proposals``,
        ``facades``).
    """

    analysis: LightingAnalysis
    recommendation: LampRecommendation
    facades: FacadeLighting | None
    courtyards: gpd.GeoDataFrame = field(default=None)  # type: ignore[assignment]
    lamps: str = ""
    inventory: LampInventory | None = None
    merges: pd.DataFrame | None = None
    params: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def area(self) -> Area:
        """The area analysed."""
        return self.analysis.area

    @property
    def synthetic(self) -> bool:
        """The ranking used synthetic reports: every output must say so."""
        return bool(self.analysis.synthetic)

    @property
    def coverage(self) -> dict[str, Any]:
        """The lamp data coverage (:attr:`~.analysis.LightingAnalysis.coverage`)."""
        return self.analysis.coverage


def analyse_lighting_gaps(
    area: Area,
    lamps: gpd.GeoDataFrame | LampInventory | None = None,
    reports: ReportSet | gpd.GeoDataFrame | None = None,
    *,
    add_lamps: int = 10,
    target: str = "all",
    classes: str | Path | LightingClasses | None = None,
    square: Any = None,
    maintenance_factor: float = DEFAULT_MAINTENANCE_FACTOR,
    facade_threshold_lux: float = FACADE_THRESHOLD_LUX,
    progress: Callable[[str], None] | None = None,
) -> LightingGaps:
    """Lighting gaps of an area: model, ranked gaps, proposals and facades, as objects.

    Parameters
    ----------
    area : Area
    lamps : geopandas.GeoDataFrame or LampInventory, optional
        An owner's inventory (:func:`~sjobo_geo.inputs.lamps.read_lamp_inventory`), merged
        with the OSM lamps (:func:`~sjobo_geo.inputs.lamps.merge_lamps`); or a standard lamp
        table used as is. The OSM lamps (:func:`~sjobo_geo.inputs.lamps.lamps_from_osm`) by
        default.
    reports : ReportSet or geopandas.GeoDataFrame, optional
        Validated reports; darkness reports after dark raise the ranking. Synthetic
        reports label the result synthetic.
    add_lamps : int, default 10
        New lamps to propose (:func:`~.proposals.recommend_lamps`, default
        :class:`~.proposals.NewLamp`).
    target : {"all", "courtyards", "square", "paths"}, default "all"
        Where proposals may go (:data:`~.coverage.TARGETS`): ``all`` is courtyards, the main
        square, schoolyards and paths; never roads carrying cars.
    classes : str, pathlib.Path or LightingClasses, optional
        Lighting class mapping (TOML); :data:`~.classes.DEFAULT_CLASSES` by default.
    square : str or geometry, optional
        Square for the facades; the profile's main square by default (when the area has
        none, the facades are skipped and ``messages`` says why; a square asked for by name
        that is not found raises).
    maintenance_factor : float, default 0.8
    facade_threshold_lux : float, default 1.0
        Facade stretches below this vertical illuminance are dark.
    progress : callable, optional
        Called with each step of :data:`LIGHTING_GAPS_STEPS`.

    Returns
    -------
    LightingGaps

    Raises
    ------
    LightingError
        Bad settings, an unknown target, a lamp table without heights and intensities, a
        file path for ``lamps`` (read it with ``read_lamp_inventory``), or a square given
        that has no facades.
    PlaceNotFoundError
        A square given by name that the gazetteer does not know.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> area = load_area("sample")
    >>> gaps = analyse_lighting_gaps(area, add_lamps=3)  # doctest: +SKIP
    >>> gaps.analysis.gaps[["rank", "gap_kind", "exposure", "nearest_street"]]  # doctest: +SKIP
    >>> len(gaps.recommendation.lamps)  # doctest: +SKIP
    3
    """
    from sjobo_geo._errors import PlaceNotFoundError
    from sjobo_geo.analysis.lighting.coverage import check_target
    from sjobo_geo.inputs.lamps import LampInventory, lamps_from_osm, merge_lamps

    check_target(target)  # before the model: a typo should not cost a minute
    step = progress or noop
    messages: list[str] = []
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    inventory, merges = None, None
    if lamps is None:
        lamp_table = lamps_from_osm(area)
        source = f"OSM: {len(lamp_table)} lamps"
    elif isinstance(lamps, LampInventory):
        inventory = lamps
        lamp_table, merges = merge_lamps(lamps_from_osm(area), inventory)
        acc = inventory.accounting()
        source = (f"inventory {inventory.source_file}: {acc['total']} rows, {acc['accepted']} "
                  f"accepted, {acc['rejected']} rejected; merged with OSM: "
                  f"{merges.attrs.get('pairs', 0)} pairs, {len(lamp_table)} lamps")
        messages.append(source)
    elif isinstance(lamps, str | Path):
        raise LightingError(f"lamps: {lamps} is a file; read it with read_lamp_inventory "
                            "(sjobo_geo.inputs.lamps) and pass the inventory")
    else:
        lamp_table = lamps
        source = f"lamp table given: {len(lamp_table)} lamps"
    lap("lamps")
    step(LIGHTING_GAPS_STEPS[0])
    analysis = analyse_lighting(area, lamp_table, reports=reports, classes=classes,
                                maintenance_factor=maintenance_factor)
    lap("model")
    step(LIGHTING_GAPS_STEPS[1])
    courtyards = courtyard_lighting(analysis)
    lap("courtyards")
    step(LIGHTING_GAPS_STEPS[2])
    rec = recommend_lamps(analysis, add_lamps, target=target, square=square)
    lap("proposals")
    step(LIGHTING_GAPS_STEPS[3])
    facades: FacadeLighting | None = None
    try:
        facades = facade_lighting(area, lamp_table, square=square,
                                  threshold_lux=facade_threshold_lux,
                                  maintenance_factor=maintenance_factor)
    except (LightingError, PlaceNotFoundError) as exc:
        if square is not None:  # asked for by name: say so, don't skip it quietly
            raise
        messages.append(f"facades: not evaluated ({exc})")
    lap("facades")
    messages.insert(0, analysis.summary())  # its first line: the lamp data coverage
    counts = courtyards["verdict"].value_counts()
    messages.append(
        f"courtyards: {len(courtyards)}: " + ", ".join(
            f"{counts.get(v, 0)} {v.replace('_', ' ')}" for v in COURTYARD_VERDICTS)
        + " (courtyards.csv ranks them, darkest first)")
    where = {"all": "courtyards, main square, schoolyards, paths", "courtyards": "courtyards",
             "square": "main square", "paths": "paths"}[target]
    by_target = rec.lamps["target"].value_counts().to_dict()
    messages.append(
        f"{len(rec.lamps)} proposed lamps ({rec.lamp.height_m:g} m, {rec.lamp.flux_lm:,.0f} "
        f"lm) in {where} with lamp data, never on roads carrying cars ("
        + (", ".join(f"{k} {v}" for k, v in by_target.items()) or "none") + "): compliant "
        f"covered path length {rec.before['compliant_length_m'] / 1000:.2f} -> "
        f"{rec.after['compliant_length_m'] / 1000:.2f} km, dark covered surface "
        f"{rec.before['dark_cells_m2']:,.0f} -> {rec.after['dark_cells_m2']:,.0f} m², "
        f"gap exposure fixed {rec.after['exposure_covered_share']:.1%}")
    messages.extend(rec.params.get("target_notes", []))
    if facades is not None:
        dark = facades.dark
        messages.append(
            f"facades facing {facades.square}: {facades.facades['length_m'].sum():.0f} m, "
            f"{len(dark)} dark stretches ({dark['length_m'].sum():.0f} m below "
            f"{facades.threshold_lux:g} lx)")
    params = {"add_lamps": add_lamps, "target": target,
              "square": None if square is None else str(square),
              "maintenance_factor": maintenance_factor,
              "facade_threshold_lux": facade_threshold_lux}
    return LightingGaps(analysis=analysis, recommendation=rec, facades=facades,
                        courtyards=courtyards, lamps=source, inventory=inventory,
                        merges=merges, params=params, messages=messages, timings=timings)

