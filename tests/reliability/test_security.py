"""Security of the running app: it listens on loopback unless told otherwise; with a login, no
API or /gradio_api route answers without it; no file route serves the data folder or anything
outside the app's own files, however the path is spelt; questions are not written to logs.

Script typed into a question stays inert in Chromium: tests/web/test_browser.py
(`test_markup_in_a_question_stays_text`); script in documents: test_injection.py here.
"""

from __future__ import annotations

import http.client
import json
import secrets
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest

from records.feedback import FeedbackStore
from assistant.answer import Answer
from tests.conftest import ROOT
from tests.reliability.conftest import DISCLAIMER_START, ServedApp, app_env, ask, copy_store, write_artifact

pytestmark = pytest.mark.integration


def listening(port: int) -> set[str]:
    """The addresses something listens on at `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address)
            if len(raw) == 4:
                found.add(".".join(str(b) for b in raw[::-1]))
            else:
                words = [raw[i:i + 4][::-1].hex() for i in range(0, 16, 4)]
                found.add(":".join(words))
    return found


def raw_get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """GET exactly `path` (no client-side normalisation of `..` or escapes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read(200_000)
    finally:
        conn.close()


def raw_post(port: int, path: str, body: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        return conn.getresponse().status
    finally:
        conn.close()


# -- listening address ------------------------------------------------------------------------
def test_the_app_listens_on_loopback_only_by_default(main_app):
    assert listening(main_app.port) == {"127.0.0.1"}


def test_the_listening_address_follows_the_setting(injection_store, tmp_path):
    """TECHNIQUES_HOST=127.0.0.2 (loopback, so nothing is exposed): the socket says so. No
    request is made to it; the socket table is enough."""
    app = ServedApp(copy_store(injection_store.data_dir, tmp_path / "store"), tmp_path / "serve.log",
                    env=app_env(TECHNIQUES_HOST="127.0.0.2"), verbose=False).start()
    try:
        deadline = time.monotonic() + 120
        while not listening(app.port):
            assert app.proc.poll() is None, app.tail()
            assert time.monotonic() < deadline, app.tail()
            time.sleep(0.3)
        assert listening(app.port) == {"127.0.0.2"}
    finally:
        app.stop()


# -- login --------------------------------------------------------------------------------------
USER, PASSWORD = "therapist", secrets.token_urlsafe(12)


@pytest.fixture(scope="module")
def login_app(injection_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("login-app")
    app = ServedApp(copy_store(injection_store.data_dir, folder / "store"), folder / "serve.log",
                    env=app_env(TECHNIQUES_AUTH=f"{USER}:{PASSWORD}"), verbose=False).start()
    try:
        app.wait()
        yield app
    finally:
        app.stop()


PROTECTED_GETS = ("/config", "/gradio_api/info", "/gradio_api/openapi.json", "/gradio_api/queue/data?session_hash=x",
                  "/gradio_api/call/chat/abc", "/gradio_api/file=/etc/passwd", "/file=/etc/passwd",
                  "/gradio_api/file/etc/passwd", "/gradio_api/upload_progress?upload_id=x", "/monitoring",
                  "/gradio_api/deep_link", "/gradio_api/proxy=http://127.0.0.1:9/")
PROTECTED_POSTS = ("/gradio_api/call/chat", "/gradio_api/queue/join", "/gradio_api/run/chat", "/gradio_api/api/chat",
                   "/gradio_api/upload", "/gradio_api/call/v2/chat")


def test_with_a_login_nothing_answers_without_it(login_app):
    from gradio_client import Client

    for path in PROTECTED_GETS:
        status, body = raw_get(login_app.port, path)
        assert status in (401, 403, 404), (path, status, body[:200])
        assert b"root:x:0:0" not in body and b"dependencies" not in body, path
    for path in PROTECTED_POSTS:
        status = raw_post(login_app.port, path, {"data": ["How do I stretch the QL?", []], "fn_index": 0,
                                                   "session_hash": "x"})
        assert status in (401, 403, 404, 422), (path, status)
    status, body = raw_get(login_app.port, "/")
    # the login page: no components or events (it does describe the public /chat signature)
    assert status == 200 and b'"auth_required":true' in body and b'"components":[],"dependencies":[]' in body

    with pytest.raises(Exception):
        Client(login_app.url, verbose=False, download_files=False)
    with pytest.raises(Exception):
        Client(login_app.url, auth=(USER, "wrong-" + PASSWORD), verbose=False, download_files=False)
    client = Client(login_app.url, auth=(USER, PASSWORD), verbose=False, download_files=False)
    assert DISCLAIMER_START in ask(client, "How do I stretch the QL?")


# -- file routes ----------------------------------------------------------------------------------
ROUTES = ("/gradio_api/file=", "/file=", "/gradio_api/file/", "/static/", "/assets/", "/svelte/",
          "/gradio_api/static/", "/gradio_api/proxy=")


def spellings(target: Path, relative_to: Path) -> list[str]:
    """Ways to name `target`: absolute, `../` from the app's folder, URL-encoded, double-encoded,
    backslashes, a NUL, repeated slashes."""
    absolute = str(target)
    ups = "../" * 12 + absolute.lstrip("/")
    rel = Path("..", *[".."] * (len(relative_to.parts) - 1)).as_posix() + absolute
    return [
        absolute, "/" + absolute, ups, rel, "./" + ups,
        urllib.parse.quote(absolute, safe=""), ups.replace("../", "%2e%2e%2f"), ups.replace("../", "%252e%252e%252f"),
        ups.replace("../", "..%2f"), ups.replace("../", "%2e%2e/"), ups.replace("/", "%5c"), ups.replace("../", "..\\"),
        ups.replace("../", "....//"), absolute + "%00.png", ups.replace("../", "%c0%ae%c0%ae/"),
    ]


def test_file_routes_serve_nothing_from_the_data_folder_or_outside_the_app(main_app):
    data = main_app.data_dir.resolve()
    feedback = FeedbackStore.in_data_dir(data)
    feedback.record("up", "q", [], Answer("q", (), (), "d", False, None))  # so the file surely exists
    version = (data / "CURRENT").read_text().strip()
    targets = {
        data / "feedback.sqlite": b"SQLite format 3",
        data / "CURRENT": version.encode(),
        data / "versions" / version / "chroma.sqlite3": b"SQLite format 3",
        Path("/etc/passwd"): b"root:",
        ROOT / "app.py": b"The web chat",
        ROOT / "pyproject.toml": b"technique-assistant",
    }
    served = []
    statuses: Counter = Counter()
    for target, content in targets.items():
        assert target.exists()
        for route in ROUTES:
            for spelling in spellings(target, ROOT):
                status, body = raw_get(main_app.port, route + spelling)
                statuses[status] += 1
                if status == 200 and content in body:
                    served.append(route + spelling)
    assert served == [], served
    # a fetch through the app to its own loopback neighbours is refused too (no SSRF)
    for url in ("http://127.0.0.1:9/x", f"http://127.0.0.1:{main_app.port}/config", "http://localhost:9/"):
        status, _ = raw_get(main_app.port, "/gradio_api/file=" + url)
        assert status in (403, 404), url
    status, _ = raw_get(main_app.port, "/theme.css")
    assert status == 200  # the routes do serve the app's own files
    write_artifact("file-routes.json", {"requests": sum(statuses.values()), "statuses": dict(statuses),
                                        "routes": ROUTES, "targets": [str(t) for t in targets], "served": served})
    print(f"\nfile routes: {sum(statuses.values())} requests, statuses {dict(statuses)}, none served a protected file")


# -- questions in logs ------------------------------------------------------------------------------
QUESTIONS = (
    "How do I stretch the QL? {m}",
    "{m} my client has new numbness in the groin and can't control her bladder",
    "What dose of ibuprofen for {m}?",
    "{m}",
)


def files_with(marker: bytes, roots: list[Path]) -> list[str]:
    hits = []
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if path.is_file() and path.name != "feedback.sqlite":
                try:
                    if marker in path.read_bytes():
                        hits.append(str(path))
                except OSError:
                    continue
    return hits


@pytest.mark.parametrize("level", ["default", "verbose"])
def test_questions_are_not_written_to_logs(level, main_app, tiny_queue_app):
    """The default level (the tiny-queue app, started without -v) and `-v` (the main app)."""
    app = main_app if level == "verbose" else tiny_queue_app
    marker = f"zqx{secrets.token_hex(8)}"
    client = app.client()
    for question in QUESTIONS:
        ask(client, question.format(m=marker), [f"earlier {marker}"])
    time.sleep(0.5)
    roots = [app.log, app.data_dir, app.scratch] + list(ROOT.glob("*.log"))
    assert files_with(marker.encode(), roots) == []

