"""Every safety rule file loads into its typed model, a broken one names the file and field, and
the files agree with each other (ids referenced across files exist)."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from assistant.safety import load_rules
from assistant.safety.contraindications import table
from assistant.safety.meaning import paraphrase_file
from assistant.safety.models import RedFlagFile
from assistant.safety.triage import rules
from assistant.safety.conditions import condition_rules
from assistant.safety.cautions import caution_rules
from ingest.risk import risk_rules
from techniques.data import load_data
from techniques.errors import TechniquesError


def test_load_rules_reads_every_safety_file() -> None:
    load_rules()  # raises on any broken file


def test_a_typo_in_red_flags_is_an_error_naming_file_and_field(tmp_path, monkeypatch) -> None:
    text = resources.files("assistant.safety").joinpath("data/red_flags.yaml").read_text("utf-8")
    assert "    disposition: emergency" in text
    broken = text.replace("    disposition: emergency", "    dispositon: emergency", 1)
    package = tmp_path / "copied_rules"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data/red_flags.yaml").write_text(broken, "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TechniquesError) as err:
        load_data("copied_rules", "red_flags.yaml", RedFlagFile)
    message = str(err.value)
    assert "copied_rules/data/red_flags.yaml" in message
    assert "dispositon" in message and "categories.0" in message
    # the unbroken copy loads: the error came from the typo alone
    (package / "data/red_flags.yaml").write_text(text, "utf-8")
    assert load_data("copied_rules", "red_flags.yaml", RedFlagFile).categories


def test_every_category_and_row_cites_a_source() -> None:
    assert all(c.source for c in rules().categories)
    assert all(r.source.title for r in table().rows)
    assert all(c.source for c in condition_rules())
    assert all(g.source for g in caution_rules().general)
    assert all(f.source.startswith("clinical-safety.md line") for f in paraphrase_file().families)


def test_paraphrase_families_name_real_signs_or_contexts() -> None:
    r = rules()
    known = {s.id for c in r.categories for s in c.signs} | set(r.contexts)
    assert {f.sign for f in paraphrase_file().families} <= known


def test_contraindication_rows_name_known_conditions_and_risks() -> None:
    conditions = {c.id for c in condition_rules()}
    risks = {c.rule.id for c in risk_rules()}
    for row in table().rows:
        assert row.condition in conditions, row.condition
        assert set(row.risks) <= risks, row.risks
    caution_risks = {r for g in caution_rules().general for r in g.risks}
    assert caution_risks <= risks


def test_every_sign_has_a_label_and_ids_are_unique() -> None:
    signs = [s for c in rules().categories for s in c.signs]
    assert all(s.label for s in signs)
    assert len({s.id for s in signs}) == len(signs)


def test_calibrated_thresholds_cover_every_category() -> None:
    thresholds = paraphrase_file().thresholds
    assert {c.name for c in rules().categories} <= set(thresholds)
    assert all(0.3 < v < 1.0 for v in thresholds.values())


def test_raw_red_flags_file_is_yaml_a_tool_can_read() -> None:
    raw = yaml.safe_load(resources.files("assistant.safety").joinpath("data/red_flags.yaml").read_text("utf-8"))
    assert [c["name"] for c in raw["categories"]][:1] == ["cauda_equina"]
