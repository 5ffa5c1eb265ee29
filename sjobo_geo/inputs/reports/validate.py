"""Validate reports: map columns, parse every field, locate on the area, account for every row.

Every data row of the input ends up either in ``ReportSet.reports`` or in
``ReportSet.rejects`` with its row number, the column, the value and a reason that says what
would be accepted. Nothing is silently dropped, deduplicated or moved: duplicate ids are
rejected by name (the first is kept), swapped lat/lon are fixed only with a warning naming the
rows, and snapping keeps the original position in ``x``/``y``.

All parsing is vectorised over the rows (pandas/numpy/shapely); the only loops are over
distinct place texts (gazetteer look-ups) and over fields.

Coordinates
-----------
``lat``/``lon`` columns are WGS84. ``x``/``y`` columns (and the geometry of GeoJSON and
GeoPackage files) are read in the CRS the mapping or the caller names, else in the file's CRS,
else detected: values in degree ranges are WGS84 (x = lon, y = lat), larger values are metres
in the area's CRS. A WGS84 pair that lies outside the area but inside it when swapped is
swapped, with a warning. Positions farther than ``area_margin`` metres outside the area's
boundary are rejected, naming the CRS they were read in.

Time
----
A timestamp (ISO 8601 or the common Swedish forms), or a date and a time, or a weekday and a
time of day (``21:30``, ``21``, or a word: natt, morgon, dag, eftermiddag, kväll). Times are
local to the area's timezone. ``after_dark`` comes from the sun's elevation at the report's
place and time (below -0.833°, when street lighting is on); with only a time of day it is
true for 18–06, false for 10–15 and unknown otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.core.gazetteer import normalise_name
from sjobo_geo.inputs.reports.schema import (
    CATEGORIES,
    SOURCES,
    TIME_BANDS,
    ColumnMapping,
    ReportsError,
    ReportSet,
)
from sjobo_geo.inputs.tables import (
    Columns,
    Rejects,
    bad_rows,
    locate_rows,
    lookup,
    parse_timestamps,
    rows_text,
    to_number,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.rawtable import RawTable

__all__ = ["load_report_files", "load_reports", "validate_reports", "snap_to_area"]

#: Default snapping tolerance in metres: farther from any path or place, a report stays put.
SNAP_TOLERANCE_M = 30.0
#: Reports up to this far outside the area's boundary are accepted (metres).
AREA_MARGIN_M = 500.0

_WEEKDAYS = {
    0: ("mandag", "man", "monday", "mon", "1"), 1: ("tisdag", "tis", "tuesday", "tue", "2"),
    2: ("onsdag", "ons", "wednesday", "wed", "3"), 3: ("torsdag", "tor", "tors", "thursday",
                                                      "thu", "4"),
    4: ("fredag", "fre", "friday", "fri", "5"), 5: ("lordag", "lor", "saturday", "sat", "6"),
    6: ("sondag", "son", "sunday", "sun", "7"),
}
_BAND_WORDS = {
    "natt": "night", "night": "night", "sen kvall": "night", "morgon": "morning",
    "morning": "morning", "formiddag": "morning", "dag": "day", "dagtid": "day",
    "day": "day", "lunch": "day", "eftermiddag": "day", "afternoon": "day",
    "kvall": "evening", "evening": "evening", "kvallstid": "evening",
}
_TRUE_WORDS = {"ja", "yes", "true", "1", "sant", "x", "j", "y"}


def load_reports(
    path: str | Path,
    area: Area,
    *,
    columns: ColumnMapping | str | Path | None = None,
    crs: str | None = None,
    default_source: str = "unknown",
    snap_tolerance: float = SNAP_TOLERANCE_M,
    area_margin: float = AREA_MARGIN_M,
    sheet: str | int | None = None,
) -> ReportSet:
    """Read and validate a report file (CSV, XLSX, GeoJSON, GeoPackage) for an area.

    Parameters
    ----------
    path : str or pathlib.Path
        The export.
    area : Area
        The area the reports are about (CRS, boundary, gazetteer, paths).
    columns : ColumnMapping or path to a TOML mapping, optional
        Which column carries which field; common Swedish and English headers by default.
    crs : str, optional
        CRS of x/y columns; detected when not given.
    default_source : str, default "unknown"
        Source code for files without a source column (e.g. ``"survey"``).
    snap_tolerance : float, default 30
        Metres within which a report is snapped to the nearest path or place.
    area_margin : float, default 500
        Metres outside the area's boundary still accepted.
    sheet : str or int, optional
        XLSX sheet or GeoPackage layer.

    Returns
    -------
    ReportSet
    """
    from sjobo_geo.inputs.reports.readers import read_table

    table = read_table(path, sheet=sheet)
    return validate_reports(table, area, columns=columns, crs=crs,
                            default_source=default_source, snap_tolerance=snap_tolerance,
                            area_margin=area_margin)


def load_report_files(paths: str | Path | Sequence[str | Path], area: Area, **kwargs: Any
                      ) -> ReportSet:
    """Read several report files (e.g. one per EST actor) into one :class:`ReportSet`.

    Each file goes through :func:`load_reports` (``kwargs`` are passed on). With more than
    one file, every report keeps where it came from: ``source_file`` holds the file name,
    ``report_id`` becomes ``"<file stem>:<id>"`` (ids of different actors may collide) and a
    report without an actor gets the file stem as its actor (said in ``warnings``). Rejects
    get a ``file`` column; ``total`` and the accounting are the sums over the files.
    Nothing is merged: the same incident in two files stays two reports (see
    :func:`sjobo_geo.analysis.est.flag_duplicates`).
    """
    import geopandas as gpd

    files = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else list(paths))]
    if not files:
        raise ReportsError("no report file given")
    sets = [load_reports(f, area, **kwargs) for f in files]
    if len(sets) == 1:
        return sets[0]
    stems = [f.stem for f in files]
    seen: dict[str, int] = {}
    for n, stem in enumerate(stems):  # the same stem twice: stem, stem#2, ...
        seen[stem] = seen.get(stem, 0) + 1
        stems[n] = stem if seen[stem] == 1 else f"{stem}#{seen[stem]}"
    frames, rejects, warnings = [], [], []
    for f, stem, rs in zip(files, stems, sets, strict=True):
        rep = rs.reports.copy()
        rep["report_id"] = stem + ":" + rep["report_id"].astype(str)
        rep.insert(1, "source_file", f.name)
        no_actor = rep["actor"].isna() | (rep["actor"].astype(str).str.strip() == "")
        if no_actor.any():
            rep["actor"] = rep["actor"].astype(object).where(~no_actor, stem)
            warnings.append(f"{f.name}: {int(no_actor.sum())} reports without an actor get "
                            f"the file name {stem!r} as actor")
        frames.append(rep)
        rj = rs.rejects.copy()
        rj.insert(0, "file", f.name)
        rejects.append(rj)
        warnings += [f"{f.name}: {w}" for w in rs.warnings]
    reports = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=sets[0].reports.crs)
    meta = {**sets[0].meta, "files": [str(f) for f in files],
            "synthetic": any(rs.synthetic for rs in sets)}
    return ReportSet(reports=reports, rejects=pd.concat(rejects, ignore_index=True),
                     total=sum(rs.total for rs in sets),
                     source_file=", ".join(str(f) for f in files), warnings=warnings,
                     meta=meta)


#: The largest weight a report may carry: a report counting more than a thousand others is a
#: typo, and sums of such weights overflow the hot spot statistics.
MAX_WEIGHT = 1000.0


def _category_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, cat in CATEGORIES.items():
        for name in (code, code.replace("_", " "), cat.sv, cat.en, *cat.aliases):
            table.setdefault(normalise_name(name), code)
    return table


def _source_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, (sv, en, aliases) in SOURCES.items():
        for name in (code, code.replace("_", " "), sv, en, *aliases):
            table.setdefault(normalise_name(name), code)
    return table


def _parse_hours(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Time of day as hours (float) or a band word. Returns hours, band, bad mask."""
    norm = s.map(lambda v: normalise_name(v) if isinstance(v, str) else v)
    band = norm.map(_BAND_WORDS).astype("object")
    parts = s.str.extract(r"^\s*(?:kl\.?\s*)?(\d{1,2})(?:[:.](\d{2}))?(?::\d{2})?\s*$")
    hh = pd.to_numeric(parts[0], errors="coerce")
    mm = pd.to_numeric(parts[1], errors="coerce").fillna(0)
    hours = (hh + mm / 60).where((hh <= 24) & (mm < 60))
    hours = hours.where(hours < 24, hours - 24)
    bad = s.notna() & hours.isna() & band.isna()
    return hours.astype("float64"), band, bad


def _band_of_hours(hours: pd.Series) -> pd.Series:
    h = hours.to_numpy()
    conds, names = [], []
    for name, (start, end) in TIME_BANDS.items():
        conds.append((h >= start) | (h < end) if start > end else (h >= start) & (h < end))
        names.append(name)
    out = np.select(conds, names, default="unknown")
    return pd.Series(np.where(np.isnan(h), "unknown", out), index=hours.index, dtype="object")


def validate_reports(
    table: RawTable,
    area: Area,
    *,
    columns: ColumnMapping | str | Path | None = None,
    crs: str | None = None,
    default_source: str = "unknown",
    snap_tolerance: float = SNAP_TOLERANCE_M,
    area_margin: float = AREA_MARGIN_M,
) -> ReportSet:
    """Validate a raw table of reports against an area; see :func:`load_reports`.

    Raises
    ------
    ReportsError
        When the file as a whole cannot be used: no data rows, no category column, no
        location columns. Row-level problems never raise: they become rejects.
    """

    name = str(table.path)
    if isinstance(columns, str | Path):
        columns = ColumnMapping.from_toml(columns)
    mapping = columns or ColumnMapping()
    if table.total == 0:
        raise ReportsError(f"{name}: no data rows (only a header)")
    data = table.data
    fields = mapping.resolve([str(c) for c in data.columns])
    spatial = "__x" in data.columns
    if spatial:
        fields.setdefault("x", "__x")
        fields.setdefault("y", "__y")
    if "category" not in fields:
        raise ReportsError(
            f"{name}: no category column; name one of "
            f"{', '.join(mapping.columns['category'][:6])} (or map it in a column mapping file)"
        )
    has_coords = {"lat", "lon"} <= fields.keys() or {"x", "y"} <= fields.keys()
    if not has_coords and "place" not in fields:
        raise ReportsError(
            f"{name}: no location columns; give lat/lon (WGS84), x/y (metres) or a place "
            "column (plats, adress)"
        )
    if default_source not in SOURCES:
        raise ReportsError(f"unknown source {default_source!r}; choose one of {', '.join(SOURCES)}")

    n = len(data)
    index = pd.RangeIndex(n)
    data = data.reset_index(drop=True)
    rows = np.asarray(table.rows, dtype="int64")
    rej = Rejects(index, rows)
    warnings: list[str] = list(table.warnings)

    columns_ = Columns(data, fields)
    col, col_number, header = columns_.text, columns_.raw_number, columns_.header

    # --- location first: snapping (shapely and scipy release the GIL) then runs in a second
    # thread while the other columns are parsed; rows rejected later are dropped from it
    located = Rejects(index, rows)  # merged after the other checks: their reasons come first
    x, y, located_by, crs_used = locate_rows(col, col_number, fields, header, located, table,
                                             area, mapping, crs, area_margin, warnings, spatial)
    place_text = col("place")
    pool = ThreadPoolExecutor(max_workers=1)
    snapping = pool.submit(_snap_arrays, x.to_numpy(), y.to_numpy(), located_by.to_numpy(),
                           place_text, area, snap_tolerance)
    pool.shutdown(wait=False)

    # --- category
    cat_raw = col("category")
    category = lookup(cat_raw, _category_table())
    rej.add(cat_raw.isna(), header("category"), cat_raw, "category missing")
    rej.add(cat_raw.notna() & category.isna(), header("category"), cat_raw,
            lambda m: "unknown category: " + cat_raw[m].fillna("") + "; accepted: "
            + ", ".join(c.sv for c in CATEGORIES.values()))

    # --- source and actor
    if "source" in fields:
        src_raw = col("source")
        source = lookup(src_raw, _source_table()).where(src_raw.notna(), default_source)
        rej.add(src_raw.notna() & source.isna(), header("source"), src_raw,
                lambda m: "unknown source: " + src_raw[m].fillna("") + "; accepted: "
                + ", ".join(v[0] for v in SOURCES.values()))
    else:
        source = pd.Series(default_source, index=index, dtype="object")
    actor = col("actor")

    # --- weight
    weight = pd.Series(1.0, index=index)
    if "weight" in fields:
        w_raw = col_number("weight")
        w, bad, words = to_number(w_raw)
        rej.add(bad, header("weight"), w_raw,
                lambda m: "weight is not a number: " + w_raw[m].fillna(""))
        rej.add(words, header("weight"), w_raw,
                lambda m: "weight missing (written as " + w_raw[m].fillna("")
                + "); leave empty for 1")
        rej.add(w.notna() & (w <= 0), header("weight"), w_raw, "weight must be above 0")
        rej.add(w.notna() & (w > MAX_WEIGHT), header("weight"), w_raw,
                f"weight above {MAX_WEIGHT:g}; a weight says how much one report counts "
                "against another (1 = an ordinary report)")
        weight = w.fillna(1.0)

    # --- time
    timestamp = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    ts_col = next((f for f in ("timestamp", "date") if f in fields), None)
    if ts_col is not None:
        ts_raw = col(ts_col)
        if ts_col == "date" and "time" in fields:
            t_raw = col("time")
            ts_raw = (ts_raw + " " + t_raw).where(t_raw.notna(), ts_raw)
        parsed = parse_timestamps(ts_raw, area.profile.timezone)
        rej.add(ts_raw.notna() & parsed.isna(), header(ts_col), ts_raw,
                lambda m: "bad date or time: " + ts_raw[m].fillna("")
                + "; expected e.g. 2025-03-14 21:30, 14/3/2025 21:30 or "
                "2025-03-14T21:30:00+01:00 (a date from 1990 to today)")
        lo, hi = pd.Timestamp("1990-01-01"), pd.Timestamp.now() + pd.Timedelta(days=1)
        rej.add(parsed.notna() & ((parsed < lo) | (parsed > hi)), header(ts_col), ts_raw,
                lambda m: "implausible date (before 1990 or in the future): "
                + ts_raw[m].fillna(""))
        timestamp = parsed.astype("datetime64[ns]")
    weekday = pd.Series(timestamp.dt.day_of_week, index=index).astype("Int64")
    hours = (timestamp.dt.hour + timestamp.dt.minute / 60).astype("float64")
    has_clock = ((ts_raw.str.contains(":", regex=False) | (ts_raw.str.len() > 10))
                 .fillna(False).astype(bool) if ts_col is not None
                 else pd.Series(False, index=index))
    hours = hours.where(has_clock | ("time" in fields))
    band_words = pd.Series(pd.NA, index=index, dtype="object")
    if "weekday" in fields:
        wd_raw = col("weekday")
        table_wd = {normalise_name(a): d for d, names in _WEEKDAYS.items() for a in names}
        wd = lookup(wd_raw, {k: str(v) for k, v in table_wd.items()})
        rej.add(wd_raw.notna() & wd.isna(), header("weekday"), wd_raw,
                lambda m: "unknown weekday: " + wd_raw[m].fillna("")
                + "; expected måndag..söndag or 1..7")
        weekday = weekday.fillna(pd.to_numeric(wd, errors="coerce").astype("Int64"))
    if "time_of_day" in fields or ("time" in fields and ts_col is None):
        tod_raw = col("time_of_day" if "time_of_day" in fields else "time")
        h, band_words, bad = _parse_hours(tod_raw)
        rej.add(bad, header("time_of_day" if "time_of_day" in fields else "time"), tod_raw,
                lambda m: "bad time of day: " + tod_raw[m].fillna("")
                + "; expected e.g. 21:30, 21 or natt/morgon/dag/kväll")
        hours = hours.fillna(h)
    time_band = _band_of_hours(hours)
    time_band = time_band.where(hours.notna() | band_words.isna(), band_words)

    # --- ids
    ids = col("id")
    generated = ids.isna()
    if generated.any():
        ids = ids.astype(object)
        ids[generated] = "row-" + pd.Series(rows[generated.to_numpy()]).astype(str).to_numpy()
    if "id" in fields and generated.any():
        warnings.append(f"rows {rows_text(rows[generated.to_numpy()])}: no id; named row-N")
    dup = ids.duplicated(keep="first") & rej.ok
    if dup.any():
        first_row = pd.Series(rows, index=index).groupby(ids, sort=False).transform("first")
        rej.add(dup, header("id"), ids,
                lambda m: "duplicate id " + ids[m] + " (first at row "
                + first_row[m].astype(str) + ")")

    # --- what stays
    rej.merge(located)
    ok = rej.ok.to_numpy()
    text = col("text")
    synthetic = col("synthetic").str.lower().isin(_TRUE_WORDS).fillna(False).astype(bool)
    after_dark = _after_dark(timestamp, hours, x, y, area)
    reports = pd.DataFrame({
        "report_id": ids.astype("object"), "row": rows, "source": source, "actor": actor,
        "category": category, "timestamp": timestamp, "weekday": weekday, "hour": hours,
        "time_band": time_band, "after_dark": after_dark, "weight": weight.astype("float64"),
        "place_text": place_text, "text": text, "x": x, "y": y, "located_by": located_by,
        "synthetic": synthetic,
    })[ok].reset_index(drop=True)
    gdf = _snapped_frame(reports, snapping.result(), ok, area)
    rejects = pd.concat([rej.frame(), bad_rows(table)], ignore_index=True)
    rejects = rejects.sort_values("row", kind="stable").reset_index(drop=True)
    result = ReportSet(
        reports=gdf, rejects=rejects, total=table.total, source_file=name, warnings=warnings,
        meta={"area": area.name, "coordinate_crs": crs_used, "columns": fields,
              "snap_tolerance_m": snap_tolerance, "area_margin_m": area_margin,
              "format": table.format, "encoding": table.encoding,
              "synthetic": bool(synthetic.any())},
    )
    assert result.accepted + result.rejected == result.total, "every row is accounted for"
    return result


def _after_dark(timestamp: pd.Series, hours: pd.Series, x: pd.Series, y: pd.Series,
                area: Area) -> pd.Series:
    from pyproj import Transformer

    from sjobo_geo.core.sun import DARK_BELOW_DEG, sun_elevation

    out = pd.Series(pd.NA, index=timestamp.index, dtype="boolean")
    known = timestamp.notna() & x.notna()
    if known.any():
        # the sun's elevation at the area's centre: across a town it differs by hundredths
        # of a degree, far below what decides dusk
        lon, lat = Transformer.from_crs(area.crs, "EPSG:4326", always_xy=True).transform(
            *area.boundary.centroid.coords[0])
        local = timestamp[known].dt.tz_localize(area.profile.timezone, ambiguous="NaT",
                                                nonexistent="shift_forward")
        utc = local.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        elevation = sun_elevation(utc, np.full(len(utc), lat), np.full(len(utc), lon))
        dark = pd.array(elevation < DARK_BELOW_DEG, dtype="boolean")
        dark[np.isnan(elevation)] = pd.NA
        out[known] = dark
    only_hour = ~known & hours.notna()
    out[only_hour & ((hours >= 18) | (hours < 6))] = True
    out[only_hour & (hours >= 10) & (hours < 15)] = False
    return out


def snap_to_area(reports: pd.DataFrame, area: Area, *,
                 tolerance: float = SNAP_TOLERANCE_M) -> gpd.GeoDataFrame:
    """Snap report positions to the place they are in, else the nearest walkable path.

    A report located by a place name sits on that place. A point inside a square,
    schoolyard, playground or courtyard stays where it is and is marked as in that place.
    Otherwise it moves to the nearest point of the nearest path within ``tolerance`` metres;
    farther away it stays put. The original position stays in ``x``/``y``.

    The nearest path is found with a k-d tree over path vertices densified every 2 m, then the
    point is projected exactly onto the two segments at that vertex (vectorised numpy; a
    million reports take about a second).

    Parameters
    ----------
    reports : pandas.DataFrame
        Columns ``x``, ``y`` (area CRS), ``located_by`` and ``place_text``.
    area : Area
    tolerance : float, default 30

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with the snapped point as geometry, ``snapped_to`` (categorical: 'path:<osmid>',
        'place:<layer>:<name>' or ''), ``snap_distance_m`` and ``snap_path`` (int32: the
        position of that path in ``area.layers["paths"]``, -1 when not snapped to a path; an
        OSM way is cut into several path rows, so the osmid alone does not name the row, and
        the hot spot analysis counts reports per row without searching again).
    """
    arrays = _snap_arrays(reports["x"].to_numpy(dtype="float64"),
                          reports["y"].to_numpy(dtype="float64"),
                          reports["located_by"].to_numpy(), reports["place_text"], area,
                          tolerance)
    return _snapped_frame(reports, arrays, np.ones(len(reports), dtype=bool), area)


def _snapped_frame(reports: pd.DataFrame, arrays: tuple, keep: np.ndarray,
                   area: Area) -> gpd.GeoDataFrame:
    """The accepted rows (``keep``) with their snapped geometry, target and distance."""
    import geopandas as gpd

    points, snapped_to, distance, path = arrays
    out = gpd.GeoDataFrame(reports, geometry=points[keep], crs=area.crs, copy=False)
    out["snapped_to"] = snapped_to[keep]
    out["snap_distance_m"] = distance[keep]
    out["snap_path"] = path[keep]
    return out


def _snap_arrays(x: np.ndarray, y: np.ndarray, located_by: np.ndarray, place_text: pd.Series,
                 area: Area, tolerance: float
                 ) -> tuple[np.ndarray, pd.Categorical, np.ndarray, np.ndarray]:
    """Snapped points (shapely array), what each was snapped to, the distance moved and the
    path row snapped onto (-1 for none)."""
    import shapely

    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    n = len(x)
    sx, sy = x.copy(), y.copy()
    distance = np.full(n, np.nan)
    path = np.full(n, -1, dtype="int32")
    labels: list[str] = [""]
    codes = np.zeros(n, dtype="int64")

    def label_codes(values: np.ndarray) -> np.ndarray:
        uniques, inverse = np.unique(values.astype(str), return_inverse=True)
        codes_ = np.arange(len(labels), len(labels) + len(uniques))
        labels.extend(uniques.tolist())
        return codes_[inverse]

    by_place = np.asarray(located_by == "place", dtype=bool)
    if by_place.any():
        texts = np.asarray(place_text.astype(object).to_numpy()[by_place], dtype=object)
        codes[by_place] = label_codes("place:" + texts.astype(str).astype(object))
        distance[by_place] = 0.0
    todo = ~by_place & np.isfinite(x) & np.isfinite(y)
    # inside a place polygon: each polygon tests the points in its bounding box
    polygons = []
    for kind in ("squares", "schoolyards", "playgrounds", "courtyards"):
        layer = area.layers[kind]
        layer = layer[layer.geom_type.isin(["Polygon", "MultiPolygon"])]
        polygons.append(pd.DataFrame({"geometry": layer.geometry.values, "kind": kind,
                                      "label": _labels(layer)}))
    places = pd.concat(polygons, ignore_index=True)
    if len(places) and todo.any():
        idx = np.flatnonzero(todo)
        which = _which_polygon(places.geometry.values, x[idx], y[idx])
        hit = which >= 0
        if hit.any():
            where = idx[hit]
            chosen = which[hit]
            codes[where] = label_codes("place:" + places["kind"].to_numpy()[chosen].astype(object)
                                       + ":" + places["label"].to_numpy()[chosen])
            distance[where] = 0.0
            todo[where] = False
    paths = area.layers["paths"]
    if len(paths) and todo.any():
        px, py, seg_owner, ok, d = _nearest_on_paths(paths.geometry.values, x[todo], y[todo],
                                                     tolerance)
        where = np.flatnonzero(todo)[ok]
        sx[where], sy[where], distance[where] = px[ok], py[ok], d[ok]
        osmids = paths["osmid"].astype(str).to_numpy().astype(object)
        owner_codes = np.arange(len(labels), len(labels) + len(paths))
        labels.extend(("path:" + osmids).tolist())
        codes[where] = owner_codes[seg_owner[ok]]
        path[where] = seg_owner[ok]
    unique_labels, remap = np.unique(np.array(labels, dtype=object).astype(str),
                                     return_inverse=True)
    snapped_to = pd.Categorical.from_codes(remap[codes], categories=unique_labels)
    return shapely.points(sx, sy), snapped_to, distance, path


def _which_polygon(polygons: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index of the first polygon containing each point, -1 for none.

    Points are sorted by x once; each polygon tests only the points within its bounding box
    (found by binary search), with ``shapely.contains_xy``: no point geometries are made."""
    import shapely

    which = np.full(len(x), -1, dtype="int64")
    order = np.argsort(x, kind="stable")
    xs = x[order]
    bounds = shapely.bounds(polygons)
    lo = np.searchsorted(xs, bounds[:, 0], side="left")
    hi = np.searchsorted(xs, bounds[:, 2], side="right")
    for k, poly in enumerate(polygons):
        if hi[k] <= lo[k]:
            continue
        cand = order[lo[k]:hi[k]]
        cand = cand[(y[cand] >= bounds[k, 1]) & (y[cand] <= bounds[k, 3]) & (which[cand] < 0)]
        if len(cand):
            inside = shapely.contains_xy(poly, x[cand], y[cand])
            which[cand[inside]] = k
    return which


def _nearest_on_paths(lines: np.ndarray, x: np.ndarray, y: np.ndarray, tolerance: float,
                      spacing: float = 2.0):
    """Nearest point on any line within ``tolerance``: k-d tree over densified vertices, then
    exact projection onto the segments before and after the nearest vertex."""
    import shapely
    from scipy.spatial import cKDTree

    dense = shapely.segmentize(lines, spacing)
    coords, owner = shapely.get_coordinates(dense, return_index=True)
    tree = cKDTree(coords)
    dist, idx = tree.query(np.column_stack([x, y]), k=1,
                           distance_upper_bound=tolerance + spacing, workers=1)
    found = np.isfinite(dist)
    idx = np.where(found, idx, 0)
    best = np.full(len(x), np.inf)
    bx, by = x.copy(), y.copy()
    for step in (-1, 1):  # the segment ending at the vertex, and the one starting there
        j = np.clip(idx + step, 0, len(coords) - 1)
        same = found & (owner[j] == owner[idx]) & (j != idx)
        ax, ay = coords[idx, 0], coords[idx, 1]
        ex, ey = coords[j, 0] - ax, coords[j, 1] - ay
        seg2 = ex * ex + ey * ey
        t = np.clip(((x - ax) * ex + (y - ay) * ey) / np.where(seg2 > 0, seg2, 1), 0, 1)
        qx, qy = ax + t * ex, ay + t * ey
        d = np.hypot(x - qx, y - qy)
        better = same & (d < best)
        best = np.where(better, d, best)
        bx, by = np.where(better, qx, bx), np.where(better, qy, by)
    lone = found & ~np.isfinite(best)  # a line of one vertex run: the vertex itself
    best = np.where(lone, np.hypot(x - coords[idx, 0], y - coords[idx, 1]), best)
    bx, by = np.where(lone, coords[idx, 0], bx), np.where(lone, coords[idx, 1], by)
    ok = found & (best <= tolerance)
    return bx, by, owner[idx], ok, best


def _labels(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """A readable label per feature: its name, else its courtyard or OSM id."""
    out = pd.Series([""] * len(gdf), index=gdf.index, dtype="object")
    if not len(gdf):  # an area without courtyards or playgrounds: nothing to label
        return out.to_numpy()
    for column in ("name", "courtyard_id", "osm_id"):
        if column in gdf:
            text = gdf[column].map(lambda v: "" if pd.isna(v) else str(v))
            out = out.where(out != "", ("#" if column != "name" else "") + text)
    return out.to_numpy()
