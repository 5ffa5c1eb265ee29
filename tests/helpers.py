"""Helpers shared by the test modules (a helper module, not a test file).

Test modules import from here, from ``browser`` or use the fixtures of ``conftest.py``;
never from another test module, so that each test file stands alone.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The repository root (the folder of pyproject.toml).
ROOT = Path(__file__).resolve().parents[1]

#: Test data shipped with the tests (e.g. the GPX 1.1 schema).
DATA = Path(__file__).resolve().parent / "data"


# ---- areas ---------------------------------------------------------------------------------


def area_fingerprint(area: Any) -> str:
    """A hash of everything a test could change in an Area: CRS, boundary, meta, every
    layer's columns, types, values and geometries, and the graph's size and attribute keys.

    The session shares one sample area (``conftest.sample_area``); ``conftest`` compares
    this fingerprint after each test module, so a test that changes the shared area fails
    instead of silently changing what later tests see. Takes well under 0.1 s on the sample.
    """
    import hashlib

    import pandas as pd
    import shapely

    h = hashlib.sha256()
    h.update(repr((area.crs, area.boundary.wkb, sorted(area.meta.items(), key=str))).encode())
    for name, gdf in area.layers.items():
        h.update(repr((name, len(gdf), list(gdf.columns), [str(t) for t in gdf.dtypes],
                       gdf.crs)).encode())
        plain = gdf.drop(columns=gdf.geometry.name).astype(str)
        h.update(pd.util.hash_pandas_object(plain, index=True).to_numpy().tobytes())
        h.update(b"".join(shapely.to_wkb(gdf.geometry.to_numpy())))
    g = area.graph
    edge_keys = sorted({k for _u, _v, d in g.edges(data=True) for k in d})
    node_keys = sorted({k for _n, d in g.nodes(data=True) for k in d})
    h.update(repr((g.number_of_nodes(), g.number_of_edges(), edge_keys, node_keys,
                   sorted(g.graph.items(), key=str))).encode())
    return h.hexdigest()


# ---- the command line ----------------------------------------------------------------------


@dataclass
class CliRun:
    """What one run of the command printed and returned (like ``CompletedProcess``)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliRun:
    """Run ``sjobo-geo --no-progress ARGS`` in this process and capture what it prints.

    Calls :func:`sjobo_geo.cli.main`, so a test pays for no interpreter start and no
    imports; argparse's usage errors (``SystemExit``) become a return code like the console
    script's. Settings that the real command reads from the environment at import time are
    changed with ``monkeypatch.setattr(sjobo_geo.settings, ...)`` instead.

    Examples
    --------
    >>> run = run_cli("profiles")
    >>> run.returncode, "sample" in run.stdout
    (0, True)
    """
    from sjobo_geo.cli import main

    argv = ["--no-progress", *args]
    out, err = io.StringIO(), io.StringIO()
    with _fd_output() as fd_text, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    # what libraries wrote to the file descriptors themselves (GDAL, PROJ) counts too, as
    # it would in a terminal
    return CliRun(argv, code, out.getvalue() + fd_text[1], err.getvalue() + fd_text[2])


@contextlib.contextmanager
def _fd_output():
    """Capture file descriptors 1 and 2 (output that bypasses sys.stdout and sys.stderr);
    the texts are in the yielded dict (keys 1 and 2) once the block has ended."""
    import tempfile

    texts = {1: "", 2: ""}
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in texts}
    files = {fd: tempfile.TemporaryFile() for fd in texts}
    try:
        for fd, f in files.items():
            os.dup2(f.fileno(), fd)
        yield texts
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, f in files.items():
            os.dup2(saved[fd], fd)
            os.close(saved[fd])
            f.seek(0)
            texts[fd] = f.read().decode("utf-8", "replace")
            f.close()


def console_script() -> Path:
    """The installed ``sjobo-geo`` console script beside this interpreter."""
    script = Path(sys.executable).with_name("sjobo-geo")
    assert script.is_file(), (
        f"{script} is missing: install the package (pip install -e .[test]) to get the "
        "console script")
    return script


def run_console_script(*args: str, timeout: float = 120, **kwargs: Any
                       ) -> subprocess.CompletedProcess[str]:
    """Run the real ``sjobo-geo`` console script in a subprocess (for the few smoke tests).

    The subprocess inherits the environment, so PYTHONPATH and the tests' cache folders
    (set in ``conftest.py``) apply to it too.
    """
    return subprocess.run([str(console_script()), "--no-progress", *args],
                          capture_output=True, text=True, timeout=timeout, check=False,
                          **kwargs)


def assert_one_line_error(proc: Any, *words: str) -> None:
    """A failed run printed exactly one ``sjobo-geo: error:`` line naming all ``words``."""
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("sjobo-geo: error: ")
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


# ---- pages in the browser ------------------------------------------------------------------

#: For every registered layer of a page: switch it on, then count features and drawn SVG
#: elements (``window.SJOBO_LAYERS``, ``window.SJOBO_MAP``).
LAYER_STATE_JS = """
const out = {};
for (const [key, entry] of Object.entries(window.SJOBO_LAYERS)) {
  const layer = entry.layer;
  if (!SJOBO_MAP.hasLayer(layer)) { SJOBO_MAP.addLayer(layer); }
  const leaves = [];
  const walk = (l) => {
    if (l.getLayers) { l.getLayers().forEach(walk); } else { leaves.push(l); }
  };
  walk(layer);
  const drawn = leaves.filter(l => (l._path && document.body.contains(l._path))
                                 || (l._icon && document.body.contains(l._icon)));
  out[key] = {expected: entry.expected, features: leaves.length, drawn: drawn.length};
}
return out;
"""


def wait_for(driver: Any, script: str, timeout: float = 30, poll: float = 0.1) -> None:
    """Poll ``script`` in the page until it returns something true, or fail after ``timeout``.

    A page sets its globals once its scripts ran; a slow machine only makes this wait
    longer, it never makes the test flaky.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.wait import WebDriverWait

    try:
        WebDriverWait(driver, timeout, poll_frequency=poll).until(
            lambda d: d.execute_script(script))
    except TimeoutException:
        raise AssertionError(f"timed out waiting for: {script}") from None


# ---- long end-to-end runs in the background ------------------------------------------------

#: A background command: (argv, extra environment) for an output folder.
Command = Callable[[Path], tuple[list[str], dict[str, str]]]


@dataclass
class BackgroundRun:
    """One long end-to-end run (a notebook, the demo) in its own process."""

    command: Command
    out: Path | None = None
    done: threading.Event = field(default_factory=threading.Event)
    result: subprocess.CompletedProcess[str] | None = None
    error: BaseException | None = None


class Background:
    """Long end-to-end runs, one at a time in subprocesses, while the other tests run.

    The notebooks and the demo each start their own processes anyway (a kernel, the console
    script) and take most of a minute together. Started once the shared sample area is built
    (they read it from the session's kept model), they use the machine's second core while the
    suite goes on in the first; their tests, collected last, then only check the results.
    Runs that are asked for before the worker got to them simply wait for it.
    """

    def __init__(self) -> None:
        self.runs: dict[str, BackgroundRun] = {}
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._current: subprocess.Popen[str] | None = None

    def add(self, key: str, command: Command) -> None:
        """Schedule ``command`` under ``key`` (a test's node id)."""
        self.runs[key] = BackgroundRun(command)

    def start(self, folder: Path) -> None:
        """Start the worker thread (once); each run writes into a folder of its own below
        ``folder``."""
        if self._thread is None and self.runs:
            for key, run in self.runs.items():
                run.out = folder / re.sub(r"[^A-Za-z0-9_.-]+", "_", key)[-80:]
                run.out.mkdir(parents=True, exist_ok=True)
            self._thread = threading.Thread(target=self._work, name="background-runs",
                                            daemon=True)
            self._thread.start()

    def result(self, key: str, timeout: float = 1800) -> tuple[subprocess.CompletedProcess[str],
                                                                 Path]:
        """Wait for the run of ``key``; return its finished process and its output folder."""
        run = self.runs[key]
        assert self._thread is not None, "start() the background runs first"
        assert run.done.wait(timeout), f"background run {key} did not finish in {timeout} s"
        if run.error is not None:
            raise run.error
        assert run.result is not None and run.out is not None
        return run.result, run.out

    def stop(self) -> None:
        """End the run in progress (its whole process group) and skip the rest."""
        self._stopped.set()
        proc = self._current
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # a notebook's kernel goes with it

    def _work(self) -> None:
        for run in self.runs.values():
            try:
                if self._stopped.is_set():
                    raise RuntimeError("the test session ended before this run")
                assert run.out is not None
                argv, env = run.command(run.out)
                # a process group of its own, so that stop() ends a notebook's kernel too
                self._current = subprocess.Popen(
                    argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                    env={**os.environ, **env}, start_new_session=True)
                stdout, stderr = self._current.communicate()
                run.result = subprocess.CompletedProcess(argv, self._current.returncode,
                                                         stdout, stderr)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting test
                run.error = exc
            finally:
                run.done.set()


_NOTEBOOK_RUNNER = """
import json, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
path = Path(sys.argv[1])
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": str(path.parent)}}).execute()
outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
shown = [o.get("data", {}) for o in outputs
         if o.get("output_type") in ("display_data", "execute_result")]
print(json.dumps({
    "errors": [o for o in outputs if o.get("output_type") == "error"],
    "map": any("<iframe" in d.get("text/html", "") for d in shown),
    "chart": any("image/png" in d for d in shown),
}))
"""


def notebook_command(path: Path) -> Command:
    """Execute the notebook ``path`` top to bottom in a fresh kernel, exports into the run's
    folder (``SJOBO_GEO_NOTEBOOK_OUT``); prints JSON: the error outputs, and whether a map
    and a chart were shown inline."""

    def command(out: Path) -> tuple[list[str], dict[str, str]]:
        return ([sys.executable, "-c", _NOTEBOOK_RUNNER, str(path)],
                {"SJOBO_GEO_NOTEBOOK_OUT": str(out)})

    return command


def console_command(*args: str) -> Command:
    """Run the ``sjobo-geo`` console script; ``{out}`` in ``args`` is the run's folder."""

    def command(out: Path) -> tuple[list[str], dict[str, str]]:
        return [str(console_script()), "--no-progress",
                *(a.replace("{out}", str(out)) for a in args)], {}

    return command


def read_csv_with_header(path):
    """A people-facing CSV (core.files.write_csv): its ``#`` header lines and its table."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = []
    for line in lines:
        if not line.startswith("# "):
            break
        header.append(line[2:])
    return header, __import__("pandas").read_csv(path, skiprows=len(header), encoding="utf-8-sig")
