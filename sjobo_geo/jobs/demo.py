"""The `demo` job: every output of the project on the offline sample, self-contained pages,
SYNTHETIC data labelled so.

The whole demo is one run (:func:`~sjobo_geo.jobs.common.output_run`): its sub-jobs write
into the demo's staging folder and the folder replaces the previous demo's files only when
every page is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sjobo_geo.core.progress import Progress, noop
from sjobo_geo.jobs.area import AREA_STEPS, run_area
from sjobo_geo.jobs.common import JobResult, output_run
from sjobo_geo.jobs.reports import run_reports_map

if TYPE_CHECKING:
    from sjobo_geo.core.area import Area

__all__ = ["DEMO_STEPS", "run_demo"]

#: Steps reported by :func:`run_demo`.
DEMO_STEPS = (*AREA_STEPS, "synthetic reports", "lighting gaps", "schoolyard", "hotspots",
              "patrol", "follow-up", "EST week", "reports map", "public reports map")


def run_demo(
    out: str | Path = "outputs/demo",
    *,
    lang: str | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """The offline demo on the sample area, every output a self-contained offline page.

    1. ``area.gpkg`` and ``area_map.html``: the area model;
    2. ``sample_reports.csv``: SYNTHETIC reports placed on the area (labelled synthetic);
    3. ``schoolyard/``: visibility, hidden places and vegetation to cut back at the school;
       ``lighting/``: the lighting model, ranked gaps, proposed lamps, facades of the square;
       ``hotspots/``: Gi* hotspots, density contours and the two priority scores;
       ``patrol/``: a 120-minute walking route from the main square with GPX and PNG;
       ``follow_up/``: before and after the measures of a SYNTHETIC register, on two
       SYNTHETIC years of incidents with one planted fall (see :func:`_demo_follow_up`);
       ``est/``: the weekly EST picture of the last full week of those two years, with the
       measures on its map (prints on A4);
    4. ``reports/``: the internal reports map, GeoPackage and rejects;
    5. ``reports_public/``: the public version (counts per cell, k = 5).

    The demo is one run: its files replace an earlier demo's in ``out`` only once every
    page is written, with ``about.json`` listing them (:func:`~sjobo_geo.jobs.common.output_run`).

    Examples
    --------
    >>> result = run_demo("outputs/demo", lang="en")  # doctest: +SKIP
    >>> result.files["hotspots/map"]  # doctest: +SKIP
    PosixPath('.../outputs/demo/hotspots/hotspots.html')
    """
    with output_run(out, job="demo", arguments={"lang": lang}) as run:
        result = _demo(run, lang=lang, progress=progress)
    result.files = run.finals(result.files)
    result.messages[:0] = run.messages
    return result


def _demo(run: Any, *, lang: str | None, progress: Progress | None) -> JobResult:
    """The demo's steps, written into the demo's run folder ``run``."""
    from sjobo_geo.core.files import write_csv
    from sjobo_geo.inputs.reports.synthetic import generate_reports

    result = run_area("sample", out=run.path, offline_html=True, lang=lang, progress=progress)
    run.area = result.area
    step = progress or noop
    step("synthetic reports")
    sample = write_csv(generate_reports(result.area, 800, seed=2024),
                       run.file("sample_reports.csv"))
    result.files["sample_reports"] = sample
    step("lighting gaps")
    from sjobo_geo.jobs.lighting import run_lighting_gaps

    light = run_lighting_gaps(result.area, out=run.folder("lighting"), reports=sample,
                              offline_html=True, lang=lang)
    for key, path in light.files.items():
        result.files[f"lighting/{key}"] = path
    result.messages.extend(light.messages[:3])
    step("schoolyard")
    from sjobo_geo.jobs.schoolyard import run_schoolyard

    school = run_schoolyard(result.area, out=run.folder("schoolyard"), offline_html=True,
                            lang=lang, lighting=light.files.get("gpkg"))
    for key, path in school.files.items():
        result.files[f"schoolyard/{key}"] = path
    result.messages.extend(school.messages)
    step("hotspots")
    from sjobo_geo.jobs.hotspots import run_hotspots

    spots = run_hotspots(sample, result.area, out=run.folder("hotspots"), offline_html=True,
                         lang=lang)
    for key, path in spots.files.items():
        result.files[f"hotspots/{key}"] = path
    result.messages.extend(spots.messages[:3])
    step("patrol")
    from sjobo_geo.jobs.patrol import run_patrol

    plan = run_patrol(sample, result.area, out=run.folder("patrol"), offline_html=True,
                      lang=lang)
    for key, path in plan.files.items():
        result.files[f"patrol/{key}"] = path
    result.messages.extend(plan.messages[:2])
    step("follow-up")
    fu = _demo_follow_up(result.area, run.folder("follow_up"), lang=lang)
    for key, path in fu.files.items():
        result.files[f"follow_up/{key}"] = path
    result.messages.extend(fu.messages[:2])
    step("EST week")
    from sjobo_geo.jobs.est import run_est_week

    est = run_est_week(fu.files["reports"], result.area, out=run.folder("est"),
                       offline_html=True, lang=lang, measures=fu.files["measures"])
    for key, path in est.files.items():
        result.files[f"est/{key}"] = path
    result.messages.extend(est.messages[:2])
    for public, folder in ((False, "reports"), (True, "reports_public")):
        step("public reports map" if public else "reports map")
        rep = run_reports_map(sample, result.area, out=run.folder(folder), public=public,
                              offline_html=True, lang=lang)
        for key, path in rep.files.items():
            result.files[f"{folder}/{key}"] = path
        acc = rep.reports.accounting()
        result.messages.append(
            f"{folder}: {acc['total']} synthetic reports, {acc['accepted']} accepted, "
            f"{acc['rejected']} rejected"
        )
    return result


def _demo_follow_up(area: Area, out: Path, *, lang: str | None) -> Any:
    """The demo's follow-up: SYNTHETIC data throughout, on the profile's real places.

    Two years of synthetic incidents and survey answers (``follow_up/est_two_years.csv``), a
    synthetic measures register (``follow_up/sample_measures.csv``) on the profile's school,
    main square and key places, and one planted change: reports within 100 m of the school
    halve from the day its bushes were cut, so that the page shows what a found change looks
    like. Every file and page says synthetic; no geometry is invented (places come from OSM
    through the gazetteer).
    """
    import pandas as pd

    from sjobo_geo._errors import SjoboGeoError
    from sjobo_geo.core.files import write_csv
    from sjobo_geo.inputs.reports.synthetic import SYNTHETIC_MARK, generate_reports, plant_change
    from sjobo_geo.jobs.follow_up import run_follow_up

    out.mkdir(parents=True, exist_ok=True)
    names = [area.profile.role("school"), area.profile.role("main_square"),
             *[p.name for p in area.profile.places]]
    places = list(dict.fromkeys(n for n in names if n))[:4]
    table = generate_reports(area, 12000, seed=7, start="2023-01-02", weeks=104,
                             est_share=0.85, place_text_share=0.0)
    if places:
        try:
            zone = area.find(places[0]).geometry.buffer(100)
            table = plant_change(table, area, zone, "2024-01-01", 0.5, seed=1)
        except SjoboGeoError:
            pass  # the register then says the place was not found
    reports = write_csv(table, out / "est_two_years.csv")
    plan = [("6", "Borås Stad", "buskar röjda", "2024-01-01", "klar"),
            ("5", "Bostäder Borås", "fasadbelysning", "2024-01-01", "klar"),
            ("5", "Bostäder Borås", "ny belysning", "2024-04-01", "klar"),
            ("1", "Polisen", "ökad polisnärvaro", "", "planerad")]
    rows = zip(places, plan[:len(places)], strict=True)
    register = pd.DataFrame(
        [{"Åtgärd-ID": f"DEMO-{n + 1}", "Löfte": promise, "Ansvarig": owner, "Plats": place,
          "Typ": kind, "Datum": date, "Status": status,
          "Kommentar": f"{SYNTHETIC_MARK} demo measure"}
         for n, (place, (promise, owner, kind, date, status)) in enumerate(rows)])
    measures = write_csv(register, out / "sample_measures.csv")
    result = run_follow_up(reports, measures, area, out=out, offline_html=True, lang=lang)
    result.files = {"reports": reports, "measures": measures, **result.files}
    return result
