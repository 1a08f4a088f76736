"""Tests for ingest.clean: the corpus loses its web-page noise and keeps its technique text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ingest.clean import clean, clean_text, line_key, noise_rules
from ingest.load import load, load_catalog
from ingest.types import LoadedDocument, Page

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CORPUS_IDS = sorted(p.stem for p in CORPUS.glob("*.txt"))

NOISE = ["Pin It on Pinterest", "Write a comment", "Post a Comment", "Click To Watch Video",
         "Download a PDF file", "Sent from my iPhone", "Veronique Kahn", "game changer",
         "Thank you Dr Mally", "Testimonial", "See you in the next article",
         "that’s it for now", "top posts as of 2013", "Here is a link for"]

KEPT = {
    "ql-hip-hike": ["All work needs to be pain-free.",
                    "Internal rotation of the femur may be contraindicated for clients with hip "
                    "replacement.",
                    "Related Techniques:\nAssessment of Leg Length Imbalance",
                    "Please see Assessment of Leg Length Imbalance"],
    "psoas-release": ["it's not pulsing", "Perform for 5-7 minutes or until you feel a change."],
    "hip-back-pain-stretches": ["compressive groin pain", "Now that’s a stretch!!!"],
    "psoas-stretch": ["Hold for 30 seconds.", "It’s All In The Hips | Psoas Stretch"],
    "side-lying-leg-lift": ["Top 5 Take Away Points!", "so anything you do lying down is just a "
                            "starter exercise!"],
}


def doc_of(*pages: str, numbered: bool = False) -> LoadedDocument:
    return LoadedDocument(
        doc_id="d", path=Path("d.txt"), fmt="pdf" if numbered else "txt", file_hash="h",
        pages=tuple(Page(t, number=i if numbered else None) for i, t in enumerate(pages, 1)),
    )


@pytest.fixture(scope="module")
def cleaned() -> dict[str, LoadedDocument]:
    catalog = load_catalog(CORPUS)
    return {doc_id: clean(load(CORPUS / f"{doc_id}.txt", catalog)) for doc_id in CORPUS_IDS}


# ------------------------------------------------------------------------------ the corpus


@pytest.mark.parametrize("doc_id", CORPUS_IDS)
def test_corpus_noise_is_gone(cleaned: dict[str, LoadedDocument], doc_id: str) -> None:
    text = cleaned[doc_id].text.lower()
    for noise in NOISE:
        assert noise.lower() not in text, noise


@pytest.mark.parametrize("doc_id", CORPUS_IDS)
def test_corpus_technique_text_is_kept(cleaned: dict[str, LoadedDocument], doc_id: str) -> None:
    for kept in KEPT[doc_id]:
        assert kept in cleaned[doc_id].text, kept


@pytest.mark.parametrize("doc_id", CORPUS_IDS)
def test_cleaning_removes_only_whole_noise_lines(doc_id: str) -> None:
    raw = load(CORPUS / f"{doc_id}.txt")
    raw_lines = set(raw.text.split("\n"))
    cleaned_lines = clean(raw).text.split("\n")
    assert all(line in raw_lines for line in cleaned_lines)
    assert "\n\n\n" not in clean(raw).text


def test_cleaning_keeps_everything_but_the_pages(cleaned: dict[str, LoadedDocument]) -> None:
    raw = load(CORPUS / "ql-hip-hike.txt", load_catalog(CORPUS))
    assert replace(cleaned["ql-hip-hike"], pages=raw.pages) == raw


def test_the_testimonial_runs_to_the_end_of_the_page(cleaned: dict[str, LoadedDocument]) -> None:
    assert cleaned["ql-hip-hike"].text.endswith(
        "Related Techniques:\nAssessment of Leg Length Imbalance")


# ------------------------------------------------------------------------------- the rules


def all_rules():
    rules = noise_rules()
    return [*rules.lines, *rules.blocks, *rules.signoffs]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.name)
def test_every_rule_matches_its_examples(rule) -> None:
    assert rule.examples, f"{rule.name} has no examples"
    for example in rule.examples:
        assert rule.matches(line_key(example)), example


@pytest.mark.parametrize("line", [
    "Related Techniques:",
    "Share the load between both hands.",
    "Pin the ASIS with your other hand.",
    "Print the home exercise sheet for your client.",
    "Watch the video of your client's gait before you start.",
])
def test_chrome_rules_match_whole_lines_only(line: str) -> None:
    text = f"Hold for 30 seconds.\n{line}"
    assert clean_text(text) == text


@pytest.mark.parametrize("line", [
    "PIN IT ON PINTEREST", "  - Share on Facebook  ", "## Post a comment", "sent from my ipad",
])
def test_chrome_lines_match_whatever_their_case_and_markup(line: str) -> None:
    assert clean_text(f"Hold for 30 seconds.\n{line}\nRelax.") == "Hold for 30 seconds.\nRelax."


def test_a_testimonial_block_ends_at_the_next_section_heading() -> None:
    text = ("Technique\nPress slowly.\n\nTestimonials\nA game changer!\nJane, Auburn\n\n"
            "Cautions:\nNot over the aorta.")
    assert clean_text(text) == "Technique\nPress slowly.\n\nCautions:\nNot over the aorta."


def test_a_markdown_testimonial_heading_ends_at_a_heading_of_its_level() -> None:
    text = ("## Steps\n\n1. Press.\n\n## Client testimonials\n\n### Jane, Auburn\n\nLoved it.\n\n"
            "## Breathing\n\nExhale as you press.")
    assert clean_text(text) == "## Steps\n\n1. Press.\n\n## Breathing\n\nExhale as you press."


def test_a_testimonial_block_stops_at_the_end_of_its_page() -> None:
    doc = clean(doc_of("Steps\nPress.\nTestimonial:\nGreat!", "Hold for 30 seconds.",
                       numbered=True))
    assert [(p.number, p.text) for p in doc.pages] == [(1, "Steps\nPress."),
                                                        (2, "Hold for 30 seconds.")]


@pytest.mark.parametrize("signoff", [
    "That's it for now. See you in the next article!",
    "THAT’S ALL FOR TODAY, folks",
    "Let's talk more later, but that's it for now,",
    "Here's the link to the video version.",
    "Thanks for reading!",
])
def test_signoffs_at_the_end_go_with_straight_or_curly_apostrophes(signoff: str) -> None:
    doc = clean(doc_of(f"Hold for 30 seconds.\n\n{signoff}\n\n\nWrite a comment"))
    assert doc.text == "Hold for 30 seconds."


def test_a_signoff_phrase_inside_the_technique_stays() -> None:
    text = "Press for 30 seconds; that's it for now, then rest.\n\nRepeat twice."
    assert clean(doc_of(text)).text == text


def test_signoffs_are_trimmed_from_the_last_page_only() -> None:
    doc = clean(doc_of("Steps\nThanks for reading!", "Hold.\nSee you next time!", numbered=True))
    assert [(p.number, p.text) for p in doc.pages] == [(1, "Steps\nThanks for reading!"),
                                                        (2, "Hold.")]


def test_pages_left_empty_are_dropped_and_numbers_kept() -> None:
    doc = clean(doc_of("Hold for 30 seconds.", "Pin It on Pinterest\nPage 2 of 3",
                       "Cautions\nNo pressure on the aorta.\n\nThanks for reading!",
                       numbered=True))
    assert [(p.number, p.text) for p in doc.pages] == [
        (1, "Hold for 30 seconds."), (3, "Cautions\nNo pressure on the aorta.")]


def test_blank_lines_are_collapsed_and_trailing_spaces_stripped() -> None:
    text = "Steps   \n\n\n\n1. Press.  \n    - gently\n\n\nDone."
    assert clean_text(text) == "Steps\n\n1. Press.\n    - gently\n\nDone."


def test_clean_returns_a_new_document() -> None:
    original = doc_of("Hold.\nWrite a comment")
    assert clean(original).text == "Hold."
    assert original.text == "Hold.\nWrite a comment"
