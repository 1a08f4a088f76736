"""A Chroma server client whose every call has a timeout and a bounded retry.

chromadb 1.x's `HttpClient` sends its requests through an `httpx.Client(timeout=None)` and has
no setting for a client-side timeout (chroma-core/chroma#5805), so a server that accepts
connections but does not answer (stopped with SIGSTOP, swapping, a dead NFS mount) held every
question until it came back: 120 s in a trial. Here:

- the client is built on a worker thread that is waited for at most `timeout` seconds (the
  constructor's own requests have no timeout to set yet), and its session then gets one;
- every call retries a transport failure (refused, reset, timed out) up to `retries` times,
  a short pause apart, and then raises `StoreUnreachable`;
- after a call has failed that way, calls fail at once for `cooldown` seconds instead of each
  waiting out its own timeout (a circuit breaker): two questions waiting on a stalled server
  would otherwise hold both answering workers, with a red-flag referral queued behind them.

Chroma types stay here and in store.py / backends.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

READ_TIMEOUT = 3.0  # the answering path: a healthy server answers a query in milliseconds
WRITE_TIMEOUT = 120.0  # an ingest's pages of 2,000 chunks, on a busy server
RETRIES = 1
COOLDOWN = 5.0


class StoreUnreachable(Exception):
    """The server did not answer within the timeout after the retries (or the breaker is open)."""


class Breaker:
    """Open for `cooldown` seconds after a failed call; shared by a backend's clients."""

    def __init__(self, cooldown: float = COOLDOWN) -> None:
        self.cooldown = cooldown
        self._until = 0.0
        self.last_error: str = ""

    @property
    def open(self) -> bool:
        return time.monotonic() < self._until

    def trip(self, reason: str) -> None:
        self._until, self.last_error = time.monotonic() + self.cooldown, reason

    def reset(self) -> None:
        self._until = 0.0


def _transport_errors() -> tuple[type[BaseException], ...]:
    import httpx

    return (httpx.TransportError,)


def call(fn: Callable, *args, breaker: Breaker, retries: int = RETRIES, retry_fn: Callable | None = None, **kwargs):
    """`fn(*args, **kwargs)` with the retry policy; `retry_fn` is called instead on a retry
    (an `add` becomes an `upsert`, since the first attempt may have reached the server)."""
    if breaker.open:
        raise StoreUnreachable(f"it failed {breaker.last_error} less than {breaker.cooldown:g} s ago")
    errors = _transport_errors()
    for attempt in range(retries + 1):
        try:
            result = (retry_fn if attempt and retry_fn else fn)(*args, **kwargs)
        except errors as exc:
            reason = _describe(exc)
            if attempt == retries:
                breaker.trip(reason)
                raise StoreUnreachable(reason) from exc
            log.info("Chroma server call failed (%s); retrying", reason)
            time.sleep(0.2 * (attempt + 1))
        else:
            breaker.reset()
            return result
    raise AssertionError("unreachable")  # pragma: no cover


def _describe(exc: BaseException) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "to answer in time"
    return f"to connect ({type(exc).__name__})"


class _Retrying:
    """A chromadb client or collection whose method calls go through `call`; a collection that a
    client method returns is wrapped too."""

    def __init__(self, target, breaker: Breaker, retries: int) -> None:
        self._target, self._breaker, self._retries = target, breaker, retries

    def __getattr__(self, name: str):
        value = getattr(self._target, name)
        if not callable(value) or name in ("close",):
            return value

        def wrapped(*args, **kwargs):
            retry_fn = getattr(self._target, "upsert") if name == "add" else None
            result = call(value, *args, breaker=self._breaker, retries=self._retries, retry_fn=retry_fn, **kwargs)
            return _Retrying(result, self._breaker, self._retries) if _is_collection(result) else result

        return wrapped


def _is_collection(value) -> bool:
    return type(value).__name__ == "Collection" and hasattr(value, "query")


def connect(host: str, port: int, settings, *, timeout: float, breaker: Breaker, retries: int = RETRIES):
    """A chromadb HttpClient for host:port whose calls time out and retry; `StoreUnreachable`
    when it cannot be built within `timeout` (the retries included)."""
    import chromadb
    import httpx

    def build():
        client = chromadb.HttpClient(host=host, port=port, settings=settings)
        # the one place the session's timeout can be set: chromadb offers no setting for it
        client._server._session.timeout = httpx.Timeout(timeout, connect=min(timeout, 2.0))
        return client

    def bounded():
        box: dict = {}

        def run():
            try:
                box["client"] = build()
            except BaseException as exc:  # handed to the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=run, name="chroma-connect", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():  # stuck in the constructor's own requests; it ends when the server answers
            raise httpx.ReadTimeout("the Chroma client could not be built in time")
        if "error" in box:
            error = box["error"]
            if isinstance(error, ValueError) and "Could not connect" in str(error):
                raise httpx.ConnectError(str(error)) from error
            raise error
        return box["client"]

    return _Retrying(call(bounded, breaker=breaker, retries=retries), breaker, retries)
