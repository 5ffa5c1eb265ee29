"""File outputs: GeoPackage and people-facing CSV, written atomically, never over an input.

Every file is first written next to its destination under a temporary name and then moved
into place, so a failed run never leaves half a file where a good one was. A destination
that exists and is not a regular file (a folder, a FIFO, ``/dev/null``) is refused rather
than replaced, and :func:`check_output_path` refuses a destination that is one of the run's
inputs. Jobs write a whole folder as one run with :func:`sjobo_geo.jobs.common.output_run`.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo._errors import OutputPathError

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = ["atomic_path", "check_output_path", "path_inputs", "safe_csv_frame", "same_file",
           "write_area_gpkg", "write_csv", "write_gpkg_layers"]

_GEOM_TYPES = {
    frozenset({"Point"}): "Point",
    frozenset({"LineString"}): "LineString",
    frozenset({"Polygon"}): "Polygon",
    frozenset({"Polygon", "MultiPolygon"}): "MultiPolygon",
    frozenset({"LineString", "MultiLineString"}): "MultiLineString",
    frozenset({"MultiPolygon"}): "MultiPolygon",
    frozenset({"MultiLineString"}): "MultiLineString",
}


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def path_inputs(inputs: Iterable[Any]) -> list[Path]:
    """The inputs given as paths, flattened (an Area or a GeoDataFrame is not a file).

    Examples
    --------
    >>> path_inputs(["r.csv", None, 3, [Path("m.csv")]])
    [PosixPath('r.csv'), PosixPath('m.csv')]
    """
    out = []
    for item in inputs:
        if isinstance(item, str | os.PathLike):
            out.append(Path(item))
        elif isinstance(item, list | tuple):
            out.extend(path_inputs(item))
    return out


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the same after resolving symlinks, or (both
    existing) the same inode (a hard link, a bind mount).

    Examples
    --------
    >>> same_file("out/../r.csv", "r.csv")
    True
    """
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links, bind mounts
    except OSError:
        return False  # one of them does not exist


def check_output_path(path: str | Path, inputs: Iterable[Any] = (), *,
                      option: str = "the output path") -> Path:
    """Refuse to write ``path`` when it is one of ``inputs`` or exists as a non-regular file.

    Parameters
    ----------
    path : str or pathlib.Path
        Where a job is about to write a file.
    inputs : iterable
        The run's inputs; those given as paths are compared with ``path`` (symlinks
        resolved, and the same file under another name or a hard link, when both exist).
        Other objects are ignored.
    option : str, default "the output path"
        How the user chose ``path`` (``"--rejects"``, ``"--out"``), for the message.

    Returns
    -------
    pathlib.Path
        ``path``, unchanged.

    Raises
    ------
    OutputPathError
        ``path`` is an input, or it exists and is a folder, a FIFO, a device or a socket
        (writing would replace the input, or put a regular file where ``/dev/null`` was).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> src = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = src.write_text("id\\n1\\n")
    >>> check_output_path(src.with_name("r_rejects.csv"), [src]).name
    'r_rejects.csv'
    >>> check_output_path(src, [src], option="--rejects")
    Traceback (most recent call last):
    ...
    sjobo_geo._errors.OutputPathError: ...r.csv: is an input of this run (writing it would ...
    """
    path = Path(path)
    for source in path_inputs(inputs):
        if same_file(path, source):
            raise OutputPathError(f"{path}: is an input of this run (writing it would "
                                  f"overwrite the input); choose another file for {option}")
    if os.path.lexists(path):
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return path  # a dangling symlink: the new file replaces the link
        if not stat.S_ISREG(mode):
            raise OutputPathError(f"{path}: is {_kind(mode)}, not a regular file; give the "
                                  f"path of a new or existing regular file for {option}")
    return path


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` when the block succeeds.

    ``path`` must be a regular file or not exist (:func:`check_output_path`): replacing a
    FIFO or a device node with a regular file is refused.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "page.html"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("<p>hej</p>", encoding="utf-8")
    >>> target.read_text(encoding="utf-8")
    '<p>hej</p>'
    """
    path = check_output_path(path)
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
