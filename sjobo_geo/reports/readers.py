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
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import json
import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import SjoboGeoError
from .schema import ReportsError

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

#: Columns of :attr:`RawTable.bad_rows`.
BAD_ROW_COLUMNS = ("row", "column", "value", "reason")

_ACCEPTED = ("CSV (.csv, .txt, .tsv), Excel (.xlsx, .xlsm), GeoJSON (.geojson, .json) "
             "or GeoPackage (.gpkg)")
_FORMAT_NAMES = {"csv": "CSV", "xlsx": "an Excel workbook", "geojson": "GeoJSON",
                 "gpkg": "a GeoPackage"}
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SPATIAL_COLUMNS = ("__x", "__y", "__geom_type")
_VALUE_CHARS = 200
_HEAD_BYTES = 1 << 16
_SNIFF_RECORDS = 200
_WS = " \t\r\n\f\v"
#: bytes that may begin a whitespace-only cell in UTF-8 text (ASCII whitespace except line
#: ends; 0xc2: NBSP and NEL; 0xe1-0xe3: the other Unicode spaces)
_WS_START = (0x09, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0xC2, 0xE1, 0xE2, 0xE3)


@dataclass(repr=False)
class RawTable:
    """The cells of a report file as text, with row numbers and unreadable rows.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per data row that was read; object columns holding ``str`` or ``pd.NA``
        (empty and whitespace-only cells are ``pd.NA``; other cells are kept as written).
        Columns are the headers as in the file, stripped; a repeated header gets ``.2``,
        ``.3``, ...; an empty header is named ``column_N`` (N counts from 1). Spatial formats
        add ``__x``, ``__y`` (point coordinates in the layer CRS, as text) and
        ``__geom_type``. The index is ``0..n-1``.
    rows : numpy.ndarray
        int64, the row number in the file of each row of ``data`` (see the module docstring:
        header = 1, first data row = 2; for CSV the record number).
    bad_rows : pandas.DataFrame
        Rows that could not be read at all: ``row`` (int), ``column`` (str, ``""`` for the
        whole row), ``value`` (the raw line, at most 200 characters), ``reason`` (str).
    path : pathlib.Path
        The file read.
    format : str
        ``"csv"``, ``"xlsx"``, ``"geojson"`` or ``"gpkg"``.
    encoding : str or None
        CSV: the encoding used (``"utf-8"``, ``"utf-8-sig"``, ``"cp1252"``, ``"utf-16"``,
        ``"mixed utf-8/cp1252"``, or the one asked for); None for other formats.
    delimiter : str or None
        CSV: the field delimiter; None for other formats.
    decimal : str or None
        ``","`` when numbers in the file are written with a decimal comma (Swedish Excel's
        semicolon CSV), else ``"."``. Numbers from XLSX and spatial files are always written
        with ``"."``.
    crs : str or None
        Spatial formats: the layer CRS as ``"EPSG:nnnn"`` (WKT when it has no EPSG code);
        None for tables.
    warnings : list of str
        Things noticed or assumed, with row numbers.
    """

    data: pd.DataFrame
    rows: np.ndarray
    bad_rows: pd.DataFrame
    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = "."
    crs: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Every data row of the file: ``len(data) + len(bad_rows)``."""
        return len(self.data) + len(self.bad_rows)

    def __repr__(self) -> str:
        return (f"RawTable(path={str(self.path)!r}, format={self.format!r}, "
                f"columns={list(self.data.columns)!r}, rows={len(self.data)}, "
                f"bad_rows={len(self.bad_rows)}, encoding={self.encoding!r}, "
                f"delimiter={self.delimiter!r}, decimal={self.decimal!r}, crs={self.crs!r}, "
                f"warnings={len(self.warnings)})")


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
        raise ReportsError(f"{path}: cannot read the file ({_one_line(exc)})") from None
    if _is_blank(raw) and (fmt == "csv" or path.stat().st_size <= len(raw)):
        raise ReportsError(f"{path}: the file is empty; expected {_FORMAT_NAMES[fmt]} "
                           f"with a header row and one row per report")
    notes: list[str] = []
    if fmt == "csv":
        if sheet is not None:
            notes.append(f"sheet={sheet!r} ignored: CSV files have a single table")
        return _read_csv(path, raw, encoding=encoding, delimiter=delimiter, notes=notes)
    if encoding is not None or delimiter is not None:
        notes.append("encoding and delimiter apply to CSV files only; ignored")
    if fmt == "xlsx":
        return _read_xlsx(path, sheet, notes)
    return _read_spatial(path, fmt, sheet, notes)


# ---- shared helpers ----------------------------------------------------------------------


def _one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


_BLANK_PREFIX = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n\f\v\x00]*")


def _is_blank(raw: bytes) -> bool:
    """True when ``raw`` holds nothing but whitespace (and a UTF-8 BOM)."""
    match = _BLANK_PREFIX.match(raw)
    return match is not None and match.end() == len(raw)


def _rows_text(rows: Sequence[int] | np.ndarray, limit: int = 12) -> str:
    """``"row 7"``, ``"rows 7, 12-15 and 3 more"``: runs of consecutive rows joined."""
    values = sorted({int(r) for r in rows})
    if len(values) == 1:
        return f"row {values[0]}"
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in runs[:limit]]
    more = sum(b - a + 1 for a, b in runs[limit:])
    return "rows " + ", ".join(parts) + (f" and {more} more" if more else "")


def _make_headers(cells: Sequence[Any], notes: list[str],
                  reserved: Sequence[str] = ()) -> list[str]:
    """Header names: stripped, empty -> ``column_N``, repeated -> ``name.2``, ``name.3``."""
    base: list[str] = []
    empty: list[int] = []
    for j, cell in enumerate(cells, start=1):
        name = "" if cell is None or cell is pd.NA else str(cell)
        name = name.replace("\ufeff", "").strip()
        if not name:
            name = f"column_{j}"
            empty.append(j)
        base.append(name)
    originals = set(base)
    taken = set(reserved)
    out: list[str] = []
    renamed: list[str] = []
    for name in base:
        if name not in taken:
            out.append(name)
            taken.add(name)
            continue
        k = 2
        while f"{name}.{k}" in taken or f"{name}.{k}" in originals:
            k += 1
        out.append(f"{name}.{k}")
        taken.add(out[-1])
        renamed.append(f"{name!r} -> {out[-1]!r}")
    if empty:
        named = ", ".join(f"column_{j}" for j in empty[:12]) + (" ..." if len(empty) > 12
                                                               else "")
        notes.append(f"empty header{'s' if len(empty) > 1 else ''} named {named} (by "
                     f"position, counting from 1)")
    if renamed:
        notes.append("repeated headers renamed: " + ", ".join(renamed[:12])
                     + (" ..." if len(renamed) > 12 else ""))
    return out


def _bad_frame(bad: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    bad = sorted(bad, key=lambda b: b[0])
    return pd.DataFrame({
        "row": np.array([b[0] for b in bad], dtype=np.int64),
        "column": pd.Series([b[1] for b in bad], dtype=object),
        "value": pd.Series([b[2][:_VALUE_CHARS] for b in bad], dtype=object),
        "reason": pd.Series([b[3] for b in bad], dtype=object),
    })


def _starts_with_ascii_space(values: np.ndarray, empty: np.ndarray) -> bool:
    """Does a non-empty cell start with a character <= " " (the smallest one does)?"""
    rest = values[~empty].tolist() if empty.any() else values.tolist()
    return bool(rest) and min(rest)[:1] <= " "


def _blank_mask(values: np.ndarray) -> np.ndarray:
    """Cells that are empty or whitespace only (cells are all str)."""
    return np.array([not v or v.isspace() for v in values.tolist()], dtype=bool)


def _writable(a: np.ndarray) -> np.ndarray:
    """``a``, writable: pandas hands out read-only views of arrays the caller owns."""
    if a.flags.writeable:
        return a
    view = a.view()
    try:
        view.setflags(write=True)
    except ValueError:
        return a.copy()
    return view


def _assemble(
    headers: list[str],
    cols: list[np.ndarray],
    rows: np.ndarray,
    *,
    blank: str,
    bad: list[tuple[int, str, str, str]],
    notes: list[str],
    raw_value: Callable[[int], str],
    trailing: str,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Turn cell arrays into ``data``/``rows``/``bad_rows``.

    ``blank`` says how to find empty cells: ``"empty"`` (cells are str, empty ones ``""``),
    ``"ascii"`` (also whitespace-only cells, in columns where a cell starts with ASCII
    whitespace), ``"scan"`` (whitespace-only cells in every column) or ``"none"`` (cells
    are str or None, None being empty). Rows whose cells are all empty go to
    ``bad_rows`` ("empty row") unless they come after the last row with content and
    ``trailing`` is ``"drop"`` or ``"warn"`` (``"warn"`` adds a note).
    """
    m = len(rows)
    masks = []
    empty_row = np.ones(m, dtype=bool)
    for a in cols:
        if blank == "none":
            mask = np.array([v is None for v in a.tolist()], dtype=bool)
        else:
            mask = np.asarray(a == "", dtype=bool)
            if blank == "scan" or (blank == "ascii" and _starts_with_ascii_space(a, mask)):
                mask |= _blank_mask(a)
        masks.append(mask)
        empty_row &= mask
    if not cols:
        empty_row[:] = False
    content = np.flatnonzero(~empty_row)
    last_content = int(rows[content[-1]]) if len(content) else -1
    if bad:
        last_content = max(last_content, max(b[0] for b in bad))
    empty_idx = np.flatnonzero(empty_row)
    keep = ~empty_row
    if len(empty_idx):
        empty_rows = rows[empty_idx]
        after = empty_rows > last_content if trailing != "keep" else np.zeros(
            len(empty_idx), dtype=bool)
        for i in empty_idx[~after]:
            bad.append((int(rows[i]), "", raw_value(int(i)), "empty row"))
        if after.any() and trailing == "warn":
            notes.append(f"{_rows_text(empty_rows[after])}: empty rows after the last row "
                         f"with content; not counted as data rows")
    sel = None if keep.all() else np.flatnonzero(keep)
    data_cols: dict[str, np.ndarray] = {}
    for name, a, mask in zip(headers, cols, masks, strict=True):
        if sel is not None:
            a, mask = a[sel], mask[sel]
        if mask.any():
            a = np.where(mask, pd.NA, a).astype(object, copy=False)
        else:
            a = _writable(a)
        data_cols[name] = a
    data = pd.DataFrame(data_cols, columns=headers, dtype=object, copy=False)
    out_rows = np.asarray(rows if sel is None else rows[sel], dtype=np.int64)
    return data, out_rows, _bad_frame(bad)


# ---- CSV: decoding -----------------------------------------------------------------------


@dataclass
class _Text:
    """A CSV file's text: whole (``data`` UTF-8 bytes, maybe ``text``) or line by line."""

    label: str
    data: bytes | None = None
    text: str | None = None
    lines: list[str] | None = None
    #: per line: 0 ASCII, 3 non-ASCII in the primary encoding, 1 decoded with the
    #: second-choice encoding (cp1252), 2 undecodable (kept with U+FFFD, row rejected)
    flags: np.ndarray | None = None
    primary: str = "utf-8"
    #: encodings tried line by line, in order
    order: tuple[str, ...] = ("utf-8",)


def _check_binary(body: bytes, path: Path) -> None:
    head = body[:8192]
    if head.startswith(b"PK\x03\x04"):
        raise ReportsError(f"{path}: this is a zip archive (an Excel workbook?), not CSV text; "
                           f"give an .xlsx workbook the .xlsx ending, or save it as CSV")
    if b"\x00" in head:
        raise ReportsError(f"{path}: contains NUL bytes, so it is not CSV text (UTF-16 "
                           f"without a byte-order mark, or a binary file); save it as "
                           f"'CSV UTF-8' or give an .xlsx workbook")


def _decode(raw: bytes, encoding: str | None, path: Path) -> _Text:
    if encoding is None:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            try:
                text = raw.decode("utf-16").lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                raise ReportsError(f"{path}: starts with a UTF-16 byte-order mark but is not "
                                   f"valid UTF-16 ({_one_line(exc)}); save it as 'CSV UTF-8'"
                                   ) from None
            return _Text("utf-16", data=text.encode("utf-8"), text=text)
        if raw.startswith(codecs.BOM_UTF8):
            body, label = raw[3:], "utf-8-sig"
        else:
            body, label = raw, "utf-8"
        _check_binary(body, path)
        return _Text(label, data=body)
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ReportsError(f"{path}: unknown encoding {encoding!r}; use e.g. 'utf-8' or "
                           f"'cp1252', or leave it out to detect it") from None
    body, label = raw, codec
    if codec == "utf-8" and raw.startswith(codecs.BOM_UTF8):
        body, label = raw[3:], "utf-8-sig"
    try:
        text = body.decode(codec)
    except UnicodeDecodeError:
        if codec.startswith(("utf-16", "utf-32")):
            raise ReportsError(f"{path}: not valid {codec}; leave encoding out to detect it"
                               ) from None
        return _decode_lines(body, (codec,), label)
    text = text.lstrip("\ufeff")
    data = body if codec == "utf-8" else text.encode("utf-8")
    return _Text(label, data=data, text=text, primary=codec)


def _redetect(body: bytes, label: str) -> _Text:
    """``body`` is not valid UTF-8: cp1252 throughout, or mixed lines."""
    if label == "utf-8" and body.decode("utf-8", "ignore").isascii():
        # no valid multi-byte UTF-8 sequence anywhere: a single-byte (Windows) encoding
        try:
            text = body.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            return _Text("cp1252", data=text.encode("utf-8"), text=text, primary="cp1252")
    return _decode_lines(body, ("utf-8", "cp1252"), label)


def _decode_lines(body: bytes, order: tuple[str, ...], label: str) -> _Text:
    blines = body.splitlines(keepends=True)
    lines: list[str] = []
    flags = np.zeros(len(blines), dtype=np.int8)
    for i, bl in enumerate(blines):
        if bl.isascii():
            lines.append(bl.decode("ascii"))
            continue
        for k, codec in enumerate(order):
            try:
                lines.append(bl.decode(codec))
            except UnicodeDecodeError:
                continue
            flags[i] = 3 if k == 0 else 1
            break
        else:
            lines.append(bl.decode(order[0], "replace"))
            flags[i] = 2
    if lines:
        lines[0] = lines[0].lstrip("\ufeff")
    if len(order) > 1:
        second, first = bool((flags == 1).any()), bool((flags == 3).any())
        if second and first:
            label = f"mixed {label}/{order[1]}"
        elif second:
            label = order[1]
    return _Text(label, lines=lines, flags=flags, primary=order[0], order=order)


# ---- CSV: structure ----------------------------------------------------------------------


def _head_lines(st: _Text) -> list[str]:
    """The first lines of the text (about 64 kB), for finding the header and delimiter."""
    if st.lines is not None:
        out: list[str] = []
        size = 0
        for line in st.lines:
            out.append(line)
            size += len(line)
            if size > _HEAD_BYTES and len(out) > _SNIFF_RECORDS:
                break
        return out
    if st.text is not None:
        head = st.text[:_HEAD_BYTES]
        whole = len(st.text) <= _HEAD_BYTES
    else:
        assert st.data is not None
        chunk = st.data[:_HEAD_BYTES]
        whole = len(st.data) <= _HEAD_BYTES
        if not whole:
            cut = chunk.rfind(b"\n")
            chunk = chunk[:cut + 1] if cut > 0 else chunk
        try:
            head = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            if whole or exc.start < len(chunk) - 3:
                raise  # not UTF-8: the caller re-detects
            head = chunk[:exc.start].decode("utf-8")  # a character cut at the chunk's end
    lines = io.StringIO(head, newline="").readlines()
    if not whole and len(lines) > 1:
        lines = lines[:-1]  # possibly cut
    return lines


def _sniff(lines: list[str], preferred: str) -> tuple[str | None, list[list[str]]]:
    """Pick the delimiter giving the header most fields with rows agreeing with it."""
    best: tuple[Any, ...] | None = None
    choice: tuple[str | None, list[list[str]]] = (None, [])
    for d in _DELIMITERS:
        try:
            recs = list(islice(csv.reader(lines, delimiter=d, strict=False), _SNIFF_RECORDS))
        except csv.Error:
            continue
        recs = [r for r in recs if any(c.strip() for c in r)]
        if not recs or len(recs[0]) < 2:
            continue
        n = len(recs[0])
        body = recs[1:]
        agree = sum(len(r) == n for r in body) / len(body) if body else 1.0
        key = (agree >= 0.8, n, agree, d == preferred)
        if best is None or key > best:
            best, choice = key, (d, recs)
    return choice


_COMMA_DECIMAL = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_POINT_DECIMAL = re.compile(r"^\s*[-+]?\d+\.\d+\s*$")


def _decimal(recs: list[list[str]]) -> str:
    comma = point = 0
    for rec in recs[1:]:
        for cell in rec:
            if _COMMA_DECIMAL.match(cell):
                comma += 1
            elif _POINT_DECIMAL.match(cell):
                point += 1
    return "," if comma > point else "."


def _skip_count(lines: list[str], d: str | None) -> int:
    """Leading lines before the header: blank, or (given ``d``) only delimiters."""
    strip = _WS + (d or "") + ('"' if d else "")
    k = 0
    for line in lines:
        if line.strip(strip):
            break
        k += 1
    return k


_LINE_END = re.compile(rb"[ \t\f\v]*(?:\r\n|\r|\n)?")


def _tail_cut(data: bytes) -> int:
    """Length of ``data`` without trailing whitespace-only lines (the last line with text
    keeps its line end)."""
    tail = data[-_HEAD_BYTES:]
    stripped = tail.rstrip(_WS.encode())
    if not stripped and len(data) > len(tail):
        end = len(data.rstrip(_WS.encode()))
    else:
        end = len(data) - len(tail) + len(stripped)
    if end == 0:
        return 0
    match = _LINE_END.match(data, end)
    return match.end() if match else end


def _read_csv(path: Path, raw: bytes, *, encoding: str | None, delimiter: str | None,
              notes: list[str]) -> RawTable:
    st = _decode(raw, encoding, path)
    while True:
        try:
            head = _head_lines(st)
        except UnicodeDecodeError:
            assert st.data is not None
            st = _redetect(st.data, st.label)
            continue
        skip_ws = _skip_count(head, None)
        preferred = "\t" if path.suffix.lower() == ".tsv" else ","
        sniffed, recs = (None, []) if delimiter else _sniff(head[skip_ws:], preferred)
        d = delimiter or sniffed or preferred
        if not recs:
            recs = list(islice(csv.reader(head[skip_ws:], delimiter=d, strict=False),
                               _SNIFF_RECORDS))
        skip = _skip_count(head, d)
        if skip >= len(head) or _skip_count(head, "".join(_DELIMITERS)) >= len(head):
            raise ReportsError(f"{path}: the file is empty: its first lines hold nothing but "
                               f"delimiters; expected a header row and one row per report")
        if st.lines is None and skip == 0 and st.label in ("utf-8", "utf-8-sig"):
            assert st.data is not None
            arrow = _csv_arrow(st.data, d, notes)
            if arrow is not None:
                data, rows = arrow
                return RawTable(data=data, rows=rows, bad_rows=_empty_bad_rows(), path=path,
                                format="csv", encoding=st.label, delimiter=d,
                                decimal=_decimal(recs), crs=None, warnings=notes)
        if st.lines is None:
            try:
                result = _csv_fast(st, d, head, skip, notes)
            except UnicodeDecodeError:
                assert st.data is not None
                st = _redetect(st.data, st.label)
                continue
            if result is not None:
                headers, cols, rows, check_ws, bad = result
                break
            if st.text is None:
                assert st.data is not None
                try:
                    st.text = st.data.decode("utf-8")
                except UnicodeDecodeError:
                    st = _redetect(st.data, st.label)
                    continue
            st.lines = io.StringIO(st.text, newline="").readlines()
        headers, cols, rows, bad, check_ws = _csv_exact(path, st, d, skip, notes)
        break

    if len(headers) == 1 and delimiter is None:
        notes.insert(0, "only one column found: no comma, semicolon, tab or | separates the "
                        "header's fields")

    def raw_value(i: int) -> str:
        return d.join(str(a[i]) for a in cols).rstrip(d)

    data, rows, bad_rows = _assemble(
        headers, cols, rows, blank=check_ws, bad=bad, notes=notes,
        raw_value=raw_value, trailing="warn")
    decimal = _decimal(recs)
    return RawTable(data=data, rows=rows, bad_rows=bad_rows, path=path, format="csv",
                    encoding=st.label, delimiter=d, decimal=decimal, crs=None, warnings=notes)


def _empty_bad_rows() -> pd.DataFrame:
    return pd.DataFrame({"row": np.array([], dtype=np.int64), "column": pd.Series(dtype=object),
                         "value": pd.Series(dtype=object), "reason": pd.Series(dtype=object)})


def _csv_arrow(data: bytes, d: str, notes: list[str]) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The fastest path, for clean UTF-8 files: Arrow's multithreaded CSV reader, cells as
    Arrow strings (pandas ``str`` dtype; missing cells are NaN). None as soon as anything
    needs the careful paths: a row with another number of fields, an empty line, a quoted
    value spanning lines, an empty row, invalid UTF-8 or no pyarrow."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)].rstrip(b"\r")
    try:
        header_cells = next(csv.reader([first.decode("utf-8")], delimiter=d))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None
    n = len(header_cells)
    if n < 2 or len(d) != 1 or ord(d) > 127:
        return None
    problems: list[Any] = []

    def invalid(row: Any) -> str:
        problems.append(row)
        return "skip"

    names = [f"c{i}" for i in range(n)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=d, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=True,
                                             ignore_empty_lines=False,
                                             invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False),
        )
    except (pa.ArrowException, ValueError):
        return None
    n_rows = table.num_rows
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if problems or n_rows == 0 or n_rows + 1 != lines:
        return None  # bad rows, empty lines or values spanning lines: the exact path names them
    columns = {}
    all_empty = None
    for name in names:
        col = table.column(name)
        blank = pc.equal(pc.utf8_trim_whitespace(col), "")
        col = pc.if_else(blank, pa.scalar(None, pa.string()), col)
        all_empty = blank if all_empty is None else pc.and_(all_empty, blank)
        columns[name] = col
    if pc.any(all_empty).as_py():
        return None  # empty rows are rejected by name on the careful path
    frame = pa.table(columns).to_pandas()
    frame.columns = _make_headers(header_cells, notes)
    return frame, np.arange(2, n_rows + 2, dtype=np.int64)


def _pandas_read(data: bytes, d: str) -> pd.DataFrame | None:
    """pandas' C parser, all cells as str; None when it reports a problem."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            df = pd.read_csv(
                io.BytesIO(data), sep=d, header=None, dtype=object, na_filter=False,
                keep_default_na=False, skip_blank_lines=False, engine="c", quotechar='"',
                doublequote=True, encoding="utf-8", encoding_errors="strict",
                low_memory=True,
            )
        except UnicodeDecodeError:
            raise
        except (pd.errors.ParserError, ValueError):
            return None
    if caught:
        return None
    return df


def _csv_fast(st: _Text, d: str, head: list[str], skip: int, notes: list[str]):
    """The common path: pandas' C parser; None when the exact path is needed."""
    assert st.data is not None
    offset = sum(len(line.encode("utf-8")) for line in head[:skip])
    data = st.data[offset:] if offset else st.data
    cut = _tail_cut(data)
    if cut < len(data):
        data = data[:cut]
    df = _pandas_read(data, d)
    if df is None or len(df) == 0:
        return None
    n_rec, n = df.shape
    arrays = [df[c].to_numpy() for c in df.columns]
    del df
    quoted = data.find(b'"') != -1
    last_empty = arrays[-1] == ""
    if last_empty.any():
        # pandas fills the missing cells of short rows with "": every record has at most n
        # fields (else ParserError), so all have n iff (n - 1) separators per record
        separators = data.count(d.encode())
        if quoted:
            separators -= sum("\x00".join(a.tolist()).count(d) for a in arrays)
        if separators != (n - 1) * n_rec:
            return None  # short rows or empty lines: the exact path names them
    headers = _make_headers(list(a[0] for a in arrays), notes)
    cols = [a[1:] for a in arrays]
    rows = np.arange(skip + 2, skip + 1 + n_rec, dtype=np.int64)
    if quoted and data.count(b"\n") > n_rec:
        multi = np.zeros(n_rec - 1, dtype=bool)
        for a in cols:
            multi |= np.fromiter(("\n" in v or "\r" in v for v in a), dtype=bool,
                                 count=len(a))
        if multi.any():
            _note_multiline(rows[multi], notes)
    return headers, cols, rows, _ws_possible(data, d), []


def _ws_possible(data: bytes, d: str) -> str:
    """How to look for whitespace-only cells: ``"empty"`` when no cell can be one (no
    whitespace byte follows a delimiter, line end or quote, nor starts the text),
    ``"ascii"`` when only ASCII whitespace can start a cell, else ``"scan"``."""
    b = np.frombuffer(data, dtype=np.uint8)
    if not len(b):
        return "empty"
    starts = np.zeros(256, dtype=bool)
    starts[[ord(d), 0x0A, 0x0D, 0x22]] = True
    codes = [c for c in _WS_START if c != ord(d)]
    if int(b[0]) in codes:
        return "scan"
    rare = [c for c in codes if c != 0x20 and data.find(bytes([c])) != -1]
    found = set()
    step = 1 << 20
    for s in range(1, len(b), step):
        chunk = b[s - 1:s + step]
        nxt = chunk[1:]
        hit = nxt == 0x20
        for c in rare:
            hit |= nxt == c
        pos = np.flatnonzero(hit)
        if len(pos):
            pos = pos[starts[chunk[pos]]]
            found.update(np.unique(nxt[pos]).tolist())
            if any(c >= 0x80 for c in found):
                return "scan"
    return "ascii" if found else "empty"


def _note_multiline(rows: np.ndarray, notes: list[str]) -> None:
    notes.append(f"{_rows_text(rows)}: a quoted cell spans several lines; row numbers count "
                 f"records, so they differ from line numbers in a text editor")


def _csv_exact(path: Path, st: _Text, d: str, skip: int, notes: list[str]):
    """The exact path: Python's csv module, record by record, knowing each record's lines."""
    lines = st.lines
    assert lines is not None
    end = len(lines)
    while end > skip and not lines[end - 1].strip():
        end -= 1  # trailing blank lines are not rows
    # lines worth a look: undecodable ones (2) and those in the minority encoding (1 or 3)
    flagmap: dict[int, int] = {}
    minority = 1
    if st.flags is not None:
        n_second, n_first = int((st.flags == 1).sum()), int((st.flags == 3).sum())
        minority = 3 if n_second > n_first and n_first else 1
        keep = np.flatnonzero((st.flags == 2) | (st.flags == minority))
        flagmap = {int(i): int(st.flags[i]) for i in keep}
    undecodable = ("neither UTF-8 nor cp1252" if len(st.order) > 1
                   else f"not valid {st.primary}")
    header: list[str] | None = None
    n = -1
    body: list[list[str]] = []
    rows: list[int] = []
    bad: list[tuple[int, str, str, str]] = []
    short: list[int] = []
    multi: list[int] = []
    odd: list[int] = []  # rows with a line in the minority encoding

    def raw(a: int, b: int) -> str:
        return "".join(lines[a:b]).rstrip("\r\n")

    def handle(rec: int, fields: list[str], a: int, b: int) -> None:
        """Every record but the plain one-line, n-field, one-encoding kind."""
        nonlocal header, n
        if b - a > 1:
            multi.append(rec)
        if flagmap:
            kinds = {flagmap.get(i, 0) for i in range(a, b)}
            if 2 in kinds:
                if header is not None:
                    bad.append((rec, "", raw(a, b), f"undecodable bytes: {undecodable}"))
                    return
                notes.append(f"the header row has bytes that are {undecodable}; shown as "
                             f"\ufffd")
            if minority in kinds:
                odd.append(rec)
        if header is None:
            header, n = fields, len(fields)
            return
        k = len(fields)
        if k > n:
            if any(c.strip() for c in fields):
                bad.append((rec, "", raw(a, b), f"ragged row: {k} fields, header has {n}"))
                return
            fields = fields[:n]
        elif k < n:
            if any(c.strip() for c in fields):
                short.append(rec)
            fields = fields + [""] * (n - k)
        body.append(fields)
        rows.append(rec)

    pos, rec = skip, skip
    while pos < end:
        # strict: a quote left open is reported at the end of the input, not swallowed
        reader = csv.reader(islice(lines, pos, end), delimiter=d, quotechar='"',
                            doublequote=True, strict=True)
        prev = 0
        restart = None
        try:
            for fields in reader:
                ln = reader.line_num
                rec += 1
                if ln - prev == 1 and len(fields) == n and pos + prev not in flagmap:
                    body.append(fields)
                    rows.append(rec)
                else:
                    handle(rec, fields, pos + prev, pos + ln)
                prev = ln
        except csv.Error as exc:
            a = pos + prev
            rec += 1
            if "expected after" in str(exc):
                # text after a closing quote ("Sjöbo" torg): read it as pandas does
                lenient = csv.reader(islice(lines, a, end), delimiter=d, quotechar='"',
                                     doublequote=True, strict=False)
                fields = next(lenient, [])
                handle(rec, fields, a, a + max(lenient.line_num, 1))
                restart = a + max(lenient.line_num, 1)
            else:
                if header is None:
                    raise ReportsError(
                        f"{path}: the header row (row {rec}) has a quote that is never "
                        f"closed; fix the header, or give the delimiter") from None
                bad.append((rec, "", lines[a].rstrip("\r\n"),
                            "unclosed quote: a quoted cell starting in this row does not "
                            "end; the following lines are read as rows of their own"))
                restart = a + 1
        if restart is None:
            break
        pos = restart
    assert header is not None
    headers = _make_headers(header, notes)
    if multi:
        _note_multiline(np.array(multi), notes)
    if short:
        notes.append(f"{_rows_text(short)}: fewer fields than the header's {n}; the missing "
                     f"cells are left empty")
    if odd and minority == 3:
        notes.append(f"{_rows_text(odd)}: decoded as UTF-8 (file is mostly cp1252)")
    elif odd:
        mostly = " (file is mostly UTF-8)" if st.flags is not None and (st.flags == 3).any() \
            else ""
        notes.append(f"{_rows_text(odd)}: decoded as cp1252{mostly}")
    if body:
        grid = np.array(body, dtype=object)
        cols = [grid[:, j] for j in range(n)]
    else:
        cols = [np.empty(0, dtype=object) for _ in range(n)]
    data = st.data if st.data is not None else "".join(lines[skip:end]).encode("utf-8")
    return headers, cols, np.array(rows, dtype=np.int64), bad, _ws_possible(data, d)


# ---- XLSX --------------------------------------------------------------------------------


_QUOTED = re.compile(r'"[^"]*"|\[\$[^\]]*\]|\\.')


def _format_has_time(fmt: str | None) -> bool:
    if not fmt:
        return False
    f = _QUOTED.sub("", fmt.lower())
    return "h" in f or "s" in f


def _round_seconds(value: _dt.datetime) -> _dt.datetime:
    if value.microsecond:
        value = (value + _dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    return value


def _number_text(value: float, exact: bool) -> str:
    """A float as a person reads it: 12.0 -> "12"; Excel's 15 digits unless ``exact``."""
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value) if exact else format(value, ".15g")


def _xlsx_text(value: Any, number_format: str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value, exact=False)
    if isinstance(value, _dt.datetime):
        value = _round_seconds(value)
        if value.time() == _dt.time(0) and not _format_has_time(number_format):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _dt.time):
        full = _round_seconds(_dt.datetime.combine(_dt.date(2000, 1, 1), value))
        return full.time().isoformat()
    if isinstance(value, _dt.timedelta):
        seconds = round(value.total_seconds())
        sign = "-" if seconds < 0 else ""
        h, rest = divmod(abs(seconds), 3600)
        return f"{sign}{h}:{rest // 60:02d}:{rest % 60:02d}"
    return str(value)


def _pick(names: list[str], sheet: str | int | None, path: Path, what: str) -> int:
    if sheet is None:
        return 0
    listing = ", ".join(repr(n) for n in names)
    if isinstance(sheet, bool) or not isinstance(sheet, (str, int)):
        raise ReportsError(f"{path}: {what} must be a name or a 0-based index, not {sheet!r}")
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return sheet
        raise ReportsError(f"{path}: no {what} {sheet} (0-based); the file has "
                           f"{len(names)}: {listing}")
    if sheet in names:
        return names.index(sheet)
    folded = [n.casefold().strip() for n in names]
    if sheet.casefold().strip() in folded:
        return folded.index(sheet.casefold().strip())
    raise ReportsError(f"{path}: no {what} named {sheet!r}; the file has: {listing}")


def _read_xlsx(path: Path, sheet: str | int | None, notes: list[str]) -> RawTable:
    import openpyxl

    grid: list[tuple[int, list[str | None]]] = []
    with warnings.catch_warnings(record=True) as caught, path.open("rb") as fh:
        warnings.simplefilter("always")
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # zipfile, XML and openpyxl errors alike
            raise ReportsError(f"{path}: cannot read as an Excel workbook (.xlsx): "
                               f"{_one_line(exc)}") from None
        try:
            sheets = list(wb.worksheets)
            if not sheets:
                raise ReportsError(f"{path}: the workbook has no worksheet")
            ws = sheets[_pick([s.title for s in sheets], sheet, path, "sheet")]
            title = ws.title
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # a stale stored size would cut columns off
            for r, row in enumerate(ws.iter_rows(), start=1):
                cells = [_xlsx_text(c.value, getattr(c, "number_format", None)) for c in row]
                while cells and cells[-1] is None:
                    cells.pop()
                grid.append((r, cells))
        except ReportsError:
            raise
        except Exception as exc:
            raise ReportsError(f"{path}: cannot read as an Excel workbook (.xlsx): "
                               f"{_one_line(exc)}") from None
        finally:
            wb.close()
    for w in caught:
        msg = _one_line(w.message)
        if "default style" not in msg:
            notes.append(f"Excel reader: {msg}")
    start = next((i for i, (_, cells) in enumerate(grid) if cells), None)
    if start is None:
        raise ReportsError(f"{path}: sheet {title!r} is empty; expected a header row and one "
                           f"row per report")
    width = max(len(cells) for _, cells in grid[start:])
    header_row, header = grid[start]
    header = header + [None] * (width - len(header))
    headers = _make_headers(header, notes)
    body = grid[start + 1:]
    rows = np.array([r for r, _ in body], dtype=np.int64)
    cols: list[np.ndarray] = []
    if body:
        g = np.empty((len(body), width), dtype=object)
        for i, (_, cells) in enumerate(body):
            g[i, :len(cells)] = cells
        cols = [g[:, j] for j in range(width)]
    else:
        cols = [np.empty(0, dtype=object) for _ in range(width)]
    data, rows, bad_rows = _assemble(
        headers, cols, rows, blank="none", bad=[], notes=notes, raw_value=lambda i: "",
        trailing="drop")
    if header_row > 1:
        notes.append(f"sheet {title!r}: header found in row {header_row}")
    return RawTable(data=data, rows=rows, bad_rows=bad_rows, path=path, format="xlsx",
                    encoding=None, delimiter=None, decimal=".", crs=None, warnings=notes)


# ---- GeoJSON and GeoPackage --------------------------------------------------------------


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
        return _number_text(float(value), exact=True)
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


def _read_spatial(path: Path, fmt: str, sheet: str | int | None, notes: list[str]) -> RawTable:
    import pyogrio
    import shapely
    from geopandas import GeoDataFrame

    kind = "GeoJSON" if fmt == "geojson" else "a GeoPackage"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        except Exception as exc:
            raise ReportsError(f"{path}: cannot read as {kind}: {_one_line(exc)}") from None
        if not layers:
            raise ReportsError(f"{path}: {kind} without layers; expected a layer of report "
                               f"features")
        layer = layers[_pick(layers, sheet, path, "layer")]
        try:
            gdf = pyogrio.read_dataframe(path, layer=layer, datetime_as_string=True)
            info = pyogrio.read_info(path, layer=layer)
        except Exception as exc:
            raise ReportsError(f"{path}: cannot read layer {layer!r} as {kind}: "
                               f"{_one_line(exc)}") from None
    for w in caught:
        notes.append(f"GDAL: {_one_line(w.message)}")
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
    headers = _make_headers([str(c) for c in props.columns], notes,
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
                    xs[i] = _number_text(float(px[k]), exact=True)
                    ys[i] = _number_text(float(py[k]), exact=True)
                types[i] = geoms[k].geom_type
        missing = n - len(idx)
        if missing:
            notes.append(f"{_rows_text(np.flatnonzero(~present) + 2)}: feature without "
                         f"geometry")
    headers += list(_SPATIAL_COLUMNS)
    cols += [xs, ys, types]
    rows = np.arange(2, n + 2, dtype=np.int64)
    data, rows, bad_rows = _assemble(
        headers, cols, rows, blank="none", bad=[], notes=notes, raw_value=lambda i: "",
        trailing="keep")
    return RawTable(data=data, rows=rows, bad_rows=bad_rows, path=path, format=fmt,
                    encoding=None, delimiter=None, decimal=".", crs=crs, warnings=notes)
