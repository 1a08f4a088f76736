"""The Study tab's handlers without a browser: a round over the real corpus records progress,
escapes what it shows, and turns a missing name into a message."""

from __future__ import annotations

import gradio as gr
import pytest

from study.quiz import generate_items
from study.review import ReviewStore
from web.study_tab import StudyHandlers, build_study_tab

pytestmark = pytest.mark.integration


@pytest.fixture
def handlers(assistant, tmp_path) -> StudyHandlers:
    return StudyHandlers(assistant, ReviewStore(tmp_path / "study.sqlite"))


def test_the_tab_builds_inside_a_blocks(assistant, tmp_path):
    with gr.Blocks() as demo:
        with gr.Tab("Study"):
            build_study_tab(assistant, ReviewStore(tmp_path / "study.sqlite"))
    assert len(demo.fns) == 3  # filters on load, next question, check


def test_a_round_records_progress_and_escapes_what_it_shows(handlers, assistant):
    regions, techniques = handlers.filters()
    assert ("Hip", "hip") in regions["choices"] and ("QL Hip Hike", "ql-hip-hike") in techniques["choices"]
    question, answer, feedback, state, score = handlers.next_question("Ann", "", "ql-hip-hike", None)
    assert state["user"] == "ann" and state["item"].startswith("ql-hip-hike:")
    item = {i.id: i for i in generate_items(assistant.library())}[state["item"]]
    assert item.prompt in question and (answer, feedback) == ("", "")

    _, shown, state, score = handlers.check(item.answer, state)
    assert "**Correct.**" in shown and item.citation.title in shown
    assert "Session score: 1 of 1" in score
    # a second check of the same question is shown but not counted again
    _, shown, state, score = handlers.check("<img src=x onerror=alert(1)>", state)
    assert "<img" not in shown and "&lt;img" in shown and "Session score: 1 of 1" in score
    assert handlers.store.stats("ann").answers == 1

    question, _, _, state, _ = handlers.next_question("ann", "", "ql-hip-hike", state)
    assert state["item"] != item.id
    _, shown, state, score = handlers.check("", state)
    assert "No answer given." in shown and "**Expected:**" in shown and "Session score: 1 of 2" in score


def test_a_missing_name_is_a_message_not_a_crash(handlers):
    with pytest.raises(gr.Error):
        handlers.next_question("   ", "", "", None)
    _, shown, _, _ = handlers.check("anything", None)
    assert "Next question" in shown
