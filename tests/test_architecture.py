"""The architecture holds: the layers import one way (import-linter's contracts in
pyproject.toml), and the module paths from before the move to layers still work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import ROOT


def _lint(config: Path) -> int:
    """Run import-linter on ``config`` in this process; 0 when every contract is kept."""
    from importlinter.cli import lint_imports

    # no_cache: import-linter would otherwise write its cache into the current folder
    return lint_imports(config_filename=str(config), no_cache=True)


def test_contracts_check_this_source_tree():
    """import-linter checks the package on sys.path: it must be this tree's, not a copy."""
    import sjobo_geo

    assert Path(sjobo_geo.__file__).resolve().is_relative_to(ROOT), (
        f"sjobo_geo is imported from {sjobo_geo.__file__}, not from {ROOT}: install with "
        "pip install -e . or run pytest from the repository root")


def test_import_contracts_are_kept(capsys):
    code = _lint(ROOT / "pyproject.toml")
    report = capsys.readouterr().out
    assert code == 0, report


def test_a_broken_contract_fails(tmp_path, capsys):
    """The check can fail: a contract that puts core above jobs is broken by every job."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "sjobo_geo"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "core above jobs (deliberately wrong)"\n'
        'type = "layers"\n'
        'layers = ["sjobo_geo.core", "sjobo_geo.jobs"]\n', encoding="utf-8")
    assert _lint(config) != 0
    report = capsys.readouterr().out
    assert "BROKEN" in report and "sjobo_geo.jobs" in report


def test_old_module_paths_are_the_new_modules():
    """A notebook importing an old path (before 0.2) gets the very same objects, and no module
    is loaded twice: checked in a fresh interpreter that imports the old paths first."""
    code = """
import importlib, sys
import sjobo_geo.stats as old_stats
from sjobo_geo.stats import gi_star, kde
import sjobo_geo.lighting as old_lighting
from sjobo_geo.lighting import horizontal_illuminance
import sjobo_geo.analysis.stats as new_stats
import sjobo_geo.analysis.lighting as new_lighting
from sjobo_geo.analysis.lighting.photometry import horizontal_illuminance as new_hi
checks = {
    "stats module": old_stats is new_stats,
    "gi_star": gi_star is new_stats.gi_star,
    "kde": kde is new_stats.kde,
    "sjobo_geo.stats.gi_star": sys.modules["sjobo_geo.stats"].gi_star is new_stats.gi_star,
    "lighting package": old_lighting is new_lighting,
    "horizontal_illuminance": horizontal_illuminance is new_hi,
    "attribute": old_lighting.horizontal_illuminance is new_hi,
    "submodule": importlib.import_module("sjobo_geo.lighting.photometry")
                 is importlib.import_module("sjobo_geo.analysis.lighting.photometry"),
    "one module object": len({id(m) for name, m in sys.modules.items()
                              if name in ("sjobo_geo.stats", "sjobo_geo.analysis.stats")}) == 1,
}
print(sorted(name for name, ok in checks.items() if not ok))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "[]"
