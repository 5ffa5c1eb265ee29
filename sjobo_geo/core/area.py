"""The area model: one object with every layer in metres and the walk network.

:func:`load_area` gets OSM data (live, file or the offline sample, see :mod:`sjobo_geo.core.osm`),
projects everything once to the profile's metric CRS and sorts the features into layers:

========== ==========================================================================
layer       content
========== ==========================================================================
paths       walkable network segments; ``lit_status`` lit / unlit / unknown
squares     place=square and pedestrian areas (highway=pedestrian + area)
buildings   building outlines
courtyards  open spaces (mostly) enclosed by buildings (:mod:`sjobo_geo.core.courtyards`)
schools     amenity=school / kindergarten
schoolyards school grounds without their buildings, and leisure=schoolyard
playgrounds leisure=playground
leisure     leisure and youth places (sports, parks, community and youth centres, ...)
parking     amenity=parking
bus_stops   highway=bus_stop and bus platforms
tunnels     walkable tunnels, underpasses and building passages
businesses  shops, offices, crafts, cafés and restaurants (for a square council)
vegetation  sight-blocking vegetation: scrub, hedges, tree rows, trees, forest edges
lamps       highway=street_lamp with light tags
boundary    the area boundary
========== ==========================================================================

Lighting status follows OSM: ``lit=no`` (and ``disused``: lamps present but off) is a
statement of darkness, *unlit*; ``yes``, ``24/7``, ``automatic``, ``limited``, ``interval``
and opening-hours values are *lit*; a missing tag is *unknown*, never assumed either way.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo._errors import EmptyAreaError
from sjobo_geo.core.progress import noop

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx
    import pandas as pd
    from shapely import Polygon

    from sjobo_geo.core.gazetteer import Gazetteer
    from sjobo_geo.core.osm import OSMData
    from sjobo_geo.core.profiles import AreaProfile

__all__ = ["LAYER_KINDS", "LOAD_STEPS", "Area", "build_area", "load_area", "lit_status"]

log = logging.getLogger(__name__)

#: Layer names of the area model, in drawing order (bottom to top).
LAYER_KINDS = (
    "boundary", "buildings", "courtyards", "squares", "schoolyards", "schools", "playgrounds",
    "leisure", "parking", "vegetation", "paths", "tunnels", "bus_stops", "businesses", "lamps",
)

LIT_VALUES = ("lit", "unlit", "unknown")
_UNLIT = {"no", "disused"}
_LIT = {"yes", "24/7", "automatic", "limited", "interval", "sunset-sunrise", "dusk-dawn"}

#: Path width in metres by highway type when OSM has no usable width tag.
DEFAULT_WIDTH_M = {
    "footway": 2.0, "path": 1.5, "cycleway": 3.0, "pedestrian": 5.0, "steps": 2.0,
    "track": 3.0, "bridleway": 2.0, "living_street": 5.0, "service": 4.0, "residential": 6.0,
    "unclassified": 6.0, "tertiary": 7.0, "secondary": 8.0, "primary": 9.0, "trunk": 10.0,
}
_FALLBACK_WIDTH_M = 3.0

_LEISURE = {
    "sports_centre", "sports_hall", "pitch", "fitness_centre", "fitness_station", "track",
    "stadium", "park", "recreation_ground", "ice_rink", "swimming_pool", "dog_park",
    "youth_club", "common", "garden", "skatepark", "miniature_golf",
}
_YOUTH_AMENITIES = {
    "community_centre", "youth_centre", "social_centre", "arts_centre", "library",
    "music_school", "theatre", "cinema",
}
_BUSINESS_AMENITIES = {
    "restaurant", "cafe", "fast_food", "bar", "pub", "pharmacy", "bank", "post_office",
    "marketplace", "ice_cream", "dentist", "doctors", "clinic", "fuel", "nightclub",
    "bureau_de_change", "money_transfer", "food_court", "veterinary", "car_rental",
}
_PUBLIC_STREETS = {
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link",
}
_LAMP_TAGS = [
    "ref", "light:count", "height", "light:height", "lamp_mount", "light:method", "lamp_type",
    "light:colour", "light:direction", "support", "operator",
]


def lit_status(values: pd.Series) -> pd.Series:
    """Map raw OSM ``lit`` values to ``lit`` / ``unlit`` / ``unknown``.

    Parameters
    ----------
    values : pandas.Series
        Raw ``lit`` tag values (strings, missing values, or lists after graph
        simplification, where any unlit part makes the whole unlit and any unknown part
        makes it unknown).

    Returns
    -------
    pandas.Series
        Categorical with categories ``("lit", "unlit", "unknown")``, same index.

    Examples
    --------
    >>> import pandas as pd
    >>> lit_status(pd.Series(["yes", "no", None, "24/7"])).tolist()
    ['lit', 'unlit', 'unknown', 'lit']
    """
    import pandas as pd

    def one(value: Any) -> str:
        if isinstance(value, list):
            parts = {one(v) for v in value}
            for status in ("unlit", "unknown"):
                if status in parts:
                    return status
            return "lit"
        if not isinstance(value, str):
            return "unknown"
        v = value.strip().lower()
        if v in _UNLIT:
            return "unlit"
        if v in _LIT or re.match(r"^\d{1,2}:\d{2}", v):  # opening-hours syntax: lit at times
            return "lit"
        return "unknown"

    return pd.Series(
        pd.Categorical([one(v) for v in values], categories=LIT_VALUES), index=values.index
    )


@dataclass
class Area:
    """An area: layers as GeoDataFrames in a metric CRS, the walk network, provenance.

    Attributes
    ----------
    profile : AreaProfile
        The profile the area was built from.
    crs : str
        The metric CRS of every layer and of the graph (e.g. ``"EPSG:3006"``).
    boundary : shapely.Polygon
        Area boundary in the metric CRS.
    graph : networkx.MultiDiGraph
        Walk network (an osmnx graph: projected, simplified, bidirectional, built without
        importing osmnx), with pedestrian areas crossed by straight edges between their
        entry nodes.
    layers : dict of str to geopandas.GeoDataFrame
        One GeoDataFrame per kind in :data:`LAYER_KINDS`, all in ``crs``.
    meta : dict
        Provenance: source, file or query, boundary source, OSM attribution, notes, counts.

    Layers are also attributes: ``area.paths`` is ``area.layers["paths"]``.
    """

    profile: AreaProfile
    crs: str
    boundary: Polygon
    graph: nx.MultiDiGraph
    layers: dict[str, gpd.GeoDataFrame]
    meta: dict[str, Any] = field(default_factory=dict)
    _gazetteer: Gazetteer | None = field(default=None, repr=False)

    def __getattr__(self, name: str) -> gpd.GeoDataFrame:
        layers = self.__dict__.get("layers", {})
        if name in layers:
            return layers[name]
        raise AttributeError(f"Area has no attribute or layer {name!r}")

    @property
    def name(self) -> str:
        """The area's display name."""
        return self.profile.name

    @property
    def gazetteer(self) -> Gazetteer:
        """The area's gazetteer (names and aliases to places), built on first use."""
        if self._gazetteer is None:
            from sjobo_geo.core.gazetteer import Gazetteer

            self._gazetteer = Gazetteer.from_area(self)
        return self._gazetteer

    def find(self, name: str, *, kind: str | None = None):
        """Find a place by name or alias; see :meth:`Gazetteer.find`."""
        return self.gazetteer.find(name, kind=kind)

    def counts(self) -> dict[str, int]:
        """Number of features per layer."""
        return {kind: len(gdf) for kind, gdf in self.layers.items()}

    def summary(self) -> str:
        """A short text summary: source, boundary and features per layer."""
        lines = [
            f"{self.name} ({self.crs}); OSM source: {self.meta.get('source')} "
            f"[{self.meta.get('description')}]; boundary: {self.meta.get('boundary_source')}",
            f"walk network: {self.graph.number_of_nodes()} nodes, "
            f"{self.graph.number_of_edges()} directed edges",
        ]
        lit = self.layers["paths"]["lit_status"].value_counts()
        lines.append(
            "paths by lighting: " + ", ".join(f"{k} {int(lit.get(k, 0))}" for k in LIT_VALUES)
        )
        lines.append(", ".join(f"{k} {v}" for k, v in self.counts().items() if k != "boundary"))
        lines.extend(f"note: {n}" for n in self.meta.get("notes", []))
        if self.meta.get("cache"):
            lines.append(f"note: model kept from an earlier run ({self.meta['cache']}); "
                         "SJOBO_GEO_AREA_CACHE=0 builds it again")
        return "\n".join(lines)

    def to_gpkg(self, path: str | Path) -> Path:
        """Write every layer to a GeoPackage; see :func:`sjobo_geo.core.files.write_area_gpkg`."""
        from sjobo_geo.core.files import write_area_gpkg

        return write_area_gpkg(self, path)


def load_area(
    area: str | Path | AreaProfile = "sample",
    *,
    osm_file: str | Path | None = None,
    source: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Area:
    """Load an area: OSM data from the profile's source (or a file), built into an Area.

    Parameters
    ----------
    area : str, pathlib.Path or AreaProfile, default "sample"
        Profile name (``"sjobo"``, ``"sample"``), TOML path, or profile.
    osm_file : str or pathlib.Path, optional
        Local ``.osm``/``.osm.pbf`` to read instead of the profile's source.
    source : {"live", "file", "sample"}, optional
        Override the profile's OSM source.
    progress : callable, optional
        Called with each step name of :data:`LOAD_STEPS` as it starts (both are reported
        when the model is read from the kept models, see :data:`sjobo_geo.settings`).

    Returns
    -------
    Area

    Examples
    --------
    >>> from sjobo_geo import load_area
    >>> area = load_area("sample")
    >>> area.crs
    'EPSG:3067'
    >>> sorted(area.paths["lit_status"].unique())
    ['lit', 'unknown', 'unlit']
    """
    with _gc_paused():
        return _load_area(area, osm_file, source, progress or noop)


def _load_area(area: str | Path | AreaProfile, osm_file: str | Path | None,
               source: str | None, step: Callable[[str], None]) -> Area:
    from sjobo_geo.core.osm import fetch_osm
    from sjobo_geo.core.profiles import load_profile

    profile = load_profile(area)
    cached = _cache_file(profile, osm_file, source)
    model = _read_cached(cached) if cached is not None and cached.is_file() else None
    step(LOAD_STEPS[0])
    if model is not None:
        step(LOAD_STEPS[1])
        return model
    osm = fetch_osm(profile, osm_file=osm_file, source=source)
    step(LOAD_STEPS[1])
    model = build_area(osm, profile)
    if cached is not None:
        _write_cached(model, cached)
    return model


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an area is read and built (or unpickled).

    Both make several hundred thousand small dicts, tuples and geometries and keep most of
    them: the collector would walk all of them again and again (about a tenth of a cold
    build) to find next to no garbage. Cycles made meanwhile are collected after.
    """
    import gc

    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


#: Steps reported by :func:`load_area` to its ``progress``.
LOAD_STEPS = ("read OSM data", "build area model")


#: Bump when the Area's content changes, so that models kept by older code are not used.
_CACHE_FORMAT = 1
#: Modules whose source is part of the key of a kept model.
_BUILDERS = ("area", "osm", "courtyards", "profiles", "gazetteer")


def _cache_file(profile: AreaProfile, osm_file: str | Path | None, source: str | None
                ) -> Path | None:
    """Where the model of this profile and OSM file is kept (None: not kept).

    The name holds a hash of everything the model depends on: the profile (all its
    fields), the OSM file's path, size and modification time, the package version, the
    source of the modules that build it and the versions of the libraries it uses.
    Anything changed gives another name.
    """
    import hashlib
    import importlib.metadata
    import sys

    from sjobo_geo import __version__, settings
    from sjobo_geo.core.osm import sample_osm_path

    if not settings.area_cache:
        return None
    src = "file" if osm_file is not None else (source or profile.source)
    path = (Path(osm_file) if osm_file is not None else sample_osm_path() if src == "sample"
            else profile.osm_file if src == "file" else None)
    if path is None or not Path(path).is_file():
        return None  # live areas and missing files are never kept
    stat = Path(path).stat()
    versions = []
    for dist in ("geopandas", "shapely", "pandas", "numpy", "networkx", "osmnx", "pyproj"):
        try:
            versions.append(importlib.metadata.version(dist))
        except importlib.metadata.PackageNotFoundError:
            versions.append("")
    # the code that builds the model: an edited builder (same version) gives a new key
    here = Path(__file__).parent
    code = hashlib.sha256(b"".join((here / f"{m}.py").read_bytes() for m in _BUILDERS))
    key = repr((_CACHE_FORMAT, __version__, sys.version_info[:2], versions, repr(profile),
                str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, code.hexdigest()))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", str(profile.key))[:40]
    return Path(settings.area_cache_folder) / f"{safe}-{digest}.pickle"


def _read_cached(path: Path) -> Area | None:
    """The kept model, or None when it cannot be read (it is then built again)."""
    import pickle

    try:
        with path.open("rb") as f:
            model = pickle.load(f)  # our own cache folder, written by _write_cached
    except Exception as exc:  # noqa: BLE001 - a broken cache file is rebuilt, never fatal
        log.warning("area cache %s unreadable (%s); building the area again", path, exc)
        return None
    if not isinstance(model, Area):
        return None
    model.meta["cache"] = str(path)
    return model


def _write_cached(model: Area, path: Path) -> None:
    """Keep the model (with its gazetteer built) for the next run; failures only warn."""
    import pickle

    from sjobo_geo.core.files import atomic_path

    try:
        _ = model.gazetteer  # built once, kept with the model
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, tmp.open("wb") as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
    except (OSError, pickle.PicklingError) as exc:
        log.warning("area model not kept in %s: %s", path, exc)


def build_area(osm: OSMData, profile: AreaProfile) -> Area:
    """Build the area model from raw OSM data.

    Parameters
    ----------
    osm : OSMData
        Graph and features in WGS84, from any source.
    profile : AreaProfile
        Gives the metric CRS and the key places.

    Returns
    -------
    Area
    """
    import geopandas as gpd

    from sjobo_geo.core.courtyards import derive_courtyards

    crs = profile.crs
    _check_crs_covers(crs, osm.boundary, profile)
    boundary = gpd.GeoSeries([osm.boundary], crs="EPSG:4326").to_crs(crs).iloc[0]

    graph = _simplify_and_project(osm.graph, ["lit", "highway", "name", "tunnel"], crs)

    features = _flatten_index(osm.features, crs)
    layers: dict[str, gpd.GeoDataFrame] = {}
    layers["boundary"] = gpd.GeoDataFrame(
        {"name": [profile.name], "boundary_source": [osm.boundary_source],
         "area_km2": [boundary.area / 1e6]}, geometry=[boundary], crs=crs,
    )
    layers["buildings"] = _buildings(features)
    layers["squares"] = _squares(features)
    _add_pedestrian_areas(graph, layers["squares"])
    layers["paths"] = _paths(graph)
    if layers["paths"].empty:
        raise EmptyAreaError(f"area {profile.name!r}: no walkable paths inside the boundary")
    is_school = _tag(features, "amenity").isin(["school", "kindergarten"])
    layers["schools"] = _select(features, is_school, kind_from=["amenity"],
                                extra=["isced:level", "operator"])
    layers["schoolyards"] = _schoolyards(features, layers["schools"], layers["buildings"])
    layers["playgrounds"] = _select(features, _tag(features, "leisure") == "playground",
                                    kind_from=["leisure"])
    layers["leisure"] = _select(
        features,
        _tag(features, "leisure").isin(_LEISURE) | _tag(features, "amenity").isin(_YOUTH_AMENITIES)
        | _tag(features, "club").notna(),
        kind_from=["leisure", "amenity", "club"], extra=["sport", "opening_hours"],
    )
    layers["parking"] = _select(features, _tag(features, "amenity") == "parking",
                                kind_from=["parking"], extra=["capacity", "access"])
    layers["bus_stops"] = _select(
        features,
        (_tag(features, "highway") == "bus_stop")
        | ((_tag(features, "public_transport") == "platform") & (_tag(features, "bus") == "yes")),
        kind_from=["highway", "public_transport"], extra=["ref", "shelter"],
    )
    layers["tunnels"] = _tunnels(layers["paths"])
    layers["businesses"] = _select(
        features,
        _tag(features, "shop").notna() | _tag(features, "office").notna()
        | _tag(features, "craft").notna() | _tag(features, "amenity").isin(_BUSINESS_AMENITIES),
        kind_from=["shop", "amenity", "office", "craft"],
        extra=["addr:street", "addr:housenumber", "opening_hours", "brand"],
    )
    layers["vegetation"] = _vegetation(features, boundary)
    layers["lamps"] = _lamps(features)
    streets = layers["paths"][layers["paths"]["highway"].isin(_PUBLIC_STREETS)]
    layers["courtyards"] = derive_courtyards(layers["buildings"], streets)
    layers = {kind: layers[kind] for kind in LAYER_KINDS}

    meta = {
        "area": profile.name,
        "profile": profile.key,
        "crs": crs,
        "source": osm.source,
        "description": osm.description,
        "boundary_source": osm.boundary_source,
        "notes": list(osm.notes),
        "attribution": "OSM data © OpenStreetMap contributors, ODbL",
        "courtyard_parameters": layers["courtyards"].attrs.get("parameters", {}),
    }
    for note in osm.notes:
        log.info(note)
    return Area(profile=profile, crs=crs, boundary=boundary, graph=graph, layers=layers, meta=meta)


# --------------------------------------------------------------------------------------
# helpers


def _check_crs_covers(crs: str, boundary_wgs84: Any, profile: AreaProfile) -> None:
    from pyproj import CRS

    from sjobo_geo._errors import CRSError

    aou = CRS.from_user_input(crs).area_of_use
    if aou is None:
        return
    x, y = boundary_wgs84.representative_point().coords[0]
    margin = 0.5  # degrees: transverse Mercator stays accurate a little outside its zone
    if not (aou.west - margin <= x <= aou.east + margin and aou.south - margin <= y
            <= aou.north + margin):
        raise CRSError(
            f"area {profile.name!r} lies at lon {x:.2f}, lat {y:.2f}, outside the area of use of "
            f"{crs} ({aou.name}); set crs in the profile to a local metric CRS"
        )


def _flatten_index(features: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """osmnx's (element, id) index -> columns osm_type, osm_id; a plain RangeIndex; in ``crs``.

    Only the geometry is transformed: ``GeoDataFrame.to_crs`` would first copy every one of
    the hundreds of tag columns.
    """
    index = features.index
    f = features.reset_index(drop=True)  # copy-on-write: the tag columns are not copied
    if index.nlevels == 2:
        f["osm_type"] = index.get_level_values(0).astype(str)
        f["osm_id"] = index.get_level_values(1).astype("int64")
    else:
        f["osm_type"] = "unknown"
        f["osm_id"] = -1
    f.set_geometry(f.geometry.to_crs(crs), inplace=True)
    return f


def _tag(features: gpd.GeoDataFrame, key: str) -> pd.Series:
    import pandas as pd

    if key in features.columns:
        return features[key]
    return pd.Series(pd.NA, index=features.index, dtype="object")


def _select(
    features: gpd.GeoDataFrame,
    mask: pd.Series,
    *,
    kind_from: list[str] | None = None,
    extra: list[str] | None = None,
    polygons_only: bool = False,
) -> gpd.GeoDataFrame:
    """Rows of ``features`` matching ``mask`` with a tidy set of columns."""
    import geopandas as gpd

    # the few columns first, then the rows: a row mask copies every column it is given
    wanted = dict.fromkeys(["osm_type", "osm_id", "name", *(kind_from or []), *(extra or [])])
    columns = [c for c in wanted if c in features.columns]
    sub = features[[*columns, features.geometry.name]][mask.fillna(False).astype(bool)]
    if polygons_only:
        sub = sub[sub.geom_type.isin(["Polygon", "MultiPolygon"])]
    cols = {"osm_type": sub["osm_type"], "osm_id": sub["osm_id"], "name": _tag(sub, "name")}
    if kind_from:
        kind = _tag(sub, kind_from[0])
        for key in kind_from[1:]:
            kind = kind.fillna(_tag(sub, key))
        cols["kind"] = kind
    for key in extra or []:
        cols[key] = _tag(sub, key)
    out = gpd.GeoDataFrame(cols, geometry=sub.geometry.values, crs=features.crs)
    return out.reset_index(drop=True)


def _buildings(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    building = _tag(features, "building")
    mask = building.notna() & (building != "no")
    return _select(
        features, mask, kind_from=["building"], polygons_only=True,
        extra=["addr:street", "addr:housenumber", "building:levels", "height"],
    )


def _squares(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import shapely

    polygonal = features.geom_type.isin(["Polygon", "MultiPolygon"])
    is_square = _tag(features, "place") == "square"
    pedestrian_area = (_tag(features, "highway") == "pedestrian") & polygonal
    out = _select(features, is_square | pedestrian_area, extra=["lit", "surface"])
    # osmnx reads closed place=square ways as lines; a closed ring is the square's area
    # (ways clipped at the extract's edge stay lines: half an outline is not an area)
    rings = (out.geom_type == "LineString") & out.geometry.is_ring
    if rings.any():
        out.loc[rings, "geometry"] = shapely.polygons(out.geometry.values[rings.to_numpy()])
    out.insert(3, "kind", np.where(is_square[is_square | pedestrian_area].to_numpy(),
                                   "square", "pedestrian_area"))
    return out


def _schoolyards(
    features: gpd.GeoDataFrame, schools: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """School grounds without their buildings, plus leisure=schoolyard areas."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    grounds = schools[schools.geom_type.isin(["Polygon", "MultiPolygon"])]
    tagged = _select(features, _tag(features, "leisure") == "schoolyard", polygons_only=True)
    parts = pd.concat([grounds[["osm_type", "osm_id", "name", "geometry"]],
                       tagged[["osm_type", "osm_id", "name", "geometry"]]], ignore_index=True)
    if parts.empty:
        return gpd.GeoDataFrame(
            {"osm_type": [], "osm_id": [], "name": [], "school": [], "area_m2": []},
            geometry=[], crs=features.crs,
        )
    geoms = parts.geometry.values
    if len(buildings):
        tree = shapely.STRtree(buildings.geometry.values)
        idx_part, idx_bld = tree.query(geoms, predicate="intersects")
        covers = {}
        for p in np.unique(idx_part):
            covers[p] = shapely.union_all(buildings.geometry.values[idx_bld[idx_part == p]])
        geoms = np.array([
            shapely.difference(g, covers[i]) if i in covers else g for i, g in enumerate(geoms)
        ], dtype=object)
    out = gpd.GeoDataFrame(
        {"osm_type": parts["osm_type"], "osm_id": parts["osm_id"], "name": parts["name"],
         "school": parts["name"]},
        geometry=geoms, crs=features.crs,
    ).explode(index_parts=False)
    out = out[out.geom_type == "Polygon"]
    out["area_m2"] = out.area
    return out[out["area_m2"] >= 20.0].reset_index(drop=True)


def _vegetation(features: gpd.GeoDataFrame, boundary: Any) -> gpd.GeoDataFrame:
    """Sight-blocking vegetation; woods and forests become their edges (lines)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    natural, landuse, barrier = (_tag(features, k) for k in ("natural", "landuse", "barrier"))
    kind = pd.Series(pd.NA, index=features.index, dtype="object")
    kind[natural == "scrub"] = "scrub"
    kind[natural == "tree_row"] = "tree_row"
    kind[natural == "tree"] = "tree"
    kind[barrier == "hedge"] = "hedge"
    forest = (natural == "wood") | (landuse == "forest")
    kind[forest.fillna(False).astype(bool)] = "forest_edge"
    out = _select(features, kind.notna(), extra=["height", "leaf_type", "species"])
    out.insert(3, "kind", kind[kind.notna()].to_numpy())
    edges = out["kind"] == "forest_edge"
    if edges.any():
        # the edge is where a wood blocks sight from outside; clip to the area
        rims = shapely.intersection(shapely.boundary(out.geometry.values[edges.to_numpy()]),
                                    boundary)
        out.loc[edges, "geometry"] = gpd.GeoSeries(rims, index=out.index[edges], crs=out.crs)
        out = out[~out.geometry.is_empty]
    return out.reset_index(drop=True)


def _lamps(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import pandas as pd

    is_lamp = (_tag(features, "highway") == "street_lamp") & (features.geom_type == "Point")
    out = _select(features, is_lamp, extra=_LAMP_TAGS)
    height = pd.to_numeric(out["light:height"].astype("string").str.extract(r"([\d.]+)")[0],
                           errors="coerce")
    height = height.fillna(
        pd.to_numeric(out["height"].astype("string").str.extract(r"([\d.]+)")[0], errors="coerce")
    )
    out["mount_height_m"] = height.astype("float64")
    return out


def _paths(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """One row per physical path segment (the two directions of a walk edge merged)."""
    import geopandas as gpd
    import pandas as pd

    edges = _edge_frame(graph, ["area_crossing", "length", "osmid", "name", "highway", "lit",
                                "tunnel", "covered", "surface", "footway", "width"])
    if "area_crossing" in edges:
        edges = edges[edges["area_crossing"].isna() | (edges["area_crossing"] == False)]  # noqa: E712
    lo = np.minimum(edges["u"].to_numpy(), edges["v"].to_numpy())
    hi = np.maximum(edges["u"].to_numpy(), edges["v"].to_numpy())
    key = pd.DataFrame({"lo": lo, "hi": hi, "len": edges["length"].round(2).to_numpy()})
    edges = edges[~key.duplicated().to_numpy()]

    def text(col: str) -> pd.Series:
        # merged edges carry lists in osmnx's (unstable) order: sort them for stable output
        s = _tag(edges, col)
        if s.dtype != object:
            return s  # a typed column (text, numbers) holds no lists
        return s.map(lambda v: ";".join(sorted(map(str, v))) if isinstance(v, list) else v)

    highway = text("highway")
    # the widest of the merged parts (a width tag may be "2", "2 m" or "2;1.5" after merging)
    width = text("width").astype("string").str.findall(r"\d+(?:\.\d+)?").map(
        lambda xs: max(map(float, xs)) if isinstance(xs, list) and xs else np.nan)
    width = pd.to_numeric(width, errors="coerce")
    default_width = highway.map(lambda h: max(DEFAULT_WIDTH_M.get(part, _FALLBACK_WIDTH_M)
                                              for part in str(h).split(";")))
    out = gpd.GeoDataFrame(
        {
            "u": edges["u"].to_numpy(), "v": edges["v"].to_numpy(),
            "osmid": text("osmid").astype("string").to_numpy(),
            "name": text("name").to_numpy(), "highway": highway.to_numpy(),
            "lit": text("lit").to_numpy(),
            "lit_status": lit_status(_tag(edges, "lit")).to_numpy(),
            "tunnel": text("tunnel").to_numpy(), "covered": text("covered").to_numpy(),
            "surface": text("surface").to_numpy(), "footway": text("footway").to_numpy(),
            "width_m": width.fillna(default_width).astype("float64").to_numpy(),
            "width_source": np.where(width.notna(), "tag", "default"),
            "length_m": edges["length"].astype("float64").to_numpy(),
        },
        geometry=edges.geometry.values, crs=edges.crs,
    )
    out["lit_status"] = pd.Categorical(out["lit_status"], categories=LIT_VALUES)
    return out.reset_index(drop=True)


def _tunnels(paths: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    tunnel = paths["tunnel"].astype("string")
    mask = (tunnel.notna() & (tunnel != "no")) | (paths["covered"].astype("string") == "yes")
    out = paths[mask.fillna(False).to_numpy()][
        ["osmid", "name", "highway", "tunnel", "covered", "lit_status", "length_m", "geometry"]
    ].copy()
    out.insert(0, "kind", out["tunnel"].fillna("covered"))
    return out.reset_index(drop=True)


def _add_pedestrian_areas(graph: nx.MultiDiGraph, squares: gpd.GeoDataFrame) -> None:
    """Make squares and pedestrian areas walkable: straight edges across each area between
    the network nodes on or inside it, where the straight line stays inside the area."""
    import shapely

    polys = squares[squares.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty or graph.number_of_nodes() == 0:
        return
    node_ids = np.array(list(graph.nodes))
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in node_ids])
    tree = shapely.STRtree(shapely.points(xy))
    area_geoms = polys.geometry.values
    touch = shapely.buffer(area_geoms, 1.0)  # nodes on the outline, within a metre
    inside = shapely.buffer(area_geoms, 0.5)
    idx_area, idx_node = tree.query(touch, predicate="intersects")
    max_nodes = 80  # keeps pairs at most 3,160 per area
    for a in np.unique(idx_area):
        nodes = idx_node[idx_area == a]
        if len(nodes) < 2:
            continue
        if len(nodes) > max_nodes:
            nodes = nodes[np.linspace(0, len(nodes) - 1, max_nodes).astype(int)]
        i, j = np.triu_indices(len(nodes), k=1)
        lines = shapely.linestrings(np.stack([xy[nodes[i]], xy[nodes[j]]], axis=1))
        ok = shapely.covered_by(lines, inside[a])
        row = polys.iloc[a]
        lit = row.get("lit")
        for k in np.flatnonzero(ok):
            u, v = node_ids[nodes[i[k]]], node_ids[nodes[j[k]]]
            if graph.has_edge(u, v):
                continue
            attrs = {
                "osmid": int(row["osm_id"]), "highway": "pedestrian", "area_crossing": True,
                "name": row["name"] if isinstance(row["name"], str) else None,
                "lit": lit if isinstance(lit, str) else None,
                "length": float(lines[k].length), "geometry": lines[k], "oneway": False,
            }
            graph.add_edge(u, v, reversed=False, **attrs)
            graph.add_edge(v, u, reversed=True, **{**attrs, "geometry": lines[k].reverse()})


# --------------------------------------------------------------------------------------
# the walk graph: osmnx's simplification and projection, without importing osmnx


def _is_endpoint(node: Any, out: dict, inn: dict, attrs: list[str]) -> bool:
    """osmnx's ``simplification._is_endpoint`` on plain adjacency dicts.

    ``out[n]`` maps successors to ``{key: edge data}``, ``inn[n]`` predecessors to lists
    of edge data. A node is an endpoint if it has a self-loop, no way in or no way out,
    other than two neighbours with 2 or 4 edges, or edges differing in one of ``attrs``.
    """
    succ, pred = out[node], inn[node]
    if node in succ or node in pred or not succ or not pred:
        return True
    if len(succ.keys() | pred.keys()) != 2:
        return True
    degree = sum(map(len, succ.values())) + sum(map(len, pred.values()))
    if degree not in (2, 4):
        return True
    # some attribute differs between the edges <=> their attribute tuples differ
    try:
        values = {tuple(map(d.get, attrs)) for ds in pred.values() for d in ds}
        values.update(tuple(map(d.get, attrs)) for kd in succ.values() for d in kd.values())
    except TypeError:  # lists on merged edges (osmnx would fail here): tuples are hashable
        values = {tuple(_hashable(d.get(a)) for a in attrs) for ds in pred.values() for d in ds}
        values.update(tuple(_hashable(d.get(a)) for a in attrs)
                      for kd in succ.values() for d in kd.values())
    return len(values) > 1


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _build_path(endpoint: Any, first: Any, out: dict, endpoints: set) -> list[Any]:
    """osmnx's ``simplification._build_path``: from an endpoint to the next one."""
    path = [endpoint, first]
    for successor in out[first]:
        if successor in path:
            continue
        path.append(successor)
        while successor not in endpoints:
            nexts = [n for n in out[successor] if n not in path]
            if len(nexts) == 1:
                successor = nexts[0]
                path.append(successor)
            elif not nexts:
                if endpoint in out[successor]:
                    return [*path, endpoint]  # the end of a self-looping edge
                log.debug("unexpected simplify pattern near %s", successor)
                return path
            else:  # pragma: no cover - a node with two ways on is an endpoint
                raise RuntimeError(f"impossible simplify pattern near {successor}")
        return path
    return path


def _merge_path(path: list[Any], out: dict) -> dict[str, Any]:
    """The attributes of the edge that replaces ``path`` (osmnx's rules, no geometry)."""
    from itertools import pairwise

    segments = [next(iter(out[u][v].values())) for u, v in pairwise(path)]  # one of
    # parallel edges, as osmnx; an attribute's values in the order of the path
    first = segments[0].keys()
    if all(d.keys() == first for d in segments):
        merged = {attr: [d[attr] for d in segments] for attr in segments[0]}
    else:
        merged = {}
        for data in segments:
            for attr, value in data.items():
                merged.setdefault(attr, []).append(value)
    attrs: dict[str, Any] = {}
    for attr, values in merged.items():
        if attr in ("length", "travel_time"):
            attrs[attr] = sum(values)
        else:
            distinct = set(values)
            attrs[attr] = values[0] if len(distinct) == 1 else list(distinct)
    return attrs


def _simplify_and_project(graph: nx.MultiDiGraph, edge_attrs_differ: list[str],
                          crs: str) -> nx.MultiDiGraph:
    """``osmnx.project_graph(osmnx.simplify_graph(graph, edge_attrs_differ=...), to_crs=crs)``.

    The same graph as osmnx 2.x gives, built in one pass over plain dicts instead of a
    copy, edits and a round trip through tables (and without importing osmnx, which
    costs more than building the whole area):

    * simplification: interstitial nodes (two neighbours, nothing changes there) are
      removed and the edges through them merged into one edge with the path's
      ``geometry``, the summed ``length`` and, for every other attribute, its single value
      or the list of its distinct values; components without any endpoint (rings) are
      dropped;
    * projection: node ``x``/``y`` and edge geometries in ``crs`` (the transformer
      geopandas uses), missing values left out as osmnx's ``graph_from_gdfs`` does;
      ``graph.graph["crs"]`` is a :class:`pyproj.CRS`.

    Nodes, edges and edge keys come in osmnx's order (nodes as first met along the edges),
    so that everything built from the graph is the same. ``graph`` is not changed.
    """
    import geopandas as gpd
    import networkx as nx
    import shapely
    from pyproj import CRS

    attrs = list(edge_attrs_differ)
    nodes = list(graph.nodes)
    # networkx's own adjacency dicts (successor -> key -> data), read only
    out: dict[Any, dict[Any, dict[Any, dict]]] = dict(graph.adjacency())
    inn: dict[Any, dict[Any, list[dict]]] = {n: {} for n in nodes}
    for u, nbrs in out.items():
        for v, keydict in nbrs.items():
            inn[v][u] = list(keydict.values())

    # 1. paths between endpoints (the set is built in node order: osmnx's iteration order)
    endpoints = {n for n in nodes if _is_endpoint(n, out, inn, attrs)}
    paths = [_build_path(e, first, out, endpoints)
             for e in endpoints for first in out[e] if first not in endpoints]
    removed = {n for path in paths for n in path[1:-1]}

    # 2. the simplified adjacency: kept edges in their order, merged edges appended with
    # the next free key, as networkx's add_edge gives them
    s_out = {u: {v: kd for v, kd in out[u].items() if v not in removed}
             for u in nodes if u not in removed}  # the graph's key dicts, copied on write
    for path in paths:
        u, v = path[0], path[-1]
        if u in removed or v in removed:
            continue  # osmnx adds it, then removes it with its node
        keydict = s_out[u].get(v)
        keydict = s_out[u][v] = {} if keydict is None else dict(keydict)
        key = len(keydict)
        while key in keydict:
            key += 1
        keydict[key] = {**_merge_path(path, out), "geometry": path}
    s_in: dict[Any, dict[Any, list[dict]]] = {n: {} for n in s_out}
    for u, nbrs in s_out.items():
        for v, kd in nbrs.items():
            s_in[v].setdefault(u, []).extend(kd.values())

    # 3. rings: components of the simplified graph without any endpoint
    seen: set[Any] = set()
    rings: set[Any] = set()
    for start in s_out:
        if start in seen:
            continue
        component, stack = {start}, [start]
        while stack:
            n = stack.pop()
            for m in (*s_out[n], *s_in[n]):
                if m not in component:
                    component.add(m)
                    stack.append(m)
        seen |= component
        if not any(_is_endpoint(n, s_out, s_in, attrs) for n in component):
            rings |= component

    # 4. projection and the graph, edges first (graph_from_gdfs adds nodes with edges)
    # geopandas' to_crs: its transformer, which the layers reuse (making one costs 20 ms)
    to_crs = CRS.from_user_input(crs)
    node_data = graph.nodes
    lonlat = np.array([(node_data[n]["x"], node_data[n]["y"]) for n in nodes],
                      dtype=float).reshape(-1, 2)
    points = gpd.GeoSeries(shapely.points(lonlat), crs=graph.graph["crs"]).to_crs(to_crs)
    xy = dict(zip(nodes, map(tuple, shapely.get_coordinates(points.values).tolist()),
                  strict=True))
    kept = [n for n in s_out if n not in rings]
    edges = [(u, v, k, d) for u in kept for v, kd in s_out[u].items() for k, d in kd.items()]
    geometry: dict[int, Any] = {}
    merged = [i for i, e in enumerate(edges) if isinstance(e[3].get("geometry"), list)]
    if merged:
        # a merged edge runs through its path's nodes, already projected
        walks = [edges[i][3]["geometry"] for i in merged]
        coords = np.array([xy[n] for walk in walks for n in walk], dtype=float)
        parts = np.repeat(np.arange(len(walks)), [len(walk) for walk in walks])
        geometry.update(zip(merged, shapely.linestrings(coords, indices=parts), strict=True))
    own = [i for i, e in enumerate(edges)
           if e[3].get("geometry") is not None and i not in geometry]
    if own:  # edges that came with a geometry of their own
        lines = gpd.GeoSeries([edges[i][3]["geometry"] for i in own], crs=graph.graph["crs"])
        geometry.update(zip(own, lines.to_crs(to_crs).values, strict=True))

    result = nx.MultiDiGraph(**graph.graph)
    add_edge = result.add_edge
    for i, (u, v, k, d) in enumerate(edges):
        # graph_from_gdfs leaves out missing values (None, NaN: x == x is False only for NaN)
        data = {a: x for a, x in d.items() if a != "geometry" and x is not None and x == x}
        if i in geometry:
            data["geometry"] = geometry[i]
        add_edge(u, v, key=k, **data)
    result.add_nodes_from(set(kept) - set(result.nodes))
    for n in kept:
        data = result.nodes[n]
        data.update((a, x.item() if isinstance(x, np.generic) else x)
                    for a, x in node_data[n].items() if x is not None and x == x)
        data["x"], data["y"] = xy[n]
    result.graph["simplified"] = True
    result.graph["crs"] = to_crs
    return result


def _edge_frame(graph: nx.MultiDiGraph, columns: list[str]) -> gpd.GeoDataFrame:
    """osmnx's ``graph_to_gdfs(graph, nodes=False).reset_index()``, only ``columns``.

    Columns ``u``, ``v``, ``key``, then those of ``columns`` that some edge has, in the
    order and with the types of osmnx's table (built the same way, from one dict per
    edge), and the geometry: the edge's own, or the straight line between its nodes.
    """
    import geopandas as gpd
    import shapely

    edges = list(graph.edges(keys=True, data=True))
    wanted = {*columns, "geometry"}  # the geometry's column where osmnx has it
    records = [{"u": u, "v": v, "key": k, **{c: x for c, x in d.items() if c in wanted}}
               for u, v, k, d in edges]
    geoms = np.array([d.get("geometry") for *_, d in edges], dtype=object)
    straight = np.flatnonzero(np.equal(geoms, None))
    if len(straight):
        pos = {n: (d["x"], d["y"]) for n, d in graph.nodes(data=True)}
        xy = np.array([(pos[edges[i][0]], pos[edges[i][1]]) for i in straight], dtype=float)
        geoms[straight] = shapely.linestrings(xy)
    return gpd.GeoDataFrame(records, geometry=geoms, crs=graph.graph["crs"])
