"""The direct answer to a specific question, on the real corpus and model: the asked-for fact
first, cited, or a plain "not stated" that cites nothing; the card stays enveloped."""

from __future__ import annotations

import re

import pytest

from assistant.direct import direct_answer
from assistant.direct_sentences import candidates, without_names
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
    assert re.search(r"inhal", direct.text, re.I)
    by_n = {c.n: c for c in answer.citations}
    assert all(line.cites and by_n[line.cites[0]].section == "Breathing" for line in direct.lines)


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


def test_the_technique_name_is_left_out_of_what_sentences_are_compared_with():
    assert without_names("How long is the psoas stretch held?", ["Psoas stretch (standing)"]) == "How long is the held ?"
    assert without_names("Psoas stretch?", ["Psoas stretch (standing)"]) == "Psoas stretch?"  # nothing else left


def test_a_short_list_item_is_one_candidate_and_chrome_is_none(assistant):
    texts = [c.text for c in candidates(assistant.library().by_doc["psoas-release"])]
    assert "Older patients with stenosis (lack of hip extension causes lumbar hypertextension, further closing the stenosis)" in texts
    assert not [t for t in texts if " | " in t or "http" in t or t.endswith("?")]


def test_a_purpose_question_answers_with_the_list_of_who_it_helps(assistant):
    answer = assistant.ask("Which patients does the psoas release help?")
    assert answer.direct is not None and answer.direct.intent == "purpose" and answer.direct.stated
    assert "Female runners" in answer.direct.text and "stenosis" in answer.direct.text


def test_a_soft_intent_below_its_threshold_is_not_stated_and_cites_nothing(assistant, monkeypatch):
    library = assistant.library()
    chunks = library.by_doc["psoas-stretch"]
    embedder = assistant.query_embedder(library)
    question = "Where should my client feel the standing psoas stretch?"

    class Cite:
        def mark(self, chunk):
            return "[1]"

    found = direct_answer(chunks, question, "sensation", None, embedder, Cite())
    assert found.stated and "front of the hip" in found.text
    monkeypatch.setattr(type(intents()), "soft_min", lambda self, spec: 1.01)
    silent = direct_answer(chunks, question, "sensation", None, embedder, Cite())
    assert silent.stated is False and all(not line.cites for line in silent.lines)
    assert silent.text == "This technique's document gives no description of what the client should feel."


def test_a_comparison_sets_the_two_techniques_side_by_side_citing_both(assistant):
    answer = assistant.ask("What's the difference between the standing psoas stretch and the psoas release?")
    direct = answer.direct
    assert direct is not None and direct.intent == "comparison"
    labels = [line.label for line in direct.lines]
    assert labels == ["Psoas stretch (standing)"] * 2 + ["Psoas release"] * 2
    assert "Stand alongside a wall" in direct.text and "supine" in direct.text
    by_n = {c.n: c for c in answer.citations}
    assert {by_n[n].doc_id for line in direct.lines for n in line.cites} == {"psoas-stretch", "psoas-release"}


def test_a_comparison_of_a_fact_compares_that_fact(assistant):
    answer = assistant.ask("Which is held longer, the standing psoas stretch or the hip distraction stretch?")
    assert answer.direct is not None and answer.direct.intent == "comparison"
    assert "30 seconds" in answer.direct.text and "20 – 30 seconds" in answer.direct.text
    for line in answer.direct.lines:
        assert DURATION.search(line.text), line.text


def test_eligibility_leads_with_the_verdict_then_the_documents_caution(assistant):
    answer = assistant.ask("Can I do the psoas release on a client with an abdominal aortic aneurysm?")
    direct = answer.direct
    assert direct is not None and direct.intent == "eligibility" and direct.stated
    first, *rest = direct.lines
    assert first.text.startswith("Do not use") and "aneurysm" in first.text and not first.cites
    assert rest and all(line.cites for line in rest)
    assert "more lateral" in " ".join(line.text for line in rest)


def test_a_fact_answer_folds_its_steps_and_the_intent_is_traced(assistant):
    from web.render import answer_html

    fact = assistant.ask("Standing psoas stretch: how long is each hold?")
    steps = next(s for s in fact.sections if s.kind == "steps")
    assert steps.folded
    assert "1. Stand alongside a wall" in fact.answer  # Markdown keeps the steps whole
    html = answer_html(fact)
    assert html.index('class="tc-direct"') < html.index('<details class="tc-fold">') < html.index("tc-steps")
    assert html.index("</details>") < html.index('class="tc-cautions"') < html.index('class="tc-disclaimer"')
    assert fact.trace["intent"]["name"] == "hold_time" and fact.trace["intent"]["how"].startswith("cue:")
    howto = assistant.ask("How do I do the standing psoas stretch?")
    assert not any(s.folded for s in howto.sections) and "<details" not in answer_html(howto)
    assert howto.trace["intent"]["name"] == "howto"
