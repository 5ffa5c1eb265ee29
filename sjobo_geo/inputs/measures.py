"""The measures register: what was done where, for the follow-up of the citizen promise.

A citizen promise (*medborgarlöfte*) is followed up by asking, place by place, what was done
and whether it made a difference: a lamp installed in a courtyard, bushes cut back on the
schoolyard, the square rebuilt, patrols added. The owners of the promises (police, the
municipality, the housing companies) keep a register of those measures, usually a
spreadsheet; :func:`load_measures` reads it into a :class:`MeasureSet` on the area's real
OSM geometry, in metres, accounting for every row as the report and lamp readers do.

One row per measure:

============ ================================================================================
field        meaning
============ ================================================================================
id           the measure's id in the register (``M-<row>`` when the register has none)
promise      the number of the promise it fulfils (``"6"``; may be empty)
owner        who is responsible (Bostäder Borås, Borås Stad, Polisen, ...; may be empty)
place        where: place text resolved through the area's gazetteer, or a geometry
kind         what was done: a code of :data:`MEASURE_KINDS` (Swedish or English words work)
date         when it was done (or is planned); a ``done`` measure must have one
status       planned / in_progress / done / cancelled (:data:`MEASURE_STATUSES`; empty = done)
note         free text for the register's keepers: internal, never drawn on a map
============ ================================================================================

Where a measure is: the file's own geometry (GeoPackage, GeoJSON) or a WKT column
(``Geometri``: a lamp as ``POINT``, a footpath as ``LINESTRING``, a rebuilt square as
``POLYGON``), else coordinates (lat/lon in WGS84, or x/y in metres, read as for reports),
else the place text, resolved through the gazetteer to the place's real OSM geometry (a square
is its polygon, a street the union of its segments). Geometry is never invented: a place
that is not in the gazetteer is a rejected row, with the closest names it knows.

The parsing is vectorised over rows (kinds, statuses and place names are looked at once per
distinct value) and shares its helpers with the report and lamp readers
(:mod:`sjobo_geo.inputs.tables`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.inputs.tables import Accounted, rows_text

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.rawtable import RawTable

__all__ = [
    "AREA_MARGIN_M", "MEASURE_COLUMNS", "MEASURE_FIELDS", "MEASURE_KINDS", "MEASURE_STATUSES",
    "MeasureKind", "MeasureSet", "MeasureStatus", "MeasuresError", "as_measure_set",
    "load_measures", "resolve_measure_columns",
]


class MeasuresError(ValueError, SjoboGeoError):
    """A measures register cannot be used at all (missing, unreadable, no kind column, no
    location columns). Row-level problems never raise: they become rejects."""


class MeasuresFileNotFoundError(FileNotFoundError, MeasuresError):
    """A measures register does not exist."""


@dataclass(frozen=True)
class MeasureKind:
    """A kind of measure: a stable code, labels, aliases to recognise it in a register.

    Attributes
    ----------
    code : str
    sv, en : str
        Swedish and English labels.
    aliases : tuple of str
        Other words for it (case, diacritics and punctuation are ignored).
    addresses : tuple of str
        Report categories (:data:`sjobo_geo.inputs.reports.schema.CATEGORIES`) the measure is meant
        to reduce, for before/after comparisons.
    """

    code: str
    sv: str
    en: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeasureStatus:
    """A status of a measure: code, labels and aliases."""

    code: str
    sv: str
    en: str
    aliases: tuple[str, ...] = ()


_KIND_LIST = [
    MeasureKind("lamp_installed", "Ny belysning", "Lamp installed",
                ("ny lampa", "nya lampor", "ny armatur", "ny belysning", "belysning installerad",
                 "lampa installerad", "bättre belysning", "förbättrad belysning",
                 "gårdsbelysning", "belysning innergård", "belysning", "lampa", "lampor",
                 "ny gatlampa", "lamp", "lamps", "lamp installed",
                 "new lamp", "new lighting", "lighting installed", "lighting improved",
                 "better lighting", "courtyard lighting"),
                ("belysning", "otrygghet")),
    MeasureKind("lamp_repaired", "Belysning lagad", "Lighting repaired",
                ("lampa lagad", "lampbyte", "lampa bytt", "belysning åtgärdad", "lagad lampa",
                 "trasig lampa lagad", "belysning reparerad", "lamp repaired",
                 "lighting repaired", "light fixed", "lamp replaced"),
                ("belysning", "otrygghet")),
    MeasureKind("facade_lighting", "Fasadbelysning", "Facade lighting",
                ("fasadbelysning", "belysning fasad", "fasadljus", "facade lighting",
                 "façade lighting", "facade light"),
                ("belysning", "otrygghet")),
    MeasureKind("bushes_cut", "Buskar/sly röjt", "Bushes cut back",
                ("buskar röjda", "buskar röjt", "buskröjning", "sly röjt", "slyröjning",
                 "röjning", "beskärning", "buskar beskurna", "vegetation röjd", "buskar/sly",
                 "bushes cut", "bushes cut back", "vegetation cut", "vegetation cleared",
                 "pruning", "clearing"),
                ("skymd_sikt", "otrygghet")),
    MeasureKind("square_rebuilt", "Torget ombyggt / fysisk miljö", "Square rebuilt / physical "
                "environment",
                ("torget ombyggt", "ombyggnad", "ombyggnad torg", "fysisk miljö",
                 "förbättrad fysisk miljö", "upprustning", "upprustat", "ny utemiljö",
                 "square rebuilt", "physical environment", "rebuilt", "refurbished",
                 "redesign"),
                ("otrygghet", "skadegorelse", "nedskrapning")),
    MeasureKind("patrol_added", "Utökad polisnärvaro", "Police presence increased",
                ("polisnärvaro", "mer polis", "ökad polisnärvaro", "fotpatrull", "patrull",
                 "utökad patrullering", "polispatrull", "patrol added", "patrol",
                 "police presence", "more police", "foot patrol"),
                ("otrygghet", "ungdomar", "narkotika", "ordningsstorning", "hot_vald")),
    MeasureKind("school_visit", "Polisbesök skola/fritid", "Police visit school/leisure",
                ("polisbesök", "polisbesök skola", "skolbesök", "besök skola", "besök fritid",
                 "fritidsbesök", "school visit", "police visit", "police school visit"),
                ("ungdomar",)),
    MeasureKind("traffic_measure", "Trafiksäkerhetsåtgärd", "Traffic safety measure",
                ("trafiksäkerhet", "trafikåtgärd", "farthinder", "hastighetskontroll",
                 "trafikkontroll", "övergångsställe", "trafik", "traffic", "traffic measure",
                 "traffic safety",
                 "speed bump", "speed check", "traffic control"),
                ("trafik",)),
    MeasureKind("camera", "Kamerabevakning", "Camera surveillance",
                ("kamera", "kameror", "kamerabevakning", "övervakningskamera", "camera",
                 "cameras", "cctv", "camera surveillance"),
                ("otrygghet", "skadegorelse", "stold")),
    MeasureKind("cleaning", "Städning/klotterborttagning", "Cleaning/graffiti removal",
                ("städning", "klottersanering", "klotterborttagning", "klotter borttaget",
                 "nedskräpning åtgärdad", "skräpplockning", "städat", "sanering", "cleaning",
                 "graffiti removal", "graffiti removed", "litter picking", "clean-up",
                 "cleanup"),
                ("klotter", "nedskrapning", "skadegorelse")),
    MeasureKind("other", "Annat", "Other", ("annan", "annat", "övrigt", "other")),
]

#: Kinds of measures by code (ordered).
MEASURE_KINDS: dict[str, MeasureKind] = {k.code: k for k in _KIND_LIST}

#: Statuses of measures by code (ordered). An empty status cell means ``done``.
MEASURE_STATUSES: dict[str, MeasureStatus] = {s.code: s for s in (
    MeasureStatus("planned", "Planerad", "Planned",
                  ("planerad", "planerat", "planerade", "beslutad", "beställd", "kommande",
                   "ej påbörjad", "planned", "ordered", "decided", "to do", "todo")),
    MeasureStatus("in_progress", "Pågår", "In progress",
                  ("pågår", "pågående", "påbörjad", "påbörjat", "startad", "under arbete",
                   "in progress", "ongoing", "started", "doing")),
    MeasureStatus("done", "Klar", "Done",
                  ("klar", "klart", "genomförd", "genomfört", "utförd", "utfört", "färdig",
                   "avslutad", "slutförd", "ja", "done", "completed", "complete", "finished",
                   "implemented", "yes")),
    MeasureStatus("cancelled", "Inställd", "Cancelled",
                  ("inställd", "inställt", "avbruten", "avbrutet", "struken", "stoppad",
                   "utgår", "cancelled", "canceled", "dropped", "stopped")),
)}

#: Columns of ``MeasureSet.measures`` (besides ``geometry``), with their meaning.
MEASURE_COLUMNS: dict[str, str] = {
    "measure_id": "id from the register, or 'M-<row>' (str)",
    "row": "row number in the register, header = 1 (int)",
    "promise": "number of the promise, e.g. '6' (str, '' when not given)",
    "owner": "who is responsible, as written (str, '' when not given)",
    "place": "the resolved place name for measures located by place, else the place text "
             "as written (str, '' when not given)",
    "kind": "code from MEASURE_KINDS (str)",
    "date": "day done or planned (datetime64, tz-naive, midnight; NaT when not known)",
    "status": "code from MEASURE_STATUSES (str)",
    "located_by": "geometry / coordinates / place (str)",
    "note": "free text: internal, never on a map or in a public output (str, '' when none)",
}

#: Fields of a register, in resolution order.
MEASURE_FIELDS = ("id", "promise", "owner", "kind", "date", "status", "lat", "lon", "x", "y",
                  "wkt", "place", "note")

#: Measures up to this far outside the area's boundary are accepted (metres): a lamp on the
#: boundary street, a patrol that starts just outside.
AREA_MARGIN_M = 200.0

_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("åtgärd-id", "åtgärds-id", "åtgärdsid", "åtgärd_id", "åtgärdsnummer", "measure_id",
           "measure id", "id", "löpnummer", "lopnr", "nr"),
    "promise": ("löfte", "löftesnummer", "löfte nr", "löftesnr", "löfte_nr", "medborgarlöfte",
                "promise", "promise_no", "promise number", "promise nr"),
    "owner": ("ansvarig", "ägare", "huvudman", "utförare", "ansvarig aktör", "owner",
              "responsible", "actor"),
    "kind": ("typ", "åtgärd", "åtgärdstyp", "typ av åtgärd", "kind", "type", "measure",
             "measure type"),
    "date": ("datum", "genomförd", "genomförd datum", "datum genomförd", "utförd",
             "utförandedatum", "date", "date done", "done"),
    "status": ("status", "läge", "state"),
    "lat": ("lat", "latitude", "latitud", "breddgrad", "y_wgs84"),
    "lon": ("lon", "lng", "long", "longitude", "longitud", "längdgrad", "x_wgs84"),
    "x": ("x", "easting", "e", "östlig", "x_sweref", "sweref_e", "e_sweref99tm"),
    "y": ("y", "northing", "n", "nordlig", "y_sweref", "sweref_n", "n_sweref99tm"),
    "wkt": ("geometri", "geometry", "wkt", "geom", "geometri (wkt)"),
    "place": ("plats", "place", "adress", "address", "platsbeskrivning", "location", "var"),
    "note": ("kommentar", "anteckning", "anteckningar", "note", "notes", "comment",
             "beskrivning", "övrigt"),
}

_GEOM_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
               "MultiPolygon")
_DATE_HINT = "expected a date like 2025-03-14"
_EWKT = re.compile(r"^\s*SRID\s*=\s*(\d+)\s*;\s*", re.IGNORECASE)
_PROMISE_PREFIX = r"^(?:medborgarlöfte|löfte|lofte|promise|nr\.?|no\.?|#)\s*"


@dataclass(kw_only=True)
class MeasureSet(Accounted):
    """A validated measures register with its accounting.

    Attributes
    ----------
    measures : geopandas.GeoDataFrame
        Accepted measures in the area's metric CRS (``area.crs``), columns
        :data:`MEASURE_COLUMNS` and ``geometry`` (Point, LineString, Polygon or Multi*).
    rejects : pandas.DataFrame
        One row per rejected input row: ``row`` (row number in the file, header = 1),
        ``column``, ``value``, ``reason``.
    total : int
        Data rows in the file. ``accepted + rejected == total`` always.
    source_file : str
        The file read.
    warnings : list of str
        Things assumed or noticed (status taken as done, ids generated, CRS detected, ...),
        with row numbers.
    meta : dict
        Columns used, coordinate CRS, area, margin, place names matched.
    """

    measures: gpd.GeoDataFrame

    @property
    def accepted(self) -> int:
        """Number of accepted measures."""
        return len(self.measures)

    def messages(self, *, limit: int = 3) -> list[str]:
        """Lines for a command's output: the count, the first reasons, the warnings.

        Parameters
        ----------
        limit : int, default 3
            Rejected rows shown one by one (with row, column and reason).
        """
        lines = [f"measures {self.source_file or '(given)'}: {self.total} rows, "
                 f"{self.accepted} accepted, {self.rejected} rejected"]
        for r in self.rejects.head(limit).itertuples(index=False):
            lines.append(f"  measures rejected: row {r.row}, {r.column}: {r.reason}")
        if self.rejected > limit:
            lines.append(f"  ... and {self.rejected - limit} more rejected rows")
        lines.extend(f"  measures note: {w}" for w in self.warnings)
        return lines


def resolve_measure_columns(
    headers: Sequence[str],
    columns: Mapping[str, str | Sequence[str]] | None = None,
) -> dict[str, str]:
    """Which header carries which field of a measures register.

    Parameters
    ----------
    headers : sequence of str
        The file's column headers.
    columns : mapping, optional
        Field -> header (or list of headers) tried before the defaults. Fields:
        :data:`MEASURE_FIELDS`. Header matching ignores case, å/ä/ö and punctuation.

    Returns
    -------
    dict
        Field -> header for the fields found.

    Raises
    ------
    MeasuresError
        An unknown field name in ``columns``.
    """
    from sjobo_geo.inputs.tables import match_headers

    candidates = dict(_COLUMNS)
    for name, value in (columns or {}).items():
        if name not in candidates:
            raise MeasuresError(f"unknown measures field {name!r} in columns; fields are "
                                f"{', '.join(MEASURE_FIELDS)}")
        given = (value,) if isinstance(value, str) else tuple(value)
        candidates[name] = given + candidates[name]
    return match_headers(headers, candidates, MEASURE_FIELDS)


def load_measures(
    path: str | Path,
    area: Area,
    *,
    columns: Mapping[str, str | Sequence[str]] | None = None,
    crs: str | None = None,
    sheet: str | int | None = None,
    area_margin: float = AREA_MARGIN_M,
) -> MeasureSet:
    """Read and validate a measures register, accounting for every row.

    Columns (default headers, Swedish and English, first found wins; case, å/ä/ö and
    punctuation ignored; template: ``data/templates/measures.csv``):

    ========== ===========================================================================
    field      default headers
    ========== ===========================================================================
    id         Åtgärd-ID, ID, Löpnummer, Nr (else ``M-<row>``)
    promise    Löfte, Löftesnummer, Promise (``6``, ``Löfte 6`` and ``6.0`` all give "6")
    owner      Ansvarig, Ägare, Owner
    kind       Typ, Åtgärd, Kind, Type: a code, label or alias of :data:`MEASURE_KINDS`
    date       Datum, Genomförd, Date (ISO ``2025-03-14`` or ``14/3/2025``, ``14.3.2025``)
    status     Status: planerad, pågår/påbörjad, klar/genomförd/utförd, inställd/avbruten
               (or the English codes); empty = done, with a warning
    lat, lon   Latitud/Longitud (WGS84); x/y: metres (or degrees), read as for reports
    wkt        Geometri, Geometry, WKT: ``POINT``, ``LINESTRING``, ``POLYGON`` or Multi*,
               in ``crs``, else ``SRID=nnnn;`` in the cell, else detected (degrees: WGS84,
               else the area's CRS)
    place      Plats, Place: resolved through the area's gazetteer (``area.find``)
    note       Kommentar, Anteckning, Note: internal free text
    ========== ===========================================================================

    Location order: the file's geometry (GeoPackage, GeoJSON), else the WKT cell, else
    coordinates, else the place text, resolved to the place's real OSM geometry.

    Rejected rows (first reason wins): unreadable rows; kind missing or unknown (the codes are
    listed); status unknown; a date that cannot be read; a ``done`` measure without a date
    (it cannot be followed up); a done measure dated in the future; a date before 1990; a
    duplicate id; a geometry that is not valid WKT or not a point, line or polygon; bad or
    half coordinate pairs; a place not in the gazetteer (the closest names are given); no
    location at all; a location more than ``area_margin`` metres outside the area. A
    ``planned``, ``in_progress`` or ``cancelled`` measure without a date is accepted with
    ``NaT``.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV (comma or semicolon, any common encoding), XLSX, GeoJSON or GeoPackage.
    area : Area
        The area (CRS, boundary, gazetteer).
    columns : mapping, optional
        Field -> header (or list of headers), tried before the defaults; see
        :func:`resolve_measure_columns`.
    crs : str, optional
        CRS of x/y columns and of WKT geometries (and of a GeoPackage layer without a CRS).
    sheet : str or int, optional
        XLSX sheet or GeoPackage layer.
    area_margin : float, default 200
        Metres outside the area's boundary still accepted.

    Returns
    -------
    MeasureSet

    Raises
    ------
    MeasuresFileNotFoundError
        The file does not exist (a :class:`MeasuresError` and a :class:`FileNotFoundError`).
    MeasuresError
        The file cannot be used at all: unreadable, no kind column, no location columns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sjobo_geo import load_area
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "measures.csv"
    >>> _ = f.write_text("Löfte;Plats;Typ;Datum;Status\\n6;Senaatintori;fasadbelysning;"
    ...                  "2025-03-14;klar\\n", encoding="utf-8")
    >>> ms = load_measures(f, load_area("sample"))
    >>> ms.measures[["promise", "place", "kind", "status", "located_by"]].iloc[0].tolist()
    ['6', 'Senaatintori', 'facade_lighting', 'done', 'place']
    """
    from sjobo_geo.inputs.reports.readers import ReportsFileNotFoundError, read_table
    from sjobo_geo.inputs.reports.schema import ReportsError

    p = Path(path).expanduser()
    if not p.exists():
        raise MeasuresFileNotFoundError(
            f"{p}: no such file; give a measures register: CSV, XLSX, GeoJSON or GeoPackage "
            f"with the columns {_accepted_columns()} (template: data/templates/measures.csv)")
    from sjobo_geo.inputs.tables import check_user_crs

    crs = check_user_crs(crs, "crs")
    try:
        table = read_table(p, sheet=sheet)
    except ReportsFileNotFoundError as exc:  # pragma: no cover - checked above
        raise MeasuresFileNotFoundError(str(exc)) from None
    except ReportsError as exc:
        text = (str(exc).replace("a report file", "a measures register")
                .replace("one row per report", "one row per measure")
                .replace("report features", "measure features"))
        raise MeasuresError(text) from None
    return _validate(table, area, columns=columns, crs=crs, sheet=sheet,
                     area_margin=area_margin)


def as_measure_set(measures: Any, area: Area, *, area_margin: float = AREA_MARGIN_M
                   ) -> MeasureSet | None:
    """A :class:`MeasureSet` from a path, a MeasureSet or a GeoDataFrame (None stays None).

    A GeoDataFrame must have the columns of :data:`MEASURE_COLUMNS` (as
    ``MeasureSet.measures``); it is projected to the area's CRS and taken as accepted.
    """
    import geopandas as gpd

    if measures is None or isinstance(measures, MeasureSet):
        return measures
    if isinstance(measures, gpd.GeoDataFrame):
        missing = [c for c in ("kind", "status") if c not in measures.columns]
        if missing:
            raise MeasuresError(f"a measures GeoDataFrame needs the columns of "
                                f"MEASURE_COLUMNS; missing: {', '.join(missing)}")
        if measures.crs is None:
            raise MeasuresError("a measures GeoDataFrame without a CRS; set one "
                                "(e.g. gdf.set_crs('EPSG:3006'))")
        gdf = measures.to_crs(area.crs)
        return MeasureSet(measures=gdf, rejects=_empty_rejects(), total=len(gdf),
                          source_file="(GeoDataFrame)", meta={"area": area.name})
    if isinstance(measures, str | Path):
        return load_measures(measures, area, area_margin=area_margin)
    raise MeasuresError(f"measures must be a file path, a MeasureSet or a GeoDataFrame, "
                        f"not {type(measures).__name__}")


# ---- validation --------------------------------------------------------------------------


def _accepted_columns() -> str:
    return ("Typ (kind), Plats (place) or Latitud/Longitud, x/y or Geometri (WKT), and "
            "optionally Åtgärd-ID, Löfte, Ansvarig, Datum, Status, Kommentar")


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype="int64"), "column": pd.Series(dtype=object),
                         "value": pd.Series(dtype=object), "reason": pd.Series(dtype=object)})


def _word_table(entries: Mapping[str, Any]) -> dict[str, str]:
    from sjobo_geo.core.gazetteer import normalise_name

    table: dict[str, str] = {}
    for code, e in entries.items():
        for word in (code, code.replace("_", " "), e.sv, e.en, *e.aliases):
            table.setdefault(normalise_name(word), code)
    return table


def _kinds_text() -> str:
    return ", ".join(f"{k.code} ({k.sv})" for k in MEASURE_KINDS.values())


def _statuses_text() -> str:
    return "; ".join(f"{s.code}: " + ", ".join(s.aliases[:3]) for s in MEASURE_STATUSES.values())


def _validate(table: RawTable, area: Area, *, columns, crs, sheet, area_margin
              ) -> MeasureSet:
    from sjobo_geo.inputs.reports.schema import ColumnMapping
    from sjobo_geo.inputs.tables import Columns, Rejects, bad_rows, lookup, parse_timestamps

    name = str(table.path)
    data = table.data.reset_index(drop=True)
    headers = [str(c) for c in data.columns if not str(c).startswith("__")]
    fields = resolve_measure_columns(headers, columns)
    spatial = "__x" in data.columns
    if "kind" not in fields:
        raise MeasuresError(
            f"{name}: no kind column; name the measure's kind in a column called one of "
            f"{', '.join(_COLUMNS['kind'][:5])}; accepted columns: {_accepted_columns()}; "
            f"columns found: {', '.join(headers[:12]) or '(none)'}")
    has_coords = {"lat", "lon"} <= fields.keys() or {"x", "y"} <= fields.keys()
    if not (spatial or has_coords or "wkt" in fields or "place" in fields):
        raise MeasuresError(
            f"{name}: no location columns; give Plats (a place name in the area), "
            f"Latitud/Longitud (WGS84), x/y (metres) or Geometri (WKT), or a GeoPackage/"
            f"GeoJSON with geometries; columns found: {', '.join(headers[:12])}")
    warnings: list[str] = list(table.warnings)
    meta: dict[str, Any] = {"area": area.name, "columns": fields, "area_margin_m": area_margin,
                            "format": table.format, "encoding": table.encoding,
                            "coordinate_crs": None, "places": {}}
    n = len(data)
    if n == 0:
        rejects = bad_rows(table).reset_index(drop=True)
        if table.total == 0:
            warnings.append("the register has no data rows (only a header)")
        return MeasureSet(measures=_frame({}, [], area.crs), rejects=rejects,
                          total=table.total, source_file=name, warnings=warnings, meta=meta)

    index = pd.RangeIndex(n)
    rows = np.asarray(table.rows, dtype="int64")
    rej = Rejects(index, rows)
    cols = Columns(data, fields)
    col, header = cols.text, cols.header

    # --- kind
    kind_raw = col("kind")
    kind = lookup(kind_raw, _word_table(MEASURE_KINDS))
    rej.add(kind_raw.isna(), header("kind"), kind_raw,
            "kind missing; accepted: " + _kinds_text())
    rej.add(kind_raw.notna() & kind.isna(), header("kind"), kind_raw,
            lambda m: "unknown kind: " + kind_raw[m].fillna("") + "; accepted: "
            + _kinds_text())

    # --- status (empty = done)
    status_raw = col("status")
    status = lookup(status_raw, _word_table(MEASURE_STATUSES))
    rej.add(status_raw.notna() & status.isna(), header("status"), status_raw,
            lambda m: "unknown status: " + status_raw[m].fillna("") + "; accepted: "
            + _statuses_text())
    assumed = status_raw.isna().to_numpy()
    if assumed.any():
        where = "no status column" if "status" not in fields else "no status"
        warnings.append(f"rows {rows_text(rows[assumed])}: {where}; taken as done")
    status = status.where(status_raw.notna(), "done")

    # --- date
    date_raw = col("date")
    parsed = parse_timestamps(date_raw, area.profile.timezone)
    rej.add(date_raw.notna() & parsed.isna(), header("date"), date_raw,
            lambda m: "bad date: " + date_raw[m].fillna("") + "; " + _DATE_HINT)
    date = parsed.dt.normalize().astype("datetime64[ns]")
    today = pd.Timestamp.now().normalize()
    rej.add(date.notna() & (date < pd.Timestamp("1990-01-01")), header("date"), date_raw,
            lambda m: "implausible date (before 1990): " + date_raw[m].fillna(""))
    done = (status == "done").to_numpy()
    rej.add(done & date_raw.isna().to_numpy(), header("date"), date_raw,
            "date missing: a done measure needs the day it was done to be followed up ("
            + _DATE_HINT + "); leave it empty only for planned measures")
    rej.add(done & (date > today + pd.Timedelta(days=1)).to_numpy(), header("date"), date_raw,
            lambda m: "a done measure dated in the future: " + date_raw[m].fillna("")
            + "; give the day it was done, or status planned")

    # --- ids
    ids = col("id").astype(object)
    generated = ids.isna().to_numpy()
    if generated.any():
        ids[generated] = "M-" + pd.Series(rows[generated]).astype(str).to_numpy()
        if "id" in fields:
            warnings.append(f"rows {rows_text(rows[generated])}: no id; named M-<row>")
    dup = ids.duplicated(keep="first") & rej.ok
    if dup.any():
        first_row = pd.Series(rows, index=index).groupby(ids, sort=False).transform("first")
        rej.add(dup, header("id"), ids,
                lambda m: "duplicate id " + ids[m].astype(str) + " (first at row "
                + first_row[m].astype(str) + ")")

    # --- location: geometry, then coordinates, then place (rejections after the others)
    geoms = np.full(n, None, dtype=object)
    located_by = np.full(n, "", dtype=object)
    loc = Rejects(index, rows)
    has_geom = _file_and_wkt_geometry(table, data, col, fields, header, loc, geoms, area, crs,
                                      sheet, warnings, meta)
    rest = np.flatnonzero(~has_geom & loc.ok.to_numpy())
    located_by[has_geom] = "geometry"
    place_text = col("place")
    sub_fields = {f: h for f, h in fields.items() if f in ("lat", "lon", "x", "y", "place")}
    if len(rest):
        anything = pd.Series(False, index=index)
        for f in sub_fields:
            anything |= col(f).notna()
        loc.add(~anything & ~pd.Series(has_geom, index=index), header("place")
                if "place" in fields else "place", None,
                "no location: give a place name (Plats), coordinates (Latitud/Longitud or "
                "x/y) or a geometry (Geometri, WKT)")
        rest = np.flatnonzero(~has_geom & loc.ok.to_numpy())
    if len(rest) and sub_fields:
        xs, ys, by, crs_used = _locate_subset(data, rest, rows, sub_fields, table, area,
                                              ColumnMapping(), crs, area_margin, warnings, loc)
        meta["coordinate_crs"] = meta["coordinate_crs"] or crs_used
        import shapely

        ok_sub = ~np.isnan(xs)
        at = rest[ok_sub]
        geoms[at] = shapely.points(xs[ok_sub], ys[ok_sub])
        located_by[at] = by[ok_sub]
        # place rows: the place's real OSM geometry instead of its representative point
        by_place = at[by[ok_sub] == "place"]
        if len(by_place):
            texts = place_text.iloc[by_place]
            # the same search locate_rows made (it found a place for each of these texts)
            found = {v: area.gazetteer.search(v, n=1)[0] for v in pd.unique(texts)}
            geoms[by_place] = [found[v].geometry for v in texts.tolist()]
            place_text = place_text.astype(object)
            place_text.iloc[by_place] = texts.map(lambda v: found[v].name).to_numpy()
            meta["places"] = {v: p.name for v, p in found.items()}
    rej.merge(loc)

    # --- the table of accepted rows
    ok = rej.ok.to_numpy()
    sel = np.flatnonzero(ok)
    promise = (col("promise").str.replace(_PROMISE_PREFIX, "", regex=True, case=False)
               .str.replace(r"^(\d+)[.,]0+$", r"\1", regex=True).str.strip())
    out = {
        "measure_id": ids.iloc[sel].astype(str).to_numpy(),
        "row": rows[sel],
        "promise": _text(promise.iloc[sel]),
        "owner": _text(col("owner").iloc[sel]),
        "place": _text(place_text.iloc[sel]),
        "kind": kind.iloc[sel].to_numpy(),
        "date": date.iloc[sel].to_numpy(),
        "status": status.iloc[sel].to_numpy(),
        "located_by": located_by[sel],
        "note": _text(col("note").iloc[sel]),
    }
    measures = _frame(out, list(geoms[sel]), area.crs)
    rejects = pd.concat([rej.frame(), bad_rows(table)], ignore_index=True)
    rejects = rejects.sort_values("row", kind="stable").reset_index(drop=True)
    result = MeasureSet(measures=measures, rejects=rejects, total=table.total,
                        source_file=name, warnings=warnings, meta=meta)
    assert result.accepted + result.rejected == result.total, "every row is accounted for"
    return result


def _text(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), "").astype(str).to_numpy(dtype=object)


def _frame(out: dict[str, Any], geoms: list[Any], crs: Any) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if not out:
        out = {c: np.array([], dtype=object) for c in MEASURE_COLUMNS}
        out["row"] = np.array([], dtype="int64")
        out["date"] = np.array([], dtype="datetime64[ns]")
    df = pd.DataFrame({c: out[c] for c in MEASURE_COLUMNS})
    for c in MEASURE_COLUMNS:
        if c not in ("row", "date"):
            df[c] = df[c].astype(object)
    df["row"] = df["row"].astype("int64")
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=crs, index=df.index),
                            crs=crs)


def _file_and_wkt_geometry(table, data, col, fields, header, loc, geoms, area, crs, sheet,
                           warnings, meta) -> np.ndarray:
    """Fill ``geoms`` (area CRS) from the file's own geometries and the WKT column; returns
    the rows that have one (also those then rejected, which must not fall back)."""
    import shapely

    n = len(data)
    has = np.zeros(n, dtype=bool)
    index = pd.RangeIndex(n)
    boundary = area.boundary.buffer(meta["area_margin_m"])
    shapely.prepare(boundary)

    def place_in_area(idx: np.ndarray, values: np.ndarray, src: str, column: str,
                      shown: pd.Series) -> None:
        """Project, check type and area, store; reject with reasons."""
        from pyproj import CRS

        def reject(sel: np.ndarray, reason: Any) -> None:
            mask = np.zeros(n, dtype=bool)
            mask[idx[sel]] = True
            loc.add(mask, column, shown, reason)

        geoms_src = np.asarray(values, dtype=object)
        try:
            src_crs = CRS.from_user_input(src)
        except Exception:  # noqa: BLE001 - pyproj's CRSError: an unknown code such as 99999
            reject(np.ones(len(idx), dtype=bool),
                   f"unknown CRS {src} (SRID); give an EPSG code such as 4326 (WGS84) or "
                   f"{area.crs}")
            return
        ok_type = _single_type(geoms_src)
        if (~ok_type).any():
            kinds = pd.Series("", index=index, dtype=object)
            kinds.iloc[idx[~ok_type]] = [_type_name(g) for g in geoms_src[~ok_type]]
            reject(~ok_type, lambda m: "geometry is a " + kinds[m] + "; expected a point, "
                   "line or polygon (or Multi*)")
        idx, geoms_src = idx[ok_type], geoms_src[ok_type]
        finite = _finite(geoms_src)
        if (~finite).any():
            reject(~finite, "geometry has a coordinate that is not a finite number (NaN or "
                   "infinity); give real coordinates")
        idx, geoms_src = idx[finite], geoms_src[finite]
        invalid = ~shapely.is_valid(geoms_src)
        if invalid.any():
            geoms_src[invalid] = shapely.make_valid(geoms_src[invalid])
            warnings.append(f"rows {rows_text(loc.rows[idx[invalid]])}: invalid geometry "
                            "(e.g. a self-intersecting polygon) repaired with make_valid")
            # a repair can give a mix (a polygon and a stray line): not one kind of geometry
            mixed = ~_single_type(geoms_src)
            if mixed.any():
                reject(mixed, "geometry is invalid and its repair is a mix of points, lines "
                       "and polygons; draw it again as one polygon or line")
                idx, geoms_src = idx[~mixed], geoms_src[~mixed]
        if src_crs != CRS.from_user_input(area.crs):
            import geopandas as gpd

            geoms_src = np.asarray(gpd.GeoSeries(geoms_src, crs=src).to_crs(area.crs).values,
                                   dtype=object)
        inside = shapely.intersects(boundary, geoms_src)
        out_idx = idx[~inside]
        if len(out_idx):
            dist = shapely.distance(area.boundary, geoms_src[~inside])
            reason = pd.Series("", index=index, dtype=object)
            reason.iloc[out_idx] = [
                f"geometry outside the area {area.name!r} ({d / 1000:.1f} km from its "
                f"boundary, read as {src}); check the CRS" for d in dist]
            mask = np.zeros(n, dtype=bool)
            mask[out_idx] = True
            loc.add(mask, column, shown, reason)
        geoms[idx[inside]] = geoms_src[inside]
        meta["coordinate_crs"] = meta["coordinate_crs"] or src

    if "__x" in data.columns:
        file_geoms = _read_file_geometries(table, sheet)
        if file_geoms is not None:
            present = ~(shapely.is_missing(file_geoms) | shapely.is_empty(file_geoms))
            idx = np.flatnonzero(present)
            if len(idx):
                src = crs or table.crs
                if src is None:
                    src = area.crs
                    warnings.append(f"the layer has no CRS; its geometries read as {src}")
                has[idx] = True
                shown = data["__geom_type"].astype(object)
                place_in_area(idx, file_geoms[idx], src, "geometry", shown)
    if "wkt" in fields:
        raw = col("wkt")
        need = raw.notna().to_numpy() & ~has
        idx = np.flatnonzero(need)
        if len(idx):
            has[idx] = True
            texts = raw.iloc[idx]
            srid = texts.str.extract(_EWKT, expand=False)
            body = texts.str.replace(_EWKT, "", regex=True)
            codes, uniques = pd.factorize(body)
            parsed_u = _from_wkt(np.asarray(uniques, dtype=object))
            parsed = parsed_u[codes]
            bad = shapely.is_missing(parsed) | shapely.is_empty(parsed)
            if bad.any():
                mask = np.zeros(n, dtype=bool)
                mask[idx[bad]] = True
                loc.add(mask, header("wkt"), raw,
                        lambda m: "geometry is not valid WKT: " + raw[m].fillna("").str[:60]
                        + "; expected e.g. POINT (12.944 57.750), "
                        "LINESTRING (...) or POLYGON ((...)) in WGS84 degrees or metres")
            idx, parsed, srid = idx[~bad], parsed[~bad], srid[~bad]
            groups: dict[str, np.ndarray] = {}
            has_srid = srid.notna().to_numpy()
            for code in pd.unique(srid[has_srid]):
                groups[f"EPSG:{code}"] = has_srid & (srid == code).to_numpy()
            rest = ~has_srid
            if rest.any():
                src = crs
                if src is None:
                    xy = shapely.get_coordinates(parsed[rest])
                    degrees = bool(len(xy)) and bool(
                        (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all())
                    src = "EPSG:4326" if degrees else str(area.crs)
                    warnings.append(f"{header('wkt')}: geometries read as {src} "
                                    "(degrees: WGS84, else the area's CRS); write "
                                    "SRID=nnnn; before the WKT or pass crs to be sure")
                groups[src] = groups.get(src, np.zeros(len(idx), dtype=bool)) | rest
            for src, sel in groups.items():
                if sel.any():
                    place_in_area(idx[sel], parsed[sel], src, header("wkt"), raw)
    return has


def _from_wkt(texts: np.ndarray) -> np.ndarray:
    """WKT to geometries, None where a text is not WKT GEOS can read (e.g. CIRCULARSTRING,
    which shapely refuses for the whole array): then one text at a time."""
    import shapely

    try:
        return shapely.from_wkt(texts, on_invalid="ignore")
    except Exception:  # noqa: BLE001 - NotImplementedError, GEOSException: one at a time
        out = np.empty(len(texts), dtype=object)
        for i, text in enumerate(texts):
            try:
                out[i] = shapely.from_wkt(text, on_invalid="ignore")
            except Exception:  # noqa: BLE001 - this text is not usable WKT
                out[i] = None
        return out


def _single_type(geoms: np.ndarray) -> np.ndarray:
    """Points, lines, polygons and their Multi* forms (not collections or curves)."""
    import shapely

    return np.isin(shapely.get_type_id(geoms), [0, 1, 2, 3, 4, 5, 6])


def _type_name(geom: Any) -> str:
    try:
        return str(geom.geom_type)
    except Exception:  # noqa: BLE001 - a type shapely cannot name
        return "geometry of an unsupported type"


def _finite(geoms: np.ndarray) -> np.ndarray:
    """True where every coordinate of the geometry is a finite number."""
    import shapely

    coords, which = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    return np.bincount(which[bad], minlength=len(geoms)) == 0


def _read_file_geometries(table: RawTable, sheet: str | int | None) -> np.ndarray | None:
    """The full geometries of a GeoPackage/GeoJSON layer, aligned with ``table.data``
    (the reader exposes points only)."""
    import pyogrio

    from sjobo_geo.inputs.rawtable import pick_sheet

    layers = [str(nm) for nm, _ in pyogrio.list_layers(table.path)]
    layer = layers[pick_sheet(layers, sheet, table.path, "layer")]
    gdf = pyogrio.read_dataframe(table.path, layer=layer, columns=[])
    if gdf.geometry.name not in gdf.columns:
        return None
    values = np.asarray(gdf.geometry.values, dtype=object)
    # spatial rows are numbered feature position + 2
    return values[np.asarray(table.rows, dtype="int64") - 2]


def _locate_subset(data, rest, rows, fields, table, area, mapping, crs, area_margin,
                   warnings, loc):
    """Coordinates and place text of the rows in ``rest`` (through the shared
    :func:`sjobo_geo.inputs.tables.locate_rows`); rejections are copied into ``loc``."""
    from sjobo_geo.inputs.tables import Columns, Rejects, locate_rows

    sub = data.iloc[rest].reset_index(drop=True)
    sub_index = pd.RangeIndex(len(sub))
    sub_rej = Rejects(sub_index, rows[rest])
    sub_cols = Columns(sub, fields)
    x, y, by, crs_used = locate_rows(sub_cols.text, sub_cols.text, fields, sub_cols.header,
                                     sub_rej, table, area, mapping, crs, area_margin,
                                     warnings, False)
    bad = ~sub_rej.ok.to_numpy()
    xs = x.to_numpy(dtype="float64").copy()
    ys = y.to_numpy(dtype="float64").copy()
    xs[bad] = np.nan
    ys[bad] = np.nan
    if bad.any():
        n = len(loc.index)
        column = np.asarray(sub_rej.column, dtype=object)
        for c in pd.unique(column[bad]):
            pick = bad & (column == c)
            mask = np.zeros(n, dtype=bool)
            mask[rest[pick]] = True
            values = pd.Series("", index=loc.index, dtype=object)
            values.iloc[rest[pick]] = sub_rej.value[pick]
            reason = pd.Series("", index=loc.index, dtype=object)
            reason.iloc[rest[pick]] = sub_rej.reason[pick]
            loc.add(mask, str(c), values, reason)
    return xs, ys, by.to_numpy(dtype=object), crs_used
