"""Lighting classes: the EN 13201-2 P class each walkable surface has to meet.

A class is a maintained average and minimum horizontal illuminance (lux).
:class:`LightingClasses` says which surface kind (square, courtyard, tunnel, ...) and which
OSM ``highway`` value gets which class; :func:`load_lighting_classes` reads the module
default (:data:`DEFAULT_CLASSES`, mirrored in ``data/lighting_classes.toml``), updated from a
TOML file and/or a mapping.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sjobo_geo.analysis.lighting.photometry import LightingError

__all__ = ["DEFAULT_CLASSES", "LightingClasses", "load_lighting_classes"]

# --------------------------------------------------------------------------------------
# settings

#: Default lighting classes. The same values are in ``data/lighting_classes.toml``.
#:
#: Reasoning (the class choice of CEN/TR 13201-1 weighs speed, use, ambient light, the need
#: to recognise faces and the feeling of safety; these are this project's choices, for the
#: lighting owners to confirm):
#:
#: - footways, cycleways, paths, residential and service streets: **P4** (5 lx / 1 lx), a
#:   normal residential-area walkway with moderate use at night;
#: - steps: **P3** (7.5 / 1.5): one class up, since a missed step is a fall;
#: - pedestrian streets, living streets and through streets (tertiary and above; the
#:   pedestrian side of them): **P3**: more people, shops, faces to recognise;
#: - squares and pedestrian areas: **P3**: meeting places with shops (Sjöbo torg);
#: - courtyards and schoolyards: **P4**: residential and school grounds used after dark
#:   mostly for passing through;
#: - tunnels, underpasses and building passages: **P2** (10 / 2): enclosed, no way out
#:   sideways, the places most often named as unsafe;
#: - indoor ways (``corridor``, ``elevator``) are not street lighting and are left out.
DEFAULT_CLASSES: dict[str, Any] = {
    "classes": {
        "P1": {"average": 15.0, "minimum": 3.0},
        "P2": {"average": 10.0, "minimum": 2.0},
        "P3": {"average": 7.5, "minimum": 1.5},
        "P4": {"average": 5.0, "minimum": 1.0},
        "P5": {"average": 3.0, "minimum": 0.6},
        "P6": {"average": 2.0, "minimum": 0.4},
    },
    "surfaces": {
        "square": "P3", "pedestrian_area": "P3", "courtyard": "P4", "schoolyard": "P4",
        "tunnel": "P2",
    },
    "highway": {
        "default": "P4",
        "footway": "P4", "cycleway": "P4", "path": "P4", "bridleway": "P4", "track": "P4",
        "trail": "P4", "residential": "P4", "service": "P4", "unclassified": "P4",
        "steps": "P3", "pedestrian": "P3", "living_street": "P3",
        "tertiary": "P3", "tertiary_link": "P3", "secondary": "P3", "secondary_link": "P3",
        "primary": "P3", "primary_link": "P3", "trunk": "P3", "trunk_link": "P3",
    },
    "exclude_highway": ["corridor", "elevator"],
}


# --------------------------------------------------------------------------------------
# classes


@dataclass(frozen=True)
class LightingClasses:
    """EN 13201-2 P classes and which surface gets which.

    Attributes
    ----------
    classes : dict of str to (float, float)
        Class code -> (maintained average, minimum) horizontal illuminance in lux.
    surfaces : dict of str to str
        Surface kind (``square``, ``pedestrian_area``, ``courtyard``, ``schoolyard``,
        ``tunnel``) -> class code.
    highway : dict of str to str
        OSM ``highway`` value -> class code; ``default`` for values not listed.
    exclude_highway : tuple of str
        ``highway`` values left out (indoor ways).
    source : str
        Where the mapping came from (``module default`` or a file).
    """

    classes: dict[str, tuple[float, float]]
    surfaces: dict[str, str]
    highway: dict[str, str]
    exclude_highway: tuple[str, ...] = ()
    source: str = "module default"

    def requirement(self, code: str) -> tuple[float, float]:
        """(average, minimum) lux of a class code."""
        try:
            return self.classes[code]
        except KeyError:
            raise LightingError(
                f"unknown lighting class {code!r}; known: {', '.join(self.classes)}"
            ) from None

    def for_highway(self, highway: Any) -> str:
        """Class of an OSM ``highway`` value (``"a;b"``: the stricter of the parts)."""
        parts = [p.strip() for p in str(highway).split(";") if p.strip()] or ["default"]
        codes = [self.highway.get(p, self.highway["default"]) for p in parts]
        return max(codes, key=lambda c: self.requirement(c)[1])

    def excluded(self, highway: Any) -> bool:
        """Whether a ``highway`` value is left out (all its parts excluded)."""
        parts = [p.strip() for p in str(highway).split(";") if p.strip()]
        return bool(parts) and all(p in self.exclude_highway for p in parts)

    def to_dict(self) -> dict[str, Any]:
        """The mapping in the TOML layout."""
        return {
            "classes": {k: {"average": a, "minimum": m} for k, (a, m) in self.classes.items()},
            "surfaces": dict(self.surfaces), "highway": dict(self.highway),
            "exclude_highway": list(self.exclude_highway),
        }


def _classes_from(raw: Mapping[str, Any], source: str) -> LightingClasses:
    known = {"classes", "surfaces", "highway", "exclude_highway"}
    unknown = set(raw) - known
    if unknown:
        raise LightingError(f"{source}: unknown table(s) {sorted(unknown)}; known: "
                            f"{sorted(known)}")
    classes: dict[str, tuple[float, float]] = {}
    for code, value in raw["classes"].items():
        try:
            avg, mn = float(value["average"]), float(value["minimum"])
        except (KeyError, TypeError, ValueError):
            raise LightingError(
                f"{source}: class {code!r} needs numbers 'average' and 'minimum' (lux)"
            ) from None
        if not (math.isfinite(avg) and math.isfinite(mn) and avg > 0 and 0 < mn <= avg):
            raise LightingError(f"{source}: class {code!r} needs 0 < minimum <= average, got "
                                f"average {avg}, minimum {mn}")
        classes[code] = (avg, mn)
    surfaces = {str(k): str(v) for k, v in raw["surfaces"].items()}
    highway = {str(k): str(v) for k, v in raw["highway"].items()}
    if "default" not in highway:
        raise LightingError(f"{source}: [highway] needs a 'default' class")
    for table, mapping in (("surfaces", surfaces), ("highway", highway)):
        for key, code in mapping.items():
            if code not in classes:
                raise LightingError(f"{source}: [{table}] {key} = {code!r} is not a class; "
                                    f"classes: {', '.join(classes)}")
    for kind in ("square", "pedestrian_area", "courtyard", "schoolyard", "tunnel"):
        if kind not in surfaces:
            raise LightingError(f"{source}: [surfaces] needs {kind!r}")
    exclude = raw.get("exclude_highway", [])
    if isinstance(exclude, str) or not all(isinstance(v, str) for v in exclude):
        raise LightingError(f"{source}: exclude_highway must be a list of highway values")
    return LightingClasses(classes, surfaces, highway, tuple(exclude), source)


def load_lighting_classes(
    path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None
) -> LightingClasses:
    """The lighting classes: the module default, updated from a TOML file and/or a mapping.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A TOML file in the layout of ``data/lighting_classes.toml``: tables ``[classes.P4]``
        (``average``, ``minimum``), ``[surfaces]``, ``[highway]`` and a list
        ``exclude_highway``. Tables given replace the default's keys they name; keys not
        named keep their default.
    overrides : mapping, optional
        The same layout as a dict, applied after the file.

    Returns
    -------
    LightingClasses

    Raises
    ------
    LightingError
        The file cannot be read, or names an unknown class or table.

    Examples
    --------
    >>> load_lighting_classes().for_highway("steps")
    'P3'
    >>> load_lighting_classes(overrides={"surfaces": {"courtyard": "P3"}}).surfaces["courtyard"]
    'P3'
    """
    merged: dict[str, Any] = {
        k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in DEFAULT_CLASSES.items()
    }
    source = "module default"
    layers: list[tuple[Mapping[str, Any], str]] = []
    if path is not None:
        p = Path(path)
        try:
            layers.append((tomllib.loads(p.read_text(encoding="utf-8")), str(p)))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LightingError(f"{p}: cannot read lighting classes ({exc})") from None
        source = str(p)
    if overrides:
        layers.append((overrides, "overrides"))
        source = f"{source} + overrides"
    for raw, where in layers:
        for key, value in raw.items():
            if key == "exclude_highway":
                merged[key] = value
            elif key in merged:
                if not isinstance(value, Mapping):
                    raise LightingError(f"{where}: [{key}] must be a table")
                merged[key].update(value)
            else:
                merged[key] = value
    return _classes_from(merged, source)
