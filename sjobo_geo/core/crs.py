"""One CRS policy at the door of every analysis: inputs in the area's metric CRS.

An analysis measures in metres. A GeoDataFrame handed to it in another CRS is reprojected to
the area's CRS (as geopandas' ``to_crs`` would do); one with no CRS at all cannot be placed
and is refused, with an error that names both CRSs. Nothing is guessed: a frame without a
CRS is never assumed to be in the area's CRS, because WGS84 degrees read as metres give a
silently wrong answer (a bandwidth of 0 m, nothing significant).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sjobo_geo._errors import CRSError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["crs_name", "to_area_crs"]


def crs_name(crs: Any) -> str:
    """A short readable name of a CRS (``"EPSG:3006"``, or its name when it has no code).

    Examples
    --------
    >>> crs_name("EPSG:4326")
    'EPSG:4326'
    >>> crs_name(None)
    'no CRS'
    """
    if crs is None:
        return "no CRS"
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    code = c.to_epsg()
    return f"EPSG:{code}" if code else c.name


def to_area_crs(frame: gpd.GeoDataFrame, area_crs: Any, what: str) -> gpd.GeoDataFrame:
    """``frame`` in the area's CRS: unchanged when it is already, else reprojected.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame or geopandas.GeoSeries
        An analysis input (reports, lamps, measures, a place).
    area_crs : str or pyproj.CRS
        The area's metric CRS (``area.crs``).
    what : str
        What the frame is, for the error message ("the reports").

    Returns
    -------
    geopandas.GeoDataFrame
        The same object when its CRS already equals the area's, else a reprojected copy
        (the input is never changed).

    Raises
    ------
    CRSError
        The frame has no CRS, so it cannot be placed in the area.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> wgs = gpd.GeoDataFrame(geometry=[Point(24.94, 60.17)], crs="EPSG:4326")
    >>> to_area_crs(wgs, "EPSG:3067", "the reports").crs.to_epsg()
    3067
    """
    crs = getattr(frame, "crs", None)
    if crs is None:
        raise CRSError(
            f"{what} have no CRS, and the area is in {crs_name(area_crs)}; set it first "
            f"(e.g. .set_crs('EPSG:4326') for longitude/latitude), or read them with "
            f"sjobo_geo.load_reports, which places every row"
        )
    from pyproj import CRS

    if CRS.from_user_input(crs) == CRS.from_user_input(area_crs):
        return frame
    return frame.to_crs(area_crs)
