"""The one database layer under users, feedback and study progress (SQLAlchemy 2 Core).

A store is opened at a *location*: a SQLite file (the embedded default: `DATA/feedback.sqlite`,
`DATA/users.sqlite`, `DATA/study.sqlite`, so `make run` needs no database server) or a database
URL (`TECHNIQUES_DATABASE_URL`, PostgreSQL through psycopg 3), where every app process behind a
load balancer shares the same rows. `database(location)` gives one `Database` per location and
process; `Database.ensure(branch)` brings the store's tables up to date with the Alembic
migrations in records/migrations/ the first time a process uses them (a branch per store, so a
SQLite file holds only its own store's tables), serialised between processes (SQLite's write
lock, a PostgreSQL advisory lock). Files written by earlier releases are upgraded in place,
every row kept. A database that cannot be opened is a user-facing error naming it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from records.sqlite import sqlite_engine
from techniques.errors import TechniquesError
from techniques.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x7465636873  # pg_advisory_xact_lock key while migrating ("techs")
_OPENED: dict[str, Database] = {}
_OPENING = threading.Lock()


class Database:
    """An engine and what this process has already migrated in it."""

    def __init__(self, engine: Engine, path: Path | None) -> None:
        self.engine, self.path = engine, path
        self.label = str(path) if path is not None else engine.url.render_as_string(hide_password=True)
        self._ready: set[str] = set()
        self._migrating = threading.Lock()

    @property
    def shared(self) -> bool:
        """A database server (every process sees the same rows), not a file of this machine."""
        return self.path is None

    def exists(self) -> bool:
        """False for a SQLite file not made yet (nothing to read, and no reason to make it)."""
        return self.path is None or self.path.exists()

    @contextmanager
    def reading(self, what: str) -> Iterator[Connection]:
        with self._transaction(what, writing=False) as conn:
            yield conn

    @contextmanager
    def writing(self, what: str) -> Iterator[Connection]:
        """A transaction that holds SQLite's write lock from its start (PostgreSQL: row locks
        are taken by `with_for_update()` where a read decides a write)."""
        with self._transaction(what, writing=True) as conn:
            yield conn

    @contextmanager
    def _transaction(self, what: str, writing: bool) -> Iterator[Connection]:
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.engine.connect() as conn:
                conn.execution_options(writing=writing)
                with conn.begin():
                    yield conn
        except (OSError, OperationalError, InterfaceError) as exc:
            raise self._unusable(what, exc) from None

    @contextmanager
    def driver_connection(self, what: str) -> Iterator[object]:
        """The driver's own connection, outside any transaction of SQLAlchemy's: for code that
        manages its own (study/migrate.py's one-time upgrade of Leitner files, on sqlite3)."""
        try:
            with self.engine.connect() as conn:
                yield conn.connection.driver_connection
        except (OSError, OperationalError, InterfaceError) as exc:
            raise self._unusable(what, exc) from None

    def ensure(self, branch: str, what: str) -> None:
        """The branch's tables at the newest migration (once per process, and again for a SQLite
        file removed since: it is made afresh, as the release's `CREATE TABLE IF NOT EXISTS` did)."""
        if self.path is not None and not self.path.exists():
            self._ready.clear()
        if branch in self._ready:
            return
        with self._migrating:
            if branch not in self._ready:
                with self.writing(what) as conn:
                    upgrade(conn, f"{branch}@head")
                self._ready.add(branch)

    def _unusable(self, what: str, exc: BaseException) -> TechniquesError:
        cause = " ".join(str(getattr(exc, "orig", None) or exc).split())
        if self.path is not None:
            return TechniquesError(f"Cannot open the {what} {self.label} ({cause}).", hint="Check that the data folder is writable.")
        return TechniquesError(
            f"Cannot use the {what} in the database {self.label} ({cause}).",
            hint="Check TECHNIQUES_DATABASE_URL and that the database server is running and reachable.",
        )


def upgrade(conn: Connection, target: str) -> None:
    """Run the Alembic migrations up to `target` on `conn`, inside its transaction."""
    from alembic import command
    from alembic.config import Config

    if conn.dialect.name == "postgresql":  # two app processes starting at once migrate one after the other
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, target)


def database(location: str | Path) -> Database:
    """The process's `Database` for a SQLite file path or a database URL."""
    path = _sqlite_path(location)
    key = str(path) if path is not None else str(location)
    with _OPENING:
        if key not in _OPENED:
            _OPENED[key] = Database(sqlite_engine(path) if path is not None else server_engine(str(location)), path)
        return _OPENED[key]


def location(settings: Settings, filename: str) -> str | Path:
    """Where a store lives: the configured database, or its SQLite file in the data folder."""
    return settings.database_url or Path(settings.data_dir) / filename


def location_in(data_dir: str | Path, filename: str) -> str | Path:
    """`location` for callers that name only a data folder (`Store.in_data_dir`): the database
    TECHNIQUES_DATABASE_URL configures for this process, when it does, else the folder's file."""
    return location(Settings.from_env().with_store(data_dir), filename)


def is_url(value: str | Path) -> bool:
    return isinstance(value, str) and "://" in value


def server_url(value: str) -> URL:
    """A database URL as SQLAlchemy takes it: `postgresql://` is driven by psycopg 3."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise TechniquesError("TECHNIQUES_DATABASE_URL is not a database URL.",
                              hint="Use postgresql://USER:PASSWORD@HOST:PORT/DATABASE.") from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _sqlite_path(location: str | Path) -> Path | None:
    """The file of a SQLite location (a path, or a `sqlite:///` URL), None for a server."""
    if not is_url(location):
        return Path(location).absolute()
    url = server_url(str(location))
    return Path(url.database or "techniques.sqlite").absolute() if url.get_backend_name() == "sqlite" else None


def server_engine(value: str) -> Engine:
    url = server_url(value)
    options = {"connect_args": {"connect_timeout": 10}} if url.get_backend_name() == "postgresql" else {}
    return create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=8, **options)


def upsert(conn: Connection, table: Table, values: Mapping[str, object], keys: Sequence[str]) -> None:
    """Insert a row, or update the one with the same `keys` (SQLite and PostgreSQL alike)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys),
                                            set_={k: stmt.excluded[k] for k in values if k not in keys}))
