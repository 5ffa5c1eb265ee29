"""The follow-up page: one printable HTML file with a summary, a map and a table per measure.

:func:`follow_up_page` draws the map and fills the template
``maps/templates/follow_up.html.j2``; the markup and its wording are there and in
``core/labels.toml``. This module turns the follow-up table into the reader's text (numbers
with the language's decimal mark). A public page shows the table through the privacy gate
(:func:`sjobo_geo.analysis.follow_up.public_follow_up`): counts under ``k`` as ``<k``,
counts hidden so that no small one can be computed back as ``×``, and no rate, ratio,
interval, share or p-value resting on a hidden count.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area
    from sjobo_geo.inputs.measures import MeasureSet
    from sjobo_geo.inputs.reports.schema import ReportSet

__all__ = ["VERDICT_COLOURS", "follow_up_page"]

#: Colour of each verdict on the map and in the table.
VERDICT_COLOURS = {"fewer": "#1a9850", "more": "#d73027", "like_elsewhere": "#fdae61",
                   "no_clear_change": "#8c8c8c", "too_few": "#c7c7c7",
                   "too_little_time": "#c7c7c7", "not_done": "#e0e0e0"}


def _map_html(table: pd.DataFrame, ms: MeasureSet, area: Area, zones: Any, *,
              offline: bool, lang: str) -> str:
    import folium

    from sjobo_geo.core.i18n import label
    from sjobo_geo.maps.base import add_geodataframe, add_legend, new_map
    from sjobo_geo.maps.measures import add_measures
    from sjobo_geo.maps.offline import render_map

    m = new_map(area, tiles=not offline, lang=lang)
    zones = zones[["measure_id", "geometry"]].copy()
    zones["verdict"] = [label(f"fu_v_{v}", lang) for v in table["verdict"]]
    legend: list[tuple[str, dict[str, Any]]] = []
    for code in VERDICT_COLOURS:
        part = zones[table["verdict"].to_numpy() == code]
        if part.empty:
            continue
        style = {"color": VERDICT_COLOURS[code], "fillColor": VERDICT_COLOURS[code],
                 "weight": 2, "fillOpacity": 0.35, "fields": ["measure_id", "verdict"]}
        add_geodataframe(m, part, name=f"{label('fu_zone', lang)}: {label(f'fu_v_{code}', lang)}",
                         style=style, lang=lang)
        legend.append((label(f"fu_v_{code}", lang), style))
    add_measures(m, ms, lang=lang, legend=legend)
    add_legend(m, legend, title=label("legend", lang))
    folium.LayerControl(collapsed=True).add_to(m)
    return render_map(m, offline=offline)


def follow_up_page(table: pd.DataFrame, ms: MeasureSet, area: Area, rs: ReportSet,
                   zones: Any, *, radius: float, public: bool, k: int, offline: bool,
                   lang: str) -> str:
    """The whole ``follow_up.html`` (self-contained; prints on A4; ``follow_up.html.j2``).

    Parameters
    ----------
    table : pandas.DataFrame
        What :func:`sjobo_geo.analysis.follow_up.follow_up` returned (one row per measure).
    ms : MeasureSet
        The register (drawn on the map; its file and accounting are named).
    area : Area
    rs : ReportSet
        The reports (their files and accounting are named; synthetic data are marked).
    zones : geopandas.GeoDataFrame
        Each measure's zone (``measure_id`` and geometry, in the order of ``table``).
    radius : float
        Metres around each measure (named in the method).
    public : bool
        Show the table through the privacy gate
        (:func:`~sjobo_geo.analysis.follow_up.public_follow_up`).
    k : int
    offline : bool
        Inline the map's scripts, no web tiles.
    lang : {"sv", "en"}

    Returns
    -------
    str
        The HTML page; every text from the data is escaped.

    Examples
    --------
    >>> table = follow_up(area, rs.reports, ms.measures)  # doctest: +SKIP
    >>> html = follow_up_page(table, ms, area, rs, zones, radius=100, public=False, k=5,
    ...                       offline=True, lang="sv")  # doctest: +SKIP
    """
    from sjobo_geo.analysis.follow_up import VERDICTS, public_follow_up
    from sjobo_geo.analysis.privacy import MARKS, SHOWN
    from sjobo_geo.inputs.measures import MEASURE_KINDS, MEASURE_STATUSES
    from sjobo_geo.maps.page import labeller, render_page

    present = table.notna()  # whether a figure was computed at all (not what it is)
    if public:
        table, state = public_follow_up(table, k)
    else:
        state = pd.DataFrame(SHOWN, index=table.index, columns=table.columns)

    def num(v: Any, fmt: str = ".2f") -> str:
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            return "–" if v is None or np.isnan(v) else "∞"
        text = format(float(v), fmt)
        return text.replace(".", ",") if lang == "sv" else text

    def pval(v: Any) -> str:
        return "–" if v is None or not np.isfinite(v) else (
            "<0,001" if lang == "sv" and v < 0.001 else "<0.001" if v < 0.001
            else num(v, ".3f"))

    rows = []
    for i, r in enumerate(table.itertuples(index=False)):
        idx = table.index[i]

        def shown(col: str, idx: Any = idx) -> bool:
            return state.at[idx, col] == SHOWN

        def count(col: str, idx: Any = idx) -> str:
            if not shown(col, idx):
                return MARKS[state.at[idx, col]].format(k=k)
            v = table.at[idx, col]
            return "–" if v is None or pd.isna(v) else str(int(v))

        kind = MEASURE_KINDS.get(r.kind)
        status = MEASURE_STATUSES.get(r.status)
        row: dict[str, Any] = {
            "id": r.measure_id, "promise": r.promise if r.promise else "",
            "kind": kind.sv if kind and lang == "sv" else kind.en if kind else r.kind,
            "place": r.place, "date": "" if pd.isna(r.date) else f"{pd.Timestamp(r.date):%Y-%m-%d}",
            "status": (status.sv if status and lang == "sv" else status.en if status
                       else r.status),
            "verdict": r.verdict, "colour": VERDICT_COLOURS.get(r.verdict, "#fff"),
            "windows": None, "change": None, "control": None, "survey": None}
        if r.season:
            row["windows"] = {"before_from": str(r.before_from), "before_to": str(r.before_to),
                              "after_from": str(r.after_from), "after_to": str(r.after_to),
                              "season": r.season}
        if present.at[idx, "before"] and present.at[idx, "after"]:
            ratio_ok = shown("rate_ratio") and (np.isfinite(r.rate_ratio)
                                                or r.rate_ratio == np.inf)
            row["change"] = {
                "before": count("before"), "after": count("after"),
                "bars": [float(r.before) if shown("before") else None,
                         float(r.after) if shown("after") else None],
                "ratio": ({"value": num(r.rate_ratio), "low": num(r.ratio_low),
                           "high": num(r.ratio_high), "p": pval(r.p_time)}
                          if ratio_ok else None)}
        if present.at[idx, "control_before"]:
            row["control"] = {
                "before": count("control_before"), "after": count("control_after"),
                "cells": int(r.control_cells),
                "relative": ({"value": num(r.relative_change),
                              "q": pval(r.q_control) if shown("q_control") else MARKS["hidden"]}
                             if shown("relative_change") and np.isfinite(r.relative_change)
                             else None)}
        if r.survey_verdict == "no_survey":
            row["survey"] = {"verdict": "no_survey"}
        elif r.survey_verdict:
            row["survey"] = {
                "before": count("survey_before"), "total_before": count("survey_total_before"),
                "after": count("survey_after"), "total_after": count("survey_total_after"),
                "verdict": r.survey_verdict,
                "p": (pval(r.p_survey) if shown("p_survey") and np.isfinite(r.p_survey)
                      else None)}
        rows.append(row)
    verdicts = table["verdict"].value_counts()
    return render_page(
        "follow_up.html.j2", L=labeller(lang), lang=lang, area_name=area.name,
        public=public, k=k,
        generated=f"{dt.date.today():%Y-%m-%d}", synthetic=bool(rs.synthetic),
        files=[rs.source_file, ms.source_file],
        accounting={"r_ok": rs.accepted, "r_total": rs.total, "m_ok": ms.accepted,
                    "m_total": ms.total},
        n_measures=len(table),
        verdict_counts=[{"code": v, "n": int(verdicts[v])} for v in VERDICTS if v in verdicts],
        map_html=_map_html(table, ms, area, zones, offline=offline, lang=lang),
        method={"radius": int(radius), "min": table.attrs.get("min_reports", ""),
                "data_from": table.attrs.get("data_from", ""),
                "data_to": table.attrs.get("data_to", "")},
        measures=rows)
