"""Unsafe-place reports: schema, readers, validation with full accounting, location on OSM
geometry, privacy for public outputs, and a seeded synthetic generator.

Flow: a file (CSV, XLSX, GeoJSON, GeoPackage) -> :func:`read_table` (raw text cells and row
numbers) -> :func:`validate_reports` (column mapping, parsing, coordinates, gazetteer,
snapping; every row accepted or rejected with a reason) -> :class:`ReportSet`.
"""

from __future__ import annotations

from sjobo_geo._lazy import lazy_getattr

_LAZY = {
    "CATEGORIES": "sjobo_geo.reports.schema",
    "SOURCES": "sjobo_geo.reports.schema",
    "ColumnMapping": "sjobo_geo.reports.schema",
    "ReportSet": "sjobo_geo.reports.schema",
    "read_table": "sjobo_geo.reports.readers",
    "load_reports": "sjobo_geo.reports.validate",
    "validate_reports": "sjobo_geo.reports.validate",
    "public_aggregate": "sjobo_geo.reports.privacy",
    "generate_reports": "sjobo_geo.reports.synthetic",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr('sjobo_geo.reports', _LAZY)
