"""Reports on the map: internal maps with every report, public maps with counted cells only.

:func:`reports_map` draws a :class:`~sjobo_geo.inputs.reports.schema.ReportSet` on the light
background of its area (see :func:`sjobo_geo.maps.base.new_map`):

* **internal** (``public=False``, for the police, the municipality and housing companies):
  every report as a circle marker at its snapped position, one toggleable layer per
  category, all in one marker cluster. A popup shows category, time, source, actor, id and
  the free text. Free text is personal data: internal pages must not be published.
* **public** (``public=True``): no points, no free text, no exact positions. Square cells
  from :func:`sjobo_geo.analysis.privacy.public_aggregate` are drawn, coloured by their number
  of reports (only cells with at least ``k`` reports are shown).

Both carry a time-of-day control (``window.SJOBO_TIME_FILTER(band)`` for scripts and tests)
and, when the reports are synthetic, a banner saying so.

All text that comes from data is HTML-escaped (:func:`html.escape`) in Python before it enters
the page: Leaflet popups and folium tooltips insert their content with ``innerHTML``. Report
text also has its braces escaped (``&#123;``): branca parses every rendered script again as a
Jinja template, so "{{ ... }}" in a report would otherwise be evaluated when the page is
rendered. Report
data are embedded as one JSON array per category, and the markers and popups are built in
the browser, which keeps a page of a few thousand reports small.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import TYPE_CHECKING, Any

from branca.element import MacroElement
from jinja2 import Template

from sjobo_geo import settings
from sjobo_geo.core.i18n import check_lang, label
from sjobo_geo.maps.base import (
    add_layer_registry,
    add_legend,
    escape_text,
    is_missing_value,
    new_map,
    to_geojson,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd

    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = ["CATEGORY_COLOURS", "CELL_COLOURS", "TIME_FILTER_BANDS", "reports_map"]

#: Marker colour of each report category (others take :data:`_EXTRA_COLOURS` in turn).
CATEGORY_COLOURS: dict[str, str] = {
    "otrygghet": "#6a3d9a",
    "belysning": "#ff7f00",
    "skymd_sikt": "#33a02c",
    "skadegorelse": "#b15928",
    "klotter": "#e7298a",
    "nedskrapning": "#8c6d31",
    "brand": "#e31a1c",
    "trafik": "#1f78b4",
    "ungdomar": "#17becf",
    "narkotika": "#9c9e1e",
    "hot_vald": "#800026",
    "stold": "#393b79",
    "ordningsstorning": "#d95f02",
    "annat": "#666666",
}
_EXTRA_COLOURS = ("#4daf4a", "#984ea3", "#a65628", "#f781bf", "#377eb8", "#999999")

#: Sequential fill colours of public cells, few reports to many (ColorBrewer YlOrRd).
CELL_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")

#: Options of the time-of-day control, in order; "all" shows everything.
TIME_FILTER_BANDS = ("all", "night", "morning", "day", "evening", "unknown")

_CELL_COLUMNS = ("cell_id", "category", "time_band", "n")


def reports_map(
    reports: ReportSet,
    area: Area,
    m: folium.Map | None = None,
    *,
    public: bool = False,
    cells: gpd.GeoDataFrame | None = None,
    lang: str | None = None,
    tiles: bool = True,
    k: int = 5,
    measures: Any = None,
) -> folium.Map:
    """A Folium map of reports: every report (internal) or counted cells only (public).

    Parameters
    ----------
    reports : ReportSet
        Validated reports (geometry: snapped position in the area's metric CRS).
    area : Area
        The area; gives the background and the map extent.
    m : folium.Map, optional
        Map to draw on; a new one (see :func:`~sjobo_geo.maps.base.new_map`) when None.
    public : bool, default False
        False: internal map with a marker and a popup (including free text) per report, one
        layer per category in one marker cluster. True: a page that may be published; it
        holds no report position, text, actor or id, only ``cells``.
    cells : geopandas.GeoDataFrame, optional
        Needed when `public`: the output of
        :func:`sjobo_geo.analysis.privacy.public_aggregate` (columns ``cell_id``,
        ``category`` (code or "all"), ``time_band`` ("all" or a band), ``n``, ``weight``,
        square cell polygons). Cells with ``n < k`` are dropped again here, so the note on
        the page always holds. Ignored for internal maps.
    lang : {"sv", "en"}, optional
        Language of labels; ``settings.lang`` (Swedish) by default.
    tiles : bool, default True
        OpenStreetMap tiles (online use). Offline pages use False.
    k : int, default 5
        Smallest number of reports in a public cell (as used by ``public_aggregate``).
    measures : MeasureSet or geopandas.GeoDataFrame, optional
        A measures register to draw as a layer of its own (see
        :func:`sjobo_geo.maps.measures.add_measures`); fine on public maps too (its
        internal note is never drawn).

    Returns
    -------
    folium.Map
        The map; nothing is saved (use :func:`sjobo_geo.maps.offline.save_map`).

    Raises
    ------
    ValueError
        `public` without `cells`, or `cells` lacking the columns above.

    Notes
    -----
    Layers are registered in ``window.SJOBO_LAYERS`` as ``reports_<category>`` (internal:
    ``L.FeatureGroup.SubGroup`` of the cluster, ``expected`` = markers) or ``cells_<category>``
    and ``cells_all`` (public: ``L.FeatureGroup``, ``expected`` = cells of band "all").
    ``window.SJOBO_TIME_FILTER(band)`` shows one time band ("all", "night", "morning",
    "day", "evening", "unknown") in every layer; the control's element has id
    ``sjobo-time-filter``.
    """
    import folium

    lang = check_lang(lang)
    if public and cells is None:
        raise ValueError(
            "a public reports map needs cells: pass "
            f"cells=sjobo_geo.analysis.privacy.public_aggregate(reports, k={k}) (reports "
            "counted in grid cells; a public map never shows single reports)"
        )
    new = m is None
    if m is None:
        m = new_map(area, tiles=tiles, lang=lang)
    if reports.synthetic:
        add_synthetic_banner(m, lang)
    if public:
        assert cells is not None
        _add_cells(m, cells, area, lang=lang, k=k)
    else:
        _add_reports(m, reports.reports, lang=lang)
    _add_time_filter(m, lang)
    if measures is not None:
        from sjobo_geo.maps.measures import add_measures

        add_measures(m, measures, lang=lang)
    if new or not any(isinstance(c, folium.LayerControl) for c in m._children.values()):
        folium.LayerControl(collapsed=False).add_to(m)
    return m


# ------------------------------------------------------------------------------ internal


def _add_reports(m: folium.Map, gdf: gpd.GeoDataFrame, *, lang: str) -> None:
    """One marker cluster, one subgroup per category, markers built in the browser."""
    import folium
    from folium.plugins import FeatureGroupSubGroup, MarkerCluster

    rows = _report_rows(gdf, lang)
    cluster = MarkerCluster(control=False, maxClusterRadius=40, showCoverageOnHover=False)
    cluster.add_to(m)
    groups = []
    registry: dict[str, tuple[Any, int]] = {}
    legend = []
    for n, code in enumerate(_ordered_codes(rows)):
        name = _category_label(code, lang)
        colour = _category_colour(code, n)
        sub = FeatureGroupSubGroup(cluster, name=name, show=True)
        sub.add_to(m)
        style = {"radius": 7, "color": colour, "weight": 2, "fillColor": colour,
                 "fillOpacity": 0.75}
        groups.append((sub, _esc(name), style, rows[code]))
        registry[f"reports_{code}"] = (sub, len(rows[code]))
        legend.append((f"{name} ({len(rows[code])})", style))
    labels = {key: _esc(label(key, lang))
              for key in ("time", "source", "actor", "report_id", "report_text")}
    element = _Script(_markers_js(m, groups, labels))
    element._name = "SjoboReportMarkers"
    m.add_child(element)
    m.get_root().header.add_child(folium.Element(_POPUP_CSS))  # type: ignore[attr-defined]
    if legend:
        add_legend(m, legend, title=label("reports", lang))
    add_layer_registry(m, registry)


def _report_rows(gdf: gpd.GeoDataFrame, lang: str) -> dict[str, list[list[Any]]]:
    """Per category code: ``[lat, lon, band, id, time, source, actor, text]`` per report.

    Reports without a geometry are left out. Every text is HTML-escaped.
    """
    import pandas as pd
    import shapely

    from sjobo_geo.inputs.reports.schema import SOURCES

    out: dict[str, list[list[Any]]] = {}
    if gdf.empty:
        return out
    geoms = gdf.geometry
    ok = geoms.notna() & ~geoms.is_empty
    data = gdf[ok]
    if data.empty:
        return out
    wgs = data.geometry.representative_point().to_crs(settings.map_crs)  # points stay as is
    digits = settings.coordinate_precision
    lon = shapely.get_x(wgs.values).round(digits)
    lat = shapely.get_y(wgs.values).round(digits)

    def column(name: str) -> pd.Series:
        if name in data.columns:
            return data[name]
        return pd.Series([pd.NA] * len(data), index=data.index, dtype=object)

    bands = TIME_FILTER_BANDS[1:]
    records = zip(
        lat.tolist(), lon.tolist(), column("category"), column("time_band"),
        column("report_id"), column("timestamp"), column("weekday"), column("hour"),
        column("source"), column("actor"), column("text"), strict=True,
    )
    for y, x, cat, band, rid, ts, wd, hour, src, actor, text in records:
        code = "annat" if is_missing_value(cat) else _safe_code(cat)
        band = band if isinstance(band, str) and band in bands else "unknown"
        if is_missing_value(src):
            source = ""
        else:
            entry = SOURCES.get(str(src))
            source = (entry[0] if lang == "sv" else entry[1]) if entry else str(src)
        out.setdefault(code, []).append([
            y, x, band, _esc(rid), _esc(_time_text(ts, wd, hour, band, lang)), _esc(source),
            _esc(actor), _esc(text),
        ])
    return out


def _time_text(ts: Any, weekday: Any, hour: Any, band: str, lang: str) -> str:
    """Timestamp, else weekday and time of day, with the time band; "Okänd tid" if none."""
    hour_text = ""
    if not is_missing_value(hour):
        minutes = int(round(float(hour) * 60)) % (24 * 60)
        hour_text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    if not is_missing_value(ts):
        day = label(f"weekday_{ts.weekday()}", lang)
        when = f"{ts:%Y-%m-%d %H:%M}" if hour_text or ts.hour or ts.minute else f"{ts:%Y-%m-%d}"
        text = f"{when} ({day})"
    else:
        parts = []
        if not is_missing_value(weekday) and 0 <= int(weekday) <= 6:
            parts.append(label(f"weekday_{int(weekday)}", lang))
        if hour_text:
            parts.append(f"kl. {hour_text}" if lang == "sv" else hour_text)
        text = " ".join(parts)
    if not text:
        return label("band_unknown", lang)
    if band != "unknown":
        text += f" · {label(f'band_{band}', lang)}"
    return text


def _markers_js(m: folium.Map, groups: list[tuple[Any, str, dict, list]],
                labels: dict[str, str]) -> str:
    entries = ",\n".join(
        f"{{sub: {sub.get_name()}, label: {_js(name)}, style: {_js(style)}, rows: {_js(rows)}}}"
        for sub, name, style, rows in groups
    )
    return (
        "(function () {\n"
        f"var map = {m.get_name()};\n"
        f"var LBL = {_js(labels)};\n"
        f"var groups = [\n{entries}\n];\n"
        + _MARKERS_JS
        + "})();"
    )


# Rows: [lat, lon, band, id, time, source, actor, text]; every string is HTML-escaped already.
_MARKERS_JS = """
function popup(name, r) {
  var h = '<div class="sjobo-report"><div class="sjobo-report-category">' + name + '</div>'
        + '<table class="sjobo-report-fields">';
  [[LBL.time, r[4]], [LBL.source, r[5]], [LBL.actor, r[6]], [LBL.report_id, r[3]]]
    .forEach(function (p) {
      if (p[1]) { h += '<tr><th>' + p[0] + '</th><td>' + p[1] + '</td></tr>'; }
    });
  h += '</table>';
  if (r[7]) {
    h += '<div class="sjobo-report-text-label">' + LBL.report_text + '</div>'
       + '<div class="sjobo-report-text">' + r[7] + '</div>';
  }
  return h + '</div>';
}
groups.forEach(function (g) {
  g.markers = g.rows.map(function (r) {
    var marker = L.circleMarker([r[0], r[1]], g.style);
    marker.sjobo = {band: r[2], id: r[3]};
    marker.bindPopup(function () { return popup(g.label, r); }, {maxWidth: 340});
    return marker;
  });
  g.rows = null;
});
// Put the markers of one band (or all) in each subgroup. A subgroup on the map is taken
// off first and put back after, so the cluster gets one batch update (addLayers).
function show(band) {
  groups.forEach(function (g) {
    var sub = g.sub, on = map.hasLayer(sub);
    if (on) { map.removeLayer(sub); }
    g.markers.forEach(function (marker) {
      if (band === 'all' || marker.sjobo.band === band) { sub.addLayer(marker); }
      else { sub.removeLayer(marker); }
    });
    if (on) { map.addLayer(sub); }
  });
}
show('all');
window.SJOBO_TIME_FILTERS = window.SJOBO_TIME_FILTERS || [];
window.SJOBO_TIME_FILTERS.push(show);
"""

_POPUP_CSS = """<style>
.sjobo-report { font: 12px/1.35 sans-serif; max-width: 320px; }
.sjobo-report-category { font-weight: bold; font-size: 13px; margin-bottom: 3px; }
.sjobo-report-fields th { text-align: left; padding-right: 8px; vertical-align: top;
  font-weight: 600; color: #444; }
.sjobo-report-text-label { margin-top: 5px; padding-top: 4px; border-top: 1px solid #ddd;
  font-weight: 600; color: #444; }
.sjobo-report-text { white-space: pre-wrap; max-height: 180px; overflow: auto; }
</style>"""


# ------------------------------------------------------------------------------ public


def _add_cells(m: folium.Map, cells: gpd.GeoDataFrame, area: Area, *, lang: str,
               k: int) -> None:
    """One FeatureGroup per category (and "all"), one GeoJson per time band inside."""
    import folium

    missing = [c for c in _CELL_COLUMNS if c not in cells.columns]
    if missing or not hasattr(cells, "geometry"):
        raise ValueError(
            f"cells lack the columns {', '.join(missing) or 'geometry'}; pass the output of "
            "sjobo_geo.analysis.privacy.public_aggregate(...)"
        )
    if cells.crs is not None and area.crs is not None and cells.crs != area.crs:
        cells = cells.to_crs(area.crs)
    cells = cells.assign(category=cells["category"].map(_safe_code))
    cells = cells[(cells["n"] >= k) & cells.geometry.notna() & ~cells.geometry.is_empty]
    size = _cell_size(cells, cells.attrs.get("cell_size"))
    classes = _n_classes(cells["n"].astype(int).tolist())
    note = label("min_k_note", lang).format(k=k)
    path_style = {"color": "#555555", "weight": 0.6, "opacity": 0.8, "fillOpacity": 0.6}

    def style(feature: dict[str, Any], s: dict[str, Any] = path_style) -> dict[str, Any]:
        return {**s, "fillColor": _class_colour(classes, feature["properties"]["n"])}

    codes = [c for c in _ordered_codes({c: [] for c in cells["category"].astype(str)})
             if c != "all"]
    registry: dict[str, tuple[Any, int]] = {}
    groups = []
    fields = ["category", "time_band", "n", "min_k"]
    aliases = [label(f, lang) for f in ("category", "time_filter", "n_reports", "min_k")]
    for code in ["all", *codes]:
        name = label("all_categories", lang) if code == "all" else _category_label(code, lang)
        group = folium.FeatureGroup(name=name, show=code == "all")
        group.add_to(m)
        of_code = cells[cells["category"].astype(str) == code]
        bands = {}
        for band in TIME_FILTER_BANDS:
            sub = of_code[of_code["time_band"].astype(str) == band]
            if sub.empty:
                continue
            props = sub[[sub.geometry.name]].copy()
            props["category"] = name
            props["time_band"] = label(f"band_{band}", lang)
            props["n"] = sub["n"].astype(int)
            props["min_k"] = note
            layer = folium.GeoJson(
                to_geojson(props, fields),
                style_function=style,
                highlight_function=None,
                tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
                embed=True,
            )
            layer.add_to(group)
            bands[band] = layer
        groups.append((group, bands))
        registry[f"cells_{code}"] = (group, int((of_code["time_band"] == "all").sum()))
    element = _Script(_cells_js(groups))
    element._name = "SjoboReportCells"
    m.add_child(element)
    legend = [(text, {"fillColor": colour, "color": "#555555"}) for text, _lo, colour in classes]
    add_legend(m, legend, title=f"{label('cells_legend', lang)} ({note})")
    _add_public_note(m, label("public_note", lang).format(size=size, k=k),
                     top=34 if getattr(m, "_sjobo_synthetic_banner", False) else 8)
    add_layer_registry(m, registry)


def _cell_size(cells: gpd.GeoDataFrame, default: Any = None) -> str:
    """Side of the (square) cells in metres from the first cell's bounds (else `default`,
    ``public_aggregate``'s ``attrs["cell_size"]``); "?" when neither is known."""
    if cells.empty:
        if default is None:
            return "?"
        side = float(default)
    else:
        minx, miny, maxx, maxy = cells.geometry.iloc[0].bounds
        side = max(maxx - minx, maxy - miny)
    return f"{side:.0f}" if side >= 10 else f"{side:.1f}"


def _n_classes(values: list[int]) -> list[tuple[str, int, str]]:
    """Up to five classes of n: (range text, lower bound, colour), from quantiles."""
    import numpy as np

    if not values:
        return []
    lo, hi = min(values), max(values)
    cuts = np.quantile(values, [0.2, 0.4, 0.6, 0.8])
    lows = sorted({lo, *(int(math.ceil(c)) for c in cuts if lo < math.ceil(c) <= hi)})
    out = []
    for i, low in enumerate(lows):
        high = lows[i + 1] - 1 if i + 1 < len(lows) else hi
        text = str(low) if low == high else f"{low}–{high}"
        pick = round(i * (len(CELL_COLOURS) - 1) / (len(lows) - 1)) if len(lows) > 1 else 2
        out.append((text, low, CELL_COLOURS[pick]))
    return out


def _class_colour(classes: list[tuple[str, int, str]], n: int) -> str:
    colour = CELL_COLOURS[0]
    for _text, low, c in classes:
        if n >= low:
            colour = c
    return colour


def _cells_js(groups: list[tuple[Any, dict[str, Any]]]) -> str:
    entries = ",\n".join(
        f"{{group: {group.get_name()}, bands: {{"
        + ", ".join(f"{_js(b)}: {layer.get_name()}" for b, layer in bands.items())
        + "}}"
        for group, bands in groups
    )
    return (
        "(function () {\n"
        f"var groups = [\n{entries}\n];\n"
        """function show(band) {
  groups.forEach(function (g) {
    Object.keys(g.bands).forEach(function (b) {
      var layer = g.bands[b];
      if (b === band) { if (!g.group.hasLayer(layer)) { g.group.addLayer(layer); } }
      else if (g.group.hasLayer(layer)) { g.group.removeLayer(layer); }
    });
  });
}
show('all');
window.SJOBO_TIME_FILTERS = window.SJOBO_TIME_FILTERS || [];
window.SJOBO_TIME_FILTERS.push(show);
})();"""
    )


def _add_public_note(m: folium.Map, text: str, *, top: int) -> None:
    import folium

    m.get_root().html.add_child(folium.Element(  # type: ignore[attr-defined]
        f'<div id="sjobo-public-note" style="position:fixed;top:{top}px;left:50%;'
        "transform:translateX(-50%);z-index:1000;background:rgba(255,255,255,.92);"
        "border:1px solid #999;border-radius:4px;padding:3px 10px;font:12px sans-serif;"
        f'max-width:60vw;text-align:center;pointer-events:none;">{html.escape(text)}</div>'
    ))


# ------------------------------------------------------------------------------ shared


def _add_time_filter(m: folium.Map, lang: str) -> None:
    """The time-of-day control (once per map) and ``window.SJOBO_TIME_FILTER``."""
    if getattr(m, "_sjobo_time_filter", False):
        return
    options = [[band, label(f"band_{band}", lang)] for band in TIME_FILTER_BANDS]
    element = _Script(
        "(function () {\n"
        f"var map = {m.get_name()};\n"
        f"var title = {_js(label('time_filter', lang))};\n"
        f"var bands = {_js(options)};\n"
        + _TIME_FILTER_JS
        + "})();"
    )
    element._name = "SjoboTimeFilter"
    m.add_child(element)
    m._sjobo_time_filter = True  # type: ignore[attr-defined]


# Labels are set with textContent, so they need no escaping.
_TIME_FILTER_JS = """
var Control = L.Control.extend({
  options: {position: 'topleft'},
  onAdd: function () {
    var div = L.DomUtil.create('div', 'leaflet-bar sjobo-time-filter');
    div.id = 'sjobo-time-filter';
    div.style.cssText = 'background:#fff;padding:4px 6px;font:12px sans-serif;';
    var text = L.DomUtil.create('label', '', div);
    text.textContent = title;
    text.htmlFor = 'sjobo-time-filter-select';
    text.style.cssText = 'display:block;font-weight:bold;margin-bottom:2px;';
    var select = L.DomUtil.create('select', '', div);
    select.id = 'sjobo-time-filter-select';
    bands.forEach(function (b) {
      var option = document.createElement('option');
      option.value = b[0];
      option.textContent = b[1];
      select.appendChild(option);
    });
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    L.DomEvent.on(select, 'change', function () { window.SJOBO_TIME_FILTER(select.value); });
    return div;
  }
});
new Control().addTo(map);
window.SJOBO_TIME_FILTERS = window.SJOBO_TIME_FILTERS || [];
window.SJOBO_TIME_FILTER = function (band) {
  if (!bands.some(function (b) { return b[0] === band; })) {
    throw new Error('sjobo-geo: unknown time band ' + band);
  }
  window.SJOBO_TIME_FILTERS.forEach(function (f) { f(band); });
  var select = document.getElementById('sjobo-time-filter-select');
  if (select) { select.value = band; }
  window.SJOBO_TIME_BAND = band;
  return band;
};
window.SJOBO_TIME_BAND = 'all';
"""


def add_synthetic_banner(m: folium.Map, lang: str) -> None:
    import folium

    if getattr(m, "_sjobo_synthetic_banner", False):
        return
    m.get_root().html.add_child(folium.Element(  # type: ignore[attr-defined]
        '<div id="sjobo-synthetic-banner" style="position:fixed;top:0;left:50%;'
        "transform:translateX(-50%);z-index:1001;background:#b30000;color:#fff;"
        "font:bold 14px sans-serif;padding:5px 16px;border-radius:0 0 5px 5px;"
        f'pointer-events:none;">{html.escape(label("synthetic_banner", lang))}</div>'
    ))
    m._sjobo_synthetic_banner = True  # type: ignore[attr-defined]


class _Script(MacroElement):
    """A script placed among the map's scripts (after the layers it refers to).

    The code is passed as a variable, never as template source, so data can hold "{{"."""

    _template = Template("{% macro script(this, kwargs) %}\n{{ this.js }}\n{% endmacro %}")

    def __init__(self, js: str) -> None:
        super().__init__()
        self.js = js


def _js(value: Any) -> str:
    """JSON for a script element: no ``</`` or ``<!--`` that could end or confuse it."""
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            .replace("</", "<\\/").replace("<!--", "<\\!--"))


def _esc(value: Any) -> str:
    """HTML-escape data text, braces included (see :func:`sjobo_geo.maps.base.escape_text`)."""
    return escape_text(value)


def _safe_code(code: Any) -> str:
    """A category code fit for layer keys and labels: ASCII letters, digits, "_" and "-".

    Codes normally come from CATEGORIES; one that does not (a bug upstream) must still not
    carry markup or Jinja syntax into layer names, legends and registry keys.
    """
    return re.sub(r"[^\w-]", "_", str(code), flags=re.ASCII)


def _ordered_codes(by_code: dict[str, Any]) -> list[str]:
    """Category codes in the order of CATEGORIES, then unknown codes sorted."""
    from sjobo_geo.inputs.reports.schema import CATEGORIES

    known = [c for c in CATEGORIES if c in by_code]
    return known + sorted(c for c in by_code if c not in CATEGORIES)


def _category_label(code: str, lang: str) -> str:
    from sjobo_geo.inputs.reports.schema import CATEGORIES

    cat = CATEGORIES.get(code)
    if cat is None:
        return code
    return cat.sv if lang == "sv" else cat.en


def _category_colour(code: str, n: int) -> str:
    return CATEGORY_COLOURS.get(code) or _EXTRA_COLOURS[n % len(_EXTRA_COLOURS)]
