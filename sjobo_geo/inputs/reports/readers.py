"""Read report files into raw text cells, accounting for every row.

:func:`read_table` reads CSV (and ``.txt``/``.tsv``), Excel (``.xlsx``/``.xlsm``), GeoJSON
and GeoPackage files as exported by survey tools, spreadsheets and map surveys, and returns a
:class:`RawTable`: one text cell per value, the row number of each data row in the file, and
the rows that could not be read at all, each with a reason. It does not interpret values:
numbers, dates and coordinates stay text for the validator, except that spatial formats expose
each feature's point coordinates in the columns ``__x``, ``__y`` and ``__geom_type``.

Row numbers
-----------
Row numbers are what a person sees when the file is opened in a spreadsheet: the header row
is row 1 and the first data row row 2 when the file starts with its header.

* CSV: the number of the *record* in the file, counting every record before it (including
  empty lines before the header). A quoted cell that spans several lines is one record, so
  row numbers then differ from the line numbers a text editor shows; a warning says so.
* XLSX: the sheet's own row number (header found in row 3 -> first data row 4).
* GeoJSON/GeoPackage: the feature's position plus one (first feature = row 2), as in an
  attribute table under a header row.

Accounting
----------
``len(data) + len(bad_rows) == total`` is every data row of the file. Rows in ``bad_rows``:
rows with more fields than the header (``ragged row``), lines whose bytes are neither UTF-8
nor cp1252 (``undecodable bytes``), a quote never closed (``unclosed quote``) and rows whose
cells are all empty (``empty row``). Empty rows after the last row with content are not data
rows (spreadsheets write them for formatted cells); CSV files get a warning naming them.

CSV reading has two paths: pandas' C parser for the common clean file (about one second
for a million rows of ten columns), and an exact path with Python's :mod:`csv` module that
runs only when the fast path finds a problem (ragged or short rows, empty lines, mixed
encodings, undecodable bytes, an unclosed quote).

The formats are read by private modules (:mod:`._csv`, :mod:`._xlsx`, :mod:`._spatial`);
this module holds the entry point; :class:`RawTable` and the helpers the format readers
share live in :mod:`.rawtable`.
"""

from __future__ import annotations

from pathlib import Path

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.inputs.rawtable import (
    BAD_ROW_COLUMNS,
    MAX_CELL_CHARS,
    RawTable,
    check_line_lengths,
    is_blank,
    one_line,
)
from sjobo_geo.inputs.reports.schema import ReportsError

__all__ = [
    "BAD_ROW_COLUMNS", "EXTENSIONS", "RawTable", "ReportsFileNotFoundError", "read_table",
]


class ReportsFileNotFoundError(FileNotFoundError, SjoboGeoError):
    """A report file does not exist."""


#: File name endings read by :func:`read_table`, and the format each is read as.
EXTENSIONS: dict[str, str] = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".geojson": "geojson", ".json": "geojson",
    ".gpkg": "gpkg",
}


_ACCEPTED = ("CSV (.csv, .txt, .tsv), Excel (.xlsx, .xlsm), GeoJSON (.geojson, .json) "
             "or GeoPackage (.gpkg)")
_FORMAT_NAMES = {"csv": "CSV", "xlsx": "an Excel workbook", "geojson": "GeoJSON",
                 "gpkg": "a GeoPackage"}


# ---- entry point -------------------------------------------------------------------------


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawTable:
    """Read a report file into raw text cells, accounting for every row.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xlsm``, ``.geojson``/``.json`` or
        ``.gpkg`` file.
    sheet : str or int, optional
        XLSX: the sheet, by name or 0-based index (default: the first sheet). GeoPackage
        and GeoJSON: the layer, by name or index (default: the first layer). Ignored for
        CSV (with a warning).
    encoding : str, optional
        CSV only: the text encoding. Default: detected — UTF-8 (with or without BOM),
        UTF-16 with BOM, cp1252 (Swedish Excel's "CSV (semikolonavgränsad)"), or mixed
        UTF-8 and cp1252 lines (each line decoded on its own, with a warning naming them).
        When given, lines that are not valid in it go to ``bad_rows``.
    delimiter : str, optional
        CSV only: the field delimiter (one character). Default: detected among comma,
        semicolon, tab and ``|`` from the header and the first rows, quotes respected.

    Returns
    -------
    RawTable
        The cells, their row numbers, the rows that could not be read, and notes. A file
        with a header and no data rows gives a table with ``total == 0``.

    Raises
    ------
    ReportsFileNotFoundError
        ``path`` does not exist (a :class:`FileNotFoundError`).
    ReportsError
        ``path`` is a directory, has an unsupported ending, is empty, or cannot be read as
        its format (corrupt workbook, GeoPackage or GeoJSON, binary data in a CSV, unknown
        sheet or layer); the message names the file and what would be accepted.
    """
    from sjobo_geo.inputs.reports._csv import read_csv_table
    from sjobo_geo.inputs.reports._spatial import read_spatial_table
    from sjobo_geo.inputs.reports._xlsx import read_xlsx_table

    path = Path(path).expanduser()
    if not path.exists():
        raise ReportsFileNotFoundError(f"{path}: no such file; give a report file: {_ACCEPTED}")
    if path.is_dir():
        raise ReportsError(f"{path}: is a directory, not a file; give a report file: "
                           f"{_ACCEPTED}")
    ext = path.suffix.lower()
    fmt = EXTENSIONS.get(ext)
    if fmt is None:
        hint = ("; old Excel files (.xls) must be saved as .xlsx first" if ext == ".xls"
                else "")
        raise ReportsError(f"{path}: unsupported file type {ext or '(no extension)'!r}; "
                           f"accepted: {_ACCEPTED}{hint}")
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
        if (not isinstance(delimiter, str) or len(delimiter) != 1 or not delimiter.isascii()
                or delimiter in "\r\n\"" or delimiter.isalnum()):
            raise ReportsError(f"{path}: delimiter must be one ASCII character such as ',' "
                               f"';' '\\t' or '|', not {delimiter!r}")
    try:
        if fmt == "csv":
            raw = path.read_bytes()
        else:
            with path.open("rb") as fh:
                raw = fh.read(4096)
    except OSError as exc:
        raise ReportsError(f"{path}: cannot read the file ({one_line(exc)})") from None
    if is_blank(raw) and (fmt == "csv" or path.stat().st_size <= len(raw)):
        raise ReportsError(f"{path}: the file is empty; expected {_FORMAT_NAMES[fmt]} "
                           f"with a header row and one row per report")
    notes: list[str] = []
    if fmt == "csv":
        if sheet is not None:
            notes.append(f"sheet={sheet!r} ignored: CSV files have a single table")
        lengths = check_line_lengths(raw, path)
        return read_csv_table(path, raw, encoding=encoding, delimiter=delimiter, notes=notes,
                              long_lines=bool(len(lengths)) and lengths.max() > MAX_CELL_CHARS)
    if encoding is not None or delimiter is not None:
        notes.append("encoding and delimiter apply to CSV files only; ignored")
    if fmt == "xlsx":
        return read_xlsx_table(path, sheet, notes)
    return read_spatial_table(path, fmt, sheet, notes)


# ---- shared helpers ----------------------------------------------------------------------


