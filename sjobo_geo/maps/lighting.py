"""The lighting-gaps map: courtyards, lamp data coverage, modelled illuminance, gaps, proposals.

:func:`lighting_map` draws a :class:`~sjobo_geo.analysis.lighting.analysis.LightingAnalysis`
on the light background of its area (:func:`~sjobo_geo.maps.base.new_map`):

* first, every courtyard coloured by its verdict (modelled dark, partly dark, partly
  covered by lamp data, no lamp data, compliant;
  :func:`~sjobo_geo.analysis.lighting.courtyards.courtyard_lighting`), and a box listing
  them darkest first: the question the page answers first is "which courtyards are dark?";
* a box stating the lamp data coverage (share of lit-tagged length with a known lamp in
  reach, :mod:`~sjobo_geo.analysis.lighting.coverage`); below the threshold the page title
  says it shows where lamps must be inventoried, not where it is dark;
* the surfaces no known lamp reaches, in grey: there the model knows nothing;
* the horizontal illuminance on the covered surfaces as polygons per lux class
  (:func:`~sjobo_geo.analysis.lighting.analysis.illuminance_classes`: cells of the model
  grid merged into polygons in metres, never a heatmap with a radius in screen pixels);
* path gaps (consecutive gap pieces of a path drawn as one line, covered paths only)
  coloured by what OSM says of the path: tagged unlit, lighting unknown, tagged lit but
  modelled dark; and apart from them the stretches tagged lit whose lamps are missing from
  the data (never drawn as dark);
* dark patches of squares, courtyards and schoolyards, and the surfaces below their class
  average;
* lamps by status, proposed new lamps (numbered, each saying which gap it fixes and by how
  much), and the facade stretches around the square (dark and lit).

Every layer is registered in ``window.SJOBO_LAYERS`` (see
:func:`~sjobo_geo.maps.base.add_layer_registry`); the legend and labels are Swedish or
English. Text from data goes through :func:`~sjobo_geo.maps.base.escape_text` (in
:func:`~sjobo_geo.maps.base.add_geodataframe` for tooltips, explicitly for the boxes).
When the ranking used synthetic reports the page carries the synthetic-data banner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sjobo_geo.core.i18n import check_lang, label
from sjobo_geo.maps.base import (
    add_geodataframe,
    add_layer_registry,
    add_legend,
    escape_text,
    new_map,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from sjobo_geo.analysis.lighting.analysis import LightingAnalysis
    from sjobo_geo.analysis.lighting.facades import FacadeLighting
    from sjobo_geo.analysis.lighting.proposals import LampRecommendation

__all__ = ["COURTYARD_COLOURS", "GAP_COLOURS", "LAMP_COLOURS", "LUX_COLOURS",
           "MISSING_COLOUR", "coverage_lines", "lighting_map", "lighting_title"]

#: Fill colours of the lux classes, dark to bright (matplotlib's "plasma", 6 steps).
LUX_COLOURS = ("#0d0887", "#6a00a8", "#b12a90", "#e16462", "#fca636", "#f0f921")
#: Line colours of path gaps by gap type.
GAP_COLOURS = {"tagged_unlit": "#00e5ff", "unknown_lit": "#ff8c00",
               "lit_modelled_dark": "#ff1a1a"}
#: Line colour of stretches tagged lit whose lamps are missing from the data (not a gap), and
#: fill of the surfaces no known lamp reaches: grey, the colour of "not known".
MISSING_COLOUR = "#8c8c8c"
#: Fill colours of courtyards by verdict: red dark, orange partly dark, green compliant, and
#: blues for "not known: inventory it" (unlike the grey of uncovered paths, a courtyard is a
#: place someone owns and can inventory, so it must stand out).
COURTYARD_COLOURS = {"modelled_dark": "#d7191c", "partly_dark": "#fdae61",
                     "partly_covered": "#9ecae1", "no_lamp_data": "#2171b5",
                     "compliant": "#1a9641"}
#: Marker fill colours of lamps by status.
LAMP_COLOURS = {"working": "#ffd92f", "unknown": "#fff3b0", "broken": "#000000",
                "planned": "#9e9ac8"}

_SIMPLIFY_M = 0.75  # map polygons only (cell staircases become diagonals); the GeoPackage
#                    keeps the exact cell outlines


def lighting_map(
    analysis: LightingAnalysis,
    m: folium.Map | None = None,
    *,
    recommendation: LampRecommendation | None = None,
    facades: FacadeLighting | None = None,
    classes: gpd.GeoDataFrame | None = None,
    courtyards: gpd.GeoDataFrame | None = None,
    uncovered: gpd.GeoDataFrame | None = None,
    lang: str | None = None,
    tiles: bool = True,
    measures: Any = None,
) -> folium.Map:
    """A Folium map of the lighting model and its gaps.

    Parameters
    ----------
    analysis : LightingAnalysis
        From :func:`~sjobo_geo.analysis.lighting.analysis.analyse_lighting` (or the
        ``analysis`` of :func:`~sjobo_geo.analysis.lighting.gaps.analyse_lighting_gaps`).
    m : folium.Map, optional
        Map to draw on; a new one for ``analysis.area`` when None.
    recommendation : LampRecommendation, optional
        Proposed lamps to draw.
    facades : FacadeLighting, optional
        Facade stretches to draw.
    classes : geopandas.GeoDataFrame, optional
        :func:`~sjobo_geo.analysis.lighting.analysis.illuminance_classes` of the analysis
        (computed when not given).
    courtyards : geopandas.GeoDataFrame, optional
        :func:`~sjobo_geo.analysis.lighting.courtyards.courtyard_lighting` of the analysis
        (computed when not given): the first layer, and the first box.
    uncovered : geopandas.GeoDataFrame, optional
        :func:`~sjobo_geo.analysis.lighting.analysis.uncovered_cells` of the analysis
        (computed when not given).
    lang : {"sv", "en"}, optional
        Language of labels; Swedish by default.
    tiles : bool, default True
        OpenStreetMap tiles (online use). Offline pages use False.
    measures : MeasureSet or geopandas.GeoDataFrame, optional
        A measures register drawn as a layer of its own
        (:func:`sjobo_geo.maps.measures.add_measures`).

    Returns
    -------
    folium.Map

    Notes
    -----
    Registered layers: ``courtyards`` (first), ``uncovered``, ``lux_0`` … ``lux_5``
    (illuminance classes of covered cells), ``gaps_tagged_unlit``, ``gaps_unknown_lit``,
    ``gaps_lit_modelled_dark``, ``lamp_data_missing``, ``dark_patches``,
    ``below_average``, ``lamps_<status>``, ``proposed_lamps``, ``facades_dark``,
    ``facades_lit``. Boxes: ``sjobo-lighting-coverage`` (the coverage),
    ``sjobo-lighting-courtyards`` (courtyards, darkest first) and
    ``sjobo-lighting-figures``; the page title is :func:`lighting_title`.

    Examples
    --------
    >>> from sjobo_geo.analysis.lighting.gaps import analyse_lighting_gaps
    >>> gaps = analyse_lighting_gaps(area)  # doctest: +SKIP
    >>> m = lighting_map(gaps.analysis, recommendation=gaps.recommendation,
    ...                  courtyards=gaps.courtyards, lang="en")  # doctest: +SKIP
    """
    import folium
    import shapely

    from sjobo_geo.analysis.lighting.analysis import (
        GAP_TYPES,
        illuminance_classes,
        uncovered_cells,
    )

    lang = check_lang(lang)
    area = analysis.area
    new = m is None
    if m is None:
        m = new_map(area, tiles=tiles, lang=lang)
    if analysis.synthetic:
        from sjobo_geo.maps.reports import add_synthetic_banner

        add_synthetic_banner(m, lang)
    registry: dict[str, tuple[Any, int]] = {}
    legend: list[tuple[str, dict[str, Any]]] = []
    m.get_root().title = escape_text(lighting_title(analysis.coverage, lang))

    # courtyards first: "which of our courtyards are dark?"
    if courtyards is None:
        from sjobo_geo.analysis.lighting.courtyards import courtyard_lighting

        courtyards = courtyard_lighting(analysis)
    yard_group = _add_courtyards(m, courtyards, legend, lang)
    registry["courtyards"] = (yard_group, len(courtyards))

    # where no known lamp reaches: grey, not dark
    unc = (uncovered_cells(analysis) if uncovered is None else uncovered).copy()
    if len(unc):
        unc["geometry"] = shapely.simplify(unc.geometry.values, _SIMPLIFY_M,
                                           preserve_topology=True)
    style = {"color": MISSING_COLOUR, "fillColor": MISSING_COLOUR, "weight": 0,
             "fillOpacity": 0.35, "opacity": 0.0, "show": True, "fields": ["area_m2"]}
    name = label("uncovered_layer", lang)
    registry["uncovered"] = (add_geodataframe(m, unc, name=name, style=style, lang=lang),
                             len(unc))
    legend.append((name, style))

    # illuminance polygons (covered cells)
    if classes is None:
        classes = illuminance_classes(analysis)
    polys = classes.rename(columns={"label": "lux_label"})
    if len(polys):
        polys["geometry"] = shapely.simplify(polys.geometry.values, _SIMPLIFY_M,
                                             preserve_topology=True)
    n_classes = len(LUX_COLOURS)
    for i in range(n_classes):
        sub = polys[polys["lux_class"] == i] if len(polys) else polys
        text = (sub["lux_label"].iloc[0] if len(sub) else _lux_text(i))
        name = f"{label('lux_layer', lang)}: {text}"
        style = {"color": LUX_COLOURS[i], "fillColor": LUX_COLOURS[i], "weight": 0,
                 "fillOpacity": 0.55, "opacity": 0.0, "show": True,
                 "fields": ["lux_label", "area_m2"]}
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        registry[f"lux_{i}"] = (group, len(sub))
        legend.append((name, style))

    # gaps
    gaps = analysis.gaps.rename(columns={"rank": "gap_rank"})  # own label keys
    fields = ["gap_rank", "gap_id", "name", "p_class", "required_lux", "modelled_lux", "size",
              "size_unit", "reports_factor", "importance", "exposure", "nearest_street",
              "nearest_address"]
    stretches = gaps[gaps["gap_kind"] == "path_stretch"]
    for gap_type in GAP_TYPES:
        sub = stretches[stretches["gap_type"] == gap_type]
        style = {"color": GAP_COLOURS[gap_type], "weight": 4, "opacity": 0.95,
                 "show": True, "fields": [*fields, "pieces"]}
        name = label(f"gaps_{gap_type}", lang)
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        registry[f"gaps_{gap_type}"] = (group, len(sub))
        legend.append((f"{name} ({len(sub)})", style))
    # tagged lit, no lamp in the data: a class of its own, drawn apart from the dark ones
    missing = analysis.data_stretches
    missing = missing[missing["lamp_data"] == "lamp_data_missing"]
    style = {"color": MISSING_COLOUR, "weight": 3, "opacity": 0.95, "dash": "2 5",
             "show": True, "fields": ["stretch_id", "name", "highway", "length_m"]}
    name = label("gaps_lamp_data_missing", lang)
    registry["lamp_data_missing"] = (add_geodataframe(m, missing, name=name, style=style,
                                                      lang=lang), len(missing))
    legend.append((f"{name} ({missing['length_m'].sum() / 1000:.1f} km)", style))
    for kind, style in (
        ("dark_patch", {"color": "#ff1a1a", "weight": 1.2, "fill": False, "show": True}),
        ("below_average", {"color": "#ffffff", "weight": 2.5, "fill": False, "dash": "6 4",
                           "show": True}),
    ):
        sub = gaps[gaps["gap_kind"] == kind]
        key = "dark_patches" if kind == "dark_patch" else "below_average"
        style = {**style, "fields": ["gap_rank", "gap_id", "surface_kind", "name", "p_class",
                                     "criterion", "required_lux", "modelled_lux", "size",
                                     "exposure", "nearest_address"]}
        name = label(key, lang)
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        registry[key] = (group, len(sub))
        legend.append((f"{name} ({len(sub)})", {**style, "fillColor": "#555555"}))

    # lamps by status
    lamps = analysis.lamps
    status = (lamps["status"].astype("string").fillna("unknown") if "status" in lamps
              else None)
    for st, colour in LAMP_COLOURS.items():
        sub = lamps[status == st] if status is not None else lamps.iloc[0:0]
        if st == "planned" and sub.empty:
            continue
        style = {"color": "#333333" if st != "broken" else "#ff1a1a", "fillColor": colour,
                 "weight": 1, "radius": 3.5, "fillOpacity": 0.95, "show": True,
                 "fields": ["lamp_id", "status", "mount_height_m", "flux_lm", "owner"]}
        name = label(f"lamps_{st}", lang)
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        registry[f"lamps_{st}"] = (group, len(sub))
        legend.append((f"{name} ({len(sub)})", style))

    # proposals
    if recommendation is not None:
        sub = recommendation.lamps.copy()
        sub["target_text"] = [label(f"target_{t}", lang) for t in sub["target"]]
        sub["fix_text"] = [label("proposal_fix", lang).format(
            gap=r["gap_id"] or "–", before=f"{r['lux_before']:.1f}",
            after=f"{r['lux_after']:.1f}", m=f"{r['fixed_length_m']:.0f}",
            m2=f"{r['fixed_area_m2']:.0f}") for r in sub.to_dict("records")]
        style = {"color": "#003d1f", "fillColor": "#00c853", "weight": 2, "radius": 8,
                 "fillOpacity": 0.95, "show": True,
                 "fields": ["proposal", "target_text", "fix_text", "p_class", "spacing_m",
                            "fixed_exposure", "nearest_street"]}
        name = label("proposed_lamps", lang)
        group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
        for _, row in sub.to_crs("EPSG:4326").iterrows():  # ≤ n proposals: their numbers
            folium.Marker(
                [row.geometry.y, row.geometry.x],
                icon=folium.DivIcon(html=(
                    '<div style="font:bold 11px sans-serif;color:#fff;text-align:center;'
                    f'width:16px;margin:-7px 0 0 -8px">{int(row["proposal"])}</div>')),
                interactive=False,
            ).add_to(m)
        registry["proposed_lamps"] = (group, len(sub))
        legend.append((f"{name} ({len(sub)})", style))

    # facades
    if facades is not None:
        for dark, key, style in (
            (True, "facades_dark", {"color": "#7b3294", "weight": 6, "opacity": 0.95}),
            (False, "facades_lit", {"color": "#fee08b", "weight": 5, "opacity": 0.95}),
        ):
            sub = facades.facades[facades.facades["dark"] == dark]
            style = {**style, "show": True,
                     "fields": ["building_name", "address", "nearest_address", "length_m",
                                "min_lux", "mean_lux"]}
            name = label(key, lang).format(lux=f"{facades.threshold_lux:g}")
            group = add_geodataframe(m, sub, name=name, style=style, lang=lang)
            registry[key] = (group, len(sub))
            legend.append((f"{name} ({len(sub)})", style))

    if measures is not None:
        from sjobo_geo.maps.measures import add_measures

        add_measures(m, measures, lang=lang, legend=legend)
    add_legend(m, legend, title=label("lighting_legend", lang))
    _add_boxes(m, analysis, courtyards, recommendation, facades, lang)
    _bring_to_front(m, yard_group)
    add_layer_registry(m, registry)
    if new:
        folium.LayerControl(collapsed=True).add_to(m)
    return m


def _lux_text(i: int) -> str:
    from sjobo_geo.analysis.lighting.analysis import LUX_BREAKS

    lo = ([0.0, *LUX_BREAKS])[i]
    return f"> {lo:g} lx" if i >= len(LUX_BREAKS) else f"{lo:g}–{LUX_BREAKS[i]:g} lx"


def lighting_title(coverage: dict[str, Any], lang: str | None = None) -> str:
    """The page title: the modelled lighting, or, when the lamp data cover less than the
    threshold, where lamps must be inventoried (not where it is dark).

    Examples
    --------
    >>> lighting_title({"share": 0.41, "below_threshold": True}, "en")
    'Where lamps must be inventoried, not where it is dark (lamp data cover 41 %)'
    >>> lighting_title({"share": 0.9, "below_threshold": False}, "en")
    'Modelled lighting (EN 13201)'
    """
    if coverage["below_threshold"]:
        share = coverage["share"]
        return label("lighting_title_inventory", lang).format(
            share="–" if share != share else f"{100 * share:.0f}")
    return label("lighting_title", lang)


def coverage_lines(coverage: dict[str, Any], lang: str | None = None) -> list[str]:
    """The lamp data coverage in a few lines of text (the map's box, the CSV headers).

    Parameters
    ----------
    coverage : dict
        :attr:`~sjobo_geo.analysis.lighting.analysis.LightingAnalysis.coverage`.
    lang : {"sv", "en"}, optional

    Returns
    -------
    list of str
        The share covered, the length missing, what the figures count, and below the
        threshold that the outputs show where lamps must be inventoried.

    Examples
    --------
    >>> cov = {"share": 0.4, "lit_length_m": 64000.0, "lamp_data_missing_m": 38000.0,
    ...        "covered_length_m": 35000.0, "uncovered_length_m": 55000.0,
    ...        "uncovered_share": 0.61, "threshold": 0.5, "below_threshold": True}
    >>> coverage_lines(cov, "en")[-1]
    'Below 50 %: this page shows where lamps must be inventoried, not where it is dark.'
    """
    from sjobo_geo.analysis.lighting.coverage import LAMP_REACH_HEIGHTS, LAMP_REACH_MIN_M

    share = coverage["share"]
    lines = []
    if share != share:
        lines.append(label("cov_none", lang))
    else:
        lines.append(label("cov_share", lang).format(
            share=f"{100 * share:.1f}", km=f"{coverage['lit_length_m'] / 1000:.1f}",
            k=f"{coverage.get('reach_heights', LAMP_REACH_HEIGHTS):g}",
            m=f"{coverage.get('reach_min_m', LAMP_REACH_MIN_M):g}"))
        lines.append(label("cov_missing", lang).format(
            km=f"{coverage['lamp_data_missing_m'] / 1000:.1f}"))
    total = coverage["covered_length_m"] + coverage["uncovered_length_m"]
    lines.append(label("cov_basis", lang).format(
        km=f"{coverage['covered_length_m'] / 1000:.1f}", total=f"{total / 1000:.1f}",
        ukm=f"{coverage['uncovered_length_m'] / 1000:.1f}",
        ushare=f"{100 * coverage['uncovered_share']:.1f}"))
    if coverage["below_threshold"]:
        lines.append(label("cov_below", lang).format(
            threshold=f"{100 * coverage['threshold']:.0f}"))
    return lines


def _add_courtyards(m: folium.Map, courtyards: gpd.GeoDataFrame,
                    legend: list[tuple[str, dict[str, Any]]], lang: str) -> Any:
    """One layer of every courtyard, coloured by verdict (a sub-layer per verdict)."""
    import folium

    from sjobo_geo.analysis.lighting.courtyards import COURTYARD_VERDICTS, verdict_text

    group = folium.FeatureGroup(name=f"{label('courtyards_layer', lang)} ({len(courtyards)})",
                                show=True)
    group.add_to(m)
    yards = courtyards.rename(columns={"rank": "cy_rank"})
    if len(yards):
        yards["verdict_text"] = [verdict_text(r, lang) for r in yards.to_dict("records")]
    fields = ["cy_rank", "courtyard_id", "verdict_text", "addresses", "nearest_address",
              "area_m2", "lamps_inside", "lamps_in_reach", "covered_share", "mean_lux",
              "min_lux", "below_min_share"]
    for verdict in COURTYARD_VERDICTS:
        sub = yards[yards["verdict"] == verdict] if len(yards) else yards
        style = {"color": "#08306b" if verdict in ("no_lamp_data", "partly_covered") else
                 "#7f0000" if verdict == "modelled_dark" else "#333333",
                 "fillColor": COURTYARD_COLOURS[verdict], "weight": 2, "fillOpacity": 0.6,
                 "show": True, "fields": fields}
        name = label(f"cy_legend_{verdict}", lang)
        if len(sub):
            add_geodataframe(group, sub, name=name, style=style, lang=lang)
        legend.append((f"{name} ({len(sub)})", style))
    return group


def _bring_to_front(m: folium.Map, group: Any) -> None:
    """Draw a layer above the others once the page has loaded (it was added first, to be
    first in the layer list, and would lie under the illuminance polygons)."""
    from branca.element import MacroElement
    from jinja2 import Template

    element = MacroElement()
    element._name = "SjoboBringToFront"
    element._template = Template(
        "{% macro script(this, kwargs) %}\n"
        f"{group.get_name()}.bringToFront();\n"
        "{% endmacro %}")
    m.add_child(element)


def _box(box_id: str, style: str, title: str, lines: list[str]) -> str:
    body = "".join(f"<div>{escape_text(line)}</div>" for line in lines)
    return (f'<div id="{box_id}" style="{style}"><b>{escape_text(title)}</b>{body}</div>')


def _add_boxes(m: folium.Map, analysis: LightingAnalysis, courtyards: gpd.GeoDataFrame,
               rec: LampRecommendation | None, facades: FacadeLighting | None,
               lang: str) -> None:
    """On the left (under the zoom buttons) the courtyards box, the first thing on the page,
    then the key figures; the coverage box at the top, in the middle."""
    import folium

    from sjobo_geo.analysis.lighting.courtyards import verdict_text

    coverage = analysis.coverage
    below = coverage["below_threshold"]
    top = "40px" if analysis.synthetic else "10px"  # below the synthetic-data banner
    cov_style = (f"position:fixed;top:{top};left:50%;transform:translateX(-50%);z-index:950;"
                 "padding:6px 10px;font:13px sans-serif;max-width:560px;border-radius:4px;"
                 + ("background:#fff3cd;border:2px solid #d9534f;" if below else
                    "background:rgba(255,255,255,.92);border:1px solid #999;"))
    cov_html = _box("sjobo-lighting-coverage", cov_style, label("cov_title", lang),
                    coverage_lines(coverage, lang))

    counts = courtyards["verdict"].value_counts() if len(courtyards) else {}
    if len(courtyards):
        yard_lines = [label("cy_box_counts", lang).format(
            n=len(courtyards), dark=counts.get("modelled_dark", 0),
            partly=counts.get("partly_dark", 0), ok=counts.get("compliant", 0),
            covered=counts.get("partly_covered", 0), none=counts.get("no_lamp_data", 0)),
            label("cy_box_list", lang)]
        for r in courtyards.head(5).to_dict("records"):
            where = r["addresses"] or r["nearest_address"] or f"#{r['courtyard_id']}"
            yard_lines.append(f"{r['rank']}. {where}: {verdict_text(r, lang)}")
    else:
        yard_lines = [label("cy_box_none", lang)]

    f = analysis.figures
    lines = [
        label("fig_compliant", lang).format(
            share=f"{100 * f['compliant_share']:.1f}",
            km=f"{f['covered_length_m'] / 1000:.1f}"),
        label("fig_gaps", lang).format(n=f["gap_stretches"],
                                       km=f"{f['gap_length_m'] / 1000:.1f}"),
        label("fig_surfaces", lang).format(n=f["surfaces_below_average"],
                                           p=f["dark_patches"]),
        label("fig_lamps", lang).format(n=f["lamps_counted"], total=f["lamps_total"],
                                        mf=analysis.params["maintenance_factor"]),
    ]
    if rec is not None and len(rec.lamps):
        lines.append(label("fig_proposals", lang).format(
            n=len(rec.lamps), before=f"{100 * rec.before['compliant_share']:.1f}",
            after=f"{100 * rec.after['compliant_share']:.1f}",
            covered=f"{100 * rec.after['exposure_covered_share']:.1f}"))
        lines.append(label("fig_target", lang))
    if facades is not None:
        dark = facades.dark
        lines.append(label("fig_facades", lang).format(
            square=facades.square, n=len(dark), m=f"{dark['length_m'].sum():.0f}",
            lux=f"{facades.threshold_lux:g}"))
    if analysis.synthetic:
        lines.append(label("synthetic_banner", lang))
    panel = ("position:fixed;top:80px;left:10px;z-index:900;max-width:360px;"
             "max-height:calc(100vh - 120px);overflow:auto;font:12px sans-serif;")
    box = ("background:rgba(255,255,255,.92);padding:6px 10px;border:1px solid #999;"
           "border-radius:4px;margin-bottom:6px;")
    m.get_root().html.add_child(folium.Element(  # type: ignore[attr-defined]
        f'<div id="sjobo-lighting-panel" style="{panel}">'
        + _box("sjobo-lighting-courtyards", box, label("cy_box_title", lang), yard_lines)
        + _box("sjobo-lighting-figures", box, lighting_title(coverage, lang), lines)
        + "</div>" + cov_html))
