"""read_table: CSV (encodings, delimiters, quoting, ragged rows), XLSX, GeoJSON, GeoPackage."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from sjobo_geo._errors import SjoboGeoError
from sjobo_geo.inputs.reports.readers import (
    BAD_ROW_COLUMNS,
    RawTable,
    ReportsFileNotFoundError,
    read_table,
)
from sjobo_geo.inputs.reports.schema import ReportsError


def check(table: RawTable) -> RawTable:
    """The invariants every table keeps: accounting, row numbers, cell types."""
    assert table.total == len(table.data) + len(table.bad_rows)
    assert isinstance(table.rows, np.ndarray) and table.rows.dtype == np.int64
    assert len(table.rows) == len(table.data)
    assert list(table.data.index) == list(range(len(table.data)))
    assert list(table.bad_rows.columns) == list(BAD_ROW_COLUMNS)
    assert table.bad_rows["row"].dtype == np.int64
    assert table.data.columns.is_unique
    for name in table.data.columns:
        # object cells (str or pd.NA), or Arrow strings on the fast path (missing = NaN)
        assert table.data[name].dtype in (object, "str"), table.data[name].dtype
        for value in table.data[name]:
            assert (value is pd.NA or (table.data[name].dtype == "str" and pd.isna(value))
                    or (isinstance(value, str) and value.strip())), value
    seen = list(table.rows) + list(table.bad_rows["row"])
    assert len(seen) == len(set(seen)), "a row is counted twice"
    return table


def write(tmp_path, name: str, content: bytes | str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def records(table: RawTable) -> list[list]:
    return [[None if v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v for v in row]
            for row in table.data.values.tolist()]


# ---- CSV: encodings and delimiters -------------------------------------------------------


def test_comma_utf8(tmp_path):
    path = write(tmp_path, "rapporter.csv",
                 "id,kategori,plats,lat,lon\n"
                 "1,Belysning,Sjöbo torg,57.7497,12.9345\n"
                 "2,Skadegörelse,,57.75,12.93\n")
    t = check(read_table(path))
    assert (t.format, t.encoding, t.delimiter, t.decimal) == ("csv", "utf-8", ",", ".")
    assert list(t.data.columns) == ["id", "kategori", "plats", "lat", "lon"]
    assert records(t) == [["1", "Belysning", "Sjöbo torg", "57.7497", "12.9345"],
                          ["2", "Skadegörelse", None, "57.75", "12.93"]]
    assert t.rows.tolist() == [2, 3]
    assert t.total == 2 and len(t.bad_rows) == 0 and t.crs is None and t.path == path
    assert t.warnings == []


def test_semicolon_cp1252_decimal_comma(tmp_path):
    # what Swedish Excel writes with "CSV (semikolonavgränsad)"
    path = write(tmp_path, "export.csv",
                 "Löpnummer;Händelsetyp;Plats;Latitud;Längdgrad;Vikt\r\n"
                 "1;Skadegörelse;Åvägen;57,7497;12,9345;1,5\r\n"
                 "2;Otrygghet;Älvsborgsgatan;57,7501;12,9312;1\r\n", "cp1252")
    t = check(read_table(path))
    assert (t.encoding, t.delimiter, t.decimal) == ("cp1252", ";", ",")
    assert list(t.data.columns) == ["Löpnummer", "Händelsetyp", "Plats", "Latitud",
                                    "Längdgrad", "Vikt"]
    assert records(t)[0] == ["1", "Skadegörelse", "Åvägen", "57,7497", "12,9345", "1,5"]
    assert t.data["Plats"].tolist() == ["Åvägen", "Älvsborgsgatan"]


def test_utf8_bom(tmp_path):
    path = write(tmp_path, "bom.csv", "\ufeffid;plats\n1;Söder\n")
    t = check(read_table(path))
    assert t.encoding == "utf-8-sig"
    assert list(t.data.columns) == ["id", "plats"]
    assert not t.data.columns[0].startswith("\ufeff")
    assert records(t) == [["1", "Söder"]]


def test_mixed_utf8_and_cp1252_lines(tmp_path):
    content = (b"id,plats,kategori\n"
               + "1,Sjöbo,Belysning\n".encode()
               + "2,Lövängen,Skadegörelse\n".encode("cp1252")
               + "3,Göta,Nedskräpning\n".encode()
               + "4,Ängen,Klotter\n".encode()
               + "5,Höjden,Trafik\n".encode("cp1252"))
    t = check(read_table(write(tmp_path, "mixed.csv", content)))
    assert t.encoding == "mixed utf-8/cp1252"
    assert t.data["plats"].tolist() == ["Sjöbo", "Lövängen", "Göta", "Ängen", "Höjden"]
    assert t.data["kategori"].tolist()[1] == "Skadegörelse"
    assert t.total == 5 and len(t.bad_rows) == 0
    assert any("rows 3, 6" in w and "cp1252" in w and "UTF-8" in w for w in t.warnings)


def test_mixed_encoding_found_late_in_a_large_file(tmp_path):
    # the head is valid UTF-8; the cp1252 line comes long after it (pandas reports it)
    lines = ["id,plats"] + [f"{i},Sjöbo" for i in range(1, 20001)]
    content = ("\n".join(lines) + "\n").encode() + "20001,Lövängen\n".encode("cp1252")
    t = check(read_table(write(tmp_path, "late.csv", content)))
    assert t.encoding == "mixed utf-8/cp1252"
    assert t.total == 20001
    assert t.data["plats"].iloc[-1] == "Lövängen"
    assert t.rows[-1] == 20002
    assert any("row 20002: decoded as cp1252" in w for w in t.warnings)


def test_undecodable_bytes_go_to_bad_rows(tmp_path):
    # 0x81 and 0x8d are neither UTF-8 nor cp1252
    t = check(read_table(write(tmp_path, "bad.csv", b"id,plats\n1,\x81\x8d\n2,ok\n")))
    assert t.bad_rows["row"].tolist() == [2]
    assert t.bad_rows["reason"].iloc[0].startswith("undecodable bytes")
    assert records(t) == [["2", "ok"]] and t.rows.tolist() == [3]


def test_explicit_encoding_and_delimiter(tmp_path):
    path = write(tmp_path, "x.txt", "id|plats\n1|Åby\n", "latin-1")
    t = check(read_table(path, encoding="latin-1", delimiter="|"))
    assert (t.encoding, t.delimiter) == ("iso8859-1", "|")
    assert records(t) == [["1", "Åby"]]
    with pytest.raises(ReportsError, match="unknown encoding"):
        read_table(path, encoding="no-such-codec")
    with pytest.raises(ReportsError, match="one ASCII character"):
        read_table(path, delimiter=";;")
    tabs = write(tmp_path, "t.txt", "id\tplats\n1\tx\n")
    assert check(read_table(tabs, delimiter="tab")).delimiter == "\t"


def test_explicit_encoding_bad_lines(tmp_path):
    path = write(tmp_path, "u.csv", b"id,plats\n1,\xe5\n2,ok\n")
    t = check(read_table(path, encoding="utf-8"))
    assert t.bad_rows["row"].tolist() == [2]
    assert "not valid utf-8" in t.bad_rows["reason"].iloc[0]


def test_utf16_with_bom(tmp_path):
    # Excel's "Unicode text": UTF-16 with BOM, tab-separated
    t = check(read_table(write(tmp_path, "u.txt", "id\tplats\n1\tÖster\n", "utf-16")))
    assert (t.encoding, t.delimiter) == ("utf-16", "\t")
    assert records(t) == [["1", "Öster"]]


@pytest.mark.parametrize("name", ["tabs.tsv", "tabs.txt", "tabs.csv"])
def test_tab_separated(tmp_path, name):
    path = write(tmp_path, name, "id\tplats\tkommentar\n1\tTorget\tmörkt, otäckt\n"
                                 "2\tParken\t\n")
    t = check(read_table(path))
    assert t.delimiter == "\t"
    assert records(t) == [["1", "Torget", "mörkt, otäckt"], ["2", "Parken", None]]


def test_pipe_and_sniffing_is_quote_aware(tmp_path):
    # commas inside quotes must not make the comma look like the delimiter
    path = write(tmp_path, "p.csv", 'id;kommentar\n1;"a, b, c, d"\n2;"e, f, g, h"\n')
    assert check(read_table(path)).delimiter == ";"
    path = write(tmp_path, "q.csv", "id|plats\n1|a,b\n")
    t = check(read_table(path))
    assert t.delimiter == "|" and records(t) == [["1", "a,b"]]


def test_one_column(tmp_path):
    t = check(read_table(write(tmp_path, "one.csv", "plats\nTorget\nParken\n")))
    assert list(t.data.columns) == ["plats"] and t.total == 2
    assert any("one column" in w for w in t.warnings)


# ---- CSV: structure ----------------------------------------------------------------------


def test_quoted_newline_and_delimiter(tmp_path):
    path = write(tmp_path, "q.csv",
                 'id,plats,kommentar\n'
                 '1,Torget,"första raden\nandra, med komma"\n'
                 '2,"Parken, norra delen","sa ""hej"""\n'
                 '3,Skolan,ok\n')
    t = check(read_table(path))
    assert records(t) == [["1", "Torget", "första raden\nandra, med komma"],
                          ["2", "Parken, norra delen", 'sa "hej"'],
                          ["3", "Skolan", "ok"]]
    assert t.rows.tolist() == [2, 3, 4]  # records, not lines
    assert any("row 2" in w and "several lines" in w for w in t.warnings)


def test_quoted_newline_then_ragged_row(tmp_path):
    # the exact path counts records the same way
    path = write(tmp_path, "q.csv", 'id,kommentar\n1,"a\nb"\n2,x,y\n3,z\n')
    t = check(read_table(path))
    assert t.rows.tolist() == [2, 4]
    assert t.bad_rows["row"].tolist() == [3]
    assert records(t) == [["1", "a\nb"], ["3", "z"]]


def test_ragged_row_with_too_many_fields(tmp_path):
    path = write(tmp_path, "r.csv",
                 "id,plats,kategori,lat,lon\n"
                 "1,Torget,Belysning,57.1,12.1\n"
                 "2,Parken,Klotter,57.2,12.2\n"
                 "3,Sjöbo, torg,Belysning,57.3,12.3\n"
                 "4,Skolan,Trafik,57.4,12.4\n"
                 "5,Ån,Brand,57.5,12.5,extra,mer\n"
                 "6,Bron,Annat,57.6,12.6\n")
    t = check(read_table(path))
    assert t.bad_rows["row"].tolist() == [4, 6]
    assert t.bad_rows["reason"].tolist() == ["ragged row: 6 fields, header has 5",
                                             "ragged row: 7 fields, header has 5"]
    assert t.bad_rows["value"].iloc[0] == "3,Sjöbo, torg,Belysning,57.3,12.3"
    assert t.bad_rows["column"].tolist() == ["", ""]
    assert t.rows.tolist() == [2, 3, 5, 7]
    assert t.data["id"].tolist() == ["1", "2", "4", "6"]
    assert t.data["lon"].tolist() == ["12.1", "12.2", "12.4", "12.6"]  # nothing shifted
    assert t.total == 6


def test_bad_row_value_is_truncated(tmp_path):
    long = "x" * 500
    t = check(read_table(write(tmp_path, "l.csv", f"a,b\n1,2,{long}\n")))
    assert len(t.bad_rows["value"].iloc[0]) == 200


def test_too_few_fields_kept_with_na(tmp_path):
    path = write(tmp_path, "f.csv", "id,plats,kategori\n1,Torget\n2,Parken,Klotter\n3\n")
    t = check(read_table(path))
    assert records(t) == [["1", "Torget", None], ["2", "Parken", "Klotter"], ["3", None, None]]
    assert len(t.bad_rows) == 0
    assert any(w.startswith("rows 2, 4: fewer fields") for w in t.warnings)


def test_empty_line_in_the_middle(tmp_path):
    path = write(tmp_path, "e.csv", "id,plats\n1,Torget\n\n2,Parken\n  \n3,Skolan\n")
    t = check(read_table(path))
    assert t.rows.tolist() == [2, 4, 6]
    assert t.bad_rows[["row", "reason"]].values.tolist() == [[3, "empty row"],
                                                              [5, "empty row"]]
    assert t.total == 5


def test_row_of_empty_cells_and_trailing_lines(tmp_path):
    # Excel writes ";;" for empty rows; the ones after the last data row are not data
    path = write(tmp_path, "e.csv", "id;plats\n1;Torget\n;\n2;Parken\n;\n;\n\n\n")
    t = check(read_table(path))
    assert t.rows.tolist() == [2, 4]
    assert t.bad_rows[["row", "reason"]].values.tolist() == [[3, "empty row"]]
    assert any("rows 5-6" in w and "empty rows after the last row" in w for w in t.warnings)


def test_trailing_newline_is_not_a_row(tmp_path):
    for content in ("id,plats\n1,x\n", "id,plats\r\n1,x\r\n", "id,plats\n1,x", "id,plats\n1,x\n\n"):
        t = check(read_table(write(tmp_path, "t.csv", content)))
        assert (t.total, t.rows.tolist(), len(t.bad_rows)) == (1, [2], 0), content
        assert t.warnings == []


def test_blank_lines_before_the_header(tmp_path):
    t = check(read_table(write(tmp_path, "b.csv", "\n;;\nid;plats\n1;x\n")))
    assert list(t.data.columns) == ["id", "plats"] and t.rows.tolist() == [4]


def test_whitespace_cells_are_na_on_both_paths(tmp_path):
    content = "id,plats,kategori\n1,  ,\t\n2, Torget ,x\n"
    fast = check(read_table(write(tmp_path, "w.csv", content)))
    exact = check(read_table(write(tmp_path, "w2.csv", content + "3,a,b,c\n")))
    assert records(fast) == [["1", None, None], ["2", " Torget ", "x"]]
    assert records(exact) == records(fast)
    nbsp = check(read_table(write(tmp_path, "n.csv", "id,plats\n1,\u00a0\n2,x\n")))
    assert records(nbsp) == [["1", None], ["2", "x"]]


def test_fast_and_exact_paths_agree(tmp_path):
    rng = np.random.default_rng(1)
    lines = ["id;plats;kommentar;lat"]
    for i in range(500):
        comment = rng.choice(['"med; semikolon"', '"två\nrader"', "", "enkel", '"sa ""ja"""'])
        lines.append(f"{i};Plats {i % 7};{comment};57,{i:04d}")
    content = "\n".join(lines) + "\n"
    fast = check(read_table(write(tmp_path, "a.csv", content)))
    exact = check(read_table(write(tmp_path, "b.csv", content + "x;y;z;w;extra\n")))
    assert len(exact.bad_rows) == 1 and len(fast.bad_rows) == 0
    pd.testing.assert_frame_equal(fast.data, exact.data)
    assert fast.rows.tolist() == exact.rows.tolist()
    assert fast.decimal == exact.decimal == ","
    assert fast.warnings == exact.warnings


def test_text_after_closing_quote_on_both_paths(tmp_path):
    content = 'id,plats\n1,"Sjöbo" torg\n2,x\n'
    fast = check(read_table(write(tmp_path, "a.csv", content)))
    exact = check(read_table(write(tmp_path, "b.csv", content + "3,y,z\n")))
    assert records(fast) == records(exact) == [["1", "Sjöbo torg"], ["2", "x"]]


def test_spaces_after_delimiters(tmp_path):
    t = check(read_table(write(tmp_path, "s.csv", "id, plats, kategori\n1, Torget,  \n2, ,x\n")))
    assert list(t.data.columns) == ["id", "plats", "kategori"]
    assert records(t) == [["1", " Torget", None], ["2", None, "x"]]


def test_short_row_in_a_quoted_file(tmp_path):
    t = check(read_table(write(tmp_path, "q.csv",
                               'id,kommentar,plats\n1,"a, b",x\n2,"c, d"\n3,"e",\n')))
    assert records(t) == [["1", "a, b", "x"], ["2", "c, d", None], ["3", "e", None]]
    assert any(w.startswith("row 3: fewer fields") for w in t.warnings)


def test_old_mac_line_ends(tmp_path):
    t = check(read_table(write(tmp_path, "m.csv", "id;plats\r1;x\r2;y\r")))
    assert records(t) == [["1", "x"], ["2", "y"]] and t.rows.tolist() == [2, 3]


def test_sheet_is_ignored_for_csv(tmp_path):
    t = check(read_table(write(tmp_path, "s.csv", "id,plats\n1,x\n"), sheet="Blad1"))
    assert any("ignored" in w for w in t.warnings)
    assert "s.csv" in repr(t) and "rows=1" in repr(t)


def test_unclosed_quote_in_header(tmp_path):
    with pytest.raises(ReportsError, match="header row"):
        read_table(write(tmp_path, "h.csv", '"id,plats\n1,x\n'))


def test_unclosed_quote(tmp_path):
    t = check(read_table(write(tmp_path, "u.csv", 'id,plats\n1,"Torget\n2,x\n3,y\n')))
    assert t.bad_rows[["row", "reason"]].values.tolist()[0][0] == 2
    assert t.bad_rows["reason"].iloc[0].startswith("unclosed quote")
    assert t.rows.tolist() == [3, 4] and records(t) == [["2", "x"], ["3", "y"]]


def test_header_only(tmp_path):
    for content in ("id,plats,kategori\n", "id,plats,kategori", "id;plats\n\n\n"):
        t = check(read_table(write(tmp_path, "h.csv", content)))
        assert t.total == 0 and len(t.data) == 0
        assert list(t.data.columns) == content.split("\n")[0].replace(";", ",").split(",")


def test_duplicate_and_empty_headers(tmp_path):
    path = write(tmp_path, "d.csv", "id, typ ,typ,,typ.2,typ\n1,a,b,c,d,e\n")
    t = check(read_table(path))
    assert list(t.data.columns) == ["id", "typ", "typ.3", "column_4", "typ.2", "typ.4"]
    assert records(t) == [["1", "a", "b", "c", "d", "e"]]
    assert any("column_4" in w for w in t.warnings)
    assert any("repeated headers" in w for w in t.warnings)


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\r\n\t", b"\xef\xbb\xbf\n"])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, "empty.csv", content)
    with pytest.raises(ReportsError, match=r"empty\.csv: the file is empty"):
        read_table(path)


def test_only_empty_cells(tmp_path):
    with pytest.raises(ReportsError, match="the file is empty"):
        read_table(write(tmp_path, "e.csv", ";;\n;;\n"))


def test_missing_file(tmp_path):
    path = tmp_path / "finns_inte.csv"
    with pytest.raises(ReportsFileNotFoundError, match="finns_inte.csv: no such file") as exc:
        read_table(path)
    assert isinstance(exc.value, FileNotFoundError)
    assert isinstance(exc.value, SjoboGeoError)
    assert ".xlsx" in str(exc.value)


def test_directory(tmp_path):
    folder = tmp_path / "mapp.csv"
    folder.mkdir()
    with pytest.raises(ReportsError, match="is a directory"):
        read_table(folder)


@pytest.mark.parametrize("name", ["rapporter.pdf", "rapporter", "rapporter.xls"])
def test_unsupported_extension(tmp_path, name):
    path = write(tmp_path, name, "id\n1\n")
    with pytest.raises(ReportsError, match="unsupported file type") as exc:
        read_table(path)
    assert name in str(exc.value) and ".csv" in str(exc.value) and ".gpkg" in str(exc.value)
    if name.endswith(".xls"):
        assert "save" in str(exc.value)


def test_binary_data_named_csv(tmp_path):
    with pytest.raises(ReportsError, match="zip archive"):
        read_table(write(tmp_path, "wb.csv", b"PK\x03\x04\x14\x00rest"))
    with pytest.raises(ReportsError, match="NUL bytes"):
        read_table(write(tmp_path, "nul.csv", b"i\x00d\x00\n\x001\x00"))


# ---- XLSX --------------------------------------------------------------------------------


def make_workbook(path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rapporter"
    ws.append([])  # the header is in row 2
    ws.append(["id", "lat", "tidpunkt", "datum", "klockan", "antal", "syntetisk", "id", None,
               "plats"])
    ws.append([1, 57.7497, dt.datetime(2025, 3, 14, 21, 30), dt.date(2025, 3, 14),
               dt.time(21, 30), 12.0, True, "A-1", None, "Sjöbo torg"])
    ws.append([])
    ws.append(["   ", None])
    ws.append([2, 0.1 + 0.2, dt.datetime(2025, 3, 15, 8, 0, 0, 999_999), None, None, 3,
               False, None, "utan rubrik", " Parken "])
    ws.cell(20, 2).number_format = "0.00"  # formatted, empty: not a row
    other = wb.create_sheet("Dialog")
    other.append(["Plats", "Kategori"])
    other.append(["Torget", "Belysning"])
    wb.create_sheet("Tom")
    wb.save(path)
    return path


def test_xlsx(tmp_path):
    t = check(read_table(make_workbook(tmp_path / "rapporter.xlsx")))
    assert (t.format, t.encoding, t.delimiter, t.decimal, t.crs) == ("xlsx", None, None, ".",
                                                                      None)
    assert list(t.data.columns) == ["id", "lat", "tidpunkt", "datum", "klockan", "antal",
                                    "syntetisk", "id.2", "column_9", "plats"]
    assert records(t) == [
        ["1", "57.7497", "2025-03-14T21:30:00", "2025-03-14", "21:30:00", "12", "TRUE", "A-1",
         None, "Sjöbo torg"],
        ["2", "0.3", "2025-03-15T08:00:01", None, None, "3", "FALSE", None, "utan rubrik",
         " Parken "],
    ]
    assert t.rows.tolist() == [3, 6]  # the sheet's own row numbers
    assert t.bad_rows[["row", "reason"]].values.tolist() == [[4, "empty row"],
                                                              [5, "empty row"]]
    assert t.total == 4


def test_xlsx_sheet_by_name_and_index(tmp_path):
    path = make_workbook(tmp_path / "r.xlsm")
    for sheet in ("Dialog", "dialog", 1):
        t = check(read_table(path, sheet=sheet))
        assert records(t) == [["Torget", "Belysning"]] and t.rows.tolist() == [2]
    with pytest.raises(ReportsError, match="no sheet named 'Nej'.*'Rapporter', 'Dialog'"):
        read_table(path, sheet="Nej")
    with pytest.raises(ReportsError, match="no sheet 5"):
        read_table(path, sheet=5)
    with pytest.raises(ReportsError, match="sheet 'Tom' is empty"):
        read_table(path, sheet="Tom")


def test_xlsx_header_only(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.append(["id", "plats"])
    wb.save(tmp_path / "h.xlsx")
    t = check(read_table(tmp_path / "h.xlsx"))
    assert t.total == 0 and list(t.data.columns) == ["id", "plats"]


def test_corrupt_xlsx(tmp_path):
    path = write(tmp_path, "trasig.xlsx", b"this is not a zip file")
    with pytest.raises(ReportsError, match=r"trasig\.xlsx: cannot read as an Excel workbook"):
        read_table(path)
    path = tmp_path / "tom_zip.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hej.txt", "hej")
    with pytest.raises(ReportsError, match="cannot read as an Excel workbook") as exc:
        read_table(path)
    assert "\n" not in str(exc.value)


def test_empty_xlsx_file(tmp_path):
    with pytest.raises(ReportsError, match="the file is empty"):
        read_table(write(tmp_path, "tom.xlsx", b""))


# ---- GeoJSON and GeoPackage --------------------------------------------------------------


def report_points(crs="EPSG:4326"):
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    gdf = gpd.GeoDataFrame(
        {"kategori": ["Belysning", "Klotter", "Trafik"], "vikt": [1.5, 2.0, None],
         "antal": [1, 2, 3], "datum": ["2025-03-14", None, "2025-03-16"]},
        geometry=[Point(12.9345, 57.7497), None,
                  LineString([(12.93, 57.74), (12.94, 57.74)])],
        crs="EPSG:4326",
    )
    return gdf.to_crs(crs)


def test_geojson_points(tmp_path):
    path = tmp_path / "karta.geojson"
    report_points().to_file(path, driver="GeoJSON")
    t = check(read_table(path))
    assert (t.format, t.crs, t.encoding, t.delimiter) == ("geojson", "EPSG:4326", None, None)
    assert list(t.data.columns) == ["kategori", "vikt", "antal", "datum", "__x", "__y",
                                    "__geom_type"]
    first = t.data.iloc[0]
    assert (first["__x"], first["__y"], first["__geom_type"]) == ("12.9345", "57.7497",
                                                                  "Point")
    assert (first["vikt"], first["antal"], first["datum"]) == ("1.5", "1", "2025-03-14")
    assert t.data.iloc[1][["__x", "__y", "__geom_type"]].isna().all()  # no geometry
    line = t.data.iloc[2]
    assert line["__geom_type"] == "LineString"
    assert 12.93 <= float(line["__x"]) <= 12.94 and float(line["__y"]) == pytest.approx(57.74)
    assert t.rows.tolist() == [2, 3, 4]


def test_geojson_without_crs_member_and_empty_feature(tmp_path):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"plats": "Torget", "ok": True, "taggar": [1, 2]},
         "geometry": {"type": "Point", "coordinates": [12.5, 57]}},
        {"type": "Feature", "properties": {"plats": None, "ok": None, "taggar": None},
         "geometry": None},
    ]}
    path = write(tmp_path, "enkat.json", json.dumps(fc))
    t = check(read_table(path))
    assert t.crs == "EPSG:4326"
    assert records(t) == [["Torget", "true", "[1, 2]", "12.5", "57", "Point"]]
    assert t.bad_rows[["row", "reason"]].values.tolist() == [[3, "empty row"]]


def test_gpkg_sweref(tmp_path):
    path = tmp_path / "rapporter.gpkg"
    pts = report_points("EPSG:3006")
    pts.to_file(path, layer="rapporter")
    report_points().iloc[:1].to_file(path, layer="wgs84")
    t = check(read_table(path))
    assert (t.format, t.crs) == ("gpkg", "EPSG:3006")
    x, y = float(t.data["__x"].iloc[0]), float(t.data["__y"].iloc[0])
    assert x == pytest.approx(pts.geometry.iloc[0].x) and y == pytest.approx(
        pts.geometry.iloc[0].y)
    assert 6_000_000 < y < 7_700_000
    other = check(read_table(path, sheet="wgs84"))
    assert other.crs == "EPSG:4326" and other.total == 1
    with pytest.raises(ReportsError, match="no layer named 'x'.*'rapporter', 'wgs84'"):
        read_table(path, sheet="x")


@pytest.mark.parametrize(("name", "content", "what"), [
    ("trasig.gpkg", b"SQLite format 3\x00" + b"\x00" * 200, "GeoPackage"),
    ("trasig.geojson", b'{"type": "FeatureCollection", "features": [', "GeoJSON"),
    ("inte.json", b'{"hej": 1}', "GeoJSON"),
])
def test_corrupt_spatial(tmp_path, name, content, what):
    with pytest.raises(ReportsError, match=f"{name}: cannot read.*{what}") as exc:
        read_table(write(tmp_path, name, content))
    assert "\n" not in str(exc.value)


def test_arrow_fast_path_matches_the_careful_path(tmp_path, monkeypatch):
    """Clean UTF-8 files take Arrow's reader; the result equals the pandas/csv paths'."""
    import sjobo_geo.inputs.reports._csv as csv_reader

    text = ("id,kategori,lat,lon,fritext\n"
            + "".join(f'{i},Klotter,60.1{i % 10},24.9{i % 7},"text, with comma {i}"\n'
                      for i in range(200))
            + '201,Brand,60.17,24.94,"  "\n202,,60.17,24.94,sista\n')
    path = write(tmp_path, "clean.csv", text)
    calls = []
    real = csv_reader._csv_arrow
    monkeypatch.setattr(csv_reader, "_csv_arrow", lambda *a: calls.append(1) or real(*a))
    fast = check(read_table(path))
    assert calls and fast.data["id"].dtype == "str"
    monkeypatch.setattr(csv_reader, "_csv_arrow", lambda *a: None)
    slow = check(read_table(path))
    assert records(fast) == records(slow)
    assert list(fast.rows) == list(slow.rows) and list(fast.data.columns) == list(
        slow.data.columns)
    assert records(fast)[-2][4] is None  # whitespace-only cell is missing on both paths
