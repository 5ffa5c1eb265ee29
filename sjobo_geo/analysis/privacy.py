"""Privacy for public outputs: reports counted in grid cells, small counts suppressed.

Survey answers are personal data. A public output (HTML, GeoPackage, CSV) therefore holds:

- no free text and no report-level fields at all, only counts per cell;
- no exact positions: reports are counted in square cells of ``cell_size`` metres (100 m by
  default) on a grid aligned to multiples of the cell size in the area's metric CRS, so the
  same report always falls in the same cell;
- no aggregate of fewer than ``k`` reports (5 by default): every (cell, category, time band)
  count below k is left out, for the totals over all categories and all times too.

Counts of different categories in one cell can still be subtracted from the cell's total
(e.g. a total of 7 with one category at 5 shows that the others hold 2): where that matters,
raise ``k`` or the cell size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sjobo_geo.core.crs import to_area_crs

if TYPE_CHECKING:
    import geopandas as gpd

    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = ["DEFAULT_CELL_SIZE_M", "DEFAULT_K", "public_aggregate", "public_table"]

DEFAULT_K = 5
DEFAULT_CELL_SIZE_M = 100.0


def public_aggregate(
    reports: ReportSet | gpd.GeoDataFrame,
    *,
    k: int = DEFAULT_K,
    cell_size: float = DEFAULT_CELL_SIZE_M,
) -> gpd.GeoDataFrame:
    """Count reports per grid cell, category and time band, keeping only counts of at least k.

    Parameters
    ----------
    reports : ReportSet or geopandas.GeoDataFrame
        Validated reports (columns ``category``, ``time_band``, ``weight``) in a metric CRS,
        the area's: there is no area here to reproject them to, so reports without a CRS
        or in degrees are refused (:class:`~sjobo_geo._errors.CRSError`).
    k : int, default 5
        Smallest count that may be shown.
    cell_size : float, default 100
        Cell side in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id``, ``category`` (a code or ``"all"``), ``time_band`` (a band or
        ``"all"``), ``n`` (>= k), ``weight`` and the cell polygon, in the reports' CRS.
        ``attrs`` holds ``k`` and ``cell_size``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame({"category": ["klotter"] * 6, "time_band": ["night"] * 6,
    ...                         "weight": [1.0] * 6},
    ...                        geometry=gpd.points_from_xy([10] * 6, [10] * 6), crs=3006)
    >>> public_aggregate(pts, k=5)[["category", "time_band", "n"]].values.tolist()[0]
    ['all', 'all', 6]
    """
    import geopandas as gpd
    import shapely

    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not cell_size > 0:
        raise ValueError(f"cell_size must be positive, got {cell_size}")
    from sjobo_geo.inputs.reports.schema import ReportSet

    gdf: gpd.GeoDataFrame = reports.reports if isinstance(reports, ReportSet) else reports
    # cells of cell_size metres: degrees (or no CRS) would give silently wrong cells
    gdf = to_area_crs(gdf, None, "the reports")
    empty = gpd.GeoDataFrame(
        {"cell_id": pd.Series(dtype="object"), "category": pd.Series(dtype="object"),
         "time_band": pd.Series(dtype="object"), "n": pd.Series(dtype="int64"),
         "weight": pd.Series(dtype="float64")},
        geometry=gpd.GeoSeries([], crs=gdf.crs), crs=gdf.crs,
    )
    empty.attrs.update(k=k, cell_size=cell_size)
    if len(gdf) == 0:
        return empty
    ix = np.floor(gdf.geometry.x.to_numpy() / cell_size).astype("int64")
    iy = np.floor(gdf.geometry.y.to_numpy() / cell_size).astype("int64")
    base = pd.DataFrame({
        "ix": ix, "iy": iy, "category": gdf["category"].astype(str).to_numpy(),
        "time_band": gdf["time_band"].astype(str).to_numpy(),
        "weight": gdf["weight"].astype("float64").to_numpy(),
    })
    parts = []
    for cat_all in (False, True):
        for band_all in (False, True):
            frame = base.assign(
                category="all" if cat_all else base["category"],
                time_band="all" if band_all else base["time_band"],
            )
            parts.append(frame.groupby(["ix", "iy", "category", "time_band"], sort=False)
                         .agg(n=("weight", "size"), weight=("weight", "sum")).reset_index())
    counts = pd.concat(parts, ignore_index=True)
    counts = counts[counts["n"] >= k].sort_values(["category", "time_band", "ix", "iy"])
    if counts.empty:
        return empty
    x0 = counts["ix"].to_numpy() * cell_size
    y0 = counts["iy"].to_numpy() * cell_size
    out = gpd.GeoDataFrame(
        {
            "cell_id": (counts["ix"].astype(str) + "_" + counts["iy"].astype(str)).to_numpy(),
            "category": counts["category"].to_numpy(),
            "time_band": counts["time_band"].to_numpy(),
            "n": counts["n"].astype("int64").to_numpy(),
            "weight": counts["weight"].round(3).to_numpy(),
        },
        geometry=shapely.box(x0, y0, x0 + cell_size, y0 + cell_size), crs=gdf.crs,
    )
    out.attrs.update(k=k, cell_size=cell_size)
    return out.reset_index(drop=True)


def public_table(cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """The public counts as a plain table: cell centre (rounded to the cell), category,
    time band, n, weight. No report-level data."""
    centre = cells.geometry.centroid
    return pd.DataFrame({
        "cell_id": cells["cell_id"], "cell_centre_x": centre.x.round(0),
        "cell_centre_y": centre.y.round(0), "category": cells["category"],
        "time_band": cells["time_band"], "n": cells["n"], "weight": cells["weight"],
    })
