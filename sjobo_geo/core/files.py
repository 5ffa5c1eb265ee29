"""File outputs: GeoPackage and people-facing CSV, written atomically.

Every file is first written next to its destination under a temporary name and then moved
into place, so a failed run never leaves half a file where a good one was.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = ["atomic_path", "safe_csv_frame", "write_area_gpkg", "write_csv", "write_gpkg_layers"]

_GEOM_TYPES = {
    frozenset({"Point"}): "Point",
    frozenset({"LineString"}): "LineString",
    frozenset({"Polygon"}): "Polygon",
    frozenset({"Polygon", "MultiPolygon"}): "MultiPolygon",
    frozenset({"LineString", "MultiLineString"}): "MultiLineString",
    frozenset({"MultiPolygon"}): "MultiPolygon",
    frozenset({"MultiLineString"}): "MultiLineString",
}


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` when the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix,
                               dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # writers such as GDAL want to create the file themselves
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def safe_csv_frame(frame: Any) -> Any:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    Every text cell goes through :func:`sjobo_geo.core.text.excel_cell` (OWASP's rule: a
    leading ``'`` for a cell starting with ``= + - @``, tab or carriage return, except a
    plain number). Column names are treated the same way. Numbers, dates and missing values
    are unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> safe_csv_frame(pd.DataFrame({"place": ["=cmd|' /C calc'!A0", "Torget"], "n": [1, 2]}))
                     place  n
    0  '=cmd|' /C calc'!A0  1
    1               Torget  2
    """
    import pandas as pd

    from sjobo_geo.core.text import FORMULA_START, excel_cell

    out = pd.DataFrame(frame).copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            text = s.astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
            if risky.any():
                out[col] = text.where(~risky, text[risky].map(excel_cell))
    out.columns = [excel_cell(str(c)) for c in out.columns]
    return out


def write_csv(frame: Any, path: str | Path, *, header_lines: list[str] | None = None,
              sep: str = ",") -> Path:
    r"""Write a people-facing CSV atomically: UTF-8 with BOM (Excel reads å, ä, ö), formula
    cells neutralised (:func:`safe_csv_frame`), ``\n`` line ends.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (a GeoDataFrame's geometry column is written as WKT).
    path : str or pathlib.Path
        Destination; it is replaced only when the whole file is written.
    header_lines : list of str, optional
        Lines written first, each prefixed with ``#`` (an "about" header: coverage,
        synthetic data, the area). Text is neutralised too.
    sep : str, default ","
        Field separator.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = write_csv(pd.DataFrame({"a": ["+46 70"]}), pathlib.Path(tempfile.mkdtemp()) / "x.csv")
    >>> p.read_text(encoding="utf-8-sig")
    "a\n'+46 70\n"
    """
    import numpy as np
    import pandas as pd

    geom = [c for c in frame.columns if str(frame[c].dtype) == "geometry"]
    frame = pd.DataFrame(frame).copy() if geom else pd.DataFrame(frame)
    if geom:
        import shapely

        for c in geom:
            frame[c] = shapely.to_wkt(np.asarray(frame[c].values, dtype=object))
    safe = safe_csv_frame(frame)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        for line in header_lines or ():
            fh.write("# " + str(line).replace("\n", " ") + "\n")
        safe.to_csv(fh, index=False, sep=sep, lineterminator="\n")
    return Path(path)


def _tidy(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GDAL can store: lists joined with ';', categories as text, no dict columns."""
    import pandas as pd

    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype("string")
        elif s.dtype == object:
            out[col] = s.map(
                lambda v: ";".join(map(str, v)) if isinstance(v, list | tuple | set)
                else (json.dumps(v) if isinstance(v, dict) else v)
            ).astype("string")
    return out


def write_gpkg_layers(
    layers: dict[str, gpd.GeoDataFrame], path: str | Path, *, about: dict[str, Any] | None = None
) -> Path:
    """Write GeoDataFrames as layers of one GeoPackage (atomically).

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        Layer name to data. Empty layers are written too, so the schema is stable.
    path : str or pathlib.Path
        Destination ``.gpkg``.
    about : dict, optional
        Key/value provenance written as the attribute table ``about``.

    Returns
    -------
    pathlib.Path
    """
    import pandas as pd
    import pyogrio

    path = Path(path)
    with atomic_path(path) as tmp:
        for name, gdf in layers.items():
            data = _tidy(gdf)
            kinds = frozenset(data.geom_type.dropna().unique())
            geometry_type = _GEOM_TYPES.get(kinds, "Unknown") if kinds else "Unknown"
            pyogrio.write_dataframe(data, tmp, layer=name, driver="GPKG",
                                    geometry_type=geometry_type, append=tmp.exists())
        if about:
            table = pd.DataFrame(
                {"key": list(about), "value": [_text(v) for v in about.values()]}
            )
            pyogrio.write_dataframe(table, tmp, layer="about", driver="GPKG", append=True)
    return path


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def write_area_gpkg(area: Area, path: str | Path) -> Path:
    """Write every layer of an area to a GeoPackage, one layer per kind, plus ``about``.

    The file opens in QGIS and any GDAL tool; coordinates are in the area's metric CRS.

    Parameters
    ----------
    area : Area
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
    """
    about = {
        **area.meta,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "generator": "sjobo-geo",
        "layers": area.counts(),
    }
    return write_gpkg_layers(area.layers, path, about=about)
