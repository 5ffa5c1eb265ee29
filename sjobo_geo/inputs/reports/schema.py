"""The report schema: fields, categories, sources, column mapping and the ReportSet result.

A report says that something happened, or that a place feels unsafe, somewhere, sometime.

========== ===============================================================================
field       meaning
========== ===============================================================================
id          the report's id in its source; ``row-N`` when the file has none
source      survey, dialogue, door_knocking, situational_picture, safety_survey, est
actor       who reported (EST: police, Borås Stad, Bostäder Borås, Victoriahem, ...)
category    a stable code from :data:`CATEGORIES` (Swedish labels, English translations)
time        a timestamp, or a weekday and a time of day (either may be missing)
weight      how much the report counts (default 1; e.g. survey weights)
location    coordinates (WGS84 or metric) or place text resolved through the gazetteer
text        free text: personal data, kept in internal outputs only, never public
========== ===============================================================================

Exports never arrive in these names: :class:`ColumnMapping` maps each field to candidate
column headers (case- and diacritic-insensitive), with defaults for common Swedish and English
headers, and can be loaded from a TOML file (template: ``data/templates/report_columns.toml``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo._errors import ReportsError
from sjobo_geo.inputs.tables import Accounted

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CATEGORIES", "FIELDS", "REPORT_COLUMNS", "SOURCES", "TIME_BANDS", "Category", "ColumnMapping",
    "ReportSet", "ReportsError", "register_category",
]


@dataclass(frozen=True)
class Category:
    """A report category: a stable code, labels, aliases to recognise it in exports."""

    code: str
    sv: str
    en: str
    aliases: tuple[str, ...] = ()
    #: reports of this category speak about darkness or unsafety (lighting-gap ranking)
    darkness: bool = False
    #: youth and recruitment-related (police-presence score)
    youth: bool = False


_CATEGORY_LIST = [
    Category("otrygghet", "Otrygghet", "Feeling unsafe",
             ("otrygg", "otrygg plats", "unsafe", "feeling unsafe", "unsafety", "trygghet"),
             darkness=True),
    Category("belysning", "Belysning", "Lighting",
             ("mörkt", "dålig belysning", "trasig belysning", "trasig lampa", "lighting", "dark",
              "broken light", "lampa"), darkness=True),
    Category("skymd_sikt", "Skymd sikt/vegetation", "Obscured view/vegetation",
             ("skymd sikt", "vegetation", "buskar", "sly", "obscured view", "bushes",
              "skymd sikt/vegetation")),
    Category("skadegorelse", "Skadegörelse", "Vandalism",
             ("skadegörelse", "vandalism", "damage")),
    Category("klotter", "Klotter", "Graffiti", ("graffiti", "tags", "klotter/skadegörelse")),
    Category("nedskrapning", "Nedskräpning", "Littering",
             ("nedskräpning", "skräp", "littering", "litter", "garbage")),
    Category("brand", "Brand", "Fire", ("anlagd brand", "bränder", "fire", "arson")),
    Category("trafik", "Trafik", "Traffic",
             ("trafiksäkerhet", "fortkörning", "traffic", "speeding", "traffic safety")),
    Category("ungdomar", "Ungdomar/rekrytering", "Youth gatherings/recruitment",
             ("ungdomar/rekrytering", "ungdomsgäng", "rekrytering", "samlingar", "gäng",
              "youth", "recruitment", "gatherings"), youth=True),
    Category("narkotika", "Narkotika", "Drugs",
             ("narkotikahandel", "droger", "knark", "drugs", "drug dealing", "drug signs")),
    Category("hot_vald", "Hot och våld", "Threats and violence",
             ("hot", "våld", "misshandel", "rån", "violence", "threats", "robbery"),
             darkness=True),
    Category("stold", "Stöld/inbrott", "Theft/burglary",
             ("stöld", "inbrott", "cykelstöld", "theft", "burglary")),
    Category("ordningsstorning", "Ordningsstörning", "Disorder",
             ("ordningsstörning", "bråk", "fylla", "berusning", "disorder", "noise", "störning")),
    Category("annat", "Annat", "Other", ("övrigt", "other", "annan")),
]

#: Report categories by code (ordered). Extend with :func:`register_category`.
CATEGORIES: dict[str, Category] = {c.code: c for c in _CATEGORY_LIST}

#: Report sources: code -> (Swedish label, English label, aliases).
SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "survey": ("Digital enkät", "Survey", ("enkät", "enkat", "webbenkät", "survey",
                                           "digital enkät", "medborgarenkät")),
    "dialogue": ("Dialog", "Dialogue", ("dialog", "dialogue", "medborgardialog")),
    "door_knocking": ("Dörrknackning", "Door-knocking",
                      ("dörrknackning", "door knocking", "door-knocking", "hembesök")),
    "situational_picture": ("Lägesbild", "Situational picture",
                            ("lägesbild", "polisens lägesbild", "situational picture")),
    "safety_survey": ("Trygghetsmätning", "Safety survey",
                      ("trygghetsmätning", "trygghetsundersökning", "safety survey")),
    "est": ("EST", "EST", ("est", "effektiv samordning för trygghet", "est-rapport")),
    "safety_walk": ("Trygghetsvandring", "Safety walk",
                    ("trygghetsvandring", "trygghetsvandringar", "safety walk")),
    "unknown": ("Okänd", "Unknown", ()),
}

#: Time-of-day bands (hours, end exclusive); night wraps midnight.
TIME_BANDS: dict[str, tuple[int, int]] = {
    "night": (22, 6), "morning": (6, 10), "day": (10, 17), "evening": (17, 22),
}

#: Columns of ``ReportSet.reports`` (besides geometry), with their meaning.
REPORT_COLUMNS: dict[str, str] = {
    "report_id": "id from the source, or 'row-N' (str)",
    "row": "row number in the input file, header = 1 (int)",
    "source": "code from SOURCES (str)",
    "actor": "who reported, as written (str or NA)",
    "category": "code from CATEGORIES (str)",
    "timestamp": "local date and time (datetime64, NaT when only weekday/time known)",
    "weekday": "0 = Monday .. 6 = Sunday (Int64, NA when unknown)",
    "hour": "time of day in hours 0..24 (float, NaN when unknown)",
    "time_band": "night / morning / day / evening / unknown (str)",
    "after_dark": "the sun was down at that time and place (boolean, NA when unknown)",
    "weight": "how much the report counts (float > 0)",
    "place_text": "place as written in the file (str or NA)",
    "text": "free text: personal data, never in public outputs (str or NA)",
    "x": "original position, metric CRS (float)",
    "y": "original position, metric CRS (float)",
    "located_by": "coordinates / place (str)",
    "snapped_to": "what the report was snapped to: 'path:<osmid>', 'place:<name>' or '' (str)",
    "snap_distance_m": "distance from original position to geometry (float)",
    "snap_path": "row of area.layers['paths'] snapped onto, -1 for none (int32)",
    "synthetic": "generated, not real (bool)",
}

#: The fields of a report, in order.
FIELDS = ("id", "source", "actor", "category", "timestamp", "date", "time", "weekday",
          "time_of_day", "weight", "lat", "lon", "x", "y", "place", "text", "synthetic")

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "report_id", "rapport_id", "löpnummer", "lopnr", "nr", "ärende", "svar_id",
           "response id", "responseid"),
    "source": ("source", "källa", "kalla", "datakälla", "insamling", "metod"),
    "actor": ("actor", "aktör", "aktor", "rapportör", "organisation", "reported_by"),
    "category": ("category", "kategori", "typ", "händelsetyp", "handelsetyp", "type",
                 "problem", "vad"),
    "timestamp": ("timestamp", "tidpunkt", "datum och tid", "datetime", "händelsetid",
                  "skapad", "created"),
    "date": ("date", "datum", "dag"),
    "time": ("time", "tid", "klockslag", "klockan"),
    "weekday": ("weekday", "veckodag", "day of week"),
    "time_of_day": ("time_of_day", "tid på dygnet", "tid pa dygnet", "när", "period"),
    "weight": ("weight", "vikt", "antal", "count"),
    "lat": ("lat", "latitude", "latitud", "breddgrad", "y_wgs84"),
    "lon": ("lon", "lng", "long", "longitude", "longitud", "längdgrad", "x_wgs84"),
    "x": ("x", "easting", "e", "östlig", "x_sweref", "sweref_e", "e_sweref99tm"),
    "y": ("y", "northing", "n", "nordlig", "y_sweref", "sweref_n", "n_sweref99tm"),
    "place": ("place", "plats", "adress", "address", "var", "platsbeskrivning", "location"),
    "text": ("text", "fritext", "kommentar", "beskrivning", "comment", "description",
             "övrigt", "meddelande"),
    "synthetic": ("synthetic", "syntetisk", "syntetiska data"),
}


def register_category(category: Category) -> None:
    """Add (or replace) a report category."""
    CATEGORIES[category.code] = category


@dataclass(frozen=True)
class ColumnMapping:
    """Field name -> candidate column headers, and an optional coordinate CRS.

    Attributes
    ----------
    columns : dict of str to tuple of str
        Candidates per field; the first header in the file that matches (after case folding
        and diacritic removal) is used.
    crs : str or None
        CRS of ``x``/``y`` columns when the file says so; else detected from the values.
    """

    columns: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    crs: str | None = None

    @classmethod
    def from_toml(cls, path: str | Path) -> ColumnMapping:
        """Load a mapping: ``[columns] field = "Header"`` or a list of headers; optional
        ``crs = "EPSG:3006"``. Fields not named keep their default candidates."""
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ReportsError(f"{path}: cannot read column mapping ({exc})") from None
        columns = dict(DEFAULT_COLUMNS)
        for name, value in raw.get("columns", {}).items():
            if name not in FIELDS:
                raise ReportsError(
                    f"{path}: unknown field {name!r} in [columns]; fields are {', '.join(FIELDS)}"
                )
            if isinstance(value, str):
                values: tuple[str, ...] = (value,)
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                values = tuple(value)
            else:
                raise ReportsError(
                    f"{path}: [columns] {name} = {value!r}; give the column's header as text, "
                    f'e.g. {name} = "Header" or {name} = ["Header", "Other header"]')
            columns[name] = values + columns.get(name, ())
        from sjobo_geo.inputs.tables import check_user_crs

        return cls(columns=columns, crs=check_user_crs(raw.get("crs"), f"{path}: crs"))

    def resolve(self, headers: list[str]) -> dict[str, str]:
        """Field -> the header of ``headers`` that carries it (fields absent are left out)."""
        from sjobo_geo.inputs.tables import match_headers

        return match_headers(headers, self.columns, FIELDS)


@dataclass(kw_only=True)
class ReportSet(Accounted):
    """Validated reports with their accounting.

    Attributes
    ----------
    reports : geopandas.GeoDataFrame
        Accepted reports in the area's metric CRS; geometry is the snapped position, ``x``
        and ``y`` the original one. Columns: see :data:`REPORT_COLUMNS`.
    rejects : pandas.DataFrame
        One row per rejected input row: ``row`` (row number in the file, header = 1),
        ``column``, ``value``, ``reason``.
    total : int
        Data rows in the input. ``accepted + rejected == total`` always.
    source_file : str
        The file read.
    warnings : list of str
        Things fixed or assumed (swapped lat/lon, CRS detected, ...), with row numbers.
    meta : dict
        Column mapping used, coordinate CRS, area, synthetic flag, snapping tolerance.
    """

    reports: gpd.GeoDataFrame

    @property
    def accepted(self) -> int:
        """Number of accepted reports."""
        return len(self.reports)

    @property
    def synthetic(self) -> bool:
        """True when any report is synthetic: every output must then say so."""
        return bool(self.meta.get("synthetic")) or bool(
            len(self.reports) and "synthetic" in self.reports and self.reports["synthetic"].any()
        )

    def accounting(self) -> dict[str, Any]:
        """Counts for people and machines, and whether the data are synthetic."""
        return {**super().accounting(), "synthetic": self.synthetic}
