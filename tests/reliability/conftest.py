"""The reliability suite's fixtures: real `techniques serve` processes on free loopback ports,
each with its own environment (queue size, login, log level, Chroma server), over stores built
once per session with the real model; and the checks every answer must pass.

Heavier variants of these tests run with RELIABILITY_FULL=1 or from `bench/reliability.py`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from techniques.settings import Settings
from tests.conftest import CORPUS, ROOT, free_port, stop_process

HERE = Path(__file__).resolve().parent
INJECTION = HERE / "corpus_injection"
ARTIFACTS = ROOT / "artifacts" / "reliability"
FULL = os.environ.get("RELIABILITY_FULL") == "1"
MAIN_QUEUE = 128 if FULL else Settings().queue_size  # the default holds the 50 sessions; 100 need more
DISCLAIMER_START = "This is educational information from a technique library, not a diagnosis"


# -- the app as a process -----------------------------------------------------------------------
def app_env(**extra: str) -> dict[str, str]:
    """The environment of a served app: none of the caller's TECHNIQUES_/GRADIO_ settings, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TECHNIQUES_", "GRADIO_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               GRADIO_ANALYTICS_ENABLED="False",
               # load and queue tests are many clients behind one loopback address; the
               # per-address question limit has its own test (test_limits.py)
               TECHNIQUES_ASK_RATE="0")
    env.update(extra)
    return env


def http_get(url: str, timeout: float = 10.0, headers: dict | None = None) -> tuple[int, bytes]:
    """(status, body) of a GET, for any status."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def healthz(url: str) -> tuple[int, dict]:
    status, body = http_get(f"{url}/healthz", timeout=5)
    try:
        return status, json.loads(body or b"{}")
    except ValueError:
        return status, {}


@dataclass
class ServedApp:
    """`techniques [-v] serve --store DIR --port N` in a subprocess; output goes to `log`."""

    data_dir: Path
    log: Path
    env: dict[str, str] = field(default_factory=app_env)
    verbose: bool = True
    host: str | None = None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def scratch(self) -> Path:
        """The app's own temporary folder (TMPDIR and GRADIO_TEMP_DIR): exports, Gradio's cache."""
        return self.log.parent / f"tmp-{self.port}"

    def start(self) -> ServedApp:
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.env = {**self.env, "TMPDIR": str(self.scratch), "GRADIO_TEMP_DIR": str(self.scratch / "gradio")}
        cmd = [sys.executable, "-m", "cli.main", *(["-v"] if self.verbose else []), "serve",
               "--store", str(self.data_dir), "--port", str(self.port)]
        if self.host:
            cmd += ["--host", self.host]
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self

    def wait(self, status: str = "ready", timeout: float = 240.0, *, patient: bool = False) -> dict:
        """Until /healthz reports `status` ("ready", or "error" for a store that cannot open);
        waiting for "ready", an "error" fails at once unless `patient` (a repair is under way)."""
        deadline = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"`techniques serve` exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                _, body = healthz(self.url)
            except OSError:
                body = {}
            if body.get("status") == status:
                return body
            if body.get("status") == "error" and status == "ready" and not patient:
                raise RuntimeError(f"the web chat could not warm up: {body.get('detail')}\n{self.tail()}")
            time.sleep(0.3)
        raise TimeoutError(f"/healthz did not say {status!r} after {timeout}s (last: {body}):\n{self.tail()}")

    def tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""

    def client(self, **kwargs):
        from gradio_client import Client

        return Client(self.url, verbose=False, download_files=False, **kwargs)

    def stop(self) -> None:
        stop_process(self.proc)


def ask(client, question: str, history: list[str] | None = None, timeout: float = 120.0) -> str:
    """One `/chat` call that cannot hang the suite."""
    return client.submit(question, history or [], api_name="/chat").result(timeout=timeout)


# -- stores ---------------------------------------------------------------------------------------
def copy_store(src: Path, dst: Path) -> Path:
    """A private copy of a store's published index (not its feedback or study progress)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("feedback.sqlite*", "reviews*", "ingest.lock"))
    return dst


@pytest.fixture(scope="session")
def injection_store(tmp_path_factory, real_embedder):
    """The real corpus plus documents that carry instructions, markup and fake citations."""
    from ingest.pipeline import ingest
    from techniques.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("reliability-store"))
    summary = ingest([CORPUS, INJECTION], settings, embedder=real_embedder, progress=False)
    assert summary.published and summary.documents == 8 and not summary.skipped
    return settings


@pytest.fixture(scope="session")
def main_app(injection_store, tmp_path_factory):
    """The app every over-the-wire test shares: `-v` and the default queue, which holds the load
    test's 50 sessions (a bigger one for RELIABILITY_FULL's 100). It writes only feedback.sqlite
    into its store."""
    log = tmp_path_factory.mktemp("main-app") / "serve.log"
    # the load test is 50 clients behind one loopback address: no per-address question limit
    env = app_env(TECHNIQUES_QUEUE_SIZE=str(MAIN_QUEUE), TECHNIQUES_ASK_RATE="0") if FULL else app_env(TECHNIQUES_ASK_RATE="0")
    app = ServedApp(injection_store.data_dir, log, env=env).start()
    try:
        app.wait()
        yield app
    finally:
        app.stop()


TINY_QUEUE = 2


@pytest.fixture(scope="session")
def tiny_queue_app(injection_store, tmp_path_factory):
    """A second app with a deliberately tiny queue (TECHNIQUES_QUEUE_SIZE=2), at the default log level."""
    folder = tmp_path_factory.mktemp("tiny-queue")
    app = ServedApp(copy_store(injection_store.data_dir, folder / "store"), folder / "serve.log",
                    env=app_env(TECHNIQUES_QUEUE_SIZE=str(TINY_QUEUE)), verbose=False).start()
    try:
        app.wait()
        yield app
    finally:
        app.stop()


# -- what every answer must carry -----------------------------------------------------------------
_MARKER = re.compile(r"(?<!\\)\[(\d+)\]")


def envelope_problems(text: str, disclaimer: str | None = None) -> list[str]:
    """The safety envelope of an answer's markdown: a cautions block with at least one item, the
    disclaimer once and last, no raw HTML, no live link or image, one heading at most."""
    from assistant.render import md
    from techniques.settings import DEFAULT_DISCLAIMER

    problems = []
    if not re.search(r"(^|\n\n)\*\*(General c|C)autions\*\*\n- \S", text):
        problems.append("no cautions block with an item")
    tail = f"---\n**Disclaimer:** {md(disclaimer or DEFAULT_DISCLAIMER)}"
    if not text.endswith(tail):
        problems.append("the disclaimer is not the last part")
    if text.count("**Disclaimer:**") != 1:
        problems.append(f"{text.count('**Disclaimer:**')} disclaimers")
    if "<" in text:
        problems.append("raw '<' (HTML) in the markdown")
    if re.search(r"(?<!\\)\]\(", text):
        problems.append("a live markdown link or image")
    headings = [line for line in text.split("\n") if line.startswith("#")]
    if len(headings) > 1:
        problems.append(f"{len(headings)} headings: {headings[:3]}")
    return problems


def citation_problems(text: str, citations) -> list[str]:
    """Every `[n]` in the text has an entry and every entry is used; numbered 1..N."""
    used = {int(n) for n in _MARKER.findall(text)}
    numbers = [c.n for c in citations]
    problems = []
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"citations numbered {numbers}")
    if used != set(numbers):
        problems.append(f"markers {sorted(used)} vs entries {numbers}")
    return problems


def write_artifact(name: str, data: dict) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path
