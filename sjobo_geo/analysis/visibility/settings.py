"""Trimming settings: how vegetation is cut back and how wide it blocks sight (2D).

:data:`CPTED_SETTINGS` holds the numbers of two published CPTED guides (Crime Prevention
Victoria, Secured by Design; see ``DOMAIN.md``) as :class:`TrimSettings`;
:func:`with_settings` copies one with some fields changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

__all__ = ["CPTED_SETTINGS", "DEFAULT_SETTINGS", "TrimSettings", "with_settings"]


@dataclass(frozen=True)
class TrimSettings:
    """How vegetation is cut back and how wide it blocks sight (2D).

    Attributes
    ----------
    name : str
        Short name of the guidance.
    source : str
        Where the numbers come from.
    shrub_max_height_m : float
        Shrubs and hedges are cut to at most this height.
    crown_min_height_m : float
        Tree crowns (lowest branches) are raised to at least this height.
    path_clearance_m : float
        Hedges and scrub within this distance of a path are listed for clearing.
    path_clearance_source : str
        Where ``path_clearance_m`` comes from.
    hedge_width_m, scrub_line_width_m, tree_row_width_m, forest_edge_width_m : float
        Widths given to line features (a hedge, scrub mapped as a line, a tree row, the
        edge of a wood) when they are drawn as blockers. Modelling choices, not guidance.
    tree_radius_m : float
        Radius of the disc that stands for a single tree (crown/undergrowth at eye height).
    """

    name: str
    source: str
    shrub_max_height_m: float
    crown_min_height_m: float
    path_clearance_m: float
    path_clearance_source: str
    hedge_width_m: float = 1.0
    scrub_line_width_m: float = 2.0
    tree_row_width_m: float = 3.0
    forest_edge_width_m: float = 2.0
    tree_radius_m: float = 2.0

    def action(self, kind: str) -> str:
        """The cutting-back advice for a vegetation kind, with its source."""
        if kind in ("scrub", "hedge"):
            return f"cut back to at most {self.shrub_max_height_m:g} m ({self.name})"
        return f"raise crowns to at least {self.crown_min_height_m:g} m ({self.name})"


#: Trimming settings from the two sources in DOMAIN.md, keyed by short name.
CPTED_SETTINGS: dict[str, TrimSettings] = {
    "crime_prevention_victoria": TrimSettings(
        name="Crime Prevention Victoria",
        source="Crime Prevention Victoria, CPTED guidance: shrubs at most 0.6 m, branches "
               "from 1.8 m, 3-5 m cleared either side of paths",
        shrub_max_height_m=0.6, crown_min_height_m=1.8, path_clearance_m=3.0,
        path_clearance_source="Crime Prevention Victoria (3-5 m; the lower bound)",
    ),
    "secured_by_design": TrimSettings(
        name="Secured by Design",
        source="Secured by Design (UK): shrubs at most 1 m mature height, tree crowns no "
               "lower than 2 m",
        shrub_max_height_m=1.0, crown_min_height_m=2.0, path_clearance_m=3.0,
        path_clearance_source="Crime Prevention Victoria (3-5 m; the lower bound); Secured "
                              "by Design gives no distance",
    ),
}


DEFAULT_SETTINGS = CPTED_SETTINGS["crime_prevention_victoria"]


_VEG_KINDS = ("scrub", "hedge", "tree_row", "tree", "forest_edge")


def with_settings(settings: TrimSettings, **changes: Any) -> TrimSettings:
    """A copy of ``settings`` with some fields changed (e.g. a wider hedge)."""
    return replace(settings, **changes)
