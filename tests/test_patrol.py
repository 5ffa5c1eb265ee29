"""Patrol planning: candidates, routes on the network, the time budget, GPX and the job."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pytest

from sjobo_geo.analysis.patrol import (
    PatrolError,
    RouteGraph,
    candidate_stops,
    nearest_neighbour_order,
    plan_route,
    tour_length,
    two_opt,
)
from sjobo_geo.maps.gpx import GPX_NS, write_gpx

SPEED = 5.0
M_PER_MIN = SPEED * 1000 / 60


def grid_graph(n: int = 12, spacing: float = 80.0, seed: int = 1) -> nx.MultiDiGraph:
    """A perturbed n × n street grid (both directions), lengths in metres, plus an island."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph()
    for i in range(n):
        for j in range(n):
            g.add_node((i, j), x=i * spacing + rng.uniform(-15, 15),
                       y=j * spacing + rng.uniform(-15, 15))
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                a, b = (i, j), (i + di, j + dj)
                if b in g and rng.random() > 0.08:
                    xa, ya = g.nodes[a]["x"], g.nodes[a]["y"]
                    xb, yb = g.nodes[b]["x"], g.nodes[b]["y"]
                    length = float(np.hypot(xa - xb, ya - yb)) * rng.uniform(1.0, 1.2)
                    g.add_edge(a, b, length=length)
                    g.add_edge(b, a, length=length)
    # an island far away: two nodes joined to each other only
    g.add_node("i1", x=5000.0, y=5000.0)
    g.add_node("i2", x=5050.0, y=5000.0)
    g.add_edge("i1", "i2", length=50.0)
    g.add_edge("i2", "i1", length=50.0)
    return g


@pytest.fixture(scope="module")
def graph():
    return grid_graph()


@pytest.fixture(scope="module")
def stops(graph):
    rg = RouteGraph.from_graph(graph)
    nodes = [n for n, ok in zip(rg.nodes, rg.component, strict=True) if ok]
    rng = np.random.default_rng(3)
    picks = rng.choice(len(nodes), 15, replace=False)
    return [nodes[i] for i in picks], rng.uniform(0.1, 1.0, 15)


def _is_edge(g, u, v) -> bool:
    return g.has_edge(u, v) or g.has_edge(v, u)


@pytest.mark.parametrize("budget", [20, 60, 120, 400])
def test_route_follows_network_and_budget(graph, stops, budget):
    nodes, prio = stops
    start = next(iter(graph.nodes))
    plan = plan_route(graph, start, nodes, budget_min=budget, speed_kmh=SPEED,
                      stop_min=12, priorities=prio, seed=0)
    assert plan.time_min <= budget + 1e-6
    assert plan.node_path[0] == start and plan.node_path[-1] == start
    for u, v in zip(plan.node_path[:-1], plan.node_path[1:], strict=True):
        assert _is_edge(graph, u, v), (u, v)
    # every chosen stop is on the path, arrival times increase
    for i in plan.order:
        assert nodes[i] in plan.node_path
    assert np.all(np.diff(plan.arrival_min) > 0)
    # the geometry runs through the path's nodes, start to start
    coords = np.asarray(plan.geometry.coords)
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in plan.node_path])
    assert len(coords) == len(plan.node_path)  # straight edges: one vertex per node
    np.testing.assert_allclose(coords, xy)
    walk = plan.length_m / M_PER_MIN
    assert plan.time_min == pytest.approx(walk + 12 * len(plan.order), abs=0.05)
    assert set(plan.order) | set(plan.skipped) == set(range(len(nodes)))
    if budget == 20:
        assert len(plan.order) <= 1


def test_route_length_matches_networkx(graph, stops):
    nodes, prio = stops
    start = next(iter(graph.nodes))
    plan = plan_route(graph, start, nodes, budget_min=90, priorities=prio, jitter=0)
    ug = nx.Graph()
    for u, v, d in graph.edges(data=True):
        if not ug.has_edge(u, v) or ug[u][v]["length"] > d["length"]:
            ug.add_edge(u, v, length=d["length"])
    seq = [start, *[nodes[i] for i in plan.order], start]
    expected = sum(nx.shortest_path_length(ug, a, b, weight="length")
                   for a, b in zip(seq[:-1], seq[1:], strict=True))
    assert plan.length_m == pytest.approx(expected, abs=0.5)


def test_unreachable_stops_are_reported(graph, stops):
    nodes, prio = stops
    start = next(iter(graph.nodes))
    plan = plan_route(graph, start, [*nodes[:3], "i1"], budget_min=500,
                      priorities=[*prio[:3], 10.0])
    assert plan.unreachable == [3]
    assert 3 not in plan.order and 3 not in plan.skipped
    assert sorted(plan.order) == [0, 1, 2]


def test_candidate_unreachable(graph):
    import geopandas as gpd
    import shapely

    units = gpd.GeoDataFrame({
        "unit_id": ["a", "b", "c"], "police_score": [0.9, 0.5, 0.3],
        "police_unsafety": [0.5, 0.2, 0.1], "police_incidents": [0.4, 0.3, 0.2],
        "n_reports": [7, 1, 2],
    }, geometry=shapely.points([(5010, 5001), (100, 100), (3000, -3000)]))
    cands = candidate_stops(units, graph, n_candidates=10)
    assert list(cands["unit_id"]) == ["a", "b", "c"]
    assert list(cands["reachable"]) == [False, True, False]
    assert "not connected" in cands.loc[0, "unreachable_reason"]
    assert "from the network" in cands.loc[2, "unreachable_reason"]
    assert cands.loc[0, "why"].startswith("unsafety 0.50, incidents 0.40; 7 reports")
    assert cands.loc[1, "why"].endswith("1 report")


def test_deterministic_for_a_seed(graph, stops):
    nodes, prio = stops
    start = next(iter(graph.nodes))
    kw = {"budget_min": 90, "priorities": prio, "stop_min": 10}
    a = plan_route(graph, start, nodes, seed=7, **kw)
    b = plan_route(graph, start, nodes, seed=7, **kw)
    assert a.order == b.order and a.node_path == b.node_path and a.length_m == b.length_m
    orders = {tuple(plan_route(graph, start, nodes, seed=s, **kw).order) for s in range(8)}
    assert len(orders) > 1  # the seed makes the plan unpredictable


def test_max_stops(graph, stops):
    nodes, prio = stops
    start = next(iter(graph.nodes))
    plan = plan_route(graph, start, nodes, budget_min=600, priorities=prio, max_stops=3)
    assert len(plan.order) == 3


def test_two_opt_not_longer_than_nearest_neighbour(graph, stops):
    nodes, prio = stops
    start = next(iter(graph.nodes))
    for seed in range(5):
        plan = plan_route(graph, start, nodes, budget_min=150, priorities=prio,
                          stop_min=5, seed=seed)
        assert plan.length_m <= plan.nn_length_m + 0.1
    rng = np.random.default_rng(0)
    for _ in range(20):
        pts = rng.uniform(0, 1000, (12, 2))
        d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
        nn = nearest_neighbour_order(d, list(range(1, 12)))
        opt = two_opt(d, nn)
        assert sorted(opt) == list(range(1, 12))
        assert tour_length(d, opt) <= tour_length(d, nn) + 1e-9


def test_bad_arguments(graph):
    start = next(iter(graph.nodes))
    with pytest.raises(PatrolError):
        plan_route(graph, start, [], budget_min=0)
    with pytest.raises(PatrolError):
        plan_route(graph, "nowhere", [], budget_min=10)
    plan = plan_route(graph, start, [], budget_min=10)
    assert plan.order == [] and plan.length_m == 0


def _check_gpx(path, n_stops: int) -> ET.Element:
    """Structural GPX 1.1 checks (no official XSD available offline)."""
    root = ET.parse(path).getroot()
    q = f"{{{GPX_NS}}}"
    assert root.tag == f"{q}gpx"
    assert root.get("version") == "1.1" and root.get("creator") == "sjobo-geo"
    kinds = [c.tag.removeprefix(q) for c in root]
    rank = {"metadata": 0, "wpt": 1, "rte": 2, "trk": 3, "extensions": 4}
    assert all(k in rank for k in kinds)
    assert [rank[k] for k in kinds] == sorted(rank[k] for k in kinds)  # schema order
    wpt_order = ["ele", "time", "magvar", "geoidheight", "name", "cmt", "desc", "src", "link",
                 "sym", "type", "fix"]
    for el in root.iter():
        if el.tag in (f"{q}wpt", f"{q}rtept", f"{q}trkpt"):
            assert -90 <= float(el.get("lat")) <= 90 and -180 <= float(el.get("lon")) < 180
            tags = [c.tag.removeprefix(q) for c in el]
            assert [wpt_order.index(t) for t in tags] == sorted(wpt_order.index(t) for t in tags)
    assert len(root.findall(f"{q}wpt")) == n_stops
    rte = root.findall(f"{q}rte")
    assert len(rte) == 1 and len(rte[0].findall(f"{q}rtept")) == n_stops + 1
    return root


def test_gpx_structure(tmp_path):
    stops = [{"lat": 60.17, "lon": 24.95, "name": "1. <Kajen> & {{x}}", "desc": "why"},
             {"lat": 60.171, "lon": 24.951, "name": "2"}]
    path = write_gpx(tmp_path / "p.gpx", stops=stops,
                     start={"lat": 60.169, "lon": 24.949, "name": "start"},
                     track=[(60.169, 24.949), (60.17, 24.95)], name="t")
    root = _check_gpx(path, 2)
    assert root.find(f"{{{GPX_NS}}}wpt/{{{GPX_NS}}}name").text == "1. <Kajen> & {{x}}"


@pytest.fixture(scope="module")
def patrol_run(tmp_path_factory, sample_area):
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.patrol import run_patrol

    d = tmp_path_factory.mktemp("patrol")
    reports = write_sample_reports(sample_area, d / "reports.csv", n=300, seed=0)
    steps: list[str] = []
    result = run_patrol(reports, sample_area, out=d / "out", shift_minutes=120, seed=1,
                        lang="en", progress=steps.append)
    return result, steps, d / "out"


def test_end_to_end_sample(patrol_run, sample_area):
    import pandas as pd
    import pyogrio

    from sjobo_geo.jobs.patrol import PATROL_STEPS

    result, steps, out = patrol_run
    assert steps == list(PATROL_STEPS)
    names = {"patrol.html", "patrol.gpx", "patrol.gpkg", "patrol_plan.csv", "patrol.png",
             "patrol_week.csv"}
    assert {p.name for p in result.files.values()} == names
    for name in names:
        assert (out / name).stat().st_size > 0
    assert result.synthetic
    n = len(result.stops)
    assert 2 <= n <= 5
    assert result.plan.time_min <= 120
    _check_gpx(out / "patrol.gpx", n)
    assert "SYNTHETIC" in (out / "patrol.gpx").read_text(encoding="utf-8")
    plan = pd.read_csv(out / "patrol_plan.csv", dtype={"arrival": str, "depart": str})
    visits = plan[plan["stop"].notna()]
    assert list(visits["stop"]) == list(range(1, n + 1))
    assert plan["synthetic"].all() and plan["why"].str.len().min() > 0
    assert visits["arrival_min"].is_monotonic_increasing
    layers = {name for name, _ in pyogrio.list_layers(out / "patrol.gpkg")}
    assert {"stops", "route", "candidates", "areas", "start", "about"} <= layers
    page = (out / "patrol.html").read_text(encoding="utf-8")
    assert "SJOBO_LAYERS" in page and "sjobo-synthetic-banner" in page
    assert (out / "patrol.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    g = sample_area.graph
    path = result.plan.node_path
    assert all(_is_edge(g, u, v) for u, v in zip(path[:-1], path[1:], strict=True))
    assert len(result.areas) >= 1 and result.areas.geometry.is_valid.all()


def test_popups_escape_names(patrol_run, sample_area, tmp_path):
    from dataclasses import replace

    from sjobo_geo.maps.offline import save_map
    from sjobo_geo.maps.patrol import patrol_map

    result, _, _ = patrol_run
    patrol = result.analysis
    bad = "<script>alert(1)</script> {{ 7*7 }}"
    hostile = replace(patrol, stops=patrol.stops.assign(nearest_street=bad),
                      top_units=patrol.top_units.assign(nearest_street=bad))
    m = patrol_map(hostile, sample_area, lang="sv", tiles=False)
    page = save_map(m, tmp_path / "p.html", offline=False).read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "{{ 7*7 }}" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_patrol_cli(tmp_path, sample_area):
    import pandas as pd
    from helpers import assert_one_line_error, run_cli

    from sjobo_geo.inputs.reports.synthetic import write_sample_reports

    src = write_sample_reports(sample_area, tmp_path / "r.csv", n=300, seed=4)
    out = tmp_path / "patrol"
    proc = run_cli("patrol", "--reports", str(src), "--out", str(out), "--shift-minutes", "90",
                   "--offline-html", "--start-time", "7:45")
    assert proc.returncode == 0, proc.stderr
    assert {"patrol.html", "patrol.gpx", "patrol.gpkg", "patrol_plan.csv", "patrol.png"} <= {
        p.name for p in out.iterdir()}
    plan = pd.read_csv(out / "patrol_plan.csv", dtype={"arrival": str})
    arrivals = plan.loc[plan["stop"].notna(), "arrival"]
    assert len(arrivals) and (arrivals >= "07:45").all() and (arrivals < "09:15").all()
    assert_one_line_error(run_cli("patrol", "--reports", str(tmp_path / "none.csv"), "--out",
                                  str(tmp_path)), "none.csv")
    assert_one_line_error(run_cli("patrol", "--reports", str(src), "--out", str(tmp_path / "x"),
                                  "--start-time", "25:00"), "25:00")


def test_gpx_validates_against_the_gpx_1_1_schema(patrol_run):
    """The official XSD (TopoGrafix GPX 1.1), kept in tests/data (see its README)."""
    from helpers import DATA
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(DATA / "gpx_1_1.xsd")))
    result, _steps, _out = patrol_run
    doc = etree.parse(str(result.files["gpx"]))
    assert schema.validate(doc), schema.error_log
    # the schema is strict: a point without its latitude is refused
    points = doc.xpath("//*[@lat]")
    assert points
    del points[0].attrib["lat"]
    assert not schema.validate(doc)


# ---- plans that can be explained; clock times --------------------------------------------

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# factor codes with their weights ("youth 0.20"): the old, unreadable "why"
FACTOR_CODES = re.compile(r"\b(?:unsafety|incidents|youth|schools|leisure|main_square) \d")


@pytest.fixture(scope="module")
def demo_reports(sample_area):
    """The demo's reports (800 synthetic reports, seed 2024), validated in memory."""
    from test_analysis_api import reports_in_memory

    return reports_in_memory(sample_area, 800, seed=2024)


@pytest.fixture(scope="module")
def demo_plan(sample_area, demo_reports):
    """The demo's plan: 120 minutes from the main square, at most 5 stops."""
    from sjobo_geo.analysis.patrol import plan_patrol

    return plan_patrol(sample_area, demo_reports)


def test_demo_plan_visits_rank_1_or_says_why(demo_plan):
    from sjobo_geo.analysis.patrol import REASONS, TOP_UNITS_COLUMNS

    top = demo_plan.top_units
    assert list(top.columns[:len(TOP_UNITS_COLUMNS)]) == list(TOP_UNITS_COLUMNS)
    assert len(top) == 10 and list(top["rank"]) == list(range(1, 11))
    assert top["police_score"].is_monotonic_decreasing
    assert top["reason"].isin(REASONS).all() and (top["reason"] != "not_chosen").all()
    assert top["explanation"].str.len().min() > 10
    for r in top.to_dict("records"):
        if r["reason"] == "visited":
            stop = demo_plan.stops[demo_plan.stops["stop"] == r["stop"]].iloc[0]
            assert stop["unit_id"] == r["unit_id"] and stop["arrival"] == r["arrival"]
            assert f"stop {r['stop']}, {r['arrival']}" in r["explanation"]
        else:
            assert re.search(r"\d", r["explanation"]), r  # the numbers behind it
    first = top.iloc[0]
    rank1_messages = [m for m in demo_plan.messages if m.startswith("rank 1 ")]
    if first["reason"] == "visited":
        assert not rank1_messages
    else:
        assert rank1_messages and first["explanation"] in rank1_messages[0]
    # the case: rank 1 is reachable and fits the shift on its own, so it is visited
    cand = demo_plan.candidates.set_index("unit_id").loc[first["unit_id"]]
    assert cand["reachable"] and first["reason"] == "visited"
    assert cand["status"] == "stop"
    # and no place of higher priority than a stop is left out without a reason in numbers
    lowest = demo_plan.stops["priority"].min()
    for r in top[top["police_score"] > lowest].to_dict("records"):
        assert r["reason"] in ("visited", "merged", "varied", "budget", "per_minute"), r
    assert any("top 10 for police presence" in m for m in demo_plan.messages)


def test_rank_1_out_of_reach_is_said_in_the_messages(sample_area, demo_reports, demo_plan):
    """A start far from rank 1 and a short shift: rank 1 does not fit, and the plan says so
    with the minutes (on its own vs the shift)."""
    from sjobo_geo.analysis.patrol import plan_patrol

    first = demo_plan.top_units.iloc[0]
    # the corner of the sample farthest from rank 1
    xmin, ymin, xmax, ymax = sample_area.boundary.bounds
    corners = [(x, y) for x in (xmin + 150, xmax - 150) for y in (ymin + 150, ymax - 150)]
    far = max(corners, key=lambda c: np.hypot(c[0] - first["x"], c[1] - first["y"]))
    patrol = plan_patrol(sample_area, demo_plan.hotspots, shift_min=25, stop_min=10,
                         start=far, start_time="22:10")
    row = patrol.top_units.iloc[0]
    assert row["unit_id"] == first["unit_id"]
    assert row["reason"] == "budget" and row["alone_min"] > 25
    assert f"{row['alone_min']:.0f} min" in row["explanation"]
    msg = [m for m in patrol.messages if m.startswith("rank 1 for police presence")]
    assert len(msg) == 1 and "not visited" in msg[0] and row["explanation"] in msg[0]
    assert patrol.start_time == "22:10" and patrol.params["start_time"] == "22:10"


def test_capped_units_say_so(sample_area, demo_plan):
    """With 2 stops at most and a long shift, the places left out say the cap."""
    from sjobo_geo.analysis.patrol import plan_patrol

    patrol = plan_patrol(sample_area, demo_plan.hotspots, shift_min=240, max_stops=2, seed=4)
    top = patrol.top_units
    assert len(patrol.stops) == 2
    assert top.loc[0, "reason"] == "visited"  # rank 1 is in when it fits and costs little
    capped = top[top["reason"] == "capped"]
    assert len(capped) >= 1
    assert capped["explanation"].str.startswith("capped at 2 stops").all()
    assert (capped["police_score"] <= patrol.stops["priority"].min()).all()


def test_clock_times_in_the_plan(sample_area, demo_plan, demo_reports):
    from dataclasses import replace

    from sjobo_geo.analysis.patrol import clock_time, plan_patrol

    assert demo_plan.start_time == "18:00"  # the sample profile's [patrol] start_time
    stops = demo_plan.stops
    assert stops["arrival"].map(bool).all() and stops["arrival"].str.match(CLOCK).all()
    for r in stops.itertuples():
        assert r.arrival == clock_time("18:00", r.arrival_min)
        assert r.depart == clock_time("18:00", r.depart_min)
    assert stops["arrival"].iloc[0] >= "18:00"
    assert demo_plan.week["arrival"].str.match(CLOCK).all()
    # another profile's start time, and an explicit one
    late = replace(sample_area, profile=replace(sample_area.profile,
                                                patrol_start_time="23:40"))
    patrol = plan_patrol(late, demo_plan.hotspots)
    assert patrol.start_time == "23:40"
    assert patrol.stops["arrival"].iloc[-1] == clock_time("23:40",
                                                          patrol.stops["arrival_min"].iloc[-1])
    assert patrol.stops["arrival"].iloc[-1] < "23:40"  # past midnight
    assert plan_patrol(late, demo_plan.hotspots, start_time="6:05").start_time == "06:05"
    with pytest.raises(PatrolError, match="HH:MM"):
        plan_patrol(sample_area, demo_plan.hotspots, start_time="18.00")


def test_profile_patrol_start_time(tmp_path):
    from sjobo_geo._errors import ProfileError
    from sjobo_geo.core.profiles import load_profile

    assert load_profile("sample").patrol_start_time == "18:00"
    assert load_profile("sjobo").patrol_start_time == "18:00"
    base = ('name = "X"\ncrs = "EPSG:3006"\n[boundary]\n'
            "bbox = { south = 57.7, west = 12.9, north = 57.8, east = 13.0 }\n")
    for text, expected in (("", "18:00"), ('[patrol]\nstart_time = "7:30"\n', "07:30"),
                           ("[patrol]\nstart_time = 21:15:00\n", "21:15")):
        (tmp_path / "x.toml").write_text(base + text, encoding="utf-8")
        assert load_profile(tmp_path / "x.toml").patrol_start_time == expected
    (tmp_path / "x.toml").write_text(base + '[patrol]\nstart_time = "evening"\n',
                                     encoding="utf-8")
    with pytest.raises(ProfileError, match="start_time"):
        load_profile(tmp_path / "x.toml")


def test_outputs_have_clock_times_and_words(patrol_run):
    """patrol_plan.csv: stops with clock times, then the highest-ranked units not visited,
    every one with its reason; the GPX, the page and the sheet: clock times and words."""
    import pandas as pd

    from sjobo_geo.analysis.patrol.explain import reason_text
    from sjobo_geo.maps.patrol import _sheet_lines

    result, _steps, out = patrol_run
    patrol = result.analysis
    plan = pd.read_csv(out / "patrol_plan.csv", dtype={"arrival": str, "depart": str},
                       keep_default_na=False)
    visits = plan[plan["stop"] != ""]
    assert visits["arrival"].str.match(CLOCK).all() and visits["depart"].str.match(CLOCK).all()
    assert list(visits["arrival"]) == list(patrol.stops["arrival"])
    assert (visits["reason"] == "visited").all()
    others = plan[plan["stop"] == ""]
    top = patrol.top_units
    not_visited = top[top["reason"] != "visited"]
    assert list(others["rank"].astype(int)) == list(not_visited["rank"])
    assert (others["explanation"].str.len() > 10).all()
    assert list(others["explanation"]) == [reason_text(r, "en")
                                           for r in not_visited.to_dict("records")]
    # every one of the top 10 is in the file: as a stop or with its reason
    listed = set(visits["unit_id"]) | set(others["unit_id"])
    assert set(top["unit_id"]) <= listed
    assert not plan["why"].str.contains(FACTOR_CODES).any()
    assert plan["why"].str.contains("reports|report").all()

    root = ET.parse(out / "patrol.gpx").getroot()
    q = f"{{{GPX_NS}}}"
    wpts = root.findall(f"{q}wpt")
    for w, r in zip(wpts, patrol.stops.itertuples(), strict=True):
        name, desc = w.find(f"{q}name").text, w.find(f"{q}desc").text
        assert name.startswith(f"{r.stop}. {r.arrival} ")
        assert f"Arrival {r.arrival}" in desc and not FACTOR_CODES.search(desc)
    start = root.find(f"{q}rte/{q}rtept/{q}name").text
    assert start.endswith(patrol.start_time)

    page = (out / "patrol.html").read_text(encoding="utf-8")
    assert 'id="sjobo-patrol-top"' in page
    assert page.count('class="sjobo-patrol-top-row"') == 10
    assert "The 10 places ranked highest for police presence" in page
    assert not FACTOR_CODES.search(page)
    lines = "\n".join(_sheet_lines(patrol, "sv"))
    assert "De 10 högst rankade platserna för polisnärvaro" in lines
    assert all(f"{r.stop}. {r.arrival}" in lines for r in patrol.stops.itertuples())
    assert not FACTOR_CODES.search(lines)


def test_reasons_in_both_languages(demo_plan):
    from sjobo_geo.analysis.patrol import reason_text, why_text

    for r in demo_plan.top_units.to_dict("records"):
        sv, en = reason_text(r, "sv"), reason_text(r, "en")
        assert sv != en and re.findall(r"\d+", sv) == re.findall(r"\d+", en)
    r = demo_plan.stops.iloc[0].to_dict()
    assert "rapporter" in why_text(r, "sv") and "reports" in why_text(r, "en")
    assert not FACTOR_CODES.search(why_text(r, "sv"))


def _gpx_schema():
    """The official GPX 1.1 XSD, kept in tests/data (as in the test above)."""
    from helpers import DATA
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(DATA / "gpx_1_1.xsd")))


def test_gpx_with_control_characters_in_names_is_valid(tmp_path):
    """A control character in an OSM street name or a profile's name is dropped (XML 1.0
    forbids it: the file would not be well-formed); markup characters stay, escaped."""
    from lxml import etree

    path = write_gpx(
        tmp_path / "patrol.gpx",
        stops=[{"lat": 60.17, "lon": 24.95, "name": "1. Kaj\x07en <&> \x1b[2J",
                "desc": "priority 0.9;\x00 dark\x0c"},
               {"lat": 60.171, "lon": 24.951, "name": "2. Torget\x1f", "desc": ""}],
        start={"lat": 60.169, "lon": 24.949, "name": "Start: Senaatintori\x0b"},
        track=[(60.169, 24.949), (60.17, 24.95), (60.171, 24.951)],
        name="Patrol Hel\x01sinki\ufffe", desc="2 stops\x08")
    doc = etree.parse(str(path))  # raises when the file is not well-formed
    schema = _gpx_schema()
    assert schema.validate(doc), schema.error_log
    ns = {"g": GPX_NS}
    assert doc.findtext("g:metadata/g:name", namespaces=ns) == "Patrol Helsinki"
    assert doc.findtext("g:metadata/g:desc", namespaces=ns) == "2 stops"
    assert [w.findtext("g:name", namespaces=ns) for w in doc.findall("g:wpt", ns)] == [
        "1. Kajen <&> [2J", "2. Torget"]
    assert doc.findtext("g:wpt/g:desc", namespaces=ns) == "priority 0.9; dark"
    assert doc.findtext("g:rte/g:rtept/g:name", namespaces=ns) == "Start: Senaatintori"
    assert doc.findtext("g:trk/g:name", namespaces=ns) == "Patrol Helsinki (streets)"
