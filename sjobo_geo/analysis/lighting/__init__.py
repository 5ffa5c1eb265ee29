"""Lighting: lamps, a photometric model, illuminance on walkable surfaces, EN 13201 gaps.

Lighting gaps come from a physical model, not from circles drawn around lamps:

- :mod:`.photometry`: each lamp a point source at height h with an intensity distribution
  derived from its flux; horizontal illuminance ``E_h = I(θ)·cos θ / d²`` summed over lamps,
  vertical illuminance on facades; a fast grid evaluation for a whole town.
- :mod:`sjobo_geo.inputs.lamps` (an input, not an analysis): lamps from OSM
  (highway=street_lamp and its light tags) merged with an owner's inventory, every inventory
  row accounted for; documented defaults for lamps with unknown height or flux.
- :mod:`.classes` (EN 13201 P classes) → :mod:`.surfaces` (walkable surfaces, cell grid)
  → :mod:`.coverage` (where the lamp data can be trusted: a lamp within reach, or tagged
  unlit; lit-tagged stretches without a lamp are *lamp data missing*, never dark; the
  targets of proposals) → :mod:`.analysis` (illuminance, compliance and ranked gaps on
  covered places; path importance from :mod:`.importance`) → :mod:`.courtyards` (every
  courtyard ranked with a verdict), :mod:`.proposals` (new lamps in courtyards, the main
  square, schoolyards and paths, class spacing apart) and :mod:`.facades` (vertical
  illuminance around a square).
- :mod:`.gaps`: :func:`analyse_lighting_gaps` runs them all (lamps merged with an inventory,
  the model, courtyards, proposals, facades) and returns one :class:`LightingGaps`, writing
  nothing. The job that reads the files and writes the outputs and the map is
  :mod:`sjobo_geo.jobs.lighting`.

The public function ``horizontal_illuminance(lamp_xy, lamp_height, lamp_intensity_cd,
points_xy)`` takes numpy arrays (metres, candela) and returns lux on the ground.
"""

from __future__ import annotations

from sjobo_geo._lazy import lazy_getattr

_LAZY = {
    "horizontal_illuminance": "sjobo_geo.analysis.lighting.photometry",
    "vertical_illuminance": "sjobo_geo.analysis.lighting.photometry",
    "intensity_from_flux": "sjobo_geo.analysis.lighting.photometry",
    "illuminance_grid": "sjobo_geo.analysis.lighting.photometry",
    "lamps_from_osm": "sjobo_geo.inputs.lamps",
    "read_lamp_inventory": "sjobo_geo.inputs.lamps",
    "merge_lamps": "sjobo_geo.inputs.lamps",
    "analyse_lighting": "sjobo_geo.analysis.lighting.analysis",
    "analyse_lighting_gaps": "sjobo_geo.analysis.lighting.gaps",
    "LightingGaps": "sjobo_geo.analysis.lighting.gaps",
    "LIGHTING_GAPS_STEPS": "sjobo_geo.analysis.lighting.gaps",
    "recommend_lamps": "sjobo_geo.analysis.lighting.proposals",
    "facade_lighting": "sjobo_geo.analysis.lighting.facades",
    "load_lighting_classes": "sjobo_geo.analysis.lighting.classes",
    "walkable_surfaces": "sjobo_geo.analysis.lighting.surfaces",
    "illuminance_classes": "sjobo_geo.analysis.lighting.analysis",
    "uncovered_cells": "sjobo_geo.analysis.lighting.analysis",
    "courtyard_lighting": "sjobo_geo.analysis.lighting.courtyards",
    "courtyard_table": "sjobo_geo.analysis.lighting.courtyards",
    "lamp_reach": "sjobo_geo.analysis.lighting.coverage",
    "target_places": "sjobo_geo.analysis.lighting.targets",
    "inventory_targets": "sjobo_geo.analysis.lighting.targets",
    "TARGETS": "sjobo_geo.analysis.lighting.coverage",
    "COVERAGE_THRESHOLD": "sjobo_geo.analysis.lighting.coverage",
    "PROPOSAL_SPACING_M": "sjobo_geo.analysis.lighting.proposals",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr('sjobo_geo.analysis.lighting', _LAZY)
