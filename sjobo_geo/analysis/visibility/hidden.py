"""Hidden places: the cells of a count grid seen by too few observers, as polygons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.analysis.visibility.grid import GridInfo

__all__ = ["hidden_places"]


def hidden_places(counts: np.ndarray, info: GridInfo, *, min_observers: int = 1
                  ) -> gpd.GeoDataFrame:
    """Merge the cells seen by fewer than ``min_observers`` observers into polygons.

    Parameters
    ----------
    counts : numpy.ndarray
        Count grid from :func:`visibility_grid` (-1 = not part of the place).
    info : GridInfo
        Its grid position.
    min_observers : int, default 1
        Cells with ``0 <= count < min_observers`` are hidden.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per connected hidden area (cells touching at an edge or a corner end up in
        one polygon or multipolygon part), largest first: ``area_m2``, ``cells``,
        ``min_count``, ``max_count``.
    """
    import geopandas as gpd
    import shapely
    from scipy import ndimage

    counts = np.asarray(counts)
    hidden = (counts >= 0) & (counts < min_observers)
    labels, n = ndimage.label(hidden, structure=np.ones((3, 3), bool))
    if n == 0:
        return gpd.GeoDataFrame(
            {"area_m2": [], "cells": [], "min_count": [], "max_count": []},
            geometry=[], crs=info.crs,
        )
    rr, cc = np.nonzero(hidden)
    lab = labels[rr, cc] - 1
    s = info.cell_size
    boxes = shapely.box(info.x0 + cc * s, info.y0 + rr * s,
                        info.x0 + (cc + 1) * s, info.y0 + (rr + 1) * s)
    order = np.argsort(lab, kind="stable")
    splits = np.flatnonzero(np.diff(lab[order])) + 1
    groups = np.split(order, splits)
    # union per group: one coverage union per label (a loop over areas, not cells)
    geoms = [shapely.coverage_union_all(boxes[g]) for g in groups]
    vals = counts[rr, cc]
    ncell = np.bincount(lab, minlength=n)
    mins = np.full(n, np.iinfo(np.int64).max)
    maxs = np.full(n, -1)
    np.minimum.at(mins, lab, vals)
    np.maximum.at(maxs, lab, vals)
    out = gpd.GeoDataFrame(
        {"area_m2": ncell * s * s, "cells": ncell, "min_count": mins, "max_count": maxs},
        geometry=geoms, crs=info.crs,
    )
    return out.sort_values("area_m2", ascending=False, kind="stable").reset_index(drop=True)
