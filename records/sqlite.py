"""The embedded default of the database layer: a SQLite file in the data folder, opened the way
the app's stores always were. A connection per call (no pool holding files open), WAL so
readers never block the writer, a generous busy timeout for concurrent writers, and write
transactions that take the write lock when they begin (`BEGIN IMMEDIATE`), so a
read-modify-write never fails half-way on a lock upgrade."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

BUSY_MS = 30_000


def sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool, connect_args={"timeout": BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _connected(dbapi_conn: sqlite3.Connection, _record) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
        dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        _wal(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writing") else "BEGIN")

    return engine


def _wal(conn: sqlite3.Connection) -> None:
    """WAL mode (kept in the file, so set once). Switching the journal mode does not wait on the
    busy timeout: a first-time race between writers is retried, not lost."""
    for attempt in range(100):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.01 * (1 + attempt % 10))
