"""Fuzzing the three table readers (reports, lamp inventories, measures) with Hypothesis.

Each example is a table of hostile cells (bad dates and offsets, NaN and huge numbers,
formulas, control characters, WKT of every kind, coordinates in and out of the area) written
as CSV with a random delimiter. Invariants, whatever the table:

* only the project's own error types escape (a SjoboGeoError), never a crash;
* accounting is exact: accepted + rejected = total, and every data row is one or the other;
* accepted rows have finite coordinates inside the area (with its margin) and valid
  single-type geometry.

A few hundred examples run in the tests; set ``SJOBO_FUZZ_EXAMPLES`` for more, e.g.
``SJOBO_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sjobo_geo._errors import SjoboGeoError

EXAMPLES = int(os.environ.get("SJOBO_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get(
    "SJOBO_FUZZ_EXAMPLES"), suppress_health_check=[HealthCheck.too_slow,
                                                    HealthCheck.function_scoped_fixture])

HOSTILE = [
    "", " ", "NaN", "nan", "inf", "-inf", "1e308", "-1e308", "0", "-0", "1,5", "1.5.5",
    "=HYPERLINK(\"http://x\")", "+46 70 123", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
    "\x1b[2J", "a\x00b", "\x07", "Ö\u200bland", "\ufeff", "<script>alert(1)</script>",
    "{{ 7*7 }}", "'; DROP TABLE x; --", "x" * 300,
    "1600-01-01", "9999-12-31", "2024-06-01T23:30:00+03:00", "2024-06-01T23:30:00Z",
    "2024-13-45", "14/3/2025 21:30", "31.12.2024", "igår",
    "POINT (nan nan)", "POINT (24.94 60.17)", "SRID=99999;POINT(1 2)",
    "SRID=4326;POINT (24.95 60.17)",
    "LINESTRING (24.95 60.17, inf inf)", "CIRCULARSTRING (0 0, 1 1, 2 0)",
    "POLYGON ((24.950 60.169, 24.951 60.169, 24.951 60.170, 24.950 60.170, 24.950 60.169, "
    "24.952 60.169, 24.950 60.169))", "GEOMETRYCOLLECTION (POINT (24.95 60.17))",
    "POLYGON ((0 0, 1 1))",
]
# latitudes/longitudes: inside the sample, outside it, swapped, absurd
LATS = ["60.1699", "60,1699", "24.9384", "95", "-91", "59.0", "nan", ""]
LONS = ["24.9384", "24,9384", "60.1699", "181", "0", "inf", ""]

cell = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20))


def _csv(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8", errors="surrogatepass")


def _table(fields: dict[str, st.SearchStrategy], min_rows: int = 1, max_rows: int = 12):
    names = list(fields)
    row = st.tuples(*[fields[n] for n in names]).map(list)
    return st.tuples(st.just(names), st.lists(row, min_size=min_rows, max_size=max_rows),
                     st.sampled_from([",", ";", "\t"]))


REPORT_FIELDS = {
    "id": cell, "category": st.one_of(st.sampled_from(["belysning", "otrygghet", "x"]), cell),
    "timestamp": cell, "lat": st.one_of(st.sampled_from(LATS), cell),
    "lon": st.one_of(st.sampled_from(LONS), cell), "weight": cell, "source": cell,
    "description": cell, "place": st.one_of(st.sampled_from(["Senaatintori", "Kajen"]), cell),
}
LAMP_FIELDS = {
    "Armatur-ID": cell, "Latitud": st.one_of(st.sampled_from(LATS), cell),
    "Longitud": st.one_of(st.sampled_from(LONS), cell), "Ljuspunktshöjd": cell,
    "Ljusflöde": cell, "Effekt": cell, "Status": cell,
}
MEASURE_FIELDS = {
    "Åtgärd-ID": cell, "Löfte": cell, "Ansvarig": cell,
    "Plats": st.one_of(st.sampled_from(["Senaatintori", "Rautatientori", ""]), cell),
    "Typ": st.one_of(st.sampled_from(["mer polis", "Fasadbelysning", "buskar röjda"]), cell),
    "Datum": cell, "Status": st.one_of(st.sampled_from(["klar", "planerad"]), cell),
    "Latitud": st.one_of(st.sampled_from(LATS), cell),
    "Longitud": st.one_of(st.sampled_from(LONS), cell), "Geometri": cell,
}


def _check_accepted(frame, area, margin_m: float) -> None:
    import shapely

    geoms = np.asarray(frame.geometry.values, dtype=object)
    if not len(geoms):
        return
    assert frame.crs == area.crs
    types = shapely.get_type_id(geoms)
    assert np.isin(types, [0, 1, 2, 3, 4, 5, 6]).all(), "a collection or curve was accepted"
    assert shapely.is_valid(geoms).all()
    coords = shapely.get_coordinates(geoms)
    assert np.isfinite(coords).all()
    zone = area.boundary.buffer(margin_m + 1.0)
    assert shapely.intersects(zone, geoms).all(), "an accepted row lies outside the area"


def _run(data: bytes, load, area):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        path.write_bytes(data)
        try:
            return load(path, area)
        except SjoboGeoError:
            return None


def _n_data_rows(data: bytes, delimiter: str) -> int:
    return len(data.decode("utf-8", errors="replace").split("\n")) - 2  # header, final \n


def _fuzz_one(area, table, load, frame: str, margin_m: float) -> None:
    """One example: only own errors escape, exact accounting, accepted rows in the area."""
    header, rows, d = table
    result = _run(_csv(header, rows, d), load, area)
    if result is None:
        return
    assert result.accepted + result.rejected == result.total
    accepted = getattr(result, frame)
    assert len(accepted) == result.accepted
    _check_accepted(accepted[~accepted.geometry.isna()], area, margin_m)


@FUZZ
@given(_table(REPORT_FIELDS))
def test_fuzz_reports(sample_area, table):
    from sjobo_geo.inputs.reports.validate import AREA_MARGIN_M, load_reports

    _fuzz_one(sample_area, table, load_reports, "reports", AREA_MARGIN_M)


@FUZZ
@given(_table(LAMP_FIELDS))
def test_fuzz_lamp_inventories(sample_area, table):
    from sjobo_geo.inputs.lamps import AREA_MARGIN_M, read_lamp_inventory

    _fuzz_one(sample_area, table, read_lamp_inventory, "lamps", AREA_MARGIN_M)


@FUZZ
@given(_table(MEASURE_FIELDS))
def test_fuzz_measures(sample_area, table):
    from sjobo_geo.inputs.measures import AREA_MARGIN_M, load_measures

    # measures may be accepted without a location (planned, no place): located ones checked
    _fuzz_one(sample_area, table, load_measures, "measures", AREA_MARGIN_M)


@pytest.mark.parametrize("n", [0, 1])
def test_row_count_helper_counts_data_rows(n):
    assert _n_data_rows(_csv(["a"], [["x"]] * n, ","), ",") == n
