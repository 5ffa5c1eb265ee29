"""GeoJSON and GeoPackage layers for :func:`~.readers.read_table`, attributes as text.

Each feature's point (a point on the surface of a line or polygon) goes to the columns
``__x`` and ``__y`` as text in the layer's CRS, its geometry type to ``__geom_type``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sjobo_geo.inputs.rawtable import (
    RawTable,
    assemble_table,
    format_rows,
    make_headers,
    number_text,
    one_line,
    pick_sheet,
)
from sjobo_geo.inputs.reports.schema import ReportsError

__all__ = ["read_spatial_table"]


_SPATIAL_COLUMNS = ("__x", "__y", "__geom_type")


def _spatial_text(value: Any, boolean: bool) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        if boolean:
            return "true" if value else "false"
        return number_text(float(value), exact=True)
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _crs_text(crs: Any) -> str | None:
    if crs is None:
        return None
    epsg = crs.to_epsg()
    if epsg is not None:
        return f"EPSG:{epsg}"
    return crs.to_wkt()


def read_spatial_table(path: Path, fmt: str, sheet: str | int | None, notes: list[str]) -> RawTable:
    import pyogrio
    import shapely
    from geopandas import GeoDataFrame

    kind = "GeoJSON" if fmt == "geojson" else "a GeoPackage"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        except Exception as exc:
            raise ReportsError(f"{path}: cannot read as {kind}: {one_line(exc)}") from None
        if not layers:
            raise ReportsError(f"{path}: {kind} without layers; expected a layer of report "
                               f"features")
        layer = layers[pick_sheet(layers, sheet, path, "layer")]
        try:
            gdf = pyogrio.read_dataframe(path, layer=layer, datetime_as_string=True)
            info = pyogrio.read_info(path, layer=layer)
        except Exception as exc:
            raise ReportsError(f"{path}: cannot read layer {layer!r} as {kind}: "
                               f"{one_line(exc)}") from None
    for w in caught:
        notes.append(f"GDAL: {one_line(w.message)}")
    subtypes = dict(zip(list(info.get("fields", [])), list(info.get("ogr_subtypes", [])),
                        strict=False))
    geometry = None
    crs = None
    if isinstance(gdf, GeoDataFrame) and gdf.geometry.name in gdf.columns:
        geometry = np.asarray(gdf.geometry.values, dtype=object)
        crs = _crs_text(gdf.crs)
        props = gdf.drop(columns=gdf.geometry.name)
    else:
        props = gdf
    if crs is None and fmt == "geojson":
        crs = "EPSG:4326"  # RFC 7946: GeoJSON without a crs member is WGS84
    elif crs is None and geometry is not None:
        notes.append(f"layer {layer!r} has no CRS")
    n = len(props)
    headers = make_headers([str(c) for c in props.columns], notes,
                            reserved=_SPATIAL_COLUMNS)
    cols: list[np.ndarray] = []
    for c in props.columns:
        boolean = subtypes.get(c) == "OFSTBoolean"
        values = props[c].to_numpy(dtype=object)
        cols.append(np.array([_spatial_text(v, boolean) for v in values] or [],
                             dtype=object).reshape(n))
    xs = np.full(n, None, dtype=object)
    ys = np.full(n, None, dtype=object)
    types = np.full(n, None, dtype=object)
    if geometry is not None and n:
        present = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
        idx = np.flatnonzero(present)
        if len(idx):
            geoms = geometry[idx]
            points = np.empty(len(idx), dtype=object)
            is_point = shapely.get_type_id(geoms) == 0
            points[is_point] = geoms[is_point]
            others = np.flatnonzero(~is_point)
            if len(others):
                try:
                    points[others] = shapely.point_on_surface(geoms[others])
                except shapely.errors.GEOSException:
                    for j in others.tolist():
                        try:
                            points[j] = shapely.point_on_surface(geoms[j])
                        except shapely.errors.GEOSException:
                            points[j] = shapely.centroid(geoms[j])
            px, py = shapely.get_x(points), shapely.get_y(points)
            for k, i in enumerate(idx.tolist()):
                if math.isfinite(px[k]) and math.isfinite(py[k]):
                    xs[i] = number_text(float(px[k]), exact=True)
                    ys[i] = number_text(float(py[k]), exact=True)
                types[i] = geoms[k].geom_type
        missing = n - len(idx)
        if missing:
            notes.append(f"{format_rows(np.flatnonzero(~present) + 2)}: feature without "
                         f"geometry")
    headers += list(_SPATIAL_COLUMNS)
    cols += [xs, ys, types]
    rows = np.arange(2, n + 2, dtype=np.int64)
    data, rows, bad_rows = assemble_table(
        headers, cols, rows, blank="none", bad=[], notes=notes, raw_value=lambda i: "",
        trailing="keep")
    return RawTable(data=data, rows=rows, bad_rows=bad_rows, path=path, format=fmt,
                    encoding=None, delimiter=None, decimal=".", crs=crs, warnings=notes)
