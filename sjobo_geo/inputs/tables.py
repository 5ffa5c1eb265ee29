"""Validation of tabular inputs (report exports, lamp inventories), shared by their readers.

Every data row ends up accepted or rejected with its row number, column, value and reason:
:class:`Rejects` keeps the first reason per row. The parsers are vectorised over rows; only
distinct values (category words, place names) are looked at one by one.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sjobo_geo.core.gazetteer import normalise_name

if TYPE_CHECKING:
    from sjobo_geo.inputs.rawtable import RawTable

__all__ = ["MISSING_WORDS", "Accounted", "Columns", "Rejects", "bad_rows", "clean_text",
           "fast_float", "is_missing", "locate_rows", "lookup", "match_headers",
           "parse_timestamps", "rows_text", "to_number", "check_user_crs"]

@dataclass(kw_only=True)
class Accounted:
    """What every validated table result shares: rejects and the accounting.

    Attributes
    ----------
    rejects : pandas.DataFrame
        One row per rejected input row: ``row`` (row number in the file, header = 1),
        ``column``, ``value``, ``reason``.
    total : int
        Data rows in the input. ``accepted + rejected == total`` always.
    source_file : str
        The file read.
    warnings : list of str
        Things fixed, assumed or noticed, with row numbers.
    meta : dict
        Columns used, coordinate CRS, area, and the reader's details.
    """

    rejects: pd.DataFrame
    total: int
    source_file: str = ""
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def accepted(self) -> int:
        """Number of accepted rows."""
        raise NotImplementedError

    @property
    def rejected(self) -> int:
        """Number of rejected rows."""
        return len(self.rejects)

    def accounting(self) -> dict[str, Any]:
        """Counts for people and machines: total, accepted, rejected, reasons, warnings."""
        # the kind of reason: its text before the details (after ':' or in brackets)
        reasons = (self.rejects["reason"].astype(str).str.split(r":| \(", regex=True).str[0]
                   .value_counts().to_dict() if len(self.rejects) else {})
        return {
            "file": self.source_file,
            "total": int(self.total),
            "accepted": int(self.accepted),
            "rejected": int(self.rejected),
            "rejected_by_reason": {str(k): int(v) for k, v in reasons.items()},
            "warnings": list(self.warnings),
            "coordinate_crs": self.meta.get("coordinate_crs"),
            "area": self.meta.get("area"),
        }

    def write_rejects(self, path: str | Path) -> Path:
        """Write the rejects (row, column, value, reason) as an Excel-safe UTF-8 CSV.

        Through :func:`sjobo_geo.core.files.write_csv`: a rejected value that starts with
        ``=`` stays text in Excel.
        """
        from sjobo_geo.core.files import write_csv

        return write_csv(self.rejects, path)


class Columns:
    """The mapped columns of a raw table: field name -> cells, each cleaned once.

    Parameters
    ----------
    data : pandas.DataFrame
        The table's cells (headers as in the file).
    fields : dict of str to str
        Field name -> header that carries it.
    """

    def __init__(self, data: pd.DataFrame, fields: dict[str, str]) -> None:
        self.data = data.reset_index(drop=True)
        self.fields = fields
        self.index = self.data.index
        self._cleaned: dict[str, pd.Series] = {}

    def text(self, field: str) -> pd.Series:
        """The field's cells as text, stripped, empty -> missing (all missing if absent)."""
        if field not in self.fields:
            return pd.Series(pd.NA, index=self.index, dtype="str")
        if field not in self._cleaned:
            self._cleaned[field] = clean_text(self.data[self.fields[field]])
        return self._cleaned[field]

    def raw_number(self, field: str) -> pd.Series:
        """Raw cells of a numeric field: Arrow casts them directly; cells that fail are
        cleaned and parsed one by one in :func:`to_number`."""
        if field in self._cleaned or field not in self.fields:
            return self.text(field)
        return self.data[self.fields[field]]

    def header(self, field: str) -> str:
        """The file's header of a field (the field name when the file has none)."""
        return self.fields.get(field, field)


#: Cell values that mean "missing" rather than a bad value.
MISSING_WORDS = {"nan", "null", "none", "na", "n/a", "-", "--", "saknas"}


class Rejects:
    """First reason wins: a row rejected once keeps that reason (numpy arrays inside)."""

    def __init__(self, index: pd.Index, rows: np.ndarray) -> None:
        self.index = index
        self._ok = np.ones(len(index), dtype=bool)
        self.reason = np.full(len(index), None, dtype=object)
        self.column = np.full(len(index), "", dtype=object)
        self.value = np.full(len(index), "", dtype=object)
        self.rows = rows

    def add(self, mask: Any, column: str, values: pd.Series | None, reason: Any) -> None:
        """Reject rows in ``mask``; ``reason`` is a str, a Series, or a callable of the mask
        returning either (called only when some row is rejected, so messages cost nothing
        otherwise)."""
        m = np.asarray(pd.Series(mask, index=self.index).fillna(False), dtype=bool) & self._ok
        if not m.any():
            return
        sel = pd.Series(m, index=self.index)
        if callable(reason):
            reason = reason(sel)  # built for the rejected rows only
        if isinstance(reason, pd.Series):
            self.reason[m] = reason[sel].astype(object).to_numpy()
        else:
            self.reason[m] = reason
        self.column[m] = column
        if values is not None:
            shown = values[sel].astype(object).to_numpy()
            self.value[m] = ["" if is_missing(v) else str(v)[:200] for v in shown]
        self._ok &= ~m

    def merge(self, other: Rejects) -> None:
        """Take ``other``'s rejections for rows not rejected here (this one's reasons come
        first, whatever order the checks ran in)."""
        take = ~other._ok & self._ok
        self.reason[take] = other.reason[take]
        self.column[take] = other.column[take]
        self.value[take] = other.value[take]
        self._ok &= ~take

    @property
    def ok(self) -> pd.Series:
        return pd.Series(self._ok, index=self.index)

    def frame(self) -> pd.DataFrame:
        bad = ~self._ok
        return pd.DataFrame({
            "row": self.rows[bad], "column": self.column[bad],
            "value": self.value[bad], "reason": self.reason[bad],
        })


def match_headers(headers: Sequence[str], candidates: Mapping[str, Sequence[str]],
                  fields: Sequence[str]) -> dict[str, str]:
    """Field -> the header of ``headers`` that carries it (fields absent are left out).

    For each field in ``fields`` order, the first of its ``candidates`` that matches a header
    not yet taken wins; matching ignores case, diacritics and punctuation (spaces and
    underscores are the same).
    """
    def key(text: str) -> str:
        return normalise_name(text).replace(" ", "_")

    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(key(h), h)
    found: dict[str, str] = {}
    used: set[str] = set()
    for name in fields:
        for candidate in candidates.get(name, ()):
            k = key(candidate)
            if k in by_norm and by_norm[k] not in used:
                found[name] = by_norm[k]
                used.add(by_norm[k])
                break
    return found


#: Formats tried after ISO 8601, in order (day first, as Swedish exports write dates).
DATE_FORMATS = ("%Y-%m-%d %H.%M", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y",
                "%Y%m%d %H:%M", "%Y%m%d", "%d-%m-%Y %H:%M", "%d-%m-%Y")
#: A time of day followed by a UTC offset or ``Z``: the cell names its own time zone.
_OFFSET_RE = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|(?:UTC|GMT)?[+-]\d{1,2}(?::?\d{2})?)$"
#: The range a timestamp can hold (nanoseconds since 1970 in 64 bits): years 1678-2261.
_FIRST, _LAST = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")


def _to_datetime(text: pd.Series, **kwargs: Any) -> pd.Series:
    """``pd.to_datetime`` with bad cells as NaT, even where pandas refuses the whole column
    (an overflow, mixed offsets): then cell by cell, which only a broken column pays for."""
    try:
        return pd.to_datetime(text, errors="coerce", **kwargs)
    except (ValueError, TypeError, OverflowError):
        out = []
        for v in text:
            try:
                out.append(pd.to_datetime(v, errors="coerce", **kwargs))
            except (ValueError, TypeError, OverflowError):
                out.append(pd.NaT)
        return pd.Series(out, index=text.index, dtype="object")


def _naive_ns(parsed: pd.Series, tz: str | None) -> pd.Series:
    """Parsed values as naive local times in nanoseconds; out of range -> NaT."""
    values = []
    for v in parsed:
        if v is pd.NaT or v is None or (isinstance(v, float) and np.isnan(v)):
            values.append(pd.NaT)
            continue
        v = pd.Timestamp(v)
        if v.tzinfo is not None:
            v = v.tz_convert(tz or "UTC").tz_localize(None)
        values.append(v if _FIRST <= v <= _LAST else pd.NaT)
    return pd.Series(values, index=parsed.index, dtype="datetime64[ns]")


def _as_ns(parsed: pd.Series, tz: str | None) -> pd.Series:
    """Vectorised :func:`_naive_ns` for the common case of one dtype."""
    if parsed.dtype == object:
        return _naive_ns(parsed, tz)
    if getattr(parsed.dtype, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(tz or "UTC").dt.tz_localize(None)
    ok = parsed.notna() & (parsed >= _FIRST) & (parsed <= _LAST)
    return parsed.where(ok).astype("datetime64[ns]")


def parse_timestamps(s: pd.Series, tz: str | None = None) -> pd.Series:
    """Dates and times as written in exports, as naive local times of the area.

    Parameters
    ----------
    s : pandas.Series
        Text cells (missing cells stay missing).
    tz : str, optional
        The area's time zone (IANA name, e.g. ``"Europe/Stockholm"``).

    Returns
    -------
    pandas.Series
        ``datetime64[ns]``, naive, in the area's local time. A cell that cannot be read, or
        whose year lies outside 1678-2261, is NaT (the validator rejects it).

    Notes
    -----
    The rule for time zones:

    * a timestamp with a UTC offset or ``Z`` (``2024-06-01T23:30:00+03:00``,
      ``2024-06-01T20:30Z``) names its instant: it is converted to the area's time zone
      (``tz``), so 23:30+03:00 in Helsinki stays 23:30 and in Sjöbo becomes 22:30;
    * a timestamp without one (``2024-06-01 23:30``, ``1/6/2024 23:30``) is read as the
      area's local time, as a person in the area would write it.

    ISO 8601 is tried first, then the day-first forms of :data:`DATE_FORMATS`. Offsets may
    differ from row to row, and offset and local cells may be mixed in one column.

    Examples
    --------
    >>> import pandas as pd
    >>> parse_timestamps(pd.Series(["2024-06-01T23:30:00+03:00", "1/6/2024 23:30",
    ...                             "1600-01-01", "soon"]), tz="Europe/Stockholm").tolist()
    [Timestamp('2024-06-01 22:30:00'), Timestamp('2024-06-01 23:30:00'), NaT, NaT]
    """
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    text = s.astype("object").where(s.notna())
    present = text.notna()
    if not present.any():
        return out
    text = text[present].astype(str).str.strip()
    offset = text.str.contains(_OFFSET_RE, regex=True)
    if offset.any():
        sub = text[offset].str.replace(r"(UTC|GMT)(?=[+-])", "", regex=True)
        out[sub.index] = _as_ns(_to_datetime(sub, format="ISO8601", utc=True), tz)
    local = text[~offset]
    if len(local):
        parsed = _as_ns(_to_datetime(local, format="ISO8601"), tz)
        left = parsed.isna()
        for fmt in DATE_FORMATS:
            if not left.any():
                break
            parsed[left] = _as_ns(_to_datetime(local[left], format=fmt), tz)
            left = parsed.isna()
        out[local.index] = parsed
    return out


def is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def rows_text(rows: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def clean_text(s: pd.Series) -> pd.Series:
    """Text cells, stripped, empty -> missing ('str' dtype: Arrow-backed with pyarrow)."""
    s = s.astype("str").str.strip()
    return s.mask(s == "")


def to_number(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse numbers with decimal point or comma. Returns values, is-bad, missing-word mask.

    The common case (plain numbers) is parsed in one pass; only the cells that fail are
    looked at again (decimal comma, spaces as thousands separators, words such as NaN)."""
    values = fast_float(s)
    if values is None:
        values = pd.to_numeric(s, errors="coerce").astype("float64")
    retry = s.notna() & (values.isna() | ~np.isfinite(values.fillna(0.0)))
    words = pd.Series(False, index=s.index)
    if retry.any():
        sub = clean_text(s[retry])
        text = sub.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
        comma_only = text.str.contains(",", regex=False) & ~text.str.contains(".", regex=False)
        text = text.mask(comma_only.fillna(False), text.str.replace(",", ".", regex=False))
        values[retry] = pd.to_numeric(text, errors="coerce").astype("float64")
        words[retry] = sub.str.lower().isin(MISSING_WORDS).fillna(False).to_numpy()
    bad = s.notna() & (values.isna() | ~np.isfinite(values.fillna(0.0)))
    # a bad cell (text, NaN, infinity) carries no value: it must not reach any geometry
    return values.where(~words & ~bad), bad & ~words, words


def fast_float(s: pd.Series) -> pd.Series | None:
    """Cast a text column to float in Arrow (a clean column of a million cells in ~10 ms);
    None when any cell is not a plain number, so the caller parses cell by cell."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pc.cast(pa.array(s, from_pandas=True), pa.float64())
    except Exception:  # noqa: BLE001 - ArrowInvalid, ArrowTypeError, no pyarrow: slow path
        return None
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=s.index, dtype="float64")


def lookup(values: pd.Series, table: dict[str, str]) -> pd.Series:
    """Map texts to codes by normalised lookup; unknown -> NA. Normalises each distinct
    value once (factorize), so a million rows of a dozen categories cost milliseconds."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([table.get(normalise_name(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype="object")


def bad_rows(table: RawTable) -> pd.DataFrame:
    bad = table.bad_rows
    if bad is None or len(bad) == 0:
        return pd.DataFrame(columns=["row", "column", "value", "reason"])
    return bad[["row", "column", "value", "reason"]]


def check_user_crs(crs: Any, where: str) -> str | None:
    """A CRS given by a person (``--crs``, a mapping file, ``SRID=``) as text, or an error.

    Parameters
    ----------
    crs : str, int or None
        ``"EPSG:3006"``, ``3006`` or anything pyproj reads; None passes through.
    where : str
        Where it was given, for the message ("--crs", "mapping.toml").

    Returns
    -------
    str or None

    Raises
    ------
    CRSError
        Not a CRS pyproj knows (``EPSG:99999``), or not text or a number.

    Examples
    --------
    >>> check_user_crs(3006, "--crs")
    'EPSG:3006'
    """
    if crs is None:
        return None
    from pyproj import CRS

    from sjobo_geo._errors import CRSError

    hint = "give an EPSG code such as EPSG:3006 (SWEREF 99 TM) or EPSG:4326 (WGS84)"
    if isinstance(crs, bool) or not isinstance(crs, str | int):
        raise CRSError(f"{where}: the CRS must be text such as \"EPSG:3006\", got {crs!r}; "
                       + hint)
    text = f"EPSG:{crs}" if isinstance(crs, int) else crs.strip()
    try:
        CRS.from_user_input(text)
    except Exception:  # noqa: BLE001 - pyproj.exceptions.CRSError and friends
        raise CRSError(f"{where}: unknown CRS {text!r}; {hint}") from None
    return text


def locate_rows(col, col_number, fields, header, rej, table, area, mapping, crs, area_margin,
            warnings, spatial) -> tuple[pd.Series, pd.Series, pd.Series, str | None]:
    """Coordinates or place text -> x, y in the area's CRS (NaN where rejected)."""
    import shapely
    from pyproj import CRS, Transformer

    crs = check_user_crs(crs, "crs")
    check_user_crs(mapping.crs, "the column mapping's crs")

    index = rej.index
    rows = rej.rows
    x = pd.Series(np.nan, index=index)
    y = pd.Series(np.nan, index=index)
    located_by = pd.Series("", index=index, dtype="object")
    crs_used: str | None = None

    def pair(fa: str, fb: str, names: tuple[str, str]):
        a_raw, b_raw = col_number(fa), col_number(fb)
        a, a_bad, a_words = to_number(a_raw)
        b, b_bad, b_words = to_number(b_raw)
        for raw, bad, words, f, nm in ((a_raw, a_bad, a_words, fa, names[0]),
                                       (b_raw, b_bad, b_words, fb, names[1])):
            rej.add(bad, header(f), raw,
                    lambda m, raw=raw, nm=nm: f"{nm} is not a number: " + raw[m].fillna(""))
            rej.add(words, header(f), raw,
                    lambda m, raw=raw, nm=nm: f"{nm} missing (written as "
                    + raw[m].fillna("") + ")")
        one = a.notna() ^ b.notna()
        rej.add(one & a.isna(), header(fa), a_raw, f"{names[0]} missing but {names[1]} given")
        rej.add(one & b.isna(), header(fb), b_raw, f"{names[1]} missing but {names[0]} given")
        return a, b

    boundary = area.boundary.buffer(area_margin)
    shapely.prepare(boundary)
    to_area = {}

    def transform(src: str, xs: pd.Series, ys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        if src not in to_area:
            to_area[src] = Transformer.from_crs(src, area.crs, always_xy=True)
        return to_area[src].transform(xs.to_numpy(), ys.to_numpy())

    def inside(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return shapely.contains_xy(boundary, xs, ys)

    have = pd.Series(False, index=index)
    inside_known: np.ndarray | None = None
    if {"lat", "lon"} <= fields.keys():
        lat, lon = pair("lat", "lon", ("latitude", "longitude"))
        have = lat.notna() & lon.notna()
        out_of_range = have & ((lat.abs() > 90) | (lon.abs() > 180))
        rej.add(out_of_range, header("lat"), lat,
                "latitude/longitude out of range (lat -90..90, lon -180..180)")
        xs, ys = transform("EPSG:4326", lon.fillna(0), lat.where(lat.abs() <= 90, 0).fillna(0))
        ok_given = inside(xs, ys)
        inside_known = ok_given.copy()
        # only pairs that miss the area are tried the other way round
        retry = np.flatnonzero(~ok_given & have.to_numpy())
        ok_swapped = np.zeros(len(xs), dtype=bool)
        xs_sw, ys_sw = xs.copy(), ys.copy()
        if len(retry):
            la, lo = lat.iloc[retry], lon.iloc[retry]
            xs_sw[retry], ys_sw[retry] = transform(
                "EPSG:4326", la.where(la.abs() <= 180, 0), lo.where(lo.abs() <= 90, 0))
            ok_swapped[retry] = inside(xs_sw[retry], ys_sw[retry])
            inside_known |= ok_swapped
        if ok_swapped.any():
            warnings.append(
                f"rows {rows_text(rows[ok_swapped])}: latitude and longitude were swapped; "
                "fixed (the swapped pair lies in the area)"
            )
        xs = np.where(ok_swapped, xs_sw, xs)
        ys = np.where(ok_swapped, ys_sw, ys)
        x[have] = xs[have.to_numpy()]
        y[have] = ys[have.to_numpy()]
        located_by[have] = "coordinates"
        crs_used = "EPSG:4326"
    if {"x", "y"} <= fields.keys():
        xv, yv = pair("x", "y", ("x", "y"))
        more = xv.notna() & yv.notna() & ~have
        src = crs or mapping.crs or (table.crs if spatial and table.crs else None)
        if src is None and more.any():
            degrees = (xv[more].abs() <= 180) & (yv[more].abs() <= 90)
            src = "EPSG:4326" if degrees.all() else area.crs
            warnings.append(f"x/y read as {src} ({CRS.from_user_input(src).name}); "
                            "name the CRS in the column mapping to be sure")
        if more.any() and src is not None:
            xs, ys = transform(src, xv.fillna(0), yv.fillna(0))
            x[more] = xs[more.to_numpy()]
            y[more] = ys[more.to_numpy()]
            located_by[more] = "coordinates"
            crs_used = src if crs_used is None else f"{crs_used} and {src}"
        have = have | more
    coords_given = have.copy()
    in_area = np.zeros(len(index), dtype=bool)
    if inside_known is not None:
        in_area |= inside_known
    check = np.flatnonzero(coords_given.to_numpy() & ~in_area)
    if len(check):
        in_area[check] = inside(x.to_numpy()[check], y.to_numpy()[check])
    bad_pos = coords_given & ~pd.Series(in_area, index=index)
    if bad_pos.any():
        bx, by = x[bad_pos].to_numpy(), y[bad_pos].to_numpy()
        finite = np.isfinite(bx) & np.isfinite(by)  # a projection can overflow to infinity
        dist = np.full(len(bx), np.nan)
        dist[finite] = shapely.distance(area.boundary, shapely.points(bx[finite], by[finite]))
        reason = pd.Series("", index=index, dtype="object")
        reason[bad_pos] = [
            f"position outside the area {area.name!r} ({d / 1000:.1f} km from its boundary, "
            f"read as {crs_used}); check the CRS and the columns" if np.isfinite(d) else
            f"position cannot be placed (read as {crs_used}, it falls off the map); check the "
            "CRS and the columns" for d in dist]
        first_col = header("lat") if "lat" in fields else header("x")
        shown = pd.Series("", index=index, dtype=object)
        shown[bad_pos] = (x[bad_pos].round(1).astype(str) + " "
                          + y[bad_pos].round(1).astype(str)).to_numpy()
        rej.add(bad_pos, first_col, shown, reason)
    # place text where there are no coordinates
    if "place" in fields:
        place = col("place")
        need = place.notna() & ~coords_given & rej.ok
        if need.any():
            found: dict[str, tuple[float, float, str] | None] = {}
            gaz = area.gazetteer
            for text_value in place[need].unique():
                hits = gaz.search(text_value, n=1)
                if hits:
                    pt = hits[0].geometry.representative_point()
                    found[text_value] = (pt.x, pt.y, hits[0].name)
                else:
                    found[text_value] = None
            hit = place.map(lambda v: found.get(v) if isinstance(v, str) else None)
            resolved = need & hit.notna()
            x[resolved] = hit[resolved].map(lambda t: t[0])
            y[resolved] = hit[resolved].map(lambda t: t[1])
            located_by[resolved] = "place"
            names = gaz.names()
            unresolved = need & hit.isna()
            if unresolved.any():
                hints = {v: ", ".join(difflib.get_close_matches(v, names, n=3, cutoff=0.5))
                         or "none" for v in place[unresolved].unique()}
                rej.add(unresolved, header("place"), place,
                        "place not found in the gazetteer of " + repr(area.name) + ": "
                        + place.fillna("") + "; closest: " + place.map(hints).fillna("none"))
            have = have | resolved
    rej.add(~have, header("place") if "place" in fields else header("lat"), None,
            "no location: give coordinates or a place name")
    return x, y, located_by, crs_used


