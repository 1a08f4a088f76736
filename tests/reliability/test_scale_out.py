"""Scale-out and server mode: one real `chroma run` on loopback as the shared store of two app
processes at once. Both answer; both see a new version after an ingest into the server; while
the server is down both say so clearly; when it is back on the same port and folder both answer
again, without a restart."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.conftest import CORPUS, ROOT, ChromaServer, free_port
from tests.reliability.conftest import DISCLAIMER_START, INJECTION, ServedApp, app_env, ask, healthz

pytestmark = [pytest.mark.server, pytest.mark.integration]

QL = "How do I stretch the QL?"
CALF = "How do I stretch the calf?"


@pytest.fixture(scope="module")
def cluster(real_embedder, tmp_path_factory):
    """A Chroma server with the corpus in it, and two apps reading it (each its own data folder
    for feedback)."""
    from ingest.pipeline import ingest
    from techniques.settings import Settings

    root = tmp_path_factory.mktemp("scale-out")
    server = ChromaServer(root / "chroma", free_port())
    server.start()
    env = app_env(TECHNIQUES_CHROMA_HOST="127.0.0.1", TECHNIQUES_CHROMA_PORT=str(server.port))
    apps = []
    try:
        settings = Settings(data_dir=root / "ingest", chroma_host="127.0.0.1", chroma_port=server.port)
        assert ingest([CORPUS], settings, embedder=real_embedder, progress=False).published
        apps = [ServedApp(root / f"app-{n}", root / f"app-{n}.log", env=env).start() for n in (1, 2)]
        for app in apps:
            app.wait()
        yield server, apps, env, root
    finally:
        for app in apps:
            app.stop()
        server.stop()


def test_two_apps_answer_from_one_chroma_server(cluster):
    server, apps, _, _ = cluster
    versions = set()
    for app in apps:
        answer = ask(app.client(), QL)
        assert answer.startswith("## QL Hip Hike") and DISCLAIMER_START in answer
        status, body = healthz(app.url)
        versions.add(body["index_version"])
        assert not (app.data_dir / "versions").exists()  # the index lives on the server only
    assert len(versions) == 1


def test_an_ingest_into_the_server_reaches_both_apps(cluster):
    server, apps, env, root = cluster
    clients = [app.client() for app in apps]
    assert not any(ask(c, CALF).startswith("## Calf wall stretch") for c in clients)

    done = subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(CORPUS), str(INJECTION / "calf-stretch.txt"),
                           "--store", str(root / "ingest"), "--quiet"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "new index version published" in done.stdout, done.stdout + done.stderr

    deadline = time.monotonic() + 30  # each app looks at the server's pointer every 2 s
    pending = set(range(len(clients)))
    while pending and time.monotonic() < deadline:
        pending = {i for i in pending if not ask(clients[i], CALF).startswith("## Calf wall stretch")}
        time.sleep(0.5)
    assert not pending, f"apps {pending} did not see the new version"
    assert all(ask(c, QL).startswith("## QL Hip Hike") for c in clients)


def test_the_server_going_away_is_a_clear_error_and_its_return_needs_no_restart(cluster):
    from gradio_client.exceptions import AppError

    server, apps, _, _ = cluster
    clients = [app.client() for app in apps]
    server.stop()
    try:
        for _ in range(3):  # every answer while it is down, not just the first
            for client in clients:
                with pytest.raises(AppError) as refused:
                    ask(client, QL)
                message = str(refused.value)
                assert f"The Chroma server at 127.0.0.1:{server.port} is not reachable" in message, message
                assert "chroma run" in message
            time.sleep(0.7)
    finally:
        server.start()  # the same port and folder

    deadline = time.monotonic() + 30
    for client in clients:
        while True:
            try:
                assert ask(client, QL).startswith("## QL Hip Hike")
                break
            except AppError:
                assert time.monotonic() < deadline, "an app did not reconnect"
                time.sleep(0.5)
    for app in apps:
        assert app.proc.poll() is None  # the same processes, never restarted
        assert "Traceback" not in app.log.read_text(errors="replace")
