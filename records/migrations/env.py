"""Alembic's entry point, run on the connection records.db passes in (`config.attributes`),
inside that connection's transaction; never on its own engine."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
