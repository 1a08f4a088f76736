"""The shared tables of users, feedback and study progress as SQLAlchemy Core objects: what the
stores query. Their history (how each came to be, from the SQLite files of earlier releases) is
in records/migrations/; a change here needs a new migration there."""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, PrimaryKeyConstraint, Table, Text

metadata = MetaData()

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),  # ISO 8601, UTC
    Column("rating", Text, nullable=False),
    Column("reason", Text),
    Column("comment", Text),
    Column("question", Text, nullable=False),
    Column("history", Text, nullable=False),  # JSON list
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),  # JSON list
    Column("doc_id", Text),
    Column("red_flag", Integer, nullable=False, default=0),
    Column("no_answer", Integer, nullable=False, default=0),
    Column("user_name", Text),  # the logged-in user who gave it (feedback_0002); None without a login
    sqlite_autoincrement=True,
)

users = Table(
    "users",
    metadata,
    Column("name", Text, primary_key=True),  # unique case-insensitively (an index on lower(name))
    Column("role", Text, nullable=False),
    Column("password", Text, nullable=False),  # scrypt$n$r$p$salt$hash
    Column("created_at", Text, nullable=False),
)

cards = Table(
    "cards",
    metadata,
    Column("user", Text, nullable=False),
    Column("item_id", Text, nullable=False),
    Column("card", Text, nullable=False),  # fsrs.Card.to_json(): the scheduler's state
    Column("base", Text, nullable=False),  # the card before its first logged answer, to replay from
    Column("due_at", Float, nullable=False),
    Column("state", Integer, nullable=False),
    Column("answered", Integer, nullable=False),
    Column("correct", Integer, nullable=False),
    Column("last_at", Float, nullable=False),
    PrimaryKeyConstraint("user", "item_id"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", Text, nullable=False),
    Column("item_id", Text, nullable=False),
    Column("correct", Integer, nullable=False),
    Column("at", Float, nullable=False),
    Column("rating", Integer),  # the Grade
    Column("state_before", Integer),  # fsrs.State of the card when answered
    sqlite_autoincrement=True,
)
