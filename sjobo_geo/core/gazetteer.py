"""Gazetteer: find a place of the area by name or alias.

Names are compared after normalisation: case folded, diacritics removed (``"sjobo torg"``
finds ``"Sjöbo torg"``), punctuation and repeated spaces removed. Lookup order: exact
normalised name, then the profile's key-place aliases, then a prefix match, then a fuzzy
match (difflib ratio at least ``min_score``). Features that share a name (a street in many
segments) are one place whose geometry is their union.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sjobo_geo._errors import PlaceNotFoundError

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = ["Gazetteer", "Place", "normalise_name"]

# layers whose named features become places, in order of preference for equal names
_PLACE_LAYERS = (
    "squares", "schools", "schoolyards", "playgrounds", "leisure", "courtyards", "parking",
    "bus_stops", "businesses", "buildings", "paths",
)


def normalise_name(text: str) -> str:
    """Case-fold, strip diacritics and punctuation, collapse spaces.

    Examples
    --------
    >>> normalise_name("  Sjöbo  Torg! ")
    'sjobo torg'
    """
    text = unicodedata.normalize("NFKD", str(text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s-]", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Place:
    """A place found in the gazetteer.

    Attributes
    ----------
    name : str
        The name as in OSM (or the key place's name).
    kind : str
        The layer it comes from (``squares``, ``schools``, ``paths`` for streets, ...).
    geometry : shapely geometry
        In the area's metric CRS; the union of all features of that name and layer.
    matched : str
        How it was found: ``exact``, ``alias``, ``prefix`` or ``fuzzy``.
    score : float
        1.0 for exact and alias matches, the similarity for fuzzy ones.
    n_features : int
        Number of OSM features merged into the place.
    """

    name: str
    kind: str
    geometry: Any
    matched: str = "exact"
    score: float = 1.0
    n_features: int = 1


class Gazetteer:
    """Names and aliases of an area's places.

    Build with :meth:`from_area` (or use ``area.gazetteer``).
    """

    def __init__(self, entries: dict[str, list[Place]], aliases: dict[str, str],
                 min_score: float = 0.8) -> None:
        self._entries = entries
        self._aliases = aliases
        self.min_score = min_score

    @classmethod
    def from_area(cls, area: Area, *, min_score: float = 0.8) -> Gazetteer:
        """Index the named features of every layer and the profile's key places."""
        import shapely

        entries: dict[str, list[Place]] = {}
        for kind in _PLACE_LAYERS:
            gdf = area.layers.get(kind)
            if gdf is None or "name" not in gdf or gdf.empty:
                continue
            named = gdf[gdf["name"].notna()]
            if named.empty:
                continue
            keys = named["name"].astype(str).map(normalise_name)
            for key, group in named.groupby(keys.to_numpy(), sort=False):
                geom = shapely.union_all(group.geometry.values)
                place = Place(str(group["name"].iloc[0]), kind, geom, n_features=len(group))
                entries.setdefault(key, []).append(place)
        aliases: dict[str, str] = {}
        for key_place in area.profile.places:
            resolved = _resolve_key_place(key_place, entries, area.layers)
            canonical = normalise_name(key_place.name)
            if resolved is not None:
                entries.setdefault(canonical, [])
                if resolved not in entries[canonical]:
                    entries[canonical].insert(0, resolved)
            for alias in key_place.aliases:
                aliases.setdefault(normalise_name(alias), canonical)
        return cls(entries, aliases, min_score=min_score)

    def names(self) -> list[str]:
        """All place names known to the gazetteer."""
        return sorted({p.name for places in self._entries.values() for p in places})

    def search(self, name: str, *, kind: str | None = None, n: int = 5) -> list[Place]:
        """Up to ``n`` candidate places for ``name``, best first."""
        key = normalise_name(name)
        found: list[Place] = []

        def take(places: list[Place], matched: str, score: float) -> None:
            for p in places:
                if kind is None or p.kind == kind:
                    found.append(Place(p.name, p.kind, p.geometry, matched, score, p.n_features))

        if key in self._entries:
            take(self._entries[key], "exact", 1.0)
        if key in self._aliases and self._aliases[key] in self._entries:
            take(self._entries[self._aliases[key]], "alias", 1.0)
        if not found and key:
            prefixed = [k for k in self._entries if k.startswith(key + " ")]
            for k in sorted(prefixed, key=len):
                take(self._entries[k], "prefix", len(key) / len(k))
        if not found and key:
            scored = [(difflib.SequenceMatcher(None, key, k).ratio(), k) for k in self._entries]
            for score, k in sorted(scored, reverse=True):
                if score < self.min_score:
                    break
                take(self._entries[k], "fuzzy", round(score, 3))
        return found[:n]

    def find(self, name: str, *, kind: str | None = None) -> Place:
        """The best place for ``name``.

        Parameters
        ----------
        name : str
            Name or alias, any case, with or without diacritics.
        kind : str, optional
            Restrict to one layer (``"squares"``, ``"schools"``, ``"paths"``, ...).

        Returns
        -------
        Place

        Raises
        ------
        PlaceNotFoundError
            When nothing matches; the message suggests the closest names.

        Examples
        --------
        >>> from sjobo_geo import load_area
        >>> load_area("sample").find("senaatintori").kind
        'squares'
        """
        hits = self.search(name, kind=kind, n=1)
        if hits:
            return hits[0]
        close = difflib.get_close_matches(normalise_name(name), list(self._entries), n=3,
                                          cutoff=0.5)
        hint = ", ".join(self._entries[c][0].name for c in close) or "none"
        where = f" among {kind}" if kind else ""
        raise PlaceNotFoundError(f"no place named {name!r}{where}; closest names: {hint}")


def _resolve_key_place(key_place: Any, entries: dict[str, list[Place]],
                       layers: dict[str, gpd.GeoDataFrame]) -> Place | None:
    """A profile key place resolved to OSM features by its name patterns (never invented)."""
    patterns = [
        "*".join(normalise_name(part) for part in p.split("*"))  # keep the wildcards
        for p in (key_place.patterns or (key_place.name,))
    ]
    for key, places in entries.items():
        if any(fnmatch.fnmatchcase(key, pat) for pat in patterns):
            for place in places:
                if key_place.kind is None or place.kind == key_place.kind:
                    return Place(place.name, place.kind, place.geometry, "exact", 1.0,
                                 place.n_features)
    return None
