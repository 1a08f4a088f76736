"""`techniques eval generate`: starter cases from a library's structure, the same every time,
marked as generated, each expecting a phrase its own document holds; on the seed corpus the
real assistant passes at least 90% of them."""

from __future__ import annotations

import json

import pytest
import yaml

from cli.main import main
from evals.dataset import load_cases
from evals.generate import generate_cases, read_library
from tests.conftest import CORPUS, CORPUS_IDS

DOCS = {
    "calf-wall": "# Calf wall stretch\n\n## Steps\n1. Stand facing a wall with one foot back.\n2. Press the back heel down.\n"
                 "3. Hold for 30 seconds.\n\n## Cautions\n- Do not bounce into the stretch.\n",
    "neck-tilt": "# The neck side tilt\n\n## Steps\n1. Sit tall and relax the shoulders.\n2. Tilt the ear toward the shoulder.\n",
}


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for doc_id, text in DOCS.items():
        (folder / f"{doc_id}.md").write_text(text, encoding="utf-8")
    return folder


def test_cases_follow_the_structure_of_each_document(library, tmp_path, capsys):
    out = tmp_path / "cases.yaml"
    assert main(["eval", "generate", str(library), "--out", str(out)]) == 0
    assert "wrote 8 generated cases (2 how_to, 1 cautions, 1 dosage, 4 out_of_library)" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Starter eval cases GENERATED") and "review every case" in text
    cases = {c.id: c for c in load_cases([out])}  # a valid dataset
    calf = cases["calf-wall-how-to"]
    assert calf.question == "How do I do the Calf wall stretch?" and calf.expected_sources == ["calf-wall"]
    assert calf.must_include == ["Stand facing a wall with one"] and calf.intent == "how_to"
    assert cases["calf-wall-cautions"].must_include_cautions == ["Do not bounce into the stretch"]
    assert cases["calf-wall-dosage"].must_include == ["30 seconds"]
    assert cases["neck-tilt-how-to"].question == "How do I do the neck side tilt?"
    assert "neck-tilt-cautions" not in cases and "neck-tilt-dosage" not in cases  # it has neither
    assert all("generated" in c.tags for c in cases.values())
    assert [c.expect_no_answer for c in cases.values() if c.intent == "out_of_library"] == [True] * 4


def test_generation_is_deterministic_and_copies_phrases_from_the_documents():
    docs = read_library([CORPUS])
    cases = generate_cases(docs)
    assert cases == generate_cases(read_library([CORPUS]))
    assert {c["expected_sources"][0] for c in cases if c.get("expected_sources")} == CORPUS_IDS
    text = {d.doc_id: " ".join(" ".join(s.text.split()) for s in d.sections) for d in docs}
    for case in cases:
        for phrase in case.get("must_include", []) + case.get("must_include_cautions", []):
            assert phrase in text[case["expected_sources"][0]], (case["id"], phrase)


def test_nothing_to_read_is_a_usage_error(tmp_path, capsys):
    assert main(["eval", "generate", str(tmp_path), "--out", str(tmp_path / "c.yaml")]) == 2
    assert "No technique documents found" in capsys.readouterr().err
    assert main(["eval", "generate", str(tmp_path)]) == 2


@pytest.mark.integration
def test_the_seed_corpus_passes_its_generated_cases(corpus_settings, tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    assert main(["eval", "generate", str(CORPUS), "--out", str(cases)]) == 0
    report = tmp_path / "report.json"
    main(["eval", str(cases), "--store", str(corpus_settings.data_dir), "--report", str(report), "--allow-failures"])
    data = json.loads(report.read_text())
    assert len(data["cases"]) == len(yaml.safe_load(cases.read_text()))
    assert data["metrics"]["pass_rate"] >= 0.9, [c["failures"] for c in data["cases"] if not c["passed"]]
