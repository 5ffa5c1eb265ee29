"""Lamp data coverage, proposals where the promise needs them, the courtyard table and the
inventory round trip, on the real sample (central Helsinki, where OSM maps few lamps).

Planted cases on copies of the sample's lamps: a courtyard with a known lamp too weak for
its class is *modelled dark*; a lit-tagged street whose lamps are taken out of the data is
*lamp data missing*, not dark; the same courtyard, its lamp filled into an inventory
template and passed back, is *compliant*. The demo's lighting run: the page tells missing
lamp data from modelled darkness and states the coverage, proposals keep their class spacing
and stay off roads carrying cars, and courtyards.csv ranks every courtyard.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import read_csv_with_header, run_cli

from sjobo_geo.analysis.lighting.analysis import analyse_lighting
from sjobo_geo.analysis.lighting.classes import load_lighting_classes
from sjobo_geo.analysis.lighting.courtyards import COURTYARD_VERDICTS, courtyard_lighting
from sjobo_geo.analysis.lighting.coverage import (
    COVERAGE_THRESHOLD,
    TARGETS,
    carries_cars,
    lamp_reach,
    within_reach,
)
from sjobo_geo.analysis.lighting.gaps import analyse_lighting_gaps
from sjobo_geo.analysis.lighting.photometry import horizontal_illuminance
from sjobo_geo.analysis.lighting.proposals import (
    PROPOSAL_SPACING_M,
    NewLamp,
    class_spacing,
)
from sjobo_geo.core.i18n import label
from sjobo_geo.inputs.lamps import (
    TEMPLATE_COLUMNS,
    TEMPLATE_MISSING,
    lamps_from_osm,
    read_lamp_inventory,
    resolve_inventory_columns,
)

# ---- documented settings ---------------------------------------------------------------------


def test_reach_is_four_heights_at_least_twenty_metres():
    assert lamp_reach([1.0, 4.0, 5.0, 6.0, 8.0, 12.0]).tolist() == [20, 20, 20, 24, 32, 48]


@pytest.mark.parametrize("code", ["P1", "P2", "P3", "P4", "P5", "P6"])
def test_class_spacing_is_the_rows_midpoint_rule(code):
    """A row of the proposed lamp at the documented spacing meets the class minimum midway
    between two lamps; 5 m farther apart it does not (the value is rounded down to 5 m)."""
    minimum = load_lighting_classes().requirement(code)[1]
    lamp = NewLamp()
    spacing = PROPOSAL_SPACING_M[code]
    assert class_spacing(minimum) == spacing

    def midway(s: float) -> float:
        return float(horizontal_illuminance([[0.0, 0.0], [s, 0.0]], lamp.height_m,
                                            lamp.intensity_cd, [[s / 2, 0.0]],
                                            distribution="lambertian",
                                            maintenance_factor=0.8)[0])

    assert midway(spacing) >= minimum
    assert midway(spacing + 5.0) < minimum


def test_every_verdict_and_target_has_words():
    for verdict in COURTYARD_VERDICTS:
        for key in (f"cy_verdict_{verdict}", f"cy_legend_{verdict}"):
            assert label(key, "sv") != key and label(key, "en") != key
    for kind in {k for kinds in TARGETS.values() for k in kinds} | {"street"}:
        assert label(f"target_{kind}", "sv") != f"target_{kind}"


# ---- planted cases on the sample ---------------------------------------------------------------


@pytest.fixture(scope="module")
def osm_lamps(sample_area):
    return lamps_from_osm(sample_area)


@pytest.fixture(scope="module")
def yard(sample_area, osm_lamps):
    """A compact courtyard of the sample no OSM lamp reaches: (id, point inside, polygon)."""
    c = sample_area.layers["courtyards"]
    geoms = c.geometry.values
    inside = shapely.point_on_surface(geoms)
    # the farthest corner from the point inside: one lamp there reaches the whole yard
    spread = np.array([shapely.distance(p, shapely.points(shapely.get_coordinates(g))).max()
                       for p, g in zip(inside, geoms, strict=True)])
    lamps_near = shapely.STRtree(osm_lamps.geometry.values).query(
        geoms, predicate="dwithin", distance=40.0)[0]
    ok = (c["area_m2"].to_numpy() > 150) & (spread <= 11.0)
    ok[np.unique(lamps_near)] = False
    assert ok.any(), "the sample has compact courtyards far from every mapped lamp"
    i = int(np.flatnonzero(ok)[0])
    return str(c["courtyard_id"].iloc[i]), inside[i], geoms[i]


@pytest.fixture(scope="module")
def street(sample_area, osm_lamps):
    """A lit-tagged street of the sample the OSM lamps cover along its whole length."""
    p = sample_area.layers["paths"]
    lines = p.geometry.values
    cand = np.flatnonzero((p["lit_status"].astype(str) == "lit").to_numpy()
                          & carries_cars(p["highway"].to_numpy(dtype=object))
                          & (shapely.length(lines) > 40) & (shapely.length(lines) < 150))
    for i in cand:
        pts = shapely.line_interpolate_point(lines[i], np.linspace(0, 1, 11), normalized=True)
        if within_reach(pts, osm_lamps).all():
            return int(i)
    raise AssertionError("no lit street fully covered by OSM lamps in the sample")


def _lamp(point, *, height, flux, crs, status="working"):
    return gpd.GeoDataFrame({
        "lamp_id": ["test:planted"], "source": ["inventory"], "mount_height_m": [height],
        "flux_lm": [flux], "intensity_cd": [flux / np.pi], "distribution": ["lambertian"],
        "status": [status], "light_count": [1]}, geometry=[point], crs=crs)


@pytest.fixture(scope="module")
def planted(sample_area, osm_lamps, yard, street):
    """The sample with a weak lamp in the courtyard and the street's lamps taken out."""
    _, point, _ = yard
    line = sample_area.layers["paths"].geometry.values[street]
    keep = ~shapely.dwithin(osm_lamps.geometry.values, line, 40.0)
    assert (~keep).any()
    lamps = pd.concat([osm_lamps[keep], _lamp(point, height=3.0, flux=150.0,
                                              crs=sample_area.crs)], ignore_index=True)
    return analyse_lighting(sample_area, lamps, betweenness_samples=16)


def test_a_courtyard_with_a_known_weak_lamp_is_modelled_dark(planted, yard):
    yid, _, _ = yard
    yards = courtyard_lighting(planted).set_index("courtyard_id")
    row = yards.loc[yid]
    assert row["verdict"] == "modelled_dark"
    assert row["data_covered"] and row["covered_share"] == pytest.approx(1.0)
    assert row["lamps_inside"] == 1
    assert row["mean_lux"] > 0 and row["below_min_share"] >= 0.5
    assert row["min_lux"] < row["min_req_lux"]
    # its dark cells are a ranked gap: the model says dark, and the data can be trusted there
    gap = planted.gaps[planted.gaps["surface_id"] == f"courtyard:{yid}"]
    assert set(gap["gap_kind"]) >= {"dark_patch"}
    assert courtyard_lighting(planted)["rank"].iloc[0] == 1


def test_a_lit_street_without_lamps_in_the_data_is_missing_data_not_dark(planted, street,
                                                                         demo):
    pieces = planted.pieces[planted.pieces["path_index"] == street]
    assert len(pieces) > 0
    assert (pieces["lamp_data"] == "lamp_data_missing").all()
    assert (pieces["min_lux"] < pieces["min_req_lux"]).all()  # dark in the model ...
    assert (pieces["gap_type"] == "").all() and not pieces["data_covered"].any()  # ... not a gap
    assert not planted.path_gaps["path_index"].eq(street).any()
    sid = pieces["surface_id"].iloc[0]
    assert not planted.gaps["surface_id"].eq(sid).any()
    stretches = planted.data_stretches[planted.data_stretches["surface_id"] == sid]
    assert set(stretches["lamp_data"]) == {"lamp_data_missing"}
    assert stretches["length_m"].sum() == pytest.approx(pieces["length_m"].sum())
    # with its lamps in the data the same street is covered
    before = demo.analysis.pieces
    assert (before.loc[before["path_index"] == street, "lamp_data"] == "lamp_in_reach").all()


# ---- the inventory round trip ---------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    out = tmp_path_factory.mktemp("template") / "inventering.xlsx"
    proc = run_cli("lighting", "inventory-template", "--area", "sample", "--target",
                   "courtyards", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_the_template_has_the_readers_headers_and_a_row_per_courtyard_without_data(
        template, demo):
    path, proc = template
    table = pd.read_excel(path)
    assert list(table.columns) == list(TEMPLATE_COLUMNS.values())
    fields, _ = resolve_inventory_columns(list(table.columns))
    assert set(fields) == {"id", "lat", "lon", "height", "flux", "power", "lamp_type",
                           "light_count", "status", "owner", "mount"}
    missing = table[table["Anmärkning"] == TEMPLATE_MISSING]
    no_data = demo.courtyards["verdict"].isin(["no_lamp_data", "partly_covered"]).sum()
    assert len(missing) == no_data > 0
    for col in ("Ljuspunktshöjd", "Ljusflöde", "Effekt", "Ljuskälla", "Status"):
        assert table[col].isna().all(), col  # the inventory fills them in
    assert table["Latitud"].between(60.1, 60.2).all()
    assert "lampa saknas i data" in proc.stdout


def test_a_filled_template_makes_the_courtyard_compliant(template, sample_area, yard, demo,
                                                         tmp_path):
    import openpyxl

    path, _ = template
    yid, point, _ = yard
    assert demo.courtyards.set_index("courtyard_id").loc[yid, "verdict"] == "no_lamp_data"
    # the template's row for the courtyard: the one at its point inside
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    head = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(head)}
    here = gpd.GeoSeries([point], crs=sample_area.crs).to_crs(4326).iloc[0]
    rows = list(range(2, ws.max_row + 1))
    dist = [abs(ws.cell(r, col["Latitud"]).value - here.y)
            + abs(ws.cell(r, col["Longitud"]).value - here.x) for r in rows]
    r = rows[int(np.argmin(dist))]
    assert min(dist) < 1e-5 and ws.cell(r, col["Anmärkning"]).value == TEMPLATE_MISSING
    # on site: a 4 m wall lamp of 10,000 lm, LED, working
    for header, value in (("Ljuspunktshöjd", 4), ("Ljusflöde", 10000), ("Ljuskälla", "LED"),
                          ("Status", "fungerande")):
        ws.cell(r, col[header]).value = value
    filled = tmp_path / "ifylld.xlsx"
    wb.save(filled)

    inventory = read_lamp_inventory(filled, sample_area)
    assert inventory.accepted == 1  # the filled row; the empty ones are no lamps
    assert inventory.rejected == inventory.total - 1
    assert inventory.rejects["reason"].str.contains(TEMPLATE_MISSING, regex=False).all()
    result = analyse_lighting_gaps(sample_area, inventory, add_lamps=0)
    row = result.courtyards.set_index("courtyard_id").loc[yid]
    assert row["verdict"] == "compliant", row
    assert row["lamps_inside"] == 1 and row["data_covered"]
    assert row["min_lux"] >= row["min_req_lux"]
    assert row["below_min_share"] == 0


# ---- the demo's lighting run -------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(sample_area, tmp_path_factory):
    """run_lighting_gaps as the demo runs it: OSM lamps, 800 synthetic reports (seed 2024)."""
    from sjobo_geo.inputs.reports.synthetic import write_sample_reports
    from sjobo_geo.jobs.lighting import run_lighting_gaps
    from sjobo_geo.maps.offline import install_assets

    install_assets()
    out = tmp_path_factory.mktemp("demo_lighting")
    reports = write_sample_reports(sample_area, out / "sample_reports.csv", n=800, seed=2024)
    return run_lighting_gaps(sample_area, out=out / "lighting", reports=reports,
                             offline_html=True, lang="sv")


def test_the_page_tells_missing_lamp_data_from_modelled_darkness(demo):
    html = demo.files["map"].read_text(encoding="utf-8")
    cov = demo.gaps.coverage
    assert 0 < cov["share"] < COVERAGE_THRESHOLD and cov["below_threshold"]
    assert f"Lampdata täcker {100 * cov['share']:.1f} %" in html
    title = label("lighting_title_inventory", "sv").format(share=f"{100 * cov['share']:.0f}")
    assert f"<title>{title}</title>" in html
    assert 'id="sjobo-lighting-coverage"' in html
    assert label("gaps_lamp_data_missing", "sv") in html
    assert label("gaps_lit_modelled_dark", "sv") in html
    # the two never overlap: a lit-tagged piece without a lamp in reach is no gap
    p = demo.analysis.pieces
    missing = p["lamp_data"] == "lamp_data_missing"
    assert missing.any() and (p.loc[missing, "gap_type"] == "").all()
    assert (p.loc[p["gap_type"] == "lit_modelled_dark", "lamp_data"] == "lamp_in_reach").all()
    # compliance is over the covered pieces, the uncovered share beside it
    f = demo.analysis.figures
    assert f["compliant_share"] == pytest.approx(
        p.loc[p["compliant"] & p["data_covered"], "length_m"].sum()
        / p.loc[p["data_covered"], "length_m"].sum())
    assert "lamp data coverage" in demo.messages[0] and "BELOW 50 %" in demo.messages[0]
    # the courtyards come first: the first layer after the background, the first box
    overlays = _overlay_names(html)
    assert overlays[0] == label("base", "sv")
    assert overlays[1].startswith(label("courtyards_layer", "sv"))
    assert overlays[1].endswith(f"({len(demo.courtyards)})")
    assert html.index('id="sjobo-lighting-courtyards"') < html.index(
        'id="sjobo-lighting-figures"') < html.index('id="sjobo-lighting-coverage"')


def _overlay_names(html: str) -> list[str]:
    """The overlay names of the page's layer control, in their order."""
    import json
    import re

    block = html[html.index("overlays :  {"):]
    block = block[:block.index("}")]
    return [json.loads(f'"{name}"') for name in re.findall(r'^\s*"(.*)" : feature_group_',
                                                          block, flags=re.M)]


def test_proposals_keep_their_spacing_and_stay_off_car_roads(demo):
    rec = demo.recommendation
    lamps = rec.lamps
    assert len(lamps) > 0
    assert set(lamps["target"]) <= {"courtyard", "main_square", "schoolyard", "path"}
    xy = shapely.get_coordinates(lamps.geometry.values)
    spacing = lamps["spacing_m"].to_numpy()
    assert (spacing == lamps["p_class"].map(PROPOSAL_SPACING_M).to_numpy()).all()
    for i in range(len(xy)):
        for j in range(i + 1, len(xy)):
            d = float(np.hypot(*(xy[i] - xy[j])))
            assert d >= max(spacing[i], spacing[j]) - 1e-6, (i, j, d)
    s = demo.analysis.surfaces
    roads = s[(s["kind"] == "path").to_numpy() & carries_cars(s["highway"].to_numpy())]
    assert len(roads) > 0
    on_road = shapely.STRtree(roads.geometry.values).query(lamps.geometry.values,
                                                           predicate="intersects")[0]
    assert len(on_road) == 0
    # each says which gap it fixes and by how much
    assert lamps["gap_id"].isin(demo.analysis.gaps["gap_id"]).all()
    assert (lamps["lux_after"] > lamps["lux_before"]).all()
    assert (lamps["fixed_length_m"] + lamps["fixed_area_m2"] > 0).all()


def test_courtyards_csv_ranks_every_courtyard(demo, sample_area):
    header, table = read_csv_with_header(demo.files["courtyards"])
    assert any("Lampdata täcker" in line for line in header)
    layer = sample_area.layers["courtyards"]
    assert len(table) == len(layer)
    assert table["rank"].tolist() == list(range(1, len(layer) + 1))
    assert set(table["courtyard_id"].astype(str)) == set(layer["courtyard_id"].astype(str))
    order = table["verdict"].map({v: i for i, v in enumerate(COURTYARD_VERDICTS)})
    assert order.notna().all() and order.is_monotonic_increasing
    assert table["verdict_text"].str.len().gt(0).all()
    for col in ("area_m2", "addresses", "lamps_inside", "data_covered", "mean_lux", "min_lux",
                "below_min_share", "lon", "lat"):
        assert col in table, col
    # the addresses come from the buildings around: some courtyards have them
    assert table["addresses"].fillna("").str.len().gt(0).sum() > 10


def test_docstring_examples():
    import doctest

    import sjobo_geo.analysis.lighting.courtyards as courtyards
    import sjobo_geo.analysis.lighting.coverage as coverage
    import sjobo_geo.analysis.lighting.proposals as proposals
    import sjobo_geo.maps.lighting as lighting_map

    for module in (coverage, proposals, courtyards, lighting_map):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted >= 2 and result.failed == 0, module.__name__
