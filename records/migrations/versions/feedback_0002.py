"""Feedback remembers who gave it: the logged-in user (None without a login, and for rows from
before this revision, which keep everything else)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "feedback_0002"
down_revision = "feedback_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("feedback")}
    if "user_name" not in columns:
        with op.batch_alter_table("feedback") as batch:
            batch.add_column(sa.Column("user_name", sa.Text, nullable=True))
