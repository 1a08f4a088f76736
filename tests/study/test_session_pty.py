"""`techniques quiz` in a real pseudo-terminal: one answer right and graded easy, one wrong
(graded again by itself), Ctrl-D, and the results saved; Ctrl-C also ends the session with its
score; `--stats` shows the progress."""

from __future__ import annotations

import os
import sys

import pytest

from study.session import select_items, study_queue
from study.review import ReviewStore
from tests.conftest import ROOT

pexpect = pytest.importorskip("pexpect", reason="pexpect is in the `test` extra")

pytestmark = pytest.mark.integration


def spawn_quiz(data_dir, *args: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TECHNIQUES_")}
    env.update(PYTHONIOENCODING="utf-8", COLUMNS="200")
    cmd = ["-m", "cli.main", "quiz", "--store", str(data_dir), *args]
    return pexpect.spawn(sys.executable, cmd, cwd=str(ROOT), env=env, encoding="utf-8", timeout=90, dimensions=(50, 200))


def test_quiz_round_in_a_terminal(assistant, corpus_settings):
    store = ReviewStore.in_data_dir(corpus_settings.data_dir)
    queue = study_queue(select_items(assistant.library()), store, "ann")
    first, second = queue[0], queue[1]

    child = spawn_quiz(corpus_settings.data_dir, "--user", "ann", "--count", "3")
    try:
        child.expect_exact("Question 1 of 3")
        child.expect_exact(first.citation.title)
        child.expect_exact("Your answer: ")
        child.sendline(first.answer)
        child.expect(r"(?<!In)Correct\.")
        child.expect_exact(f"Source: {first.citation.title} — {first.citation.section}")
        child.expect_exact("How well did you know it?")
        child.sendline("x")
        child.expect_exact("Type h, e, a, or press Enter for good.")
        child.sendline("e")
        child.expect_exact("Graded Easy. Score: 1 of 1 correct")

        child.expect_exact("Question 2 of 3")
        child.expect_exact("Your answer: ")
        child.sendline("zzzz not it")
        child.expect_exact("Incorrect.")
        child.expect_exact(f"Expected: {second.answer}")
        child.expect_exact(f"Source: {second.citation.title}")
        child.expect_exact("Graded Again. Score: 1 of 2 correct (50%)")

        child.expect_exact("Question 3 of 3")
        child.expect_exact("Your answer: ")
        child.sendeof()
        child.expect_exact("Final score: 1 of 2 correct (50%). Progress saved for ann.")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before

    progress = store.progress("ann")
    assert set(progress) == {first.id, second.id}
    assert progress[first.id].state == "review" and progress[first.id].correct == 1  # easy graduates at once
    assert progress[second.id].state == "learning" and progress[second.id].correct == 0
    assert store.due("ann", [first.id, second.id]) == []  # the miss comes back in a minute, not now
    stats = store.stats("ann")
    assert (stats.answers, stats.correct) == (2, 1)

    child = spawn_quiz(corpus_settings.data_dir, "--user", "ann", "--stats")
    out = child.read()
    child.close()
    assert child.exitstatus == 0, out
    assert "Cards learned: 1 of" in out and "seen: 2" in out and "Due in the next days:" in out


def test_ctrl_c_ends_the_session_with_its_score(corpus_settings):
    child = spawn_quiz(corpus_settings.data_dir, "--user", "cy", "--count", "2", "--technique", "psoas-stretch")
    try:
        child.expect_exact("Your answer: ")
        child.sendintr()
        child.expect_exact("Stopped.")
        child.expect_exact("Final score: 0 of 0 correct. Progress saved for cy.")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
