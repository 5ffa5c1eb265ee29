"""The ``sjobo-geo`` command line: parse arguments, call one job, report.

No analysis lives here. Errors raised on purpose (:class:`SjoboGeoError`) and file-system
errors print one readable line and exit non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sjobo_geo import __version__

EXIT_ERROR = 1
EXIT_INTERNAL = 3


def _add_map_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--offline-html", action="store_true",
                   help="write a self-contained page (Leaflet inlined, no tiles) that works "
                        "without internet; needs `sjobo-geo assets install` once")
    p.add_argument("--lang", choices=["sv", "en"], default=None,
                   help="language of map labels and legends (default: sv)")


def _add_measures_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--measures", type=Path, default=None, metavar="FILE",
                   help="measures register (CSV, XLSX, GeoJSON, GeoPackage; template: "
                        "data/templates/measures.csv) drawn on the map")


def _add_rejects_flags(p: argparse.ArgumentParser) -> None:
    """Where a validate command writes its rejects: never the current folder by accident."""
    p.add_argument("--rejects", type=Path, default=None, metavar="CSV",
                   help="write the rejected rows (row, column, value, reason) to this file "
                        "(default: STEM_rejects.csv in --out if given, else beside FILE; "
                        "never over FILE)")
    p.add_argument("--out", type=Path, default=None, metavar="FOLDER",
                   help="folder for STEM_rejects.csv (default: the folder of FILE)")


def _add_area_flags(p: argparse.ArgumentParser, default: str | None = "sample") -> None:
    p.add_argument("--area", default=default,
                   help="area profile name (sjobo, sample) or path to a .toml profile "
                        f"(default: {default})")
    p.add_argument("--osm-file", type=Path, default=None,
                   help="read OSM data from a local .osm or .osm.pbf file")
    p.add_argument("--source", choices=["live", "file", "sample"], default=None,
                   help="override the profile's OSM source")


def _add_reports_flags(p: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The report file (or files) and area of the jobs that analyse reports."""
    if many:
        p.add_argument("--reports", type=Path, nargs="+", action="extend", required=True,
                       metavar="FILE", help="report files, e.g. one per EST actor (any reader "
                       "format); repeat or list several")
    else:
        p.add_argument("--reports", type=Path, required=True,
                       help="report file (any reader format)")
    p.add_argument("--area", default="sample", help="area profile name or .toml (sample)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sjobo-geo",
        description="Maps and priorities from what people say about safety in a "
                    "neighbourhood, on OpenStreetMap geometry.",
    )
    parser.add_argument("--version", action="version", version=f"sjobo-geo {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("area", help="build the area model: area.gpkg and area_map.html")
    _add_area_flags(p)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _add_map_flags(p)

    p = sub.add_parser("demo", help="run the offline demo on the sample area")
    p.add_argument("--out", type=Path, default=Path("outputs/demo"),
                   help="output folder (default: outputs/demo)")
    p.add_argument("--lang", choices=["sv", "en"], default=None)

    p = sub.add_parser("reports", help="unsafe-place reports: validate, map")
    rsub = p.add_subparsers(dest="reports_command", metavar="ACTION", required=True)
    for action in ("validate", "map"):
        q = rsub.add_parser(action, help="check a report file and account for every row"
                            if action == "validate" else "map reports: reports_map.html, "
                            "reports.gpkg")
        q.add_argument("file", type=Path, help="CSV, XLSX, GeoJSON or GeoPackage export")
        _add_area_flags(q)
        q.add_argument("--columns", type=Path, default=None,
                       help="TOML column mapping (template: data/templates/report_columns.toml)")
        q.add_argument("--crs", default=None, help="CRS of x/y columns (default: detected)")
        q.add_argument("--report-source", default="unknown",
                       help="source for files without a source column (survey, dialogue, "
                            "door_knocking, situational_picture, safety_survey, est, safety_walk)")
        q.add_argument("--strict", action="store_true", help="fail if any row is rejected")
        if action == "validate":
            q.add_argument("--json", action="store_true", help="print the accounting as JSON")
            _add_rejects_flags(q)
        else:
            q.add_argument("--out", type=Path, required=True, help="output folder")
            q.add_argument("--public", action="store_true",
                           help="public outputs: counts per cell of at least k reports, no "
                                "free text, no exact positions")
            q.add_argument("--k", type=int, default=None, help="smallest count shown (5)")
            q.add_argument("--cell-size", type=float, default=None,
                           help="public cell size in metres (100)")
            _add_measures_flag(q)
            _add_map_flags(q)

    p = sub.add_parser("measures", help="the measures register: validate")
    msub = p.add_subparsers(dest="measures_command", metavar="ACTION", required=True)
    q = msub.add_parser("validate", help="check a measures register, account for every row, "
                                         "write the located measures for QGIS")
    q.add_argument("file", type=Path, help="register: CSV, XLSX, GeoJSON or GeoPackage "
                                           "(template: data/templates/measures.csv)")
    _add_area_flags(q)
    _add_rejects_flags(q)
    q.add_argument("--gpkg", type=Path, default=None,
                   help="also write the accepted measures with their geometry (GeoPackage)")
    q.add_argument("--strict", action="store_true", help="fail if any row is rejected")
    q.add_argument("--json", action="store_true", help="print the accounting as JSON")

    p = sub.add_parser("sample-reports", help="write SYNTHETIC reports for demos and tests")
    _add_area_flags(p)
    p.add_argument("--n", type=int, default=500, help="number of reports (500)")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--out", type=Path, required=True, help="CSV file to write")

    p = sub.add_parser("schoolyard", help="visibility, hidden places and vegetation to cut "
                                          "back: schoolyard.html, schoolyard.gpkg, "
                                          "vegetation_actions.csv")
    _add_area_flags(p)
    p.add_argument("--place", default=None,
                   help="a schoolyard, school, courtyard or square (default: the profile's school)")
    p.add_argument("--reports", type=Path, default=None, help="reports to draw around it")
    p.add_argument("--lighting", type=Path, default=None,
                   help="lighting.gpkg from lighting-gaps: draw the gaps around the place")
    _add_measures_flag(p)
    p.add_argument("--min-share", type=float, default=0.05,
                   help="a cell seen by fewer than this share of observers is hidden (0.05)")
    p.add_argument("--settings", default="crime_prevention_victoria",
                   choices=["crime_prevention_victoria", "secured_by_design"],
                   help="trimming heights and path clearance, with their source")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _add_map_flags(p)

    p = sub.add_parser("lighting-gaps", help="lighting model and gaps: lighting_gaps.html, "
                                             "lighting.gpkg, lighting_gaps.csv, courtyards.csv")
    _add_area_flags(p)
    p.add_argument("--lamps", type=Path, default=None,
                   help="owner's lamp inventory (CSV, XLSX, GeoPackage), merged with OSM lamps")
    p.add_argument("--reports", type=Path, default=None,
                   help="reports: darkness and unsafety after dark raise a gap's rank")
    p.add_argument("--add-lamps", type=int, default=10, help="new lamps to propose (10)")
    p.add_argument("--target", choices=["all", "courtyards", "square", "paths"],
                   default="all", help="where new lamps may go: courtyards, the main square, "
                   "paths or all of them with schoolyards (all); never roads carrying cars")
    _add_measures_flag(p)
    p.add_argument("--classes", type=Path, default=None,
                   help="EN 13201 P class per surface type (TOML; default data values)")
    p.add_argument("--square", default=None,
                   help="square whose facades are checked (default: the profile's main square)")
    p.add_argument("--maintenance-factor", type=float, default=0.8, help="(0.8, LED)")
    p.add_argument("--facade-threshold", type=float, default=1.0,
                   help="vertical illuminance below which a facade stretch is dark (1.0 lx)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _add_map_flags(p)
    _add_lighting_parser(sub)

    p = sub.add_parser("patrol", help="a walking route for one shift: patrol.html, patrol.gpx, "
                                      "patrol.gpkg, patrol_plan.csv, patrol.png")
    _add_reports_flags(p)
    p.add_argument("--shift-minutes", type=float, default=120, help="time budget (120)")
    p.add_argument("--start", default=None,
                   help="start place name or 'x,y' in the area CRS (default: the main square)")
    p.add_argument("--speed-kmh", type=float, default=5.0, help="walking speed (5)")
    p.add_argument("--stop-minutes", type=float, default=12, help="minutes at each stop (12)")
    p.add_argument("--seed", type=int, default=0, help="seed: same seed, same plan (0)")
    p.add_argument("--units", choices=["grid", "segments"], default="grid")
    p.add_argument("--max-stops", type=int, default=5, help="at most this many stops (5)")
    p.add_argument("--start-time", default=None, metavar="HH:MM",
                   help="clock time of the start; arrivals are clock times "
                        "(default: the profile's [patrol] start_time, 18:00)")
    _add_measures_flag(p)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _add_map_flags(p)

    p = sub.add_parser("est-week", help="the weekly EST picture: est_week.html (prints on A4), "
                                        "est_week.gpkg, est_week.csv")
    _add_reports_flags(p, many=True)
    p.add_argument("--week", default=None,
                   help="ISO week such as 2025-W14 (default: the last full week in the data)")
    p.add_argument("--period", choices=["week", "quarter", "year"], default="week")
    p.add_argument("--public", action="store_true",
                   help="public page: counts per cell of at least k, no report-level data")
    p.add_argument("--k", type=int, default=5, help="smallest count shown in public (5)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _add_measures_flag(p)
    _add_map_flags(p)

    p = sub.add_parser("follow-up", help="before and after each measure of the register, "
                                         "against comparable places: follow_up.html, "
                                         "follow_up.csv, follow_up.gpkg")
    _add_reports_flags(p, many=True)
    p.add_argument("--measures", type=Path, required=True, metavar="FILE",
                   help="measures register (CSV, XLSX, GeoJSON, GeoPackage; template: "
                        "data/templates/measures.csv)")
    p.add_argument("--radius", type=float, default=100.0,
                   help="metres around a measure that count as its place (100)")
    p.add_argument("--min-reports", type=int, default=10,
                   help="fewer reports than this in a zone: too few to say (10)")
    p.add_argument("--public", action="store_true", help="counts under k shown as <k")
    p.add_argument("--k", type=int, default=5, help="smallest count shown in public (5)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _add_map_flags(p)

    p = sub.add_parser("hotspots", help="hotspots and priority scores: hotspots.html, "
                                        "hotspots.gpkg, priorities.csv")
    _add_reports_flags(p)
    p.add_argument("--public", action="store_true",
                   help="public outputs: no unit with fewer than k reports, no report data")
    p.add_argument("--k", type=int, default=5, help="smallest count shown in public (5)")
    p.add_argument("--cell-size", type=float, default=None,
                   help="grid cell in metres (default: half the Scott bandwidth, 25-200 m)")
    p.add_argument("--weights", type=Path, default=None,
                   help="scoring weights TOML (default: data/scoring_weights.toml values)")
    p.add_argument("--gaps", type=Path, default=None,
                   help="lighting.gpkg from lighting-gaps, for the physical score")
    _add_measures_flag(p)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _add_map_flags(p)

    p = sub.add_parser("place", help="look a place up in the area's gazetteer")
    p.add_argument("name", help="name or alias, any case, with or without å ä ö")
    _add_area_flags(p)

    sub.add_parser("profiles", help="list the shipped area profiles")

    p = sub.add_parser("assets", help="offline map assets (Leaflet and plugins from npm)")
    p.add_argument("action", choices=["install", "status"])
    p.add_argument("--folder", type=Path, default=None,
                   help="install folder (default: settings.assets_folder)")
    return parser


def _add_lighting_parser(sub: Any) -> None:
    """The ``lighting`` command group (``lighting-gaps`` stays a command of its own)."""
    p = sub.add_parser("lighting", help="lighting: the lamp inventory round trip")
    lsub = p.add_subparsers(dest="lighting_command", metavar="ACTION", required=True)
    q = lsub.add_parser("inventory-template",
                        help="an inventory template (XLSX or CSV) of the known lamps of the "
                             "target and the places without lamp data, to fill in on site "
                             "and pass back to lighting-gaps --lamps")
    _add_area_flags(q)
    q.add_argument("--target", choices=["all", "courtyards", "square", "paths"], default="all",
                   help="courtyards, the main square, paths (no car roads), or all places, "
                        "car roads included (all)")
    q.add_argument("--lamps", type=Path, default=None,
                   help="an inventory already made, merged with the OSM lamps")
    q.add_argument("--square", default=None,
                   help="the main square (default: the profile's)")
    q.add_argument("--out", type=Path, required=True, help="file to write (.xlsx or .csv)")


def _lighting(args: argparse.Namespace) -> int:
    from sjobo_geo.jobs.lighting import (
        INVENTORY_TEMPLATE_STEPS,
        run_lighting_inventory_template,
    )

    return _job(args, INVENTORY_TEMPLATE_STEPS, run_lighting_inventory_template, args.area,
                out=args.out, target=args.target, lamps=args.lamps, square=args.square,
                osm_file=args.osm_file, source=args.source)


class _Steps:
    """A tqdm bar over named steps (or plain lines when progress is off)."""

    def __init__(self, steps: Sequence[str], enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=len(steps), unit="step", file=sys.stderr,
                            bar_format="{desc:<22} {bar} {n_fmt}/{total_fmt} [{elapsed}]")
        self.started = False

    def __call__(self, step: str) -> None:
        if self.bar is not None:
            if self.started:
                self.bar.update(1)
            self.bar.set_description_str(step)
            self.started = True

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.close()


def _job(args: argparse.Namespace, steps: tuple[str, ...], run: Any, *pos: Any,
         **kwargs: Any) -> int:
    """Run one job with a progress bar over ``steps``, then print its messages and files."""
    bar = _Steps(steps, enabled=not args.no_progress)
    result = run(*pos, progress=bar, **kwargs)
    bar.close()
    _print_result(result)
    return 0


def _run(args: argparse.Namespace) -> int:
    map_flags = dict(offline_html=getattr(args, "offline_html", False),
                     lang=getattr(args, "lang", None))
    if args.command == "area":
        from sjobo_geo import jobs

        return _job(args, jobs.AREA_STEPS, jobs.run_area, args.area, out=args.out,
                    osm_file=args.osm_file, source=args.source, **map_flags)
    if args.command == "demo":
        from sjobo_geo import jobs

        return _job(args, jobs.DEMO_STEPS, jobs.run_demo, args.out, lang=args.lang)
    if args.command == "reports":
        return _reports(args)
    if args.command == "measures":
        return _measures(args)
    if args.command == "lighting-gaps":
        from sjobo_geo.jobs.lighting import LIGHTING_STEPS, run_lighting_gaps

        return _job(args, LIGHTING_STEPS, run_lighting_gaps, args.area, out=args.out,
                    lamps=args.lamps, reports=args.reports, add_lamps=args.add_lamps,
                    classes=args.classes, osm_file=args.osm_file, source=args.source,
                    square=args.square, maintenance_factor=args.maintenance_factor,
                    target=args.target,
                    facade_threshold_lux=args.facade_threshold, measures=args.measures,
                    **map_flags)
    if args.command == "lighting":
        return _lighting(args)
    if args.command == "patrol":
        from sjobo_geo.jobs.patrol import PATROL_STEPS, run_patrol

        return _job(args, PATROL_STEPS, run_patrol, args.reports, args.area, out=args.out,
                    shift_minutes=args.shift_minutes, start=args.start,
                    speed_kmh=args.speed_kmh, stop_minutes=args.stop_minutes, seed=args.seed,
                    units=args.units, max_stops=args.max_stops, measures=args.measures,
                    start_time=args.start_time, **map_flags)
    if args.command == "est-week":
        from sjobo_geo.jobs.est import EST_STEPS, run_est_week

        return _job(args, EST_STEPS, run_est_week, args.reports, args.area, out=args.out,
                    week=args.week, period=args.period, public=args.public, k=args.k,
                    measures=args.measures, **map_flags)
    if args.command == "follow-up":
        from sjobo_geo.jobs.follow_up import FOLLOW_UP_STEPS, run_follow_up

        return _job(args, FOLLOW_UP_STEPS, run_follow_up, args.reports, args.measures,
                    args.area, out=args.out, radius=args.radius,
                    min_reports=args.min_reports, public=args.public, k=args.k, **map_flags)
    if args.command == "hotspots":
        from sjobo_geo.jobs.hotspots import HOTSPOT_STEPS, run_hotspots

        return _job(args, HOTSPOT_STEPS, run_hotspots, args.reports, args.area, out=args.out,
                    public=args.public, cell_size=args.cell_size, k=args.k,
                    weights=args.weights, gaps=args.gaps, measures=args.measures, **map_flags)
    if args.command == "schoolyard":
        from sjobo_geo import jobs
        from sjobo_geo.jobs.schoolyard import SCHOOLYARD_STEPS

        return _job(args, SCHOOLYARD_STEPS, jobs.run_schoolyard_job, args.area, out=args.out,
                    place=args.place, reports=args.reports, lighting=args.lighting,
                    osm_file=args.osm_file, source=args.source, min_share=args.min_share,
                    settings=args.settings, measures=args.measures, **map_flags)
    if args.command == "sample-reports":
        from sjobo_geo import jobs

        path = jobs.run_sample_reports(args.area, out=args.out, n=args.n, seed=args.seed,
                                       osm_file=args.osm_file, source=args.source)
        _say(f"wrote {path} ({args.n} SYNTHETIC reports, seed {args.seed})")
        return 0
    if args.command == "place":
        from sjobo_geo.core.area import load_area

        area = load_area(args.area, osm_file=args.osm_file, source=args.source)
        place = area.find(args.name)
        x, y = place.geometry.representative_point().coords[0]
        _say(f"{place.name} ({place.kind}, {place.matched} match): "
             f"{area.crs} x={x:.1f} y={y:.1f}, {place.n_features} OSM feature(s)")
        return 0
    if args.command == "profiles":
        from sjobo_geo.core.profiles import list_profiles, load_profile

        for name in list_profiles():
            profile = load_profile(name)
            _say(f"{name:<10} {profile.name} ({profile.crs}, source: {profile.source})")
        return 0
    if args.command == "assets":
        from sjobo_geo.maps import offline

        if args.action == "install":
            folder = offline.install_assets(args.folder)
            print(f"map assets installed in {folder}")
            return 0
        missing = offline.missing_assets(args.folder)
        print("map assets: " + ("complete" if not missing else f"missing {len(missing)} files"))
        return 0 if not missing else EXIT_ERROR
    raise AssertionError(args.command)  # argparse guarantees a known command


def _say(line: Any = "", *, err: bool = False) -> None:
    """Print one line that may carry text from a file (a cell, a name, a path).

    Control characters are shown as ``\\x1b`` (:func:`sjobo_geo.core.text.terminal_text`):
    a cell holding ``ESC[2J`` must not clear the screen of whoever validates the file.
    """
    from sjobo_geo.core.text import terminal_text

    print(terminal_text(line), file=sys.stderr if err else sys.stdout)


def _say_json(data: Any) -> None:
    """Print JSON for machines: C0 controls are escaped by ``json``, C1 and DEL here."""
    import json

    text = json.dumps(data, ensure_ascii=False, default=str)
    print("".join(f"\\u{ord(c):04x}" if 0x7f <= ord(c) <= 0x9f else c for c in text))


def _print_result(result: Any) -> None:
    """A job's messages, then the files it wrote."""
    for message in result.messages:
        _say(message)
    for path in result.files.values():
        _say(f"wrote {path}")


def _measures(args: argparse.Namespace) -> int:
    from sjobo_geo import jobs

    steps = _Steps(jobs.MEASURES_STEPS, enabled=not args.no_progress)
    result = jobs.run_measures_validate(args.file, args.area, osm_file=args.osm_file,
                                        source=args.source, rejects=args.rejects,
                                        out=args.out, gpkg=args.gpkg, strict=args.strict,
                                        progress=steps)
    steps.close()
    if args.json:
        _say_json(result.measures.accounting())
    else:
        for line in result.measures.messages(limit=10):
            _say(line)
        for path in result.files.values():
            _say(f"wrote {path}")
    return 0


def _reports(args: argparse.Namespace) -> int:
    from sjobo_geo import jobs

    common = dict(osm_file=args.osm_file, source=args.source, columns=args.columns,
                  crs=args.crs, report_source=args.report_source, strict=args.strict)
    steps = _Steps(jobs.REPORT_STEPS[:2] if args.reports_command == "validate"
                   else jobs.REPORT_STEPS, enabled=not args.no_progress)
    if args.reports_command == "validate":
        result = jobs.run_reports_validate(args.file, args.area, rejects=args.rejects,
                                           out=args.out, progress=steps, **common)
    else:
        result = jobs.run_reports_map(args.file, args.area, out=args.out, public=args.public,
                                      k=args.k, cell_size=args.cell_size,
                                      offline_html=args.offline_html, lang=args.lang,
                                      progress=steps, measures=args.measures, **common)
    steps.close()
    acc = result.reports.accounting()
    if getattr(args, "json", False):
        _say_json(acc)
    else:
        _say(f"{acc['file']}: {acc['total']} rows, {acc['accepted']} accepted, "
             f"{acc['rejected']} rejected" + (" (SYNTHETIC data)" if acc["synthetic"] else ""))
        for reason, count in acc["rejected_by_reason"].items():
            _say(f"  rejected {count}: {reason}")
        for warning in acc["warnings"]:
            _say(f"  note: {warning}")
        for message in result.messages:
            _say(message)
        for path in result.files.values():
            _say(f"wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sjobo-geo`` command."""
    from sjobo_geo._errors import SjoboGeoError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except SjoboGeoError as exc:
        if args.debug:
            raise
        _say(f"sjobo-geo: error: {exc}", err=True)
        return EXIT_ERROR
    except OSError as exc:
        if args.debug:
            raise
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _say(f"sjobo-geo: error: {where}{exc.strerror or exc}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("sjobo-geo: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one readable line, never a traceback, unless --debug
        if args.debug:
            raise
        _say(f"sjobo-geo: internal error: {type(exc).__name__}: {exc} "
             "(rerun with --debug for details)", err=True)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
