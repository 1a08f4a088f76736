"""Progress kept by the Leitner boxes of earlier versions, moved to FSRS cards when a study
store is opened, so no student loses a card.

The earlier file has `progress` (a box and a due time per user and item) and `answers` (each
answer, right or wrong, with its time). An item with logged answers gets the card FSRS would
have made from them (right = "good", wrong = "again"); an item without any (not made by that
code, but possible in a hand-edited file) gets a card built from its box: box 0 still being
learned, box n in review with the box's interval as its stability, due when the box said.
The Leitner table is then renamed `leitner_progress`, kept as it was, and never read again.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from fsrs import Card, Scheduler, State

from study.cards import card_id, new_card, replay
from study.quiz_text import quiz_vocab

MID_DIFFICULTY = 5.0  # FSRS difficulty runs 1..10; a box says nothing about it


def migrate_leitner(conn: sqlite3.Connection, scheduler: Scheduler) -> int:
    """Migrate what needs it; returns the number of cards made from Leitner progress."""
    if not _needs_migration(conn):
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not _needs_migration(conn):  # another process did it first
            conn.execute("COMMIT")
            return 0
        columns = {r[1] for r in conn.execute("PRAGMA table_info(answers)")}
        if "rating" not in columns:
            conn.execute("ALTER TABLE answers ADD COLUMN rating INTEGER")
        if "state_before" not in columns:
            conn.execute("ALTER TABLE answers ADD COLUMN state_before INTEGER")
        conn.execute("UPDATE answers SET rating = CASE WHEN correct THEN 3 ELSE 1 END WHERE rating IS NULL")
        made = _cards_from_progress(conn, scheduler) if _has_table(conn, "progress") else 0
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return made


def _needs_migration(conn: sqlite3.Connection) -> bool:
    columns = {r[1] for r in conn.execute("PRAGMA table_info(answers)")}
    return _has_table(conn, "progress") or not {"rating", "state_before"} <= columns


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _cards_from_progress(conn: sqlite3.Connection, scheduler: Scheduler) -> int:
    rows = conn.execute(
        "SELECT user, item_id, box, due_at, answered, correct, last_at FROM progress p WHERE NOT EXISTS"
        " (SELECT 1 FROM cards c WHERE c.user = p.user AND c.item_id = p.item_id)"
    ).fetchall()
    for user, item_id, box, due_at, answered, correct, last_at in rows:
        first = conn.execute("SELECT MIN(at) FROM answers WHERE user = ? AND item_id = ?", (user, item_id)).fetchone()[0]
        if first is not None:
            base = new_card(item_id, datetime.fromtimestamp(first, UTC))
            card, _, _ = replay(conn, scheduler, user, item_id, base)
        else:
            card = base = _card_from_box(item_id, int(box), due_at, last_at)
        conn.execute(
            "INSERT INTO cards (user, item_id, card, base, due_at, state, answered, correct, last_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (user, item_id, card.to_json(), base.to_json(), card.due.timestamp(), int(card.state), answered, correct, last_at),
        )
    conn.execute("ALTER TABLE progress RENAME TO leitner_progress")
    return len(rows)


def _card_from_box(item_id: str, box: int, due_at: float, last_at: float) -> Card:
    due, last = datetime.fromtimestamp(due_at, UTC), datetime.fromtimestamp(last_at, UTC)
    if box <= 0:
        return Card(card_id=card_id(item_id), state=State.Learning, step=0, due=due, last_review=last)
    days = [float(d) for d in quiz_vocab().review["leitner_days"]]
    stability = days[min(box, len(days)) - 1]
    return Card(card_id=card_id(item_id), state=State.Review, step=None, stability=stability,
                difficulty=MID_DIFFICULTY, due=due, last_review=last)
