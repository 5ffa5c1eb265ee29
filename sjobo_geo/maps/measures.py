"""Measures on the map: what was done where, coloured by status.

:func:`add_measures` draws a measures register (:class:`sjobo_geo.inputs.measures.MeasureSet`) as
one toggleable layer, "Åtgärder" / "Measures": points as circle markers, lines and polygons
(a rebuilt square, a cleared footpath) as outlines, coloured by status. A popup says what was
done, for which promise, by whom, when, and where.

Measures are not personal data, so public pages may show them too. The register's ``note``
column is internal free text and never enters a page; every other value is HTML-escaped
(:func:`sjobo_geo.maps.base.escape_text`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sjobo_geo.core.i18n import check_lang, label
from sjobo_geo.maps.base import add_layer_registry, escape_text, to_geojson

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from sjobo_geo.inputs.measures import MeasureSet

__all__ = ["STATUS_STYLES", "add_measures"]

#: Style of each measure status: outline/marker colour, fill, dash.
STATUS_STYLES: dict[str, dict[str, Any]] = {
    "done": {"color": "#1b7837", "fillColor": "#5aae61", "weight": 3, "radius": 7},
    "in_progress": {"color": "#e08214", "fillColor": "#fdb863", "weight": 3, "radius": 7},
    "planned": {"color": "#2166ac", "fillColor": "#92c5de", "weight": 2.5, "radius": 6,
                "dash": "6 4"},
    "cancelled": {"color": "#7f7f7f", "fillColor": "#d9d9d9", "weight": 2, "radius": 5,
                  "dash": "2 4"},
}

_POPUP_FIELDS = ("measure_kind", "measure_promise", "measure_owner", "measure_date",
                 "measure_status", "measure_place")


def add_measures(
    m: folium.Map,
    measures: MeasureSet | gpd.GeoDataFrame | None,
    *,
    lang: str | None = None,
    legend: list[tuple[str, dict[str, Any]]] | None = None,
    show: bool = True,
) -> folium.FeatureGroup | None:
    """Add measures as one toggleable layer, coloured by status, with a popup each.

    Parameters
    ----------
    m : folium.Map
        The map to draw on.
    measures : MeasureSet or geopandas.GeoDataFrame or None
        A validated register, or its ``measures`` table (columns
        :data:`sjobo_geo.inputs.measures.MEASURE_COLUMNS`, any CRS). None (or no rows): nothing is
        drawn and None is returned.
    lang : {"sv", "en"}, optional
        Language of the layer name, popup labels and legend; Swedish by default.
    legend : list, optional
        The caller's legend entries: the status swatches are appended to it (the caller draws
        the legend). When None, the layer gets a small legend box of its own (bottom left).
    show : bool, default True
        Whether the layer is switched on when the page opens.

    Returns
    -------
    folium.FeatureGroup or None
        The layer, registered in ``window.SJOBO_LAYERS`` as ``measures`` (``expected`` = the
        number of measures drawn).

    Notes
    -----
    The popup shows kind, promise, owner, date, status and place; never the ``note``.
    Add the measures before the map's ``LayerControl``; on a map that has one already, the
    control is moved after the measures layer, so that the page still loads and the control
    lists the measures.

    Examples
    --------
    >>> m = area_map(area, tiles=False)  # doctest: +SKIP
    >>> add_measures(m, load_measures("measures.csv", area), lang="en")  # doctest: +SKIP
    <folium.map.FeatureGroup object at ...>
    """
    import folium

    from sjobo_geo.inputs.measures import MEASURE_KINDS, MEASURE_STATUSES, MeasureSet

    lang = check_lang(lang)
    if measures is None:
        return None
    gdf = measures.measures if isinstance(measures, MeasureSet) else measures
    if gdf is None or len(gdf) == 0:
        return None
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]

    def kind_label(code: Any) -> str:
        k = MEASURE_KINDS.get(str(code))
        return (k.sv if lang == "sv" else k.en) if k is not None else str(code)

    def status_label(code: Any) -> str:
        s = MEASURE_STATUSES.get(str(code))
        return (s.sv if lang == "sv" else s.en) if s is not None else str(code)

    def text(column: str) -> Any:
        if column not in gdf.columns:
            return ""
        return gdf[column].astype(object).where(gdf[column].notna(), "").astype(str)

    dates = gdf["date"] if "date" in gdf.columns else None
    show_df = gdf[[gdf.geometry.name]].copy()  # the note never enters this frame
    show_df["measure_kind"] = gdf["kind"].map(kind_label)
    show_df["measure_promise"] = text("promise")
    show_df["measure_owner"] = text("owner")
    show_df["measure_date"] = (dates.dt.strftime("%Y-%m-%d").fillna("")
                               if dates is not None and hasattr(dates, "dt") else "")
    show_df["measure_status"] = gdf["status"].map(status_label)
    show_df["measure_place"] = text("place")
    status = gdf["status"].astype(str)

    group = folium.FeatureGroup(name=label("measure_layer", lang), show=show)
    group.add_to(m)
    _after_layer_control(m, group)
    entries: list[tuple[str, dict[str, Any]]] = []
    for code, style in STATUS_STYLES.items():
        sub = show_df[(status == code).to_numpy()]
        if sub.empty:
            continue
        _add_status(group, sub, style, lang)
        entries.append((f"{label('measure_layer', lang)}: {status_label(code)}", style))
    other = show_df[~status.isin(list(STATUS_STYLES)).to_numpy()]
    if not other.empty:  # a GeoDataFrame from elsewhere with its own status words
        style = STATUS_STYLES["cancelled"] | {"color": "#444444"}
        _add_status(group, other, style, lang)
    add_layer_registry(m, {"measures": (group, len(show_df))})
    if legend is not None:
        legend.extend(entries)
    else:
        _add_own_legend(m, entries, label("measure_legend", lang))
    return group


def _after_layer_control(m: folium.Map, group: folium.FeatureGroup) -> None:
    """Put a map's layer controls after ``group`` (a map drawn before, measures added last).

    A ``LayerControl``'s script names every layer of the map when the page loads; a layer
    defined after it is undefined at that moment, and Leaflet stops with "Cannot read
    properties of undefined (reading 'setZIndex')": no layer shows. Moving the controls to
    the end keeps the page working whichever order the caller used.
    """
    import folium

    children = m._children
    controls = [k for k, v in children.items() if isinstance(v, folium.LayerControl)]
    if controls and list(children).index(controls[0]) < list(children).index(group.get_name()):
        for key in controls:
            children.move_to_end(key)


def _add_status(group: folium.FeatureGroup, gdf: gpd.GeoDataFrame, style: dict[str, Any],
                lang: str) -> None:
    import folium

    fields = list(_POPUP_FIELDS)
    data = to_geojson(gdf, fields)  # WGS84, text escaped
    path_style = {"color": style["color"], "weight": style["weight"], "opacity": 0.95,
                  "fill": True, "fillColor": style["fillColor"], "fillOpacity": 0.25}
    if "dash" in style:
        path_style["dashArray"] = style["dash"]
    folium.GeoJson(
        data,
        style_function=lambda _f, s=path_style: s,
        marker=folium.CircleMarker(radius=style["radius"], color=style["color"],
                                   weight=2, fill=True, fillColor=style["fillColor"],
                                   fillOpacity=0.9),
        popup=folium.GeoJsonPopup(fields=fields, aliases=[label(f, lang) for f in fields],
                                  labels=True),
        tooltip=folium.GeoJsonTooltip(fields=["measure_kind", "measure_status"],
                                      aliases=[label("measure_kind", lang),
                                               label("measure_status", lang)],
                                      sticky=False),
        highlight_function=None,
        embed=True,
    ).add_to(group)


def _add_own_legend(m: folium.Map, entries: list[tuple[str, dict[str, Any]]],
                    title: str) -> None:
    import folium

    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;margin-right:6px;'
        f'border-radius:50%;background:{s["fillColor"]};border:2px solid {s["color"]};">'
        f"</span>{escape_text(t.split(': ', 1)[-1])}</div>"
        for t, s in entries)
    box = ('<div id="sjobo-measures-legend" style="position:fixed;bottom:28px;left:10px;'
           "z-index:900;background:rgba(255,255,255,.92);padding:4px 8px;"
           'font:12px sans-serif;border:1px solid #999;border-radius:4px;">'
           f"<b>{escape_text(title)}</b>{rows}</div>")
    m.get_root().html.add_child(folium.Element(box))  # type: ignore[attr-defined]
