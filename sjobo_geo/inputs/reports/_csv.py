"""CSV for :func:`~.readers.read_table`: decoding, delimiter and layout, and three readers.

Bytes are decoded as UTF-8 (with or without BOM), UTF-16 with BOM, cp1252 or mixed UTF-8 and
cp1252 lines; the delimiter, the decimal mark and the lines before the header are found from
the first records. A UTF-8 file with its header on the first line is read by Arrow when
Arrow reads it exactly, else by pandas' C parser; a file neither reads exactly (ragged or
short rows, empty lines, mixed encodings, undecodable bytes, an unclosed quote) by Python's
:mod:`csv` module, record by record.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sjobo_geo.inputs.rawtable import (
    RawTable,
    assemble_table,
    check_columns,
    format_rows,
    make_headers,
    one_line,
)
from sjobo_geo.inputs.reports.schema import ReportsError

__all__ = ["read_csv_table"]


_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

_HEAD_BYTES = 1 << 16
_SNIFF_RECORDS = 200
_WS = " \t\r\n\f\v"
#: bytes that may begin a whitespace-only cell in UTF-8 text (ASCII whitespace except line
#: ends; 0xc2: NBSP and NEL; 0xe1-0xe3: the other Unicode spaces)
_WS_START = (0x09, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0xC2, 0xE1, 0xE2, 0xE3)


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
                                   f"valid UTF-16 ({one_line(exc)}); save it as 'CSV UTF-8'"
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


def read_csv_table(path: Path, raw: bytes, *, encoding: str | None, delimiter: str | None,
                   notes: list[str], long_lines: bool = True) -> RawTable:
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
        check_columns(max((len(r) for r in recs), default=0), path)
        if skip >= len(head) or _skip_count(head, "".join(_DELIMITERS)) >= len(head):
            raise ReportsError(f"{path}: the file is empty: its first lines hold nothing but "
                               f"delimiters; expected a header row and one row per report")
        if (st.lines is None and skip == 0 and st.label in ("utf-8", "utf-8-sig")
                and not long_lines):
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
        long_lines = True  # a quoted cell may span lines
        break

    if len(headers) == 1 and delimiter is None:
        notes.insert(0, "only one column found: no comma, semicolon, tab or | separates the "
                        "header's fields")

    def raw_value(i: int) -> str:
        return d.join(str(a[i]) for a in cols).rstrip(d)

    data, rows, bad_rows = assemble_table(
        headers, cols, rows, blank=check_ws, bad=bad, notes=notes,
        raw_value=raw_value, trailing="warn", check_cells=long_lines)
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
    frame.columns = make_headers(header_cells, notes)
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
    headers = make_headers(list(a[0] for a in arrays), notes)
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
    notes.append(f"{format_rows(rows)}: a quoted cell spans several lines; row numbers count "
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
    headers = make_headers(header, notes)
    if multi:
        _note_multiline(np.array(multi), notes)
    if short:
        notes.append(f"{format_rows(short)}: fewer fields than the header's {n}; the missing "
                     f"cells are left empty")
    if odd and minority == 3:
        notes.append(f"{format_rows(odd)}: decoded as UTF-8 (file is mostly cp1252)")
    elif odd:
        mostly = " (file is mostly UTF-8)" if st.flags is not None and (st.flags == 3).any() \
            else ""
        notes.append(f"{format_rows(odd)}: decoded as cp1252{mostly}")
    if body:
        grid = np.array(body, dtype=object)
        cols = [grid[:, j] for j in range(n)]
    else:
        cols = [np.empty(0, dtype=object) for _ in range(n)]
    data = st.data if st.data is not None else "".join(lines[skip:end]).encode("utf-8")
    return headers, cols, np.array(rows, dtype=np.int64), bad, _ws_possible(data, d)
