"""Readiness: `/healthz` answers 200 once the index is open and the model is warm, 503 before
(or with the reason when warming up failed; a later check then tries again, so a store that
appears after start-up, e.g. a finished ingest, makes the app ready without a restart).

Once ready it stays honest: each check (at most one a second, the rest reuse it) asks the store
whether it answers (a Chroma server's heartbeat, within the client's timeout; a local version's
files) and reports the version questions are actually answered from, so a stalled or stopped
server turns it 503 until the server is back, and an ingest's new version shows at once.
A plain Starlette route, mounted beside the UI; the check runs off the event loop."""

from __future__ import annotations

import logging
import threading
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from techniques.errors import TechniquesError

log = logging.getLogger(__name__)


class Readiness:
    def __init__(self, retry_after: float = 10.0) -> None:
        self._ready = threading.Event()
        self._problem: str | None = None
        self._assistant = None
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._lock = threading.Lock()
        self.retry_after = retry_after
        self.version: str | None = None
        self.live_every = 1.0  # seconds a live check's result is reused
        self._live: tuple[float, int, dict] | None = None

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def warm_up(self, assistant) -> None:
        """Open the index and load the model, then report ready; meant for a background thread."""
        try:
            assistant.warm_up()
            self.version = assistant.library().version
        except TechniquesError as exc:
            self._problem = str(exc)
            log.error("not ready: %s", exc)
            return
        except Exception:
            self._problem = "warming up failed; see the server log"
            log.exception("warming up failed")
            return
        self._problem = None
        self._ready.set()
        log.info("ready (index version %s)", self.version)

    def start(self, assistant) -> threading.Thread:
        self._assistant, self._started = assistant, time.monotonic()
        self._thread = threading.Thread(target=self.warm_up, args=(assistant,), name="warm-up", daemon=True)
        self._thread.start()
        return self._thread

    def _retry_if_due(self) -> None:
        with self._lock:
            idle = self._thread is None or not self._thread.is_alive()
            if self._assistant is not None and idle and time.monotonic() - self._started >= self.retry_after:
                self.start(self._assistant)

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def status(self) -> tuple[int, dict]:
        if self.ready:
            return self._live_status()
        if self._problem:
            self._retry_if_due()
            return 503, {"status": "error", "detail": self._problem}
        return 503, {"status": "starting"}

    def _live_status(self) -> tuple[int, dict]:
        with self._lock:
            if self._live is not None and time.monotonic() - self._live[0] < self.live_every:
                return self._live[1], self._live[2]
            try:
                check = getattr(getattr(self._assistant, "backend", None), "check", None)
                if check is not None:  # (a test's stand-in assistant has no store)
                    check()
                self.version = self._assistant.library().version  # what questions are answered from
                code, body = 200, {"status": "ready", "index_version": self.version}
            except TechniquesError as exc:
                code, body = 503, {"status": "error", "detail": str(exc)}
            except Exception as exc:  # the check must answer whatever the store does
                log.warning("health check failed: %s: %s", type(exc).__name__, exc)
                code, body = 503, {"status": "error", "detail": "the index cannot be checked; see the server log"}
            self._live = (time.monotonic(), code, body)
            return code, body

    async def endpoint(self, request: Request) -> JSONResponse:
        code, body = await run_in_threadpool(self.status)
        return JSONResponse(body, status_code=code, headers={"Cache-Control": "no-store"})

    def route(self, path: str = "/healthz") -> Route:
        return Route(path, self.endpoint, methods=["GET"])
