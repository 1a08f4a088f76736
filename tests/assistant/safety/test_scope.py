"""Scope check: medicines, diagnosis and imaging are declined; technique questions are not."""

from __future__ import annotations

import time

import pytest

from assistant.safety.scope import check_scope, scope_rules

DECLINED = [
    ("medication", "Which painkiller is best for her back pain?"),
    ("medication", "How much ibuprofen should my client take for her back pain?"),
    ("medication", "How many mg of naproxen can he take?"),
    ("medication", "What dose of paracetamol is safe?"),
    ("medication", "Can she take ibuprofen before the stretch?"),
    ("medication", "Is it safe to take codeine with muscle relaxants?"),
    ("medication", "Which muscle relaxant works best with the QL stretch?"),
    ("medication", "Do muscle relaxants help a tight psoas?"),
    ("medication", "Ibuprofen or paracetamol for sciatica?"),
    ("medication", "What medication helps sciatica?"),
    ("medication", "Should she stop her blood thinners before deep work?"),
    ("medication", "Can you recommend an anti-inflammatory?"),
    ("medication", "Is 800mg too much?"),
    ("diagnosis", "What's wrong with my back?"),
    ("diagnosis", "Do I have a herniated disc?"),
    ("diagnosis", "Is it a slipped disc?"),
    ("diagnosis", "Can you diagnose whether this is SI joint dysfunction or a disc problem?"),
    ("diagnosis", "My client's pain runs down the back of one leg. Is it a herniated disc?"),
    ("diagnosis", "Could this be sciatica?"),
    ("diagnosis", "Does she have piriformis syndrome?"),
    ("diagnosis", "What could be causing her back pain?"),
    ("diagnosis", "Please diagnose my hip pain."),
    ("diagnosis", "Why does my back hurt?"),
    ("imaging", "Should she get an MRI?"),
    ("imaging", "Should my client get an MRI for her low back pain?"),
    ("imaging", "Does he need an X-ray?"),
    ("imaging", "Can you read my MRI?"),
    ("imaging", "Can you read my client's lumbar X-ray report and tell me what it shows?"),
    ("imaging", "What does her MRI report mean?"),
    ("imaging", "Is a scan necessary for sciatica?"),
    ("imaging", "Her MRI says L4/5 disc bulge - what does that mean?"),
]


@pytest.mark.parametrize("category,question", DECLINED)
def test_out_of_scope_requests_are_declined(category: str, question: str) -> None:
    decline = check_scope(question)
    assert decline is not None, question
    assert decline.category == category


IN_SCOPE = [
    "How do I release the psoas?",
    "Which stretch helps an anterior pelvic tilt?",
    "What does the hip hike do for a sacral upslip?",
    "What's a closed-pack position?",
    "How long do I hold the psoas stretch?",
    "How many reps of the side-lying leg lift?",
    "What's the dosage for the psoas stretch - sets and reps?",
    "How often should she do the stretch?",
    "How much pressure for the psoas release?",
    "Which technique will improve hip ER?",
    "Is this stretch good for sciatica?",
    "Is the QL hip hike OK for someone with arthritis?",
    "What is the best stretch for a herniated disc?",
    "Does the psoas release help with a disc bulge?",
    "How do I know if my client has a sacral upslip?",
    "What's wrong with my technique on the hip hike?",
    "Why does her hip hurt during the side-lying leg lift?",
    "She has a diagnosis of sciatica; which stretch helps?",
    "Can I do the release if she has arthritis?",
    # mentions of a medicine or a scan are technique questions, answered with their cautions
    "My client takes blood thinners. Can I do the deep psoas release on her?",
    "She takes ibuprofen daily, is the psoas release safe?",
    "Which cautions apply for clients on blood thinners?",
    "Her MRI showed a disc bulge, can I do the QL stretch?",
    "Can I do the stretch after her MRI?",
    "How much should I charge for a 60-minute session?",
]


@pytest.mark.parametrize("question", IN_SCOPE)
def test_technique_questions_are_in_scope(question: str) -> None:
    assert check_scope(question) is None


@pytest.mark.parametrize(
    "question,referral",
    [
        ("Which painkiller should she take?", "pharmacist"),
        ("Do I have a herniated disc?", "physiotherapist"),
        ("Should she get an MRI?", "physiotherapist"),
    ],
)
def test_decline_says_why_and_who_to_ask(question: str, referral: str) -> None:
    decline = check_scope(question)
    assert decline is not None
    assert "outside the scope of a technique library" in decline.message
    assert "doctor" in decline.message and referral in decline.message


def test_first_matching_category_wins() -> None:
    decline = check_scope("Should she take ibuprofen or get an MRI?")
    assert decline is not None and decline.category == "medication"


def test_rules_cover_the_three_categories() -> None:
    assert [r.category for r in scope_rules()] == ["medication", "diagnosis", "imaging"]


def test_normalisation_applies() -> None:
    decline = check_scope("ＷＨＡＴ’Ｓ WRONG WITH MY BACK?")
    assert decline is not None and decline.category == "diagnosis"


@pytest.mark.parametrize(
    "question",
    ["", "\x00\x01\x1b[0m", "a" * 100_000, "how much " * 20_000, "mri " + "x" * 100_000, "\ud800 МРТ 磁共振 🙂"],
    ids=range(6),
)
def test_hostile_input_never_raises(question: str) -> None:
    start = time.perf_counter()
    assert check_scope(question) is None
    assert time.perf_counter() - start < 5
