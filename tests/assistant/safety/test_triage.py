"""Red-flag triage: every category of shared/clinical-safety.md, negation, distractors, history."""

from __future__ import annotations

import time

import pytest

from assistant.safety.triage import assess, compile_words, fold, load_yaml, parse_rules, rules
from assistant.types import Disposition

CAUDA_EQUINA = [
    "My client has a numb groin. Can I do the QL stretch?",
    "She gets tingling between the legs when she sits.",
    "He says he can't feel the toilet paper when he wipes.",
    "She can’t feel the toilet paper any more.",  # curly apostrophe
    "Client reports saddle numbness since Monday.",
    "Saddle anaesthesia and back pain - which stretch?",
    "SADDLE ANESTHESIA, what now?",
    "Altered sensation in the saddle area since yesterday.",
    "Numbness in her buttocks and inner thighs.",
    "Pins and needles around her bottom since the weekend.",
    "She says it's numb down there.",
    "She has had trouble peeing since her back went.",
    "He can't pee and his back is agony.",
    "Since yesterday he has trouble starting to pass urine.",
    "New urinary retention with low back pain.",
    "The client wet himself on the way here.",
    "He's been incontinent since Tuesday.",
    "She lost control of her bowels this morning.",
    "Loss of bladder control and sciatica.",
    "Both legs weak since yesterday, can he do the psoas stretch?",
    "Both of his legs feel numb.",
    "Weakness in both legs after gardening.",
    "Foot drop in both feet since this morning.",
    "Sciatica in both legs for a week.",
    "Bilateral sciatica, which stretch?",
    "Pain shooting down both legs when she coughs.",
    "Her legs keep giving way on the stairs.",
    "New erectile dysfunction along with his low back pain.",
]

FRACTURE = [
    "My client fell off a ladder last week. Can I do the hip hike?",
    "He was in a car accident on Friday.",
    "She fell down the stairs yesterday and her back hurts.",
    "Client was hit by a car last month.",
    "She has osteoporosis and her back pain started after lifting her grandson.",
    "Client with osteoporosis tripped on the kerb, now sore low back.",
    "She's on prednisolone and hurt her back picking up a heavy box.",
    "Severe central back pain that is relieved by lying down.",
]

INFECTION = [
    "She has a fever and back pain.",
    "He's had chills and low back pain since Tuesday.",
    "Running a temperature with back pain, can I massage?",
    "Client has a history of IV drug use.",
    "She injects heroin and has back pain.",
    "She is on immunosuppressants after her kidney transplant.",
    "HIV positive client, back pain for a week.",
    "Had a UTI last week and now has back pain.",
    "He had a stab wound to the back last year.",
    # steroids with back pain alone: the sheet's immunosuppression (infection); with a minor
    # fall or lifting it is the fracture row (issue 14)
    "He's been on long-term steroids and now has back pain.",
]

CANCER = [
    "She has a history of breast cancer and new back pain.",
    "He had chemo two years ago and now has back pain.",
    "Client has unexplained weight loss, which stretch?",
    "He's lost 6 kg without trying.",
    "She has pain at night that doesn't ease.",
    "Her back pain wakes her at night.",
    "Constant back pain, no position is comfortable.",
    "A 67-year-old with new back pain, can I do the QL hip hike?",
    "My client is 15 years old and recently started getting back pain.",
    "No improvement after 6 weeks of treatment.",
]

NEURO_DEFICIT = [
    "His leg is getting weaker every week.",
    "Her leg weakness is getting worse.",
    "The numbness is spreading.",
    "The numbness in her foot is spreading to her calf.",
    "Progressive weakness in his left leg.",
    "She's losing strength in her right leg.",
    "Her legs are getting weaker.",
    # one foot: the progressive deficit's advice, not the emergency's (issue 14)
    "He has foot drop on the right.",
    "Her foot keeps dragging when she walks.",
    "Her foot drop is getting worse.",
]

CATEGORY_CASES = (
    [("cauda_equina", q) for q in CAUDA_EQUINA]
    + [("fracture", q) for q in FRACTURE]
    + [("infection", q) for q in INFECTION]
    + [("cancer", q) for q in CANCER]
    + [("neuro_deficit", q) for q in NEURO_DEFICIT]
)

DISPOSITION = {
    "cauda_equina": Disposition.EMERGENCY,
    "fracture": Disposition.URGENT,
    "infection": Disposition.URGENT,
    "cancer": Disposition.URGENT,
    "neuro_deficit": Disposition.URGENT,
}


@pytest.mark.parametrize("category,question", CATEGORY_CASES)
def test_red_flag_phrasings(category: str, question: str) -> None:
    flag = assess(question)
    assert flag is not None, question
    assert (flag.category, flag.disposition) == (category, DISPOSITION[category])
    assert flag.matched and all(m in question.casefold() for m in flag.matched)


# (affirmed, negated): the affirmed form must flag, so the negated form can only pass by negation
NEGATION_PAIRS = [
    ("Numbness in the groin, how do I stretch the QL?", "No numbness in the groin, bladder fine. How do I stretch the QL?"),
    ("Saddle anaesthesia reported.", "She denies saddle anaesthesia."),
    ("Client has bladder problems; can I do the psoas release?", "Without any bladder problems, can I do the release?"),
    ("Bowel and bladder changes.", "Bowel and bladder normal, no bowel or bladder changes."),
    ("Trouble peeing.", "She doesn't have trouble peeing."),
    ("Fever and low back pain.", "No fever, low back pain after gardening."),
    ("She has chills and back pain.", "No chills with her back pain."),
    ("He has lost weight.", "He hasn't lost weight."),
    ("Unexplained weight loss.", "No unexplained weight loss."),
    ("History of cancer, new back pain.", "No history of cancer, new back pain."),
    ("Pain at night.", "No pain at night."),
    ("Weak in both legs.", "She is not weak in both legs."),
    ("Numbness and weakness in both legs.", "Neither numbness nor weakness in both legs."),
    ("Foot drop.", "No foot drop."),
    ("IV drug use.", "Denies IV drug use."),
    ("Saddle numbness.", "Saddle numbness absent."),
    ("Tingling in the groin.", "Tingling in the groin has resolved."),
    ("Osteoporosis, back pain after lifting.", "No osteoporosis, back pain after lifting."),
    ("The numbness is spreading.", "No numbness spreading."),
    ("She has incontinence.", "She has never had incontinence."),
]


@pytest.mark.parametrize("affirmed,negated", NEGATION_PAIRS)
def test_negated_signs_do_not_count(affirmed: str, negated: str) -> None:
    assert assess(affirmed) is not None, affirmed
    assert assess(negated) is None, negated


CLAUSE_BOUNDARIES = [
    ("No fever but she has lost control of her bladder.", "cauda_equina"),
    ("No fever and she has lost control of her bladder.", "cauda_equina"),
    ("No numbness; can't pee since this morning.", "cauda_equina"),
    ("Denies fever. Has saddle numbness.", "cauda_equina"),
    ("No leg pain, however she has saddle numbness.", "cauda_equina"),
    ("No weight loss, however she has pain at night that doesn't ease.", "cancer"),
    ("Although there is no back pain, she has a fever.", "infection"),
    ("No trauma: she fell off a ladder.", "fracture"),
    ("No fever - numbness spreading up her leg.", "neuro_deficit"),
]


@pytest.mark.parametrize("question,category", CLAUSE_BOUNDARIES)
def test_clause_boundary_ends_negation(question: str, category: str) -> None:
    flag = assess(question)
    assert flag is not None and flag.category == category


DISTRACTORS = [
    "The saddle stretch feels hot - is that normal?",
    "What bike saddle height suits a client with tight hip flexors?",
    "Does saddle position on the bike change the psoas stretch?",
    "The stretch feels hot in her glutes.",
    "Can I use a hot pack before the QL stretch?",
    "Should I put a heat pack on her low back first?",
    "She fell asleep on the table during the psoas release.",
    "She has osteoporosis and fell asleep during the psoas release.",
    "How do I set up the figure 4 stretch?",
    "Her pain eases when I stretch both legs together.",
    "She has less pain if we do both legs.",
    "Repeat on both legs, then reassess.",
    "Do both legs, holding each for 30 seconds.",
    "She has hay fever; can she lie face down for the psoas release?",
    "Her mum had breast cancer. She has low back pain - which stretch?",
    "She's trying to lose weight and has tight hips.",
    "Her back pain feels like being stabbed when she bends.",
]


@pytest.mark.parametrize("question", DISTRACTORS)
def test_distractors_are_not_red_flags(question: str) -> None:
    assert assess(question) is None


TECHNIQUE_QUESTIONS = [
    "How do I stretch the QL?",
    "Client had a hip replacement, can I do the QL hip hike?",
    "How long do I hold the psoas stretch?",
    "What's the breathing cue for the hip hike?",
    "My client has tight hip flexors and an anterior pelvic tilt.",
    "Is the psoas release uncomfortable?",
    "How do I stabilise the pelvis during side-lying leg lifts?",
    "She has SI joint pain.",
    "He has sciatica on the left side.",
    "My client has low back pain, which stretch helps?",
    "What is a closed-pack position for the hip?",
    "How many times do I repeat the hip hike on each side?",
    "My client is 55, how do I do the standing psoas stretch?",
    "Which technique could help an older patient with lumbar stenosis?",
    "My client is 20 weeks pregnant. Is a psoas release OK?",
    "My client takes blood thinners. Can I do the deep psoas release on her?",
    "The glute and piriformis stretch makes her foot tingle a little.",
    "She feels the stretch in her groin during the hip external rotation stretch.",
    "Client has osteoporosis; how do I do the side-lying leg lift?",
    "My client had breast cancer. Can I do the psoas stretch?",
    "Does the side-lying leg lift help weak glutes?",
    "How do I position the bottom knee for the QL hip hike?",
    "Pt has SI pain and feels unstable - what can I give them to strengthen around the hip?",
    "A plumber who crouches all day comes in with morning lower back and hip pain. Which stretches?",
    "Is the side-lying leg lift supposed to hurt?",
    "How do I lean back from the table to stretch the thigh away from the hip socket?",
    "I felt something pulsing under my fingers during the psoas release. What do I do?",
]


@pytest.mark.parametrize("question", TECHNIQUE_QUESTIONS)
def test_technique_questions_raise_no_alarm(question: str) -> None:
    assert assess(question) is None


def test_red_flag_in_history_still_counts() -> None:
    flag = assess("How long do I hold it?", ["My client has saddle numbness.", "How do I stretch the QL?"])
    assert flag is not None and flag.category == "cauda_equina"
    assert flag.matched == ("saddle numbness",)


def test_context_can_come_from_another_turn() -> None:
    flag = assess("She lifted a heavy box yesterday, which stretch?", ["My client has osteoporosis."])
    assert flag is not None and flag.category == "fracture"
    assert flag.matched == ("osteoporosis", "lifted a heavy box")


def test_cancer_history_then_new_back_pain() -> None:
    flag = assess("Now she has new back pain. Which stretch?", ["She had breast cancer years ago."])
    assert flag is not None and flag.category == "cancer"


def test_negated_history_raises_nothing() -> None:
    assert assess("How long do I hold the psoas stretch?", ["No numbness, no fever.", "Bladder fine."]) is None


def test_context_alone_is_not_a_red_flag() -> None:
    assert assess("She has osteoporosis.") is None
    assert assess("He has been on long-term steroids.") is None
    assert assess("My client is 67 and has back pain.") is None


@pytest.mark.parametrize(
    "question,history,category",
    [
        ("She has a fever and can't pee.", (), "cauda_equina"),
        ("Unexplained weight loss and numbness spreading down to her toes.", (), "cancer"),
        ("He fell off a ladder and now has a fever.", (), "fracture"),
        ("Unexplained weight loss and a fever.", (), "infection"),
        ("Her leg is getting weaker.", ("She lost control of her bladder.",), "cauda_equina"),
        ("She wet herself.", ("He was in a car accident.",), "cauda_equina"),
    ],
)
def test_most_severe_category_wins(question: str, history: tuple[str, ...], category: str) -> None:
    flag = assess(question, history)
    assert flag is not None
    assert (flag.category, flag.disposition) == (category, DISPOSITION[category])


def test_emergency_advice_says_stop_and_go_to_emergency_department() -> None:
    flag = assess("She has saddle numbness.")
    assert flag is not None
    advice = flag.advice.casefold()
    for phrase in ("stop", "manual work", "emergency department", "now", "possible cauda equina", "not a diagnosis"):
        assert phrase in advice


@pytest.mark.parametrize(
    "question,phrases",
    [
        ("He fell off a ladder.", ["medical assessment before any manual work"]),
        ("Fever and back pain.", ["same-day medical assessment", "before any manual work"]),
        ("Unexplained weight loss.", ["medical assessment before any manual work"]),
        ("The numbness is spreading.", ["same-day medical assessment", "before any manual work"]),
    ],
)
def test_urgent_advice_asks_for_medical_assessment_first(question: str, phrases: list[str]) -> None:
    flag = assess(question)
    assert flag is not None and flag.disposition is Disposition.URGENT
    assert all(p in flag.advice for p in phrases)
    assert "not a diagnosis" in flag.advice


def test_rules_cover_the_five_categories_in_tie_break_order() -> None:
    assert [(c.name, c.disposition) for c in rules().categories] == list(DISPOSITION.items())


def test_fold_normalises_and_maps_back_to_the_original() -> None:
    text, origin = fold("Ｃan\u2019t\u200b  FEEL")
    assert text == "cant feel"
    assert len(origin) == len(text) and origin[0] == 0


HOSTILE = [
    "",
    "   \n\t  ",
    "\x00\x01\x02\x1b[31m\x7f",
    "a" * 100_000,
    "no " * 40_000,
    "numb" + "," * 100_000 + "groin",
    "\ud800\udfff lone surrogates",
    "Это numbness в паху? 麻木 ومرحبا 🙂\u202e",
    "\ufdfa" * 30_000,
    "both " * 30_000 + "legs",
]


@pytest.mark.parametrize("question", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_never_raises_and_is_quick(question: str) -> None:
    start = time.perf_counter()
    assert assess(question, [question, question]) is None
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(
    "question",
    [
        "sad\u200bdle numb\u00adness",  # zero-width space, soft hyphen
        "ＳＡＤＤＬＥ ＮＵＭＢＮＥＳＳ",  # full-width
        "numb gro\u0301in",  # combining accent
        "x" * 50 + " numb groin " + "y" * 100_000,
    ],
)
def test_obfuscated_red_flag_is_still_found(question: str) -> None:
    flag = assess(question)
    assert flag is not None and flag.category == "cauda_equina"


def test_long_conversation_is_bounded() -> None:
    start = time.perf_counter()
    flag = assess("How long do I hold it?", ["pain in her hip " * 2_000] * 200 + ["She has saddle numbness."])
    assert flag is not None and flag.category == "cauda_equina"  # the newest turns are read first
    assert time.perf_counter() - start < 5


def test_odd_history_entries_are_skipped() -> None:
    assert assess("How do I stretch the QL?", [None, "", 42]) is None  # type: ignore[list-item]
    flag = assess("", ["He can't pee."])
    assert flag is not None and flag.category == "cauda_equina"


def test_history_given_as_one_string_is_one_turn() -> None:
    flag = assess("How long do I hold it?", "She can't pee.")  # type: ignore[arg-type]
    assert flag is not None and flag.matched == ("can't pee",)


def test_advice_refers_and_never_diagnoses() -> None:
    for category in rules().categories:
        advice = category.advice.casefold()
        assert "possible" in advice and "not a diagnosis" in advice
        assert "you have" not in advice and "has cauda equina" not in advice


def test_malformed_rules_fail_loudly() -> None:
    raw = load_yaml("red_flags.yaml")
    raw["categories"][0]["signs"][0]["requires_any"] = ["no_such_context"]
    with pytest.raises(ValueError, match="no_such_context"):
        parse_rules(raw)
    with pytest.raises(ValueError, match="empty"):
        compile_words(["(?:numb)?"], {})
    with pytest.raises(ValueError, match="unknown macro"):
        compile_words(["{{nope}}"], {})
