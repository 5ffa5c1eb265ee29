"""Unsafe-place reports: schema, readers, validation with full accounting, location on OSM
geometry, privacy for public outputs, and a seeded synthetic generator.

Flow: a file (CSV, XLSX, GeoJSON, GeoPackage) -> :func:`read_table` (raw text cells and row
numbers) -> :func:`validate_reports` (column mapping, parsing, coordinates, gazetteer,
snapping; every row accepted or rejected with a reason) -> :class:`ReportSet`.
"""

from __future__ import annotations

from sjobo_geo._lazy import lazy_getattr

_LAZY = {
    "CATEGORIES": "sjobo_geo.inputs.reports.schema",
    "SOURCES": "sjobo_geo.inputs.reports.schema",
    "ColumnMapping": "sjobo_geo.inputs.reports.schema",
    "ReportSet": "sjobo_geo.inputs.reports.schema",
    "read_table": "sjobo_geo.inputs.reports.readers",
    "load_reports": "sjobo_geo.inputs.reports.validate",
    "validate_reports": "sjobo_geo.inputs.reports.validate",
    "public_aggregate": "sjobo_geo.analysis.privacy",
    "generate_reports": "sjobo_geo.inputs.reports.synthetic",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr('sjobo_geo.inputs.reports', _LAZY)
