"""The hot spots job: report file -> :func:`~sjobo_geo.analysis.hotspots.analyse_hotspots`
-> ``hotspots.html``, ``hotspots.gpkg``, ``priorities.csv``, ``time_profiles.csv`` and
``before_after.csv``.

The analysis returns objects and writes nothing; this job reads the inputs (reports,
lighting gaps, measures), calls it, and writes the files and the map.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.analysis.hotspots import (
    ALPHA,
    SEGMENT_BAND_M,
    SEGMENT_SNAP_M,
    HotspotAnalysis,
    HotspotsError,
    analyse_hotspots,
    before_after,
    priorities_table,
    public_view,
    published_reports,
)
from sjobo_geo.analysis.privacy import DEFAULT_CELL_SIZE_M
from sjobo_geo.analysis.scoring import load_scoring_weights
from sjobo_geo.core.progress import noop

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["HOTSPOT_FILES", "HOTSPOT_STEPS", "HotspotsResult", "run_hotspots"]

#: Steps reported by :func:`run_hotspots`, in order.
HOTSPOT_STEPS = ("load area", "read reports", "analyse", "write files", "write map")
#: The files :func:`run_hotspots` writes (``before_after.csv`` only with a before/after
#: split; ``about.json`` besides).
HOTSPOT_FILES = ("hotspots.gpkg", "priorities.csv", "time_profiles.csv", "before_after.csv",
                 "hotspots.html")


@dataclass
class HotspotsResult:
    """What :func:`run_hotspots` produced."""

    analysis: HotspotAnalysis
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _read_gaps(gaps: Any, crs: Any) -> gpd.GeoDataFrame | None:
    if gaps is None:
        return None
    import geopandas as gpd
    import pyogrio

    if isinstance(gaps, gpd.GeoDataFrame):
        return gaps
    path = Path(gaps)
    if not path.is_file():
        raise HotspotsError(f"{path}: lighting gaps file not found")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    layer = next((n for n in ("path_gaps", "gaps") if n in layers), None)
    if layer is None:
        raise HotspotsError(f"{path}: no layer 'path_gaps' or 'gaps' (has {', '.join(layers)})")
    return pyogrio.read_dataframe(path, layer=layer).to_crs(crs)


def run_hotspots(
    reports_file: str | Path,
    area: Any = "sample",
    *,
    out: str | Path,
    public: bool = False,
    cell_size: float | None = None,
    k: int = 5,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Callable[[str], None] | None = None,
    weights: str | Path | None = None,
    gaps: Any = None,
    measures: Any = None,
) -> HotspotsResult:
    """Hot spots and priorities of a report file: ``hotspots.html``, ``hotspots.gpkg`` and
    ``priorities.csv`` in ``out``.

    Parameters
    ----------
    reports_file : path
        Report export (CSV, XLSX, GeoJSON, GeoPackage), read by
        :func:`sjobo_geo.inputs.reports.validate.load_reports`.
    area : str, path or Area
        Area name, profile path or model.
    out : path
        Output folder (created).
        Written as one run (:func:`~sjobo_geo.jobs.common.output_run`): the files appear
        together, with ``about.json``, once all are written; none is an input.
    public : bool
        Publishable outputs (:func:`public_view`): grid cells of at least 100 m, none with
        fewer than ``k`` reports, statistics from the published cells only, no street
        segments, no report-level data, no free text; before/after counts from the reports
        in published cells only.
    cell_size : float, optional
        Grid cell size in metres; :func:`cell_size_rule` when None. Public: 100 m when None,
        and never below 100 m (a smaller size is raised to it, with a message).
    k : int, default 5
        Smallest number of reports of a public unit.
    offline_html : bool
        Inline the map's scripts (no network needed to open it).
    lang : {"sv", "en"}, optional
    progress : callable, optional
        Called with each step name of :data:`HOTSPOT_STEPS`.
    weights : path, optional
        TOML file overriding the scoring weights (``data/scoring_weights.toml`` format).
    gaps : path or GeoDataFrame, optional
        Lighting gaps (``lighting.gpkg`` from ``sjobo-geo lighting-gaps``, layer
        ``path_gaps`` or ``gaps``); else the lit status of the paths.
    measures : path, MeasureSet or GeoDataFrame, optional
        A measures register (:func:`sjobo_geo.inputs.measures.load_measures`) drawn on the map;
        its accounting goes to the messages. Public maps show it too, never its notes.

    Raises
    ------
    HotspotsError
        Missing report file, no or too few accepted reports.

    Examples
    --------
    >>> result = run_hotspots("reports.csv", "sample", out="out/hotspots")  # doctest: +SKIP
    >>> sorted(result.files)  # doctest: +SKIP
    ['before_after', 'csv', 'gpkg', 'map', 'profiles']
    """
    from sjobo_geo.core.files import write_csv, write_gpkg_layers
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.measures import as_measure_set
    from sjobo_geo.inputs.reports.validate import load_reports
    from sjobo_geo.jobs.common import load_area_for, output_run
    from sjobo_geo.maps.hotspots import hotspots_map
    from sjobo_geo.maps.offline import save_map

    lang = check_lang(lang)
    step = progress or noop
    path = Path(reports_file)
    if not path.is_file():
        raise HotspotsError(f"{path}: report file not found")
    config = load_scoring_weights(weights)
    arguments = {"reports_file": path, "area": area, "public": public, "cell_size": cell_size,
                 "k": k, "offline_html": offline_html, "lang": lang, "weights": weights,
                 "gaps": gaps, "measures": measures}
    with output_run(out, job="hotspots", inputs=[path, weights, gaps, measures, area],
                    outputs=HOTSPOT_FILES, arguments=arguments) as run:
        step(HOTSPOT_STEPS[0])
        model = area if hasattr(area, "layers") else load_area_for(area, None, None)
        run.area = model
        ms = as_measure_set(measures, model)
        step(HOTSPOT_STEPS[1])
        rs = load_reports(path, model)
        if rs.reports.empty:
            raise HotspotsError(f"{path}: no report accepted ({rs.rejected} of {rs.total} "
                                "rows rejected); nothing to analyse")
        step(HOTSPOT_STEPS[2])
        public_cell = max(float(cell_size or 0), DEFAULT_CELL_SIZE_M)  # not from the data
        analysis = analyse_hotspots(model, rs, cell_size=public_cell if public else cell_size,
                                    config=config, gaps=_read_gaps(gaps, model.crs))
        shown = rs.reports  # the reports behind the published numbers
        if public:
            analysis = public_view(analysis, rs.reports, k=k, cell_size=public_cell)
            shown = published_reports(analysis, rs.reports)
            if cell_size is not None and cell_size < DEFAULT_CELL_SIZE_M:
                analysis.messages.append(f"public: cells of {DEFAULT_CELL_SIZE_M:g} m, not "
                                         f"{cell_size:g} m (the smallest public cell)")
        result = HotspotsResult(analysis, messages=list(analysis.messages))
        step(HOTSPOT_STEPS[3])
        s = analysis.summary()
        about = {"generator": "sjobo-geo hotspots", "area": model.name, "public": public,
                 "synthetic": analysis.synthetic, "reports": len(shown),
                 "cell_size_m": analysis.cell_size, "bandwidth_m": round(analysis.bandwidth, 1),
                 "grid_band_m": analysis.grid_distance, "segment_band_m": SEGMENT_BAND_M,
                 "segment_snap_m": SEGMENT_SNAP_M, "alpha_fdr": ALPHA, "weeks": analysis.weeks,
                 "weights": config.source, "lighting": "gaps" if gaps is not None else
                 "lit_status fallback", **({"k": k} if public else {})}
        layers = {"grid": analysis.grid, "segments": analysis.segments,
                  "density": analysis.contours}
        result.files["gpkg"] = write_gpkg_layers(layers, run.file("hotspots.gpkg"),
                                                 about=about)
        result.files["csv"] = write_csv(priorities_table(analysis),
                                        run.file("priorities.csv"))
        result.files["profiles"] = write_csv(analysis.profiles, run.file("time_profiles.csv"))
        change = before_after(model, shown)
        if len(change):
            if public:  # no count under k: suppressed as "<k", the verdict stays
                for column in ("before", "after"):
                    change[column] = change[column].where(change[column] >= k, f"<{k}")
                change = change.drop(columns=["rate_before", "rate_after", "rate_ratio"])
            result.files["before_after"] = write_csv(change, run.file("before_after.csv"))
            result.messages.append(
                f"before/after {change.attrs.get('split')}: " + ", ".join(
                    f"{v} {n}" for v, n in change["verdict"].value_counts().items()))
        step(HOTSPOT_STEPS[4])
        m = hotspots_map(analysis, model, lang=lang, tiles=not offline_html, measures=ms)
        result.files["map"] = save_map(m, run.file("hotspots.html"), offline=offline_html)
    result.files = run.finals(result.files)
    result.messages[:0] = run.messages
    if ms is not None:
        result.messages.extend(ms.messages())
    hot_g = sum(v for c, v in s["grid_classes"].items() if c.startswith("hot"))
    hot_s = sum(v for c, v in s["segment_classes"].items() if c.startswith("hot"))
    result.messages.append(
        f"{len(rs.reports)} reports{' (SYNTHETIC)' if analysis.synthetic else ''}: "
        f"{hot_g} hot grid cells of {s['grid_cells']} ({analysis.cell_size:g} m), "
        f"{hot_s} hot street segments of {s['segments']}"
        + (f"; public: units with fewer than {k} reports left out" if public else ""))
    return result
