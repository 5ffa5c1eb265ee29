"""Lighting: lamps, a photometric model, illuminance on walkable surfaces, EN 13201 gaps.

Lighting gaps come from a physical model, not from circles drawn around lamps:

- :mod:`.photometry`: each lamp a point source at height h with an intensity distribution
  derived from its flux; horizontal illuminance ``E_h = I(θ)·cos θ / d²`` summed over lamps,
  vertical illuminance on facades; a fast grid evaluation for a whole town.
- :mod:`.lamps`: lamps from OSM (highway=street_lamp and its light tags) merged with an
  owner's inventory, every inventory row accounted for; documented defaults for lamps with
  unknown height or flux.
- :mod:`.classes` (EN 13201 P classes) → :mod:`.surfaces` (walkable surfaces, cell grid)
  → :mod:`.analysis` (illuminance, compliance, ranked gaps; path importance from
  :mod:`.importance`) → :mod:`.proposals` (new lamps) and :mod:`.facades` (vertical
  illuminance around a square) → :mod:`.gaps` (the job: files and map).

The public function ``horizontal_illuminance(lamp_xy, lamp_height, lamp_intensity_cd,
points_xy)`` takes numpy arrays (metres, candela) and returns lux on the ground.
"""

from __future__ import annotations

from sjobo_geo._lazy import lazy_getattr

_LAZY = {
    "horizontal_illuminance": "sjobo_geo.lighting.photometry",
    "vertical_illuminance": "sjobo_geo.lighting.photometry",
    "intensity_from_flux": "sjobo_geo.lighting.photometry",
    "illuminance_grid": "sjobo_geo.lighting.photometry",
    "lamps_from_osm": "sjobo_geo.lighting.lamps",
    "read_lamp_inventory": "sjobo_geo.lighting.lamps",
    "merge_lamps": "sjobo_geo.lighting.lamps",
    "analyse_lighting": "sjobo_geo.lighting.analysis",
    "recommend_lamps": "sjobo_geo.lighting.proposals",
    "facade_lighting": "sjobo_geo.lighting.facades",
    "run_lighting_gaps": "sjobo_geo.lighting.gaps",
    "load_lighting_classes": "sjobo_geo.lighting.classes",
    "walkable_surfaces": "sjobo_geo.lighting.surfaces",
    "illuminance_classes": "sjobo_geo.lighting.analysis",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr('sjobo_geo.lighting', _LAZY)
