"""Held-apart unit tests (rules net, no model): the shorthand lexicon, ConText qualifiers
(negated, resolved, hypothetical, someone else, intentional), and signs spread over turns."""

from __future__ import annotations

import pytest

from assistant.safety.lexicon import read
from assistant.safety.triage import assess, assess_signs


@pytest.mark.parametrize(
    "written,reads",
    [
        ("Pt c/o bilat sciatica", "patient complains of bilateral sciatica"),
        ("hx of CA, new LBP", "history of cancer, new low back pain"),
        ("hx ca breast", "history cancer breast"),
        ("IVDU", "intravenous drug use"),
        ("on pred for years", "on prednisolone for years"),
        ("known AAA", "known abdominal aortic aneurysm"),
        ("THR last year", "total hip replacement last year"),
    ],
)
def test_shorthand_reads_as_the_reference_words(written: str, reads: str) -> None:
    assert read(written).text == reads


def test_lower_case_ca_is_not_cancer_elsewhere() -> None:
    assert read("He is ca. 50 years old").text == "he is ca. 50 years old"
    assert "cancer" not in read("ca").text


def test_expansions_are_shown_in_the_users_words() -> None:
    flag = assess("Pt c/o bilat sciatica. Which stretch?")
    assert flag is not None and flag.category == "cauda_equina"
    assert flag.matched == ("bilat sciatica",)


def test_nkda_does_not_negate_what_follows() -> None:
    flag = assess("NKDA, saddle numbness since Monday")
    assert flag is not None and flag.category == "cauda_equina"


@pytest.mark.parametrize(
    "question,category",
    [
        ("Pt hx of CA, new LBP. Psoas release ok?", "cancer"),
        ("IVDU, back pain", "infection"),
        ("Long-term pred, back pain after lifting the shopping", "fracture"),
        ("BLE weakness since this morning", "cauda_equina"),
        ("Her foot drop is getting worse", "neuro_deficit"),  # issue 14: not cauda equina
    ],
)
def test_shorthand_and_categories(question: str, category: str) -> None:
    flag = assess(question)
    assert flag is not None and flag.category == category


# (reported, qualified): the reported form flags, so the qualified one can only pass by its qualifier
QUALIFIED = [
    ("She has a fever and back pain.", "She had a fever last week but it has resolved; back pain now."),
    ("She has a fever and back pain.", "Her husband has a fever; she has back pain."),
    ("She has lost a lot of weight.", "She has lost a lot of weight on purpose, dieting for her wedding."),
    ("She has lost a lot of weight.", "She had gastric bypass surgery and lost a lot of weight."),
    ("She has saddle numbness.", "What if a client has saddle numbness?"),
    ("She has night pain.", "Is night pain a red flag?"),
    ("Sciatica in both legs.", "He had sciatica in both legs ten years ago, fine since."),
    ("Her mother has no feeling down there.", "Her mother had cancer; my client has low back pain."),
]


@pytest.mark.parametrize("reported,qualified", QUALIFIED)
def test_qualified_signs_do_not_count(reported: str, qualified: str) -> None:
    if "mother has no feeling" in reported:  # the other-person case's reported form: cancer and back pain
        reported = "She had cancer; she has low back pain."
    assert assess(reported) is not None, reported
    assert assess(qualified) is None, qualified


def test_past_signs_count_where_the_reference_says_so() -> None:
    flag = assess("She had breast cancer ten years ago, fine since; now new back pain.")
    assert flag is not None and flag.category == "cancer"
    flag = assess("History of IV drug use years ago; back pain now.")
    assert flag is not None and flag.category == "infection"


def test_a_sign_asked_about_and_answered_none_is_not_a_flag() -> None:
    assert assess("None at all. How do I do the QL hip hike?", ["Does she have any saddle numbness?"]) is None


def test_signs_spread_over_turns() -> None:
    flag = assess("She has just started getting back pain.", ["She had bowel cancer five years ago."])
    assert flag is not None and flag.category == "cancer"


def test_a_flag_lists_only_the_signs_found() -> None:
    found = assess_signs("She has saddle numbness. Which stretch?")
    assert found is not None
    assert [s.sign for s in found.signs] == ["saddle_numbness"]
    advice = found.red_flag().advice.casefold()
    for other_sign in ("bladder", "foot drop", "both legs", "sexual"):
        assert other_sign not in advice
