"""Seeded synthetic reports for demos and tests, placed on the area's real OSM geometry.

:func:`generate_reports` returns a table that looks like a planner's export (Swedish headers,
Swedish labels, WGS84 coordinates as text), not like our internal report columns, so that it
exercises the same reading and validation path as real files. Every row is marked synthetic
twice: ``Syntetisk = "ja"`` and a free text that starts with ``[SYNTETISK]``. Nothing in it
comes from a real resident; the texts are generic and hold no personal data.

The model, in brief (all random draws from ``numpy.random.default_rng(seed)``):

1. **Source.** ``est_share`` of the rows are EST incidents (actors Polisen, Borås Stad,
   Bostäder Borås, Victoriahem, Svenska kyrkan, Borås GIF, Coop); the rest are survey,
   safety-survey, door-knocking, dialogue and situational-picture answers.
2. **Date.** EST and situational-picture rows are spread over all ``weeks`` with a seasonal
   shape (busier in summer), random busy and quiet weeks and busier Fridays and Saturdays.
   The other sources are clustered in collection periods: a digital survey in April, door
   knocking in March and September, a safety survey in October and a few dialogue evenings
   (periods outside the span fall back to fixed fractions of it).
3. **Category.** Depends on the source (EST speaks of vandalism, graffiti, youth gatherings;
   surveys of feeling unsafe, lighting, traffic) and on the season (lighting and unsafety
   more in the dark half of the year, youth gatherings and littering in summer).
4. **Time of day.** An hourly profile per category (evening, night, day, youth, mixed),
   raised at night on Friday and Saturday, and for darkness categories raised in the hours
   when the sun is down at that date and place (sunrise and sunset from the NOAA formula in
   the profile's time zone): in winter more of those reports fall in the late afternoon.
5. **Place kind.** Weights per category, different after dark and in daylight: lighting and
   unsafety after dark mostly on paths that are unlit or of unknown lighting (``lit=no``
   weighted three times), in tunnels, on squares and in courtyards; obscured view at
   vegetation and schoolyards; traffic on roads, bus stops and schools; graffiti and
   vandalism at squares, tunnels, schoolyards, parking; drugs in parks, tunnels, courtyards;
   fires at parking and schoolyards; youth at squares, leisure places and schools.
6. **Position.** A feature of that kind (lines weighted by length, polygons by the square
   root of their area, points equally), then a point on it: uniform along a line
   (``line_interpolate_point``), uniform inside a polygon (constrained Delaunay triangles,
   picked by area, then barycentric sampling), or the point itself; plus a small normal
   jitter (1 m in polygons, 1.5 m on lines, 3 m at points). Points that leave the area
   boundary are drawn again. All geometry work is vectorised (numpy, shapely 2).
7. **Place text.** ``place_text_share`` of the rows give no coordinates but a place name
   instead: the name of a feature of the chosen kind, kept only when the area's gazetteer
   resolves the name to that same kind (a square, school, playground, street, bus stop...).

Same arguments and seed give the same table and byte-identical CSV.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.inputs.reports.schema import CATEGORIES, SOURCES, TIME_BANDS

if TYPE_CHECKING:
    import pandas as pd

    from sjobo_geo.core.area import Area

__all__ = [
    "COLUMNS", "EST_ACTORS", "SYNTHETIC_MARK", "SyntheticError", "generate_reports",
    "plant_change", "write_sample_reports",
]


class SyntheticError(ValueError, SjoboGeoError):
    """Bad arguments for the synthetic generator, or an area it cannot place reports in."""


#: Column headers of the generated table, in order (as a planner's export would have them).
COLUMNS = ("Löpnummer", "Källa", "Aktör", "Kategori", "Tidpunkt", "Latitud", "Longitud",
           "Plats", "Fritext", "Vikt", "Syntetisk")

#: Every free text starts with this mark.
SYNTHETIC_MARK = "[SYNTETISK]"

#: EST actors and their shares of EST rows.
EST_ACTORS: dict[str, float] = {
    "Polisen": 0.30, "Borås Stad": 0.22, "Bostäder Borås": 0.16, "Victoriahem": 0.12,
    "Coop": 0.09, "Svenska kyrkan": 0.06, "Borås GIF": 0.05,
}

# ---- sources ------------------------------------------------------------------------------

_SOURCES = ("est", "survey", "safety_survey", "door_knocking", "dialogue", "situational_picture")
_EST = 0
# shares of the non-EST rows
_OTHER_SHARES = np.array([0.42, 0.22, 0.16, 0.12, 0.08])
_SURVEY_LIKE = {"survey", "safety_survey"}
# collection periods: (month, day, length in days, fallback position as a fraction of the span)
_PERIODS: dict[str, tuple[tuple[int, int, int, float], ...]] = {
    "survey": ((4, 1, 30, 0.25),),
    "safety_survey": ((10, 1, 21, 0.75),),
    "door_knocking": ((3, 10, 14, 0.19), (9, 1, 14, 0.67)),
    "dialogue": ((2, 6, 1, 0.10), (5, 21, 1, 0.39), (9, 17, 1, 0.71), (11, 12, 1, 0.86)),
}
# Monday .. Sunday
_WEEKDAY_WEIGHT = np.array([1.0, 0.95, 1.0, 1.05, 1.25, 1.35, 1.0])

# ---- categories ---------------------------------------------------------------------------

_CATS = ("otrygghet", "belysning", "skymd_sikt", "skadegorelse", "klotter", "nedskrapning",
         "brand", "trafik", "ungdomar", "narkotika", "hot_vald", "stold", "ordningsstorning",
         "annat")
_C = {c: i for i, c in enumerate(_CATS)}

# category weights per source group
_CAT_WEIGHTS = {
    "est": dict(otrygghet=6, belysning=4, skymd_sikt=2, skadegorelse=14, klotter=12,
                nedskrapning=10, brand=5, trafik=3, ungdomar=13, narkotika=8, hot_vald=6,
                stold=6, ordningsstorning=9, annat=2),
    "resident": dict(otrygghet=26, belysning=18, skymd_sikt=10, skadegorelse=3, klotter=4,
                     nedskrapning=6, brand=1, trafik=12, ungdomar=9, narkotika=4, hot_vald=3,
                     stold=2, ordningsstorning=3, annat=2),
    "police": dict(otrygghet=8, belysning=2, skymd_sikt=1, skadegorelse=10, klotter=6,
                   nedskrapning=2, brand=6, trafik=6, ungdomar=16, narkotika=16, hot_vald=14,
                   stold=9, ordningsstorning=10, annat=1),
}
_SOURCE_GROUP = ("est", "resident", "resident", "resident", "resident", "police")

_PROFILES = {  # relative reports per hour 0..23
    "evening": [4, 3, 2.5, 1.5, 0.8, 0.6, 1, 1.5, 1.5, 1, 1, 1, 1.2, 1.2, 1.3, 1.8, 2.5, 3.5,
                4.5, 5, 5.5, 6, 6, 5],
    "night": [6, 6, 5, 4, 2, 1, 0.6, 0.5, 0.5, 0.5, 0.5, 0.6, 0.7, 0.7, 0.8, 1, 1.2, 1.5, 2,
              2.5, 3.5, 4.5, 5.5, 6],
    "late": [5, 4, 3, 1.5, 0.6, 0.3, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 2, 2.5, 3, 3.5,
             4.5, 5.5, 6, 6, 5.5],
    "youth": [2, 1.2, 0.6, 0.3, 0.1, 0.1, 0.2, 0.5, 0.6, 0.4, 0.4, 0.6, 1, 1, 1.5, 3, 3.5, 4,
              4.5, 5, 5.5, 5, 4, 3],
    "day": [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1.5, 4, 4.5, 2, 1.5, 1.5, 1.8, 2, 2.5, 3.5, 4, 3.5, 2,
            1.2, 0.8, 0.6, 0.4, 0.3],
    "mixed": [1, 0.8, 0.6, 0.4, 0.3, 0.4, 0.8, 1.5, 2, 2.2, 2.3, 2.4, 2.5, 2.5, 2.5, 2.6, 2.8, 3,
              3, 2.8, 2.5, 2.2, 1.8, 1.3],
}
_CAT_PROFILE = dict(otrygghet="evening", belysning="evening", skymd_sikt="day",
                    skadegorelse="night", klotter="night", nedskrapning="mixed", brand="night",
                    trafik="day", ungdomar="youth", narkotika="late", hot_vald="evening",
                    stold="mixed", ordningsstorning="evening", annat="mixed")

# ---- place kinds --------------------------------------------------------------------------

_KINDS = ("dark_path", "lit_path", "road", "tunnel", "square", "courtyard", "schoolyard",
          "school", "playground", "leisure", "parking", "bus_stop", "vegetation", "business")
# the gazetteer layer a place-text name of this kind must resolve to (None: no names)
_GAZ_KIND = dict(dark_path="paths", lit_path="paths", road="paths", tunnel="paths",
                 square="squares", courtyard=None, schoolyard="schoolyards", school="schools",
                 playground="playgrounds", leisure="leisure", parking="parking",
                 bus_stop="bus_stops", vegetation=None, business="businesses")
_ROADS = {"motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
          "service", "living_street", "motorway_link", "trunk_link", "primary_link",
          "secondary_link", "tertiary_link"}
_MAJOR = {"motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link",
          "primary_link", "secondary_link"}

_D = dict  # after dark
_KIND_WEIGHTS: dict[str, tuple[dict[str, float], dict[str, float]]] = {
    # category: (after dark, daylight)
    "belysning": (
        _D(dark_path=7, tunnel=2, courtyard=1.5, square=1, parking=0.6, playground=0.5,
           lit_path=0.5),
        _D(dark_path=5, tunnel=1.5, courtyard=1, lit_path=1, square=0.5, parking=0.5)),
    "otrygghet": (
        _D(dark_path=6, tunnel=2, square=1.5, courtyard=1.5, parking=0.8, bus_stop=0.8,
           lit_path=0.8, playground=0.5, leisure=0.5),
        _D(lit_path=2, dark_path=2, square=2, tunnel=1, courtyard=1, bus_stop=1, leisure=0.7,
           parking=0.5)),
    "hot_vald": (
        _D(dark_path=3, square=2.5, tunnel=1.5, courtyard=1, bus_stop=1, business=0.8,
           lit_path=1, parking=0.5),
        _D(square=3, lit_path=2, bus_stop=1.5, business=1.5, dark_path=0.5, school=0.5)),
    "skymd_sikt": (
        _D(vegetation=5, schoolyard=2, playground=1.5, dark_path=1, road=1, courtyard=0.7),
        _D(vegetation=5, schoolyard=2, playground=1.5, dark_path=1, road=1, courtyard=0.7)),
    "ungdomar": (
        _D(square=3, leisure=2.5, school=1.5, schoolyard=1.5, playground=1, tunnel=1,
           bus_stop=1, business=0.8, parking=0.5),
        _D(school=3, schoolyard=2, square=2, leisure=2, bus_stop=1, business=1)),
    "trafik": (
        _D(road=6, bus_stop=2.5, school=1, parking=1, lit_path=0.5),
        _D(road=6, bus_stop=2.5, school=2, parking=1, lit_path=0.5)),
    "klotter": (
        _D(tunnel=3, square=2, schoolyard=2, parking=1.5, bus_stop=1.5, courtyard=1,
           dark_path=1, playground=0.8),
        _D(tunnel=3, square=2, schoolyard=1.5, parking=1.5, bus_stop=1.5, courtyard=1,
           lit_path=1, playground=0.8)),
    "skadegorelse": (
        _D(tunnel=2, square=2, schoolyard=2, parking=2, bus_stop=1.5, courtyard=1,
           playground=1, dark_path=0.8),
        _D(square=2, schoolyard=2, parking=2, bus_stop=1.5, tunnel=1.5, playground=1,
           courtyard=1, lit_path=0.8)),
    "nedskrapning": (
        _D(square=3, parking=1.5, playground=1.5, leisure=1.5, bus_stop=1.5, courtyard=1,
           vegetation=1, schoolyard=1, business=1),
        _D(square=3, parking=1.5, playground=1.5, leisure=1.5, bus_stop=1.5, courtyard=1,
           vegetation=1, schoolyard=1, business=1)),
    "narkotika": (
        _D(leisure=3, tunnel=2, courtyard=2, vegetation=1.5, dark_path=1.5, playground=1,
           parking=1, square=1),
        _D(leisure=2.5, square=1.5, courtyard=1.5, tunnel=1.5, vegetation=1, bus_stop=1,
           parking=1)),
    "brand": (
        _D(parking=3, schoolyard=2.5, courtyard=1.5, playground=1, vegetation=0.8, school=0.8,
           square=0.5),
        _D(parking=2.5, schoolyard=2, courtyard=1.5, playground=1, vegetation=1, school=0.8)),
    "stold": (
        _D(parking=3, courtyard=1.5, business=1.5, bus_stop=0.8, school=0.7, lit_path=0.5),
        _D(parking=3, business=2.5, courtyard=1, bus_stop=0.8, school=0.7, lit_path=0.5)),
    "ordningsstorning": (
        _D(square=3, business=2, courtyard=1.5, leisure=1, bus_stop=1, parking=0.8,
           lit_path=0.8),
        _D(square=3, business=2, leisure=1, bus_stop=1, courtyard=1, lit_path=1)),
    "annat": (
        _D(lit_path=1, dark_path=1, square=1, courtyard=1, leisure=1, parking=1),
        _D(lit_path=1, dark_path=1, square=1, courtyard=1, leisure=1, parking=1)),
}
_PATH_FLOOR = 0.02  # every category may land on any path kind (paths always exist)

# jitter (m, standard deviation) by geometry type: point, line, polygon
_JITTER = np.array([3.0, 1.5, 1.0])
_POINT, _LINE, _POLY = 0, 1, 2

# ---- texts --------------------------------------------------------------------------------

_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "sv": {
        "otrygghet": ("Känns otryggt att gå här", "Undviker platsen", "Otrygg plats",
                      "Känner mig inte trygg här"),
        "belysning": ("Mörkt, belysningen räcker inte", "Trasig lampa", "Dålig belysning",
                      "Svårt att se vem som kommer"),
        "skymd_sikt": ("Buskarna skymmer sikten", "Skymd sikt", "Sly behöver röjas",
                       "Går inte att se runt hörnet"),
        "skadegorelse": ("Skadegörelse", "Sönderslagna rutor", "Förstörd utrustning"),
        "klotter": ("Klotter på väggarna", "Nytt klotter", "Mycket tags"),
        "nedskrapning": ("Nedskräpat", "Mycket skräp", "Överfulla papperskorgar"),
        "brand": ("Anlagd brand", "Brand i soptunna", "Brandrester"),
        "trafik": ("Bilar kör för fort", "Farlig korsning", "Svårt att gå över"),
        "ungdomar": ("Grupper av ungdomar samlas", "Ungdomar samlas sent",
                     "Oro för rekrytering av unga"),
        "narkotika": ("Misstänkt narkotikahandel", "Tecken på narkotika",
                      "Misstänkt langning"),
        "hot_vald": ("Hot och bråk", "Våld har förekommit", "Blev hotad"),
        "stold": ("Cykelstölder", "Inbrott i förråd", "Stöld"),
        "ordningsstorning": ("Bråk och oväsen", "Störande fester", "Ordningsstörning"),
        "annat": ("Övrigt att rapportera", "Annat problem"),
    },
    "en": {
        "otrygghet": ("Feels unsafe to walk here", "I avoid this place", "Unsafe place"),
        "belysning": ("Dark, not enough light", "Broken lamp", "Poor lighting"),
        "skymd_sikt": ("Bushes block the view", "Obscured view", "Vegetation needs clearing"),
        "skadegorelse": ("Vandalism", "Broken windows", "Damaged equipment"),
        "klotter": ("Graffiti on the walls", "New graffiti", "Many tags"),
        "nedskrapning": ("Littering", "Lots of rubbish", "Overflowing bins"),
        "brand": ("Arson", "Fire in a bin", "Traces of fire"),
        "trafik": ("Cars drive too fast", "Dangerous crossing", "Hard to cross"),
        "ungdomar": ("Groups of youths gather", "Youths gather late",
                     "Worry about recruitment of young people"),
        "narkotika": ("Suspected drug dealing", "Signs of drug use"),
        "hot_vald": ("Threats and fights", "Violence has occurred", "Was threatened"),
        "stold": ("Bicycle thefts", "Storage burglary", "Theft"),
        "ordningsstorning": ("Fights and noise", "Disturbing parties", "Disorder"),
        "annat": ("Other issue", "Something else"),
    },
}
_KIND_TEXT = {
    "sv": dict(dark_path="längs gångvägen", lit_path="längs gångvägen", road="vid vägen",
               tunnel="i tunneln", square="på torget", courtyard="på innergården",
               schoolyard="på skolgården", school="vid skolan", playground="vid lekplatsen",
               leisure="vid parken/anläggningen", parking="på parkeringen",
               bus_stop="vid busshållplatsen", vegetation="vid buskarna",
               business="vid affärerna"),
    "en": dict(dark_path="along the path", lit_path="along the path", road="by the road",
               tunnel="in the underpass", square="on the square", courtyard="in the courtyard",
               schoolyard="in the schoolyard", school="by the school",
               playground="by the playground", leisure="by the park/venue",
               parking="in the car park", bus_stop="at the bus stop",
               vegetation="by the bushes", business="by the shops"),
}
_BAND_TEXT = {
    "sv": dict(night="på natten", morning="på morgonen", day="på dagen", evening="på kvällen"),
    "en": dict(night="at night", morning="in the morning", day="during the day",
               evening="in the evening"),
}
_RESIDENT = {"sv": "Boende", "en": "Resident"}
_YES = {"sv": "ja", "en": "yes"}


# --------------------------------------------------------------------------------------
# public API


def generate_reports(
    area: Area,
    n: int = 500,
    *,
    seed: int = 0,
    start: str | dt.date = "2024-01-01",
    weeks: int = 52,
    est_share: float = 0.4,
    place_text_share: float = 0.1,
    lang: str = "sv",
) -> pd.DataFrame:
    """Generate synthetic reports placed on the area's real OSM geometry.

    Parameters
    ----------
    area : Area
        The area (see :func:`sjobo_geo.load_area`); must have paths.
    n : int, default 500
        Number of reports (at least 1).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same table.
    start : str or datetime.date, default "2024-01-01"
        First day (ISO date) of the period.
    weeks : int, default 52
        Length of the period in weeks (at least 1).
    est_share : float, default 0.4
        Share of rows that are EST incidents (0..1); the rest are survey, safety-survey,
        door-knocking, dialogue and situational-picture rows.
    place_text_share : float, default 0.1
        Share of rows (0..1) located by a place name (``Plats``) instead of coordinates.
        When the area has no usable names, every row gets coordinates.
    lang : {"sv", "en"}, default "sv"
        Language of the labels (``Källa``, ``Kategori``, resident actor, ``Syntetisk``) and
        free texts. Headers are always the Swedish export headers of :data:`COLUMNS`, and
        free texts always start with ``[SYNTETISK]``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, all text (empty string when absent), sorted by time and
        numbered ``S-000001`` onwards: ``Löpnummer``, ``Källa`` (source label from
        :data:`~sjobo_geo.inputs.reports.schema.SOURCES`), ``Aktör``, ``Kategori`` (category label
        from :data:`~sjobo_geo.inputs.reports.schema.CATEGORIES`), ``Tidpunkt`` (local
        ``YYYY-MM-DD HH:MM``), ``Latitud`` and ``Longitud`` (WGS84, 6 decimals), ``Plats``,
        ``Fritext``, ``Vikt`` (``"1"``; survey rows ``"1"`` to ``"3"``), ``Syntetisk``.
        ``attrs`` holds ``synthetic=True``, the seed and the area name.

    Raises
    ------
    SyntheticError
        (a ``ValueError``) for ``n < 1``, ``weeks < 1``, shares outside 0..1, an unknown
        ``lang`` or ``start``, or an area without paths.

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> df = generate_reports(load_area("sample"), 20, seed=1)
    >>> len(df), df["Syntetisk"].unique().tolist()
    (20, ['ja'])
    >>> bool(df["Fritext"].str.startswith("[SYNTETISK]").all())
    True
    """
    import pandas as pd

    start_day = _check_args(area, n, weeks, est_share, place_text_share, lang, start)
    rng = np.random.default_rng(seed)
    pools = _build_pools(area)
    inner = _inner_boundary(area)

    n_days = 7 * int(weeks)
    dates = start_day + np.arange(n_days)
    sunrise, sunset, night_frac = _sun_table(area, dates)
    weekday = (dates.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday

    # 1. source
    n_est = int(round(est_share * n))
    source = np.concatenate([
        np.full(n_est, _EST),
        1 + rng.choice(len(_OTHER_SHARES), size=n - n_est, p=_OTHER_SHARES),
    ])

    # 2. date (day index into ``dates``)
    day = _draw_days(rng, source, dates, weekday, night_frac)

    # 3. category, by source group and season
    cat = _draw_categories(rng, source, day, dates, night_frac)

    # 4. time of day
    hour, minute, after_dark = _draw_times(rng, source, cat, day, weekday, sunrise, sunset)

    # 5. place kind, 6. position, 7. place text
    k = int(round(place_text_share * n))
    named_avail = np.array([p.n_named > 0 for p in pools])
    by_name = np.zeros(n, dtype=bool)
    if k and named_avail.any():
        by_name[rng.permutation(n)[:k]] = True
    kind = _draw_kinds(rng, cat, after_dark, by_name, pools, named_avail)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    place = np.full(n, "", dtype=object)
    for j, pool in enumerate(pools):
        rows = np.flatnonzero((kind == j) & ~by_name)
        if len(rows):
            x[rows], y[rows] = pool.sample_points(rng, len(rows), inner)
        rows = np.flatnonzero((kind == j) & by_name)
        if len(rows):
            place[rows] = pool.names[pool.draw(rng, len(rows), named=True)]
    _fill_failed(rng, x, y, ~by_name)

    # assemble, sorted by time
    order = np.argsort(day * 1440 + hour * 60 + minute, kind="stable")
    out = _assemble(rng, order, source, cat, kind, day, dates, hour, minute, x, y, place,
                    area.crs, lang)
    df = pd.DataFrame(out, columns=list(COLUMNS))
    df.attrs.update(synthetic=True, seed=seed, area=getattr(area, "name", None))
    return df


def write_sample_reports(area: Area, path: str | Path, n: int = 500, *, seed: int = 0,
                         **kwargs: Any) -> Path:
    """Write :func:`generate_reports` as an Excel-safe, UTF-8, comma-separated CSV.

    Written atomically through :func:`sjobo_geo.core.files.write_csv` (BOM, formula cells
    neutralised: OSM names can start with ``=``).

    Parameters
    ----------
    area : Area
        The area.
    path : str or pathlib.Path
        Destination file; parent folders are created.
    n : int, default 500
        Number of reports.
    seed : int, default 0
        Random seed; the same seed gives a byte-identical file.
    **kwargs
        Passed on to :func:`generate_reports` (``start``, ``weeks``, ``est_share``,
        ``place_text_share``, ``lang``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from sjobo_geo.core.files import write_csv

    df = generate_reports(area, n, seed=seed, **kwargs)
    return write_csv(df, path)


def plant_change(table: pd.DataFrame, area: Area, zone: Any, date: str | dt.date,
                 factor: float, *, seed: int = 0, jitter_m: float = 10.0) -> pd.DataFrame:
    """Plant a known change in a synthetic table: scale the reports inside ``zone`` from
    ``date`` on by ``factor`` (for testing follow-up and trend methods).

    ``factor < 1`` drops each such report with probability ``1 - factor``; ``factor > 1``
    adds ``round((factor - 1) * n)`` copies of randomly chosen ones, moved by up to
    ``jitter_m`` metres (kept inside ``zone``) and up to 3 days (kept on or after ``date``),
    with new ids (``<id>-P<k>``). Rows located by place text (no coordinates) are left alone.
    The result is still marked synthetic, row by row.

    Parameters
    ----------
    table : pandas.DataFrame
        A table from :func:`generate_reports` (its Swedish headers).
    area : Area
        The area the table was generated for (its CRS is used for ``zone``).
    zone : shapely geometry
        Where the change happens, in the area's metric CRS.
    date : str or datetime.date
        First day of the change.
    factor : float
        Rate multiplier (>= 0).
    seed : int, default 0
    jitter_m : float, default 10

    Returns
    -------
    pandas.DataFrame
        A new table; ``attrs["planted"]`` lists ``(zone bounds, date, factor, removed,
        added)`` for every call so far.
    """
    import pandas as pd
    import shapely
    from pyproj import Transformer

    if not (np.isfinite(factor) and factor >= 0):
        raise SyntheticError(f"factor must be a number >= 0; got {factor!r}")
    rng = np.random.default_rng(seed)
    lat = pd.to_numeric(table["Latitud"], errors="coerce").to_numpy()
    lon = pd.to_numeric(table["Longitud"], errors="coerce").to_numpy()
    ok = np.isfinite(lat) & np.isfinite(lon)
    to_m = Transformer.from_crs("EPSG:4326", area.crs, always_xy=True)
    x = np.full(len(table), np.nan)
    y = np.full(len(table), np.nan)
    x[ok], y[ok] = to_m.transform(lon[ok], lat[ok])
    when = pd.to_datetime(table["Tidpunkt"], errors="coerce")
    start = pd.Timestamp(date)
    inside = ok & shapely.contains_xy(zone, np.nan_to_num(x), np.nan_to_num(y))
    hit = np.flatnonzero(inside & (when >= start).to_numpy())
    removed = added = 0
    out = table
    if factor < 1 and len(hit):
        drop = hit[rng.random(len(hit)) >= factor]
        out = table.drop(index=table.index[drop])
        removed = len(drop)
    elif factor > 1 and len(hit):
        k = int(round((factor - 1) * len(hit)))
        src = rng.choice(hit, size=k, replace=True)
        new = table.iloc[src].copy()
        nx = x[src] + rng.uniform(-jitter_m, jitter_m, k)
        ny = y[src] + rng.uniform(-jitter_m, jitter_m, k)
        stay = shapely.contains_xy(zone, nx, ny)
        nx, ny = np.where(stay, nx, x[src]), np.where(stay, ny, y[src])
        lo, la = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True).transform(nx, ny)
        new["Latitud"] = np.char.mod("%.6f", np.asarray(la))
        new["Longitud"] = np.char.mod("%.6f", np.asarray(lo))
        shift = pd.to_timedelta(rng.integers(-3 * 24 * 60, 3 * 24 * 60 + 1, k), unit="min")
        t = when.iloc[src].to_numpy() + shift.to_numpy()
        t = np.maximum(t, np.datetime64(start))
        new["Tidpunkt"] = pd.DatetimeIndex(t).strftime("%Y-%m-%d %H:%M")
        new["Löpnummer"] = new["Löpnummer"].astype(str) + "-P" + np.arange(1, k + 1).astype(str)
        out = pd.concat([table, new], ignore_index=True)
        added = k
    out = out.reset_index(drop=True)
    out.attrs = {**table.attrs, "planted": [*table.attrs.get("planted", []),
                                            (tuple(np.round(zone.bounds, 1)), str(start.date()),
                                             float(factor), removed, added)]}
    return out


# --------------------------------------------------------------------------------------
# arguments


def _check_args(area: Any, n: Any, weeks: Any, est_share: Any, place_text_share: Any,
                lang: Any, start: Any) -> np.datetime64:
    def is_int(v: Any) -> bool:
        return isinstance(v, int | np.integer) and not isinstance(v, bool)

    if not is_int(n) or n < 1:
        raise SyntheticError(f"n must be an integer of at least 1, got {n!r}")
    if not is_int(weeks) or weeks < 1:
        raise SyntheticError(f"weeks must be an integer of at least 1, got {weeks!r}")
    for name, value in (("est_share", est_share), ("place_text_share", place_text_share)):
        if (isinstance(value, bool) or not isinstance(value, int | float | np.floating)
                or not 0.0 <= float(value) <= 1.0):
            raise SyntheticError(f"{name} must be a number from 0 to 1, got {value!r}")
    if lang not in _TEXTS:
        raise SyntheticError(f"lang must be one of {', '.join(_TEXTS)}, got {lang!r}")
    layers = getattr(area, "layers", None)
    paths = layers.get("paths") if isinstance(layers, dict) else None
    if paths is None or len(paths) == 0:
        raise SyntheticError(
            f"area {getattr(area, 'name', area)!r} has no paths; synthetic reports are placed "
            "on the area's OSM geometry and need at least its walkable paths"
        )
    try:
        day = dt.date.fromisoformat(str(start)[:10]) if not isinstance(start, dt.date) \
            else start
    except ValueError:
        raise SyntheticError(f"start must be an ISO date (YYYY-MM-DD), got {start!r}") from None
    return np.datetime64(day.isoformat(), "D")


# --------------------------------------------------------------------------------------
# time


def _sun_table(area: Area, dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local sunrise and sunset (hours) per date at the area's centre (NOAA formula), and the
    night's length scaled to 0 (shortest night of the year) .. 1 (longest)."""
    from zoneinfo import ZoneInfo

    from pyproj import Transformer

    from sjobo_geo.core.sun import sunrise_sunset

    c = area.boundary.centroid
    lon, lat = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True).transform(c.x, c.y)
    tz = ZoneInfo(getattr(area.profile, "timezone", None) or "Europe/Stockholm")
    offset = np.array([  # one per day of the period, not per report
        (dt.datetime.combine(d, dt.time(12), tz).utcoffset() or dt.timedelta()).total_seconds()
        / 3600 for d in dates.astype(object)
    ])
    doy = (dates - dates.astype("datetime64[Y]")).astype("int64") + 1

    def sun(doy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return sunrise_sunset(doy, lat, lon)

    rise, sett = sun(doy)
    year_rise, year_set = sun(np.arange(1, 366))
    night = 24 - (year_set - year_rise)
    lo, hi = night.min(), night.max()
    night_frac = ((24 - (sett - rise)) - lo) / max(hi - lo, 1e-9)
    return rise + offset, sett + offset, np.clip(night_frac, 0, 1)


def _draw_days(rng: np.random.Generator, source: np.ndarray, dates: np.ndarray,
               weekday: np.ndarray, night_frac: np.ndarray) -> np.ndarray:
    n_days = len(dates)
    day = np.zeros(len(source), dtype=np.int64)
    week = np.arange(n_days) // 7
    n_weeks = week[-1] + 1
    doy = (dates - dates.astype("datetime64[Y]")).astype("int64") + 1
    # EST: seasonal (summer peak), busy and quiet weeks, busier Fridays and Saturdays
    busy = rng.gamma(6.0, 1 / 6.0, size=n_weeks) * np.where(rng.random(n_weeks) < 0.1, 1.8, 1.0)
    season = 1 + 0.3 * np.cos(2 * np.pi * (doy - 200) / 365.25)
    est_w = season * busy[week] * _WEEKDAY_WEIGHT[weekday]
    police_w = _WEEKDAY_WEIGHT[weekday] * (1 + 0.2 * night_frac)
    for s, name in enumerate(_SOURCES):
        rows = np.flatnonzero(source == s)
        if not len(rows):
            continue
        if name == "est":
            day[rows] = _pick(rng, est_w, len(rows))
        elif name == "situational_picture":
            day[rows] = _pick(rng, police_w, len(rows))
        else:
            lo, hi = _periods(name, dates)
            w = rng.integers(len(lo), size=len(rows))
            day[rows] = lo[w] + np.floor(rng.random(len(rows)) * (hi - lo)[w]).astype(np.int64)
    return day


def _periods(source: str, dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Collection periods of a source as day-index ranges [lo, hi) within the span."""
    n_days = len(dates)
    first, last = dates[0].astype(object), dates[-1].astype(object)
    lo: list[int] = []
    hi: list[int] = []
    for month, mday, length, frac in _PERIODS[source]:
        anchors = [dt.date(y, month, mday) for y in range(first.year, last.year + 1)]
        begins = [(a - first).days for a in anchors if first <= a <= last]  # each year
        for begin in begins or [min(int(frac * n_days), n_days - 1)]:
            lo.append(begin)
            hi.append(min(begin + length, n_days))
    return np.array(lo), np.array(hi)


def _draw_categories(rng: np.random.Generator, source: np.ndarray, day: np.ndarray,
                     dates: np.ndarray, night_frac: np.ndarray) -> np.ndarray:
    base = np.array([[_CAT_WEIGHTS[g].get(c, 0.0) for c in _CATS] for g in _SOURCE_GROUP])
    season = np.ones((len(dates), len(_CATS)))
    nf = night_frac
    for c in ("belysning", "otrygghet"):
        season[:, _C[c]] = 1 + 0.8 * nf
    for c in ("ungdomar", "nedskrapning", "ordningsstorning"):
        season[:, _C[c]] = 1 + 0.6 * (1 - nf)
    md = np.array([(d.month, d.day) for d in dates.astype(object)])  # per day, not per report
    new_year = ((md[:, 0] == 12) & (md[:, 1] >= 28)) | ((md[:, 0] == 1) & (md[:, 1] <= 2))
    season[new_year, _C["brand"]] *= 4  # fireworks
    return _pick_rows(rng, base[source] * season[day])


def _draw_times(rng: np.random.Generator, source: np.ndarray, cat: np.ndarray,
                day: np.ndarray, weekday: np.ndarray, sunrise: np.ndarray, sunset: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    prof = np.array([_PROFILES[_CAT_PROFILE[c]] for c in _CATS])
    boost = np.array([2.5 if CATEGORIES[c].darkness else 0.3 for c in _CATS])
    hours = np.arange(24) + 0.5
    rise, sett = sunrise[day][:, None], sunset[day][:, None]
    dark = (hours < rise) | (hours > sett)
    w = prof[cat] * (1 + boost[cat][:, None] * dark)
    wd = weekday[day]
    w[np.isin(wd, (4, 5))[:, None] & (hours >= 21)] *= 1.6  # Friday and Saturday evenings
    w[np.isin(wd, (5, 6))[:, None] & (hours < 4)] *= 1.8  # ... and the nights after
    hour = _pick_rows(rng, w)
    exact = rng.integers(60, size=len(cat))
    rounded = 15 * rng.integers(4, size=len(cat))  # people answering a survey round
    minute = np.where(np.isin(source, (_EST, _SOURCES.index("situational_picture"))),
                      exact, rounded)
    t = hour + minute / 60
    after_dark = (t < sunrise[day]) | (t >= sunset[day])
    return hour, minute, after_dark


# --------------------------------------------------------------------------------------
# places


@dataclass
class _Pool:
    """The features of one place kind, ready for vectorised sampling."""

    geoms: np.ndarray  # shapely geometries (single parts), metric CRS
    gtype: np.ndarray  # _POINT / _LINE / _POLY
    cum: np.ndarray  # cumulative feature weight
    cum_named: np.ndarray  # cumulative weight of features with a usable name
    names: np.ndarray  # object: name or ""
    pt_xy: np.ndarray  # (m, 2) point coordinates (for points)
    tri: np.ndarray  # (T, 3, 2) triangle corners of the polygons
    tri_cum: np.ndarray  # (T,) cumulative triangle area
    tri_lo: np.ndarray  # (m,) cumulative area before the feature's first triangle
    tri_hi: np.ndarray  # (m,) ... after its last

    @property
    def size(self) -> int:
        return len(self.geoms)

    @property
    def n_named(self) -> int:
        return int(len(self.cum_named) and self.cum_named[-1] > 0)

    def draw(self, rng: np.random.Generator, k: int, named: bool = False) -> np.ndarray:
        cum = self.cum_named if named else self.cum
        idx = np.searchsorted(cum, rng.random(k) * cum[-1], side="right")
        return np.minimum(idx, len(cum) - 1)

    def sample_points(self, rng: np.random.Generator, k: int, inner: Any,
                      rounds: int = 8) -> tuple[np.ndarray, np.ndarray]:
        """``k`` random positions on the pool's features; NaN where none fell inside."""
        import shapely

        x = np.full(k, np.nan)
        y = np.full(k, np.nan)
        todo = np.arange(k)
        for _ in range(rounds):
            px, py = self._positions(rng, len(todo))
            ok = shapely.contains_xy(inner, px, py)
            x[todo[ok]], y[todo[ok]] = px[ok], py[ok]
            todo = todo[~ok]
            if not len(todo):
                break
        return x, y

    def _positions(self, rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
        import shapely

        idx = self.draw(rng, k)
        u = rng.random((k, 3))
        jitter = rng.normal(size=(k, 2))
        t = self.gtype[idx]
        xy = self.pt_xy[idx].copy()
        m = t == _LINE
        if m.any():
            pts = shapely.line_interpolate_point(self.geoms[idx[m]], u[m, 0], normalized=True)
            xy[m] = shapely.get_coordinates(pts)
        m = t == _POLY
        if m.any():
            lo, hi = self.tri_lo[idx[m]], self.tri_hi[idx[m]]
            tri = np.searchsorted(self.tri_cum, lo + u[m, 0] * (hi - lo), side="right")
            tri = np.minimum(tri, len(self.tri_cum) - 1)
            r1, r2 = u[m, 1].copy(), u[m, 2].copy()
            flip = r1 + r2 > 1
            r1[flip], r2[flip] = 1 - r1[flip], 1 - r2[flip]
            a, b, c = self.tri[tri, 0], self.tri[tri, 1], self.tri[tri, 2]
            xy[m] = a + r1[:, None] * (b - a) + r2[:, None] * (c - a)
        xy += jitter * _JITTER[t][:, None]
        return xy[:, 0], xy[:, 1]


def _inner_boundary(area: Area) -> Any:
    """The boundary shrunk by half a metre (so 6-decimal rounding stays inside), prepared."""
    import shapely

    inner = shapely.buffer(area.boundary, -0.5)
    if inner.is_empty:
        inner = area.boundary
    shapely.prepare(inner)
    return inner


def _build_pools(area: Area) -> list[_Pool]:
    """One pool per place kind in :data:`_KINDS` (empty pools have size 0)."""
    layers = area.layers
    paths = layers["paths"]
    hw = paths["highway"].astype("string").fillna("").str.split(";").str[0].to_numpy()
    status = paths["lit_status"].astype("string").fillna("unknown").to_numpy()
    road = np.isin(hw, list(_ROADS))
    major = np.isin(hw, list(_MAJOR))
    dark = (status != "lit") & ~major
    unlit_boost = np.where(status == "unlit", 3.0, 1.0)
    frames: dict[str, tuple[Any, np.ndarray | None]] = {
        "dark_path": (paths[dark], unlit_boost[dark]),
        "lit_path": (paths[(status == "lit") & ~major], None),
        "road": (paths[road], None),
        "tunnel": (layers.get("tunnels"), None),
        "square": (layers.get("squares"), None),
        "courtyard": (layers.get("courtyards"), None),
        "schoolyard": (layers.get("schoolyards"), None),
        "school": (layers.get("schools"), None),
        "playground": (layers.get("playgrounds"), None),
        "leisure": (layers.get("leisure"), None),
        "parking": (layers.get("parking"), None),
        "bus_stop": (layers.get("bus_stops"), None),
        "vegetation": (layers.get("vegetation"), None),
        "business": (layers.get("businesses"), None),
    }
    resolves = _NameCheck(area)
    return [_make_pool(*frames[kind], _GAZ_KIND[kind], resolves) for kind in _KINDS]


class _NameCheck:
    """Does a name resolve, through the area's gazetteer, to a place of a given layer?"""

    def __init__(self, area: Area) -> None:
        self.area = area
        self.cache: dict[tuple[str, str], bool] = {}

    def __call__(self, name: str, layer: str) -> bool:
        from sjobo_geo._errors import PlaceNotFoundError

        key = (name, layer)
        if key not in self.cache:
            try:
                place = self.area.find(name)
                self.cache[key] = place.kind == layer and place.matched == "exact"
            except PlaceNotFoundError:
                self.cache[key] = False
        return self.cache[key]


def _make_pool(gdf: Any, extra_weight: np.ndarray | None, layer: str | None,
               resolves: _NameCheck) -> _Pool:
    import shapely

    empty2 = np.zeros((0, 2))
    if gdf is None or len(gdf) == 0:
        return _Pool(np.array([], dtype=object), np.zeros(0, np.int8), np.zeros(0),
                     np.zeros(0), np.array([], dtype=object), empty2, np.zeros((0, 3, 2)),
                     np.zeros(0), np.zeros(0), np.zeros(0))
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    names = (gdf["name"].astype("string").fillna("").to_numpy(dtype=object)
             if "name" in gdf else np.full(len(gdf), "", dtype=object))
    extra = np.ones(len(gdf)) if extra_weight is None else np.asarray(extra_weight, float)
    parts, parent = shapely.get_parts(geoms, return_index=True)
    names, extra = names[parent], extra[parent]
    types = shapely.get_type_id(parts)  # 0 point, 1 linestring, 2 linearring, 3 polygon
    gtype = np.select([types == 0, np.isin(types, (1, 2)), types == 3], [_POINT, _LINE, _POLY],
                      -1)
    keep = (gtype >= 0) & ~shapely.is_empty(parts)
    parts, names, extra, gtype = parts[keep], names[keep], extra[keep], gtype[keep]

    weight = np.where(gtype == _LINE, shapely.length(parts), 10.0)
    poly = gtype == _POLY
    weight[poly] = np.clip(np.sqrt(shapely.area(parts[poly])), 5.0, 100.0)
    weight = weight * extra

    # triangles of the polygons, for uniform sampling inside them
    tri = np.zeros((0, 3, 2))
    tri_cum = np.zeros(0)
    tri_lo = np.zeros(len(parts))
    tri_hi = np.zeros(len(parts))
    if poly.any():
        cdt = shapely.constrained_delaunay_triangles(parts[poly])
        tris, owner = shapely.get_parts(cdt, return_index=True)
        tri = shapely.get_coordinates(shapely.get_exterior_ring(tris)).reshape(-1, 4, 2)[:, :3]
        tri_area = shapely.area(tris)
        tri_cum = np.cumsum(tri_area)
        per_poly = np.bincount(owner, weights=tri_area, minlength=int(poly.sum()))
        hi = np.cumsum(per_poly)
        tri_lo[poly], tri_hi[poly] = hi - per_poly, hi
        weight[poly & (tri_hi <= tri_lo)] = 0.0  # degenerate polygons: no triangles

    pt_xy = np.zeros((len(parts), 2))
    pt = gtype == _POINT
    pt_xy[pt] = shapely.get_coordinates(parts[pt])

    named = np.zeros(len(parts), dtype=bool)
    if layer is not None:
        for name in {nm for nm in names if nm}:  # one look-up per distinct name
            if resolves(name, layer):
                named |= names == name
    names = np.where(named, names, "").astype(object)
    return _Pool(parts, gtype.astype(np.int8), np.cumsum(weight),
                 np.cumsum(np.where(named, np.maximum(weight, 1e-9), 0.0)), names, pt_xy, tri,
                 tri_cum, tri_lo, tri_hi)


def _draw_kinds(rng: np.random.Generator, cat: np.ndarray, after_dark: np.ndarray,
                by_name: np.ndarray, pools: list[_Pool], named_avail: np.ndarray) -> np.ndarray:
    kidx = {k: i for i, k in enumerate(_KINDS)}
    w_dark = np.zeros((len(_CATS), len(_KINDS)))
    w_light = np.zeros_like(w_dark)
    for c, (wd, wl) in _KIND_WEIGHTS.items():
        for kind, value in wd.items():
            w_dark[_C[c], kidx[kind]] = value
        for kind, value in wl.items():
            w_light[_C[c], kidx[kind]] = value
    for kind in ("dark_path", "lit_path", "road"):
        w_dark[:, kidx[kind]] += _PATH_FLOOR
        w_light[:, kidx[kind]] += _PATH_FLOOR
    avail = np.array([p.size > 0 and p.cum[-1] > 0 for p in pools], dtype=float)
    w = np.where(after_dark[:, None], w_dark[cat], w_light[cat]) * avail
    w[by_name] *= named_avail
    bad = w.sum(axis=1) <= 0  # a named row whose category has no named kind: any named kind
    w[bad & by_name] = named_avail.astype(float)
    return _pick_rows(rng, w)


def _fill_failed(rng: np.random.Generator, x: np.ndarray, y: np.ndarray,
                 located: np.ndarray) -> None:
    """Rows whose positions kept falling outside the boundary take a placed row's position."""
    failed = np.flatnonzero(located & np.isnan(x))
    if not len(failed):
        return
    good = np.flatnonzero(located & ~np.isnan(x))
    if not len(good):
        raise SyntheticError("could not place any synthetic report inside the area boundary")
    take = good[rng.integers(len(good), size=len(failed))]
    x[failed], y[failed] = x[take], y[take]


# --------------------------------------------------------------------------------------
# helpers


def _pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` indices drawn with the given (unnormalised) weights."""
    cum = np.cumsum(weights)
    return np.minimum(np.searchsorted(cum, rng.random(k) * cum[-1], side="right"),
                      len(cum) - 1)


def _pick_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of ``weights`` (n, m), drawn with the row's weights."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _assemble(rng: np.random.Generator, order: np.ndarray, source: np.ndarray, cat: np.ndarray,
              kind: np.ndarray, day: np.ndarray, dates: np.ndarray, hour: np.ndarray,
              minute: np.ndarray, x: np.ndarray, y: np.ndarray, place: np.ndarray, crs: str,
              lang: str) -> dict[str, np.ndarray]:
    from pyproj import Transformer

    n = len(source)
    en = lang == "en"
    src_label = np.array([SOURCES[s][1 if en else 0] for s in _SOURCES], dtype=object)
    cat_label = np.array([CATEGORIES[c].en if en else CATEGORIES[c].sv for c in _CATS],
                         dtype=object)

    # actors
    actor = np.full(n, _RESIDENT[lang], dtype=object)
    est_names = np.array(list(EST_ACTORS), dtype=object)
    est = source == _EST
    actor[est] = est_names[_pick(rng, np.array(list(EST_ACTORS.values())), int(est.sum()))]
    police = source == _SOURCES.index("situational_picture")
    actor[police] = np.where(rng.random(int(police.sum())) < 0.75, "Polisen", "Borås Stad")
    dialogue = source == _SOURCES.index("dialogue")
    actor[dialogue] = np.where(rng.random(int(dialogue.sum())) < 0.85, _RESIDENT[lang],
                               "Borås Stad")

    # weights: surveys may count more
    weight = np.full(n, "1", dtype=object)
    survey = np.isin(source, [_SOURCES.index(s) for s in _SURVEY_LIKE])
    weight[survey] = np.array(["1", "2", "3"], dtype=object)[
        _pick(rng, np.array([0.8, 0.15, 0.05]), int(survey.sum()))]

    # free text: category phrase, place phrase, time of day
    texts = _TEXTS[lang]
    phrase = np.empty(n, dtype=object)
    u = rng.random(n)
    for c, code in enumerate(_CATS):
        rows = cat == c
        options = np.array(texts[code], dtype=object)
        phrase[rows] = options[np.minimum((u[rows] * len(options)).astype(int),
                                          len(options) - 1)]
    kind_text = np.array([_KIND_TEXT[lang][k] for k in _KINDS], dtype=object)
    band = np.empty(24, dtype=object)
    for name, (a, b) in TIME_BANDS.items():
        hrs = np.arange(a, b) if a < b else np.r_[np.arange(a, 24), np.arange(0, b)]
        band[hrs] = _BAND_TEXT[lang][name]
    text = SYNTHETIC_MARK + " " + phrase + " " + kind_text[kind] + " " + band[hour] + "."

    # time
    date_str = np.datetime_as_string(dates, unit="D").astype(object)
    two = np.array([f"{i:02d}" for i in range(60)], dtype=object)
    stamp = date_str[day] + " " + two[hour] + ":" + two[minute]

    # WGS84
    lat = np.full(n, "", dtype=object)
    lon = np.full(n, "", dtype=object)
    ok = ~np.isnan(x)
    if ok.any():
        lo, la = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x[ok], y[ok])
        lat[ok] = np.char.mod("%.6f", np.asarray(la)).astype(object)
        lon[ok] = np.char.mod("%.6f", np.asarray(lo)).astype(object)

    width = max(6, len(str(n)))
    ids = np.array([f"S-{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    cols = {
        "Löpnummer": ids,
        "Källa": src_label[source][order],
        "Aktör": actor[order],
        "Kategori": cat_label[cat][order],
        "Tidpunkt": stamp[order],
        "Latitud": lat[order],
        "Longitud": lon[order],
        "Plats": place[order],
        "Fritext": text[order],
        "Vikt": weight[order],
        "Syntetisk": np.full(n, _YES[lang], dtype=object),
    }
    return cols
