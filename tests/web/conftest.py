"""One real web chat for the whole web suite: `techniques serve` in a subprocess on a free
loopback port, over the session's ingested corpus (read-only: the app writes only
feedback.sqlite there), ready once `/healthz` says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port


@dataclass(frozen=True)
class WebApp:
    url: str
    data_dir: Path
    log: Path


def healthz(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _wait_ready(app: WebApp, proc: subprocess.Popen, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`techniques serve` exited with {proc.returncode}:\n{app.log.read_text()[-3000:]}")
        try:
            status, body = healthz(app.url)
        except (OSError, ValueError):
            status, body = 0, {}
        if status == 200:
            return
        if body.get("status") == "error":
            raise RuntimeError(f"the web chat could not warm up: {body.get('detail')}\n{app.log.read_text()[-3000:]}")
        time.sleep(0.5)
    raise TimeoutError(f"the web chat was not ready after {timeout}s:\n{app.log.read_text()[-3000:]}")


def serve(data_dir: Path, log: Path, extra_env: dict[str, str] | None = None):
    """`techniques serve` on a free loopback port over `data_dir`, ready; a context manager."""
    import contextlib

    @contextlib.contextmanager
    def running():
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TECHNIQUES_", "GRADIO_"))}
        env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", GRADIO_ANALYTICS_ENABLED="False")
        env.update(extra_env or {})
        cmd = [sys.executable, "-m", "cli.main", "-v", "serve", "--store", str(data_dir), "--port", str(port)]
        with log.open("w") as out:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        app = WebApp(f"http://127.0.0.1:{port}", data_dir, log)
        try:
            _wait_ready(app, proc)
            yield app
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    return running()


@pytest.fixture(scope="session")
def web_app(corpus_settings, tmp_path_factory):
    # every test's browser shares one loopback address: no per-address question limit here
    # (tests/reliability/test_limits.py tests it on an app of its own)
    with serve(corpus_settings.data_dir, tmp_path_factory.mktemp("web") / "serve.log", {"TECHNIQUES_ASK_RATE": "0"}) as app:
        yield app


@pytest.fixture
def page(chromium, request):
    """A page of the shared web app in a fresh browser context, ready for a question."""
    web_app = request.getfixturevalue("web_app")  # after `chromium`: no server when the browser is skipped
    context = chromium.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(web_app.url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()
