"""The lenient answer check: what it forgives, and the different terms it must still reject."""

from __future__ import annotations

import pytest

from study.answer_check import check_answer
from study.quiz import QuizItem
from assistant.types import Citation

CITATION = Citation(1, "ql-hip-hike", "QL Hip Hike", "Technique", "As your client slowly inhales, have them resist.", 0.0)
TITLES = ("Hip and back pain stretches", "Psoas release", "Psoas stretch (standing)", "QL Hip Hike", "Side-lying leg lift")


def item(answer: str, accepted=(), kind: str = "fill_in_term", choices=()) -> QuizItem:
    return QuizItem(f"ql-hip-hike:{kind}:1", kind, "ql-hip-hike", "prompt", answer, tuple(accepted), tuple(choices), CITATION, "source")


INHALES = item("inhales", ("inhale", "inhaling", "inhalation", "in-breath", "breathe in", "breathing in"), kind="breathing_or_dosage")
HOLD = item("20 – 30 seconds", ("20 – 30",), kind="breathing_or_dosage")
THIRTY = item("30 seconds", ("30",), kind="breathing_or_dosage")
TWICE = item("twice", ("two times", "2 times", "2"), kind="breathing_or_dosage")
QL = item("Quadratus Lumborum", ("ql", "quadratus"))
ABDUCTORS = item("abductors", ("abduction", "abduct"))
PSOAS = item("psoas", ("iliopsoas", "deep hip flexor"))
INTERNAL = item("internal rotation")
TECHNIQUE = item("QL Hip Hike", ("quadratus lumborum stretch", "hip hike"), kind="technique_for_indication", choices=TITLES)
ORDER = item("2 3 5 1 4", kind="step_order", choices=("a", "b", "c", "d", "e"))


@pytest.mark.parametrize(
    ("quiz_item", "typed"),
    [
        (INHALES, "inhales"),
        (INHALES, "INHALES"),  # case
        (INHALES, "  inhales!! "),  # punctuation and spaces
        (INHALES, "inhale"),  # plural
        (INHALES, "the inhale"),  # article
        (INHALES, "on the inhale"),  # filler words
        (INHALES, "inhlaes"),  # close spelling
        (INHALES, "Breathe in."),  # accepted alternative
        (INHALES, "inhalation"),
        (THIRTY, "30 seconds"),
        (THIRTY, "thirty seconds"),  # number word
        (THIRTY, "30 secs"),  # unit abbreviation
        (THIRTY, "hold for 30 seconds"),
        (THIRTY, "30"),  # accepted alternative
        (HOLD, "20-30 seconds"),
        (HOLD, "20 to 30 seconds"),
        (HOLD, "twenty to thirty seconds"),
        (TWICE, "twice"),
        (TWICE, "two times"),
        (TWICE, "2x"),
        (QL, "quadratus lumborum"),
        (QL, "Quadratus Lumborom"),  # one slip in an 8+ letter word
        (QL, "quadradus lumborom"),  # one slip in each word
        (QL, "QL"),  # glossary synonym
        (ABDUCTORS, "abductor"),
        (ABDUCTORS, "abducters"),
        (PSOAS, "Psoas"),
        (INTERNAL, "internal rotaton"),
        (TECHNIQUE, "ql hip hike"),
        (TECHNIQUE, "QL-hip-hike"),
        (TECHNIQUE, "hip hike"),  # a catalog name of the technique
        (TECHNIQUE, "Quadratus lumborum stretch"),
        (TECHNIQUE, "4"),  # the choice's number
        (ORDER, "2 3 5 1 4"),
        (ORDER, "2,3,5,1,4"),
        (ORDER, "2, 3, 5, 1, 4."),
        (ORDER, "23514"),
    ],
)
def test_accepted(quiz_item, typed):
    verdict = check_answer(quiz_item, typed)
    assert verdict.correct, (typed, verdict)
    assert verdict.expected == quiz_item.answer


@pytest.mark.parametrize(
    ("quiz_item", "typed"),
    [
        (INHALES, "exhale"),  # the opposite breath, two letters from "inhale"
        (INHALES, "exhales"),
        (INHALES, "exhalation"),  # two letters from "inhalation"
        (INHALES, "breathe out"),
        (INHALES, ""),  # empty
        (INHALES, "   "),
        (INHALES, "?!"),
        (INHALES, "in"),
        (INHALES, "hold"),  # a filler word alone is not an answer
        (THIRTY, "20 seconds"),
        (THIRTY, "30 minutes"),
        (THIRTY, "3"),
        (HOLD, "30 seconds"),
        (HOLD, "2030 seconds"),
        (TWICE, "three times"),
        (QL, "psoas"),  # a different muscle
        (QL, "quadriceps"),
        (PSOAS, "QL"),
        (PSOAS, "psoa s release"),
        (ABDUCTORS, "adductors"),  # one letter away but the opposite muscle group
        (INTERNAL, "external rotation"),
        (TECHNIQUE, "Psoas release"),  # wrong technique
        (TECHNIQUE, "psoas stretch"),
        (TECHNIQUE, "hip"),
        (TECHNIQUE, "2"),  # another choice's number
        (TECHNIQUE, "9"),  # no such choice, and not the answer
        (TECHNIQUE, "banana"),  # unrelated word
        (ORDER, "1 2 3 4 5"),
        (ORDER, "2 3 5 4 1"),
        (ORDER, "2 3 5 1"),
        (ORDER, ""),
    ],
)
def test_rejected(quiz_item, typed):
    verdict = check_answer(quiz_item, typed)
    assert not verdict.correct, (typed, verdict)
    assert verdict.expected == quiz_item.answer


def test_notes_say_what_happened():
    assert check_answer(INHALES, "").note == "No answer given."
    assert check_answer(INHALES, "inhales").note == "Correct."
    assert "spelling" in check_answer(QL, "Quadratus Lumborom").note
    assert check_answer(ORDER, "2 3 5 4 1").note == "Incorrect: 3 of 5 in the right place."
