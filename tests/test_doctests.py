"""The Examples sections of the small modules run (momepy-style: docs that can go stale fail)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["sjobo_geo._compat", "sjobo_geo.core.text", "sjobo_geo.core.files",
           "sjobo_geo.core.crs", "sjobo_geo.inputs.tables", "sjobo_geo.inputs.rawtable"]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
