"""Readiness: `/healthz` answers 200 once the index is open and the model is warm, 503 before
(or with the reason when warming up failed; a later check then tries again, so a store that
appears after start-up, e.g. a finished ingest, makes the app ready without a restart).
A plain Starlette route, mounted beside the UI."""

from __future__ import annotations

import logging
import threading
import time

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
            return 200, {"status": "ready", "index_version": self.version}
        if self._problem:
            self._retry_if_due()
            return 503, {"status": "error", "detail": self._problem}
        return 503, {"status": "starting"}

    async def endpoint(self, request: Request) -> JSONResponse:
        code, body = self.status()
        return JSONResponse(body, status_code=code, headers={"Cache-Control": "no-store"})

    def route(self, path: str = "/healthz") -> Route:
        return Route(path, self.endpoint, methods=["GET"])
