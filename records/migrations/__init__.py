"""Alembic migrations of the shared tables (records/tables.py), run by records.db at open."""
