"""One way to open the app's small SQLite stores (feedback, study progress): a connection per
call, WAL so readers never block the writer, a generous busy timeout for concurrent writers,
and the schema applied idempotently. A store that cannot be opened is a user-facing error."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from techniques.errors import TechniquesError


@contextmanager
def connect(path: Path, schema: Sequence[str], what: str) -> Iterator[sqlite3.Connection]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise TechniquesError(f"Cannot open the {what} {path} ({exc}).", hint="Check that the data folder is writable.") from None
    with closing(conn):
        conn.execute("PRAGMA busy_timeout = 30000")
        _set_up(conn, schema)
        yield conn


def _set_up(conn: sqlite3.Connection, schema: Sequence[str]) -> None:
    """WAL mode (kept in the file, so set once) and the schema. Switching the journal mode does
    not wait on the busy timeout: a first-time race between writers is retried, not lost."""
    for attempt in range(100):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            for statement in schema:
                conn.execute(statement)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.01 * (1 + attempt % 10))
