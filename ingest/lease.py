"""One ingest at a time into a Chroma server, across machines, without a database: a lease
record on the server itself, with an expiry its holder keeps pushing back.

The lease is a collection, `<prefix>-ingest-lease`, whose metadata names the holder (host,
pid, since), a random token and when it expires. Creating a collection is atomic on the
server (a name exists once), so of two ingesters starting at once exactly one gets it; the
other is refused with who holds it. While the ingest runs a thread renews the expiry every
`LEASE_SECONDS / 4`; the lease is removed when the ingest ends, however it ends. A holder that
died (SIGKILL, a lost machine) stops renewing: once its lease has expired the next ingest moves
it aside by its id (never by name, so a lease taken over meanwhile is not touched) and creates
its own. Holders' clocks are compared, so machines need roughly synchronised time (NTP).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from datetime import UTC, datetime

from techniques.errors import TechniquesError

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0


def holder_now() -> dict[str, str | int]:
    """Who is ingesting: this host, this process, since now (UTC)."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")}


def busy(where: str, holder: dict) -> TechniquesError:
    return TechniquesError(
        f"Another ingest is already running on {where} (host {holder.get('host', '?')}, pid {holder.get('pid', '?')}, "
        f"since {holder.get('since', '?')}).",
        hint="Wait for it to finish, then run this ingest again.",
    )


class ChromaLease:
    def __init__(self, client, prefix: str, where: str, seconds: float = LEASE_SECONDS) -> None:
        self.client, self.where, self.seconds = client, where, seconds
        self.name = f"{prefix}-ingest-lease"
        self.token = secrets.token_hex(8)
        self.holder = holder_now()
        self._collection = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _metadata(self) -> dict:
        return {**self.holder, "token": self.token, "expires": time.time() + self.seconds}

    def acquire(self) -> None:
        for _ in range(3):
            try:
                self._collection = self.client.create_collection(self.name, metadata=self._metadata(), embedding_function=None)
                break
            except Exception as exc:
                if "exist" not in str(exc).lower():
                    raise
            current = self._current()
            if current is None:
                continue  # released in between: try again
            meta = current.metadata or {}
            if meta.get("token") == self.token:  # our own create, retried after a lost reply
                self._collection = current
                break
            if float(meta.get("expires", 0)) > time.time():
                raise busy(self.where, meta)
            log.warning("taking over the expired ingest lease of host %s, pid %s", meta.get("host"), meta.get("pid"))
            self._set_aside(current)
        else:
            raise busy(self.where, (self._current().metadata or {}) if self._current() else {})
        self._renewer = threading.Thread(target=self._renew, name="ingest-lease", daemon=True)
        self._renewer.start()

    def _current(self):
        try:
            return self.client.get_collection(self.name, embedding_function=None)
        except Exception as exc:
            if "not exist" in str(exc).lower() or "not found" in str(exc).lower():
                return None
            raise

    def _set_aside(self, expired) -> None:
        """Rename the expired lease by its id (a newer lease of the same name is left alone), then drop it."""
        aside = f"{self.name}-expired-{self.token}"
        try:
            expired.modify(name=aside)
            self.client.delete_collection(aside)
        except Exception as exc:  # another ingester set it aside first
            log.debug("the expired lease was already set aside (%s)", exc)

    def _renew(self) -> None:
        while not self._stop.wait(self.seconds / 4):
            try:
                self._collection.modify(metadata=self._metadata())
            except Exception as exc:  # the ingest itself will meet the same server trouble
                log.warning("could not renew the ingest lease (%s)", exc)

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=10)
        try:
            current = self._current()
            if current is not None and self._collection is not None and current.id == self._collection.id:
                self.client.delete_collection(self.name)
        except Exception as exc:  # it expires by itself
            log.warning("could not remove the ingest lease (%s); it expires in %.0f s", exc, self.seconds)
