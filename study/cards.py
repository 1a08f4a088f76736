"""FSRS cards of quiz items: a stable card id per item, a new card, and a card replayed from
its answer log (used when a grade is changed and when older progress is migrated)."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler


def card_id(item_id: str) -> int:
    """A stable card id per item (fsrs would otherwise take the clock's milliseconds)."""
    return int(hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:12], 16)


def new_card(item_id: str, now: datetime) -> Card:
    return Card(card_id=card_id(item_id), due=now)


def replay(conn: sqlite3.Connection, scheduler: Scheduler, key: str, item_id: str, base: Card) -> tuple[Card, int, int]:
    """The card after every logged answer of an item, in order, from `base`, with the number
    of answers and of answers not graded "again"; each answer's `state_before` is rewritten as
    the replay finds it."""
    card, answered, right = base, 0, 0
    rows = conn.execute("SELECT id, rating, at FROM answers WHERE user = ? AND item_id = ? ORDER BY at, id", (key, item_id)).fetchall()
    for answer_id, rating, at in rows:
        before = card.state
        card, _ = scheduler.review_card(card, Rating(int(rating)), review_datetime=datetime.fromtimestamp(at, UTC))
        conn.execute("UPDATE answers SET state_before = ? WHERE id = ?", (int(before), answer_id))
        answered, right = answered + 1, right + int(rating > 1)
    return card, answered, right
