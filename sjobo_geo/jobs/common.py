"""User jobs: the end-to-end runs behind the CLI subcommands, and how they write files.

Each job takes plain arguments, calls the library (sources -> model -> analyses -> outputs)
and returns what it wrote, so the CLI stays thin and notebooks can run the same jobs. An
optional ``progress`` callback receives one short step description at a time.

**One run, one folder.** A job that writes a folder (``--out``) does so through
:func:`output_run`:

* every file of the run is first written into a staging folder beside ``--out`` (same file
  system), named ``.<out>.sjobo-run-<job>-<random>``, so that nothing in ``--out`` changes
  while the run works;
* only when all files are written are they moved into ``--out`` (one ``rename`` each), the
  files an earlier run listed in ``about.json`` and this run does not write are removed, and
  ``about.json`` (the record of the run) is moved in last. The folder then holds the files of
  exactly one run, plus whatever the user keeps there (files no run of sjobo-geo listed are
  never touched, nor are the inputs of the run);
* a failed or killed run leaves ``--out`` as it was. A killed run's staging folder stays
  beside ``--out`` (recognisable by its name) and the next run into the same ``--out``
  removes it; if the kill came during the final renames (a few milliseconds), the next run
  first finishes those renames, so the folder is again one run.

**No output over an input.** :func:`check_output_path` refuses (:class:`OutputPathError`) an
output path that is one of the run's inputs (symlinks resolved, the same file under another
name) or that exists and is not a regular file (a folder, a FIFO, a device): ``os.replace``
would otherwise destroy the input or put a regular file where ``/dev/null`` was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo._errors import OutputPathError
from sjobo_geo.core.files import check_output_path, path_inputs, same_file

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area

__all__ = [
    "ABOUT_FILE",
    "JobResult",
    "OutputPathError",
    "RUN_MARK",
    "RunFolder",
    "check_output_path",
    "output_run",
]

#: The record of a run, written last into its folder.
ABOUT_FILE = "about.json"
#: Marks a staging folder: ``.<out>.sjobo-run-<job>-<random>`` beside ``--out``.
RUN_MARK = ".sjobo-run-"
# Written into a staging folder when its files start moving into --out: a run killed during
# the moves is finished (not thrown away) by the next run, so --out is one run again.
_COMMIT_FILE = ".sjobo-commit.json"

# Staging folders of the runs active in this process: a job run inside another job's run
# (the demo's sub-jobs) writes straight into the outer staging folder, which the outer run
# commits as a whole.
_ACTIVE: list[Path] = []


@dataclass
class JobResult:
    """What a job produced: the area and the files written (name -> path)."""

    area: Area
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# one run, one folder


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _describe(path: Path, name: str | None = None) -> dict[str, Any]:
    st = path.stat()
    return {"path": name or str(path), "size": st.st_size, "sha256": _sha256(path)}


def _plain(value: Any) -> Any:
    """A JSON-able form of a job argument (objects by their type name)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return f"<{type(value).__name__}>"


def _area_record(area: Any) -> Any:
    """The area of a run for ``about.json``: its name, profile, CRS and OSM source."""
    if area is None or isinstance(area, str):
        return area
    meta = getattr(area, "meta", None) or {}
    return {"name": getattr(area, "name", None),
            **{k: _plain(meta.get(k)) for k in ("profile", "crs", "source", "description")}}


def _command() -> str | None:
    """The command line, when this process is the ``sjobo-geo`` command."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if Path(sys.argv[0]).name == "sjobo-geo" or getattr(spec, "name", "") == "sjobo_geo.cli":
        return shlex.join(["sjobo-geo", *sys.argv[1:]])
    return None


def _lock(path: Path, *, wait: bool) -> int | None:
    """An exclusive ``flock`` on a folder (None when another process holds it).

    A live run holds the lock on its staging folder, so a folder whose lock can be taken
    belongs to a run that ended without cleaning up (killed).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locks, stale folders stay
        return -1 if wait else None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not ours to read: never treated as stale, never waited for
        return -1 if wait else None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return -1 if wait else None
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None and fd >= 0:
        os.close(fd)  # closing the descriptor releases the flock


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _relative_name(name: str | os.PathLike[str]) -> str:
    rel = Path(name)
    if rel.is_absolute() or not rel.parts or any(p in ("..", ".") for p in rel.parts):
        raise OutputPathError(f"{name}: an output name must be a plain relative path")
    return rel.as_posix()


def _files_under(folder: Path) -> list[str]:
    """Regular files under ``folder`` (relative POSIX paths), the run's bookkeeping left out."""
    names = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if RUN_MARK not in d]
        for f in files:
            rel = (Path(root) / f).relative_to(folder).as_posix()
            if rel not in (_COMMIT_FILE, ABOUT_FILE) and Path(root, f).is_file():
                names.append(rel)
    return sorted(names)


def _read_about(out: Path) -> dict[str, Any] | None:
    """The previous run's record in ``out``; refuses an ``about.json`` that is not ours."""
    path = out / ABOUT_FILE
    if not os.path.lexists(path):
        return None
    check_output_path(path, option="--out")
    try:
        about = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        about = None
    if not isinstance(about, dict) or about.get("generator") != "sjobo-geo":
        raise OutputPathError(f"{path}: exists and was not written by sjobo-geo; choose "
                              "another --out folder (or move that file away)")
    return about


def _previous_files(out: Path, about: Mapping[str, Any] | None) -> list[str]:
    """The files the previous run listed, as safe relative names of regular files in ``out``."""
    if not about:
        return []
    names = []
    for entry in about.get("files") or []:
        name = entry.get("path") if isinstance(entry, Mapping) else entry
        try:
            rel = _relative_name(str(name))
        except OutputPathError:
            continue  # a hand-edited record never makes us delete outside the folder
        target = out / rel
        if rel != ABOUT_FILE and os.path.lexists(target) and stat.S_ISREG(
                os.lstat(target).st_mode) and _inside(target.resolve(), out.resolve()):
            names.append(rel)
    return names


def _finish_commit(stage: Path, out: Path) -> None:
    """Move a staging folder's files into ``out`` as its commit record says (idempotent)."""
    record = json.loads((stage / _COMMIT_FILE).read_text(encoding="utf-8"))
    for rel in record["files"]:
        src = stage / rel
        if src.is_file():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, out / rel)
    for rel in record["remove"]:
        target = out / rel
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        parent = target.parent
        while parent != out and _inside(parent, out):
            try:
                parent.rmdir()  # only once empty: a folder the earlier run made
            except OSError:
                break
            parent = parent.parent
    if (stage / ABOUT_FILE).is_file():
        os.replace(stage / ABOUT_FILE, out / ABOUT_FILE)
    shutil.rmtree(stage, ignore_errors=True)


def _staging_folders(out: Path) -> list[Path]:
    beside = f".{out.name}{RUN_MARK}"
    found = []
    for folder, prefix in ((out.parent, beside), (out, RUN_MARK)):
        with contextlib.suppress(OSError):
            found += [folder / n for n in os.listdir(folder) if n.startswith(prefix)]
    return [p for p in found if p.is_dir() and not p.is_symlink()]


def _clean_stale(out: Path) -> list[str]:
    """Remove the staging folders killed runs left (or finish their commit)."""
    notes = []
    for stage in _staging_folders(out):
        fd = _lock(stage, wait=False)
        if fd is None:
            continue  # a run that is still working
        try:
            if (stage / _COMMIT_FILE).is_file():
                out.mkdir(parents=True, exist_ok=True)
                _finish_commit(stage, out)
                notes.append(f"finished the commit of an interrupted run ({stage.name})")
            else:
                shutil.rmtree(stage, ignore_errors=True)
                notes.append(f"removed {stage.name}, left by an interrupted run")
        finally:
            _unlock(fd)
    return notes


@dataclass
class RunFolder:
    """The staging folder of one run of a job (see :func:`output_run`).

    Attributes
    ----------
    out : pathlib.Path
        The folder the run's files end up in (``--out``, symlinks resolved).
    path : pathlib.Path
        Where the run writes: a staging folder beside ``out``, or, for a job run inside
        another job's run, ``out`` itself (the outer run commits it).
    job : str
        The job's name, as in ``about.json``.
    inputs : list of pathlib.Path
        The run's input files; no output may be one of them.
    area : Area, str or None
        The area (or its name), for ``about.json``: set by the job once the area is loaded.
    arguments : dict
        The job's options, for ``about.json``.
    messages : list of str
        Lines for the user (stale folders removed, files of the previous run removed).
    files : dict of str to pathlib.Path
        After the run: each file written (relative name) and where it is now.
    """

    out: Path
    path: Path
    job: str
    inputs: list[Path] = field(default_factory=list)
    area: Any = None
    arguments: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    nested: bool = False
    _names: list[str] = field(default_factory=list, repr=False)
    _input_records: list[dict[str, Any]] = field(default_factory=list, repr=False)
    _started: str = ""
    _committing: bool = False

    def file(self, name: str | os.PathLike[str]) -> Path:
        """Where to write the run's file ``name`` (a relative path, sub-folders allowed).

        The file's final place (``out / name``) is checked first: never one of the inputs,
        never a folder, FIFO or device (:func:`check_output_path`).

        Examples
        --------
        >>> with output_run("out/hotspots", job="hotspots") as run:  # doctest: +SKIP
        ...     write_csv(table, run.file("priorities.csv"))
        """
        rel = _relative_name(name)
        check_output_path(self.out / rel, self.inputs, option="--out")
        for parent in (self.out / rel).parents:
            if not _inside(parent, self.out) or parent == self.out:
                break
            if os.path.lexists(parent) and not parent.is_dir():
                raise OutputPathError(f"{parent}: is a file where the run needs a folder; "
                                      "move it away or choose another --out folder")
        if rel not in self._names:
            self._names.append(rel)
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def folder(self, name: str | os.PathLike[str]) -> Path:
        """Where a job run inside this one writes its folder ``name`` (a sub-folder).

        Examples
        --------
        >>> with output_run("out/demo", job="demo") as run:  # doctest: +SKIP
        ...     run_hotspots("r.csv", out=run.folder("hotspots"))
        """
        rel = _relative_name(name)
        target = self.out / rel
        if os.path.lexists(target) and not target.is_dir():
            raise OutputPathError(f"{target}: is a file where the run needs a folder; move it "
                                  "away or choose another --out folder")
        (self.path / rel).mkdir(parents=True, exist_ok=True)
        return self.path / rel

    def final(self, path: str | os.PathLike[str]) -> Path:
        """Where a file written into :attr:`path` is once the run is committed.

        Examples
        --------
        >>> run.final(run.file("hotspots.html"))  # doctest: +SKIP
        PosixPath('/home/me/out/hotspots/hotspots.html')
        """
        p = Path(path)
        if self.nested or not _inside(p, self.path):
            return p
        return self.out / p.relative_to(self.path)

    def finals(self, files: Mapping[str, Path]) -> dict[str, Path]:
        """:meth:`final` of every value of a job's ``files`` mapping."""
        return {key: self.final(p) for key, p in files.items()}

    # ---- internals ---------------------------------------------------------------------

    def _written(self) -> list[str]:
        if not self.nested:
            return _files_under(self.path)
        names = set()
        for rel in self._names:
            p = self.path / rel
            if p.is_dir():
                names.update(f"{rel}/{n}" for n in _files_under(p))
            elif p.is_file():
                names.add(rel)
        return sorted(names)

    def _about(self, written: list[str], removed: list[str]) -> dict[str, Any]:
        from sjobo_geo import __version__

        return {
            "generator": "sjobo-geo",
            "job": self.job,
            "version": __version__,
            "command": _command(),
            "arguments": _plain(self.arguments),
            "area": _area_record(self.area),
            "inputs": self._input_records,
            "started": self._started,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": [_describe(self.path / rel, rel) for rel in written],
            "removed": removed,
        }

    def _write_about(self, about: Mapping[str, Any]) -> None:
        tmp = self.path / f".{ABOUT_FILE}.tmp"
        tmp.write_text(json.dumps(about, ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")
        os.replace(tmp, self.path / ABOUT_FILE)

    def _commit(self) -> None:
        written = self._written()
        if self.nested:
            self._write_about(self._about(written, []))
            self.files = {rel: self.path / rel for rel in written}
            return
        self.out.mkdir(parents=True, exist_ok=True)
        fd = _lock(self.out, wait=True)  # one commit into a folder at a time
        try:
            for rel in written:  # everything checked before anything moves
                self.file(rel)
            previous = _read_about(self.out)
            keep = set(written)
            removed = [rel for rel in _previous_files(self.out, previous) if rel not in keep
                       and not any(same_file(self.out / rel, i) for i in self.inputs)]
            self._write_about(self._about(written, removed))
            record = self.path / _COMMIT_FILE
            tmp = self.path / f"{_COMMIT_FILE}.tmp"
            tmp.write_text(json.dumps({"files": written, "remove": removed}), encoding="utf-8")
            os.replace(tmp, record)
            # from here on the staging folder is kept if anything fails: the next run into
            # this folder finishes the moves instead of leaving half of them
            self._committing = True
            _finish_commit(self.path, self.out)
        finally:
            _unlock(fd)
        self.files = {rel: self.out / rel for rel in written}
        if removed:
            self.messages.append(f"removed {len(removed)} files of the previous run in "
                                 f"{self.out}: {', '.join(removed)}")


@contextlib.contextmanager
def output_run(
    out: str | os.PathLike[str],
    *,
    job: str,
    inputs: Iterable[Any] = (),
    outputs: Iterable[str] = (),
    arguments: Mapping[str, Any] | None = None,
    area: Any = None,
) -> Iterator[RunFolder]:
    """Write one run of a job into ``out`` as a set: all its files, or none of them.

    Files are written into :attr:`RunFolder.path` (via :meth:`RunFolder.file`), a staging
    folder beside ``out`` on the same file system, and moved into ``out`` when the block
    ends without an error; ``about.json`` (the record of the run) is moved in last. Files
    an earlier run listed in ``out/about.json`` and this run does not write are removed,
    so the folder never mixes two runs; files no run listed are kept. An error, Ctrl-C or
    a kill leaves ``out`` as it was; the staging folder of a killed run is removed by the
    next run into ``out`` (see the module's notes).

    Parameters
    ----------
    out : str or pathlib.Path
        The output folder (created; its parent too).
    job : str
        The job's name (``"hotspots"``, ``"patrol"``, ...).
    inputs : iterable
        The run's inputs; those given as paths are hashed into ``about.json`` and no output
        may be one of them. Objects (an Area, a GeoDataFrame) are skipped.
    outputs : iterable of str
        Names the run will write, checked now (before the slow part) as well as when each
        is written.
    arguments : mapping, optional
        The job's options, recorded in ``about.json``.
    area : Area or str, optional
        The area or its name (or set :attr:`RunFolder.area` later).

    Yields
    ------
    RunFolder

    Raises
    ------
    OutputPathError
        ``out`` is not a folder; an output would be an input or replace a non-regular
        file; ``out/about.json`` was not written by sjobo-geo.

    Notes
    -----
    ``about.json`` holds: ``job``, ``version``, ``command`` (the command line when run as
    ``sjobo-geo``), ``arguments``, ``area``, ``inputs`` (path, size, SHA-256), ``started``
    and ``finished`` (UTC), ``files`` (relative path, size, SHA-256) and ``removed`` (the
    previous run's files removed). A job run inside another job's run (the demo's
    sub-jobs) writes straight into the outer staging folder and is committed with it.

    Examples
    --------
    >>> import pandas as pd, pathlib, tempfile
    >>> from sjobo_geo.core.files import write_csv
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with output_run(out, job="example") as run:
    ...     _ = write_csv(pd.DataFrame({"a": [1]}), run.file("a.csv"))
    >>> sorted(p.name for p in out.iterdir())
    ['a.csv', 'about.json']
    """
    given = Path(out)
    real = Path(os.path.abspath(given)).resolve()
    if os.path.lexists(real) and not real.is_dir():
        raise OutputPathError(f"{given}: is not a folder; --out needs a folder (new or "
                              "existing)")
    sources = path_inputs(inputs)
    run = RunFolder(out=real, path=real, job=job, inputs=sources,
                    arguments=dict(arguments or {}), area=area)
    for name in outputs:
        check_output_path(real / _relative_name(name), sources, option="--out")
    run._started = datetime.now(UTC).isoformat(timespec="seconds")
    run._input_records = [_describe(Path(os.path.abspath(s))) for s in sources
                          if s.is_file()]
    outer = next((a for a in _ACTIVE if _inside(real, a)), None)
    fd = None
    if outer is not None:
        run.nested = True
        real.mkdir(parents=True, exist_ok=True)
    else:
        if real.is_dir():
            _read_about(real)  # a foreign about.json fails now, not after the work
            lock = _lock(real, wait=True)
            try:
                run.messages += _clean_stale(real)
            finally:
                _unlock(lock)
        else:
            run.messages += _clean_stale(real)
        real.parent.mkdir(parents=True, exist_ok=True)
        try:
            stage = tempfile.mkdtemp(prefix=f".{real.name}{RUN_MARK}{job}-", dir=real.parent)
        except PermissionError:  # --out writable, its parent not: stage inside --out
            real.mkdir(parents=True, exist_ok=True)
            stage = tempfile.mkdtemp(prefix=f"{RUN_MARK}{job}-", dir=real)
        run.path = Path(stage)
        fd = _lock(run.path, wait=True)
    _ACTIVE.append(run.path)
    try:
        yield run
        _ACTIVE.remove(run.path)
        run._commit()
    except BaseException:
        if run.path in _ACTIVE:
            _ACTIVE.remove(run.path)
        if not run.nested and not run._committing:
            shutil.rmtree(run.path, ignore_errors=True)
        raise
    finally:
        _unlock(fd)


# --------------------------------------------------------------------------------------
# reports


def area_and_reports(reports_file: Any, area: Any, *, error: type[Exception],
                      step: Callable[[str], None], steps: tuple[str, str]
                      ) -> tuple[Area, Any, list[Path]]:
    """The area and the report files (one or several, e.g. one per actor) of a report job.

    Missing files raise ``error`` before anything is loaded; ``steps`` names the two steps
    (area, reports) reported to ``step``.
    """
    from sjobo_geo.inputs.reports.validate import load_report_files

    paths = ([Path(reports_file)] if isinstance(reports_file, str | Path)
             else [Path(f) for f in reports_file])
    if not paths:
        raise error("no report file given")
    for path in paths:
        if not path.is_file():
            raise error(f"{path}: report file not found")
    step(steps[0])
    model = area if hasattr(area, "layers") else load_area_for(area, None, None)
    step(steps[1])
    return model, load_report_files(paths, model), paths


def load_area_for(area: Any, osm_file: str | Path | None, source: str | None) -> Area:
    """An already built Area as is; else a profile name or path, loaded."""
    from sjobo_geo.core.area import Area, load_area

    if isinstance(area, Area):
        return area
    return load_area(area, osm_file=osm_file, source=source)
