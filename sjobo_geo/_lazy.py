"""Lazy attributes for package ``__init__`` modules: heavy modules load on first use."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_getattr(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``names[attr]`` and returns its ``attr``."""

    def __getattr__(attr: str) -> Any:
        if attr in names:
            return getattr(import_module(names[attr]), attr)
        raise AttributeError(f"module {package!r} has no attribute {attr!r}")

    return __getattr__
