"""Outputs: one run, one folder; never over an input or a non-regular file; Excel-safe CSV.

The attack these tests replay (the "Hardening" issue): ``--rejects r.csv`` on ``r.csv``,
``reports map out/reports_rejects.csv --out out``, ``--rejects /dev/full``, a kill between
two output files, and cells such as ``=HYPERLINK(...)`` in CSVs that planners open in Excel.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
from helpers import assert_one_line_error, run_cli

from sjobo_geo._errors import OutputPathError, SjoboGeoError
from sjobo_geo.core.files import write_csv
from sjobo_geo.core.text import FORMULA_START
from sjobo_geo.jobs.common import RUN_MARK, check_output_path, output_run

REPORTS_HEADER = "id,category,lat,lon,timestamp,place,text"
GOOD_ROW = "g{n},darkness,60.1699,24.9384,2024-05-0{d}T21:00:00,Senaatintori,ok"


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _staging(out: Path) -> list[Path]:
    return [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}{RUN_MARK}")]


def _reports_file(path: Path, extra: list[str] = ()) -> Path:
    rows = [GOOD_ROW.format(n=n, d=n % 9 + 1) for n in range(6)]
    path.write_text("\n".join([REPORTS_HEADER, *rows, *extra]) + "\n", encoding="utf-8")
    return path


# ---- one run, one folder (the mechanism) --------------------------------------------------


def test_files_appear_together_and_about_records_the_run(tmp_path):
    src = tmp_path / "input.csv"
    src.write_text("a\n1\n", encoding="utf-8")
    out = tmp_path / "out"
    with output_run(out, job="example", inputs=[src], arguments={"k": 5}) as run:
        write_csv(pd.DataFrame({"a": [1]}), run.file("one.csv"))
        assert not out.exists()  # nothing in --out while the run works
        write_csv(pd.DataFrame({"b": [2]}), run.file("sub/two.csv"))
        assert not out.exists()
        assert run.path.parent == out.parent and run.path.name.startswith(
            f".out{RUN_MARK}example-")
    assert sorted(_digest(out)) == ["about.json", "one.csv", "sub/two.csv"]
    assert run.files == {"one.csv": out.resolve() / "one.csv",
                         "sub/two.csv": out.resolve() / "sub/two.csv"}
    about = json.loads((out / "about.json").read_text(encoding="utf-8"))
    assert about["job"] == "example" and about["arguments"] == {"k": 5}
    assert about["version"] and about["started"] and about["finished"]
    (record,) = about["inputs"]
    assert record["path"] == str(src) and record["size"] == 4
    assert record["sha256"] == hashlib.sha256(b"a\n1\n").hexdigest()
    assert [f["path"] for f in about["files"]] == ["one.csv", "sub/two.csv"]
    assert about["files"][0]["sha256"] == hashlib.sha256(
        (out / "one.csv").read_bytes()).hexdigest()
    assert _staging(out) == []


def test_a_failed_run_leaves_the_folder_as_it_was(tmp_path):
    out = tmp_path / "out"
    with output_run(out, job="example") as run:
        write_csv(pd.DataFrame({"a": ["old"]}), run.file("a.csv"))
        write_csv(pd.DataFrame({"b": ["old"]}), run.file("b.csv"))
    before = _digest(out)
    with pytest.raises(RuntimeError), output_run(out, job="example") as run:
        write_csv(pd.DataFrame({"a": ["new"]}), run.file("a.csv"))
        raise RuntimeError("the analysis failed half way")
    assert _digest(out) == before
    assert _staging(out) == []


def test_the_previous_runs_files_are_replaced_as_a_set(tmp_path):
    """Decision: files the previous run listed and this run does not write are removed (the
    folder never mixes two runs); a file no run listed (the user's) and the inputs stay."""
    out = tmp_path / "out"
    with output_run(out, job="reports-map") as run:
        for name in ("map.html", "report_cells.csv", "sub/old.csv"):
            write_csv(pd.DataFrame({"run": [1]}), run.file(name))
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    user_input = out / "report_cells.csv"  # the user now feeds one output back in
    with output_run(out, job="reports-map", inputs=[tmp_path / "elsewhere.csv"]) as run:
        write_csv(pd.DataFrame({"run": [2]}), run.file("map.html"))
    assert sorted(_digest(out)) == ["about.json", "map.html", "notes.txt"]
    assert not (out / "sub").exists()  # emptied by the removal, and removed
    assert any("removed 2 files of the previous run" in m for m in run.messages)
    about = json.loads((out / "about.json").read_text(encoding="utf-8"))
    assert sorted(about["removed"]) == ["report_cells.csv", "sub/old.csv"]
    # an input is never removed, even when the previous run wrote it
    with output_run(out, job="x") as run:
        write_csv(pd.DataFrame({"run": [3]}), run.file("report_cells.csv"))
    with output_run(out, job="x", inputs=[user_input]) as run:
        write_csv(pd.DataFrame({"run": [4]}), run.file("other.csv"))
    assert user_input.is_file()
    assert "report_cells.csv" not in json.loads(
        (out / "about.json").read_text(encoding="utf-8"))["removed"]


def test_a_hand_edited_record_never_removes_outside_the_folder(tmp_path):
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    with output_run(out, job="x") as run:
        write_csv(pd.DataFrame({"a": [1]}), run.file("a.csv"))
    about = json.loads((out / "about.json").read_text(encoding="utf-8"))
    about["files"] += [{"path": "../victim.txt"}, {"path": str(victim)}]
    (out / "about.json").write_text(json.dumps(about), encoding="utf-8")
    with output_run(out, job="x") as run:
        write_csv(pd.DataFrame({"a": [2]}), run.file("a.csv"))
    assert victim.read_text(encoding="utf-8") == "keep"


def test_a_foreign_about_json_is_not_overwritten(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "about.json").write_text('{"project": "not ours"}', encoding="utf-8")
    with pytest.raises(OutputPathError, match="not written by sjobo-geo") as info, \
            output_run(out, job="x") as run:
        write_csv(pd.DataFrame({"a": [1]}), run.file("a.csv"))
    assert isinstance(info.value, SjoboGeoError) and isinstance(info.value, ValueError)
    assert (out / "about.json").read_text(encoding="utf-8") == '{"project": "not ours"}'
    assert not (out / "a.csv").exists() and _staging(out) == []


def test_stale_staging_is_removed_but_a_live_one_is_kept(tmp_path):
    import fcntl

    out = tmp_path / "out"
    stale = tmp_path / f".out{RUN_MARK}hotspots-killed1"
    (stale / "sub").mkdir(parents=True)
    (stale / "hotspots.gpkg").write_bytes(b"half")
    live = tmp_path / f".out{RUN_MARK}patrol-working"
    live.mkdir()
    fd = os.open(live, os.O_RDONLY)  # what a run still working holds
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with output_run(out, job="x") as run:
            write_csv(pd.DataFrame({"a": [1]}), run.file("a.csv"))
    finally:
        os.close(fd)
    assert not stale.exists() and live.is_dir()
    assert any("left by an interrupted run" in m for m in run.messages)
    assert sorted(_digest(out)) == ["a.csv", "about.json"]


def test_a_run_killed_during_its_commit_is_finished_by_the_next(tmp_path):
    """A kill during the final renames: the next run completes them before anything else,
    so the folder is one run again (the new one, as the commit record says)."""
    out = tmp_path / "out"
    with output_run(out, job="x") as run:
        for name in ("a.csv", "b.csv"):
            write_csv(pd.DataFrame({"run": ["old"]}), run.file(name))
    # the state a kill leaves after the first rename: new a.csv in place, new c.csv staged,
    # old b.csv (not in the new run) still there, the new about.json staged
    stage = tmp_path / f".out{RUN_MARK}x-killed"
    stage.mkdir()
    write_csv(pd.DataFrame({"run": ["new"]}), out / "a.csv")
    write_csv(pd.DataFrame({"run": ["new"]}), stage / "c.csv")
    (stage / "about.json").write_text(json.dumps(
        {"generator": "sjobo-geo", "job": "x", "files": [{"path": "a.csv"},
                                                         {"path": "c.csv"}]}),
        encoding="utf-8")
    (stage / ".sjobo-commit.json").write_text(
        json.dumps({"files": ["a.csv", "c.csv"], "remove": ["b.csv"]}), encoding="utf-8")
    with output_run(out, job="x") as run:
        assert sorted(_digest(out)) == ["a.csv", "about.json", "c.csv"]
        assert all(pd.read_csv(out / n)["run"].tolist() == ["new"] for n in ("a.csv", "c.csv"))
        assert not stage.exists()
        write_csv(pd.DataFrame({"run": ["next"]}), run.file("a.csv"))
    assert any("finished the commit" in m for m in run.messages)
    assert sorted(_digest(out)) == ["a.csv", "about.json"]


def test_nested_runs_are_committed_with_the_outer_run(tmp_path):
    out = tmp_path / "demo"
    with output_run(out, job="demo") as run:
        with output_run(run.folder("inner"), job="inner") as inner:
            write_csv(pd.DataFrame({"a": [1]}), inner.file("a.csv"))
        assert inner.path == run.path / "inner"  # no staging of its own
        assert not out.exists()
    assert sorted(_digest(out)) == ["about.json", "inner/a.csv", "inner/about.json"]
    assert json.loads((out / "about.json").read_text(encoding="utf-8"))["job"] == "demo"
    assert json.loads((out / "inner" / "about.json").read_text(encoding="utf-8"))[
        "job"] == "inner"


KILL_SCRIPT = """
import pathlib, sys, time
from sjobo_geo.jobs import run_area

flag = pathlib.Path(sys.argv[2])

def progress(step):
    if step == "write map":  # area.gpkg is written, area_map.html is next: wait to be killed
        flag.write_text("ready")
        time.sleep(600)

run_area("sample", out=sys.argv[1], progress=progress, lang=sys.argv[3])
"""


def test_a_killed_run_leaves_the_old_folder_intact(tmp_path, sample_area):
    """SIGKILL between two output files: the folder is the old run, whole; the next run
    removes the killed run's staging folder."""
    from sjobo_geo.jobs import run_area

    out = tmp_path / "area"
    run_area("sample", out=out, lang="sv")
    before = _digest(out)
    flag = tmp_path / "ready"
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(flag), "en"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(3000):  # the area is cached: this takes seconds, allow minutes
            if flag.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert flag.exists(), proc.communicate()[1].decode()
        (stage,) = _staging(out)
        assert (stage / "area.gpkg").is_file()  # the first file was written, to the side
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert _digest(out) == before  # no new area.gpkg next to the old map
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".area")] == [stage.name]
    result = run_area("sample", out=out, lang="en")
    assert _staging(out) == []
    assert any("left by an interrupted run" in m for m in result.messages)
    assert sorted(_digest(out)) == ["about.json", "area.gpkg", "area_map.html"]
    assert "Walkways: lit" in (out / "area_map.html").read_text(encoding="utf-8")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no orphaned temp file


# ---- no output over an input, nor over a non-regular file ---------------------------------


def test_check_output_path(tmp_path):
    src = tmp_path / "r.csv"
    src.write_text("x\n", encoding="utf-8")
    assert check_output_path(tmp_path / "new.csv", [src]) == tmp_path / "new.csv"
    with pytest.raises(OutputPathError, match=r"r\.csv: is an input of this run"):
        check_output_path(src, [src], option="--rejects")
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    with pytest.raises(OutputPathError, match="is an input"):
        check_output_path(link, [src])
    with pytest.raises(OutputPathError, match="is an input"):
        check_output_path(src, [link])
    hard = tmp_path / "hard.csv"
    os.link(src, hard)
    with pytest.raises(OutputPathError, match="is an input"):
        check_output_path(hard, [src])
    with pytest.raises(OutputPathError, match="is an input"):  # relative vs absolute
        check_output_path(os.path.relpath(src), [src])
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OutputPathError, match="fifo: is a FIFO, not a regular file"):
        check_output_path(fifo, [])
    with pytest.raises(OutputPathError, match="is a folder"):
        check_output_path(tmp_path, [])
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    assert check_output_path(dangling, [src]) == dangling
    assert check_output_path(tmp_path / "x.csv", [object(), None, 3]) == tmp_path / "x.csv"


def test_rejects_over_the_report_file_is_refused(tmp_path, sample_area):
    src = _reports_file(tmp_path / "r.csv", ["bad,ufo,60.1699,24.9384,2024-05-01,,"])
    before = src.read_bytes()
    proc = run_cli("reports", "validate", str(src), "--rejects", str(src))
    assert_one_line_error(proc, "r.csv: is an input of this run", "--rejects")
    assert src.read_bytes() == before
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    assert_one_line_error(run_cli("reports", "validate", str(src), "--rejects", str(link)),
                          "link.csv: is an input")
    assert src.read_bytes() == before and link.is_symlink()
    hard = tmp_path / "hard.csv"
    os.link(src, hard)
    assert_one_line_error(run_cli("reports", "validate", str(src), "--rejects", str(hard)),
                          "hard.csv: is an input")
    assert src.read_bytes() == before == hard.read_bytes()
    # the same refusals from Python: OutputPathError, before anything is read
    from sjobo_geo.jobs import run_reports_validate

    for target in (src, link, hard):
        with pytest.raises(OutputPathError, match=re.escape(f"{target}: is an input")):
            run_reports_validate(src, sample_area, rejects=target)
    assert src.read_bytes() == before


def test_rejects_onto_a_device_is_refused(tmp_path, sample_area):
    """``--rejects`` naming a character device (the attack replaced /dev/full, as root, with
    a regular file) is refused by name; the device stays a device."""
    import stat

    src = _reports_file(tmp_path / "r.csv")
    device = tmp_path / "null"
    try:  # a node of our own, so that a regression replaces it and not /dev/null
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        device = Path("/dev/null")  # not root: a regression could not replace it either
    proc = run_cli("reports", "validate", str(src), "--rejects", str(device))
    assert_one_line_error(proc, f"{device}: is a character device", "--rejects")
    assert device.is_char_device()


def test_rejects_into_a_fifo_is_refused(tmp_path, sample_area):
    src = _reports_file(tmp_path / "r.csv")
    fifo = tmp_path / "rejects.fifo"
    os.mkfifo(fifo)
    proc = run_cli("reports", "validate", str(src), "--rejects", str(fifo))
    assert_one_line_error(proc, "rejects.fifo: is a FIFO", "regular file")
    assert fifo.is_fifo()  # not replaced by a regular file
    register = tmp_path / "m.csv"
    register.write_text("Åtgärd-ID,Plats,Typ\nA1,Senaatintori,fasadbelysning\n",
                        encoding="utf-8")
    assert_one_line_error(run_cli("measures", "validate", str(register), "--rejects",
                                  str(fifo)), "is a FIFO")
    assert_one_line_error(run_cli("measures", "validate", str(register), "--gpkg",
                                  str(register)), "m.csv: is an input", "--gpkg")
    assert_one_line_error(run_cli("sample-reports", "--out", str(fifo)), "is a FIFO")
    assert fifo.is_fifo()


def test_est_week_and_follow_up_are_one_run_and_never_over_an_input(tmp_path, sample_area):
    """est-week and follow-up write their folder as one run (about.json; an earlier run's
    est_rejects.csv goes with it) and refuse an input that is one of their outputs."""
    from sjobo_geo.inputs.reports.synthetic import generate_reports

    table = generate_reports(sample_area, 400, seed=11, est_share=1.0)
    table.loc[:2, "Kategori"] = "ufo"  # three rejects
    src = tmp_path / "est.csv"
    write_csv(table, src)
    out = tmp_path / "est"
    assert run_cli("est-week", "--reports", str(src), "--out", str(out),
                   "--period", "quarter").returncode == 0
    assert {"est_rejects.csv", "est_week.csv", "about.json"} <= set(_digest(out))
    about = json.loads((out / "about.json").read_text(encoding="utf-8"))
    assert about["job"] == "est-week" and about["inputs"][0]["path"] == str(src)
    # the public run has no rejects file: the internal run's one does not stay beside it
    proc = run_cli("est-week", "--reports", str(src), "--out", str(out), "--period",
                   "quarter", "--public")
    assert proc.returncode == 0, proc.stderr
    assert "est_rejects.csv" not in _digest(out)
    assert "est_rejects.csv" in json.loads(
        (out / "about.json").read_text(encoding="utf-8"))["removed"]
    assert _staging(out) == []
    # an input that is an output of the run is refused, and nothing changes
    before = _digest(out)
    assert_one_line_error(run_cli("est-week", "--reports", str(out / "est_week.csv"), "--out",
                                  str(out)), "est_week.csv: is an input of this run")
    assert _digest(out) == before
    register = tmp_path / "m.csv"
    register.write_text("Åtgärd-ID,Löfte,Ansvarig,Plats,Typ,Datum,Status\n"
                        "A1,5,Polisen,Senaatintori,ökad polisnärvaro,2024-04-01,klar\n",
                        encoding="utf-8")
    fu = tmp_path / "fu"
    assert run_cli("follow-up", "--reports", str(src), "--measures", str(register), "--out",
                   str(fu)).returncode == 0
    assert sorted(_digest(fu)) == ["about.json", "follow_up.csv", "follow_up.gpkg",
                                   "follow_up.html"]
    assert json.loads((fu / "about.json").read_text(encoding="utf-8"))["job"] == "follow-up"
    moved = fu / "follow_up.csv"
    register.replace(moved)  # the register, now where the run writes its table
    before = _digest(fu)
    assert_one_line_error(run_cli("follow-up", "--reports", str(src), "--measures",
                                  str(moved), "--out", str(fu)),
                          "follow_up.csv: is an input of this run")
    assert _digest(fu) == before


def test_inventory_template_never_over_the_inventory(tmp_path, sample_area):
    """Writing the new template over the filled-in one would lose the work on site."""
    lamps = tmp_path / "inventering.csv"
    lamps.write_text("id;lat;lon;höjd;ljusflöde;status\n"
                     "L1;60.167470;24.952550;6;4000;trasig\n", encoding="utf-8")
    before = lamps.read_bytes()
    assert_one_line_error(run_cli("lighting", "inventory-template", "--lamps", str(lamps),
                                  "--out", str(lamps)), "inventering.csv: is an input")
    assert lamps.read_bytes() == before


def test_reports_map_over_its_own_input_is_refused(tmp_path, sample_area):
    src = _reports_file(tmp_path / "r.csv", ["bad,ufo,60.1699,24.9384,2024-05-01,,"])
    out = tmp_path / "out"
    assert run_cli("reports", "map", str(src), "--out", str(out)).returncode == 0
    rejects = out / "reports_rejects.csv"
    before = _digest(out)
    proc = run_cli("reports", "map", str(rejects), "--out", str(out))
    assert_one_line_error(proc, "reports_rejects.csv: is an input of this run")
    assert _digest(out) == before and _staging(out) == []


def test_reports_map_strict_commits_the_rejects_alone(tmp_path, sample_area):
    """--strict: the run is its rejects file; the earlier map is not left beside it."""
    from sjobo_geo.inputs.reports.schema import ReportsError
    from sjobo_geo.jobs import run_reports_map

    src = _reports_file(tmp_path / "r.csv", ["bad,ufo,60.1699,24.9384,2024-05-01,,"])
    out = tmp_path / "out"
    run_reports_map(src, sample_area, out=out)
    assert {"reports_map.html", "reports.gpkg"} <= set(_digest(out))
    with pytest.raises(ReportsError, match="see .*reports_rejects.csv"):
        run_reports_map(src, sample_area, out=out, strict=True)
    assert sorted(_digest(out)) == ["about.json", "reports_rejects.csv"]


# ---- Excel-safe CSVs ------------------------------------------------------------------------

HOSTILE = ("=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3",
           "@SUM(A1:A9)", "\tTAB", "\rCR")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _risky_cells(folder: Path) -> list[tuple[str, int, str]]:
    """Cells a spreadsheet would run: starting with = + - @ tab CR, not a plain number."""
    return [(path.name, n, cell) for path in sorted(folder.rglob("*.csv"))
            for n, row in enumerate(_rows(path)) for cell in row
            if cell.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(cell)]


#: The area's name in the hostile run: a bell, a terminal escape and XML's forbidden U+FFFE.
HOSTILE_NAME = "Helsinki\x07 sample\x1b[2J\ufffe"


@pytest.fixture(scope="module")
def hostile_run(sample_area, tmp_path_factory):
    """A demo-like run with hostile text planted in every input: the area's name, OSM street
    and square names (formula starts, control characters), report cells and actors, a
    measures register, a lamp inventory."""
    from sjobo_geo.inputs.reports.synthetic import generate_reports

    tmp = tmp_path_factory.mktemp("hostile")
    layers = dict(sample_area.layers)
    for kind, prefix in (("paths", "="), ("squares", "@")):
        named = layers[kind]["name"].fillna("").astype(str)
        layers[kind] = layers[kind].assign(
            name=named.where(named == "", prefix + named + "\x0b"))
    area = dataclasses.replace(
        sample_area, layers=layers, _gazetteer=None,
        profile=dataclasses.replace(sample_area.profile, name=HOSTILE_NAME))
    table = generate_reports(area, 300, seed=5)
    table.loc[:20, "Fritext"] = [HOSTILE[i % len(HOSTILE)] for i in range(21)]
    table.loc[21:30, "Kategori"] = "=ufo()"  # rejected: their values go to the rejects
    # every fifth report's actor, so that every period has some
    table.loc[table.index % 5 == 1, "Aktör"] = "=HYPERLINK(\"http://evil.example\",\"x\")"
    reports = tmp / "reports.csv"
    table.to_csv(reports, index=False, encoding="utf-8")
    register = tmp / "measures.csv"
    register.write_text(
        "Åtgärd-ID,Löfte,Ansvarig,Plats,Typ,Datum,Status,Latitud,Longitud\n"
        "=A1,@6,=Borås Stad,,fasadbelysning,2024-05-02,klar,60.1699,24.9384\n"
        "-A3,+5,-owner,+Torget,buskar röjda,2024-03-01,klar,60.1702,24.9412\n"
        "+A2,-7,@owner,=Nowhere(),buskar röjda,2024-05-02,klar,,\n", encoding="utf-8")
    lamps = tmp / "lamps.csv"
    lamps.write_text("id;lat;lon;höjd;ljusflöde;status\n"  # as in test_lighting_gaps
                     "=L1;60.167470;24.952550;6;4000;trasig\n"
                     "@L2;60.169510;24.952270;5;3000;fungerande\n"
                     "+L3;;;5;3000;fungerande\n", encoding="utf-8")
    out = tmp / "out"
    with warnings.catch_warnings():
        # the patrol's PNG draws the area's name; matplotlib warns that the bell has no
        # glyph (it shows a box). Harmless, and not what this run tests.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font",
                                category=UserWarning)
        results = _hostile_jobs(area, out, reports, register, lamps)
    return out, results


def _hostile_jobs(area, out, reports, register, lamps):
    from sjobo_geo import jobs

    return {
        "validate": jobs.run_reports_validate(reports, area, rejects=out / "validate.csv"),
        "measures": jobs.run_measures_validate(register, area, rejects=out / "m_rej.csv",
                                               gpkg=out / "measures.gpkg"),
        "sample": jobs.run_sample_reports(area, out=out / "sample_reports.csv", n=200, seed=3),
        "reports": jobs.run_reports_map(reports, area, out=out / "reports"),
        "public": jobs.run_reports_map(reports, area, out=out / "public", public=True),
        "hotspots": jobs.run_hotspots(reports, area, out=out / "hotspots", measures=register),
        "patrol": jobs.run_patrol(reports, area, out=out / "patrol", measures=register),
        "schoolyard": jobs.run_schoolyard(area, out=out / "schoolyard", measures=register),
        "lighting": jobs.run_lighting_gaps(area, out=out / "lighting", lamps=lamps,
                                           reports=reports, add_lamps=2),
        "est": jobs.run_est_week(reports, area, out=out / "est", period="quarter"),
        "est_public": jobs.run_est_week(reports, area, out=out / "est_public",
                                        period="quarter", public=True),
        "follow_up": jobs.run_follow_up(reports, register, area, out=out / "follow_up"),
    }


def test_no_csv_cell_runs_as_a_formula(hostile_run):
    out, _ = hostile_run
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.csv")}
    assert {"validate.csv", "m_rej.csv", "sample_reports.csv", "reports/reports_rejects.csv",
            "public/report_cells.csv", "hotspots/priorities.csv", "patrol/patrol_plan.csv",
            "patrol/patrol_week.csv", "schoolyard/vegetation_actions.csv",
            "lighting/lighting_gaps.csv", "lighting/lamp_inventory_rejects.csv",
            "lighting/lamp_merges.csv", "lighting/courtyards.csv", "est/est_week.csv",
            "est/est_rising.csv", "est/est_rejects.csv", "est_public/est_week.csv",
            "follow_up/follow_up.csv"} <= written, sorted(written)
    assert _risky_cells(out) == []
    # the hostile text did reach the files, as text
    cells = {c for p in out.rglob("*.csv") for row in _rows(p) for c in row}
    assert "'=ufo()" in cells  # the rejected category, in the rejects
    assert any(c.startswith("'=") for c in pd.read_csv(
        out / "hotspots" / "priorities.csv")["nearest_street"].dropna())
    assert any(c.startswith("'=") for c in pd.read_csv(
        out / "patrol" / "patrol_plan.csv")["nearest_street"].dropna())
    assert "'=L1" in cells or "'+L3" in cells
    # sample-reports: OSM names of the (hostile) area in its place column
    sample = pd.read_csv(out / "sample_reports.csv", dtype=str, encoding="utf-8-sig")
    assert sample["Plats"].dropna().str.startswith(("'=", "'@")).any()
    # EST: the actor of the period's incidents; follow-up: id, promise, owner and place
    est = pd.read_csv(out / "est" / "est_week.csv", dtype=str, encoding="utf-8-sig")
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in set(est["actor"])
    assert "'=ufo()" in set(pd.read_csv(out / "est" / "est_rejects.csv", dtype=str,
                                        encoding="utf-8-sig")["value"])
    fu = pd.read_csv(out / "follow_up" / "follow_up.csv", dtype=str, encoding="utf-8-sig")
    assert {"'=A1", "'-A3"} <= set(fu["measure_id"]) and "'=Borås Stad" in set(fu["owner"])
    assert "'@6" in set(fu["promise"]) and "'+Torget" in set(fu["place"])
    assert "+5" in set(fu["promise"])  # a plain number stays a number (OWASP's exception)


def test_no_csv_cell_is_a_formula_in_openpyxl(hostile_run):
    """Every cell of every CSV of the hostile run, put into a workbook as a spreadsheet
    reads a CSV: openpyxl stores none as a formula (an unescaped ``=`` cell would be one)."""
    import openpyxl

    from sjobo_geo.core.text import xml_text

    out, _ = hostile_run
    book = openpyxl.Workbook()
    sheet = book.active
    n = 0
    for path in sorted(out.rglob("*.csv")):
        for row in _rows(path):
            n += 1
            for col, cell in enumerate(row, start=1):
                # control characters (the area's name) cannot go into a workbook at all
                sheet.cell(row=n, column=col, value=xml_text(cell))
    book.save(out.parent / "all.xlsx")
    cells = [c for row in openpyxl.load_workbook(out.parent / "all.xlsx").active.iter_rows()
             for c in row if c.value is not None]
    assert len(cells) > 10_000
    assert [c.value for c in cells if c.data_type == "f"] == []
    assert any(str(c.value).startswith("'=") for c in cells)  # the hostile text is there


def test_every_csv_has_a_bom_and_every_folder_an_about(hostile_run):
    out, results = hostile_run
    for path in out.rglob("*.csv"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path
    for folder in ("reports", "public", "hotspots", "patrol", "schoolyard", "lighting", "est",
                   "est_public", "follow_up"):
        about = json.loads((out / folder / "about.json").read_text(encoding="utf-8"))
        listed = {f["path"] for f in about["files"]}
        assert listed == {p.name for p in (out / folder).iterdir()} - {"about.json"}
        assert about["area"]["name"] == HOSTILE_NAME
    assert results["hotspots"].files["map"] == (out / "hotspots" / "hotspots.html").resolve()


def test_gpx_of_a_hostile_run_is_valid_xml(hostile_run):
    """The area's name and the street names hold control characters (and U+FFFE): the
    patrol's GPX is still well-formed and valid GPX 1.1, the names kept without them."""
    from helpers import DATA
    from lxml import etree

    from sjobo_geo.maps.gpx import GPX_NS

    out, _ = hostile_run
    doc = etree.parse(str(out / "patrol" / "patrol.gpx"))  # raises when not well-formed
    schema = etree.XMLSchema(etree.parse(str(DATA / "gpx_1_1.xsd")))
    assert schema.validate(doc), schema.error_log
    ns = {"g": GPX_NS}
    assert doc.findtext("g:metadata/g:name", namespaces=ns).startswith(
        "Patrol Helsinki sample[2J")
    names = [w.findtext("g:name", namespaces=ns) for w in doc.findall("g:wpt", ns)]
    assert names and any("=" in n for n in names)  # the hostile street names, as text
    text = (out / "patrol" / "patrol.gpx").read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe]", text)


def test_a_csv_cell_stays_text_in_excel(tmp_path):
    """Through pandas and openpyxl into XLSX: the escaped cell is a string, not a formula
    (and without the escape it would be one: the test can fail)."""
    import openpyxl

    frame = pd.DataFrame({"place": ["=HYPERLINK(\"http://evil.example\")", "Torget"],
                          "n": [-2, 3]})
    path = write_csv(frame, tmp_path / "places.csv")
    for source, kind in ((pd.read_csv(path), "s"), (frame, "f")):
        source.to_excel(tmp_path / "places.xlsx", index=False, engine="openpyxl")
        cell = openpyxl.load_workbook(tmp_path / "places.xlsx").active["A2"]
        assert cell.data_type == kind, (kind, cell.value)
    assert cell.value.startswith("=")  # the unescaped frame: a formula
    book = openpyxl.load_workbook(tmp_path / "places.xlsx")
    assert book.active["B2"].value == -2  # numbers stay numbers
