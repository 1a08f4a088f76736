"""One ingest at a time: per data folder, an advisory `flock` that the OS releases if the
process dies, so a killed ingest never leaves a stale lock behind; and when the index is on a
Chroma server, across every machine that ingests into it: a PostgreSQL advisory lock when
TECHNIQUES_DATABASE_URL names one (released by the server when the ingester's connection
dies), or else a lease record on the Chroma server with an expiry (ingest/lease.py). A second
ingest is refused, naming the one running (host, pid, since)."""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.failures import not_a_folder, store_failure
from ingest.lease import ChromaLease, busy, holder_now
from techniques.errors import TechniquesError
from techniques.settings import Settings


@contextmanager
def ingest_locks(settings: Settings) -> Iterator[None]:
    """Every lock an ingest with these settings needs, held until it ends."""
    with ingest_lock(Path(settings.data_dir)):
        if not settings.server_mode:
            yield
        elif _postgresql(settings.database_url):
            with advisory_lock(settings):
                yield
        else:
            from ingest.backends import open_backend

            backend = open_backend(settings, writing=True)
            lease = ChromaLease(backend.client, settings.collection, f"the {backend.describe()}")
            try:
                lease.acquire()
            except TechniquesError:
                raise
            except Exception:
                backend.check()  # a server that stopped answering, told as clearly as anywhere else
                raise
            try:
                yield
            finally:
                lease.release()


def _postgresql(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0].split("+", 1)[0] in ("postgres", "postgresql")


def lock_key(settings: Settings) -> int:
    """One advisory-lock key per collection prefix in the shared database, positive 63-bit. Not
    per server address: machines may name one server differently (an IP, a DNS name)."""
    name = f"techniques-ingest {settings.collection}"
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1


@contextmanager
def advisory_lock(settings: Settings) -> Iterator[None]:
    """A session-level `pg_try_advisory_lock` on its own connection, named after its holder
    (`application_name`, which is how a refused ingest learns who holds it)."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    holder, key = holder_now(), lock_key(settings)
    url = make_url(settings.database_url or "").set(drivername="postgresql+psycopg")
    name = f"techniques ingest|{holder['host']}|{holder['pid']}|{holder['since']}"[:63]
    engine = create_engine(url, poolclass=NullPool, connect_args={"application_name": name, "connect_timeout": 10})
    where = f"the Chroma server {settings.chroma_host}:{settings.chroma_port}"
    try:
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
            conn.commit()
            if not got:
                raise busy(where, _advisory_holder(conn, key))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
    except DBAPIError as exc:
        shown = url.render_as_string(hide_password=True)
        raise TechniquesError(f"Cannot take the ingest lock in the database {shown} ({' '.join(str(exc.orig).split())}).",
                              hint="Check TECHNIQUES_DATABASE_URL and that the database server is running.") from None
    finally:
        engine.dispose()


def _advisory_holder(conn, key: int) -> dict:
    from sqlalchemy import text

    name = conn.execute(text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
        " AND l.classid::bigint * 4294967296 + l.objid::bigint = :key"), {"key": key}).scalar() or ""
    parts = name.split("|")
    return dict(zip(("host", "pid", "since"), parts[1:])) if len(parts) == 4 else {}


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    path = data_dir / "ingest.lock"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+", encoding="utf-8")
    except (FileExistsError, NotADirectoryError):
        raise not_a_folder(data_dir) from None
    except OSError as exc:  # before anything was written: the published index is untouched
        raise (store_failure(exc, data_dir, kept=(data_dir / "CURRENT").exists()) or exc) from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise TechniquesError(
                f"Another ingest is already running on {data_dir} (pid {holder}).",
                hint="Wait for it to finish, then run this ingest again.",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
