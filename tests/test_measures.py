"""The measures register: reading, accounting for every row, the map layer, the CLI option."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import assert_one_line_error, run_cli

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "data" / "templates" / "measures.csv"

HEADER = "Åtgärd-ID;Löfte;Ansvarig;Plats;Typ;Datum;Status;Latitud;Longitud;Geometri;Kommentar"
# a small polygon and a point inside the sample (central Helsinki), WGS84
POLY = "POLYGON ((24.9500 60.1690, 24.9510 60.1690, 24.9510 60.1700, 24.9500 60.1690))"


def write(tmp_path: Path, rows: list[str], name: str = "measures.csv",
          header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def good(tmp_path_factory, sample_area):
    from sjobo_geo.inputs.measures import load_measures

    rows = [
        "A1;6;Bostäder Borås;Senaatintori;Fasadbelysning;2025-03-14;klar;;;;internal note",
        "A2;Löfte 8;Borås Stad;Kaisaniemen ala-aste;buskar röjda;14/3/2025;genomförd;;;;",
        "A3;1;Polisen;;mer polis;2025-04-01;;60.1699;24.9384;;",
        f"A4;7;Borås Stad;;TORGET OMBYGGT;2025-05-01;Utförd;;;{POLY};",
        "A5;3.0;Polisen;senate square;Trafiksakerhetsatgard;;Planerad;;;;",
        "A6;2;Polisen;Rautatientori;school visit;;påbörjad;;;;",
        "A7;;;Senaatintori;kamerabevakning;2025-01-10;avbruten;;;;",
    ]
    path = write(tmp_path_factory.mktemp("measures"), rows)
    return load_measures(path, sample_area)


def test_columns_types_and_crs(good, sample_area):
    from sjobo_geo.inputs.measures import MEASURE_COLUMNS

    m = good.measures
    assert list(m.columns) == [*MEASURE_COLUMNS, "geometry"]
    assert m.crs == sample_area.crs
    assert good.accepted == 7 and good.rejected == 0 and good.total == 7
    assert m["row"].tolist() == [2, 3, 4, 5, 6, 7, 8]
    assert m["row"].dtype == "int64"
    assert str(m["date"].dtype) == "datetime64[ns]"
    assert m["date"].iloc[0] == pd.Timestamp("2025-03-14")
    assert m["date"].iloc[1] == pd.Timestamp("2025-03-14")  # day first
    assert pd.isna(m["date"].iloc[4])  # planned without a date: accepted with NaT
    assert m["measure_id"].tolist() == ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]
    assert m["promise"].tolist() == ["6", "8", "1", "7", "3", "2", ""]
    assert m["owner"].iloc[6] == "" and m["note"].iloc[0] == "internal note"


def test_kind_and_status_aliases(good):
    m = good.measures
    assert m["kind"].tolist() == ["facade_lighting", "bushes_cut", "patrol_added",
                                  "square_rebuilt", "traffic_measure", "school_visit", "camera"]
    assert m["status"].tolist() == ["done", "done", "done", "done", "planned", "in_progress",
                                    "cancelled"]
    # the missing status is named in a warning
    assert any("rows 4" in w and "taken as done" in w for w in good.warnings)


def test_location_order_and_real_geometry(good, sample_area):
    m = good.measures.set_index("measure_id")
    assert m.loc["A1", "located_by"] == "place"
    square = sample_area.find("Senaatintori")
    # the square's own OSM polygon, not a point made up for it
    assert m.loc["A1", "geometry"].equals(square.geometry)
    assert m.loc["A1", "place"] == "Senaatintori"
    assert m.loc["A5", "place"] == "Senaatintori"  # alias "Senate Square" resolved
    assert m.loc["A3", "located_by"] == "coordinates"
    assert m.loc["A3", "geometry"].geom_type == "Point"
    assert m.loc["A4", "located_by"] == "geometry"
    assert m.loc["A4", "geometry"].geom_type == "Polygon"
    assert m.loc["A4", "geometry"].area > 1000  # metres², in the metric CRS
    assert any("read as EPSG:4326" in w for w in good.warnings)


def test_every_row_accounted_with_reasons(tmp_path, sample_area):
    from sjobo_geo.inputs.measures import load_measures

    rows = [
        "B1;6;x;Senaatintori;Fasadbelysning;2025-03-14;klar;;;;",       # 2 ok
        "B2;6;x;Senaatintori;flying saucer;2025-03-14;klar;;;;",        # 3 unknown kind
        "B3;6;x;Senaatintori;;2025-03-14;klar;;;;",                     # 4 kind missing
        "B4;6;x;Senaatintori;kamera;2025-13-45;klar;;;;",               # 5 bad date
        "B5;6;x;Senaatintori;kamera;;klar;;;;",                         # 6 done without date
        "B6;6;x;Senaatintori;kamera;2025-01-01;kanske;;;;",             # 7 unknown status
        "B7;6;x;Nowhere Street 99;kamera;2025-01-01;klar;;;;",          # 8 place not found
        "B8;6;x;;kamera;2025-01-01;klar;;;;",                           # 9 no location
        "B9;6;x;;kamera;2025-01-01;klar;57.75;12.94;;",                 # 10 outside the area
        "B10;6;x;;kamera;2025-01-01;klar;;;POINT (nonsense;",           # 11 bad WKT
        "B1;6;x;Senaatintori;kamera;2025-01-01;klar;;;;",               # 12 duplicate id
        "B12;6;x;Senaatintori;kamera;;;;;;",                            # 13 status empty, no date
        "B13;6;x;;kamera;2025-01-01;klar;60.17;;;",                     # 14 half a pair
        "B14;6;x;Senaatintori;kamera;;planerad;;;;",                    # 15 ok (planned)
    ]
    ms = load_measures(write(tmp_path, rows), sample_area)
    assert ms.accepted + ms.rejected == ms.total == 14
    assert ms.accepted == 2
    rej = ms.rejects.set_index("row")
    assert rej.loc[3, "column"] == "Typ" and rej.loc[3, "value"] == "flying saucer"
    assert rej.loc[3, "reason"].startswith("unknown kind: flying saucer; accepted: ")
    assert "lamp_installed (Ny belysning)" in rej.loc[3, "reason"]
    assert "other (Annat)" in rej.loc[3, "reason"]
    assert rej.loc[4, "reason"].startswith("kind missing")
    assert rej.loc[5, "column"] == "Datum"
    assert "expected a date like 2025-03-14" in rej.loc[5, "reason"]
    assert rej.loc[6, "reason"].startswith("date missing: a done measure")
    assert rej.loc[7, "column"] == "Status" and "planerad" in rej.loc[7, "reason"]
    assert rej.loc[8, "column"] == "Plats"
    assert rej.loc[8, "reason"].startswith("place not found")
    assert "closest" in rej.loc[8, "reason"]
    assert rej.loc[9, "reason"].startswith("no location")
    assert rej.loc[10, "column"] == "Latitud" and "outside the area" in rej.loc[10, "reason"]
    assert rej.loc[11, "column"] == "Geometri"
    assert rej.loc[11, "reason"].startswith("geometry is not valid WKT")
    assert rej.loc[12, "column"] == "Åtgärd-ID" and "first at row 2" in rej.loc[12, "reason"]
    assert rej.loc[13, "reason"].startswith("date missing")
    assert rej.loc[14, "reason"].startswith("longitude missing")
    acc = ms.accounting()
    assert acc["accepted"] + acc["rejected"] == acc["total"]
    assert acc["rejected_by_reason"]["unknown kind"] == 1


def test_wkt_in_metres_with_srid_and_far_geometry(tmp_path, sample_area):
    import shapely

    from sjobo_geo.inputs.measures import load_measures

    c = sample_area.find("Senaatintori").geometry.centroid
    line = shapely.LineString([(c.x - 40, c.y), (c.x + 40, c.y)])
    far = shapely.affinity.translate(line, 50_000, 0)
    # EWKT in a semicolon CSV: the cell is quoted
    rows = [f'L1;7;x;;städning;2025-01-02;klar;;;"SRID=3067;{line.wkt}";',
            f'L2;7;x;;klottersanering;2025-01-02;klar;;;"SRID=3067;{far.wkt}";']
    ms = load_measures(write(tmp_path, rows), sample_area)
    assert ms.total == 2
    assert ms.measures["geometry"].iloc[0].geom_type == "LineString"
    assert abs(ms.measures["geometry"].iloc[0].length - 80) < 1e-6
    assert ms.measures["kind"].iloc[0] == "cleaning"
    assert ms.rejects["reason"].iloc[0].startswith("geometry outside the area")


def test_gpkg_round_trip(good, tmp_path, sample_area):
    from sjobo_geo.inputs.measures import load_measures

    path = tmp_path / "measures.gpkg"
    good.measures.to_file(path, layer="measures")
    back = load_measures(path, sample_area)
    assert back.accepted == good.accepted and back.rejected == 0
    assert (back.measures["located_by"] == "geometry").all()
    for column in ("measure_id", "promise", "owner", "kind", "status", "place"):
        assert back.measures[column].tolist() == good.measures[column].tolist(), column
    assert back.measures["date"].equals(good.measures["date"])
    assert back.measures.geometry.geom_equals_exact(good.measures.geometry, 1e-6).all()


def test_template_headers_all_recognised(sample_area):
    from sjobo_geo.inputs.measures import MEASURE_FIELDS, load_measures, resolve_measure_columns
    from sjobo_geo.inputs.reports.readers import read_table

    table = read_table(TEMPLATE)
    fields = resolve_measure_columns([str(c) for c in table.data.columns])
    assert set(fields) == set(MEASURE_FIELDS) - {"x", "y"}
    ms = load_measures(TEMPLATE, sample_area)  # Sjöbo places: not in the Helsinki sample
    assert ms.total >= 3 and ms.accepted + ms.rejected == ms.total
    kinds = table.data[fields["kind"]].tolist()
    from sjobo_geo.inputs.measures import MEASURE_KINDS, _word_table
    from sjobo_geo.inputs.tables import lookup

    assert lookup(pd.Series(kinds), _word_table(MEASURE_KINDS)).notna().all()
    assert set(ms.rejects["reason"].str.split(":").str[0]) <= {"place not found in the "
                                                                "gazetteer of 'Helsinki sample'"}


def test_unusable_files_raise_with_what_is_accepted(tmp_path, sample_area):
    from sjobo_geo._errors import SjoboGeoError
    from sjobo_geo.inputs.measures import MeasuresError, load_measures

    with pytest.raises(MeasuresError, match="no such file.*Plats") as info:
        load_measures(tmp_path / "missing.csv", sample_area)
    assert isinstance(info.value, FileNotFoundError)
    assert isinstance(info.value, SjoboGeoError) and isinstance(info.value, ValueError)
    no_kind = write(tmp_path, ["1;Senaatintori"], "no_kind.csv", header="Löfte;Plats")
    with pytest.raises(MeasuresError, match=r"no_kind\.csv: no kind column.*Typ"):
        load_measures(no_kind, sample_area)
    no_loc = write(tmp_path, ["1;kamera"], "no_loc.csv", header="Löfte;Typ")
    with pytest.raises(MeasuresError, match=r"no_loc\.csv: no location columns.*Plats"):
        load_measures(no_loc, sample_area)
    odd = tmp_path / "measures.xls"
    odd.write_bytes(b"x")
    with pytest.raises(MeasuresError, match="measures.xls: unsupported file type"):
        load_measures(odd, sample_area)
    with pytest.raises(MeasuresError, match="unknown measures field"):
        load_measures(no_loc, sample_area, columns={"colour": "Färg"})


def test_column_mapping_and_english_headers(tmp_path, sample_area):
    from sjobo_geo.inputs.measures import load_measures

    header = "ref,promise,owner,place,measure type,date,status"
    rows = ["X1,4,Police,Rautatientori,patrol,2025-02-03,done"]
    path = write(tmp_path, rows, "en.csv", header=header)
    ms = load_measures(path, sample_area, columns={"id": "ref", "kind": "measure type"})
    assert ms.measures["measure_id"].tolist() == ["X1"]
    assert ms.measures["kind"].tolist() == ["patrol_added"]


def test_map_layer_escapes_and_hides_the_note(good, sample_area):
    from sjobo_geo.maps.base import new_map
    from sjobo_geo.maps.measures import add_measures

    ms = good.measures.copy()
    ms.loc[0, "owner"] = "<script>alert(1)</script>{{ 7*7 }}"
    ms.loc[1, "note"] = "PRIVATE NOTE"
    for lang, name in (("sv", "Åtgärder"), ("en", "Measures")):
        m = new_map(sample_area, tiles=False, lang=lang)
        group = add_measures(m, ms, lang=lang)
        assert group is not None and group.layer_name == name
        page = m.get_root().render()
        assert "<script>alert(1)" not in page
        assert "\\u0026lt;script\\u0026gt;" in page or "&lt;script&gt;" in page
        assert "PRIVATE NOTE" not in page and "internal note" not in page
        assert '"measures": {layer:' in page
        assert ("Fasadbelysning" if lang == "sv" else "Facade lighting") in page


def test_reports_map_job_with_measures_public(good, tmp_path, sample_area):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.reports import run_reports_map

    reports = write_sample_reports(sample_area, tmp_path / "r.csv", n=120, seed=1)
    bad = write(tmp_path, ["Z1;6;x;Senaatintori;fasadbelysning;2025-03-14;klar;;;;SECRET",
                           "Z2;6;x;Senaatintori;ufo;2025-03-14;klar;;;;"], "m.csv")
    res = run_reports_map(reports, sample_area, out=tmp_path / "pub", public=True,
                          measures=bad, lang="en")
    page = res.files["map"].read_text(encoding="utf-8")
    assert "Measures" in page and "Facade lighting" in page and "SECRET" not in page
    assert any("2 rows, 1 accepted, 1 rejected" in line for line in res.messages)
    assert any("row 3, Typ: unknown kind: ufo" in line for line in res.messages)


def test_cli_reports_map_with_measures(tmp_path, sample_area):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports

    reports = write_sample_reports(sample_area, tmp_path / "r.csv", n=60, seed=2)
    measures = write(tmp_path, ["C1;6;Bostäder Borås;Senaatintori;fasadbelysning;"
                                "2025-03-14;klar;;;;", "C2;6;x;;kamera;2025-03-14;klar;;;;"])
    out = tmp_path / "map"
    proc = run_cli("reports", "map", str(reports), "--area", "sample", "--out", str(out),
                   "--measures", str(measures))
    assert proc.returncode == 0, proc.stderr
    assert "2 rows, 1 accepted, 1 rejected" in proc.stdout
    assert "row 3" in proc.stdout and "no location" in proc.stdout
    page = (out / "reports_map.html").read_text(encoding="utf-8")
    assert "Åtgärder" in page and "Bostäder Borås" in page
    proc = run_cli("reports", "map", str(reports), "--area", "sample", "--out", str(out),
                   "--measures", str(tmp_path / "nope.csv"))
    assert proc.returncode == 1
    assert_one_line_error(proc, "nope.csv", "no such file")


@pytest.mark.parametrize("command", ["hotspots", "patrol", "lighting-gaps", "schoolyard"])
def test_cli_measures_option_is_wired(command):
    from sjobo_geo.cli import build_parser

    args = {"hotspots": ["--reports", "r.csv"], "patrol": ["--reports", "r.csv"],
            "lighting-gaps": [], "schoolyard": []}[command]
    ns = build_parser().parse_args([command, *args, "--out", "o", "--measures", "m.csv"])
    assert ns.measures == Path("m.csv")


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory, sample_area):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports

    return write_sample_reports(sample_area, tmp_path_factory.mktemp("rep") / "r.csv", n=300,
                                seed=1)


@pytest.mark.parametrize("job", ["hotspots_public", "patrol", "schoolyard_gdf"])
def test_jobs_draw_measures_and_report_rejects(job, good, sample_reports, tmp_path,
                                               sample_area):
    from sjobo_geo.jobs.hotspots import run_hotspots
    from sjobo_geo.jobs.patrol import run_patrol
    from sjobo_geo.jobs.schoolyard import run_schoolyard

    path = write(tmp_path, ["J1;6;x;Senaatintori;fasadbelysning;2025-03-14;klar;;;;SECRET",
                            "J2;6;x;Senaatintori;ufo;2025-03-14;klar;;;;"], "m.csv")
    if job == "hotspots_public":
        res = run_hotspots(sample_reports, sample_area, out=tmp_path / "o", public=True,
                           measures=path)
    elif job == "patrol":
        res = run_patrol(sample_reports, sample_area, out=tmp_path / "o", measures=path)
    else:  # a GeoDataFrame (e.g. from a notebook) is drawn as given
        res = run_schoolyard(sample_area, out=tmp_path / "o", measures=good.measures)
    page = res.files["map"].read_text(encoding="utf-8")
    assert "Åtgärder" in page and "SECRET" not in page and "internal note" not in page
    if job != "schoolyard_gdf":
        assert any("2 rows, 1 accepted, 1 rejected" in line for line in res.messages)
        assert any("unknown kind: ufo" in line for line in res.messages)


def test_measures_validate_command(tmp_path, sample_area):
    """`sjobo-geo measures validate`: accounting, rejects file, GeoPackage without the note,
    --json, and --strict failing with one line."""
    import json

    import pyogrio

    register = tmp_path / "register.csv"
    register.write_text(
        "Åtgärd-ID,Löfte,Ansvarig,Plats,Typ,Datum,Status,Kommentar\n"
        "A1,5,Bostäder Borås,Senaatintori,fasadbelysning,2024-05-02,klar,private note\n"
        "A2,6,Borås Stad,Nowhere at all,buskar röjda,2024-05-02,klar,\n",
        encoding="utf-8")
    rejects, gpkg = tmp_path / "rej.csv", tmp_path / "m.gpkg"
    proc = run_cli("measures", "validate", str(register), "--rejects", str(rejects),
                   "--gpkg", str(gpkg))
    assert proc.returncode == 0, proc.stderr
    assert "2 rows, 1 accepted, 1 rejected" in proc.stdout and "row 3" in proc.stdout
    rows = rejects.read_text(encoding="utf-8")
    assert "Nowhere at all" in rows
    layer = pyogrio.read_dataframe(gpkg, layer="measures")
    assert list(layer["measure_id"]) == ["A1"] and "note" not in layer
    proc = run_cli("measures", "validate", str(register), "--rejects", str(rejects), "--json")
    assert json.loads(proc.stdout)["rejected"] == 1
    assert_one_line_error(run_cli("measures", "validate", str(register), "--rejects",
                                  str(rejects), "--strict"), "1 of 2 rows rejected")


def test_measures_validate_rejects_never_go_into_the_current_folder(tmp_path, monkeypatch):
    """Without --rejects the rejects go beside the register (or into --out), never into the
    current folder, and never over the register itself."""
    registers, here = tmp_path / "registers", tmp_path / "here"
    registers.mkdir()
    here.mkdir()
    register = registers / "register.csv"
    register.write_text(
        "Åtgärd-ID,Löfte,Ansvarig,Plats,Typ,Datum,Status,Kommentar\n"
        "A1,5,Bostäder Borås,Senaatintori,fasadbelysning,2024-05-02,klar,\n"
        "A2,6,Borås Stad,Nowhere at all,buskar röjda,2024-05-02,klar,\n",
        encoding="utf-8")
    monkeypatch.chdir(here)
    proc = run_cli("measures", "validate", str(register))
    assert proc.returncode == 0, proc.stderr
    beside = registers / "register_rejects.csv"
    assert "Nowhere at all" in beside.read_text(encoding="utf-8")
    assert f"wrote {beside}" in proc.stdout
    proc = run_cli("measures", "validate", str(register), "--out", str(tmp_path / "checked"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "checked" / "register_rejects.csv").is_file()
    before = register.read_bytes()
    assert_one_line_error(run_cli("measures", "validate", str(register), "--rejects",
                                  str(register)), "would overwrite the input")
    assert register.read_bytes() == before
    assert list(here.iterdir()) == []
