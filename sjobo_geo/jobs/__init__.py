"""Jobs: one module per command. Read inputs, run an analysis, draw maps, write files.

A job is the only layer that touches the file system: it loads the area and the inputs,
calls the analysis (which returns objects and writes nothing), renders the maps and pages
from those objects, and writes every output of the run. Each ``run_*`` function takes plain
arguments and an optional ``progress`` callback (one short step name at a time) and returns
a result with the analysis objects and the files written, so the CLI stays thin and a
notebook can run the same job.
"""

from __future__ import annotations

from sjobo_geo._lazy import lazy_getattr

_LAZY = {
    "JobResult": "sjobo_geo.jobs.common",
    "RunFolder": "sjobo_geo.jobs.common",
    "output_run": "sjobo_geo.jobs.common",
    "check_output_path": "sjobo_geo.jobs.common",
    "AREA_STEPS": "sjobo_geo.jobs.area",
    "run_area": "sjobo_geo.jobs.area",
    "DEMO_STEPS": "sjobo_geo.jobs.demo",
    "run_demo": "sjobo_geo.jobs.demo",
    "REPORT_STEPS": "sjobo_geo.jobs.reports",
    "ReportsResult": "sjobo_geo.jobs.reports",
    "run_reports_validate": "sjobo_geo.jobs.reports",
    "run_reports_map": "sjobo_geo.jobs.reports",
    "run_sample_reports": "sjobo_geo.jobs.reports",
    "MEASURES_STEPS": "sjobo_geo.jobs.measures",
    "MeasuresResult": "sjobo_geo.jobs.measures",
    "run_measures_validate": "sjobo_geo.jobs.measures",
    "LIGHTING_STEPS": "sjobo_geo.jobs.lighting",
    "LightingJobResult": "sjobo_geo.jobs.lighting",
    "run_lighting_gaps": "sjobo_geo.jobs.lighting",
    "HOTSPOT_STEPS": "sjobo_geo.jobs.hotspots",
    "HotspotsResult": "sjobo_geo.jobs.hotspots",
    "run_hotspots": "sjobo_geo.jobs.hotspots",
    "PATROL_STEPS": "sjobo_geo.jobs.patrol",
    "PatrolResult": "sjobo_geo.jobs.patrol",
    "run_patrol": "sjobo_geo.jobs.patrol",
    "SCHOOLYARD_STEPS": "sjobo_geo.jobs.schoolyard",
    "SchoolyardJobResult": "sjobo_geo.jobs.schoolyard",
    "run_schoolyard": "sjobo_geo.jobs.schoolyard",
    "run_schoolyard_job": "sjobo_geo.jobs.schoolyard",
    "EST_STEPS": "sjobo_geo.jobs.est",
    "run_est_week": "sjobo_geo.jobs.est",
    "FOLLOW_UP_STEPS": "sjobo_geo.jobs.follow_up",
    "run_follow_up": "sjobo_geo.jobs.follow_up",
}

__all__ = sorted(_LAZY)

__getattr__ = lazy_getattr("sjobo_geo.jobs", _LAZY)


def __dir__() -> list[str]:
    return __all__
