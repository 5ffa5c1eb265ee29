"""TODO docstring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sjobo_geo.maps.schoolyard import schoolyard_map

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.analysis.schoolyard import (  # MOVED
    SchoolyardResult,
    schoolyard_place,
    visibility_classes,
)
from sjobo_geo.core.progress import Progress, noop
from sjobo_geo.jobs.common import load_area_for  # MOVED

#: Steps of the schoolyard job (the first is reported by the job that loads the area).
SCHOOLYARD_STEPS = ("load area", "observers", "visibility", "write files", "write map")


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
) -> SchoolyardResult:
    """Visibility, hidden places and vegetation actions for a place; writes three files.

    Parameters
    ----------
    area : Area
    out : str or pathlib.Path
        Output folder.
    place : str, optional
        Place name (gazetteer); the profile's school by default.
    reports : ReportSet, optional
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
    measures : path, MeasureSet or GeoDataFrame, optional
        A measures register (:func:`sjobo_geo.inputs.measures.load_measures`) drawn on the map
        (bushes cut, lamps installed, ...); its accounting goes to the messages.

    Returns
    -------
    SchoolyardResult
    """
    import pandas as pd

    from sjobo_geo.analysis.visibility import hidden_places, observer_points, vegetation_actions
    from sjobo_geo.core.files import atomic_path, write_gpkg_layers
    from sjobo_geo.core.i18n import check_lang
    from sjobo_geo.inputs.measures import as_measure_set
    from sjobo_geo.maps.offline import save_map

    lang = check_lang(lang)
    step = progress or noop
    out = Path(out)
    measure_set = as_measure_set(measures, area)
    name, geom = schoolyard_place(area, place)
    step(SCHOOLYARD_STEPS[1])
    observers = observer_points(geom, area)
    min_observers = max(1, math.ceil(min_share * len(observers)))
    step(SCHOOLYARD_STEPS[2])
    actions = vegetation_actions(geom, area, observers, settings=settings,
                                 min_observers=min_observers)
    base = actions.baseline
    hidden = hidden_places(base.counts, base.info, min_observers=min_observers)
    classes = visibility_classes(base.cells, min_observers, lang)
    lamps = area.layers["lamps"]
    lamps = lamps[lamps.intersects(geom.buffer(50))]
    gaps = None
    if lighting is not None:
        if isinstance(lighting, str | Path):
            import pyogrio

            gaps = pyogrio.read_dataframe(lighting, layer="path_gaps")
        else:
            gaps = lighting
        gaps = gaps.to_crs(area.crs)
        gaps = gaps[gaps.intersects(geom.buffer(50))]
    near_reports = None
    if reports is not None:
        r = reports.reports
        near_reports = r[r.intersects(geom.buffer(50))]
    step(SCHOOLYARD_STEPS[3])
    import geopandas as gpd

    place_gdf = gpd.GeoDataFrame(
        {"name": [name], "area_m2": [geom.area], "observers": [len(observers)],
         "min_observers": [min_observers], "settings": [actions.settings.source]},
        geometry=[geom], crs=area.crs)
    layers = {
        "place": place_gdf, "visibility": classes, "hidden_places": hidden,
        "vegetation_ranked": actions.ranked, "vegetation_near_paths": actions.near_paths,
        "observers": actions.observers, "lamps": lamps,
    }
    if near_reports is not None:
        layers["reports"] = near_reports
    if gaps is not None:
        layers["lighting_gaps"] = gaps
    about = {"place": name, "area": area.name, "min_observers": min_observers,
             "min_share": min_share, "settings": actions.settings.source,
             "synthetic": bool(reports is not None and reports.synthetic)}
    result = SchoolyardResult(name, actions, hidden, min_observers)
    result.files["gpkg"] = write_gpkg_layers(layers, out / "schoolyard.gpkg", about=about)
    table = pd.concat([
        pd.DataFrame(actions.ranked.drop(columns="geometry")).assign(list="ranked"),
        pd.DataFrame(actions.near_paths.drop(columns="geometry")).assign(list="within path "
                                                                          "clearance"),
    ], ignore_index=True)
    with atomic_path(out / "vegetation_actions.csv") as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    result.files["csv"] = out / "vegetation_actions.csv"
    step(SCHOOLYARD_STEPS[4])
    m = schoolyard_map(area, place_gdf, classes, hidden, actions, lamps, near_reports,
                       gaps=gaps, lang=lang, tiles=not offline_html,
                       synthetic=bool(reports is not None and reports.synthetic))
    if measure_set is not None:
        from sjobo_geo.maps.measures import add_measures

        add_measures(m, measure_set, lang=lang)
    result.files["map"] = save_map(m, out / "schoolyard.html", offline=offline_html)
    top = actions.ranked.head(1)
    result.messages.append(
        f"{name}: {geom.area:,.0f} m², {len(observers)} observers; hidden (seen by fewer than "
        f"{min_observers}): {hidden['area_m2'].sum():,.0f} m² in {len(hidden)} places; "
        f"{len(actions.ranked)} vegetation features ranked"
        + (f", first: {top['kind'].iloc[0]} revealing {top['revealed_m2'].iloc[0]:,.0f} m²"
           if len(top) else "")
    )
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
):
    """Load the area (and reports, measures), then
    :func:`sjobo_geo.analysis.schoolyard.run_schoolyard`."""
    from sjobo_geo.inputs.reports.validate import load_reports
    from sjobo_geo.jobs.schoolyard import SCHOOLYARD_STEPS, run_schoolyard

    step = progress or noop
    step(SCHOOLYARD_STEPS[0])
    model = load_area_for(area, osm_file, source)
    rs = load_reports(reports, model) if reports is not None else None
    return run_schoolyard(model, out=out, place=place, reports=rs, lighting=lighting,
                          min_share=min_share,
                          settings=settings, offline_html=offline_html, lang=lang,
                          progress=step, measures=measures)
