"""Progress of the jobs: each job calls ``progress(step_name)`` as a step starts.

The CLI passes a progress bar; library callers pass nothing (:func:`noop`) or their own
callable.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "noop"]

#: What the jobs accept as ``progress``: called with each step's name as it starts.
Progress = Callable[[str], None]


def noop(_step: str) -> None:
    """The progress of a job nobody watches."""
    return None
