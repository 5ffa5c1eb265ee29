"""Area profiles: TOML files that say which area to load and how.

A profile names the area, its boundary, its metric CRS, its key places and where its OSM
data come from. Profiles are data, not code: ``data/areas/sjobo.toml`` and
``data/areas/sample.toml`` ship with sjobo-geo, and any other TOML file of the same shape
works the same way.

Schema
------
.. code-block:: toml

    name = "Sjöbo"                       # required
    description = "..."                  # optional
    crs = "EPSG:3006"                    # metric CRS; default settings.default_crs
    timezone = "Europe/Stockholm"        # local time of report timestamps (IANA name)

    [boundary]                           # one of polygon, place, bbox (in that precedence)
    polygon = [[12.93, 57.74], ...]      # WGS84 [lon, lat] pairs (GeoJSON order)
    place = "Sjöbo, Borås, Sverige"      # an OSM place: Nominatim when live, the file's own
                                         # place/boundary polygon when reading a file
    bbox = { south = 57.738, west = 12.925, north = 57.768, east = 12.968 }
                                         # used alone, or as the fallback when the place is
                                         # not found; which one was used is recorded

    [osm]
    source = "live"                      # live | file | sample
    file = "extract.osm.pbf"             # for source = "file" (relative to the profile)

    [roles]                              # which key place plays which part
    main_square = "Sjöbo torg"           # default start of patrol routes, the square
    school = "Sjöboskolan"               # default place of the schoolyard report

    [[places]]                           # key places: OSM name patterns and aliases
    name = "Sjöbo torg"
    kind = "square"                      # a layer name of the area model, or omitted
    patterns = ["sjobo torg*"]           # shell-style patterns on normalised OSM names
    aliases = ["torget"]                 # other names people use

    organisations = ["Polisen", "Borås Stad"]
                                         # optional: the organisations (EST actors) whose
                                         # names public outputs may show; any other actor
                                         # (a person, an address) is "other actor" there
    [patrol]                             # optional
    start_time = "18:00"                 # the evening shift's start (HH:MM; default 18:00)
"""

from __future__ import annotations

import difflib
import math
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sjobo_geo import settings
from sjobo_geo._errors import CRSError, ProfileError

__all__ = ["AreaProfile", "KeyPlace", "list_profiles", "load_profile"]

_SOURCES = ("live", "file", "sample")


@dataclass(frozen=True)
class KeyPlace:
    """A named place of the profile, resolved against OSM names by the gazetteer."""

    name: str
    kind: str | None = None
    patterns: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class AreaProfile:
    """A validated area profile.

    Attributes
    ----------
    name : str
        Display name of the area.
    key : str
        Short identifier (file stem), e.g. ``"sjobo"``.
    crs : str
        Metric CRS for all distances and areas, e.g. ``"EPSG:3006"``.
    polygon : list of (lon, lat) or None
        Explicit boundary polygon in WGS84.
    place : str or None
        OSM place to look up for the boundary.
    bbox : tuple (south, west, north, east) or None
        Bounding box in WGS84 degrees.
    source : str
        Default OSM source: ``"live"``, ``"file"`` or ``"sample"``.
    osm_file : pathlib.Path or None
        OSM file for ``source = "file"``.
    roles : dict
        Role name -> key place name (``main_square``, ``school``).
    places : tuple of KeyPlace
        Key places with name patterns and aliases.
    organisations : tuple of str
        Organisations whose names public outputs may show (the EST actors, say); every
        other actor name is shown as "other actor" there
        (:func:`sjobo_geo.analysis.privacy.public_actors`). Empty: no actor is named.
    path : pathlib.Path or None
        The TOML file the profile came from.
    patrol_start_time : str
        Start of the evening patrol shift, "HH:MM" (``[patrol] start_time``; 18:00).
    """

    name: str
    key: str
    crs: str
    polygon: tuple[tuple[float, float], ...] | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    source: str = "live"
    osm_file: Path | None = None
    roles: dict[str, str] = field(default_factory=dict)
    places: tuple[KeyPlace, ...] = ()
    organisations: tuple[str, ...] = ()
    description: str = ""
    timezone: str = "Europe/Stockholm"
    path: Path | None = None
    patrol_start_time: str = "18:00"

    def boundary_polygon(self):
        """The profile's own boundary in WGS84 (polygon, else bbox), or None for a place only.

        Returns
        -------
        shapely.Polygon or None
        """
        from shapely import Polygon, box

        if self.polygon is not None:
            return Polygon(self.polygon)
        if self.bbox is not None:
            s, w, n, e = self.bbox
            return box(w, s, e, n)
        return None

    def role(self, role: str) -> str | None:
        """The key place name that plays ``role`` (e.g. ``"main_square"``), or None."""
        return self.roles.get(role)


def list_profiles(folder: Path | None = None) -> list[str]:
    """Names of the profiles shipped in ``folder`` (default ``settings.areas_folder``)."""
    folder = Path(folder or settings.areas_folder)
    return sorted(p.stem for p in folder.glob("*.toml"))


def load_profile(area: str | Path | AreaProfile = "sample") -> AreaProfile:
    """Load and validate an area profile by name or path.

    Parameters
    ----------
    area : str, pathlib.Path or AreaProfile
        A shipped profile name (``"sjobo"``, ``"sample"``), a path to a TOML file, or an
        already loaded profile (returned as is).

    Returns
    -------
    AreaProfile

    Raises
    ------
    ProfileError
        If the file is missing, is not valid TOML, or its content is invalid.
    CRSError
        If the CRS is unknown, geographic or not in metres.

    Examples
    --------
    >>> from sjobo_geo.core.profiles import load_profile
    >>> load_profile("sjobo").crs
    'EPSG:3006'
    """
    if isinstance(area, AreaProfile):
        return area
    path = _resolve_profile_path(area)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read area profile ({exc.strerror})") from None
    return _profile_from_dict(raw, key=path.stem, path=path)


def _resolve_profile_path(area: str | Path) -> Path:
    text = str(area)
    candidate = Path(text).expanduser()
    if text.endswith(".toml") or candidate.is_file():
        if not candidate.is_file():
            raise ProfileError(f"{candidate}: area profile file not found")
        return candidate
    shipped = Path(settings.areas_folder) / f"{text}.toml"
    if shipped.is_file():
        return shipped
    # "Sjöbo", "SJOBO", " sjobo ": profile names match without case or diacritics
    profiles = list_profiles()
    by_key = {_name_key(n): n for n in profiles}
    if _name_key(text) in by_key:
        return Path(settings.areas_folder) / f"{by_key[_name_key(text)]}.toml"
    close = difflib.get_close_matches(_name_key(text), list(by_key), n=1, cutoff=0.6)
    hint = f"did you mean {by_key[close[0]]!r}? " if close else ""
    names = ", ".join(profiles) or "none found"
    raise ProfileError(
        f"unknown area {text!r}: {hint}give a profile name ({names}) or a path to a .toml "
        f"profile (shipped profiles are read from {settings.areas_folder})"
    )


def _name_key(text: str) -> str:
    """A profile name as compared: case folded, diacritics removed (å -> a, ö -> o)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _profile_from_dict(raw: dict[str, Any], *, key: str, path: Path | None) -> AreaProfile:
    where = str(path) if path else "profile"
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProfileError(f"{where}: 'name' is required and must be a non-empty string")
    crs = validate_metric_crs(raw.get("crs", settings.default_crs), where=where)
    timezone = raw.get("timezone", "Europe/Stockholm")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(str(timezone))
    except (ValueError, KeyError, OSError):
        raise ProfileError(
            f"{where}: unknown timezone {timezone!r}; give an IANA name such as "
            "'Europe/Stockholm'"
        ) from None

    boundary = raw.get("boundary")
    if not isinstance(boundary, dict) or not ({"polygon", "place", "bbox"} & boundary.keys()):
        raise ProfileError(
            f"{where}: [boundary] needs one of 'polygon' ([[lon, lat], ...] in WGS84), "
            "'place' (an OSM place name) or 'bbox' ({south, west, north, east})"
        )
    polygon = _parse_polygon(boundary.get("polygon"), where) if "polygon" in boundary else None
    bbox = _parse_bbox(boundary["bbox"], where) if "bbox" in boundary else None
    place = boundary.get("place")
    if place is not None and (not isinstance(place, str) or not place.strip()):
        raise ProfileError(f"{where}: boundary.place must be a non-empty string")

    osm = raw.get("osm", {})
    source = osm.get("source", "live")
    if source not in _SOURCES:
        raise ProfileError(f"{where}: osm.source is {source!r}; expected one of {_SOURCES}")
    osm_file = None
    if "file" in osm:
        osm_file = Path(osm["file"]).expanduser()
        if not osm_file.is_absolute() and path is not None:
            osm_file = path.parent / osm_file
    if source == "file" and osm_file is None:
        raise ProfileError(f"{where}: osm.source = 'file' needs osm.file (path to .osm/.osm.pbf)")

    roles = raw.get("roles", {})
    if not isinstance(roles, dict) or not all(isinstance(v, str) for v in roles.values()):
        raise ProfileError(f"{where}: [roles] must map role names to place names (strings)")

    places = []
    for i, item in enumerate(raw.get("places", []), start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ProfileError(f"{where}: [[places]] entry {i} needs a 'name' string")
        places.append(
            KeyPlace(
                name=item["name"],
                kind=item.get("kind"),
                patterns=tuple(item.get("patterns", ())),
                aliases=tuple(item.get("aliases", ())),
            )
        )
    organisations = raw.get("organisations", [])
    if not isinstance(organisations, list) or not all(
            isinstance(o, str) and o.strip() for o in organisations):
        raise ProfileError(f"{where}: 'organisations' must be a list of names (non-empty "
                           "strings), e.g. [\"Polisen\", \"Borås Stad\"]")
    return AreaProfile(
        name=name.strip(),
        key=key,
        crs=crs,
        polygon=polygon,
        place=place,
        bbox=bbox,
        source=source,
        osm_file=osm_file,
        roles=dict(roles),
        places=tuple(places),
        organisations=tuple(dict.fromkeys(o.strip() for o in organisations)),
        description=str(raw.get("description", "")),
        timezone=str(timezone),
        path=path,
        patrol_start_time=_patrol_start_time(raw.get("patrol", {}), where),
    )


def _patrol_start_time(patrol: Any, where: str) -> str:
    """``[patrol] start_time`` as "HH:MM" (24-hour clock); 18:00 when absent."""
    import datetime

    value = patrol.get("start_time", "18:00") if isinstance(patrol, dict) else None
    if isinstance(value, datetime.time):  # TOML's own local time, 18:00:00
        value = value.strftime("%H:%M")
    parts = str(value).strip().split(":") if isinstance(value, str) else []
    if len(parts) == 2 and all(p.isdigit() and len(p) <= 2 for p in parts) \
            and int(parts[0]) < 24 and int(parts[1]) < 60 and len(parts[1]) == 2:
        return f"{int(parts[0]):02d}:{parts[1]}"
    raise ProfileError(f"{where}: [patrol] start_time must be a clock time \"HH:MM\" "
                       f"(24-hour clock); got {value!r}")


def validate_metric_crs(crs: Any, *, where: str = "CRS") -> str:
    """Check that ``crs`` is a known projected CRS in metres and return it as 'AUTH:CODE'.

    Raises
    ------
    CRSError
        If the CRS is unknown, geographic, or not in metres.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    try:
        parsed = CRS.from_user_input(crs)
    except (PyprojCRSError, TypeError, ValueError):
        raise CRSError(
            f"{where}: unknown CRS {crs!r}; give an EPSG code such as 'EPSG:3006' (SWEREF 99 TM)"
        ) from None
    if not parsed.is_projected:
        raise CRSError(
            f"{where}: CRS {crs!r} is geographic (degrees); distances need a metric CRS "
            "such as 'EPSG:3006' (SWEREF 99 TM)"
        )
    units = {ax.unit_name for ax in parsed.axis_info}
    if not units <= {"metre", "meter"}:
        raise CRSError(f"{where}: CRS {crs!r} is in {sorted(units)}, not metres")
    auth = parsed.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else parsed.to_wkt()


def _parse_polygon(value: Any, where: str) -> tuple[tuple[float, float], ...]:
    from shapely import Polygon

    try:
        coords = tuple((float(p[0]), float(p[1])) for p in value)
    except (TypeError, ValueError, IndexError):
        raise ProfileError(
            f"{where}: boundary.polygon must be a list of [lon, lat] pairs in WGS84"
        ) from None
    if len(coords) < 3:
        raise ProfileError(f"{where}: boundary.polygon needs at least 3 [lon, lat] points")
    for lon, lat in coords:
        _check_lonlat(lon, lat, where, "boundary.polygon")
    poly = Polygon(coords)
    if not poly.is_valid or poly.area == 0:
        from shapely.validation import explain_validity

        raise ProfileError(
            f"{where}: boundary.polygon is not a valid polygon ({explain_validity(poly)}); "
            "give the ring in order without self-intersections"
        )
    return coords


def _parse_bbox(value: Any, where: str) -> tuple[float, float, float, float]:
    keys = ("south", "west", "north", "east")
    if not isinstance(value, dict) or set(value) != set(keys):
        raise ProfileError(
            f"{where}: boundary.bbox must be {{ south = .., west = .., north = .., east = .. }} "
            "in WGS84 degrees"
        )
    try:
        s, w, n, e = (float(value[k]) for k in keys)
    except (TypeError, ValueError):
        raise ProfileError(f"{where}: boundary.bbox values must be numbers") from None
    _check_lonlat(w, s, where, "boundary.bbox")
    _check_lonlat(e, n, where, "boundary.bbox")
    if not (s < n and w < e):
        raise ProfileError(f"{where}: boundary.bbox needs south < north and west < east")
    return (s, w, n, e)


def _check_lonlat(lon: float, lat: float, where: str, what: str) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90 or abs(lon) > 180:
        raise ProfileError(
            f"{where}: {what} has point (lon={lon}, lat={lat}) outside WGS84 range "
            "(lon -180..180, lat -90..90; pairs are [lon, lat])"
        )
