"""Spaced review of quiz items with FSRS (the `fsrs` package, as Anki uses it): each student's
cards by name, in the database layer (records.db): `DATA/study.sqlite` by default, the shared
database when TECHNIQUES_DATABASE_URL is set, so a student's schedule follows them to whichever
app process serves them.

Every answer is graded again / hard / good / easy (a wrong typed answer is "again", a right one
"good" unless the student says otherwise) and the card is rescheduled by `fsrs.Scheduler`; the
card's whole FSRS state is kept as the package serialises it, so what is stored is exactly
what the package computed. Each answer is logged with its grade and the card's state before it:
a grade changed afterwards (`regrade`) replays the card's log from its starting point, and the
retention shown to a student is the share of reviews of learned cards not graded "again".

Progress recorded by the Leitner boxes this module used before is migrated when a store is
opened (study/migrate.py, on SQLite files, after the schema's own migration): no card is lost.
No login here: the name (or the web login) is the key. Each call is its own transaction; an
answer's read-modify-write holds the card (SQLite's write lock, a PostgreSQL row lock).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path

from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import Connection, case, func, insert, select, update

from records.db import database, is_url, location, location_in, upsert
from records.tables import answers, cards
from study.cards import new_card
from study.migrate import migrate_leitner
from study.quiz_text import quiz_vocab
from techniques.errors import TechniquesError
from techniques.settings import Settings

FILENAME = "study.sqlite"
MAX_NAME = 64
WHAT = "study progress store"

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
        """`path`: a SQLite file, or a database URL (records.db)."""
        self.path = None if is_url(path) else Path(path)
        self.db = database(path)
        self.scheduler = scheduler or scheduler_from_data()
        self._migrated = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ReviewStore:
        return cls(location(settings, FILENAME))

    @classmethod
    def in_data_dir(cls, data_dir: str | Path) -> ReviewStore:
        return cls(location_in(data_dir, FILENAME))

    @contextmanager
    def _db(self, writing: bool = False) -> Iterator[Connection]:
        """A transaction, after a one-time migration of older progress in the file."""
        self.db.ensure("study", WHAT)
        if not self._migrated:
            if not self.db.shared:  # Leitner progress was only ever kept in a SQLite file
                with self.db.driver_connection(WHAT) as conn:
                    migrate_leitner(conn, self.scheduler)
            self._migrated = True
        with (self.db.writing if writing else self.db.reading)(WHAT) as conn:
            yield conn

    def record(self, user: str, item_id: str, grade: Grade | str | bool, now: datetime | None = None) -> Progress:
        """Store one answer, graded, and reschedule the item; returns its new progress."""
        key, at, grade = user_key(user), _now(now), Grade.parse(grade)
        with self._db(writing=True) as conn:
            row = conn.execute(select(cards.c.card, cards.c.base, cards.c.answered, cards.c.correct)
                               .where(_of(cards, key, item_id)).with_for_update()).first()
            card = Card.from_json(row[0]) if row else new_card(item_id, at)
            base = row[1] if row else card.to_json()
            answered, right = (row[2], row[3]) if row else (0, 0)
            before = card.state
            card, _ = self.scheduler.review_card(card, Rating(int(grade)), review_datetime=at)
            answered, right = answered + 1, right + int(grade is not Grade.AGAIN)
            _save(conn, key, item_id, card, base, answered, right, at)
            conn.execute(insert(answers).values(user=key, item_id=item_id, correct=int(grade is not Grade.AGAIN),
                                                at=at.timestamp(), rating=int(grade), state_before=int(before)))
        return _progress(item_id, card, answered, right)

    def regrade(self, user: str, item_id: str, grade: Grade | str | bool) -> Progress:
        """Change the grade of the item's last answer and replay its log from the start."""
        key, grade = user_key(user), Grade.parse(grade)
        with self._db(writing=True) as conn:
            row = conn.execute(select(cards.c.base).where(_of(cards, key, item_id)).with_for_update()).first()
            last = conn.execute(select(func.max(answers.c.id)).where(_of(answers, key, item_id))).scalar()
            if last is None or row is None:
                raise TechniquesError("There is no answer to grade yet.", hint="Check an answer first.")
            conn.execute(update(answers).where(answers.c.id == last)
                         .values(rating=int(grade), correct=int(grade is not Grade.AGAIN)))
            card, answered, right = _replay(conn, self.scheduler, key, item_id, Card.from_json(row[0]))
            _save(conn, key, item_id, card, row[0], answered, right, card.last_review or _now(None))
        return _progress(item_id, card, answered, right)

    def card(self, user: str, item_id: str) -> Card | None:
        """The item's FSRS card as the scheduler left it (None when never answered)."""
        with self._db() as conn:
            value = conn.execute(select(cards.c.card).where(_of(cards, user_key(user), item_id))).scalar()
        return Card.from_json(value) if value else None

    def progress(self, user: str) -> dict[str, Progress]:
        query = select(cards.c.item_id, cards.c.card, cards.c.answered, cards.c.correct).where(cards.c.user == user_key(user))
        with self._db() as conn:
            rows = conn.execute(query).all()
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
        review = int(State.Review)
        with self._db() as conn:
            seen, learned, due = conn.execute(
                select(func.count(), _count(cards.c.state == review), _count(cards.c.due_at <= at)).where(cards.c.user == key)
            ).one()
            answered, right, reviews, recalled = conn.execute(
                select(func.count(), func.coalesce(func.sum(answers.c.correct), 0), _count(answers.c.state_before == review),
                       _count((answers.c.state_before == review) & (answers.c.rating > 1))).where(answers.c.user == key)
            ).one()
        return ReviewStats(key, seen, answered, int(right), int(learned), int(due), int(reviews), int(recalled))

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


def _of(table, key: str, item_id: str):
    return (table.c.user == key) & (table.c.item_id == item_id)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _save(conn: Connection, key: str, item_id: str, card: Card, base: str, answered: int, right: int, at: datetime) -> None:
    upsert(conn, cards, dict(user=key, item_id=item_id, card=card.to_json(), base=base, due_at=card.due.timestamp(),
                             state=int(card.state), answered=answered, correct=right, last_at=at.timestamp()),
           keys=("user", "item_id"))


def _replay(conn: Connection, scheduler: Scheduler, key: str, item_id: str, base: Card) -> tuple[Card, int, int]:
    """study.cards.replay on the database layer: the card after every logged answer of an item,
    in order, from `base`, with each answer's `state_before` rewritten as the replay finds it."""
    card, answered, right = base, 0, 0
    rows = conn.execute(select(answers.c.id, answers.c.rating, answers.c.at).where(_of(answers, key, item_id))
                        .order_by(answers.c.at, answers.c.id)).all()
    for answer_id, rating, at in rows:
        before = card.state
        card, _ = scheduler.review_card(card, Rating(int(rating)), review_datetime=datetime.fromtimestamp(at, UTC))
        conn.execute(update(answers).where(answers.c.id == answer_id).values(state_before=int(before)))
        answered, right = answered + 1, right + int(rating > 1)
    return card, answered, right
