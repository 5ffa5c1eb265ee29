"""Old module paths keep working after the move to layered packages.

Before version 0.2 the modules lived flat in ``sjobo_geo`` (``sjobo_geo.stats``,
``sjobo_geo.lighting``, ``sjobo_geo.area``, ...). They now live in their layer
(``sjobo_geo.analysis.stats``, ``sjobo_geo.core.area``, ...). A notebook that still imports
an old path gets the very same module object: this finder maps the old dotted name to the
new one, so ``sjobo_geo.stats is sjobo_geo.analysis.stats`` and no module is loaded twice.
Only module paths are mapped; a function that moved between modules (for example a job that
left its analysis module) is found at its new place or through :mod:`sjobo_geo`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

#: Old module path (below ``sjobo_geo.``) -> new path. A package maps its submodules too.
OLD_PATHS: dict[str, str] = {
    "area": "core.area",
    "courtyards": "core.courtyards",
    "gazetteer": "core.gazetteer",
    "osm": "core.osm",
    "profiles": "core.profiles",
    "io": "core.files",
    "stats": "analysis.stats",
    "scoring": "analysis.scoring",
    "hotspots": "analysis.hotspots",
    "est": "analysis.est",
    "follow_up": "analysis.follow_up",
    "schoolyard": "analysis.schoolyard",
    "lighting.lamps": "inputs.lamps",
    "lighting.gaps": "jobs.lighting",
    "lighting": "analysis.lighting",
    "patrol.job": "jobs.patrol",
    "patrol.gpx": "maps.gpx",
    "patrol": "analysis.patrol",
    "visibility": "analysis.visibility",
    "measures": "inputs.measures",
    "reports.privacy": "analysis.privacy",
    "reports": "inputs.reports",
}


def new_name(fullname: str) -> str | None:
    """The new dotted path of an old ``sjobo_geo`` module path, or None if it did not move.

    Examples
    --------
    >>> new_name("sjobo_geo.lighting.photometry")
    'sjobo_geo.analysis.lighting.photometry'
    >>> new_name("sjobo_geo.maps.base") is None
    True
    """
    if not fullname.startswith("sjobo_geo."):
        return None
    rest = fullname[len("sjobo_geo."):]
    for old in sorted(OLD_PATHS, key=len, reverse=True):
        if rest == old or rest.startswith(old + "."):
            return "sjobo_geo." + OLD_PATHS[old] + rest[len(old):]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The target module is already executed by its own import."""


class OldPathFinder(importlib.abc.MetaPathFinder):
    """Finds ``sjobo_geo.<old path>`` and hands back the module at its new path."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: D102 - importlib protocol
        target_name = new_name(fullname)
        if target_name is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name))


def install() -> None:
    """Put the finder first on :data:`sys.meta_path` (once)."""
    if not any(isinstance(f, OldPathFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, OldPathFinder())
