"""FSRS review: the stored schedule is the `fsrs` package's own, misses come back sooner than
right answers, a changed grade replays the card, progress is per user and survives reopening."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, State

from study.cards import new_card
from study.review import FILENAME, Grade, ReviewStore, scheduler_from_data
from techniques.errors import TechniquesError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDS = ["a:fill_in_term:1", "a:step_order:1", "b:fill_in_term:1", "b:cloze:1"]


@pytest.fixture
def store(tmp_path) -> ReviewStore:
    return ReviewStore.in_data_dir(tmp_path / "data")


def test_a_graded_sequence_leaves_the_card_fsrs_itself_computes(store):
    grades = [Grade.GOOD, Grade.GOOD, Grade.AGAIN, Grade.HARD, Grade.GOOD, Grade.EASY, Grade.GOOD]
    scheduler = scheduler_from_data()
    expected = new_card(IDS[0], T0)
    now = T0
    for grade in grades:
        progress = store.record("ann", IDS[0], grade.name.lower(), now=now)
        expected, _ = scheduler.review_card(expected, Rating(int(grade)), review_datetime=now)
        assert store.card("ann", IDS[0]).to_dict() == expected.to_dict()
        assert progress.due_at == expected.due and progress.state == expected.state.name.lower()
        now = expected.due + timedelta(hours=1)  # answered a little after it falls due
    assert expected.state is State.Review and store.progress("ann")[IDS[0]].learned
    assert (progress.answered, progress.correct) == (len(grades), len(grades) - 1)


def test_a_missed_item_is_due_sooner_than_a_right_one(store):
    missed = store.record("ann", IDS[0], False, now=T0)
    right = store.record("ann", IDS[1], True, now=T0)
    easy = store.record("ann", IDS[2], "easy", now=T0)
    assert missed.due_at < right.due_at < easy.due_at
    assert missed.due_at - T0 <= timedelta(minutes=5)
    assert store.due("ann", IDS, T0) == [IDS[3]]  # only the never-seen one
    later = T0 + timedelta(minutes=2)
    assert store.due("ann", IDS, later)[0] == IDS[0]  # the miss is back first
    assert store.upcoming("ann", IDS, later) == [IDS[1], IDS[2]]


def test_changing_a_grade_replays_the_card(store, tmp_path):
    store.record("ann", IDS[0], "good", now=T0)
    store.record("ann", IDS[0], "good", now=T0 + timedelta(minutes=11))
    regraded = store.regrade("ann", IDS[0], "again")
    other = ReviewStore(tmp_path / "other.sqlite")
    other.record("ann", IDS[0], "good", now=T0)
    direct = other.record("ann", IDS[0], "again", now=T0 + timedelta(minutes=11))
    assert store.card("ann", IDS[0]).to_dict() == other.card("ann", IDS[0]).to_dict()
    assert (regraded.answered, regraded.correct) == (direct.answered, direct.correct) == (2, 1)
    with pytest.raises(TechniquesError):
        store.regrade("ann", IDS[1], "good")  # never answered
    with pytest.raises(TechniquesError):
        store.record("ann", IDS[0], "brilliant")


def test_stats_count_learned_due_and_retention(store):
    # two cards graduate to review; one is recalled at its review, the other forgotten
    for item in IDS[:2]:
        store.record("ann", item, "easy", now=T0)
    due_day = max(store.card("ann", i).due for i in IDS[:2]) + timedelta(hours=1)
    stats = store.stats("ann", now=due_day)
    assert (stats.items_seen, stats.learned, stats.due, stats.reviews) == (2, 2, 2, 0)
    assert stats.retention is None
    store.record("ann", IDS[0], "good", now=due_day)
    store.record("ann", IDS[1], "again", now=due_day)
    stats = store.stats("ann", now=due_day)
    assert (stats.reviews, stats.recalled, stats.retention) == (2, 1, 0.5)
    assert stats.learned == 1 and stats.due == 0
    # the forgotten card relearns in minutes; the recalled one is days away
    assert store.stats("ann", now=due_day + timedelta(minutes=11)).due == 1
    forecast = store.forecast("ann", days=400, now=due_day)
    assert sum(forecast) == 2 and forecast[0] == 1


def test_users_are_separate_and_names_forgive_case_and_spaces(store):
    store.record("ann", IDS[0], True, now=T0)
    assert store.due("bob", IDS, T0) == IDS
    assert store.due(" Ann  ", IDS, T0) == IDS[1:]
    assert store.stats("ANN").answers == 1 and store.stats("bob").answers == 0
    with pytest.raises(TechniquesError):
        store.record("   ", IDS[0], True)


def test_progress_persists_across_store_instances(tmp_path):
    path = tmp_path / "data" / FILENAME
    first = ReviewStore(path)
    first.record("ann", IDS[0], True, now=T0)
    first.record("ann", IDS[1], False, now=T0)
    first.record("ann", IDS[1], True, now=T0 + timedelta(minutes=2))
    reopened = ReviewStore(path)
    assert set(reopened.progress("ann")) == {IDS[0], IDS[1]}
    assert reopened.card("ann", IDS[1]).to_dict() == first.card("ann", IDS[1]).to_dict()
    stats = reopened.stats("ann")
    assert (stats.items_seen, stats.answers, stats.correct) == (2, 3, 2)
    assert stats.accuracy == pytest.approx(2 / 3)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
