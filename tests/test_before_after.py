"""Before/after per place: planted changes are found, planted non-changes are not claimed."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from sjobo_geo.analysis.hotspots import before_after


def _reports(sample_area, plan, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for place, per_year in plan.items():
        pt = sample_area.find(place, kind="squares").geometry.representative_point()
        for year, n in per_year.items():
            days = rng.integers(0, 364, n)
            for d in days:
                rows.append({"timestamp": pd.Timestamp(year=year, month=1, day=1)
                             + pd.Timedelta(days=int(d), hours=20),
                             "x": pt.x + rng.normal(0, 5), "y": pt.y + rng.normal(0, 5)})
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.x, df.y), crs=sample_area.crs)


def test_planted_change_and_non_change(sample_area):
    reports = _reports(sample_area, {
        "Senaatintori": {2024: 6, 2025: 45},        # a real rise
        "Rautatientori": {2024: 25, 2025: 25},      # no change
        "Kasarmitori": {2024: 2, 2025: 3},          # too few to say
    })
    table = before_after(sample_area, reports).set_index("place")
    assert table.attrs["split"] == "2025-01-01"
    assert table.loc["Senaatintori", "verdict"] == "more reports after"
    assert table.loc["Senaatintori", "p_value"] < 0.001
    assert table.loc["Rautatientori", "verdict"] == "no clear change"
    assert table.loc["Kasarmitori", "verdict"] == "too few reports to say"
    assert table.loc["Rautatientori", "before"] == 25 and table.loc["Rautatientori", "after"] == 25


def test_no_dates_no_table(sample_area):
    reports = _reports(sample_area, {"Senaatintori": {2025: 10}})
    assert before_after(sample_area, reports).empty  # nothing before the split
    assert before_after(sample_area, reports.assign(timestamp=pd.NaT)).empty
