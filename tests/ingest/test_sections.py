"""Tests for ingest.sections: the sections and cautions found in the real corpus, and the
parser's rules on small texts (headings, numbered steps, wrapped lines, caution cues)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import clean
from ingest.load import load, load_catalog
from ingest.sections import parse
from ingest.types import LoadedDocument, Page, ParsedDocument, Section, SectionKind
from tests.conftest import CORPUS, CORPUS_IDS

K = SectionKind


@pytest.fixture(scope="module")
def corpus() -> dict[str, ParsedDocument]:
    catalog = load_catalog(CORPUS)
    return {p.stem: parse(clean(load(p, catalog))) for p in sorted(CORPUS.glob("*.txt"))}


def parse_text(text: str, title: str | None = None, doc_id: str = "sample") -> ParsedDocument:
    meta = {"title": title} if title else {}
    return parse(LoadedDocument(doc_id, Path(f"{doc_id}.md"), "md", (Page(text),), "hash", meta))


def outline(doc: ParsedDocument) -> list[tuple[SectionKind, str]]:
    return [(s.kind, s.title) for s in doc.sections]


def only(doc: ParsedDocument, kind: SectionKind) -> Section:
    found = [s for s in doc.sections if s.kind is kind]
    assert len(found) == 1, outline(doc)
    return found[0]


def caution_texts(doc: ParsedDocument) -> list[str]:
    return [c.text for c in doc.cautions]


# ------------------------------------------------------------------------------ the corpus


def test_every_corpus_document_is_parsed(corpus: dict[str, ParsedDocument]) -> None:
    assert set(corpus) == CORPUS_IDS
    for doc in corpus.values():
        assert [s.order for s in doc.sections] == list(range(len(doc.sections)))
        assert all(s.blocks for s in doc.sections), doc.doc_id


def test_section_outline_of_each_corpus_document(corpus: dict[str, ParsedDocument]) -> None:
    assert outline(corpus["ql-hip-hike"]) == [
        (K.OVERVIEW, "Overview"),
        (K.CAUTIONS, "Cautions"),
        (K.POSITIONING, "Client Positioning"),
        (K.POSITIONING, "Closed-Pack Position for the hip"),
        (K.STEPS, "Technique"),
        (K.BREATHING, "Breathing"),
        (K.RELATED, "Related Techniques"),
    ]
    assert outline(corpus["psoas-release"]) == [
        (K.OVERVIEW, "Overview"),
        (K.OTHER, "Technique Highlight: The Psoas Release"),
        (K.OVERVIEW, "This technique will help"),
        (K.STEPS, "Technique"),
    ]
    assert outline(corpus["hip-back-pain-stretches"]) == [
        (K.OVERVIEW, "Hip and Back Pains? Your Body Badly Needs These Stretches!"),
        (K.OTHER, "Which Occupations Mostly Suffer from Hip and Back Pains?"),
        (K.OVERVIEW, "The Two Powerful and Effective Stretch Techniques"),
        (K.STEPS, "The Two Powerful and Effective Stretch Techniques"),
        (K.CAUTIONS, "Watch out for Compressive Groin Pain"),
        (K.OTHER, "Notes"),
    ]
    assert outline(corpus["psoas-stretch"]) == [
        (K.OVERVIEW, "It’s All In The Hips | Psoas Stretch"),
        (K.OTHER, "The hip joint | Psoas Stretch"),
        (K.STEPS, "Instructions"),
    ]
    assert outline(corpus["side-lying-leg-lift"]) == [
        (K.OVERVIEW, "Overview"),
        (K.STEPS, "Top 5 Take Away Points!"),
        (K.OTHER, "Notes"),
    ]


def test_titles_come_from_the_catalog(corpus: dict[str, ParsedDocument]) -> None:
    assert {d.doc_id: d.title for d in corpus.values()} == {
        "ql-hip-hike": "QL Hip Hike",
        "hip-back-pain-stretches": "Hip and back pain stretches",
        "side-lying-leg-lift": "Side-lying leg lift",
        "psoas-stretch": "Psoas stretch (standing)",
        "psoas-release": "Psoas release",
    }


def test_ql_hip_hike_sections_cautions_and_steps(corpus: dict[str, ParsedDocument]) -> None:
    doc = corpus["ql-hip-hike"]

    assert {K.CAUTIONS, K.POSITIONING, K.STEPS, K.BREATHING, K.RELATED} <= {s.kind for s in doc.sections}
    assert caution_texts(doc) == [
        "All work needs to be pain-free.",
        "Internal rotation of the femur may be contraindicated for clients with hip replacement.",
    ]
    assert all(c.section == "Cautions" and c.doc_id == "ql-hip-hike" for c in doc.cautions)
    steps = only(doc, K.STEPS)
    assert steps.title == "Technique"
    assert [b.text.split()[:4] for b in steps.blocks] == [
        ["Have", "your", "client", "hike"],
        ["At", "the", "end", "of"],
        ["As", "your", "client", "slowly"],
        ["This", "may", "be", "repeated"],
        ["One", "of", "the", "ways"],
    ]
    assert steps.blocks[0].text.startswith("Have your client hike their hip toward their shoulder")
    assert only(doc, K.BREATHING).blocks[0].text.startswith("We stretch most muscles when the client exhales.")
    assert only(doc, K.RELATED).text == "Assessment of Leg Length Imbalance"


def test_psoas_release_has_an_implicit_procedure_with_numbered_checks(corpus: dict[str, ParsedDocument]) -> None:
    doc = corpus["psoas-release"]

    steps = only(doc, K.STEPS)
    assert steps.title == "Technique"
    assert steps.blocks[0].text.startswith("The pt is supine with knees and hips flexed.")
    numbered = [(b.marker, b.text) for b in steps.blocks if b.marker]
    assert [m for m, _ in numbered] == ["1)", "2)"]
    assert numbered[0][1].startswith("it's not pulsing")
    assert numbered[1][1].startswith("Ask the pt to slightly flex their hip")
    assert steps.blocks[-1].text.startswith("The last is the most uncomfortable")
    assert any("pulsing" in c and "aorta" in c for c in caution_texts(doc))


def test_psoas_release_wrapped_list_items_are_joined(corpus: dict[str, ParsedDocument]) -> None:
    helps = [s for s in corpus["psoas-release"].sections if s.title == "This technique will help"][0]

    assert len(helps.blocks) == 6 and {b.marker for b in helps.blocks} == {"-"}
    assert helps.blocks[0].text == (
        "Female runners with SI problems (lack of hip extension causing SI and lumbar hypermoiblity, "
        "plus an inhibition of hip abductor/extensors)"
    )


def test_hip_back_pain_stretches_steps_and_groin_pain_caution(corpus: dict[str, ParsedDocument]) -> None:
    doc = corpus["hip-back-pain-stretches"]

    steps = only(doc, K.STEPS)
    assert [b.marker for b in steps.blocks] == ["•"] * 9
    assert [b.text.split()[:3] for b in steps.blocks] == [
        ["Let’s", "start", "with"],
        ["Take", "the", "affected"],
        ["Now", "externally", "rotate"],
        ["Then", "you", "apply"],
        ["While", "in", "this"],
        ["You", "should", "ask"],
        ["Now", "reposition", "yourself"],
        ["From", "there,", "lean"],
        ["Repeat", "these", "two"],
    ]
    cautions = only(doc, K.CAUTIONS)
    assert cautions.title == "Watch out for Compressive Groin Pain"
    groin = [c for c in doc.cautions if "compressive groin pain" in c.text]
    assert len(groin) == 1
    assert groin[0].section == "Watch out for Compressive Groin Pain"
    assert "arthritis, bony spurs, bursitis" in groin[0].text  # the sub-list is merged into it
    # the work-arounds under the heading are instructions, not cautions
    assert not any(c.text.startswith(("We can address", "Repeat the steps")) for c in doc.cautions)
    assert "Make sure that the stretch is deep but comfortable." in caution_texts(doc)


def test_psoas_stretch_instructions_end_with_the_hold(corpus: dict[str, ParsedDocument]) -> None:
    steps = only(corpus["psoas-stretch"], K.STEPS)

    assert steps.title == "Instructions"
    assert steps.blocks[0].text == "Stand alongside a wall or something to hang on to if required for balance."
    assert steps.blocks[-1].text == "Hold for 30 seconds."
    assert len(steps.blocks) == 5


def test_side_lying_leg_lift_keeps_its_step_numbers(corpus: dict[str, ParsedDocument]) -> None:
    doc = corpus["side-lying-leg-lift"]

    steps = only(doc, K.STEPS)
    assert [b.marker for b in steps.blocks] == [None, "2", "3", "4", "5"]
    assert steps.blocks[0].text.startswith("Keep your pelvis stable. Even the tiniest bit of hip hike")
    assert steps.blocks[4].text.startswith("Be patient.")
    texts = caution_texts(doc)
    assert any("please stop immediately" in t for t in texts)
    assert any("adequate replacement for hands-on" in t for t in texts)


def test_no_corpus_caution_is_a_question(corpus: dict[str, ParsedDocument]) -> None:
    texts = [t for d in corpus.values() for t in caution_texts(d)]
    assert len(texts) == 8
    assert not [t for t in texts if t.endswith("?")]


# ------------------------------------------------------------------- the parser's rules


def test_markdown_headings_make_typed_sections() -> None:
    doc = parse_text(
        "# Knee glide\n\nA gentle glide for a stiff knee.\n\n## Client position\n\nThe client lies supine.\n\n"
        "## Cautions\n\n- Avoid pressure on the joint line.\n- Stop if the client feels pain.\n\n"
        "## Steps\n\n1. Place your hand on the tibia.\n2. Glide it forward.\n\n"
        "### Breathing\n\nBreathe out as you glide.\n\n## Dosage\n\nHold for 20 seconds and repeat 3 times.\n",
        title="Knee glide",
    )

    assert outline(doc) == [
        (K.OVERVIEW, "Overview"),
        (K.POSITIONING, "Client position"),
        (K.CAUTIONS, "Cautions"),
        (K.STEPS, "Steps"),
        (K.BREATHING, "Breathing"),
        (K.DOSAGE, "Dosage"),
    ]
    assert caution_texts(doc) == ["Avoid pressure on the joint line.", "Stop if the client feels pain."]


def test_plain_line_headings_with_and_without_a_colon() -> None:
    doc = parse_text(
        "Cautions\nDo not use on an acute injury.\nInstructions:\nLie on your back.\nBend the knee to your chest.\n"
    )

    assert outline(doc) == [(K.CAUTIONS, "Cautions"), (K.STEPS, "Instructions")]
    assert only(doc, K.STEPS).text == "Lie on your back.\nBend the knee to your chest."
    assert caution_texts(doc) == ["Do not use on an acute injury."]
    assert doc.title == "sample"  # a bare section heading is not the document's title


def test_a_document_that_opens_with_a_markdown_section_heading_keeps_that_section() -> None:
    doc = parse_text("## Steps\n\n1. First step.\n\n2. Second step after a blank line.\n\n3. Third step.\n")

    assert outline(doc) == [(K.STEPS, "Steps")]
    assert [b.marker for b in doc.sections[0].blocks] == ["1.", "2.", "3."]


def test_the_title_heading_is_not_a_section() -> None:
    with_meta = parse_text("# Calf Release\n\nSoften the calf.\n\n## Steps\n\n1. Knead it.\n", title="Calf Release")
    without_meta = parse_text("# Calf Release\n\nSoften the calf.\n\n## Steps\n\n1. Knead it.\n")

    for doc in (with_meta, without_meta):
        assert doc.title == "Calf Release"
        assert outline(doc) == [(K.OVERVIEW, "Overview"), (K.STEPS, "Steps")]


@pytest.mark.parametrize("style", ["1.", "1)"])
def test_numbered_steps_keep_their_order_and_numbers(style: str) -> None:
    sep = style[-1]
    items = ["Lie on your back.", "Bend the right knee.", "Cross the ankle over the left knee."]
    items += [f"Step number {n}." for n in range(4, 13)]
    text = "Steps\n" + "\n".join(f"{n}{sep} {t}" for n, t in enumerate(items, start=1))

    steps = only(parse_text(text, title="Figure four"), K.STEPS)

    assert [b.marker for b in steps.blocks] == [f"{n}{sep}" for n in range(1, 13)]
    assert [b.text for b in steps.blocks] == items


def test_continuation_lines_of_a_wrapped_list_item_join_it() -> None:
    doc = parse_text(
        "Steps\n"
        "1. Place the client prone with a pillow under\n"
        "   the ankles and a towel under the\n"
        "   forehead.\n"
        "2. Sink slowly into the muscle and wait\n"
        "for it to soften.\n"
        "- a bullet that wraps onto\n"
        "  a second line\n",
        title="Piriformis release",
    )

    assert [(b.marker, b.text) for b in only(doc, K.STEPS).blocks] == [
        ("1.", "Place the client prone with a pillow under the ankles and a towel under the forehead."),
        ("2.", "Sink slowly into the muscle and wait for it to soften."),
        ("-", "a bullet that wraps onto a second line"),
    ]


def test_a_hard_wrapped_paragraph_is_not_read_as_headings() -> None:
    # PDF text arrives one printed line at a time: a short first line is not a heading
    doc = parse_text(
        "Cautions\n"
        "Do not apply deep pressure over the sciatic\n"
        "nerve, and stop if the client feels tingling.\n"
        "Steps\n"
        "Stand beside the table and place your\n"
        "forearm on the gluteal muscles.\n",
        title="Piriformis release",
    )

    assert outline(doc) == [(K.CAUTIONS, "Cautions"), (K.STEPS, "Steps")]
    assert caution_texts(doc) == [
        "Do not apply deep pressure over the sciatic nerve, and stop if the client feels tingling."
    ]
    assert only(doc, K.STEPS).text == "Stand beside the table and place your forearm on the gluteal muscles."


def test_every_line_under_a_contraindications_heading_is_a_caution() -> None:
    doc = parse_text(
        "Contraindications\nPregnancy.\nRecent hip replacement.\nOsteoporosis of the spine.\n\n"
        "Steps\n1. Lie on your back.\n",
        title="Hip flexor stretch",
    )

    assert caution_texts(doc) == ["Pregnancy.", "Recent hip replacement.", "Osteoporosis of the spine."]
    assert all(c.section == "Contraindications" for c in doc.cautions)


def test_a_caution_before_the_bullets_of_a_cautions_section_is_kept() -> None:
    doc = parse_text(
        "## Cautions\n\nNot for clients with osteoporosis.\n\n- Avoid the spine.\n- Stop if it hurts.\n\n"
        "## Steps\n\n1. Lie down.\n",
        title="Spinal twist",
    )

    assert caution_texts(doc) == ["Not for clients with osteoporosis.", "Avoid the spine.", "Stop if it hurts."]


def test_a_document_without_structure_is_one_overview_section() -> None:
    doc = parse_text(
        "Massage has a long history in many cultures, and people enjoy it for many reasons.\n\n"
        "Many therapists combine several traditions in their own practice over the years."
    )

    assert outline(doc) == [(K.OVERVIEW, "Overview")]
    assert len(doc.sections[0].blocks) == 2
    assert doc.cautions == ()


@pytest.mark.parametrize(
    "sentence",
    [
        "Avoid bouncing at the end of the range.",
        "Do not press over the kidneys.",
        "If the client feels dizzy, stop immediately.",
        "This stretch is not applicable if the client is pregnant.",
        "Deep work is contraindicated after recent surgery.",
        "Never force the joint past its end feel.",
    ],
)
def test_caution_cues_inside_prose_are_found(sentence: str) -> None:
    doc = parse_text(f"The client is seated. {sentence} Then move on to the next muscle.", title="Neck release")

    assert caution_texts(doc) == [sentence]
    assert doc.cautions[0].doc_id == "sample"


def test_questions_are_not_cautions() -> None:
    doc = parse_text(
        "Should you avoid stretching a sore muscle? Do you not stretch at all? "
        "Avoid bouncing during the stretch. Is it safe to stop immediately?",
        title="Hamstring stretch",
    )

    assert caution_texts(doc) == ["Avoid bouncing during the stretch."]


def test_the_same_caution_twice_is_kept_once() -> None:
    doc = parse_text("## Cautions\n\n- Avoid the spine.\n\n## Steps\n\n1. Lie down. Avoid the spine.\n", title="Twist")

    assert caution_texts(doc) == ["Avoid the spine."]
