"""A clear "busy, try again" when the answer queue is full, for callers of the raw HTTP API.

Past the queue's bound (`TECHNIQUES_QUEUE_SIZE` waiting questions) Gradio refuses a question at
`POST /gradio_api/queue/join` with HTTP 503 and "Queue is full. Max size is N and size is N.".
The page's own client turns any 503 there into "This application is currently busy. Please try
again." and gradio_client raises `QueueError("Queue is full! Please try again.")`; this middleware
gives everyone else the same advice in words, and a `Retry-After` header. Plain ASGI: only that
one response is touched, every other request passes straight through.
"""

from __future__ import annotations

import json

from starlette.middleware import Middleware

BUSY = "The assistant is busy answering other questions. Please try again in a few seconds."
RETRY_AFTER_SECONDS = 5


class BusyMessage:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/queue/join"):
            await self.app(scope, receive, send)
            return
        held: dict | None = None  # the start of a 503, sent once its body is known
        body = b""

        async def send_busy(message) -> None:
            nonlocal held, body
            if message["type"] == "http.response.start" and message["status"] == 503:
                held = message
                return
            if held is None:
                await send(message)
                return
            body += message.get("body", b"")
            if message.get("more_body"):
                return
            payload = json.dumps({"detail": f"{BUSY} ({_detail(body)})"}).encode()
            headers = [(k, v) for k, v in held.get("headers", []) if k.lower() not in (b"content-length", b"content-type")]
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
            ]
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": payload})

        await self.app(scope, receive, send_busy)


def _detail(body: bytes) -> str:
    try:
        return str(json.loads(body)["detail"])
    except (ValueError, KeyError, TypeError):
        return "queue full"


def busy_middleware() -> Middleware:
    """For `launch(app_kwargs={"middleware": [...]})`."""
    return Middleware(BusyMessage)
