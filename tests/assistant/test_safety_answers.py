"""The safety model in the answer, on the seed documents: a condition named in the conversation
is checked against the chosen technique's risk profile; the verdict leads the answer with its
reason and source, the steps it affects are marked, and a question that names no condition
gets no "Check first" at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.render import CHECK_FIRST
from assistant.safety.conditions import find_conditions
from evals.dataset import load_cases
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def lead(answer) -> str:
    """The answer's Markdown up to its steps: what a therapist reads first."""
    text = answer.answer
    return text[: text.index("**Steps**")] if "**Steps**" in text else text


@pytest.mark.parametrize("question, doc_id, verdicts", [
    ("My client has a known abdominal aortic aneurysm. Can I do the psoas release?", "psoas-release", {"do_not_use"}),
    ("She had abdominal surgery three weeks ago; is the psoas release OK?", "psoas-release", {"do_not_use", "check_first"}),
    ("History of breast cancer, finished treatment last year. Psoas release?", "psoas-release", {"do_not_use", "check_first"}),
])
def test_a_condition_against_the_psoas_release_leads_the_answer_with_a_source(assistant, question, doc_id, verdicts):
    answer = assistant.ask(question)
    assert answer.doc_id == doc_id and answer.checks
    assert {c.verdict for c in answer.checks} <= verdicts
    first = lead(answer)
    assert CHECK_FIRST in first and answer.checks[0].heading in first and "Source:" in first
    assert all(c.source for c in answer.checks)
    # the passages that put pressure into the abdomen are marked where they are shown
    assert any(line.flag for s in answer.sections for line in s.lines)


def test_hip_replacement_on_the_ql_hip_hike_marks_the_positioning_step(assistant):
    answer = assistant.ask("My client had a hip replacement last year. Can I do the QL hip hike?")
    assert answer.doc_id == "ql-hip-hike"
    assert any("hip replacement" in c.heading and "internal rotation" in c.heading for c in answer.checks)
    positioning = next(s for s in answer.sections if s.kind == "positioning")
    flagged = [line for line in positioning.lines if line.flag]
    assert flagged and any("internally rotat" in line.text.lower() for line in flagged)
    assert "⚠️" in next(p for p in answer.answer.split("\n\n") if p.startswith("**Positioning**"))
    # the document's own warning is among the cautions, shown as the warning it is
    assert any("hip replacement" in c.text and c.targeted for c in answer.cautions)


@pytest.mark.parametrize("question, doc_id, condition", [
    ("My client has osteoporosis. How do I do the hip distraction stretch?", "hip-back-pain-stretches", "osteoporosis"),
    ("She is 24 weeks pregnant. How do I do the psoas release?", "psoas-release", "pregnancy"),
    ("He takes warfarin. Is the psoas release safe for him?", "psoas-release", "anticoagulants"),
])
def test_each_condition_is_checked_on_a_technique_it_applies_to(assistant, question, doc_id, condition):
    answer = assistant.ask(question)
    assert answer.doc_id == doc_id
    assert answer.checks
    assert condition in {v["condition"] for v in answer.trace["safety"]["verdicts"]}, answer.trace["safety"]
    assert CHECK_FIRST in lead(answer)


def seed_questions() -> list[tuple[str, tuple[str, ...]]]:
    """Every question of the core set and of the seed-document development sets."""
    paths = [ROOT / "evals" / "datasets" / "core.yaml", ROOT / "evals" / "datasets" / "dev" / "seed-therapist.yaml"]
    cases = load_cases([p for p in paths if p.exists()])
    facts = ROOT / "evals" / "datasets" / "dev" / "facts.yaml"
    seed = {p.stem for p in (ROOT / "corpus").glob("*.txt")}
    if facts.exists():
        cases += [c for c in load_cases([facts]) if set(c.expected_sources) & seed]
    return [(c.question, tuple(c.history)) for c in cases if not c.expect_red_flag]


def test_no_check_first_banner_on_a_question_that_names_no_condition(assistant):
    questions = seed_questions()
    assert len(questions) > 150
    banners = without_condition = 0
    for question, history in questions:
        answer = assistant.ask(question, list(history))
        if answer.red_flag is not None or answer.title is None:
            continue
        named = bool(find_conditions(question, history))
        shown = CHECK_FIRST in answer.answer
        if not named:
            without_condition += 1
            assert not shown, f"Check first without a condition: {question!r}"
        banners += shown
    assert without_condition > 100 and banners > 0
