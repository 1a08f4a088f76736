"""Spaced review of quiz items: each student's progress in SQLite in the data folder, by name.

Leitner boxes (schedule in data/quiz.yaml): a missed item goes back to box 0 and is due again a
minute later; a correct answer moves it up one box and it is due after that box's interval
(1, 3, 7, 16, 35 days), so missed items come back long before answered ones. No login: the name
a student types is the key, compared without case or extra spaces.

Each call opens its own connection (WAL mode, a busy timeout), like the feedback store, so the
web app's threads and a terminal session can record at the same time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from study.quiz_text import quiz_vocab
from records.sqlite import connect
from techniques.errors import TechniquesError

FILENAME = "study.sqlite"
MAX_NAME = 64

_SCHEMA = (
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


@dataclass(frozen=True)
class Schedule:
    missed_after: timedelta
    correct_after: tuple[timedelta, ...]  # box 1, 2, ... (box 0 is "missed")

    @classmethod
    def from_data(cls) -> Schedule:
        raw = quiz_vocab().review
        return cls(timedelta(seconds=float(raw["missed_after_seconds"])), tuple(timedelta(days=float(d)) for d in raw["correct_after_days"]))

    def next(self, box: int, correct: bool) -> tuple[int, timedelta]:
        """The new box and how long until the item is due again."""
        if not correct:
            return 0, self.missed_after
        box = min(box + 1, len(self.correct_after))
        return box, self.correct_after[box - 1]


@dataclass(frozen=True)
class Progress:
    item_id: str
    box: int
    due_at: datetime
    answered: int
    correct: int


@dataclass(frozen=True)
class ReviewStats:
    user: str
    items_seen: int
    answers: int
    correct: int
    learned: int  # items in box 3 or higher: answered right at least three times running

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


def user_key(name: str) -> str:
    key = " ".join((name or "").split()).casefold()
    if not key:
        raise TechniquesError("Type your name first: study progress is kept per name.")
    if len(key) > MAX_NAME:
        raise TechniquesError(f"A name can be at most {MAX_NAME} characters.")
    return key


def _ts(now: datetime | None) -> float:
    return (now or datetime.now(UTC)).timestamp()


class ReviewStore:
    def __init__(self, path: str | Path, schedule: Schedule | None = None) -> None:
        self.path = Path(path)
        self.schedule = schedule or Schedule.from_data()

    @classmethod
    def in_data_dir(cls, data_dir: str | Path) -> ReviewStore:
        return cls(Path(data_dir) / FILENAME)

    def _connect(self):
        return connect(self.path, _SCHEMA, "study progress store")

    def record(self, user: str, item_id: str, correct: bool, now: datetime | None = None) -> Progress:
        """Store one answer and reschedule the item; returns its new progress."""
        key, at = user_key(user), _ts(now)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT box, answered, correct FROM progress WHERE user = ? AND item_id = ?", (key, item_id)).fetchone()
            box, answered, right = row or (0, 0, 0)
            box, wait = self.schedule.next(box, correct)
            due = at + wait.total_seconds()
            conn.execute(
                "INSERT OR REPLACE INTO progress (user, item_id, box, due_at, answered, correct, last_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, item_id, box, due, answered + 1, right + int(correct), at),
            )
            conn.execute("INSERT INTO answers (user, item_id, correct, at) VALUES (?, ?, ?, ?)", (key, item_id, int(correct), at))
            conn.execute("COMMIT")
        return Progress(item_id, box, datetime.fromtimestamp(due, UTC), answered + 1, right + int(correct))

    def progress(self, user: str) -> dict[str, Progress]:
        with self._connect() as conn:
            rows = conn.execute("SELECT item_id, box, due_at, answered, correct FROM progress WHERE user = ?", (user_key(user),)).fetchall()
        return {r[0]: Progress(r[0], r[1], datetime.fromtimestamp(r[2], UTC), r[3], r[4]) for r in rows}

    def due(self, user: str, item_ids: Sequence[str], now: datetime | None = None) -> list[str]:
        """The items to ask now: those due for review (most overdue first), then those never
        seen (in the given order). Items answered and not yet due are left out."""
        at, seen = _ts(now), self.progress(user)
        reviews = sorted((seen[i].due_at.timestamp(), n, i) for n, i in enumerate(item_ids) if i in seen and seen[i].due_at.timestamp() <= at)
        return [i for _, _, i in reviews] + [i for i in item_ids if i not in seen]

    def upcoming(self, user: str, item_ids: Sequence[str], now: datetime | None = None) -> list[str]:
        """The answered items not yet due, soonest first: what to practise ahead of schedule."""
        at, seen = _ts(now), self.progress(user)
        later = sorted((seen[i].due_at.timestamp(), n, i) for n, i in enumerate(item_ids) if i in seen and seen[i].due_at.timestamp() > at)
        return [i for _, _, i in later]

    def stats(self, user: str) -> ReviewStats:
        key = user_key(user)
        with self._connect() as conn:
            seen, learned = conn.execute("SELECT COUNT(*), COALESCE(SUM(box >= 3), 0) FROM progress WHERE user = ?", (key,)).fetchone()
            answers, right = conn.execute("SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM answers WHERE user = ?", (key,)).fetchone()
        return ReviewStats(key, seen, answers, right, learned)
