"""A study database written by the Leitner version of study/review.py (its schema and its
writes, copied below from the last release) opens under FSRS with no card lost."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from fsrs import Rating, State

from study.cards import new_card
from study.review import ReviewStore, scheduler_from_data

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

# -- the Leitner store as released: schema and `record`, verbatim in what they write --------
LEITNER_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS progress (
        user TEXT NOT NULL,
        item_id TEXT NOT NULL,
        box INTEGER NOT NULL,
        due_at REAL NOT NULL,
        answered INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        last_at REAL NOT NULL,
        PRIMARY KEY (user, item_id)
    )""",
    """CREATE TABLE IF NOT EXISTS answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user TEXT NOT NULL,
        item_id TEXT NOT NULL,
        correct INTEGER NOT NULL,
        at REAL NOT NULL
    )""",
)
MISSED_AFTER = timedelta(seconds=60)
CORRECT_AFTER = [timedelta(days=d) for d in (1, 3, 7, 16, 35)]


def leitner_record(path, user: str, item_id: str, correct: bool, now: datetime) -> None:
    at = now.timestamp()
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        for statement in LEITNER_SCHEMA:
            conn.execute(statement)
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT box, answered, correct FROM progress WHERE user = ? AND item_id = ?", (user, item_id)).fetchone()
        box, answered, right = row or (0, 0, 0)
        if correct:
            box = min(box + 1, len(CORRECT_AFTER))
            wait = CORRECT_AFTER[box - 1]
        else:
            box, wait = 0, MISSED_AFTER
        conn.execute(
            "INSERT OR REPLACE INTO progress (user, item_id, box, due_at, answered, correct, last_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (user, item_id, box, at + wait.total_seconds(), answered + 1, right + int(correct), at),
        )
        conn.execute("INSERT INTO answers (user, item_id, correct, at) VALUES (?, ?, ?, ?)", (user, item_id, int(correct), at))
        conn.execute("COMMIT")
    conn.close()


HISTORY = {  # (user, item) -> answers, a day apart
    ("ann", "ql-hip-hike:fill_in_term:1"): [True, True, True],
    ("ann", "ql-hip-hike:step_order:1"): [False, True],
    ("ann", "psoas-stretch:breathing_or_dosage:1"): [False],
    ("bob", "ql-hip-hike:fill_in_term:1"): [True],
    ("bob", "psoas-release:caution_for_condition:1"): [True, False, True, True],
}


def leitner_database(path) -> None:
    for (user, item), answers in HISTORY.items():
        for n, correct in enumerate(answers):
            leitner_record(path, user, item, correct, T0 + timedelta(days=n))


def test_every_leitner_card_becomes_an_fsrs_card(tmp_path):
    path = tmp_path / "study.sqlite"
    leitner_database(path)
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT user, item_id, answered, correct FROM progress ORDER BY 1, 2").fetchall()
    assert len(before) == len(HISTORY)

    store = ReviewStore(path)
    for user in ("ann", "bob"):
        progress = store.progress(user)
        mine = {item for (u, item) in HISTORY if u == user}
        assert set(progress) == mine, user
        for item in mine:
            answers = HISTORY[(user, item)]
            assert (progress[item].answered, progress[item].correct) == (len(answers), sum(answers))
            # the card is what FSRS makes of the same history (right = good, wrong = again)
            expected, scheduler = new_card(item, T0), scheduler_from_data()
            for n, correct in enumerate(answers):
                expected, _ = scheduler.review_card(expected, Rating.Good if correct else Rating.Again,
                                                    review_datetime=T0 + timedelta(days=n))
            assert store.card(user, item).to_dict() == expected.to_dict(), (user, item)
    assert store.stats("ann").answers == 6 and store.stats("bob").answers == 5

    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        kept = conn.execute("SELECT user, item_id, answered, correct FROM leitner_progress ORDER BY 1, 2").fetchall()
    assert "progress" not in tables and kept == before  # the old table is kept as it was

    # opening again migrates nothing twice, and new answers go on from the migrated card
    again = ReviewStore(path)
    assert len(again.progress("ann")) == 3
    after = again.record("ann", "ql-hip-hike:step_order:1", "good", now=T0 + timedelta(days=30))
    assert after.answered == 3


def test_a_box_without_logged_answers_still_becomes_a_card(tmp_path):
    path = tmp_path / "study.sqlite"
    leitner_database(path)
    due = (T0 + timedelta(days=7)).timestamp()
    with sqlite3.connect(path) as conn:  # progress the answer log does not explain
        conn.execute("INSERT INTO progress VALUES ('cy', 'psoas-release:fill_in_term:1', 3, ?, 3, 3, ?)", (due, T0.timestamp()))
        conn.execute("INSERT INTO progress VALUES ('cy', 'psoas-release:fill_in_term:2', 0, ?, 1, 0, ?)", (due, T0.timestamp()))
    store = ReviewStore(path)
    progress = store.progress("cy")
    boxed, missed = progress["psoas-release:fill_in_term:1"], progress["psoas-release:fill_in_term:2"]
    assert boxed.state == "review" and boxed.stability == 7 and boxed.due_at.timestamp() == due
    assert missed.state == "learning" and missed.answered == 1
    assert store.card("cy", "psoas-release:fill_in_term:1").state is State.Review
    assert store.stats("cy").learned == 1
