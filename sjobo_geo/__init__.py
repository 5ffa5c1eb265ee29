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

_LAZY = {
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
    "area_map": "sjobo_geo.maps.base",
    "write_area_gpkg": "sjobo_geo.core.files",
    "SjoboGeoError": "sjobo_geo._errors",
}

__all__ = ["__version__", *sorted(_LAZY)]


__getattr__ = lazy_getattr('sjobo_geo', _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)
