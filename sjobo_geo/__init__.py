"""sjobo-geo: what people say about safety in a neighbourhood, as maps and priorities.

The public API is imported lazily so that ``import sjobo_geo`` stays light (no geopandas,
osmnx or folium until they are needed).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._lazy import lazy_getattr

try:
    __version__ = version("sjobo-geo")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

_LAZY = {
    "Area": "sjobo_geo.area",
    "load_area": "sjobo_geo.area",
    "build_area": "sjobo_geo.area",
    "LAYER_KINDS": "sjobo_geo.area",
    "Gazetteer": "sjobo_geo.gazetteer",
    "Place": "sjobo_geo.gazetteer",
    "AreaProfile": "sjobo_geo.profiles",
    "load_profile": "sjobo_geo.profiles",
    "list_profiles": "sjobo_geo.profiles",
    "fetch_osm": "sjobo_geo.osm",
    "OSMData": "sjobo_geo.osm",
    "derive_courtyards": "sjobo_geo.courtyards",
    "area_map": "sjobo_geo.maps.base",
    "write_area_gpkg": "sjobo_geo.io",
    "SjoboGeoError": "sjobo_geo._errors",
}

__all__ = ["__version__", *sorted(_LAZY)]


__getattr__ = lazy_getattr('sjobo_geo', _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)
