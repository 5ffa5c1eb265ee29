"""Every notebook runs top to bottom on the sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import notebook_command

pytestmark = pytest.mark.notebook

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert any(p.name == "01_area.ipynb" for p in NOTEBOOKS)


# each notebook runs in its own kernel in the background while the other tests run (conftest)
@pytest.mark.parametrize("path", [
    pytest.param(p, id=p.name, marks=pytest.mark.background.with_args(notebook_command(p)))
    for p in NOTEBOOKS])
def test_notebook_runs(path, background_run):
    proc, out = background_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    errors = json.loads(proc.stdout.strip().splitlines()[-1])
    assert errors == []
    assert any(out.iterdir()), "the notebook writes its exports"
