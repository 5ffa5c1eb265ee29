"""The reports commands end to end: validate (text and --json), --strict, map, sample-reports."""

from __future__ import annotations

import json

from helpers import assert_one_line_error, run_cli

HEADER = "Löpnummer,Kategori,Tidpunkt,Latitud,Longitud,Fritext"
ROWS = [
    "A1,Belysning,2025-01-14 21:30,60.17085,24.94240,<script>alert(1)</script>",
    "A2,UFO,2025-01-14 21:30,60.17085,24.94240,",
    "A3,Klotter,igår,60.16945,24.95210,",
]


def _file(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


def test_validate_json_accounting(tmp_path):
    src = _file(tmp_path)
    rejects = tmp_path / "rej.csv"
    proc = run_cli("reports", "validate", str(src), "--area", "sample", "--json",
                   "--rejects", str(rejects))
    assert proc.returncode == 0, proc.stderr
    acc = json.loads(proc.stdout)
    assert (acc["total"], acc["accepted"], acc["rejected"]) == (3, 1, 2)
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,reason" and len(lines) == 3
    assert lines[1].startswith("3,Kategori,UFO,") and lines[2].startswith("4,Tidpunkt,igår,")


def test_validate_text_and_strict(tmp_path):
    src = _file(tmp_path)
    proc = run_cli("reports", "validate", str(src), "--rejects", str(tmp_path / "r.csv"))
    assert proc.returncode == 0
    assert "3 rows, 1 accepted, 2 rejected" in proc.stdout
    assert "rejected 1: unknown category" in proc.stdout
    proc = run_cli("reports", "validate", str(src), "--strict", "--rejects",
                   str(tmp_path / "r2.csv"))
    assert_one_line_error(proc, "2 of 3 rows rejected (--strict)", "row 3")
    assert (tmp_path / "r2.csv").exists()


def test_validate_rejects_go_beside_the_input_never_into_the_current_folder(tmp_path,
                                                                            monkeypatch):
    """Without --rejects the rejects go beside FILE (or into --out), never into the current
    folder, and never over FILE itself."""
    exports, here = tmp_path / "exports", tmp_path / "here"
    exports.mkdir()
    here.mkdir()
    src = _file(exports)
    monkeypatch.chdir(here)
    proc = run_cli("reports", "validate", str(src))
    assert proc.returncode == 0, proc.stderr
    beside = exports / "export_rejects.csv"
    assert f"wrote {beside}" in proc.stdout
    assert len(beside.read_text(encoding="utf-8").splitlines()) == 3  # header + 2 rejects
    proc = run_cli("reports", "validate", str(src), "--out", str(tmp_path / "checked"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "checked" / "export_rejects.csv").is_file()
    before = src.read_bytes()
    assert_one_line_error(run_cli("reports", "validate", str(src), "--rejects", str(src)),
                          "would overwrite the input")
    assert src.read_bytes() == before
    assert list(here.iterdir()) == []
    assert sorted(p.name for p in exports.iterdir()) == ["export.csv", "export_rejects.csv"]


def test_validate_bad_files(tmp_path):
    proc = run_cli("reports", "validate", str(tmp_path / "missing.csv"))
    assert_one_line_error(proc, "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert_one_line_error(run_cli("reports", "validate", str(empty)), "empty")
    header = tmp_path / "header.csv"
    header.write_text(HEADER + "\n", encoding="utf-8")
    assert_one_line_error(run_cli("reports", "validate", str(header)), "no data rows")


def test_sample_reports_then_map(tmp_path):
    csv = tmp_path / "synthetic.csv"
    proc = run_cli("sample-reports", "--area", "sample", "--n", "300", "--seed", "3",
                   "--out", str(csv))
    assert proc.returncode == 0, proc.stderr
    assert "300 SYNTHETIC reports" in proc.stdout
    out = tmp_path / "map"
    proc = run_cli("reports", "map", str(csv), "--area", "sample", "--out", str(out),
                   "--offline-html", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert "(SYNTHETIC data)" in proc.stdout
    page = (out / "reports_map.html").read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in page and 'src="http' not in page
    assert {"reports.gpkg", "reports_rejects.csv"} <= {p.name for p in out.iterdir()}
    public = tmp_path / "public"
    proc = run_cli("reports", "map", str(csv), "--out", str(public), "--public", "--k", "3",
                   "--cell-size", "150")
    assert proc.returncode == 0, proc.stderr
    page = (public / "reports_map.html").read_text(encoding="utf-8")
    assert "[SYNTETISK]" not in page and "150 m" in page


def test_public_cells_are_never_smaller_than_100_m(tmp_path):
    """`reports map --public --cell-size 50`: the cells are raised to 100 m (the README's
    promise, as for hotspots), and the run says so."""
    import pyogrio

    csv = tmp_path / "synthetic.csv"
    assert run_cli("sample-reports", "--n", "300", "--seed", "3", "--out",
                   str(csv)).returncode == 0
    public = tmp_path / "public"
    proc = run_cli("reports", "map", str(csv), "--out", str(public), "--public",
                   "--cell-size", "50")
    assert proc.returncode == 0, proc.stderr
    assert "public: cells of 100 m, not 50 m" in proc.stdout
    cells = pyogrio.read_dataframe(public / "reports.gpkg", layer="report_cells")
    bounds = cells.geometry.bounds
    assert len(cells) and ((bounds["maxx"] - bounds["minx"]).round(6) == 100).all()
    about = json.loads((public / "about.json").read_text(encoding="utf-8"))
    assert about["arguments"]["cell_size"] == 100
    internal = tmp_path / "internal"  # internal maps show reports, not cells: no message
    proc = run_cli("reports", "map", str(csv), "--out", str(internal), "--cell-size", "50")
    assert proc.returncode == 0 and "public: cells" not in proc.stdout
