"""The Study tab's handlers without a browser: a round over the real corpus records graded
progress, shows it with its chart, escapes what it shows, offers the Anki deck, binds progress
to the logged-in user when there is a login, and turns a missing name into a message."""

from __future__ import annotations

import sqlite3
import zipfile
from types import SimpleNamespace

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
    assert len(demo.fns) == 8  # load, next question, check, four grades, the deck on a filter change


def test_a_round_records_graded_progress_and_escapes_what_it_shows(handlers, assistant):
    regions, techniques, name, progress, deck = handlers.load(None)
    assert ("Hip", "hip") in regions["choices"] and ("QL Hip Hike", "ql-hip-hike") in techniques["choices"]
    assert progress == "" and deck.endswith(".apkg")
    question, answer, feedback, graded, state, score, progress, _ = handlers.next_question("Ann", "", "ql-hip-hike", None)
    assert state["user"] == "ann" and state["item"].startswith("ql-hip-hike:")
    item = {i.id: i for i in generate_items(assistant.library())}[state["item"]]
    assert item.prompt in question and (answer, feedback["value"], graded) == ("", "", "")
    assert "Cards learned: 0 of" in progress and "<svg" in progress

    _, shown, state, score, progress = handlers.check(item.answer, None, state)
    assert "study-right" in shown["elem_classes"]
    shown = shown["value"]
    assert "✅ **Right:** **Correct.**" in shown and item.citation.title in shown and "Recorded as **Good**" in shown
    assert "Session score: 1 of 1" in score and "seen: 1" in progress
    graded, state, progress = handlers.grade("EASY", state)
    assert "Graded **Easy**" in graded and handlers.store.progress("ann")[item.id].state == "review"
    assert "Cards learned: 1 of" in progress
    # a second check of the same question is shown but not counted again
    _, shown, state, score, _ = handlers.check("<img src=x onerror=alert(1)>", None, state)
    shown = shown["value"]
    assert "<img" not in shown and "&lt;img" in shown and "Session score: 1 of 1" in score
    assert handlers.store.stats("ann").answers == 1

    question, _, _, _, state, _, _, _ = handlers.next_question("ann", "", "ql-hip-hike", state)
    assert state["item"] != item.id
    graded, _, _ = handlers.grade("good", state)
    assert "Check an answer first" in graded
    for empty in ("", "   ", "?!"):  # an empty check is not a miss
        _, shown, state, score, _ = handlers.check(empty, None, state)
        assert "Type or choose an answer first" in shown["value"] and state["checked"] is False
    assert handlers.store.stats("ann").answers == 1
    _, shown, state, score, _ = handlers.check("certainly not this", None, state)
    assert "study-wrong" in shown["elem_classes"]
    shown = shown["value"]
    assert "❌ **Not right:**" in shown and "**Expected:**" in shown and "Recorded as **Again**" in shown
    assert "Session score: 1 of 2" in score


def test_a_choice_is_clicked_and_checked(handlers, assistant):
    from web.study_tab import choice_update

    items = generate_items(assistant.library())
    item = next(i for i in items if i.choices and i.kind != "step_order")
    shown = choice_update(item)
    assert shown["visible"] is True and shown["value"] is None
    assert [label for label, _ in shown["choices"]] == list(item.choices)
    order = next(i for i in items if i.kind == "step_order")
    assert choice_update(order)["visible"] is False  # step order stays typed
    right = str(item.choices.index(item.answer) + 1)
    state = {"user": "chooser", "item": item.id, "checked": False, "correct": 0, "answered": 0, "grade": None}
    _, verdict, state, _, _ = handlers.check("", right, state)  # the clicked choice wins over an empty box
    assert "study-right" in verdict["elem_classes"] and handlers.store.stats("chooser").correct == 1


def test_students_get_their_own_question_order():
    from web.study_tab import per_student

    items = [SimpleNamespace(id=f"item-{n}") for n in range(30)]
    ann, bob = per_student(items, "ann"), per_student(items, "bob")
    assert ann == per_student(items, "ann") and sorted(i.id for i in ann) == sorted(i.id for i in items)
    assert [i.id for i in ann] != [i.id for i in bob]


def test_the_logged_in_user_is_the_student(handlers):
    request = SimpleNamespace(username="Dr Lee")
    *_, name, _, _ = handlers.load(request)
    assert name["value"] == "Dr Lee" and name["interactive"] is False
    # whatever is typed in the name box, progress goes to the login
    _, _, _, _, state, _, _, _ = handlers.next_question("someone else", "", "", None, request)
    handlers.check("anything", None, state)
    assert handlers.store.stats("dr lee").answers == 1 and handlers.store.stats("someone else").answers == 0


def test_the_deck_download_holds_one_note_per_question_of_the_filter(handlers, assistant, tmp_path):
    path = handlers.deck("", "psoas-release")
    with zipfile.ZipFile(path) as z:
        (tmp_path / "c.anki2").write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.anki2") as conn:
        notes = conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
    assert notes == len(generate_items(assistant.library(), technique="psoas-release"))


def test_a_missing_name_is_a_message_not_a_crash(handlers):
    with pytest.raises(gr.Error):
        handlers.next_question("   ", "", "", None)
    _, shown, _, _, _ = handlers.check("anything", None, None)
    assert "Next question" in shown["value"]
