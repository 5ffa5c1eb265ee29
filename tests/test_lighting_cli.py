"""`sjobo-geo lighting-gaps` end to end with an owner's inventory, and its one-line errors."""

from __future__ import annotations

import pandas as pd
from helpers import assert_one_line_error, read_csv_with_header, run_cli


def test_lighting_gaps_with_an_inventory(tmp_path, sample_area):
    lamps = sample_area.lamps.to_crs(4326)
    a, b = lamps.geometry.iloc[0], lamps.geometry.iloc[1]
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(
        "Armatur-ID;Latitud;Longitud;Ljuspunktshöjd;Ljusflöde;Status;Ägare\n"
        f"L1;{a.y:.6f};{a.x:.6f};6;4500;fungerande;Bostäder\n"   # on an OSM lamp: merged
        f"L2;{b.y + 0.0004:.6f};{b.x:.6f};4;3000;trasig;Bostäder\n"  # 45 m away: kept apart
        "L3;60.17;24.94;-3;3000;fungerande;Bostäder\n",           # bad height: rejected
        encoding="utf-8")
    out = tmp_path / "light"
    proc = run_cli("lighting-gaps", "--area", "sample", "--lamps", str(inventory),
                   "--add-lamps", "3", "--out", str(out), "--offline-html", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in out.iterdir()}
    assert {"lighting_gaps.html", "lighting.gpkg", "lighting_gaps.csv", "courtyards.csv",
            "lamp_inventory_rejects.csv", "lamp_merges.csv"} <= names
    merges = pd.read_csv(out / "lamp_merges.csv")
    assert len(merges) == 1
    rejects = pd.read_csv(out / "lamp_inventory_rejects.csv")
    assert list(rejects["row"]) == [4]
    header, gaps = read_csv_with_header(out / "lighting_gaps.csv")
    assert len(gaps) > 0 and any("Lamp data cover" in line for line in header)
    assert "3 rows, 2 accepted, 1 rejected" in proc.stdout
    assert proc.stdout.startswith("lamp data coverage: ")  # the first thing said


def test_lighting_gaps_errors(tmp_path):
    assert_one_line_error(run_cli("lighting-gaps", "--lamps", str(tmp_path / "none.csv"),
                                  "--out", str(tmp_path)), "none.csv")
    assert_one_line_error(run_cli("lighting-gaps", "--square", "Atlantis", "--out",
                                  str(tmp_path)), "Atlantis")
