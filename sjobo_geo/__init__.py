"""sjobo-geo: what people say about safety in a neighbourhood, as maps and priorities.

The public API is imported lazily so that ``import sjobo_geo`` stays light (no geopandas,
osmnx or folium until they are needed).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from sjobo_geo._compat import install as _install_old_paths
from sjobo_geo._lazy import lazy_getattr

_install_old_paths()

try:
    __version__ = version("sjobo-geo")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

#: The public API, flat: ``import sjobo_geo as sg`` then ``sg.load_area("sample")``. Each name
#: is imported from its layer on first use (see the README's "Public API" table).
_LAZY = {
    # core: the area model and its sources
    "Area": "sjobo_geo.core.area",
    "load_area": "sjobo_geo.core.area",
    "build_area": "sjobo_geo.core.area",
    "LAYER_KINDS": "sjobo_geo.core.area",
    "Gazetteer": "sjobo_geo.core.gazetteer",
    "Place": "sjobo_geo.core.gazetteer",
    "AreaProfile": "sjobo_geo.core.profiles",
    "load_profile": "sjobo_geo.core.profiles",
    "list_profiles": "sjobo_geo.core.profiles",
    "fetch_osm": "sjobo_geo.core.osm",
    "OSMData": "sjobo_geo.core.osm",
    "derive_courtyards": "sjobo_geo.core.courtyards",
    "write_area_gpkg": "sjobo_geo.core.files",
    "write_csv": "sjobo_geo.core.files",
    # inputs: validated tables with every row accounted for
    "load_reports": "sjobo_geo.inputs.reports.validate",
    "load_report_files": "sjobo_geo.inputs.reports.validate",
    "generate_reports": "sjobo_geo.inputs.reports.synthetic",
    "load_measures": "sjobo_geo.inputs.measures",
    "load_lamps": "sjobo_geo.inputs.lamps",
    "lamps_from_osm": "sjobo_geo.inputs.lamps",
    # analyses: objects in, objects out, no files
    "gi_star": "sjobo_geo.analysis.stats",
    "kde": "sjobo_geo.analysis.stats",
    "analyse_hotspots": "sjobo_geo.analysis.hotspots",
    "before_after": "sjobo_geo.analysis.hotspots",
    "analyse_lighting": "sjobo_geo.analysis.lighting.analysis",
    "analyse_lighting_gaps": "sjobo_geo.analysis.lighting",
    "recommend_lamps": "sjobo_geo.analysis.lighting.proposals",
    "facade_lighting": "sjobo_geo.analysis.lighting.facades",
    "horizontal_illuminance": "sjobo_geo.analysis.lighting.photometry",
    "plan_patrol": "sjobo_geo.analysis.patrol",
    "visibility_grid": "sjobo_geo.analysis.visibility",
    "analyse_schoolyard": "sjobo_geo.analysis.schoolyard",
    "analyse_est_week": "sjobo_geo.analysis.est",
    "follow_up": "sjobo_geo.analysis.follow_up",
    "public_aggregate": "sjobo_geo.analysis.privacy",
    # maps: folium maps from result objects (m=None stacks layers, as geopandas' explore)
    "area_map": "sjobo_geo.maps.base",
    "reports_map": "sjobo_geo.maps.reports",
    "hotspots_map": "sjobo_geo.maps.hotspots",
    "lighting_map": "sjobo_geo.maps.lighting",
    "patrol_map": "sjobo_geo.maps.patrol",
    "schoolyard_map": "sjobo_geo.maps.schoolyard",
    "add_measures": "sjobo_geo.maps.measures",
    "save_map": "sjobo_geo.maps.offline",
    # errors
    "SjoboGeoError": "sjobo_geo._errors",
}

__all__ = ["__version__", *sorted(_LAZY)]


__getattr__ = lazy_getattr('sjobo_geo', _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)
