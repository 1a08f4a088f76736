"""The eval runner on a corpus and dataset made here, with the real assistant: any folder of
documents, any dataset, metrics checked against values computed by hand."""

from __future__ import annotations

import json

import pytest

from assistant.service import Assistant
from evals.runner import main_eval
from ingest.pipeline import ingest
from cli.main import main

pytestmark = pytest.mark.integration

DOCS = {
    "calf-wall": "# Calf wall stretch\n\n## Steps\n1. Stand facing a wall with one foot back.\n2. Press the back heel down and lean in.\n3. Hold for 30 seconds.\n\n## Cautions\n- Do not bounce.\n",
    "wrist-flexor": "# Wrist flexor stretch\n\n## Steps\n1. Straighten the arm with the palm up.\n2. Gently pull the fingers back with the other hand.\n\n## Cautions\n- Stop if you feel tingling in the fingers.\n",
    "neck-tilt": "# Neck side tilt\n\n## Steps\n1. Sit tall and relax the shoulders.\n2. Tilt the ear toward the shoulder.\n\n## Cautions\n- Avoid this with recent whiplash.\n",
}

DATASET = """
- id: calf
  question: How do I do the calf wall stretch?
  expected_sources: [calf-wall]
  must_include: [back heel]
  must_include_cautions: [bounce]
- id: wrist
  question: How do I do the wrist flexor stretch?
  expected_sources: [wrist-flexor]
  must_include: [palm up]
- id: neck-wrongly-labelled
  question: How do I do the neck side tilt?
  expected_sources: [calf-wall]
- id: knee
  question: What is the rehab protocol after knee ACL reconstruction surgery?
  expect_no_answer: true
"""


@pytest.fixture(scope="module")
def made_up(tmp_path_factory, real_embedder):
    root = tmp_path_factory.mktemp("e2e")
    corpus = root / "corpus"
    corpus.mkdir()
    for doc_id, text in DOCS.items():
        (corpus / f"{doc_id}.md").write_text(text, encoding="utf-8")
    dataset = root / "cases.yaml"
    dataset.write_text(DATASET, encoding="utf-8")
    from techniques.settings import Settings

    settings = Settings(data_dir=root / "store")
    ingest([corpus], settings, embedder=real_embedder, progress=False)
    return settings, dataset, Assistant(settings, embedder=real_embedder)


def test_metrics_match_hand_computed_values(made_up, tmp_path):
    settings, dataset, assistant = made_up
    report = tmp_path / "report.json"
    code = main_eval([dataset], lambda q, h: assistant.ask(q, h).to_dict(), k=3, config={"store": "e2e"}, report=report, progress=False)
    data = json.loads(report.read_text())
    m = data["metrics"]
    # three cases have expected sources: calf (rank 1), wrist (rank 1), neck (calf-wall never cited)
    assert m["hit@1"] == pytest.approx(2 / 3)
    assert m["hit@k"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 + 1 + 0) / 3)
    # calf and wrist have must_include and both hold; calf's caution "bounce" is shown
    assert m["must_include_rate"] == 1.0 and m["caution_rate"] == 1.0
    # one no-answer expected (knee) and exactly that one predicted
    assert m["no_answer_precision"] == 1.0 and m["no_answer_recall"] == 1.0
    assert m["disclaimer_rate"] == 1.0 and m["citation_validity"] == 1.0
    # the wrongly labelled neck case is the only failure: 3 of 4 pass
    assert m["pass_rate"] == pytest.approx(3 / 4)
    assert [c["id"] for c in data["cases"] if not c["passed"]] == ["neck-wrongly-labelled"]
    assert code == 1  # a failing case fails the run when no thresholds are given
    # every case carries the trace of its answer (or None before the assistant records one)
    assert all("trace" in c and c["trace"] == (c["answer"] or {}).get("trace") for c in data["cases"])


def test_the_cli_gate_fails_on_a_broken_threshold_and_on_bad_input(made_up, tmp_path, capsys):
    settings, dataset, _ = made_up
    store = str(settings.data_dir)
    assert main(["eval", str(dataset), "--store", store, "--min", "pass_rate=1.0"]) == 1
    assert "pass_rate" in capsys.readouterr().out
    assert main(["eval", str(dataset), "--store", store]) == 1
    out = capsys.readouterr().out
    assert "FAIL 1 case(s) failed: neck-wrongly-labelled" in out and "gate: FAIL" in out
    html = tmp_path / "report.html"
    assert main(["eval", str(dataset), "--store", store, "--allow-failures", "--html", str(html)]) == 0
    assert "gate: PASS" in capsys.readouterr().out and "neck-wrongly-labelled" in html.read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: a\n  question: x\n  colour: red\n", encoding="utf-8")
    assert main(["eval", str(bad), "--store", store]) == 2
    assert "colour" in capsys.readouterr().out
