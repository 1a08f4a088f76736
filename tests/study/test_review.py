"""Spaced review: misses come back sooner than correct answers, intervals grow, progress is per
user name and survives reopening the store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from study.review import FILENAME, ReviewStore
from techniques.errors import TechniquesError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDS = ["a:fill_in_term:1", "a:step_order:1", "b:fill_in_term:1", "b:step_order:1"]


@pytest.fixture
def store(tmp_path) -> ReviewStore:
    return ReviewStore.in_data_dir(tmp_path / "data")


def test_never_seen_items_come_in_the_given_order(store):
    assert store.due("ann", IDS, T0) == IDS
    assert store.upcoming("ann", IDS, T0) == []


def test_a_missed_item_is_due_sooner_than_a_correct_one(store):
    missed = store.record("ann", IDS[0], False, now=T0)
    right = store.record("ann", IDS[1], True, now=T0)
    assert missed.due_at < right.due_at
    assert missed.due_at - T0 <= timedelta(minutes=5)
    assert right.due_at - T0 >= timedelta(days=1)
    # right away neither is due; the unseen ones are
    assert store.due("ann", IDS, T0) == IDS[2:]
    # two minutes later the missed item is due again, before the new ones; the correct one is not
    assert store.due("ann", IDS, T0 + timedelta(minutes=2)) == [IDS[0], *IDS[2:]]
    assert store.upcoming("ann", IDS, T0 + timedelta(minutes=2)) == [IDS[1]]
    assert store.due("ann", IDS, T0 + timedelta(days=1, minutes=1)) == [IDS[0], IDS[1], *IDS[2:]]


def test_overdue_reviews_come_most_overdue_first(store):
    store.record("ann", IDS[2], False, now=T0)
    store.record("ann", IDS[0], False, now=T0 + timedelta(minutes=10))
    assert store.due("ann", IDS, T0 + timedelta(hours=1)) == [IDS[2], IDS[0], IDS[1], IDS[3]]


def test_intervals_grow_with_successive_correct_answers(store):
    now, intervals = T0, []
    for _ in range(6):
        progress = store.record("ann", IDS[0], True, now=now)
        intervals.append(progress.due_at - now)
        now = progress.due_at
    assert all(a < b for a, b in zip(intervals, intervals[1:5]))
    assert intervals[:5] == [timedelta(days=d) for d in (1, 3, 7, 16, 35)]
    assert intervals[5] == intervals[4]  # the last box keeps its interval
    # a miss starts the item over
    missed = store.record("ann", IDS[0], False, now=now)
    assert missed.box == 0 and missed.due_at - now == timedelta(minutes=1)
    again = store.record("ann", IDS[0], True, now=missed.due_at)
    assert again.due_at - missed.due_at == timedelta(days=1)


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
    stats = reopened.stats("ann")
    assert (stats.items_seen, stats.answers, stats.correct) == (2, 3, 2)
    assert stats.accuracy == pytest.approx(2 / 3)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
