"""Natural surveillance: who can see a place, which parts are hidden, which bushes to cut.

Crime prevention through environmental design (CPTED) rests on *natural surveillance*: a
place is safer when people on paths, at windows and at entrances can see into it. This
module measures that in two dimensions on a grid of cells over a place (a schoolyard, a
square, a courtyard):

1. :func:`observer_points` puts observers on the walkable paths around the place and just
   outside the building facades that face it (a proxy for windows and entrances).
2. :func:`visibility_grid` counts, for every cell centre of the place, how many observers
   have an unobstructed straight line of sight to it within ``max_distance`` metres
   (a 2D isovist count).
3. :func:`hidden_places` merges the cells seen by too few observers into polygons.
4. :func:`vegetation_actions` ranks the sight-blocking vegetation near the place by the
   hidden area that cutting it back would reveal, and lists hedges and scrub beside paths.

The model is two-dimensional: a blocker blocks sight at eye height or it does not.
Buildings always block. Scrub and hedges block unless their OSM ``height`` tag is at most
the shrub limit of the chosen settings (then they are already low enough); tree rows,
single trees and forest edges are treated as blocking (low crowns and undergrowth; OSM
rarely says how high the crown starts). Cutting back (shrubs to the shrub limit, crowns
raised to the crown limit) removes a feature as a blocker. Terrain, walls and fences
without a building tag, parked cars, light and seasons are not modelled.

Method (:func:`visibility_grid`)
--------------------------------
Every blocker outline (polygons) and line is cut into pieces of at most half a cell. For
each observer, every piece within range covers an interval of directions; a polar depth
buffer (angular bins of ``cell_size / (4 * max_distance)`` radians, about a quarter cell
sideways at the maximum distance) keeps the nearest blocker distance per direction, and a
cell centre is visible when it is nearer than the nearest blocker in its direction. The
pieces share their ends, so a thin wall or hedge never leaks; sight lines are exact up to
the bin width and the half-cell pieces (a blocker is never smaller than it is). All of
this is numpy over the pieces and cells within range; the only Python loop is over
observers. Cells whose centre is inside a blocker polygon, or which a blocker line (or the
outline of a narrow polygon) crosses, are not part of the place and get count -1.

Grid convention: ``counts[row, col]`` is the cell with south-west corner
``(x0 + col * cell_size, y0 + row * cell_size)``; row 0 is the southern edge (as in a
GeoTIFF read upside down), see :class:`GridInfo`.

Settings (:data:`CPTED_SETTINGS`) for trimming come from published CPTED guidance; no
Swedish numeric limits were found (see ``DOMAIN.md``):

* Secured by Design (UK): shrubs at most 1 m mature height, tree crowns no lower than 2 m.
* Crime Prevention Victoria (Australia): shrubs at most 0.6 m, branches from 1.8 m,
  3-5 m cleared either side of paths.

Layout
------
One module per concern, data flowing one way: :mod:`.settings` (:class:`TrimSettings`,
:data:`CPTED_SETTINGS`) and :mod:`._errors` → :mod:`.grid` (the grid and isovist engine,
:func:`visibility_grid`) → :mod:`.hidden` (:func:`hidden_places`) and :mod:`.observers`
(:func:`observer_points`) → :mod:`.vegetation` (:func:`blockers_from_area`,
:func:`vegetation_actions`). Their public names are importable from here.
"""

from __future__ import annotations

from sjobo_geo.analysis.visibility._errors import VisibilityCRSError, VisibilityError
from sjobo_geo.analysis.visibility.grid import GridInfo, VisibilityResult, visibility_grid
from sjobo_geo.analysis.visibility.hidden import hidden_places
from sjobo_geo.analysis.visibility.observers import observer_points
from sjobo_geo.analysis.visibility.settings import CPTED_SETTINGS, TrimSettings, with_settings
from sjobo_geo.analysis.visibility.settings import (
    DEFAULT_SETTINGS as DEFAULT_SETTINGS,  # not in __all__, as before
)
from sjobo_geo.analysis.visibility.vegetation import (
    VegetationActions,
    blockers_from_area,
    vegetation_actions,
)

__all__ = [
    "CPTED_SETTINGS",
    "GridInfo",
    "TrimSettings",
    "VegetationActions",
    "VisibilityCRSError",
    "VisibilityError",
    "VisibilityResult",
    "blockers_from_area",
    "hidden_places",
    "observer_points",
    "vegetation_actions",
    "visibility_grid",
    "with_settings",
]
