"""The raw table every report, lamp and measures reader returns, and the helpers the
format readers share (header cleaning, assembling text cells, row lists, sheet or layer
choice). No reader logic lives here: :mod:`.readers` is the entry point.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sjobo_geo._errors import ReportsError


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


def one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def is_blank(raw: bytes) -> bool:
    """True when ``raw`` holds nothing but whitespace (and a UTF-8 BOM)."""
    match = _BLANK_PREFIX.match(raw)
    return match is not None and match.end() == len(raw)


def format_rows(rows: Sequence[int] | np.ndarray, limit: int = 12) -> str:
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


#: Input limits (README, "Security and privacy"): a table wider than this is not an export of
#: reports, lamps or measures, and reading it would take memory for nothing.
MAX_COLUMNS = 500
#: The longest physical line of a CSV file, in bytes (1 MiB).
MAX_LINE_BYTES = 1 << 20
#: The longest cell, in characters: Excel's own limit, so every accepted cell can be opened
#: in a spreadsheet again.
MAX_CELL_CHARS = 32_767


def check_columns(n: int, path: Any, where: str = "the header") -> None:
    """Refuse a table with more than :data:`MAX_COLUMNS` columns, before it is read.

    Examples
    --------
    >>> check_columns(12, "reports.csv")
    """
    if n > MAX_COLUMNS:
        raise ReportsError(
            f"{path}: {where} has more than {MAX_COLUMNS} columns ({n:,} counted); at most "
            f"{MAX_COLUMNS} are read. Is this the right file, and is the delimiter right?")


def check_line_lengths(raw: bytes, path: Any) -> np.ndarray:
    r"""Lengths of the physical lines of a text file, refusing one over :data:`MAX_LINE_BYTES`.

    Vectorised over the bytes (about 0.1 s for 100 MB). Returns the line lengths in bytes.

    Examples
    --------
    >>> check_line_lengths(b"a,b\n1,2\n", "x.csv").tolist()
    [3, 3, 0]
    """
    buf = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(buf)]])
    lengths = stops - starts
    if len(lengths) and lengths.max() > MAX_LINE_BYTES:
        line = int(np.argmax(lengths > MAX_LINE_BYTES)) + 1
        raise ReportsError(
            f"{path}: line {line} is {lengths[line - 1]:,} bytes long; lines are limited to "
            f"{MAX_LINE_BYTES:,} bytes (1 MiB). Is this a CSV export of a table?")
    return lengths


def long_cells(cols: Sequence[np.ndarray]) -> np.ndarray:
    """Row positions with a cell longer than :data:`MAX_CELL_CHARS` characters."""
    hit = np.zeros(len(cols[0]) if cols else 0, dtype=bool)
    for a in cols:
        s = pd.Series(a, dtype=object)
        hit |= (s.map(lambda v: isinstance(v, str) and len(v) > MAX_CELL_CHARS)
                .to_numpy(dtype=bool))
    return hit


def make_headers(cells: Sequence[Any], notes: list[str],
                  reserved: Sequence[str] = ()) -> list[str]:
    """Header names: stripped, empty -> ``column_N``, repeated -> ``name.2``, ``name.3``."""
    check_columns(len(cells), "the file")
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


def assemble_table(
    headers: list[str],
    cols: list[np.ndarray],
    rows: np.ndarray,
    *,
    blank: str,
    bad: list[tuple[int, str, str, str]],
    notes: list[str],
    raw_value: Callable[[int], str],
    trailing: str,
    check_cells: bool = True,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Turn cell arrays into ``data``/``rows``/``bad_rows``.

    ``blank`` says how to find empty cells: ``"empty"`` (cells are str, empty ones ``""``),
    ``"ascii"`` (also whitespace-only cells, in columns where a cell starts with ASCII
    whitespace), ``"scan"`` (whitespace-only cells in every column) or ``"none"`` (cells
    are str or None, None being empty). Rows whose cells are all empty go to
    ``bad_rows`` ("empty row") unless they come after the last row with content and
    ``trailing`` is ``"drop"`` or ``"warn"`` (``"warn"`` adds a note). With
    ``check_cells``, rows with a cell longer than :data:`MAX_CELL_CHARS` go to ``bad_rows``
    too (a reader that knows no cell can be that long passes False and saves the scan).
    """
    m = len(rows)
    if check_cells and cols:
        too_long = long_cells(cols)
        if too_long.any():
            for i in np.flatnonzero(too_long):
                bad.append((int(rows[i]), "", raw_value(int(i))[:200],
                            f"a cell is longer than {MAX_CELL_CHARS:,} characters (Excel's "
                            "limit); shorten it"))
            keep_rows = np.flatnonzero(~too_long)
            cols = [a[keep_rows] for a in cols]
            rows = rows[keep_rows]
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
            notes.append(f"{format_rows(empty_rows[after])}: empty rows after the last row "
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


def number_text(value: float, exact: bool) -> str:
    """A float as a person reads it: 12.0 -> "12"; Excel's 15 digits unless ``exact``."""
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value) if exact else format(value, ".15g")


def pick_sheet(names: list[str], sheet: str | int | None, path: Path, what: str) -> int:
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


#: Columns of :attr:`RawTable.bad_rows`.
BAD_ROW_COLUMNS = ("row", "column", "value", "reason")


_VALUE_CHARS = 200


_BLANK_PREFIX = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n\f\v\x00]*")
