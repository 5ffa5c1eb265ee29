"""The error every patrol step raises when a patrol cannot be planned."""

from __future__ import annotations

from sjobo_geo._errors import SjoboGeoError

__all__ = ["PatrolError"]


class PatrolError(ValueError, SjoboGeoError):
    """A patrol that cannot be planned (bad budget or speed, no stops, unknown start)."""
