"""The meaning net: with the deterministic fake embedder for the mechanics (unit speed), and with
the real model on the issue's phrasings and the triage development set (the test table)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.safety.triage import assess, assess_signs

ROOT = Path(__file__).resolve().parents[3]
DEV = ROOT / "evals/datasets/dev/triage.yaml"
LOW = {"default": 0.3, "context": 0.3}


def test_fake_embedder_mechanics_find_by_shared_words(fake_embedder) -> None:
    # the rules miss it; the fake's bag of words matches the saddle family's own wording
    question = "Out of nowhere she cannot feel her private parts."
    assert assess(question) is None
    found = assess_signs(question, (), fake_embedder, thresholds=LOW)
    assert found is not None and found.category.name == "cauda_equina"
    assert found.signs[0].net == "meaning" and found.signs[0].phrase


def test_without_an_embedder_only_the_rules_run(fake_embedder) -> None:
    assert assess("Out of nowhere she cannot feel her private parts.", embedder=None) is None
    assert fake_embedder.computed == 0


@pytest.mark.parametrize(
    "question",
    [
        "No, she does not have any feeling changes down there, she cannot feel her private parts is not true.",
        "Her mother cannot feel her private parts.",
        "What if she cannot feel her private parts?",
    ],
)
def test_qualified_clauses_are_dropped_by_meaning_too(fake_embedder, question: str) -> None:
    assert assess(question, (), fake_embedder) is None or assess_signs(question, (), fake_embedder, thresholds=LOW) is None


def test_a_clause_closer_to_a_decoy_is_not_a_sign(fake_embedder) -> None:
    assert assess_signs("How do I do the saddle stretch?", (), fake_embedder, thresholds=LOW) is None


def test_hostile_input_is_bounded(fake_embedder) -> None:
    assess("numb, " * 5000, ["x " * 10000] * 5, embedder=fake_embedder)
    assert fake_embedder.computed < 400


# --- the real model -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question,category",
    [
        # issue 14's misses, in words the rules do not hold
        ("He says the part of him he sits on has gone numb, like a dentist's injection.", "cauda_equina"),
        ("The pain in the middle of her spine is terrible unless she lies flat.", "fracture"),
        ("His waterworks have packed up since the back went.", "cauda_equina"),
        ("The numbness has crept from her foot up to her knee.", "neuro_deficit"),
        ("She is getting thinner although she eats the same as always.", "cancer"),
    ],
)
def test_real_model_finds_lay_phrasings(real_embedder, question: str, category: str) -> None:
    flag = assess(question, embedder=real_embedder)
    assert flag is not None and flag.category == category, (question, flag)


@pytest.mark.parametrize(
    "question",
    [
        "How do I adjust the saddle stretch for tight adductors?",
        "The psoas stretch feels hot in the front of her hip.",
        "She is hypermobile and her SI joint feels unstable.",
        "He has sciatica on one side only; which stretch is gentle?",
        "No numbness down there, bladder and bowel fine.",
    ],
)
def test_real_model_leaves_distractors_alone(real_embedder, question: str) -> None:
    assert assess(question, embedder=real_embedder) is None


def test_triage_table_on_the_development_set(real_embedder) -> None:
    """Per-category recall 1.0 and false alarms at most 2% on evals/datasets/dev/triage.yaml."""
    from evals.dataset import load_cases

    hit, total, alarms, negatives = Counter(), Counter(), [], 0
    for case in load_cases([DEV]):
        want = next((t[3:] for t in case.tags if t.startswith("rf-")), None)
        flag = assess(case.question, case.history, embedder=real_embedder)
        if want:
            total[want] += 1
            hit[want] += flag is not None and flag.category == want
        else:
            negatives += 1
            if flag is not None:
                alarms.append(case.id)
    assert set(total) == {"cauda_equina", "fracture", "infection", "cancer", "neuro_deficit"}
    assert all(n >= 40 for n in total.values()) and negatives >= 150
    assert {c: hit[c] / total[c] for c in total} == {c: 1.0 for c in total}
    assert len(alarms) / negatives <= 0.02, alarms
