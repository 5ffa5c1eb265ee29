"""Street lamps: OSM lamps, an owner's lamp inventory, and the merge of the two.

Every lamp, whatever its source, ends up in one *standard lamp table*: a GeoDataFrame of
points in the area's metric CRS with the columns of :data:`LAMP_COLUMNS`. The photometric
model (:mod:`sjobo_geo.analysis.lighting.photometry`) needs a mounting height and an intensity for
every lamp; OSM rarely has either (the offline sample has none), so lamps without them get
documented defaults (:data:`DEFAULTS`), and every value says where it came from
(``height_source``, ``flux_source``, ``light_count_source``). Defaults are assumptions,
settings to override with better knowledge, not facts.

- :func:`lamps_from_osm`: the area's ``highway=street_lamp`` nodes.
- :func:`read_lamp_inventory`: an owner's inventory (CSV, XLSX, GeoPackage, GeoJSON), every
  row accepted or rejected with its row number, column, value and reason, as for reports
  (:mod:`sjobo_geo.inputs.reports.validate`, whose helpers it uses).
- :func:`merge_lamps`: an OSM lamp and an inventory lamp a few metres apart are the same lamp;
  mutual nearest pairs are merged one to one, nothing is dropped, and a merge report says
  what was merged.
- :func:`inventory_template`: the rows of an inventory template to fill in on site (the
  known lamps of a place, and a row "lampa saknas i data?" where lamps are missing from
  the data), with the Swedish headers :func:`read_lamp_inventory` reads back; a
  "lampa saknas i data?" row left empty is rejected when read back, not taken for a lamp.

Intensity
---------
Each lamp is modelled as a Lambertian emitter facing down: the luminous intensity at angle θ
from the vertical is ``I(θ) = I0·cos θ`` with ``I0 = Φ/π`` for a flux Φ into the lower
half-space (3,000 lm gives about 955 cd). ``intensity_cd`` is ``I0`` of the whole lamp:
``flux_lm`` (per light) / π × ``light_count``. It is the *initial* intensity: a maintenance
factor (typically 0.7–0.9 for LED) belongs to the illuminance calculation, which must state
the one it uses.

Status
------
``working``, ``broken``, ``planned`` (in the inventory but not installed yet) or ``unknown``.
OSM lamps are ``unknown``: a mapped lamp is assumed present, not known to be lit. Only
:data:`LIT_STATUSES` (working and unknown) should count as light today.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.inputs.reports.schema import DEFAULT_COLUMNS as _REPORT_COLUMNS
from sjobo_geo.inputs.reports.schema import ColumnMapping, ReportsError
from sjobo_geo.inputs.tables import Accounted, rows_text

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.rawtable import RawTable

__all__ = [
    "load_lamps",
    "DEFAULTS", "INVENTORY_FIELDS", "LAMP_COLUMNS", "LAMP_TYPES", "LIT_STATUSES", "STATUSES",
    "LampInventory", "LampsError", "TEMPLATE_COLUMNS", "TEMPLATE_MISSING", "inventory_template",
    "lamps_from_osm", "merge_lamps", "read_lamp_inventory", "resolve_inventory_columns",
]


class LampsError(ValueError, SjoboGeoError):
    """Lamp settings cannot be used (unknown default key, tables in different CRSs, ...)."""


#: Columns of the standard lamp table (besides ``geometry``, a Point in the area's CRS).
LAMP_COLUMNS: dict[str, str] = {
    "lamp_id": "'osm:node/123' or 'inv:<inventory id>' (str; a merged lamp keeps its "
               "inventory id)",
    "source": "osm / inventory / both (str)",
    "osm_id": "OSM node id (Int64, NA for inventory-only lamps)",
    "inventory_id": "id in the inventory (str, NA for OSM-only lamps)",
    "inventory_row": "row number in the inventory file, header = 1 (Int64, NA for OSM lamps)",
    "mount_height_m": "height of the light above the ground in metres (float)",
    "height_source": "'osm tag', 'inventory' or 'default: <reason>' (str)",
    "flux_lm": "luminous flux of one light in lumen (float)",
    "flux_source": "'inventory lumen', 'inventory power × efficacy' or 'default: <reason>'",
    "power_w": "rated power in watts, from the inventory (float, NaN when unknown)",
    "lamp_type": "one of LAMP_TYPES (str)",
    "light_count": "lights (heads) at this point (int, default 1)",
    "light_count_source": "'osm tag', 'inventory' or 'default: 1' (str)",
    "distribution": "intensity distribution: 'lambertian' (downward) (str)",
    "intensity_cd": "I0 = flux_lm / π × light_count, candela straight down (float)",
    "status": "working / broken / planned / unknown (str)",
    "owner": "owner or operator as written (str or NA)",
    "lamp_mount": "mount as written: OSM lamp_mount or support, inventory mount (str or NA)",
    "ref": "OSM ref (str or NA)",
}

#: Lamp statuses; see the module docstring.
STATUSES = ("working", "broken", "planned", "unknown")
#: Statuses of lamps that give light today (unknown: assumed lit, as OSM maps lamps in use).
LIT_STATUSES = ("working", "unknown")

#: Lamp (light source) types: code -> description.
LAMP_TYPES: dict[str, str] = {
    "LED": "LED (lysdiod)",
    "HPS": "high-pressure sodium (högtrycksnatrium, SON)",
    "LPS": "low-pressure sodium (lågtrycksnatrium, SOX)",
    "MH": "metal halide (metallhalogen, CDM, HCI)",
    "CFL": "compact fluorescent and fluorescent tubes (kompaktlysrör, lysrör)",
    "HG": "mercury vapour (kvicksilver, HQL)",
    "INC": "incandescent and halogen (glödlampa, halogen)",
    "unknown": "not known",
}

#: Defaults for lamps with unknown height or flux. **Assumptions, not facts**: override any
#: of them with ``defaults={...}`` (nested dicts are updated key by key).
#:
#: ``height_by_highway`` (metres, by the ``highway`` of the nearest walkable path within
#: ``path_search_m``; with ``sidewalks_follow_street`` a lamp nearest to a sidewalk or
#: crossing takes the nearest other path, usually the street the sidewalk runs along):
#: typical Swedish municipal practice (the belysningsprogram of Swedish towns) puts park,
#: footway and cycle path luminaires on 3–5 m posts (4 m here), residential and service
#: streets at about 6 m, and larger roads at 8–10 m (8 m here).
#: ``height_by_mount`` (wins over the path context: it describes the lamp itself):
#: wall-mounted luminaires on facades at about 4 m, ceiling lights in passages and underpasses
#: at about 3 m, bollards about 1 m. ``height_fallback_m``: 5 m when neither says anything.
#:
#: ``flux_by_height`` (upper height bound in metres, lumen per light): LED luminaires as
#: sold for these heights: bollards 500–1,500 lm (800), park/path post-tops 2,000–4,000 lm
#: (3,000 for ≤ 5 m, about 27 W at 110 lm/W), residential streets 4,000–8,000 lm (6,000 for
#: 5–8 m), main roads 8,000–15,000 lm (10,000 above 8 m).
#:
#: ``efficacy_lm_per_w`` (lumen per rated watt, for inventories that give power and lamp type
#: but no lumen): LED 110 (luminaire efficacy of street luminaires installed 2015–2020; new
#: ones reach 130–160), HPS 90 (SON-T 70–150 W lamps), LPS 120 (SOX), MH 80 (ceramic and
#: quartz metal halide), CFL 60 (compact fluorescent with ballast losses; tubes reach 80),
#: HG 45 (mercury vapour, HQL), INC 15 (incandescent and halogen). Lamp efficacies for the
#: discharge lamps: luminaire losses (light output ratio 0.7–0.85) are not applied, so their
#: flux is rather high.
DEFAULTS: dict[str, Any] = {
    "path_search_m": 15.0,
    "sidewalks_follow_street": True,
    "height_by_highway": {
        "footway": 4.0, "path": 4.0, "cycleway": 4.0, "pedestrian": 4.0, "steps": 4.0,
        "track": 4.0, "bridleway": 4.0, "trail": 4.0,
        "residential": 6.0, "service": 6.0, "living_street": 6.0, "unclassified": 6.0,
        "tertiary": 8.0, "tertiary_link": 8.0, "secondary": 8.0, "secondary_link": 8.0,
        "primary": 8.0, "primary_link": 8.0, "trunk": 8.0, "trunk_link": 8.0,
        "motorway": 8.0, "motorway_link": 8.0,
    },
    "height_by_mount": {"wall": 4.0, "ceiling": 3.0, "bollard": 1.0},
    "height_fallback_m": 5.0,
    "flux_by_height": ((1.5, 800.0), (5.0, 3000.0), (8.0, 6000.0), (math.inf, 10000.0)),
    "efficacy_lm_per_w": {
        "LED": 110.0, "HPS": 90.0, "LPS": 120.0, "MH": 80.0, "CFL": 60.0, "HG": 45.0,
        "INC": 15.0,
    },
}

#: Mounting heights accepted from an inventory or OSM tag (metres, lower bound exclusive).
HEIGHT_RANGE_M = (0.0, 30.0)
#: Inventory lamps up to this far outside the area's boundary are accepted (metres): a lamp
#: just outside still lights the paths at the edge.
AREA_MARGIN_M = 50.0
#: CRSs tried for x/y columns whose values do not lie in the area in its own CRS: SWEREF 99
#: TM, the SWEREF 99 local zones used by Swedish municipalities (Borås: 13 30, EPSG:3008),
#: and RT 90 2.5 gon V.
XY_CRS_CANDIDATES = ("EPSG:3006", *(f"EPSG:{c}" for c in range(3007, 3019)), "EPSG:3021")

_MAX_FLUX_LM = 200_000.0
_MAX_POWER_W = 2_000.0

#: Fields of a lamp inventory, in resolution order.
INVENTORY_FIELDS = ("id", "lat", "lon", "x", "y", "height", "flux", "power", "lamp_type",
                    "light_count", "status", "owner", "mount")

_INVENTORY_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "armatur-id", "armatur_id", "armaturid", "armaturnummer", "armatur nr",
           "lampnummer", "lamp-id", "lamp_id", "lampid", "ljuspunkt", "ljuspunkts-id",
           "ljuspunktsnummer", "ljuspunkt-id", "belysningspunkt", "objekt-id", "objektid",
           "inventory_id", "nr"),
    "lat": _REPORT_COLUMNS["lat"],
    "lon": _REPORT_COLUMNS["lon"],
    "x": _REPORT_COLUMNS["x"],
    "y": _REPORT_COLUMNS["y"],
    "height": ("ljuspunktshöjd", "ljuspunktshöjd (m)", "höjd", "höjd (m)", "montagehöjd",
               "monteringshöjd", "armaturhöjd", "height", "mounting height", "mount_height_m",
               "light:height", "stolphöjd"),
    "flux": ("ljusflöde", "ljusflöde (lm)", "lumen", "lm", "flux", "flux_lm", "luminous flux"),
    "power": ("effekt", "effekt (w)", "watt", "w", "eleffekt", "systemeffekt", "power",
              "power_w"),
    "lamp_type": ("ljuskälla", "ljuskälletyp", "ljuskällstyp", "lamptyp", "typ", "lamp_type",
                  "lamp type", "light:method", "type"),
    "light_count": ("antal ljuspunkter", "antal armaturer", "antal", "light_count",
                    "light:count", "count"),
    "status": ("status", "skick", "tillstånd", "driftstatus", "condition", "state"),
    "owner": ("ägare", "huvudman", "förvaltare", "owner", "operator"),
    "mount": ("montage", "montering", "upphängning", "fäste", "lamp_mount", "mount",
              "support"),
}

_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "working": ("fungerande", "fungerar", "working", "ok", "i drift", "i funktion", "tänd",
                "hel", "in service", "operational", "on"),
    "broken": ("trasig", "trasiga", "broken", "ur funktion", "ur drift", "ej fungerande",
               "fungerar ej", "fungerar inte", "defekt", "fel", "släckt", "slocknad",
               "out of order", "faulty", "off"),
    "planned": ("planerad", "planned", "projekterad", "ej installerad", "ej byggd"),
    "unknown": ("okänd", "okänt", "unknown", "", "?"),
}

_MOUNT_WORDS: dict[str, tuple[str, ...]] = {
    "wall": ("wall", "wall_mounted", "wall mounted", "wall-mounted", "wall_mount", "vägg",
             "väggarmatur", "väggmonterad", "fasad", "fasadarmatur", "facade"),
    "ceiling": ("ceiling", "ceiling_mounted", "tak", "takarmatur", "takmonterad"),
    "bollard": ("bollard", "pollare", "pollarearmatur", "pollararmatur"),
}

# light source texts: the first pattern that matches wins (low-pressure before sodium)
_LAMP_TYPE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("unknown", r"^(okand|okant|unknown|\?|-)?$"),
    ("LED", r"\bled\b|lysdiod"),
    ("LPS", r"lagtrycksnatrium|low.?pressure.?sodium|\blps\b|\bsox\b"),
    ("HPS", r"hogtrycksnatrium|high.?pressure.?sodium|\bhps\b|\bson\b|son-t|\bnah\b|"
            r"natrium|sodium"),
    ("MH", r"\bmh\b|metallhalogen|metal.?halide|\bcdm|\bhci\b|\bhqi\b|\bcpo\b|keramisk"),
    ("CFL", r"\bcfl\b|kompaktlysror|lysror|lagenergi|fluorescent|\bpl-?l?\b|\bt5\b|\bt8\b|"
            r"\btc-?l?\b"),
    ("HG", r"kvicksilver|mercury|\bhg\b|\bhql\b|\bhpl\b"),
    ("INC", r"glodlampa|glodljus|halogen|incandescent"),
)


#: Columns of the inventory template (:func:`inventory_template`): field -> header, the
#: Swedish headers of ``data/templates/lamp_inventory.csv`` that the reader knows, then two
#: columns for people that the reader leaves alone except for the marker below.
TEMPLATE_COLUMNS: dict[str, str] = {
    "id": "Armatur-ID", "lat": "Latitud", "lon": "Longitud", "height": "Ljuspunktshöjd",
    "flux": "Ljusflöde", "power": "Effekt", "lamp_type": "Ljuskälla",
    "light_count": "Antal armaturer", "status": "Status", "owner": "Ägare",
    "mount": "Montage", "note": "Anmärkning", "place": "Plats",
}
#: The template's note of a row where a lamp may be missing from the data. Read back, such a
#: row with nothing filled in (height, lumen, power, type, count, status, owner) is rejected
#: with a reason: nobody has said a lamp stands there.
TEMPLATE_MISSING = "lampa saknas i data?"
#: The template's note of a lamp already in the data (OSM or an earlier inventory).
TEMPLATE_KNOWN = "känd lampa"
_NOTE_HEADERS = ("anmärkning", "anmarkning", "kommentar", "note", "notes")


@dataclass(kw_only=True)
class LampInventory(Accounted):
    """A validated lamp inventory with its accounting.

    Attributes
    ----------
    lamps : geopandas.GeoDataFrame
        Accepted lamps as a standard lamp table (:data:`LAMP_COLUMNS`), source
        ``"inventory"``, in the area's metric CRS.
    rejects : pandas.DataFrame
        One row per rejected input row: ``row`` (row number in the file, header = 1),
        ``column``, ``value``, ``reason``.
    total : int
        Data rows in the file. ``accepted + rejected == total`` always.
    source_file : str
        The file read.
    warnings : list of str
        Things assumed or noticed (ids generated, CRS detected, lamp types not recognised,
        ...), with row numbers.
    meta : dict
        Columns used, coordinate CRS, area, margin, defaults.
    """

    lamps: gpd.GeoDataFrame

    @property
    def accepted(self) -> int:
        """Number of accepted lamps."""
        return len(self.lamps)


# ---- OSM ---------------------------------------------------------------------------------


def lamps_from_osm(area: Area, *, defaults: Mapping[str, Any] | None = None
                   ) -> gpd.GeoDataFrame:
    """The area's OSM street lamps as a standard lamp table.

    Heights come from ``light:height``, else ``height`` (``"5"``, ``"5 m"``, ``"5,5"``,
    ``"16 ft"``); a tag that cannot be read, or lies outside 0–30 m, is ignored and named in
    ``height_source``. Lamps without a usable height get a default (:data:`DEFAULTS`): by
    their mount (``lamp_mount``, else ``support``: wall, ceiling, bollard), else by the
    ``highway`` of the nearest walkable path within ``path_search_m`` metres, else
    ``height_fallback_m``. OSM has no flux: every lamp gets the default flux for its height
    band. ``light:count`` gives ``light_count`` (default 1); ``light:method``, else
    ``lamp_type``, the lamp type; ``operator`` the owner. Status is ``unknown``.

    Parameters
    ----------
    area : Area
        The area; uses ``area.layers["lamps"]`` and ``area.layers["paths"]``.
    defaults : mapping, optional
        Overrides of :data:`DEFAULTS` (nested dicts updated key by key), e.g.
        ``{"height_by_highway": {"footway": 3.5}}``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per lamp, columns :data:`LAMP_COLUMNS`, source ``"osm"``, in ``area.crs``.

    Raises
    ------
    LampsError
        An unknown key in ``defaults``.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> lamps = lamps_from_osm(load_area("sample"))
    >>> len(lamps), bool(lamps["height_source"].str.startswith("default").all())
    (586, True)
    """
    import shapely

    from sjobo_geo.inputs.tables import clean_text

    d = _defaults(defaults)
    raw = area.layers["lamps"]
    raw = raw[raw.geom_type == "Point"].reset_index(drop=True)
    n = len(raw)

    def tag(key: str) -> pd.Series:
        if key in raw.columns:
            return clean_text(raw[key])
        return pd.Series(np.nan, index=raw.index, dtype="str")

    light_h, light_h_bad = _parse_length(tag("light:height"))
    pole_h, pole_h_bad = _parse_length(tag("height"))
    height = light_h.fillna(pole_h)
    # a bad tag is worth naming only when no other tag gave the height
    note = pd.Series("", index=raw.index, dtype="object")
    note = note.mask(pole_h_bad, "; OSM height=" + tag("height").fillna("")
                     + " not used (not a height of 0–30 m)")
    note = note.mask(light_h_bad, "; OSM light:height=" + tag("light:height").fillna("")
                     + " not used (not a height of 0–30 m)")
    note = note.where(height.isna(), "")
    mount = tag("lamp_mount").fillna(tag("support"))
    points = raw.geometry.values
    default_h, default_reason = _default_heights(points, mount, area, d)
    known = height.notna().to_numpy()
    mount_height = np.where(known, height.to_numpy(dtype="float64", na_value=np.nan),
                            default_h)
    height_source = np.where(known, "osm tag", (default_reason + note.to_numpy()).astype(object))

    count_raw = tag("light:count")
    count = pd.to_numeric(count_raw.where(count_raw.str.fullmatch(r"\d{1,3}").fillna(False)),
                          errors="coerce")
    count = count.where(count >= 1)
    light_count_source = np.where(count.notna(), "osm tag", "default: 1")
    lamp_type, _ = _lamp_types(tag("light:method").fillna(tag("lamp_type")))
    flux, flux_source = _default_flux(mount_height, d)
    osm_id = raw["osm_id"].astype("int64")
    out = {
        "lamp_id": ("osm:" + raw["osm_type"].astype("str") + "/" + osm_id.astype("str"))
        .to_numpy(),
        "source": np.full(n, "osm", dtype=object),
        "osm_id": pd.array(osm_id.to_numpy(), dtype="Int64"),
        "inventory_id": np.full(n, None, dtype=object),
        "inventory_row": pd.array(np.full(n, None), dtype="Int64"),
        "mount_height_m": mount_height,
        "height_source": height_source,
        "flux_lm": flux,
        "flux_source": flux_source,
        "power_w": np.full(n, np.nan),
        "lamp_type": lamp_type.to_numpy(),
        "light_count": count.fillna(1).to_numpy(dtype="int64"),
        "light_count_source": light_count_source,
        "status": np.full(n, "unknown", dtype=object),
        "owner": tag("operator").to_numpy(),
        "lamp_mount": mount.to_numpy(),
        "ref": tag("ref").to_numpy(),
    }
    return _standard(out, shapely.points(shapely.get_coordinates(points)), area.crs)


# ---- inventory ---------------------------------------------------------------------------


def resolve_inventory_columns(
    headers: Sequence[str],
    columns: Mapping[str, str | Sequence[str]] | ColumnMapping | str | Path | None = None,
) -> tuple[dict[str, str], str | None]:
    """Which header carries which inventory field, and the x/y CRS named by the mapping.

    Parameters
    ----------
    headers : sequence of str
        The file's column headers.
    columns : mapping, ColumnMapping or path to a TOML file, optional
        Field -> header (or list of headers) tried before the defaults; a TOML file has a
        ``[columns]`` table in that form and an optional ``crs = "EPSG:3006"`` (as the report
        template ``data/templates/report_columns.toml``); a report :class:`ColumnMapping`
        contributes its coordinate columns and CRS. Fields: :data:`INVENTORY_FIELDS`.
        Header matching ignores case, å/ä/ö and punctuation.

    Returns
    -------
    (dict, str or None)
        Field -> header for the fields found, and the mapping's CRS.

    Raises
    ------
    ReportsError
        Unknown field names, or a TOML file that cannot be read.
    """
    from sjobo_geo.inputs.tables import match_headers

    candidates, crs = _inventory_candidates(columns)
    return match_headers(headers, candidates, INVENTORY_FIELDS), crs


def read_lamp_inventory(
    path: str | Path,
    area: Area,
    *,
    columns: Mapping[str, str | Sequence[str]] | ColumnMapping | str | Path | None = None,
    crs: str | None = None,
    sheet: str | int | None = None,
    area_margin: float = AREA_MARGIN_M,
    defaults: Mapping[str, Any] | None = None,
) -> LampInventory:
    """Read and validate an owner's lamp inventory, accounting for every row.

    Columns (default headers, Swedish and English; see :func:`resolve_inventory_columns`):

    ============ ===================================================================
    field        default headers (first found wins)
    ============ ===================================================================
    id           ID, Armatur-ID, Lampnummer, Ljuspunkt, Objekt-ID, Nr
    lat, lon     Latitud/Longitud, lat/lon (WGS84)
    x, y         x/y, E/N, Easting/Northing, X_SWEREF/Y_SWEREF (metres)
    height       Ljuspunktshöjd, Höjd, Montagehöjd, Height (m; ``5,5`` is fine)
    flux         Ljusflöde, Lumen, lm (lumen per light)
    power        Effekt, Watt, W (rated watts; flux = power × efficacy by lamp type)
    lamp_type    Ljuskälla, Lamptyp, Typ (LED, HPS/natrium, MH/metallhalogen, CFL, ...)
    light_count  Antal ljuspunkter, Antal armaturer, Antal (default 1)
    status       Status, Skick (fungerande/working/ok, trasig/broken/ur funktion,
                 planerad/planned, okänd/unknown; empty = unknown)
    owner        Ägare, Huvudman, Owner
    mount        Montage, Montering (vägg/wall, tak/ceiling, pollare/bollard, ...)
    ============ ===================================================================

    Positions: lat/lon are WGS84 (a swapped pair is fixed with a warning); x/y are read in
    ``crs``, else the mapping's CRS, else the GeoPackage layer's CRS, else detected: degree
    values are WGS84, metres in the area's CRS; when the metres do not lie in the area in its
    CRS, SWEREF 99 TM, the SWEREF 99 local zones and RT 90 are tried (with a warning). A
    GeoPackage's or GeoJSON's point geometry is used when there are no coordinate columns.

    Rejected rows (first reason wins): unreadable rows (ragged, undecodable), no position,
    half a coordinate pair, coordinates that are not numbers or out of range, a geometry
    that is not a point, positions more than ``area_margin`` metres outside the area, a
    height that is not a number or not in 0–30 m, flux or power not a number, ≤ 0 or
    implausibly large (> 200,000 lm, > 2,000 W), a light count that is not a whole number
    ≥ 1, an unknown status text, and duplicate ids (the first valid row keeps the id).
    Missing values (empty, ``saknas``, ``-``, ``NaN``) are not errors: height and flux then
    get defaults as for OSM lamps (:data:`DEFAULTS`), recorded in ``height_source`` and
    ``flux_source``. A lamp type that is not recognised is kept as ``unknown``, with a
    warning.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV (comma or semicolon, decimal point or comma), XLSX, GeoPackage or GeoJSON.
    area : Area
        The area (CRS, boundary, paths for context heights).
    columns : mapping, ColumnMapping or path to TOML, optional
        Column mapping; see :func:`resolve_inventory_columns`.
    crs : str, optional
        CRS of x/y columns.
    sheet : str or int, optional
        XLSX sheet or GeoPackage layer.
    area_margin : float, default 50
        Metres outside the area's boundary still accepted.
    defaults : mapping, optional
        Overrides of :data:`DEFAULTS`.

    Returns
    -------
    LampInventory

    Raises
    ------
    ReportsError
        The file cannot be used at all: unreadable, no data rows, no position columns.
    ReportsFileNotFoundError
        The file does not exist.
    """
    from sjobo_geo.inputs.reports.readers import read_table

    table = read_table(path, sheet=sheet)
    return _validate_inventory(table, area, columns=columns, crs=crs, area_margin=area_margin,
                               defaults=defaults)


def load_lamps(path: str | Path, area: Area, **kwargs: Any) -> LampInventory:
    """Read an owner's lamp inventory for an area: the loader under the name the other
    inputs use (:func:`sjobo_geo.load_reports`, :func:`sjobo_geo.load_measures`).

    Same as :func:`read_lamp_inventory`; merge the result with the OSM lamps with
    :func:`merge_lamps` (or pass the file to the lighting analysis, which does).

    Examples
    --------
    >>> import sjobo_geo as sg
    >>> area = sg.load_area("sample")
    >>> inventory = sg.load_lamps("data/templates/lamp_inventory.csv", area)  # doctest: +SKIP
    """
    return read_lamp_inventory(path, area, **kwargs)


def _validate_inventory(table: RawTable, area: Area, *, columns, crs, area_margin,
                        defaults) -> LampInventory:
    import shapely

    from sjobo_geo.inputs.tables import (
        Columns,
        Rejects,
        bad_rows,
        clean_text,
        locate_rows,
        lookup,
        to_number,
    )

    d = _defaults(defaults)
    name = str(table.path)
    if table.total == 0:
        raise ReportsError(f"{name}: no data rows (only a header)")
    data = table.data.reset_index(drop=True)
    fields, mapping_crs = resolve_inventory_columns([str(c) for c in data.columns], columns)
    spatial = "__x" in data.columns
    if spatial:
        fields.setdefault("x", "__x")
        fields.setdefault("y", "__y")
    if not ({"lat", "lon"} <= fields.keys() or {"x", "y"} <= fields.keys()):
        raise ReportsError(
            f"{name}: no position columns; give Latitud/Longitud (WGS84) or x/y (metres, "
            f"e.g. SWEREF 99 TM), or a GeoPackage with point geometries; columns found: "
            f"{', '.join(map(str, table.data.columns[:12]))}")

    n = len(data)
    index = pd.RangeIndex(n)
    rows = np.asarray(table.rows, dtype="int64")
    rej = Rejects(index, rows)
    warnings: list[str] = list(table.warnings)
    columns_ = Columns(data, fields)
    col, header = columns_.text, columns_.header

    # --- numbers: height, flux, power, count
    def number(f: str, what: str, unit: str) -> pd.Series:
        raw = col(f)
        values, bad, _words = to_number(raw)  # missing words (saknas, -) are missing
        rej.add(bad, header(f), raw,
                lambda m: f"{what} is not a number: " + raw[m].fillna("") + f" (expected {unit})")
        return values

    height = number("height", "mounting height", "metres, e.g. 5 or 5,5")
    lo, hi = HEIGHT_RANGE_M
    rej.add(height.notna() & ((height <= lo) | (height > hi)), header("height"), col("height"),
            f"mounting height must be above {lo:g} m and at most {hi:g} m")
    flux = number("flux", "luminous flux", "lumen, e.g. 3000")
    rej.add(flux.notna() & (flux <= 0), header("flux"), col("flux"),
            "luminous flux must be above 0 lm")
    rej.add(flux > _MAX_FLUX_LM, header("flux"), col("flux"),
            f"luminous flux above {_MAX_FLUX_LM:,.0f} lm is implausible for one light; "
            "give the flux per light")
    power = number("power", "power", "watts, e.g. 28")
    rej.add(power.notna() & (power <= 0), header("power"), col("power"),
            "power must be above 0 W")
    rej.add(power > _MAX_POWER_W, header("power"), col("power"),
            f"power above {_MAX_POWER_W:,.0f} W is implausible for one light; give watts, "
            "not kW or a total")
    count = number("light_count", "light count", "a whole number such as 1 or 2")
    rej.add(count.notna() & ((count < 1) | (count % 1 != 0)), header("light_count"),
            col("light_count"), "light count must be a whole number of at least 1")

    # --- status
    status_raw = col("status")
    status = lookup(status_raw, _status_table())
    rej.add(status_raw.notna() & status.isna(), header("status"), status_raw,
            lambda m: "unknown status: " + status_raw[m].fillna("") + "; accepted: "
            + "; ".join(f"{k}: " + ", ".join(w for w in v[:3] if w)
                        for k, v in _STATUS_WORDS.items()) + " (empty = unknown)")
    status = status.fillna("unknown")

    # --- template rows "lampa saknas i data?" that nobody filled in are no lamp
    note_header = _note_header(data.columns)
    if note_header is not None:
        from sjobo_geo.core.gazetteer import normalise_name

        note = clean_text(data[note_header])
        marker = note.fillna("").map(normalise_name) == normalise_name(TEMPLATE_MISSING)
        filled = pd.Series(False, index=index)
        for f in ("height", "flux", "power", "lamp_type", "light_count", "status", "owner"):
            filled |= col(f).notna()
        rej.add(marker & ~filled, note_header, note,
                f"inventory template row '{TEMPLATE_MISSING}' not filled in: give the height, "
                "lumen or power, type or status of the lamp that stands there (or delete the "
                "row when none does)")

    # --- geometry type of spatial files
    if spatial and fields.get("x") == "__x" and "__geom_type" in data.columns:
        gtype = data["__geom_type"]
        not_point = gtype.notna() & ~gtype.isin(["Point", "MultiPoint"])
        rej.add(not_point, "geometry", gtype,
                lambda m: "geometry is a " + gtype[m].fillna("") + ", not a point: give one "
                "point per lamp")

    # --- position: missing altogether (half pairs and bad numbers are locate_rows's)
    present = pd.Series(False, index=index)
    for f in ("lat", "lon", "x", "y"):
        if f in fields:
            present |= col(f).notna()
    first_pos = header("lat") if "lat" in fields else header("x")
    rej.add(~present, first_pos, None,
            "position missing: give latitude/longitude (WGS84) or x/y (metres)")
    if crs is None and mapping_crs is None and not (spatial and table.crs):
        crs = _guess_xy_crs(col, fields, area, area_margin, warnings)
    # cleaned cells serve as the raw numeric cells too (to_number parses either)
    x, y, _located_by, crs_used = locate_rows(
        col, col, fields, header, rej, table, area, ColumnMapping(crs=mapping_crs), crs,
        area_margin, warnings, spatial)

    # --- ids (duplicates among rows that are otherwise valid: the first of those keeps it)
    ids = col("id").astype(object)
    generated = ids.isna()
    if generated.any():
        ids[generated] = "row-" + pd.Series(rows[generated.to_numpy()]).astype(str).to_numpy()
        where = "no id column" if "id" not in fields else "no id"
        warnings.append(f"{_rows(rows[generated.to_numpy()])}: {where}; named row-N "
                        "(give lamp ids to match the inventory with work orders)")
    ok_ids = ids[rej.ok]
    dup = ok_ids.duplicated(keep="first").reindex(index, fill_value=False)
    if dup.any():
        first_row = pd.Series(rows, index=index)[rej.ok].groupby(ok_ids, sort=False) \
            .transform("first").reindex(index)
        rej.add(dup, header("id"), ids,
                lambda m: "duplicate id: " + ids[m].astype(str) + " (first at row "
                + first_row[m].astype("int64").astype(str) + ")")

    # --- lamp type (never rejects; unknown texts become 'unknown' with a warning)
    type_raw = col("lamp_type")
    lamp_type, unrecognised = _lamp_types(type_raw)
    ok = rej.ok.to_numpy()
    odd = unrecognised.to_numpy() & ok
    if odd.any():
        values = ", ".join(repr(v) for v in pd.unique(type_raw[odd])[:8])
        warnings.append(f"{_rows(rows[odd])}: lamp type not recognised ({values}); "
                        f"kept as unknown; recognised: "
                        + ", ".join(v for k, v in LAMP_TYPES.items() if k != "unknown"))

    # --- build the table for accepted rows
    sel = np.flatnonzero(ok)
    xs, ys = x.to_numpy()[sel], y.to_numpy()[sel]
    points = shapely.points(xs, ys)
    mount = col("mount").iloc[sel].reset_index(drop=True)
    h = height.iloc[sel].to_numpy(dtype="float64", na_value=np.nan)
    default_h, default_reason = _default_heights(points, mount, area, d)
    has_h = ~np.isnan(h)
    mount_height = np.where(has_h, h, default_h)
    height_source = np.where(has_h, "inventory", default_reason)

    lm = flux.iloc[sel].to_numpy(dtype="float64", na_value=np.nan)
    w = power.iloc[sel].to_numpy(dtype="float64", na_value=np.nan)
    types = lamp_type.iloc[sel].reset_index(drop=True)
    efficacy = types.map(d["efficacy_lm_per_w"]).to_numpy(dtype="float64", na_value=np.nan)
    by_power = np.isnan(lm) & ~np.isnan(w) & ~np.isnan(efficacy)
    default_lm, default_lm_reason = _default_flux(mount_height, d)
    power_no_type = np.isnan(lm) & ~np.isnan(w) & np.isnan(efficacy)
    default_lm_reason = np.where(power_no_type,
                                 (default_lm_reason + " (power given, lamp type unknown)")
                                 .astype(object), default_lm_reason)
    flux_lm = np.where(~np.isnan(lm), lm, np.where(by_power, w * efficacy, default_lm))
    flux_source = np.where(~np.isnan(lm), "inventory lumen",
                           np.where(by_power, "inventory power × efficacy", default_lm_reason))
    both = ~np.isnan(lm) & ~np.isnan(w)
    if both.any():
        ratio = lm[both] / w[both]
        odd_ratio = (ratio < 5) | (ratio > 250)
        if odd_ratio.any():
            warnings.append(f"{_rows(rows[sel][both][odd_ratio])}: lumen per watt "
                            "outside 5–250; are the flux and power columns right?")
    c = count.iloc[sel].to_numpy(dtype="float64", na_value=np.nan)
    inv_ids = ids.iloc[sel].astype(str).to_numpy().astype(object)
    out = {
        "lamp_id": "inv:" + inv_ids,
        "source": np.full(len(sel), "inventory", dtype=object),
        "osm_id": pd.array(np.full(len(sel), None), dtype="Int64"),
        "inventory_id": inv_ids,
        "inventory_row": pd.array(rows[sel], dtype="Int64"),
        "mount_height_m": mount_height,
        "height_source": height_source,
        "flux_lm": flux_lm,
        "flux_source": flux_source,
        "power_w": w,
        "lamp_type": types.to_numpy(),
        "light_count": np.where(np.isnan(c), 1, c).astype("int64"),
        "light_count_source": np.where(np.isnan(c), "default: 1", "inventory"),
        "status": status.iloc[sel].to_numpy(),
        "owner": col("owner").iloc[sel].to_numpy(),
        "lamp_mount": mount.to_numpy(),
        "ref": np.full(len(sel), None, dtype=object),
    }
    lamps = _standard(out, points, area.crs)
    rejects = pd.concat([rej.frame(), bad_rows(table)], ignore_index=True)
    rejects = rejects.sort_values("row", kind="stable").reset_index(drop=True)
    result = LampInventory(
        lamps=lamps, rejects=rejects, total=table.total, source_file=name, warnings=warnings,
        meta={"area": area.name, "coordinate_crs": crs_used, "columns": fields,
              "area_margin_m": area_margin, "format": table.format,
              "encoding": table.encoding, "defaults": d},
    )
    assert result.accepted + result.rejected == result.total, "every row is accounted for"
    return result


# ---- template ----------------------------------------------------------------------------


def inventory_template(known: gpd.GeoDataFrame, missing: gpd.GeoDataFrame) -> pd.DataFrame:
    """The rows of a lamp inventory template to fill in on site.

    One row per known lamp (its id and position; ``Ägare`` and ``Montage`` from the data when
    known) and one row per place where a lamp may be missing from the data (the note
    :data:`TEMPLATE_MISSING`, its position). Height, lumen or power, type, count and status
    are empty: they are what the inventory adds. The headers (:data:`TEMPLATE_COLUMNS`) are
    the Swedish ones :func:`read_lamp_inventory` reads, so the filled-in file is passed back
    as it is (``--lamps``): known lamps merge with their OSM lamp (:func:`merge_lamps`,
    same position), filled "lampa saknas i data?" rows become lamps, empty ones are
    rejected with a reason.

    Parameters
    ----------
    known : geopandas.GeoDataFrame
        Lamps (a standard lamp table, any CRS), optionally with ``place``.
    missing : geopandas.GeoDataFrame
        Points where a lamp may be missing (any CRS), optionally with ``place``, ``kind``,
        ``length_m`` and ``area_m2``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TEMPLATE_COLUMNS` (headers); positions in WGS84 with 6 decimals
        (about 0.1 m). The caller writes it (a job: ``to_excel``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> lamps = gpd.GeoDataFrame({"lamp_id": ["osm:node/1"], "source": ["osm"]},
    ...                          geometry=gpd.points_from_xy([24.95], [60.17]), crs=4326)
    >>> empty = gpd.GeoDataFrame(geometry=[], crs=4326)
    >>> row = inventory_template(lamps, empty).iloc[0]
    >>> row["Armatur-ID"], float(row["Latitud"]), row["Anmärkning"]
    ('osm:node/1', 60.17, 'känd lampa (osm)')
    """
    from sjobo_geo.core.i18n import label

    h = TEMPLATE_COLUMNS

    def wgs84(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
        if len(gdf) == 0:
            return np.zeros(0), np.zeros(0)
        g = gdf.geometry.to_crs(4326) if gdf.crs is not None else gdf.geometry
        return g.y.round(6).to_numpy(), g.x.round(6).to_numpy()

    def text(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
        """A column as text, None where missing (the standard table writes "nan" and
        "None" for missing text)."""
        if column not in gdf or len(gdf) == 0:
            return np.full(len(gdf), None, dtype=object)
        return np.array([None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                         or str(v).strip() in ("", "nan", "None", "<NA>") else str(v)
                         for v in gdf[column].tolist()], dtype=object)

    klat, klon = wgs84(known)
    source = text(known, "source")
    ids = text(known, "inventory_id")
    lamp_id = text(known, "lamp_id")
    known_rows = pd.DataFrame({
        h["id"]: [i if i is not None else lid for i, lid in zip(ids, lamp_id, strict=True)],
        h["lat"]: klat, h["lon"]: klon, h["owner"]: text(known, "owner"),
        h["mount"]: text(known, "lamp_mount"),
        h["note"]: [f"{TEMPLATE_KNOWN} ({s or 'data'})" for s in source],
        h["place"]: text(known, "place"),
    })
    mlat, mlon = wgs84(missing)
    place = text(missing, "place")
    kind = text(missing, "kind")
    length = (missing["length_m"].to_numpy(dtype="float64") if "length_m" in missing
              else np.full(len(missing), np.nan))
    area = (missing["area_m2"].to_numpy(dtype="float64") if "area_m2" in missing
            else np.full(len(missing), np.nan))
    where = []
    for p, k, m, a in zip(place, kind, length, area, strict=True):
        size = (f"{m:.0f} m utan lampa i data" if m == m else
                f"{a:.0f} m², ingen lampa i data" if a == a else "")
        kind_sv = label(f"target_{k}", "sv") if k else ""  # the template is Swedish
        where.append(", ".join(x for x in (kind_sv, p, size) if x))
    missing_rows = pd.DataFrame({
        h["id"]: [f"saknas-{i}" for i in range(1, len(missing) + 1)],
        h["lat"]: mlat, h["lon"]: mlon, h["note"]: TEMPLATE_MISSING, h["place"]: where,
    })
    out = pd.concat([known_rows, missing_rows], ignore_index=True)
    return out.reindex(columns=list(h.values())).astype(
        {h["lat"]: "float64", h["lon"]: "float64"})


def _note_header(headers) -> str | None:
    """The header of the template's note column, if any (case and å/ä/ö ignored)."""
    from sjobo_geo.core.gazetteer import normalise_name

    wanted = {normalise_name(c) for c in _NOTE_HEADERS}
    return next((str(c) for c in headers if normalise_name(str(c)) in wanted), None)


# ---- merge -------------------------------------------------------------------------------


def merge_lamps(
    osm: gpd.GeoDataFrame,
    inventory: gpd.GeoDataFrame | LampInventory,
    *,
    distance: float = 5.0,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Merge OSM lamps with inventory lamps: one lamp where both describe the same one.

    An OSM lamp and an inventory lamp at most ``distance`` metres apart that are each
    other's nearest lamp (mutual nearest neighbours, found with k-d trees) are the same lamp.
    Pairing is one to one and repeated on the lamps still unpaired until no new pair appears,
    so an inventory lamp whose nearest OSM lamp is taken can still pair with its next one.
    Two inventory lamps near one OSM lamp: only the nearer merges, the other stays an
    inventory lamp of its own (and is counted in ``unmatched_within_distance``).

    A merged lamp (source ``"both"``) takes the inventory's position, since owners' positions
    are surveyed (GNSS or the utility map) while OSM positions are often traced from aerial
    imagery a few metres off, and the inventory's id (``lamp_id`` ``"inv:<id>"``, both ids
    kept in ``osm_id`` and ``inventory_id``). Values: the inventory's height, flux, power,
    lamp type, count, status, owner and mount win; where the inventory has only a default
    (or ``unknown``, or nothing), an OSM tag is used; where both have defaults, the
    inventory's default stands (computed at the surveyed position) and a default flux is
    recomputed for the merged height. ``intensity_cd`` is recomputed.

    Unpaired lamps of both sides are kept unchanged: ``len(merged) == len(osm) +
    len(inventory) - pairs``.

    Parameters
    ----------
    osm : geopandas.GeoDataFrame
        Standard lamp table from :func:`lamps_from_osm`.
    inventory : geopandas.GeoDataFrame or LampInventory
        Standard lamp table from :func:`read_lamp_inventory` (or the inventory itself);
        reprojected to ``osm``'s CRS if needed.
    distance : float, default 5
        Largest distance in metres between the two positions of one lamp.

    Returns
    -------
    merged : geopandas.GeoDataFrame
        Standard lamp table: OSM lamps in their order (merged ones replaced by the merged
        lamp), then the unpaired inventory lamps.
    merges : pandas.DataFrame
        One row per merged pair: ``lamp_id`` (of the merged lamp), ``osm_lamp_id``,
        ``inventory_lamp_id``, ``osm_id``, ``inventory_id``, ``distance_m``. ``attrs`` holds
        the counts: ``pairs``, ``osm_lamps``, ``inventory_lamps``, ``osm_unmatched``,
        ``inventory_unmatched``, ``unmatched_within_distance`` (unpaired lamps with a lamp
        of the other side within ``distance``: possible doubles to check), ``distance_m``
        and ``merged_lamps``.

    Raises
    ------
    LampsError
        ``distance`` is negative or not finite, or a table has no CRS.
    """
    import geopandas as gpd
    import shapely

    inv = inventory.lamps if isinstance(inventory, LampInventory) else inventory
    if not (isinstance(distance, int | float) and math.isfinite(distance) and distance >= 0):
        raise LampsError(f"distance must be a finite number of metres >= 0, not {distance!r}")
    if osm.crs is None or inv.crs is None:
        raise LampsError("both lamp tables need a CRS (a metric one, as from lamps_from_osm)")
    if inv.crs != osm.crs:
        inv = inv.to_crs(osm.crs)
    osm = osm.reset_index(drop=True)
    inv = inv.reset_index(drop=True)
    oxy = shapely.get_coordinates(osm.geometry.values)
    ixy = shapely.get_coordinates(inv.geometry.values)
    po, pi, dist = _mutual_nearest(oxy, ixy, distance)

    # merged lamps: start from the inventory rows, fill from OSM where the inventory has
    # only defaults or unknowns
    m_inv = inv.iloc[pi].reset_index(drop=True)
    m_osm = osm.iloc[po].reset_index(drop=True)
    merged_rows = m_inv.copy()
    merged_rows["source"] = "both"
    merged_rows["osm_id"] = m_osm["osm_id"].astype("Int64").to_numpy()
    merged_rows["ref"] = m_osm["ref"].to_numpy()

    def is_default(s: pd.Series) -> np.ndarray:
        return s.astype(str).str.startswith("default").to_numpy()

    def take(column: str, use_osm: np.ndarray) -> None:
        merged_rows[column] = np.where(use_osm, m_osm[column].to_numpy(dtype=object),
                                       merged_rows[column].to_numpy(dtype=object))

    osm_height = is_default(m_inv["height_source"]) & ~is_default(m_osm["height_source"])
    take("mount_height_m", osm_height)
    take("height_source", osm_height)
    osm_count = is_default(m_inv["light_count_source"]) \
        & ~is_default(m_osm["light_count_source"])
    take("light_count", osm_count)
    take("light_count_source", osm_count)
    for column in ("lamp_type", "status"):
        take(column, (m_inv[column] == "unknown").to_numpy() & (m_osm[column] != "unknown")
             .to_numpy())
    for column in ("owner", "lamp_mount"):
        take(column, m_inv[column].isna().to_numpy() & m_osm[column].notna().to_numpy())
    merged_rows["mount_height_m"] = merged_rows["mount_height_m"].astype("float64")
    merged_rows["light_count"] = merged_rows["light_count"].astype("int64")
    # both fluxes default and the height from OSM: the OSM lamp's default flux belongs to it
    osm_flux = (is_default(m_inv["flux_source"]) & osm_height) \
        | (is_default(m_inv["flux_source"]) & ~is_default(m_osm["flux_source"]))
    take("flux_lm", osm_flux)
    take("flux_source", osm_flux)
    merged_rows["flux_lm"] = merged_rows["flux_lm"].astype("float64")
    merged_rows["intensity_cd"] = _intensity(merged_rows["flux_lm"].to_numpy(dtype="float64"),
                                             merged_rows["light_count"].to_numpy())

    keep_o = np.ones(len(osm), dtype=bool)
    keep_o[po] = False
    keep_i = np.ones(len(inv), dtype=bool)
    keep_i[pi] = False
    # merged lamps take their OSM lamp's place in the order; unpaired inventory lamps last
    columns = [*LAMP_COLUMNS, "geometry"]
    parts = [
        pd.DataFrame(osm[columns][keep_o]).assign(_order=np.flatnonzero(keep_o)),
        pd.DataFrame(merged_rows[columns]).assign(_order=po),
        pd.DataFrame(inv[columns][keep_i]).assign(_order=len(osm) + np.flatnonzero(keep_i)),
    ]
    body = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    body = body.sort_values("_order", kind="stable").drop(columns="_order")
    merged = _typed(gpd.GeoDataFrame(body.reset_index(drop=True), geometry="geometry",
                                     crs=osm.crs))

    merges = pd.DataFrame({
        "lamp_id": merged_rows["lamp_id"].to_numpy(dtype=object),
        "osm_lamp_id": m_osm["lamp_id"].to_numpy(dtype=object),
        "inventory_lamp_id": m_inv["lamp_id"].to_numpy(dtype=object),
        "osm_id": m_osm["osm_id"].astype("Int64").to_numpy(),
        "inventory_id": m_inv["inventory_id"].to_numpy(dtype=object),
        "distance_m": dist,
    })
    near_o, near_i = _near_unmatched(oxy, ixy, keep_o, keep_i, distance)
    merges.attrs = {
        "pairs": int(len(po)), "osm_lamps": int(len(osm)), "inventory_lamps": int(len(inv)),
        "osm_unmatched": int(keep_o.sum()), "inventory_unmatched": int(keep_i.sum()),
        "unmatched_within_distance": {"osm": near_o, "inventory": near_i},
        "distance_m": float(distance), "merged_lamps": int(len(merged)),
    }
    assert len(merged) == len(osm) + len(inv) - len(po), "no lamp is lost"
    return merged, merges


# ---- helpers -----------------------------------------------------------------------------


def _defaults(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    d = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS.items()}
    for key, value in (overrides or {}).items():
        if key not in DEFAULTS:
            raise LampsError(f"unknown lamp default {key!r}; known: {', '.join(DEFAULTS)}")
        if isinstance(DEFAULTS[key], dict) and isinstance(value, Mapping):
            d[key] = {**d[key], **value}
        else:
            d[key] = value
    bands = tuple((float(h), float(lm)) for h, lm in d["flux_by_height"])
    if not bands or any(b[0] >= c[0] for b, c in zip(bands, bands[1:], strict=False)):
        raise LampsError("flux_by_height must be (max height, lumen) pairs with increasing "
                         f"heights, not {d['flux_by_height']!r}")
    d["flux_by_height"] = bands
    return d


def _parse_length(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """OSM lengths ``"5"``, ``"5 m"``, ``"5,5"``, ``"16 ft"`` -> metres; also is-bad mask
    (present but unreadable, or outside :data:`HEIGHT_RANGE_M`)."""
    text = s.astype("str").str.strip().str.lower()
    parts = text.str.extract(r"^(\d+(?:[.,]\d+)?)\s*(m|meters?|metres?|ft|feet|')?$")
    values = pd.to_numeric(parts[0].str.replace(",", ".", regex=False), errors="coerce")
    feet = parts[1].isin(["ft", "feet", "'"]).fillna(False).astype(bool)
    values = values.where(~feet, values * 0.3048).astype("float64")
    lo, hi = HEIGHT_RANGE_M
    values = values.where((values > lo) & (values <= hi))
    bad = s.notna() & values.isna()
    return values, bad.fillna(False).astype(bool)


def _mount_kind(mount: pd.Series) -> pd.Series:
    from sjobo_geo.core.gazetteer import normalise_name
    from sjobo_geo.inputs.tables import lookup

    table = {normalise_name(w): kind for kind, words in _MOUNT_WORDS.items() for w in words}
    return lookup(mount.reset_index(drop=True), table)


def _default_heights(points: np.ndarray, mount: pd.Series, area: Area,
                     d: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Default mounting heights and their reasons: by mount, else by the nearest path."""
    import shapely

    n = len(points)
    r = float(d["path_search_m"])
    fallback = float(d["height_fallback_m"])
    height = np.full(n, fallback)
    reason = np.full(n, f"default: no path within {r:g} m ({fallback:g} m)", dtype=object)
    paths = area.layers["paths"]
    if n and len(paths):
        geoms = paths.geometry.values
        i_pt, i_path = shapely.STRtree(geoms).query_nearest(points, max_distance=r,
                                                            all_matches=False)
        via = np.zeros(len(i_pt), dtype=bool)
        if d["sidewalks_follow_street"] and "footway" in paths.columns:
            side = (paths["footway"].astype("str").str.contains("sidewalk|crossing")
                    .fillna(False).to_numpy(dtype=bool))
            on_side = np.flatnonzero(side[i_path])
            if len(on_side) and not side.all():
                street = np.flatnonzero(~side)
                a, b = shapely.STRtree(geoms[street]).query_nearest(
                    points[i_pt[on_side]], max_distance=r, all_matches=False)
                i_path[on_side[a]] = street[b]
                via[on_side[a]] = True
        highway = (paths["highway"].astype("str").fillna("unknown").str.split(";").str[0]
                   .to_numpy().astype(object))[i_path]
        by_hw = {str(k): float(v) for k, v in d["height_by_highway"].items()}
        key = pd.Series(highway + np.where(via, "|side", ""))
        texts = {}
        for k in key.unique():
            hw, _, by_side = k.partition("|")
            near = f"sidewalk by {hw}" if by_side else f"near {hw}"
            texts[k] = (f"default: {near} ({by_hw[hw]:g} m)" if hw in by_hw else
                        f"default: {near}, no rule for it ({fallback:g} m)")
        height[i_pt] = pd.Series(highway).map(by_hw).fillna(fallback).to_numpy()
        reason[i_pt] = key.map(texts).to_numpy()
    kind = _mount_kind(mount)
    by_mount = {str(k): float(v) for k, v in d["height_by_mount"].items()}
    mh = kind.map(by_mount).to_numpy(dtype="float64", na_value=np.nan)
    use = ~np.isnan(mh)
    if use.any():
        texts = {k: f"default: {k} mount ({v:g} m)" for k, v in by_mount.items()}
        height[use] = mh[use]
        reason[use] = kind[use].map(texts).to_numpy()
    return height, reason


def _default_flux(height: np.ndarray, d: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Default flux per light by mounting-height band, and the reasons."""
    bands = d["flux_by_height"]
    edges = np.array([b[0] for b in bands])
    which = np.minimum(np.searchsorted(edges, height, side="left"), len(bands) - 1)
    flux = np.array([b[1] for b in bands])[which]
    texts = []
    for k, (hi, lm) in enumerate(bands):
        if math.isinf(hi) and k:
            texts.append(f"default: {lm:,.0f} lm for mounting height above {bands[k - 1][0]:g} m")
        else:
            texts.append(f"default: {lm:,.0f} lm for mounting height up to {hi:g} m")
    return flux, np.array(texts, dtype=object)[which]


def _intensity(flux: np.ndarray, count: np.ndarray) -> np.ndarray:
    """I0 of a downward Lambertian lamp: flux / π per light, times the lights."""
    return flux / np.pi * count


def _lamp_types(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Lamp type codes from free text (each distinct text matched once) and a mask of texts
    that were given but not recognised."""
    from sjobo_geo.core.gazetteer import normalise_name

    values = values.reset_index(drop=True)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = []
    for u in uniques:
        text = normalise_name(u).replace("_", " ")
        mapped.append(next((code for code, pat in _LAMP_TYPE_PATTERNS
                            if re.search(pat, text)), None))
    table = np.array([*mapped, "unknown"], dtype=object)
    out = pd.Series(table[codes], index=values.index, dtype=object)
    unrecognised = values.notna() & out.isna()
    return out.fillna("unknown"), unrecognised.fillna(False).astype(bool)


def _status_table() -> dict[str, str]:
    from sjobo_geo.core.gazetteer import normalise_name

    return {normalise_name(w): k for k, words in _STATUS_WORDS.items() for w in words}


def _inventory_candidates(columns) -> tuple[dict[str, tuple[str, ...]], str | None]:
    candidates = dict(_INVENTORY_COLUMNS)
    crs = None
    if columns is None:
        return candidates, None
    if isinstance(columns, ColumnMapping):
        for f in ("id", "lat", "lon", "x", "y"):
            candidates[f] = tuple(columns.columns.get(f, ())) + candidates[f]
        return candidates, columns.crs
    if isinstance(columns, str | Path):
        path = Path(columns)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ReportsError(f"{path}: cannot read column mapping ({exc})") from None
        columns, crs = raw.get("columns", {}), raw.get("crs")
        where = f"{path}: "
    else:
        where = ""
    for name, value in columns.items():
        if name not in INVENTORY_FIELDS:
            raise ReportsError(f"{where}unknown inventory field {name!r}; fields are "
                               f"{', '.join(INVENTORY_FIELDS)}")
        values = (value,) if isinstance(value, str) else tuple(value)
        candidates[name] = values + candidates[name]
    return candidates, crs


def _guess_xy_crs(col, fields, area: Area, margin: float, warnings: list[str]) -> str | None:
    """The CRS of metric x/y that do not lie in the area in its own CRS, among
    :data:`XY_CRS_CANDIDATES`; None leaves the choice to the report validator."""
    import shapely
    from pyproj import CRS, Transformer

    from sjobo_geo.inputs.tables import to_number

    if not {"x", "y"} <= fields.keys():
        return None
    xv, _, _ = to_number(col("x"))
    yv, _, _ = to_number(col("y"))
    use = (xv.notna() & yv.notna() & ~((xv.abs() <= 180) & (yv.abs() <= 90))).to_numpy()
    if not use.any():
        return None
    xs, ys = xv.to_numpy()[use], yv.to_numpy()[use]
    boundary = area.boundary.buffer(margin)
    shapely.prepare(boundary)
    if shapely.contains_xy(boundary, xs, ys).mean() > 0.5:
        return None
    best, best_share = None, 0.5
    for cand in XY_CRS_CANDIDATES:
        if CRS.from_user_input(cand) == CRS.from_user_input(area.crs):
            continue
        tx, ty = Transformer.from_crs(cand, area.crs, always_xy=True).transform(xs, ys)
        share = float(shapely.contains_xy(boundary, tx, ty).mean())
        if share > best_share:
            best, best_share = cand, share
    if best is not None:
        warnings.append(f"x/y read as {best} ({CRS.from_user_input(best).name}): the values lie "
                        f"in the area in that CRS, not in {area.crs}; name the CRS (crs=...) "
                        "to be sure")
    return best


def _mutual_nearest(oxy: np.ndarray, ixy: np.ndarray, distance: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-to-one pairs of mutual nearest neighbours within ``distance``, in rounds over the
    points still unpaired. Returns OSM indices, inventory indices, distances."""
    from scipy.spatial import cKDTree

    free_o = np.ones(len(oxy), dtype=bool)
    free_i = np.ones(len(ixy), dtype=bool)
    out_o, out_i, out_d = [], [], []
    bound = distance * (1 + 1e-9) + 1e-9  # cKDTree's bound is strict
    while free_o.any() and free_i.any():
        fo, fi = np.flatnonzero(free_o), np.flatnonzero(free_i)
        d_o, j = cKDTree(ixy[fi]).query(oxy[fo], distance_upper_bound=bound)
        _d_i, k = cKDTree(oxy[fo]).query(ixy[fi], distance_upper_bound=bound)
        cand = np.flatnonzero(np.isfinite(d_o) & (d_o <= distance))
        mutual = cand[k[j[cand]] == cand]
        if not len(mutual):
            break
        po, pi = fo[mutual], fi[j[mutual]]
        out_o.append(po)
        out_i.append(pi)
        out_d.append(d_o[mutual])
        free_o[po] = False
        free_i[pi] = False
    if not out_o:
        return np.empty(0, dtype="int64"), np.empty(0, dtype="int64"), np.empty(0)
    return (np.concatenate(out_o).astype("int64"), np.concatenate(out_i).astype("int64"),
            np.concatenate(out_d))


def _near_unmatched(oxy, ixy, keep_o, keep_i, distance) -> tuple[int, int]:
    """Unpaired lamps with any lamp of the other side within ``distance``."""
    from scipy.spatial import cKDTree

    if not len(oxy) or not len(ixy):
        return 0, 0
    bound = distance * (1 + 1e-9) + 1e-9
    d_o, _ = cKDTree(ixy).query(oxy[keep_o], distance_upper_bound=bound)
    d_i, _ = cKDTree(oxy).query(ixy[keep_i], distance_upper_bound=bound)
    return int((d_o <= distance).sum()), int((d_i <= distance).sum())


def _rows(rows: np.ndarray) -> str:
    """``row 7`` or ``rows 7, 9 and 3 more``."""
    return ("row " if len(rows) == 1 else "rows ") + rows_text(rows)


def _standard(cols: dict[str, Any], points: np.ndarray, crs: str) -> gpd.GeoDataFrame:
    """A standard lamp table from column arrays (intensity and distribution added)."""
    import geopandas as gpd

    cols = dict(cols)
    cols["distribution"] = np.full(len(points), "lambertian", dtype=object)
    cols["intensity_cd"] = _intensity(np.asarray(cols["flux_lm"], dtype="float64"),
                                      np.asarray(cols["light_count"]))
    frame = pd.DataFrame({k: cols[k] for k in LAMP_COLUMNS})
    return _typed(gpd.GeoDataFrame(frame, geometry=np.asarray(points, dtype=object), crs=crs))


def _typed(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Column dtypes of the standard table, whatever the input (concat, empty frames)."""
    floats = ("mount_height_m", "flux_lm", "power_w", "intensity_cd")
    for c in floats:
        gdf[c] = gdf[c].astype("float64")
    gdf["light_count"] = gdf["light_count"].astype("int64")
    for c in ("osm_id", "inventory_row"):
        gdf[c] = gdf[c].astype("Int64")
    for c in LAMP_COLUMNS:
        if c not in floats and c not in ("light_count", "osm_id", "inventory_row"):
            gdf[c] = gdf[c].astype("str")
    return gdf[[*LAMP_COLUMNS, "geometry"]]
