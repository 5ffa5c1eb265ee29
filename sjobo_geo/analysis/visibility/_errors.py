"""The error every visibility step raises on bad input."""

from __future__ import annotations

from sjobo_geo._errors import SjoboGeoError

__all__ = ["VisibilityError"]


class VisibilityError(ValueError, SjoboGeoError):
    """Bad input to a visibility computation (empty place, geographic CRS, no observers...)."""
