"""Helpers shared by the test modules (a helper module, not a test file).

Test modules import from here, from ``browser`` or use the fixtures of ``conftest.py``;
never from another test module, so that each test file stands alone.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from dataclasses import dataclass
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
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return CliRun(argv, code, out.getvalue(), err.getvalue())


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
