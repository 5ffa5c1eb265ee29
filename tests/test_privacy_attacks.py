"""The attacks on public outputs, played against the files and pages the jobs write.

Each test reads what ``est-week --public`` or ``follow-up --public`` wrote (the page text,
the CSV files, the messages) and tries one way of getting a count under k back: a small
count printed in the summary, a previous-period mean minus the shown counts (56 - 53 = 3),
a column total minus the shown counts, a rising place with "<5" incidents and its p-value,
an actor name that is a person's name and address, a follow-up rate times the days
(4.004 -> 4), a survey share times its total. Every test first checks, on the internal
output of the same data, that the attack has something to find (else it could not fail).
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd
import pytest

K = 5
WEEK = "2024-W30"  # Monday 2024-07-22
PERSON = "Anna Andersson, Storgatan 12"
BAD_VALUE = "Anna Andersson 19850412-1234"
GRID_ID = re.compile(r"^g\d+_\d+$")


# ---- the EST scenario --------------------------------------------------------------------


def _quiet_cells(table: pd.DataFrame, area) -> list:
    """Centres of whole cells inside the area without any generated incident."""
    from pyproj import Transformer

    from sjobo_geo.analysis.est import CELL_SIZE_M
    from sjobo_geo.analysis.hotspots import assign_to_grid, grid_units

    x, y = Transformer.from_crs("EPSG:4326", area.crs, always_xy=True).transform(
        pd.to_numeric(table["Longitud"], errors="coerce").to_numpy(),
        pd.to_numeric(table["Latitud"], errors="coerce").to_numpy())
    grid = grid_units(area, CELL_SIZE_M)
    ok = np.isfinite(x) & np.isfinite(y)
    cells = assign_to_grid(np.column_stack([x[ok], y[ok]]), grid)
    counts = np.bincount(cells[cells >= 0], minlength=len(grid))
    inner = grid[(grid["area_share"] == 1.0) & (counts == 0)]
    return [inner.geometry.iloc[len(inner) * i // 3].centroid for i in (1, 2)]


@pytest.fixture(scope="module")
def est_scenario(tmp_path_factory, sample_area):
    """A sparse SYNTHETIC EST record (about 17 incidents a week, so many counts are under k)
    with, in WEEK: a burst of 12 at a quiet place, a burst of 4 at another, 6 reports by an
    "actor" that is a person's name and address (all graffiti: the other categories of the
    week stay small), and a row whose category is personal."""
    from test_est import _row

    from sjobo_geo.inputs.reports.synthetic import generate_reports

    folder = tmp_path_factory.mktemp("attacks")
    table = generate_reports(sample_area, 700, seed=31, est_share=1.0, start="2024-01-01",
                             weeks=40)
    big, small = _quiet_cells(table, sample_area)
    crs = sample_area.crs
    rows, n = [], 5000
    monday = pd.Timestamp("2024-07-22 08:00")
    for i in range(12):
        n += 1
        when = monday + pd.Timedelta(hours=11 * i)
        rows.append(_row(n, "Polisen", "klotter", f"{when:%Y-%m-%d %H:%M}",
                         (big.x + 7 * i - 40, big.y + 30), "big burst", crs))
    for i in range(4):
        n += 1
        rows.append(_row(n, "Borås Stad", "klotter",
                         f"{monday + pd.Timedelta(hours=30 * i):%Y-%m-%d %H:%M}",
                         (small.x + 9 * i, small.y - 20), "small burst", crs))
    rng = np.random.default_rng(4)
    for i in range(8):  # six in WEEK, two the week before
        n += 1
        when = monday + pd.Timedelta(hours=int(rng.integers(0, 150)) - (168 if i >= 6 else 0))
        rows.append(_row(n, PERSON, "klotter", f"{when:%Y-%m-%d %H:%M}",
                         (big.x + rng.uniform(-400, 400), big.y + rng.uniform(-400, 400)),
                         "person", crs))
    bad = _row(n + 1, "Coop", "klotter", "2024-07-23 12:00", (small.x, small.y), "bad", crs)
    bad["Kategori"] = BAD_VALUE
    rows.append(bad)
    path = folder / "est.csv"
    table.to_csv(path, index=False)
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n").writerows(rows)
    return path, (big, small)


@pytest.fixture(scope="module")
def est_runs(est_scenario, sample_area, tmp_path_factory):
    """The internal and the public run of est-week on the same file."""
    from sjobo_geo.jobs.est import run_est_week

    path, _ = est_scenario
    runs = {}
    for public in (False, True):
        out = tmp_path_factory.mktemp("public" if public else "internal")
        runs[public] = run_est_week(path, sample_area, out=out, week=WEEK, public=public,
                                    k=K, offline_html=True)
    return runs


def _doc(result):
    from lxml import html

    return html.document_fromstring(result.files["html"].read_text(encoding="utf-8"))


def _count_tables(result) -> list[list[list[str]]]:
    """The counts tables of the page (by category, by actor): rows of cell texts."""
    doc = _doc(result)
    return [[[td.text_content().strip() for td in tr.xpath("./td")]
             for tr in table.xpath("./tbody/tr")]
            for table in doc.xpath("//section[@id='counts']//table[@class='counts']")]


def _page_totals(result) -> list[float | None]:
    """The period totals the page gives (the bars' titles of the totals chart)."""
    doc = _doc(result)
    svg = doc.xpath("//section[@id='counts']//svg")[0]
    out = []
    for title in svg.xpath("./rect/title"):
        value = title.text_content().rsplit(": ", 1)[1]
        out.append(None if value == "–" else float(value))
    return out


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def test_the_summary_prints_no_small_count(est_runs):
    """Attack: the summary's "Most common: lighting (4), fire (4)" prints counts under k."""
    def counts_in_summary(result) -> list[int]:
        text = _doc(result).get_element_by_id("est-summary").text_content()
        return [int(n) for n in re.findall(r"\((\d+)\)", text)]

    internal = counts_in_summary(est_runs[False])
    assert any(0 < n < K for n in internal), internal  # the attack had a target
    public = counts_in_summary(est_runs[True])
    assert all(n >= K for n in public), public
    # the categories it names with a count are those the table shows with that count
    text = _doc(est_runs[True]).get_element_by_id("est-summary").text_content()
    table = {row[0].lower(): row[-3] for row in _count_tables(est_runs[True])[0]}
    for name, n in re.findall(r"([\w/ -]+) \((\d+)\)", text.split("Vanligast:")[-1]):
        assert table[name.strip(" ,")] == n
    # and the period total it states is the one of the totals chart
    head = re.search(r"rapporterades (\d+) händelser", text)
    totals = _page_totals(est_runs[True])
    assert head is not None and float(head.group(1)) == totals[-1]


def test_a_previous_mean_gives_back_no_hidden_count(est_runs):
    """Attack: mean x periods - the shown earlier counts = the hidden one (56 - 53 = 3)."""
    week = est_runs[False].week
    earlier = week.period_labels[:-1]
    values = week.by_category[earlier].to_numpy()
    one_small = ((values > 0) & (values < K)).sum(axis=1) == 1
    assert one_small.any()  # a row where the subtraction would give the count back
    checked = 0
    for table in _count_tables(est_runs[True]):
        for row in table:
            cells, mean = row[1:len(earlier) + 1], _number(row[len(earlier) + 2])
            shown = [_number(c) for c in cells]
            if any(c.startswith("<") or c == "×" for c in cells):
                assert mean is None, row  # a hidden count: no mean
                checked += 1
            elif mean is not None:  # every averaged count shown: nothing left to find
                covered = [v for v, c in zip(shown, cells, strict=True) if c != "–"]
                assert mean == pytest.approx(sum(covered) / len(covered), abs=0.05)
    assert checked > 3


def test_a_column_total_gives_back_no_hidden_count(est_runs):
    """Attack: the period total minus the shown counts of a column gives back a hidden
    count. Whatever is subtracted, each "<k" may still be anything from 1 to k - 1."""
    totals = _page_totals(est_runs[True])
    internal = _count_tables(est_runs[False])[0]
    n_cols = len(totals)
    # the target: with only the small counts shown as "<k", some column's total minus the
    # shown counts would narrow a small count below the range 1 .. k-1
    leaks = 0
    for j in range(n_cols):
        values = [_number(r[1 + j]) or 0 for r in internal]
        small = [v for v in values if 0 < v < K]
        if small:
            rest, n_small = sum(small), len(small)
            leaks += (rest - (n_small - 1) < K - 1) or (rest - (n_small - 1) * (K - 1) > 1)
    assert leaks
    protected = 0
    for table in _count_tables(est_runs[True]):
        for j in range(n_cols):
            cells = [r[1 + j] for r in table]
            if totals[j] is None:  # the total hidden: so is the whole column
                assert all(c in ("×", "–") for c in cells), cells
                continue
            small = sum(c == f"<{K}" for c in cells)
            comp = sum(c == "×" for c in cells)
            if not small:
                assert comp == 0 or sum(_number(c) or 0 for c in cells) <= totals[j]
                continue
            rest = totals[j] - sum(_number(c) or 0 for c in cells)
            # the largest value one small count can take given the others' minima
            assert comp >= 1, cells
            assert rest - (small - 1) - comp * K >= K - 1, (cells, totals[j])
            protected += 1
    assert protected >= 3


def test_rising_places_with_few_incidents_are_not_public(est_runs, est_scenario,
                                                          sample_area):
    """Attack: a rising 100 m cell listed with "<5" incidents, a previous mean of 0.2 (2
    reports) and a p-value. Publicly a place has at least k incidents, a name (never a grid
    id), and a mean and p only when no earlier count under k can be computed from them."""
    from sjobo_geo.analysis.est import CELL_SIZE_M
    from sjobo_geo.analysis.hotspots import assign_to_grid, grid_units

    _, (big, small) = est_scenario
    grid = grid_units(sample_area, CELL_SIZE_M)
    ids = grid["unit_id"].to_numpy()[assign_to_grid([(big.x, big.y), (small.x, small.y)],
                                                    grid)]
    internal = est_runs[False].rising.set_index("unit_id")
    assert ids[1] in internal.index and internal.loc[ids[1], "count"] < K  # the target
    assert ids[0] in internal.index
    public = est_runs[True]
    rising = pd.read_csv(public.files["rising"], comment="#", dtype=str,
                         keep_default_na=False, encoding="utf-8-sig")
    assert len(rising) >= 1
    assert (rising["count"].astype(int) >= K).all()
    assert not rising["place"].str.match(GRID_ID.pattern).any()
    assert (rising["q"] == "").all()
    n_prev = public.week.params["previous_covered"]
    for r in rising.itertuples(index=False):
        if r.p:
            assert r.prev_mean  # p rests on the earlier counts: shown only with their mean
        if r.prev_mean:  # the earlier sum it gives is 0 or at least k
            total = round(float(r.prev_mean) * n_prev)
            assert total == 0 or total >= K
    page = _doc(public)
    rows = page.xpath("//table[@id='est-rising-table']/tbody/tr")
    assert len(rows) == len(rising)
    for tr in rows:
        cells = [td.text_content().strip() for td in tr.xpath("./td")]
        assert int(cells[2]) >= K and not GRID_ID.match(cells[0])
        assert "<" not in "".join(cells)
    # the place of the small burst is named nowhere on the public map either
    assert public.week.public_view.cells["count"].min() >= K


def test_an_actor_that_is_a_person_is_not_named(est_runs):
    """Attack: an "actor" column holding a person's name and address gives that household's
    exact weekly counts. Publicly only the profile's organisations are named."""
    internal = est_runs[False].files["html"].read_text(encoding="utf-8")
    assert "Anna Andersson" in internal  # the target
    public = est_runs[True]
    texts = [p.read_text(encoding="utf-8-sig") for p in public.files.values()
             if p.suffix in {".html", ".csv"}]
    texts.append("\n".join(public.messages))
    for text in texts:
        assert "Anna Andersson" not in text and "Storgatan" not in text
    actors = [row[0] for row in _count_tables(public)[1]]
    assert "annan aktör" in actors and "Polisen" in actors
    organisations = {"Polisen", "Borås Stad", "Coop", "annan aktör"}
    assert set(actors) <= organisations


def test_a_rejected_value_is_not_echoed(est_runs):
    """Attack: a rejected row's reason repeats its value ("unknown category: <personal
    text>"). Publicly the reason is its kind only, and no rejects file is written."""
    internal = "\n".join(est_runs[False].messages)
    assert "19850412" in internal  # the target
    public = est_runs[True]
    messages = "\n".join(public.messages)
    assert "unknown category" in messages and "19850412" not in messages
    assert "rejects" not in public.files
    for path in public.files.values():
        if path.suffix in {".html", ".csv"}:
            assert "19850412" not in path.read_text(encoding="utf-8-sig")


# ---- the follow-up -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def fu_runs(tmp_path_factory, sample_area):
    """Two SYNTHETIC years, sparse (small counts in the zones), seven measures; the
    follow-up internal and public (min_reports=1: every zone is compared)."""
    from sjobo_geo.inputs.reports.synthetic import generate_reports
    from sjobo_geo.jobs.follow_up import run_follow_up

    folder = tmp_path_factory.mktemp("fu_attacks")
    table = generate_reports(sample_area, 1500, seed=9, start="2023-01-02", weeks=104,
                             est_share=0.85, place_text_share=0.0)
    reports = folder / "reports.csv"
    table.to_csv(reports, index=False)
    places = ["Senaatintori", "Rautatientori", "Esplanadinpuisto", "Kaisaniemen ala-aste",
              "Tornin piha", "Lasipalatsinaukio", "Kruununhaan yläasteen koulu"]
    kinds = ["ny belysning", "buskar röjda", "ökad polisnärvaro", "fasadbelysning",
             "städning", "ny belysning", "buskar röjda"]
    register = folder / "measures.csv"
    pd.DataFrame({"Åtgärd-ID": [f"M{i}" for i in range(7)], "Typ": kinds, "Plats": places,
                  "Datum": ["2024-01-01"] * 7, "Status": ["klar"] * 7,
                  "Ansvarig": ["Borås Stad"] * 7}).to_csv(register, index=False)
    runs = {}
    for public in (False, True):
        out = tmp_path_factory.mktemp("fu_public" if public else "fu_internal")
        runs[public] = run_follow_up(reports, register, sample_area, out=out,
                                     public=public, k=K, min_reports=1, offline_html=True)
    return runs


def _fu_csv(result) -> pd.DataFrame:
    return pd.read_csv(result.files["csv"])


def test_follow_up_rates_times_days_give_back_no_count(fu_runs):
    """Attack: rate_before_week x window_days / 7 = before (0.077 x 364 / 7 = 4.004 -> 4);
    and before = after / rate_ratio."""
    internal = _fu_csv(fu_runs[False])
    small = internal["before"].between(1, K - 1) | internal["after"].between(1, K - 1)
    assert small.any()  # the target
    recovered = (internal["rate_before_week"] * internal["window_days"] / 7).round()
    assert (recovered == internal["before"]).all()  # the attack works on the internal file
    public = _fu_csv(fu_runs[True])
    for side in ("before", "after"):
        rate = public[f"rate_{side}_week"]
        back = (rate * public["window_days"] / 7).round()
        assert not back.between(1, K - 1).any(), back.tolist()
        assert public.loc[rate.notna(), side].notna().all()
    ratio = public["rate_ratio"].notna()
    assert ratio.sum() >= 1
    assert public.loc[ratio, ["before", "after"]].notna().all().all()
    assert (public.loc[ratio, ["before", "after"]] >= K).all().all()
    for col in ("ratio_low", "ratio_high", "p_time"):
        assert public.loc[public[col].notna(), ["before", "after"]].notna().all().all()
    derived = public[["relative_change", "p_control"]].notna().any(axis=1)
    assert public.loc[derived, ["before", "after", "control_before", "control_after"]] \
        .notna().all().all()
    # the page shows none of the ratios hidden from the CSV
    page = fu_runs[True].files["html"].read_text(encoding="utf-8")
    hidden = internal.loc[public["rate_ratio"].isna() & internal["rate_ratio"].notna(),
                          "rate_ratio"]
    assert len(hidden)
    for v in hidden:
        assert f"kvot {v:.2f}".replace(".", ",") not in page
    assert f"&lt;{K}" in page and "fu-public-note" in page


def test_follow_up_survey_share_times_total_gives_back_no_count(fu_runs):
    """Attack: survey_share_before x survey_total_before = survey_before."""
    internal = _fu_csv(fu_runs[False])
    assert internal["survey_before"].between(1, K - 1).any()  # the target
    public = _fu_csv(fu_runs[True])
    for side in ("before", "after"):
        share, total = public[f"survey_share_{side}"], public[f"survey_total_{side}"]
        back = (share * total).round()
        assert not back.between(1, K - 1).any(), back.tolist()
        assert not (total - back).between(1, K - 1).any()  # the other answers neither
        assert public.loc[share.notna(), f"survey_{side}"].notna().all()
    p = public["p_survey"].notna()
    cols = ["survey_before", "survey_total_before", "survey_after", "survey_total_after"]
    assert public.loc[p, cols].notna().all().all()
    counts = public[["before", "after", "control_before", "control_after", "survey_before",
                     "survey_after"]].to_numpy(dtype=float)
    assert not ((counts > 0) & (counts < K)).any()


# ---- the gate itself, against an attacker who enumerates -----------------------------------


def test_no_small_count_narrows_whatever_the_attacker_tries():
    """Random lines with a published total: an attacker who knows the total, the shown
    counts, that each "<k" is 1..k-1 and each "×" is at least k enumerates every
    assignment that fits. Each small count must still be able to take every value 1..k-1
    (or the whole line, total included, is hidden)."""
    import itertools

    from sjobo_geo.analysis.privacy import HIDDEN, SHOWN, SMALL, gate_tables

    rng = np.random.default_rng(12)
    checked = 0
    for _ in range(300):
        n = int(rng.integers(2, 6))
        values = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9, 12], size=n).astype(float)
        frame = pd.DataFrame({"w": values}, index=[f"r{i}" for i in range(n)])
        gated = gate_tables([frame], K)[0]
        state = gated.state["w"].to_numpy()
        if gated.total_state["w"] != SHOWN:
            assert (state == HIDDEN).all()
            continue
        total = values.sum()
        hidden = np.flatnonzero(state != SHOWN)
        if not len(hidden):
            continue
        rest = total - values[state == SHOWN].sum()
        ranges = [range(1, K) if state[i] == SMALL else range(K, int(rest) + 1)
                  for i in hidden]
        possible = {i: set() for i in hidden}
        for combo in itertools.product(*ranges):
            if sum(combo) == rest:
                for i, v in zip(hidden, combo, strict=True):
                    possible[i].add(v)
        for i in hidden:
            if state[i] == SMALL:
                assert possible[i] == set(range(1, K)), (values, state)
                checked += 1
    assert checked > 50
