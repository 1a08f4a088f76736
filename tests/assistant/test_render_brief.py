"""A fact answer's Markdown: the direct answer first, then the steps whole (Markdown cannot fold
them, and a step is never cut short: its sub-items and their warnings stay), every caution whole
and the disclaimer; the web folds the same steps one click away."""

from __future__ import annotations

import html

from assistant.answer import Answer
from assistant.render import markdown
from assistant.types import CautionItem, Citation, Direct, Layout, Line, Section
from web.render import answer_html

STEPS = Section("steps", "Steps", (
    Line("Lie supine. Keep the knees bent.", (1,), number=1),
    Line("Press into the floor.", (1,), number=2),
    Line("it is not pulsing", (2,), sub="1)", flag="Do not use: aneurysm"),
    Line("the rest of step two, from the next passage.", (3,), joined=True),
), Layout.NUMBERED, folded=True)
WARNING = CautionItem("it's not pulsing, if it is, go more lateral", "doc", 2, warning="If you feel a pulse, ease off (the aorta)")


def _answer(sections=(STEPS,), direct=Direct("hold_time", (Line("Hold for 30 seconds.", (1,)),), stated=True)) -> Answer:
    return Answer(
        question="How long do I hold it?",
        citations=tuple(Citation(n, "doc", "Doc", "Steps", f"passage {n}", 0.5) for n in (1, 2, 3)),
        cautions=(WARNING, CautionItem("Manual therapy is no reason to delay seeing a provider.", None)),
        disclaimer="Educational information only.",
        no_answer=False, red_flag=None, title="Doc", tagline="Hip · stretch", sections=sections, direct=direct,
    )


def test_a_fact_answers_markdown_has_the_answer_first_then_whole_steps_every_caution_and_the_disclaimer():
    text = markdown(_answer())
    assert text.index("**Answer:**") < text.index("Keep the knees bent") < text.index("**Cautions**") < text.index("Disclaimer")
    steps = text.split("**Cautions**")[0]
    assert "it is not pulsing" in steps and "aneurysm" in steps and "the rest of step two" in steps
    assert "If you feel a pulse, ease off (the aorta)" in text and "it's not pulsing, if it is, go more lateral" in text
    assert "Hip · stretch" not in text  # the tagline is not what was asked
    assert all(f"[{n}]" in text for n in (1, 2, 3))


def test_the_web_folds_the_steps_under_the_answer_and_a_how_to_card_keeps_its_tagline():
    page = html.unescape(answer_html(_answer()))
    assert page.index("Hold for 30 seconds") < page.index("<details") < page.index("Keep the knees bent")
    howto = _answer(sections=(Section("steps", "Steps", STEPS.lines, Layout.NUMBERED),), direct=None)
    text = markdown(howto)
    assert "Keep the knees bent" in text and "Hip · stretch" in text
