"""Map labels and legends in Swedish (default) and English.

Keys are stable identifiers; :func:`label` falls back to English, then to the key, so a
missing translation never breaks a map.
"""

from __future__ import annotations

from .. import settings

__all__ = ["LANGS", "label", "check_lang"]

LANGS = ("sv", "en")

_LABELS: dict[str, dict[str, str]] = {
    "legend": {"sv": "Teckenförklaring", "en": "Legend"},
    "boundary": {"sv": "Områdesgräns", "en": "Area boundary"},
    "buildings": {"sv": "Byggnader", "en": "Buildings"},
    "courtyards": {"sv": "Innergårdar", "en": "Courtyards"},
    "squares": {"sv": "Torg och gågator (ytor)", "en": "Squares and pedestrian areas"},
    "schoolyards": {"sv": "Skolgårdar", "en": "Schoolyards"},
    "schools": {"sv": "Skolor och förskolor", "en": "Schools and preschools"},
    "playgrounds": {"sv": "Lekplatser", "en": "Playgrounds"},
    "leisure": {"sv": "Fritids- och ungdomsplatser", "en": "Leisure and youth places"},
    "parking": {"sv": "Parkering", "en": "Parking"},
    "vegetation": {"sv": "Sikthindrande vegetation", "en": "Sight-blocking vegetation"},
    "paths": {"sv": "Gångvägar", "en": "Walkways"},
    "paths_lit": {"sv": "Gångvägar: belysta", "en": "Walkways: lit"},
    "paths_unlit": {"sv": "Gångvägar: obelysta (lit=no)", "en": "Walkways: unlit (lit=no)"},
    "paths_unknown": {"sv": "Gångvägar: belysning okänd", "en": "Walkways: lighting unknown"},
    "tunnels": {"sv": "Tunnlar och passager", "en": "Tunnels and underpasses"},
    "bus_stops": {"sv": "Busshållplatser", "en": "Bus stops"},
    "businesses": {"sv": "Butiker och verksamheter", "en": "Shops and businesses"},
    "lamps": {"sv": "Gatlampor", "en": "Street lamps"},
    "base": {"sv": "Bakgrund (byggnader och gator)", "en": "Background (buildings and streets)"},
    "name": {"sv": "Namn", "en": "Name"},
    "kind": {"sv": "Typ", "en": "Type"},
    "lit_status": {"sv": "Belysning", "en": "Lighting"},
    "lit": {"sv": "belyst", "en": "lit"},
    "unlit": {"sv": "obelyst", "en": "unlit"},
    "unknown": {"sv": "okänd", "en": "unknown"},
    "highway": {"sv": "Vägtyp", "en": "Way type"},
    "area_m2": {"sv": "Yta (m²)", "en": "Area (m²)"},
    "enclosure": {"sv": "Andel omsluten av hus", "en": "Share enclosed by buildings"},
    "streets": {"sv": "Gator", "en": "Streets"},
    "lamp_mount": {"sv": "Montering", "en": "Mounting"},
    "mount_height_m": {"sv": "Ljuspunktshöjd (m)", "en": "Mounting height (m)"},
    "school": {"sv": "Skola", "en": "School"},
    "source": {"sv": "Källa", "en": "Source"},
    "osm_credit": {
        "sv": "Kartdata © OpenStreetMaps bidragsgivare (ODbL)",
        "en": "Map data © OpenStreetMap contributors (ODbL)",
    },
    "boundary_source": {"sv": "Gräns", "en": "Boundary"},
    # report maps (sjobo_geo.maps.reports)
    "reports": {"sv": "Rapporter", "en": "Reports"},
    "category": {"sv": "Kategori", "en": "Category"},
    "time": {"sv": "Tid", "en": "Time"},
    "actor": {"sv": "Aktör", "en": "Reported by"},
    "report_text": {"sv": "Fritext", "en": "Free text"},
    "report_id": {"sv": "Rapport-id", "en": "Report id"},
    "time_filter": {"sv": "Tid på dygnet", "en": "Time of day"},
    "band_all": {"sv": "Alla", "en": "All"},
    "band_night": {"sv": "Natt 22–06", "en": "Night 22–06"},
    "band_morning": {"sv": "Morgon 06–10", "en": "Morning 06–10"},
    "band_day": {"sv": "Dag 10–17", "en": "Day 10–17"},
    "band_evening": {"sv": "Kväll 17–22", "en": "Evening 17–22"},
    "band_unknown": {"sv": "Okänd tid", "en": "Unknown time"},
    "weekday_0": {"sv": "måndag", "en": "Monday"},
    "weekday_1": {"sv": "tisdag", "en": "Tuesday"},
    "weekday_2": {"sv": "onsdag", "en": "Wednesday"},
    "weekday_3": {"sv": "torsdag", "en": "Thursday"},
    "weekday_4": {"sv": "fredag", "en": "Friday"},
    "weekday_5": {"sv": "lördag", "en": "Saturday"},
    "weekday_6": {"sv": "söndag", "en": "Sunday"},
    "synthetic_banner": {
        "sv": "SYNTETISKA DATA – inte verkliga rapporter",
        "en": "SYNTHETIC DATA – not real reports",
    },
    "all_categories": {"sv": "Alla kategorier", "en": "All categories"},
    "n_reports": {"sv": "Antal rapporter", "en": "Number of reports"},
    "cells_legend": {"sv": "Antal rapporter per ruta", "en": "Reports per cell"},
    "min_k_note": {"sv": "minst {k} per visad ruta", "en": "at least {k} per cell shown"},
    "min_k": {"sv": "Gräns", "en": "Threshold"},
    "public_note": {
        "sv": "Publik karta: rapporter sammanräknade i rutor om {size} m; "
              "rutor med färre än {k} rapporter visas inte",
        "en": "Public map: reports counted in cells of {size} m; "
              "cells with fewer than {k} reports are not shown",
    },
}


def check_lang(lang: str | None) -> str:
    """Return a supported language code (``settings.lang`` when None).

    Raises
    ------
    ValueError
        For a language other than ``sv`` or ``en``.
    """
    from .._errors import SjoboGeoError

    lang = lang or settings.lang
    if lang not in LANGS:
        raise type("LanguageError", (ValueError, SjoboGeoError), {})(
            f"unknown language {lang!r}; choose one of {', '.join(LANGS)}"
        )
    return lang


def label(key: str, lang: str | None = None) -> str:
    """Label of ``key`` in ``lang`` (Swedish by default)."""
    lang = check_lang(lang)
    entry = _LABELS.get(key, {})
    return entry.get(lang) or entry.get("en") or key
