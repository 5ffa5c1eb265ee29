"""User jobs: the end-to-end runs behind the CLI subcommands.

Each job takes plain arguments, calls the library (sources -> model -> analyses -> outputs)
and returns what it wrote, so the CLI stays thin and notebooks can run the same jobs. An
optional ``progress`` callback receives one short step description at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._progress import Progress, noop
from .area import LOAD_STEPS

if TYPE_CHECKING:
    from .area import Area

__all__ = ["AREA_STEPS", "JobResult", "run_area", "run_demo"]


#: Steps reported by :func:`run_area`, in order (for progress bars).
AREA_STEPS = (*LOAD_STEPS, "write GeoPackage", "write map")
#: Steps reported by :func:`run_demo`.
DEMO_STEPS = (*AREA_STEPS, "synthetic reports", "lighting gaps", "schoolyard", "hotspots",
              "patrol", "follow-up", "EST week", "reports map", "public reports map")


@dataclass
class JobResult:
    """What a job produced: the area and the files written (name -> path)."""

    area: Area
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def run_area(
    area: str | Path = "sample",
    *,
    out: str | Path,
    osm_file: str | Path | None = None,
    source: str | None = None,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """Load an area and write ``area.gpkg`` and ``area_map.html`` into ``out``.

    Parameters
    ----------
    area : str or pathlib.Path
        Profile name or TOML path.
    out : str or pathlib.Path
        Output folder (created if needed).
    osm_file : str or pathlib.Path, optional
        Local ``.osm``/``.osm.pbf`` instead of the profile's source.
    source : {"live", "file", "sample"}, optional
        Override the profile's source.
    offline_html : bool, default False
        Write a self-contained page (assets inlined, no tiles) that works with no internet.
    lang : {"sv", "en"}, optional
        Map language; Swedish by default.
    progress : callable, optional
        Called with each step name of :data:`AREA_STEPS` as it starts.

    Returns
    -------
    JobResult
    """
    from .area import load_area
    from .maps._offline import save_map
    from .maps.i18n import check_lang

    lang = check_lang(lang)
    step = progress or noop
    out = Path(out)
    model = load_area(area, osm_file=osm_file, source=source, progress=step)
    step(AREA_STEPS[2])
    result = JobResult(model)
    result.files["gpkg"] = model.to_gpkg(out / "area.gpkg")
    step(AREA_STEPS[3])
    m = model.explore(lang=lang) if not offline_html else _offline_map(model, lang)
    result.files["map"] = save_map(m, out / "area_map.html", offline=offline_html)
    result.messages.append(model.summary())
    return result


def _offline_map(model: Area, lang: str):
    from .maps.base import area_map

    return area_map(model, lang=lang, tiles=False)


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

    Later capabilities (lighting gaps, hotspots, ...) add their outputs here.
    """
    out = Path(out)
    result = run_area("sample", out=out, offline_html=True, lang=lang, progress=progress)
    step = progress or noop
    step("synthetic reports")
    from .reports.synthetic import write_sample_reports

    sample = write_sample_reports(result.area, out / "sample_reports.csv", n=800, seed=2024)
    result.files["sample_reports"] = sample
    step("lighting gaps")
    from .lighting.gaps import run_lighting_gaps

    light = run_lighting_gaps(result.area, out=out / "lighting", reports=sample,
                              offline_html=True, lang=lang)
    for key, path in light.files.items():
        result.files[f"lighting/{key}"] = path
    result.messages.extend(light.messages[:3])
    step("schoolyard")
    from .schoolyard import run_schoolyard

    school = run_schoolyard(result.area, out=out / "schoolyard", offline_html=True, lang=lang,
                            lighting=light.files.get("gpkg"))
    for key, path in school.files.items():
        result.files[f"schoolyard/{key}"] = path
    result.messages.extend(school.messages)
    step("hotspots")
    from .hotspots import run_hotspots

    spots = run_hotspots(sample, result.area, out=out / "hotspots", offline_html=True, lang=lang)
    for key, path in spots.files.items():
        result.files[f"hotspots/{key}"] = path
    result.messages.extend(spots.messages[:3])
    step("patrol")
    from .patrol import run_patrol

    plan = run_patrol(sample, result.area, out=out / "patrol", offline_html=True, lang=lang)
    for key, path in plan.files.items():
        result.files[f"patrol/{key}"] = path
    result.messages.extend(plan.messages[:2])
    step("follow-up")
    fu = _demo_follow_up(result.area, out / "follow_up", lang=lang)
    for key, path in fu.files.items():
        result.files[f"follow_up/{key}"] = path
    result.messages.extend(fu.messages[:2])
    step("EST week")
    from .est import run_est_week

    est = run_est_week(fu.files["reports"], result.area, out=out / "est", offline_html=True,
                       lang=lang, measures=fu.files["measures"])
    for key, path in est.files.items():
        result.files[f"est/{key}"] = path
    result.messages.extend(est.messages[:2])
    for public, folder in ((False, "reports"), (True, "reports_public")):
        step("public reports map" if public else "reports map")
        rep = run_reports_map(sample, result.area, out=out / folder, public=public,
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

    from ._errors import SjoboGeoError
    from .follow_up import run_follow_up
    from .reports.synthetic import SYNTHETIC_MARK, generate_reports, plant_change

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
    reports = out / "est_two_years.csv"
    table.to_csv(reports, index=False, encoding="utf-8", lineterminator="\n")
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
    measures = out / "sample_measures.csv"
    register.to_csv(measures, index=False, encoding="utf-8", lineterminator="\n")
    result = run_follow_up(reports, measures, area, out=out, offline_html=True, lang=lang)
    result.files = {"reports": reports, "measures": measures, **result.files}
    return result


# --------------------------------------------------------------------------------------
# measures register

#: Steps reported by :func:`run_measures_validate`.
MEASURES_STEPS = ("load area", "read and locate measures", "write files")


@dataclass
class MeasuresResult:
    """What :func:`run_measures_validate` produced: the register and the files written."""

    measures: Any
    files: dict[str, Path] = field(default_factory=dict)


def run_measures_validate(
    file: str | Path,
    area: str | Path | Area = "sample",
    *,
    osm_file: str | Path | None = None,
    source: str | None = None,
    rejects: str | Path | None = None,
    gpkg: str | Path | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> MeasuresResult:
    """Check a measures register against an area: accounting, rejects file, optional GPKG.

    Every row is accepted or rejected with row, column and reason (``FILE_rejects.csv``, or
    ``rejects``); with ``gpkg`` the accepted measures are written with their geometry (the
    note column left out) for QGIS. With ``strict`` any rejected row raises
    :class:`~sjobo_geo.measures.MeasuresError` after the rejects are written.
    """
    from .io import write_gpkg_layers
    from .measures import MeasuresError, load_measures

    step = progress or noop
    step(MEASURES_STEPS[0])
    model = _load_area_for(area, osm_file, source)
    step(MEASURES_STEPS[1])
    ms = load_measures(file, model)
    step(MEASURES_STEPS[2])
    result = MeasuresResult(ms)
    rejects_path = Path(rejects) if rejects else Path(f"{Path(file).stem}_rejects.csv")
    result.files["rejects"] = ms.write_rejects(rejects_path)
    if gpkg is not None:
        layer = ms.measures.drop(columns="note").assign(date=ms.measures["date"].astype(str))
        result.files["gpkg"] = write_gpkg_layers(
            {"measures": layer}, gpkg, about={"generator": "sjobo-geo measures validate",
                                              "area": model.name, "register": str(file),
                                              "accepted": ms.accepted, "rejected": ms.rejected})
    if strict and ms.rejected:
        first = ms.rejects.iloc[0]
        raise MeasuresError(
            f"{file}: {ms.rejected} of {ms.total} rows rejected (--strict); first: row "
            f"{first['row']}, {first['column']}: {first['reason']}; all in {rejects_path}")
    return result


# --------------------------------------------------------------------------------------
# reports

#: Steps reported by :func:`run_reports_map`.
REPORT_STEPS = ("load area", "read and validate reports", "write files", "write map")


@dataclass
class ReportsResult:
    """What a reports job produced: the validated reports, their accounting, the files."""

    reports: Any
    files: dict[str, Path] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _area_and_reports(reports_file: Any, area: Any, *, error: type[Exception],
                      step: Callable[[str], None], steps: tuple[str, str]
                      ) -> tuple[Area, Any, list[Path]]:
    """The area and the report files (one or several, e.g. one per actor) of a report job.

    Missing files raise ``error`` before anything is loaded; ``steps`` names the two steps
    (area, reports) reported to ``step``.
    """
    from .reports.validate import load_report_files

    paths = ([Path(reports_file)] if isinstance(reports_file, str | Path)
             else [Path(f) for f in reports_file])
    if not paths:
        raise error("no report file given")
    for path in paths:
        if not path.is_file():
            raise error(f"{path}: report file not found")
    step(steps[0])
    model = area if hasattr(area, "layers") else _load_area_for(area, None, None)
    step(steps[1])
    return model, load_report_files(paths, model), paths


def _load_area_for(area: Any, osm_file: str | Path | None, source: str | None) -> Area:
    """An already built Area as is; else a profile name or path, loaded."""
    from .area import Area, load_area

    if isinstance(area, Area):
        return area
    return load_area(area, osm_file=osm_file, source=source)


def run_reports_validate(
    file: str | Path,
    area: str | Path | Area = "sample",
    *,
    osm_file: str | Path | None = None,
    source: str | None = None,
    columns: str | Path | None = None,
    crs: str | None = None,
    report_source: str = "unknown",
    rejects: str | Path | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> ReportsResult:
    """Validate a report file against an area and write the rejects file.

    Returns the :class:`~sjobo_geo.reports.schema.ReportSet`; with ``strict`` any rejected
    row raises :class:`~sjobo_geo.reports.schema.ReportsError` after the rejects are written.
    """
    from .reports.schema import ReportsError
    from .reports.validate import load_reports

    step = progress or noop
    step(REPORT_STEPS[0])
    model = _load_area_for(area, osm_file, source)
    step(REPORT_STEPS[1])
    rs = load_reports(file, model, columns=columns, crs=crs, default_source=report_source)
    result = ReportsResult(rs)
    rejects_path = Path(rejects) if rejects else Path(f"{Path(file).stem}_rejects.csv")
    result.files["rejects"] = rs.write_rejects(rejects_path)
    if strict and rs.rejected:
        first = rs.rejects.iloc[0]
        raise ReportsError(
            f"{file}: {rs.rejected} of {rs.total} rows rejected (--strict); first: row "
            f"{first['row']}, {first['column']}: {first['reason']}; all in {rejects_path}"
        )
    return result


def run_reports_map(
    file: str | Path,
    area: str | Path | Area = "sample",
    *,
    out: str | Path,
    osm_file: str | Path | None = None,
    source: str | None = None,
    columns: str | Path | None = None,
    crs: str | None = None,
    report_source: str = "unknown",
    public: bool = False,
    k: int | None = None,
    cell_size: float | None = None,
    strict: bool = False,
    offline_html: bool = False,
    lang: str | None = None,
    progress: Progress | None = None,
    measures: Any = None,
) -> ReportsResult:
    """Validate reports and write ``reports_map.html``, ``reports.gpkg`` and the rejects.

    Internal outputs keep every field (free text included) and exact positions. With
    ``public`` the map, GeoPackage and CSV hold only counts per grid cell of at least ``k``
    reports (see :mod:`sjobo_geo.reports.privacy`), and the rejects file keeps row numbers
    and reasons without the rejected values.

    ``measures`` (a path, :class:`~sjobo_geo.measures.MeasureSet` or GeoDataFrame) adds the
    measures register to the map, public or not (never its notes); its accounting goes to
    ``messages``.
    """
    from .io import write_gpkg_layers
    from .maps._offline import save_map
    from .maps.i18n import check_lang
    from .maps.reports import reports_map
    from .reports.privacy import DEFAULT_CELL_SIZE_M, DEFAULT_K, public_aggregate, public_table
    from .reports.schema import ReportsError
    from .reports.validate import load_reports

    lang = check_lang(lang)
    k = DEFAULT_K if k is None else k
    cell_size = DEFAULT_CELL_SIZE_M if cell_size is None else cell_size
    step = progress or noop
    out = Path(out)
    step(REPORT_STEPS[0])
    model = _load_area_for(area, osm_file, source)
    from .measures import as_measure_set

    measure_set = as_measure_set(measures, model)
    step(REPORT_STEPS[1])
    rs = load_reports(file, model, columns=columns, crs=crs, default_source=report_source)
    result = ReportsResult(rs)
    if measure_set is not None:
        result.messages.extend(measure_set.messages())
    step(REPORT_STEPS[2])
    rejects = rs.rejects.copy()
    if public:
        rejects["value"] = ""  # row numbers and reasons only: values may be personal data
    result.files["rejects"] = replace(rs, rejects=rejects).write_rejects(
        out / "reports_rejects.csv")
    if strict and rs.rejected:
        raise ReportsError(f"{file}: {rs.rejected} of {rs.total} rows rejected (--strict); "
                           f"see {result.files['rejects']}")
    about = {**rs.accounting(), "public": public, "generator": "sjobo-geo"}
    if public:
        cells = public_aggregate(rs, k=k, cell_size=cell_size)
        about.update(k=k, cell_size_m=cell_size)
        result.files["gpkg"] = write_gpkg_layers({"report_cells": cells}, out / "reports.gpkg",
                                                 about=about)
        from .io import atomic_path

        with atomic_path(out / "report_cells.csv") as tmp:
            public_table(cells).to_csv(tmp, index=False, encoding="utf-8")
        result.files["csv"] = out / "report_cells.csv"
        step(REPORT_STEPS[3])
        m = reports_map(rs, model, public=True, cells=cells, lang=lang, tiles=not offline_html,
                        k=k, measures=measure_set)
    else:
        layers = {"reports": rs.reports}
        result.files["gpkg"] = write_gpkg_layers(layers, out / "reports.gpkg", about=about)
        step(REPORT_STEPS[3])
        m = reports_map(rs, model, lang=lang, tiles=not offline_html, measures=measure_set)
    result.files["map"] = save_map(m, out / "reports_map.html", offline=offline_html)
    return result


def run_sample_reports(
    area: str | Path | Area = "sample",
    *,
    out: str | Path,
    n: int = 500,
    seed: int = 0,
    osm_file: str | Path | None = None,
    source: str | None = None,
) -> Path:
    """Write a seeded file of SYNTHETIC reports placed on the area (labelled synthetic)."""
    from .reports.synthetic import write_sample_reports

    model = _load_area_for(area, osm_file, source)
    return write_sample_reports(model, out, n=n, seed=seed)


# --------------------------------------------------------------------------------------
# schoolyard


def run_schoolyard_job(
    area: str | Path | Area = "sample",
    *,
    out: str | Path,
    place: str | None = None,
    reports: str | Path | None = None,
    lighting: str | Path | None = None,
    osm_file: str | Path | None = None,
    source: str | None = None,
    min_share: float = 0.05,
    settings: str = "crime_prevention_victoria",
    offline_html: bool = False,
    lang: str | None = None,
    progress: Progress | None = None,
    measures: Any = None,
):
    """Load the area (and reports, measures), then
    :func:`sjobo_geo.schoolyard.run_schoolyard`."""
    from .reports.validate import load_reports
    from .schoolyard import SCHOOLYARD_STEPS, run_schoolyard

    step = progress or noop
    step(SCHOOLYARD_STEPS[0])
    model = _load_area_for(area, osm_file, source)
    rs = load_reports(reports, model) if reports is not None else None
    return run_schoolyard(model, out=out, place=place, reports=rs, lighting=lighting,
                          min_share=min_share,
                          settings=settings, offline_html=offline_html, lang=lang,
                          progress=step, measures=measures)
