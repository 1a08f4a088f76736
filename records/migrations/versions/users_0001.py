"""The users table as the SQLite release made it, adopted with its rows; names unique whatever
their case on every database (the release's `COLLATE NOCASE` is SQLite's alone), by an index
on lower(name)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "users_0001"
down_revision = None
branch_labels = ("users",)
depends_on = None


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("users"):
        op.create_table(
            "users",
            sa.Column("name", sa.Text().with_variant(sa.Text(collation="NOCASE"), "sqlite"), primary_key=True),
            sa.Column("role", sa.Text, nullable=False),
            sa.Column("password", sa.Text, nullable=False),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.CheckConstraint("role IN ('admin', 'therapist', 'student')", name="users_role"),
        )
    op.create_index("users_name_folded", "users", [sa.text("lower(name)")], unique=True)
