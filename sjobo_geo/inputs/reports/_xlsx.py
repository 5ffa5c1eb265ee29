"""Excel workbooks (``.xlsx``/``.xlsm``) for :func:`~.readers.read_table`, cells as text.

Every cell becomes text for the validator: numbers as a person reads them (Excel's 15
digits), dates and times in ISO 8601 (a date-time at midnight as a date unless the cell format
shows a time), durations as ``h:mm:ss``, booleans as ``TRUE``/``FALSE``.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from sjobo_geo.inputs.rawtable import (
    RawTable,
    assemble_table,
    make_headers,
    number_text,
    one_line,
    pick_sheet,
)
from sjobo_geo.inputs.reports.schema import ReportsError

__all__ = ["read_xlsx_table"]


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
        return number_text(value, exact=False)
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


def read_xlsx_table(path: Path, sheet: str | int | None, notes: list[str]) -> RawTable:
    import openpyxl

    grid: list[tuple[int, list[str | None]]] = []
    with warnings.catch_warnings(record=True) as caught, path.open("rb") as fh:
        warnings.simplefilter("always")
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # zipfile, XML and openpyxl errors alike
            raise ReportsError(f"{path}: cannot read as an Excel workbook (.xlsx): "
                               f"{one_line(exc)}") from None
        try:
            sheets = list(wb.worksheets)
            if not sheets:
                raise ReportsError(f"{path}: the workbook has no worksheet")
            ws = sheets[pick_sheet([s.title for s in sheets], sheet, path, "sheet")]
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
                               f"{one_line(exc)}") from None
        finally:
            wb.close()
    for w in caught:
        msg = one_line(w.message)
        if "default style" not in msg:
            notes.append(f"Excel reader: {msg}")
    start = next((i for i, (_, cells) in enumerate(grid) if cells), None)
    if start is None:
        raise ReportsError(f"{path}: sheet {title!r} is empty; expected a header row and one "
                           f"row per report")
    width = max(len(cells) for _, cells in grid[start:])
    header_row, header = grid[start]
    header = header + [None] * (width - len(header))
    headers = make_headers(header, notes)
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
    data, rows, bad_rows = assemble_table(
        headers, cols, rows, blank="none", bad=[], notes=notes, raw_value=lambda i: "",
        trailing="drop")
    if header_row > 1:
        notes.append(f"sheet {title!r}: header found in row {header_row}")
    return RawTable(data=data, rows=rows, bad_rows=bad_rows, path=path, format="xlsx",
                    encoding=None, delimiter=None, decimal=".", crs=None, warnings=notes)
