"""The client's conditions found in the conversation, with the lexicon and ConText; none found
on questions that name none (what keeps a false "Check first" banner off)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.safety.conditions import find_conditions

DEV = Path(__file__).resolve().parents[3] / "evals/datasets/dev/triage.yaml"


@pytest.mark.parametrize(
    "question,condition,phrase",
    [
        ("Client has a known AAA, can I do the psoas release?", "aneurysm", "aaa"),
        ("She had a hernia repair three weeks ago.", "recent_abdominal_surgery", "hernia repair three weeks ago"),
        ("Pt hx of CA, new LBP", "cancer_history", "ca"),
        ("THR two years ago; is the hip hike ok?", "hip_replacement", "thr"),
        ("She has osteoporosis.", "osteoporosis", "osteoporosis"),
        ("He takes blood thinners.", "anticoagulants", "blood thinners"),
        ("She is on anticoags", "anticoagulants", "anticoags"),
        ("History of DVT in her calf last month", "dvt", "dvt"),
        ("She is hypermobile.", "hypermobility", "hypermobile"),
        ("Pt with lumbar stenosis", "stenosis", "lumbar stenosis"),
    ],
)
def test_conditions_in_the_users_words(question: str, condition: str, phrase: str) -> None:
    found = {c.id: c for c in find_conditions(question)}
    assert condition in found, (question, found)
    assert found[condition].phrase == phrase


@pytest.mark.parametrize(
    "question,detail",
    [("She is 25 weeks pregnant.", "trimester 2 (25 weeks)"), ("Third trimester, can she stretch?", "trimester 3"), ("She's pregnant.", "")],
)
def test_pregnancy_by_trimester(question: str, detail: str) -> None:
    (found,) = [c for c in find_conditions(question) if c.id == "pregnancy"]
    assert found.detail == detail


@pytest.mark.parametrize(
    "question",
    [
        "No history of DVT or cancer.",
        "Her mother had breast cancer.",
        "What if she were pregnant?",
        "She denies osteoporosis.",
        "She had abdominal surgery ten years ago.",  # not recent
    ],
)
def test_qualified_conditions_are_not_the_clients(question: str) -> None:
    ids = {c.id for c in find_conditions(question)}
    assert not ids - {"hernia"}, ids


def test_history_counts_and_newest_mention_wins() -> None:
    found = find_conditions("Is the psoas stretch ok now?", ["She is 10 weeks pregnant.", "She is 30 weeks pregnant now."])
    assert [c.detail for c in found if c.id == "pregnancy"] == ["trimester 3 (30 weeks)"]


def test_no_condition_on_questions_that_name_none() -> None:
    from evals.dataset import load_cases

    cases = load_cases([DEV])
    plain = [c for c in cases if {"neg-ordinary", "neg-negated", "neg-hypothetical"} & set(c.tags)]
    assert len(plain) > 80
    assert {c.id: find_conditions(c.question, c.history) for c in plain if find_conditions(c.question, c.history)} == {}


def test_seed_document_sentences_name_only_conditions_they_state() -> None:
    from evals.dataset import load_cases

    sentences = [c for c in load_cases([DEV]) if "neg-seed-document" in c.tags]
    found = 0
    for case in sentences:
        for condition in find_conditions(case.question):
            found += 1
            assert condition.phrase in case.question.casefold(), (case.question, condition)
    assert found < len(sentences) / 10  # a handful: "older patients with stenosis", ...
