"""The error every visibility step raises on bad input."""

from __future__ import annotations

from sjobo_geo._errors import CRSError, SjoboGeoError

__all__ = ["VisibilityCRSError", "VisibilityError"]


class VisibilityError(ValueError, SjoboGeoError):
    """Bad input to a visibility computation (empty place, geographic CRS, no observers...)."""


class VisibilityCRSError(VisibilityError, CRSError):
    """A visibility input in a CRS that cannot be used: none (where the others have one) or
    not in metres. Both a :class:`VisibilityError` and a :class:`~sjobo_geo._errors.CRSError`,
    the error of the CRS check at the door of every analysis (:mod:`sjobo_geo.core.crs`)."""
