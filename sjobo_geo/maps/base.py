"""The base map of an area: one toggleable layer per kind, a legend, paths by lighting.

Functions take ``m=None`` and return a :class:`folium.Map` (as geopandas' ``explore``), so a
notebook can stack layers and the CLI only saves. Without tiles (offline) the buildings and
streets of the extract form a light background layer, so the page stays readable.

All text that comes from data (OSM names, later report texts) is HTML-escaped before it
enters the page: folium's tooltips insert values with ``innerHTML``.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

import numpy as np

from sjobo_geo import settings
from sjobo_geo.core.i18n import check_lang, label

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from sjobo_geo.core.area import Area

__all__ = ["LAYER_STYLES", "PATH_COLOURS", "area_map", "add_geodataframe", "add_legend",
           "add_layer_registry", "escape_text", "new_map"]


def escape_text(value: Any) -> str:
    """HTML-escape text from data, and its braces too.

    folium/branca parse every rendered script again as a Jinja template, so ``{{ ... }}`` in
    an OSM name or a report's text would run on the machine that builds the page. As
    ``&#123;``/``&#125;`` the braces reach the page (innerHTML) unchanged.

    Examples
    --------
    >>> escape_text("<b>{{ 7*7 }}</b>")
    '&lt;b&gt;&#123;&#123; 7*7 &#125;&#125;&lt;/b&gt;'
    """
    return html.escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")

#: Colours of walkways by lighting status.
PATH_COLOURS = {"lit": "#e6a100", "unlit": "#1f2a6b", "unknown": "#9a9a9a"}

#: Style of each layer: colour, fill, weight, point radius, shown by default, tooltip fields.
LAYER_STYLES: dict[str, dict[str, Any]] = {
    "boundary": {"color": "#333333", "weight": 2, "fill": False, "dash": "6 4", "show": True},
    "buildings": {"color": "#8c8c8c", "fillColor": "#d9d9d9", "weight": 0.6, "show": True},
    "courtyards": {"color": "#2e8b57", "fillColor": "#7fd1a0", "weight": 1.2, "show": True,
                   "fields": ["courtyard_id", "area_m2", "enclosure", "streets"]},
    "squares": {"color": "#b8860b", "fillColor": "#f3d98b", "weight": 1.2, "show": True},
    "schoolyards": {"color": "#6a3d9a", "fillColor": "#cab2d6", "weight": 1.2, "show": True,
                    "fields": ["school", "area_m2"]},
    "schools": {"color": "#6a3d9a", "fillColor": "#6a3d9a", "weight": 2, "fillOpacity": 0.1,
                "radius": 6, "show": True},
    "playgrounds": {"color": "#e31a1c", "fillColor": "#fb9a99", "weight": 1.2, "radius": 5,
                    "show": True},
    "leisure": {"color": "#1f78b4", "fillColor": "#a6cee3", "weight": 1, "radius": 5,
                "show": False},
    "parking": {"color": "#555555", "fillColor": "#bbbbbb", "weight": 1, "radius": 4,
                "show": False},
    "vegetation": {"color": "#33a02c", "fillColor": "#b2df8a", "weight": 1.5, "radius": 2,
                   "show": True},
    "tunnels": {"color": "#d7301f", "weight": 5, "opacity": 0.6, "show": True,
                "fields": ["name", "kind", "lit_status"]},
    "bus_stops": {"color": "#0b6e99", "fillColor": "#ffffff", "weight": 2, "radius": 4,
                  "show": False},
    "businesses": {"color": "#a6611a", "fillColor": "#dfc27d", "weight": 1, "radius": 3,
                   "show": False},
    "lamps": {"color": "#7a5c00", "fillColor": "#ffd92f", "weight": 1, "radius": 3,
              "show": True, "fields": ["ref", "lamp_mount", "mount_height_m"]},
}


def new_map(area: Area, *, tiles: bool = True, lang: str | None = None) -> folium.Map:
    """An empty Folium map fitted to the area, with the background layer and credits.

    Parameters
    ----------
    area : Area
    tiles : bool, default True
        Add OpenStreetMap tiles. Offline pages use ``tiles=False``; the background layer of
        buildings and streets from the extract keeps them readable.
    lang : {"sv", "en"}, optional
    """
    import folium

    lang = check_lang(lang)
    w, s, e, n = _to_wgs84_bounds(area)
    m = folium.Map(location=[(s + n) / 2, (w + e) / 2], zoom_start=15, tiles=None,
                   max_zoom=19, control_scale=True)
    m.options["maxZoom"] = 19  # folium passes max_zoom only to tiles; clusters need it
    if tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", max_zoom=19).add_to(m)
    _add_background(m, area, lang)
    m.fit_bounds([[s, w], [n, e]])
    credit = f"{label('osm_credit', lang)} · {escape_text(area.name)} · sjobo-geo"
    m.get_root().html.add_child(folium.Element(  # type: ignore[attr-defined]
        f'<div id="sjobo-credit" style="position:fixed;bottom:4px;left:8px;z-index:900;'
        f'background:rgba(255,255,255,.85);font:11px sans-serif;padding:2px 6px;">'
        f"{credit}</div>"
    ))
    return m


def area_map(
    area: Area,
    m: folium.Map | None = None,
    *,
    lang: str | None = None,
    tiles: bool = True,
    layers: list[str] | None = None,
) -> folium.Map:
    """A Folium map of the area: a toggleable layer per kind, paths by lighting, a legend.

    Parameters
    ----------
    area : Area
    m : folium.Map, optional
        Map to draw on; a new one (see :func:`new_map`) when None.
    lang : {"sv", "en"}, optional
        Language of layer names and legend; ``settings.lang`` (Swedish) by default.
    tiles : bool, default True
        OpenStreetMap tiles (online use). Offline pages use False.
    layers : list of str, optional
        Kinds to draw; all of :data:`sjobo_geo.core.area.LAYER_KINDS` by default.

    Returns
    -------
    folium.Map
    """
    import folium

    from sjobo_geo.core.area import LAYER_KINDS, LIT_VALUES

    lang = check_lang(lang)
    if m is None:
        m = new_map(area, tiles=tiles, lang=lang)
    registry: dict[str, tuple[Any, int]] = {}
    legend: list[tuple[str, dict[str, Any]]] = []
    for kind in layers or LAYER_KINDS:
        gdf = area.layers[kind]
        if kind == "paths":
            for status in LIT_VALUES:
                sub = gdf[gdf["lit_status"] == status]
                style = {"color": PATH_COLOURS[status], "weight": 3 if status != "lit" else 2.5,
                         "show": True, "fields": ["name", "highway", "lit_status"]}
                key = f"paths_{status}"
                group = add_geodataframe(m, sub, name=label(key, lang), style=style, lang=lang)
                registry[key] = (group, len(sub))
                legend.append((label(key, lang), style))
            continue
        style = LAYER_STYLES[kind]
        group = add_geodataframe(m, gdf, name=label(kind, lang), style=style, lang=lang)
        registry[kind] = (group, len(gdf))
        legend.append((label(kind, lang), style))
    add_legend(m, legend, title=label("legend", lang))
    add_layer_registry(m, registry)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def add_geodataframe(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    style: dict[str, Any],
    lang: str | None = None,
) -> folium.FeatureGroup:
    """Add a GeoDataFrame (any CRS) as one toggleable FeatureGroup with a constant style.

    Points are drawn as circle markers of ``style["radius"]`` pixels; tooltips show the
    ``style["fields"]`` columns (default name and kind), HTML-escaped.
    """
    import folium

    group = folium.FeatureGroup(name=name, show=style.get("show", True))
    group.add_to(m)
    if gdf.empty:
        return group
    fields = [f for f in style.get("fields", ["name", "kind"]) if f in gdf.columns]
    data = to_geojson(gdf, fields)
    path_style = {
        "color": style.get("color", "#3388ff"),
        "weight": style.get("weight", 2),
        "opacity": style.get("opacity", 0.9),
        "fill": style.get("fill", "fillColor" in style),
        "fillColor": style.get("fillColor", style.get("color", "#3388ff")),
        "fillOpacity": style.get("fillOpacity", 0.45),
    }
    if "dash" in style:
        path_style["dashArray"] = style["dash"]
    tooltip = None
    if fields:
        tooltip = folium.GeoJsonTooltip(fields=fields, aliases=[label(f, lang) for f in fields],
                                        sticky=False)
    folium.GeoJson(
        data,
        name=name,
        style_function=lambda _f, s=path_style: s,
        marker=folium.CircleMarker(radius=style.get("radius", 4), **{
            k: path_style[k] for k in ("color", "weight", "fillColor", "fillOpacity")
        }, fill=True),
        tooltip=tooltip,
        highlight_function=None,
        embed=True,
    ).add_to(group)
    return group


def add_legend(m: folium.Map, entries: list[tuple[str, dict[str, Any]]], *, title: str) -> None:
    """Add a fixed legend box (colour swatch and label per entry) to the map."""
    import folium

    rows = []
    for text, style in entries:
        colour = style.get("fillColor", style.get("color"))
        border = style.get("color", colour)
        rows.append(
            f'<div class="sjobo-legend-row"><span style="display:inline-block;width:14px;'
            f"height:10px;margin-right:6px;background:{colour};border:2px solid {border};"
            f'"></span>{escape_text(text)}</div>'
        )
    box = (
        '<div id="sjobo-legend" style="position:fixed;bottom:28px;right:10px;z-index:900;'
        "background:rgba(255,255,255,.92);padding:6px 10px;font:12px sans-serif;"
        'border:1px solid #999;border-radius:4px;max-height:60vh;overflow:auto;">'
        f"<b>{escape_text(title)}</b>{''.join(rows)}</div>"
    )
    m.get_root().html.add_child(folium.Element(box))  # type: ignore[attr-defined]


def add_layer_registry(m: folium.Map, registry: dict[str, tuple[Any, int]]) -> None:
    """Expose the map's layers to scripts and browser tests as ``window.SJOBO_LAYERS``.

    ``SJOBO_LAYERS[key] = {layer: <L.FeatureGroup>, expected: <feature count>}``. Added as
    the map's last child so that its script runs after the layers are defined.
    """
    from branca.element import MacroElement
    from jinja2 import Template

    entries = ",".join(
        f"{json.dumps(key)}: {{layer: {group.get_name()}, expected: {int(count)}}}"
        for key, (group, count) in registry.items()
    )
    element = MacroElement()
    element._name = "SjoboLayerRegistry"
    element._template = Template(
        "{% macro script(this, kwargs) %}\n"
        "window.SJOBO_LAYERS = Object.assign(window.SJOBO_LAYERS || {}, {" + entries + "});\n"
        "window.SJOBO_MAP = {{ this._parent.get_name() }};\n"
        "{% endmacro %}"
    )
    m.add_child(element)


# --------------------------------------------------------------------------------------


def _to_wgs84_bounds(area: Area) -> tuple[float, float, float, float]:
    import geopandas as gpd

    return tuple(gpd.GeoSeries([area.boundary], crs=area.crs).to_crs(settings.map_crs)
                 .total_bounds)


def to_geojson(gdf: gpd.GeoDataFrame, fields: list[str]) -> dict[str, Any]:
    """WGS84 GeoJSON with rounded coordinates and HTML-escaped text properties."""
    import pandas as pd
    import shapely

    data = gdf[[*fields, gdf.geometry.name]].to_crs(settings.map_crs)
    digits = settings.coordinate_precision
    geoms = shapely.transform(data.geometry.values, lambda xy: np.round(xy, digits))
    props = pd.DataFrame(index=data.index)
    for f in fields:
        s = data[f]
        if pd.api.types.is_float_dtype(s):
            props[f] = s.round(2).astype(object).where(s.notna(), "")
        elif pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s):
            props[f] = s.astype(object)
        else:
            props[f] = s.astype(object).map(lambda v: "" if is_missing_value(v) else escape_text(v))
    features = [
        {"type": "Feature", "properties": p, "geometry": json.loads(g)}
        for p, g in zip(props.to_dict("records"), shapely.to_geojson(geoms).tolist(), strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def is_missing_value(value: Any) -> bool:
    try:
        import pandas as pd

        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _add_background(m: folium.Map, area: Area, lang: str) -> None:
    """A light, non-interactive background of buildings and streets from the extract."""
    import folium

    group = folium.FeatureGroup(name=label("base", lang), show=True, control=True)
    group.add_to(m)
    for kind, style in (
        ("buildings", {"color": "#c8c8c8", "weight": 0.5, "fillColor": "#eeeeee",
                       "fillOpacity": 1.0, "fill": True}),
        ("paths", {"color": "#dddddd", "weight": 5, "fill": False}),
    ):
        gdf = area.layers[kind]
        if gdf.empty:
            continue
        folium.GeoJson(
            to_geojson(gdf, []), style_function=lambda _f, s=style: {**s, "interactive": False},
            interactive=False, embed=True,
        ).add_to(group)
