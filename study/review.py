"""Spaced review of quiz items with FSRS (the `fsrs` package, as Anki uses it): each student's
cards in SQLite in the data folder, by name.

Every answer is graded again / hard / good / easy (a wrong typed answer is "again", a right one
"good" unless the student says otherwise) and the card is rescheduled by `fsrs.Scheduler`; the
card's whole FSRS state is kept as the package serialises it, so what is stored is exactly
what the package computed. Each answer is logged with its grade and the card's state before it:
a grade changed afterwards (`regrade`) replays the card's log from its starting point, and the
retention shown to a student is the share of reviews of learned cards not graded "again".

Progress recorded by the Leitner boxes this module used before is migrated when a store is
opened (study/migrate.py): no card is lost. No login here: the name (or the web login) is the key.
Each call opens its own connection (WAL mode, a busy timeout), like the feedback store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path

from fsrs import Card, Rating, Scheduler, State

from records.sqlite import connect
from study.cards import new_card, replay
from study.migrate import migrate_leitner
from study.quiz_text import quiz_vocab
from techniques.errors import TechniquesError

FILENAME = "study.sqlite"
MAX_NAME = 64

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS cards (
        user TEXT NOT NULL,
        item_id TEXT NOT NULL,
        card TEXT NOT NULL,      -- fsrs.Card.to_json(): the scheduler's state
        base TEXT NOT NULL,      -- the card before its first logged answer, to replay from
        due_at REAL NOT NULL,
        state INTEGER NOT NULL,
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
        at REAL NOT NULL,
        rating INTEGER,          -- Grade; added to older files by the migration
        state_before INTEGER     -- fsrs.State of the card when answered
    )""",
)


class Grade(IntEnum):
    """How well the student knew the answer; the values are FSRS's ratings."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @classmethod
    def parse(cls, value: Grade | str | bool | int) -> Grade:
        if isinstance(value, bool):
            return cls.GOOD if value else cls.AGAIN
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            raise TechniquesError(f"Unknown grade {value!r}.", hint="Grades: again, hard, good, easy.") from None

    @property
    def label(self) -> str:
        return self.name.capitalize()


def scheduler_from_data() -> Scheduler:
    raw = quiz_vocab().review
    return Scheduler(
        desired_retention=float(raw["desired_retention"]),
        learning_steps=tuple(timedelta(minutes=float(m)) for m in raw["learning_steps_minutes"]),
        relearning_steps=tuple(timedelta(minutes=float(m)) for m in raw["relearning_steps_minutes"]),
        maximum_interval=int(raw["maximum_interval_days"]),
        enable_fuzzing=bool(raw["fuzz"]),
    )


@dataclass(frozen=True)
class Progress:
    item_id: str
    state: str  # "learning" | "review" | "relearning"
    due_at: datetime
    answered: int
    correct: int
    stability: float | None  # days until recall falls to 90%
    difficulty: float | None

    @property
    def learned(self) -> bool:
        return self.state == "review"


@dataclass(frozen=True)
class ReviewStats:
    user: str
    items_seen: int
    answers: int
    correct: int
    learned: int  # cards graduated to FSRS's review state
    due: int  # cards seen before and due now
    reviews: int  # answers given to learned cards
    recalled: int  # of those, not graded "again"

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0

    @property
    def retention(self) -> float | None:
        return self.recalled / self.reviews if self.reviews else None


def user_key(name: str) -> str:
    key = " ".join((name or "").split()).casefold()
    if not key:
        raise TechniquesError("Type your name first: study progress is kept per name.")
    if len(key) > MAX_NAME:
        raise TechniquesError(f"A name can be at most {MAX_NAME} characters.")
    return key


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _progress(item_id: str, card: Card, answered: int, correct: int) -> Progress:
    return Progress(item_id, card.state.name.lower(), card.due, answered, correct, card.stability, card.difficulty)


class ReviewStore:
    def __init__(self, path: str | Path, scheduler: Scheduler | None = None) -> None:
        self.path = Path(path)
        self.scheduler = scheduler or scheduler_from_data()
        self._migrated = False

    @classmethod
    def in_data_dir(cls, data_dir: str | Path) -> ReviewStore:
        return cls(Path(data_dir) / FILENAME)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection, after a one-time migration of older progress in the file."""
        with connect(self.path, SCHEMA, "study progress store") as conn:
            if not self._migrated:
                migrate_leitner(conn, self.scheduler)
                self._migrated = True
            yield conn

    def record(self, user: str, item_id: str, grade: Grade | str | bool, now: datetime | None = None) -> Progress:
        """Store one answer, graded, and reschedule the item; returns its new progress."""
        key, at, grade = user_key(user), _now(now), Grade.parse(grade)
        with self._db() as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT card, base, answered, correct FROM cards WHERE user = ? AND item_id = ?", (key, item_id)).fetchone()
            card = Card.from_json(row[0]) if row else new_card(item_id, at)
            base = row[1] if row else card.to_json()
            answered, right = (row[2], row[3]) if row else (0, 0)
            before = card.state
            card, _ = self.scheduler.review_card(card, Rating(int(grade)), review_datetime=at)
            answered, right = answered + 1, right + int(grade is not Grade.AGAIN)
            self._save(conn, key, item_id, card, base, answered, right, at)
            conn.execute("INSERT INTO answers (user, item_id, correct, at, rating, state_before) VALUES (?, ?, ?, ?, ?, ?)",
                         (key, item_id, int(grade is not Grade.AGAIN), at.timestamp(), int(grade), int(before)))
            conn.execute("COMMIT")
        return _progress(item_id, card, answered, right)

    def regrade(self, user: str, item_id: str, grade: Grade | str | bool) -> Progress:
        """Change the grade of the item's last answer and replay its log from the start."""
        key, grade = user_key(user), Grade.parse(grade)
        with self._db() as conn:
            conn.execute("BEGIN IMMEDIATE")
            last = conn.execute("SELECT MAX(id) FROM answers WHERE user = ? AND item_id = ?", (key, item_id)).fetchone()[0]
            row = conn.execute("SELECT base FROM cards WHERE user = ? AND item_id = ?", (key, item_id)).fetchone()
            if last is None or row is None:
                conn.execute("ROLLBACK")
                raise TechniquesError("There is no answer to grade yet.", hint="Check an answer first.")
            conn.execute("UPDATE answers SET rating = ?, correct = ? WHERE id = ?", (int(grade), int(grade is not Grade.AGAIN), last))
            card, answered, right = replay(conn, self.scheduler, key, item_id, Card.from_json(row[0]))
            self._save(conn, key, item_id, card, row[0], answered, right, card.last_review or _now(None))
            conn.execute("COMMIT")
        return _progress(item_id, card, answered, right)

    @staticmethod
    def _save(conn, key: str, item_id: str, card: Card, base: str, answered: int, right: int, at: datetime) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO cards (user, item_id, card, base, due_at, state, answered, correct, last_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, item_id, card.to_json(), base, card.due.timestamp(), int(card.state), answered, right, at.timestamp()),
        )

    def card(self, user: str, item_id: str) -> Card | None:
        """The item's FSRS card as the scheduler left it (None when never answered)."""
        with self._db() as conn:
            row = conn.execute("SELECT card FROM cards WHERE user = ? AND item_id = ?", (user_key(user), item_id)).fetchone()
        return Card.from_json(row[0]) if row else None

    def progress(self, user: str) -> dict[str, Progress]:
        with self._db() as conn:
            rows = conn.execute("SELECT item_id, card, answered, correct FROM cards WHERE user = ?", (user_key(user),)).fetchall()
        return {r[0]: _progress(r[0], Card.from_json(r[1]), r[2], r[3]) for r in rows}

    def due(self, user: str, item_ids: Sequence[str], now: datetime | None = None) -> list[str]:
        """The items to ask now: those due for review (most overdue first), then those never
        seen (in the given order). Items answered and not yet due are left out."""
        at, seen = _now(now), self.progress(user)
        reviews = sorted((seen[i].due_at, n, i) for n, i in enumerate(item_ids) if i in seen and seen[i].due_at <= at)
        return [i for _, _, i in reviews] + [i for i in item_ids if i not in seen]

    def upcoming(self, user: str, item_ids: Sequence[str], now: datetime | None = None) -> list[str]:
        """The answered items not yet due, soonest first: what to practise ahead of schedule."""
        at, seen = _now(now), self.progress(user)
        later = sorted((seen[i].due_at, n, i) for n, i in enumerate(item_ids) if i in seen and seen[i].due_at > at)
        return [i for _, _, i in later]

    def stats(self, user: str, now: datetime | None = None) -> ReviewStats:
        key, at = user_key(user), _now(now).timestamp()
        with self._db() as conn:
            seen, learned, due = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(state = ?), 0), COALESCE(SUM(due_at <= ?), 0) FROM cards WHERE user = ?",
                (int(State.Review), at, key),
            ).fetchone()
            answers, right, reviews, recalled = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(correct), 0), COALESCE(SUM(state_before = ?), 0),"
                " COALESCE(SUM(state_before = ? AND rating > 1), 0) FROM answers WHERE user = ?",
                (int(State.Review), int(State.Review), key),
            ).fetchone()
        return ReviewStats(key, seen, answers, right, learned, due, reviews, recalled)

    def forecast(self, user: str, days: int = 14, now: datetime | None = None) -> list[int]:
        """Cards falling due in each of the next `days` 24-hour spans; the first also counts
        the cards due already."""
        at = _now(now)
        counts = [0] * days
        for p in self.progress(user).values():
            day = max(0, (p.due_at - at) // timedelta(days=1))
            if day < days:
                counts[day] += 1
        return counts

