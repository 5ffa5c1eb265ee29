"""Labels (sjobo_geo/core/labels.toml): complete in both languages, and every key the code
asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_label_in_both_languages_with_the_same_placeholders():
    from sjobo_geo.core.i18n import _labels

    labels = _labels()
    assert len(labels) > 250
    for key, entry in labels.items():
        assert set(entry) == {"sv", "en"}, key
        assert entry["sv"].strip() and entry["en"].strip(), key
        assert _fields(entry["sv"]) == _fields(entry["en"]), key


def test_every_literal_key_in_the_code_exists():
    """label("key") and the page helpers' and page templates' L("key") calls name existing
    keys (typos would show the bare key on a map)."""
    from sjobo_geo.core.i18n import _labels

    labels = _labels()
    call = re.compile(r"""\b(?:label|L)\(\s*["']([A-Za-z0-9_]+)["']\s*[,)]""")
    used = {}
    for path in [*(ROOT / "sjobo_geo").rglob("*.py"), *(ROOT / "sjobo_geo").rglob("*.j2")]:
        for key in call.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, path.name)
    assert len(used) > 100
    missing = {k: f for k, f in used.items() if k not in labels}
    assert not missing, missing


def test_keys_built_at_run_time_exist():
    from sjobo_geo.analysis.est import PERIODS
    from sjobo_geo.analysis.follow_up import VERDICTS
    from sjobo_geo.core.i18n import _labels

    labels = _labels()
    for period in PERIODS:
        assert f"est_{period}" in labels
    for verdict in VERDICTS:
        assert f"fu_v_{verdict}" in labels and f"fu_s_{verdict}" in labels
    for season in ("year", "same_season", "adjacent"):
        assert f"fu_season_{season}" in labels
    for survey in ("fewer", "more", "no_clear_change", "too_few", "no_survey"):
        assert f"fu_sv_{survey}" in labels
    for kind in ("new", "consecutive", "intensifying", "persistent", "diminishing",
                 "sporadic", "oscillating", "historical"):
        for hot in ("hot", "cold"):
            assert f"em_{kind}_{hot}_spot" in labels
    assert "em_no_pattern" in labels


def test_a_key_defined_twice_is_an_error(tmp_path, monkeypatch):
    from sjobo_geo.core import i18n

    twice = tmp_path / "labels.toml"
    twice.write_text('[a]\nx = { sv = "1", en = "1" }\n[b]\nx = { sv = "2", en = "2" }\n',
                     encoding="utf-8")
    monkeypatch.setattr(i18n, "_LABELS_FILE", twice)
    i18n._labels.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="'x' is defined twice"):
            i18n._labels()
    finally:
        i18n._labels.cache_clear()
