"""Study progress under FSRS as the SQLite release made it: `cards`, and `answers` with each
answer's grade and the card's state before it. A file from that release is adopted with its
rows (and its `leitner_progress`, kept as it was); a file from the Leitner release before it
gets the two columns, each logged answer graded good or again, and a `cards` table, which
study/migrate.py then fills from the Leitner `progress` (it needs the FSRS scheduler)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "study_0001"
down_revision = None
branch_labels = ("study",)
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("cards"):
        op.create_table(
            "cards",
            sa.Column("user", sa.Text, nullable=False),
            sa.Column("item_id", sa.Text, nullable=False),
            sa.Column("card", sa.Text, nullable=False),
            sa.Column("base", sa.Text, nullable=False),
            sa.Column("due_at", sa.Float, nullable=False),
            sa.Column("state", sa.Integer, nullable=False),
            sa.Column("answered", sa.Integer, nullable=False),
            sa.Column("correct", sa.Integer, nullable=False),
            sa.Column("last_at", sa.Float, nullable=False),
            sa.PrimaryKeyConstraint("user", "item_id"),
        )
    if not inspector.has_table("answers"):
        op.create_table(
            "answers",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("user", sa.Text, nullable=False),
            sa.Column("item_id", sa.Text, nullable=False),
            sa.Column("correct", sa.Integer, nullable=False),
            sa.Column("at", sa.Float, nullable=False),
            sa.Column("rating", sa.Integer),
            sa.Column("state_before", sa.Integer),
            sqlite_autoincrement=True,
        )
        return
    columns = {c["name"] for c in inspector.get_columns("answers")}
    for name in ("rating", "state_before"):
        if name not in columns:
            op.add_column("answers", sa.Column(name, sa.Integer))
    op.execute("UPDATE answers SET rating = CASE WHEN correct <> 0 THEN 3 ELSE 1 END WHERE rating IS NULL")
