"""Limits at the HTTP boundary of a real `techniques serve`: a 10 MB question or comment is
refused at once with a clear message, the 6th rapid wrong password is throttled and every failed
login is logged without the password, asking is limited per client, and every response carries
the security headers (the browser suites run under the same CSP and still render and answer)."""

from __future__ import annotations

import http.client
import json
import secrets
import time
import urllib.parse

import pytest

from tests.reliability.conftest import ServedApp, app_env, copy_store

pytestmark = pytest.mark.integration
USER, PASSWORD = "admin", secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def limited_app(injection_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("limited-app")
    app = ServedApp(copy_store(injection_store.data_dir, folder / "store"), folder / "serve.log",
                    env=app_env(TECHNIQUES_AUTH=f"{USER}:{PASSWORD}", TECHNIQUES_ASK_RATE="3"), verbose=False).start()
    try:
        app.wait()
        yield app
    finally:
        app.stop()


def request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def login(port: int, password: str):
    form = urllib.parse.urlencode({"username": USER, "password": password}).encode()
    return request(port, "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})


def test_every_response_carries_the_security_headers(limited_app):
    for path in ("/", "/healthz", "/gradio_api/info"):
        _, headers, _ = request(limited_app.port, "GET", path)
        lowered = {k.lower(): v for k, v in headers.items()}
        assert "frame-ancestors 'none'" in lowered["content-security-policy"], path
        assert lowered["x-frame-options"] == "DENY" and lowered["x-content-type-options"] == "nosniff", path
        assert lowered["referrer-policy"] == "no-referrer", path


@pytest.mark.parametrize("path", ["/gradio_api/call/chat", "/gradio_api/queue/join"])
def test_a_10_mb_request_is_refused_at_once_with_a_clear_message(limited_app, path):
    huge = json.dumps({"data": ["x" * 10_000_000, []], "fn_index": 0, "session_hash": "s"}).encode()
    started = time.monotonic()
    status, _, body = request(limited_app.port, "POST", path, huge, {"Content-Type": "application/json"})
    assert status == 413 and "too large" in json.loads(body)["detail"]
    assert time.monotonic() - started < 5


def test_a_10_mb_body_without_a_length_is_refused_too(limited_app):
    conn = http.client.HTTPConnection("127.0.0.1", limited_app.port, timeout=60)
    try:
        conn.putrequest("POST", "/gradio_api/call/chat")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.putheader("Content-Type", "application/json")
        conn.endheaders()
        chunk = b"x" * 1_000_000
        try:
            for _ in range(10):
                conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            conn.send(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close the connection as soon as it refuses
        assert conn.getresponse().status == 413
    finally:
        conn.close()


def test_the_sixth_rapid_wrong_password_is_throttled_and_logged_without_the_password(limited_app):
    wrong = "wrong-" + secrets.token_urlsafe(8)
    statuses = [login(limited_app.port, wrong)[0] for _ in range(6)]
    assert all(s in (400, 401, 403) for s in statuses[:5]), statuses
    assert statuses[5] == 429
    # throttled means throttled: even the right password waits out the window
    assert login(limited_app.port, PASSWORD)[0] == 429
    log = limited_app.log.read_text(errors="replace")
    assert f"failed login for user '{USER}'" in log and "login throttled" in log
    assert wrong not in log and PASSWORD not in log


def test_asking_is_limited_per_client(limited_app):
    payload = json.dumps({"data": ["How do I stretch the QL?", []]}).encode()
    statuses = []
    for _ in range(5):
        status, _, body = request(limited_app.port, "POST", "/gradio_api/call/chat", payload,
                                  {"Content-Type": "application/json"})
        statuses.append(status)
    assert 429 in statuses
    assert statuses.index(429) <= 3  # at most three questions a minute were allowed
