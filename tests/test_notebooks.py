"""Every notebook runs top to bottom on the sample, stays short and leaves checks to tests."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest
from helpers import notebook_command

pytestmark = pytest.mark.notebook

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: A notebook a planner reads: at most this many lines of code (non-empty, non-comment).
MAX_CODE_LINES = 40


def code_lines(nb: nbformat.NotebookNode) -> list[str]:
    """The lines of code of a notebook: non-empty and not a comment."""
    lines = (line.strip() for c in nb.cells if c.cell_type == "code"
             for line in c.source.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def has_assert(source: str) -> bool:
    """True when a cell's code holds an ``assert`` statement.

    A cell that is not plain Python (an IPython magic) is searched line by line instead.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return re.search(r"^\s*assert\b", source, flags=re.MULTILINE) is not None
    return any(isinstance(node, ast.Assert) for node in ast.walk(tree))


def test_there_are_notebooks():
    assert any(p.name == "01_area.ipynb" for p in NOTEBOOKS)


def test_code_lines_counts_code_only():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("x = 1\ny = 2"),
        nbformat.v4.new_code_cell("# why\nx = 1\n\n    y = 2  # how\n"),
    ])
    assert code_lines(nb) == ["x = 1", "y = 2  # how"]


def test_has_assert_finds_the_statement_not_the_word():
    assert has_assert("x = 1\nif x:\n    assert x == 1, 'no'")
    assert not has_assert("print('assert nothing')  # an assert in a comment")
    assert has_assert("%matplotlib inline\nassert True")
    assert not has_assert("%matplotlib inline\nx = 'assert'")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_short(path):
    n = len(code_lines(nbformat.read(path, as_version=4)))
    assert n <= MAX_CODE_LINES, f"{path.name}: {n} lines of code (at most {MAX_CODE_LINES})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_assert(path):
    nb = nbformat.read(path, as_version=4)
    cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and has_assert(c.source)]
    assert cells == [], f"{path.name}: assert in code cells {cells} (checks belong in tests)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert dirty == [], f"{path.name}: outputs in code cells {dirty}; clear them"


# each notebook runs in its own kernel in the background while the other tests run (conftest)
@pytest.mark.parametrize("path", [
    pytest.param(p, id=p.name, marks=pytest.mark.background.with_args(notebook_command(p)))
    for p in NOTEBOOKS])
def test_notebook_runs(path, background_run):
    proc, out = background_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    shown = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shown["errors"] == []
    assert any(out.iterdir()), "the notebook writes its exports"
    # The planner sees a map and a chart, not only text.
    assert shown["map"], "a map shown inline"
    assert shown["chart"], "a chart shown inline"
