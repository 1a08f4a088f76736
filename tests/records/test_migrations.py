"""SQLite files made by the release before the database layer (their schema SQL and the rows
they held, copied below from that release's records/feedback.py, records/users.py and
study/review.py) open under the Alembic migrations with every row kept, and keep working."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating

from records.feedback import FeedbackStore
from records.users import UserStore, hash_password
from study.cards import new_card
from study.review import ReviewStore, scheduler_from_data
from techniques.settings import Settings

# -- the schema as released, verbatim ------------------------------------------------------------
FEEDBACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    reason TEXT,
    comment TEXT,
    question TEXT NOT NULL,
    history TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    doc_id TEXT,
    red_flag INTEGER NOT NULL DEFAULT 0,
    no_answer INTEGER NOT NULL DEFAULT 0
)
"""
USERS_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'therapist', 'student')),
    password TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""
STUDY_SCHEMA = (
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
# what the release's Leitner migration left behind: the Leitner table, renamed and never read again
LEITNER_PROGRESS = """CREATE TABLE leitner_progress (
    user TEXT NOT NULL, item_id TEXT NOT NULL, box INTEGER NOT NULL, due_at REAL NOT NULL,
    answered INTEGER NOT NULL, correct INTEGER NOT NULL, last_at REAL NOT NULL, PRIMARY KEY (user, item_id))"""

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def released_file(path, statements, rows: dict[str, list[tuple]]):
    """A file as the release wrote it: WAL, its schema, its rows (the release's own INSERTs)."""
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        for statement in statements:
            conn.execute(statement)
        for table, values in rows.items():
            for row in values:
                conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
    conn.close()


def dump(path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()


def heads(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))


def feedback_rows() -> list[tuple]:
    citation = json.dumps([{"n": 1, "doc_id": "ql-hip-hike", "text": "Hike the hip.", "section": "Steps"}])
    return [
        (1, "2026-03-01T10:00:00+00:00", "up", None, None, "How do I stretch the QL?", "[]", "## QL Hip Hike", citation, "ql-hip-hike", 0, 0),
        (2, "2026-03-01T10:05:00+00:00", "down", "missing caution", "hip replacement", "Can I do the hip hike?",
         json.dumps(["How do I stretch the QL?"]), "## QL Hip Hike", citation, "ql-hip-hike", 0, 0),
        (4, "2026-03-01T11:00:00+00:00", "down", "unsafe", "née — ünïcode", "Numb groin?", "[]", "Stop.", "[]", None, 1, 1),
    ]  # id 3 was deleted by a user: the gap stays, and the next id is 5


def study_rows(scheduler) -> dict[str, list[tuple]]:
    """Two students, three cards, five logged answers, as the FSRS release recorded them."""
    cards, answers = [], []
    next_id = 1
    for user, item_id, grades in (("ann", "ql-1", [3, 3, 1]), ("ann", "psoas-2", [4]), ("bob smith", "ql-1", [3])):
        card = base = new_card(item_id, T0)
        for n, grade in enumerate(grades):
            at = T0 + timedelta(days=n * 2)
            before = card.state
            card, _ = scheduler.review_card(card, Rating(grade), review_datetime=at)
            answers.append((next_id, user, item_id, int(grade > 1), at.timestamp(), grade, int(before)))
            next_id += 1
        cards.append((user, item_id, card.to_json(), base.to_json(), card.due.timestamp(), int(card.state),
                      len(grades), sum(g > 1 for g in grades), at.timestamp()))
    leitner = [("ann", "ql-1", 2, T0.timestamp() + 3 * 86400, 2, 2, T0.timestamp())]
    return {"cards": cards, "answers": answers, "leitner_progress": leitner}


def test_a_released_feedback_file_migrates_with_every_row_kept(tmp_path):
    path = tmp_path / "feedback.sqlite"
    released_file(path, [FEEDBACK_SCHEMA], {"feedback": feedback_rows()})
    store = FeedbackStore(path)
    assert [(r.id, r.rating, r.reason, r.comment, r.history, r.red_flag) for r in store.list()] == [
        (1, "up", None, None, [], False),
        (2, "down", "missing caution", "hip replacement", ["How do I stretch the QL?"], False),
        (4, "down", "unsafe", "née — ünïcode", [], True),
    ]
    # every value as the release wrote it, and the new column (who gave it) empty
    assert dump(path, "feedback") == [(*row, None) for row in feedback_rows()]
    assert heads(path) == ["feedback_0002"]
    from assistant.answer import Answer

    assert store.record("down", "after the upgrade", [], Answer("q", (), (), "d", False, None)) == 5  # AUTOINCREMENT kept
    assert FeedbackStore(path).count() == 4 and heads(path) == ["feedback_0002"]  # a second open changes nothing


def test_a_released_users_file_migrates_and_everyone_still_logs_in(tmp_path):
    rows = [("Ann", "admin", hash_password(PASSWORD), "2026-03-01T10:00:00+00:00"),
            ("bob.smith@clinic", "student", hash_password(PASSWORD + "2"), "2026-03-01T10:01:00+00:00")]
    released_file(tmp_path / "users.sqlite", [USERS_SCHEMA], {"users": rows})
    store = UserStore.from_settings(Settings(data_dir=tmp_path))
    assert store.authenticate("ann", PASSWORD).role == "admin"  # any case, as before
    assert store.authenticate("BOB.SMITH@clinic", PASSWORD + "2").role == "student"
    assert [u.name for u in store.list()] == ["Ann", "bob.smith@clinic"]
    assert dump(tmp_path / "users.sqlite", "users") == sorted(rows)
    with pytest.raises(Exception, match="already a user"):
        store.add("ANN", PASSWORD, "therapist")
    assert heads(tmp_path / "users.sqlite") == ["users_0001"]


def test_a_released_study_file_migrates_with_every_card_and_answer_kept(tmp_path):
    scheduler = scheduler_from_data()
    path = tmp_path / "study.sqlite"
    rows = study_rows(scheduler)
    released_file(path, [*STUDY_SCHEMA, LEITNER_PROGRESS], rows)
    store = ReviewStore(path, scheduler)
    progress = store.progress("Ann")
    assert set(progress) == {"ql-1", "psoas-2"} and progress["ql-1"].answered == 3 and progress["ql-1"].correct == 2
    assert store.card("ann", "ql-1") == Card.from_json(rows["cards"][0][2])
    stats = store.stats("ann", now=T0 + timedelta(days=4))
    assert (stats.items_seen, stats.answers, stats.correct) == (2, 4, 3)
    assert store.stats("Bob  Smith").answers == 1
    for table in ("cards", "answers", "leitner_progress"):
        assert dump(path, table) == sorted(rows[table]), table
    assert heads(path) == ["study_0001"]
    # and it goes on working: a regrade replays the logged answers of the card
    after = store.regrade("ann", "ql-1", "good")
    assert (after.answered, after.correct) == (3, 3)
    assert dump(path, "answers")[2][3:6] == (1, rows["answers"][2][4], 3)


def test_a_new_data_folder_gets_only_its_stores_tables_and_no_user_file_on_a_read(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert UserStore.from_settings(settings).count() == 0
    assert not (tmp_path / "users.sqlite").exists()  # no file made just to find there are no users
    FeedbackStore.from_settings(settings).count()
    with sqlite3.connect(tmp_path / "feedback.sqlite") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables - {"sqlite_sequence"} == {"alembic_version", "feedback"}


def test_a_store_file_removed_while_running_is_made_afresh_and_an_unusable_one_is_a_clear_error(tmp_path):
    from assistant.answer import Answer
    from techniques.errors import TechniquesError

    store = FeedbackStore(tmp_path / "feedback.sqlite")
    store.record("up", "q", [], Answer("q", (), (), "d", False, None))
    for leftover in tmp_path.glob("feedback.sqlite*"):
        leftover.unlink()
    assert store.count() == 0
    store.record("up", "q", [], Answer("q", (), (), "d", False, None))
    assert store.count() == 1
    (tmp_path / "not-a-folder").write_text("x")
    with pytest.raises(TechniquesError, match=r"Cannot open the feedback store .*not-a-folder"):
        FeedbackStore(tmp_path / "not-a-folder" / "feedback.sqlite").count()
