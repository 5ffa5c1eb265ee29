"""Global settings, as typed and documented module variables (the osmnx way).

Change them at run time, e.g. ``sjobo_geo.settings.network_check_timeout = 3``. A function
argument left as ``None`` falls back to the setting of the same name.

Attributes
----------
default_crs : str
    Metric CRS used when an area profile names none: SWEREF 99 TM (EPSG:3006), Sweden's
    national CRS in metres.
map_crs : str
    CRS in which maps are drawn (WGS84).
cache_folder : pathlib.Path
    Where Overpass and Nominatim answers are cached (osmnx's cache). Defaults to
    ``$SJOBO_GEO_CACHE`` or ``~/.cache/sjobo-geo/osmnx``.
assets_folder : pathlib.Path
    Where the offline map assets (npm packages) are installed. Defaults to
    ``$SJOBO_GEO_ASSETS`` or ``~/.cache/sjobo-geo/assets``.
areas_folder : pathlib.Path
    Folder of the shipped area profiles (``data/areas`` of the source tree), or
    ``$SJOBO_GEO_AREAS``.
area_cache : bool
    Keep built area models (from the sample or a local OSM file) on disk and reuse them
    while the profile, the OSM file and the package are unchanged. ``$SJOBO_GEO_AREA_CACHE=0``
    turns it off. Live (Overpass) areas are not kept: osmnx caches their raw answers.
area_cache_folder : pathlib.Path
    Where the area models are kept: ``$SJOBO_GEO_AREA_CACHE_DIR`` or
    ``~/.cache/sjobo-geo/areas``.
network_check_timeout : float
    Seconds allowed to resolve and connect to Overpass before it is declared unreachable.
    Together with the cached-answer check this keeps a run without network under 10 s
    (osmnx alone would pause 60 s in its rate-limit check).
overpass_url : str
    Overpass API endpoint, passed on to osmnx (``$SJOBO_GEO_OVERPASS_URL`` overrides).
requests_timeout : float
    Seconds to wait for an Overpass answer once connected (large areas take time).
lang : str
    Default language of map labels and legends: ``"sv"`` (Swedish) or ``"en"``.
coordinate_precision : int
    Decimals kept for WGS84 coordinates written into HTML maps (6 decimals is about 0.1 m).
"""

from __future__ import annotations

import os
from pathlib import Path

_HOME_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sjobo-geo"

default_crs: str = "EPSG:3006"
map_crs: str = "EPSG:4326"
cache_folder: Path = Path(os.environ.get("SJOBO_GEO_CACHE", _HOME_CACHE / "osmnx"))
assets_folder: Path = Path(os.environ.get("SJOBO_GEO_ASSETS", _HOME_CACHE / "assets"))
areas_folder: Path = Path(
    os.environ.get("SJOBO_GEO_AREAS", Path(__file__).resolve().parents[1] / "data" / "areas")
)
area_cache: bool = os.environ.get("SJOBO_GEO_AREA_CACHE", "1").strip().lower() not in (
    "0", "no", "false", "off")
area_cache_folder: Path = Path(os.environ.get("SJOBO_GEO_AREA_CACHE_DIR", _HOME_CACHE / "areas"))
network_check_timeout: float = 5.0
overpass_url: str = os.environ.get("SJOBO_GEO_OVERPASS_URL", "https://overpass-api.de/api")
requests_timeout: float = 180.0
lang: str = "sv"
coordinate_precision: int = 6
