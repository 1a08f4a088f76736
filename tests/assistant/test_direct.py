"""The direct answer to a specific question, on the real corpus and model: the asked-for fact
first, cited, or a plain "not stated" that cites nothing; the card stays enveloped."""

from __future__ import annotations

import re

import pytest

from assistant.direct import asked_parts, direct_answer, given
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
        ("What is the shinbox IR stretch for?", "purpose"),  # a cue with a gap, at the question's end
        ("What is the hold time for the psoas stretch?", "hold_time"),  # "what is … for" only at the end
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
    assert fact.answer.index("**Answer:**") < fact.answer.index("**Steps**\n1. Stand alongside a wall")  # Markdown: whole, after
    html = answer_html(fact)
    assert html.index('class="tc-direct"') < html.index('<details class="tc-fold">') < html.index("tc-steps")
    assert html.index("</details>") < html.index('class="tc-cautions"') < html.index('class="tc-disclaimer"')
    assert fact.trace["intent"]["name"] == "hold_time" and fact.trace["intent"]["how"].startswith("cue:")
    howto = assistant.ask("How do I do the standing psoas stretch?")
    assert not any(s.folded for s in howto.sections) and "<details" not in answer_html(howto)
    assert howto.trace["intent"]["name"] == "howto"


def test_a_what_question_is_not_answered_by_the_thing_it_names_a_yes_no_question_is():
    equipment = intents().get("equipment")
    sentence = "You are creating a wedge to encourage the head of the femur further back."
    asked = given("What do I use to make the wedge in the groin?", "What do I use to make the wedge in the groin?")
    assert not equipment.evidence_in(sentence, asked)
    assert equipment.evidence_in("Put a pillow slip or hand towel in the groin.", asked)
    assert equipment.evidence_in(sentence, given("Do I need a wedge?", "Do I need a wedge?"))
    # an intent that is not `novel` is answered by its own word: "when do I exhale?"
    assert intents().get("breathing").evidence_in("Exhale as you lift.", "When do I exhale?")


def test_the_equipment_a_question_asks_for_is_not_what_it_says_it_makes(assistant):
    answer = assistant.ask("What do I use to make the wedge in the groin for the hip stretch?")
    assert answer.direct is not None and answer.direct.stated
    assert "pillow slip or hand towel" in answer.direct.text


def test_a_question_that_asks_two_things_gets_a_cited_sentence_for_each(assistant):
    assert asked_parts("Which fingers do I use and where do I start?") == ["Which fingers do I use", "where do I start?"]
    assert asked_parts("Can I do this with hip and back pain?") == []  # "and" inside one thing asked
    answer = assistant.ask("Which fingers do I use for the psoas release and where do I start?")
    assert answer.doc_id == "psoas-release"
    assert "3rd and 4th fingertips" in answer.direct.text and "umbilicus" in answer.direct.text
    assert all(line.cites for line in answer.direct.lines)


def test_a_modification_answers_with_what_to_do_not_the_problem_restated(assistant):
    answer = assistant.ask("My client gets compressive groin pain in the hip stretch - how can I modify it?")
    assert "pillow slip or hand towel" in answer.direct.text


def test_a_situation_stated_first_is_context_not_what_is_asked():
    from assistant.direct import asking_part

    assert asking_part("pt supine, knees and hips flexed - where do my fingers go?") == (
        "pt supine, knees and hips flexed", "where do my fingers go?")
    assert asking_part("How long is the hold?") == ("", "How long is the hold?")
    assert asking_part("Knee pain - why?") == ("", "Knee pain - why?")  # too short an asking part to stand alone


def test_a_where_question_is_answered_with_a_place_not_the_setup_restated(assistant):
    answer = assistant.ask("pt supine, knees and hips flexed - where do my fingers go to find the psoas?")
    assert answer.doc_id == "psoas-release"
    assert "umbilicus" in answer.direct.text and not answer.direct.text.startswith("The pt is supine")
    place = intents().slots[0]
    assert place.asked("Where should the client feel it?") and not place.asked("How long is it held?")
    assert place.filled("Start 2-3\" laterally to the umbilicus.") and not place.filled("Use an even finger grip.")


def test_which_exercise_asks_what_it_is_for_and_its_other_names_still_count(assistant):
    assert by_cue("Which exercise strengthens gluteus medius while lying on your side?").name == "purpose"
    answer = assistant.ask("Which exercise strengthens gluteus medius while lying on your side?")
    assert answer.doc_id == "side-lying-leg-lift" and "gluteus medius" in answer.direct.text


def test_a_short_section_about_what_was_asked_answers_whole(assistant):
    answer = assistant.ask("What about breathing?", ["How do I stretch the QL?"])
    assert answer.direct.intent == "breathing"
    assert "when the client exhales" in answer.direct.text and "when the client inhales" in answer.direct.text


def test_a_comparison_shows_what_each_technique_says_that_the_other_does_not(tmp_path, settings, fake_embedder):
    from ingest.pipeline import ingest
    from assistant.service import Assistant

    shared = "Lift your upper knee while keeping your feet close together, then slowly return."
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "clamshell.md").write_text(f"# Clamshell\n\nLie on your side with the knees bent.\n\n{shared}\n", encoding="utf-8")
    (corpus / "banded-clamshell.md").write_text(
        f"# Banded clamshell\n\nLie on your side with the knees bent.\n\nStretch a resistance band between your thighs.\n\n{shared}\n",
        encoding="utf-8")
    ingest([corpus], settings, embedder=fake_embedder, progress=False)
    library = Assistant(settings, embedder=fake_embedder).library()

    class Cite:
        def mark(self, chunk):
            return "[1]"

    found = direct_answer(library.by_doc["banded-clamshell"], "What's the difference between the clamshell and the banded clamshell?",
                          "comparison", None, fake_embedder, Cite(), other=library.by_doc["clamshell"])
    banded = [line.text for line in found.lines if line.label == "Banded clamshell"]
    assert any("resistance band" in t for t in banded) and shared not in banded
    assert "gives no steps" not in found.text and "howto" not in found.text  # no steps section: its own first sentence


def test_each_part_of_a_two_fact_question_is_answered_or_said_to_be_missing(assistant):
    answer = assistant.ask("How long do I hold the psoas release, and how many times?")
    direct = answer.direct
    assert direct.stated and "5-7 minutes" in direct.text
    cited, uncited = [x for x in direct.lines if x.cites], [x for x in direct.lines if not x.cites]
    assert all(DURATION.search(x.text) for x in cited)  # the hold-time part cites only a duration
    assert [x.text for x in uncited] == ["This technique's document gives no number of repetitions or sets."]


def test_a_why_question_is_answered_by_a_sentence_that_gives_a_reason(assistant):
    question = "why do you hold the opposite hip down during the supine hip external rotation stretch?"
    assert by_cue(question).name == "reason"  # "why … $" covers more of it than "hold"
    answer = assistant.ask(question)
    assert "counternutation" in answer.direct.text
    assert all(intents().get("reason").evidence_in(line.text) for line in answer.direct.lines)
