"""The direct answer to a specific question, on the real corpus and model: the asked-for fact
first, cited, or a plain "not stated" that cites nothing; the card stays enveloped."""

from __future__ import annotations

import re

import pytest

from assistant.intent import by_cue, intents

DURATION = re.compile(r"\d+\s*(?:[-–]\s*\d+\s*)?(?:seconds?|minutes?)", re.I)


def _cited_text(answer, line) -> str:
    by_n = {c.n: c for c in answer.citations}
    return " ".join(by_n[n].text for n in line.cites)


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("psoas release: how many seconds per hold?", "hold_time"),
        ("How do I do the QL hip hike on the other side?", "other_side"),
        ("How do I do the psoas release?", "howto"),
        ("When does the client exhale in the hip hike?", "breathing"),
    ],
)
def test_cues_name_the_intent_the_longest_and_fact_cues_first(question, intent):
    found = by_cue(question)
    assert found is not None and found.name == intent


def test_every_required_intent_has_evidence_and_every_intent_examples():
    for spec in intents().intents:
        assert spec.examples, spec.name
        if spec.required:
            assert spec.evidence and spec.thing, spec.name


def test_a_hold_time_question_gets_the_cited_duration_first(assistant):
    answer = assistant.ask("Standing psoas stretch: how long is each hold?")
    assert answer.doc_id == "psoas-stretch"
    direct = answer.direct
    assert direct is not None and direct.stated and direct.intent == "hold_time"
    assert "30 seconds" in direct.text
    for line in direct.lines:
        assert line.cites, line
        assert DURATION.search(line.text), line.text  # never a cited line without a duration
        assert line.text.split()[0] in _cited_text(answer, line)
    assert answer.answer.index("**Answer:**") < answer.answer.index("Steps")


def test_a_hold_time_the_document_does_not_give_is_said_plainly_and_uncited(assistant):
    answer = assistant.ask("QL hip hike: how long is each hold?")
    assert answer.doc_id == "ql-hip-hike"
    direct = answer.direct
    assert direct is not None and direct.stated is False
    assert direct.text == "This technique's document gives no hold time."
    assert all(not line.cites for line in direct.lines)
    assert answer.to_dict()["direct"]["citations"] == []


def test_a_breathing_question_leads_with_the_breathing_sentence(assistant):
    answer = assistant.ask("For the QL hip hike, which phase of the breath is the stretch done on?")
    assert answer.doc_id == "ql-hip-hike"
    direct = answer.direct
    assert direct is not None and direct.stated and direct.intent == "breathing"
    assert re.search(r"inhal", direct.lines[0].text, re.I)
    assert direct.lines[0].cites


def test_a_how_to_question_has_no_direct_answer_and_the_whole_card(assistant):
    answer = assistant.ask("How do I do the psoas release?")
    assert answer.doc_id == "psoas-release"
    assert answer.direct is None
    assert "steps" in {s.kind for s in answer.sections}


def test_a_fact_answer_is_compact_but_keeps_steps_cautions_and_disclaimer(assistant):
    question = "Standing psoas stretch: how long is each hold?"
    fact = assistant.ask(question)
    howto = assistant.ask("How do I do the standing psoas stretch?")
    kinds = {s.kind for s in fact.sections}
    assert "steps" in kinds
    assert not kinds & {"in_short", "when_to_use", "breathing", "adjustments", "also_relevant"}
    assert fact.cautions and fact.disclaimer
    assert fact.disclaimer.split()[0] in fact.answer and "caution" in fact.answer.lower()
    assert len(fact.answer) < len(howto.answer)
    # every citation entry is used by the direct answer, a section or a caution
    used = {n for line in fact.direct.lines for n in line.cites}
    used |= {n for s in fact.sections for line in s.lines for n in line.cites}
    used |= {c.cite for c in fact.cautions if c.cite}
    assert used == {c.n for c in fact.citations}
