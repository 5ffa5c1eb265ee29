"""One CRS policy at the door of every analysis: inputs in the area's metric CRS.

An analysis measures in metres. A GeoDataFrame handed to it in another CRS is reprojected to
the area's CRS (as geopandas' ``to_crs`` would do); one with no CRS at all cannot be placed
and is refused, with an error that names both CRSs. Nothing is guessed: a frame without a
CRS is never assumed to be in the area's CRS, because WGS84 degrees read as metres give a
silently wrong answer (a bandwidth of 0 m, nothing significant). Where no area CRS is known
(a function given only frames), a frame is accepted in its own CRS only if that is metric.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from sjobo_geo._errors import CRSError

if TYPE_CHECKING:
    from pyproj import CRS

__all__ = ["crs_name", "is_metric", "to_area_crs"]

T = TypeVar("T")


def _parse(crs: Any, what: str, error: type[Exception]) -> CRS:
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    try:
        return CRS.from_user_input(crs)
    except (PyprojCRSError, TypeError, ValueError):
        raise error(f"{what}: {crs!r} is not a CRS pyproj knows") from None


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

    try:
        c = CRS.from_user_input(crs)
    except Exception:  # an unreadable CRS still gets a name in an error message
        return repr(crs)
    code = c.to_epsg()
    return f"EPSG:{code}" if code else c.name


def is_metric(crs: Any) -> bool:
    """Whether a CRS is projected with both axes in metres (what every analysis measures in).

    Examples
    --------
    >>> is_metric("EPSG:3006"), is_metric("EPSG:4326"), is_metric(None)
    (True, False, False)
    """
    if crs is None:
        return False
    try:
        c = _parse(crs, "crs", CRSError)
    except CRSError:
        return False
    axes = c.axis_info
    return (not c.is_geographic and len(axes) >= 2
            and all(a.unit_name in ("metre", "meter") for a in axes[:2]))


def _geo_fields(obj: Any) -> list[str]:
    """Fields of a validated set (a dataclass such as ReportSet) that hold a GeoDataFrame."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return []
    return [f.name for f in dataclasses.fields(obj)
            if hasattr(getattr(obj, f.name, None), "to_crs")]


def to_area_crs(frame: T, area_crs: Any, what: str, *,
                error: type[Exception] = CRSError, target: str = "the area") -> T:
    """``frame`` in the area's CRS: unchanged when it is already, else reprojected.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame, geopandas.GeoSeries or a validated set
        An analysis input (reports, lamps, measures, a place). A validated set (a dataclass
        such as ``ReportSet`` or ``MeasureSet``) has each of its GeoDataFrame fields
        checked; it is returned as it is when they are all in the area's CRS, else as a copy
        (:func:`dataclasses.replace`) holding the reprojected frames.
    area_crs : str, pyproj.CRS or None
        The area's CRS (``area.crs``); it must be metric. None when no area is known: the
        frame is then accepted in its own CRS if that is metric, and refused otherwise
        (there is nothing to reproject it to).
    what : str
        What the frame is, for the error message ("the reports").
    error : type of exception, default CRSError
        The exception raised; a subclass of :class:`sjobo_geo._errors.CRSError` when a
        module wants its own type as well (visibility raises one that is both).
    target : str, default "the area"
        What ``area_crs`` belongs to, for the message ("the place", "the walk graph").

    Returns
    -------
    Same type as ``frame``
        The same object when its CRS already equals the area's, else a reprojected copy
        (the input is never changed).

    Raises
    ------
    CRSError
        The frame has no CRS, so it cannot be placed in the area; the area's CRS is not
        metric or unknown to pyproj; or no area CRS is known and the frame's is not metric.
        The message names both CRSs.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> wgs = gpd.GeoDataFrame(geometry=[Point(24.94, 60.17)], crs="EPSG:4326")
    >>> to_area_crs(wgs, "EPSG:3067", "the reports").crs.to_epsg()
    3067
    >>> bare = gpd.GeoDataFrame(geometry=[Point(24.94, 60.17)])
    >>> try:
    ...     to_area_crs(bare, "EPSG:3067", "the reports")
    ... except CRSError as exc:
    ...     print(str(exc).split(";")[0])
    the reports came without a CRS, and the area is in EPSG:3067
    """
    fields = [] if hasattr(frame, "to_crs") else _geo_fields(frame)
    if fields:
        changed = {}
        for name in fields:
            value = getattr(frame, name)
            out = to_area_crs(value, area_crs, what, error=error, target=target)
            if out is not value:
                changed[name] = out
        return dataclasses.replace(frame, **changed) if changed else frame
    crs = getattr(frame, "crs", None)
    if area_crs is None:
        if crs is None:
            raise error(f"{what} came without a CRS, and {target} has no CRS to place them "
                        f"in either; set the CRS (e.g. .set_crs('EPSG:3006') for SWEREF 99 TM "
                        f"metres) or pass the area")
        if not is_metric(crs):
            raise error(f"{what} are in {crs_name(crs)}, which is not in metres, and "
                        f"{target} has no CRS to reproject them to; reproject them first (e.g. "
                        f".to_crs('EPSG:3006')) or pass the area")
        return frame
    area = _parse(area_crs, f"the CRS of {target}", error)
    if not is_metric(area):
        raise error(f"{target} is in {crs_name(area)}, which is not a metric CRS, so "
                    f"{what} ({crs_name(crs)}) cannot be measured in metres; {target} needs a "
                    f"projected CRS in metres (e.g. EPSG:3006, SWEREF 99 TM)")
    if crs is None:
        raise error(
            f"{what} came without a CRS, and {target} is in {crs_name(area)}; set it first "
            f"(e.g. .set_crs('EPSG:4326') for longitude/latitude); the readers of "
            f"sjobo_geo (load_reports, read_lamp_inventory, ...) always set one"
        )
    if _parse(crs, what, error) == area:
        return frame
    return frame.to_crs(area)
