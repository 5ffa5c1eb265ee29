"""Map labels and legends in Swedish (default) and English.

The texts live in ``labels.toml`` beside this module, one table per concern (area map,
reports, lighting, hotspots, schoolyard and patrol, EST, measures, follow-up), so that they can
be read and translated without reading code. Keys are stable identifiers, unique over all
tables; :func:`label` falls back to English, then to the key, so a missing translation never
breaks a map.
"""

from __future__ import annotations

import functools
from pathlib import Path

from sjobo_geo import settings

__all__ = ["LANGS", "label", "check_lang"]

LANGS = ("sv", "en")

_LABELS_FILE = Path(__file__).with_name("labels.toml")


@functools.cache
def _labels() -> dict[str, dict[str, str]]:
    """All labels from ``labels.toml``, its tables (one per concern) flattened."""
    import tomllib

    with _LABELS_FILE.open("rb") as f:
        tables = tomllib.load(f)
    out: dict[str, dict[str, str]] = {}
    for table in tables.values():
        for key, entry in table.items():
            if key in out:
                raise RuntimeError(f"{_LABELS_FILE.name}: label {key!r} is defined twice")
            out[key] = entry
    return out


def check_lang(lang: str | None) -> str:
    """Return a supported language code (``settings.lang`` when None).

    Raises
    ------
    ValueError
        For a language other than ``sv`` or ``en``.
    """
    from sjobo_geo._errors import SjoboGeoError

    lang = lang or settings.lang
    if lang not in LANGS:
        raise type("LanguageError", (ValueError, SjoboGeoError), {})(
            f"unknown language {lang!r}; choose one of {', '.join(LANGS)}"
        )
    return lang


def label(key: str, lang: str | None = None) -> str:
    """Label of ``key`` in ``lang`` (Swedish by default)."""
    lang = check_lang(lang)
    entry = _labels().get(key, {})
    return entry.get(lang) or entry.get("en") or key
