"""`format_trace`: every field of the trace the assistant records, shown when present; a
missing trace or field is said or left out, never an error."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from evals.explain import NO_TRACE, format_trace

TRACE = {
    "question": "how do i stretch the ql",
    "query": "how do i stretch the quadratus lumborum ql",
    "triage": {"flagged": False, "category": None, "signs": []},
    "scope": {"declined": False, "category": None},
    "passages": [
        {"chunk_id": "ql-hip-hike::0002::abc", "doc_id": "ql-hip-hike", "section": "Technique",
         "lexical": 7.25, "dense": 0.61, "fused": 0.0325},
        {"chunk_id": "psoas-stretch::0001::def", "doc_id": "psoas-stretch", "section": "Steps",
         "lexical": 0.0, "dense": 0.31, "fused": 0.0159},
    ],
    "techniques": [
        {"doc_id": "ql-hip-hike", "score": 0.05, "evidence": 0.72, "dense": 0.61, "coverage": 1.0},
        {"doc_id": "psoas-stretch", "score": 0.016, "evidence": 0.12, "dense": 0.31, "coverage": 0.2},
    ],
    "threshold": 0.35,
    "decision": "answered",
    "reason": "ql-hip-hike: evidence 0.720 >= 0.350",
}


def test_every_part_of_a_trace_is_shown():
    text = format_trace(TRACE)
    assert "question: how do i stretch the ql" in text and "query: how do i stretch the quadratus lumborum ql" in text
    assert "triage: no red flag" in text and "scope: in scope" in text
    assert "passages (2):" in text
    assert "1. ql-hip-hike / Technique [ql-hip-hike::0002::abc]  lexical=7.250 dense=0.610 fused=0.033" in text
    assert "1. ql-hip-hike  score=0.050 evidence=0.720 dense=0.610 coverage=1.000  (above threshold)" in text
    assert "2. psoas-stretch  score=0.016 evidence=0.120 dense=0.310 coverage=0.200  (below threshold)" in text
    assert "no-answer threshold: 0.350" in text
    assert text.splitlines()[-1] == "decision: answered — ql-hip-hike: evidence 0.720 >= 0.350"


def test_flags_and_declines_say_which_rule():
    flagged = format_trace({"triage": {"flagged": True, "category": "cauda_equina", "signs": ["saddle numbness"]},
                            "scope": {"declined": True, "category": "medication"}, "decision": "red_flag"})
    assert "triage: RED FLAG cauda_equina (signs: 'saddle numbness')" in flagged
    assert "scope: DECLINED medication" in flagged and "decision: red_flag" in flagged


def test_a_missing_trace_or_field_is_not_an_error():
    assert format_trace(None) == NO_TRACE == "no trace recorded"
    assert format_trace({}) == NO_TRACE
    partial = format_trace({"passages": [{"doc_id": "x"}], "decision": "no_answer", "extra": {"k": 1}})
    assert partial.splitlines() == ["passages (1):", "  1. x", "decision: no_answer", "extra: {'k': 1}"]
    assert "passages: none retrieved" in format_trace({"passages": []})


@pytest.mark.integration
def test_ask_explain_prints_the_answer_then_its_trace(assistant, corpus_settings, capsys):
    question = "How do I stretch the QL?"
    assert main(["ask", question, "--store", str(corpus_settings.data_dir), "--explain"]) == 0
    out = capsys.readouterr().out
    answer = assistant.ask(question, [])
    head, _, why = out.partition("\nWhy:\n")
    assert answer.answer.strip() in head
    assert why.strip() == format_trace(answer.to_dict().get("trace")).strip()
    assert main(["ask", question, "--store", str(corpus_settings.data_dir), "--explain", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["question"] and "Why:" in captured.err  # stdout stays JSON
