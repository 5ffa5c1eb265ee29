"""Timing a command in fresh processes, for the benchmarks (not a benchmark itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Runs the command given as its arguments and prints its wall time and the peak resident
# memory of the command's process tree (RUSAGE_CHILDREN of this small parent).
_CHILD = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
if proc.returncode:
    sys.exit(proc.stderr)
print(json.dumps({"wall": wall,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

#: The two cases of a command that loads an area: the model built from the OSM file in every
#: run (area cache off), and the model kept by an earlier run (sjobo_geo.settings.area_cache).
AREA_CASES = ("cold: area model built from OSM", "warm: area model kept from an earlier run")


def area_case_env(case: str, kept: Path) -> dict[str, str]:
    """The environment of one of :data:`AREA_CASES` (``kept``: the folder of kept models)."""
    extra = ({"SJOBO_GEO_AREA_CACHE": "0"} if case == AREA_CASES[0]
             else {"SJOBO_GEO_AREA_CACHE_DIR": str(kept)})
    return {**os.environ, **extra}


def time_command(cmd: list[str], runs: int, env: dict[str, str] | None = None
                 ) -> tuple[list[float], list[float]]:
    """Wall seconds and peak resident MB of ``runs`` fresh runs of ``cmd``, after one untimed
    run that warms the OS file cache (and the kept area model in the warm case)."""
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    walls, peaks = [], []
    for _ in range(runs):
        res = subprocess.run([sys.executable, "-c", _CHILD, *cmd], capture_output=True,
                             text=True, check=True, env=env)
        data = json.loads(res.stdout)
        walls.append(data["wall"])
        peaks.append(data["peak_mb"])
    return walls, peaks


def cpu_seconds(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """CPU seconds (user + system) of one fresh run of ``cmd`` and of its own children.

    Read from ``RUSAGE_CHILDREN`` of this process before and after the run: it counts the
    processes this one has waited for, so the difference is that run alone, whatever else
    runs on the machine (other users' load shows in wall time, much less in CPU time).
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
