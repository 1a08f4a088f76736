"""Shared fixtures: user state in a temporary folder, a deterministic fake embedder for unit
speed, and the real model, a real Chroma and the real corpus for integration tests."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
CORPUS_IDS = {"ql-hip-hike", "hip-back-pain-stretches", "side-lying-leg-lift", "psoas-stretch", "psoas-release"}


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's data folder or reaches a hub."""
    monkeypatch.setenv("TECHNIQUES_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    for name in ("TECHNIQUES_CHROMA_HOST", "TECHNIQUES_LLM", "TECHNIQUES_LLM_BASE_URL", "TECHNIQUES_AUTH", "TECHNIQUES_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


class FakeEmbedder:
    """Deterministic bag-of-words vectors: texts sharing words are similar. No model needed."""

    name = "fake-bow"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.computed = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v + 1.0 / np.sqrt(self.dim)

    def embed_documents(self, texts):
        self.computed += len(texts)
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text):
        return self.embed_documents([text])[0]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def library_of(tmp_path, settings, fake_embedder):
    """An Assistant over a library of its own: {file name: text}, ingested with the fake embedder."""
    from assistant.service import Assistant
    from ingest.pipeline import ingest

    def make(documents: dict[str, str], folder: str = "library"):
        root = tmp_path / folder
        root.mkdir()
        for name, text in documents.items():
            (root / name).write_text(text, "utf-8")
        ingest([root], settings, embedder=fake_embedder, progress=False)
        return Assistant(settings, embedder=fake_embedder)

    return make


@pytest.fixture
def settings(tmp_path):
    from techniques.settings import Settings

    return Settings(data_dir=tmp_path / "store")


@pytest.fixture(scope="session")
def real_embedder():
    from ingest.embed import SentenceTransformerEmbedder
    from techniques.settings import Settings

    return SentenceTransformerEmbedder(Settings().resolved_model_path())


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory, real_embedder):
    """The real corpus ingested once, with the real model, into a real local Chroma."""
    from ingest.pipeline import ingest
    from techniques.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("corpus-store"))
    ingest([CORPUS], settings, embedder=real_embedder, progress=False)
    return settings


@pytest.fixture(scope="session")
def assistant(corpus_settings, real_embedder):
    from assistant.service import Assistant

    return Assistant(corpus_settings, embedder=real_embedder)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def stop_process(proc: subprocess.Popen | None, timeout: float = 20) -> None:
    """Terminate a child process, and kill it if it does not go."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium through playwright: skipped when missing, a failure under CI=true."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ChromaServer:
    """A real `chroma run` on loopback, stoppable and restartable on the same port and folder."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
        self.proc = subprocess.Popen(
            [exe, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture
def chroma_server(tmp_path):
    server = ChromaServer(tmp_path / "chroma-server", free_port())
    server.start()
    yield server
    server.stop()
