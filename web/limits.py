"""Limits at the HTTP boundary: request sizes, per-client rates, failed logins, security headers.

Plain ASGI, in front of Gradio, so they hold for the page, the `/chat` API and raw HTTP alike:
- a request body larger than `max_body` bytes on the API and login routes is refused with 413
  and a sentence saying what the limit is (a 10 MB "question" never reaches the assistant);
- asking (`/queue/join`, `/call/…`) is limited per client address to `ask_per_minute`;
- a client with `login_failures` failed logins within `login_window` seconds gets 429 for the
  rest of the window; every failed login is logged with the user name, never the password;
- every response carries a Content-Security-Policy that Gradio works under (its own scripts
  and styles inline, nothing from other origins), frame-ancestors 'none' and X-Frame-Options,
  nosniff and a Referrer-Policy.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.middleware import Middleware

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob: data:; connect-src 'self' ws: wss:; "
    "worker-src 'self' blob:; frame-src 'self' blob:; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


@dataclass(frozen=True)
class Limits:
    max_body: int = 64 * 1024  # bytes: a question is at most a few thousand characters
    ask_per_minute: int = 120  # questions per client address per minute; 0 turns the limit off
    login_failures: int = 5  # failed logins allowed per window before the client is throttled
    login_window: float = 300.0  # seconds


class Window:
    """Events per key in a sliding window (thread-safe; the app has several workers)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def count(self, key: str, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.seconds:
                events.popleft()
            return len(events)

    def add(self, key: str, now: float | None = None) -> None:
        with self._lock:
            self._events[key].append(time.monotonic() if now is None else now)


def _asking(path: str) -> bool:
    return path.endswith("/queue/join") or "/call/" in path or path.endswith("/run/predict")


def _limited(path: str) -> bool:
    return path.startswith("/gradio_api/") or path in ("/login", "/login/") or path.startswith("/run/")


class HttpLimits:
    def __init__(self, app, limits: Limits | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()
        self.asks = Window(60.0)
        self.failures = Window(self.limits.login_window)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]}
            await send(message)

        path, client = scope["path"], (scope.get("client") or ("?", 0))[0]
        login = path.rstrip("/") == "/login" and scope["method"] == "POST"
        if login and self.failures.count(client) >= self.limits.login_failures:
            log.warning("login throttled for %s after %d failed attempts", client, self.limits.login_failures)
            await _refuse(send_with_headers, 429, "Too many failed logins. Wait a few minutes before trying again.",
                          retry_after=int(self.limits.login_window))
            return
        if _asking(path) and scope["method"] == "POST" and self.limits.ask_per_minute > 0:
            if self.asks.count(client) >= self.limits.ask_per_minute:
                await _refuse(send_with_headers, 429, "Too many questions from this address. Wait a minute and ask again.",
                              retry_after=60)
                return
            self.asks.add(client)
        if not (_limited(path) and scope["method"] in ("POST", "PUT", "PATCH")):
            await self.app(scope, receive, send_with_headers)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limits.max_body:
            await _refuse(send_with_headers, 413, _too_large(self.limits.max_body))
            return
        body = bytearray()
        while True:  # read the body here, bounded, and hand it on whole
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if len(body) > self.limits.max_body:
                await _refuse(send_with_headers, 413, _too_large(self.limits.max_body))
                return
            if not message.get("more_body"):
                break
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        status = 0

        async def watch(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send_with_headers(message)

        await self.app(scope, replay, watch if login else send_with_headers)
        if login and status >= 400:
            self.failures.add(client)
            user = (parse_qs(body.decode("utf-8", "replace")).get("username") or ["?"])[0][:64]
            log.warning("failed login for user %r from %s", user, client)


def _too_large(limit: int) -> str:
    return (f"This request is too large ({limit // 1024} KB at most): ask a shorter question, or send a shorter "
            "comment or conversation.")


async def _refuse(send, status: int, message: str, retry_after: int | None = None) -> None:
    payload = json.dumps({"detail": message, "error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def limits_middleware(limits: Limits | None = None) -> Middleware:
    """For `launch(app_kwargs={"middleware": [...]})`."""
    return Middleware(HttpLimits, limits=limits)
