"""Past one machine: two app "machines" (two data folders, two `techniques serve` processes) on
one PostgreSQL and one `chroma run`, both started here on loopback. A user made on one logs in
to the other's web app (also one made while both are running); feedback given on both at once is exported once, complete, from either; a
student's study progress follows them; two ingests started on the two machines at once never
both publish, and a killed ingester never leaves its lock behind. Without a database, a lease
on the Chroma server serialises ingests, and a dead holder's lease expires."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import CORPUS, ROOT, ChromaServer, free_port, stop_process
from tests.records.postgres import PostgresServer, postgres_or_skip
from tests.reliability.conftest import DISCLAIMER_START, ServedApp, app_env, ask, healthz

pytestmark = [pytest.mark.server, pytest.mark.integration]

QL = "How do I stretch the QL?"
USER, PASSWORD = "Ann.Lee", "correct horse battery"


@dataclass
class Shared:
    pg: PostgresServer
    url: str
    chroma: ChromaServer
    env: dict[str, str]
    apps: list[ServedApp]
    root: Path

    def machine(self, n: int) -> Path:
        return self.root / f"machine-{n}"

    def client(self, n: int, user: str = USER, password: str = PASSWORD):
        """A logged-in web client of machine `n`'s app."""
        return self.apps[n - 1].client(auth=(user, password))

    def run(self, n: int, code: str, timeout: float = 120) -> str:
        """Python on machine `n` (its data folder, the shared database and index); its stdout."""
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                              env={**self.env, "TECHNIQUES_DATA_DIR": str(self.machine(n))}, timeout=timeout)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def cli(self, n: int, *args: str, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cli.main", *args, "--store", str(self.machine(n))], cwd=ROOT,
                              env=self.env, input=stdin, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def shared(real_embedder, tmp_path_factory):
    from ingest.pipeline import ingest
    from techniques.settings import Settings

    root = tmp_path_factory.mktemp("shared-database")
    pg = postgres_or_skip()
    chroma = ChromaServer(root / "chroma", free_port())
    apps: list[ServedApp] = []
    try:
        url = pg.new_database("techniques")
        chroma.start()
        env = app_env(TECHNIQUES_CHROMA_HOST="127.0.0.1", TECHNIQUES_CHROMA_PORT=str(chroma.port), TECHNIQUES_DATABASE_URL=url)
        settings = Settings(data_dir=root / "ingest", chroma_host="127.0.0.1", chroma_port=chroma.port, database_url=url)
        assert ingest([CORPUS], settings, embedder=real_embedder, progress=False).published
        shared = Shared(pg, url, chroma, env, apps, root)
        added = shared.cli(1, "users", "add", USER, "--role", "therapist", stdin=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr  # made on machine 1 before either app starts: both ask for a login
        apps += [ServedApp(root / f"machine-{n}", root / f"machine-{n}.log", env=env).start() for n in (1, 2)]
        for app in apps:
            app.wait()
        yield shared
    finally:
        for app in apps:
            app.stop()
        chroma.stop()
        pg.stop()


def test_both_apps_answer_from_the_shared_index(shared):
    for n in (1, 2):
        answer = ask(shared.client(n), QL)
        assert answer.startswith("## QL Hip Hike") and DISCLAIMER_START in answer


def test_a_user_made_on_one_machine_logs_in_to_both_apps(shared):
    from gradio_client import Client

    for app in shared.apps:
        assert healthz(app.url)[0] == 200
        Client(app.url, auth=(USER, PASSWORD), verbose=False, download_files=False)  # logs in
        Client(app.url, auth=(USER.lower(), PASSWORD), verbose=False, download_files=False)
        with pytest.raises(Exception):
            Client(app.url, auth=(USER, "wrong " + PASSWORD), verbose=False, download_files=False)
        with pytest.raises(Exception):
            Client(app.url, verbose=False, download_files=False)
    again = shared.cli(2, "users", "add", USER.upper(), "--role", "student", stdin=PASSWORD + "\n")
    assert again.returncode != 0 and "already a user" in again.stderr  # one account, whatever machine or case


def test_a_user_added_on_one_running_machine_logs_in_on_the_other_at_once(shared):
    from gradio_client import Client

    url = shared.apps[0].url
    with pytest.raises(Exception):
        Client(url, auth=("bea.student", "bea's own password"), verbose=False, download_files=False)
    added = shared.cli(2, "users", "add", "bea.student", "--role", "student", stdin="bea's own password\n")
    assert added.returncode == 0, added.stderr
    Client(url, auth=("bea.student", "bea's own password"), verbose=False, download_files=False)


RATE = """
    from assistant.answer import Answer
    from records.feedback import FeedbackStore
    from techniques.settings import Settings
    store = FeedbackStore.in_data_dir(Settings.from_env().data_dir)  # as app.py opens it
    for i in range({n}):
        answer = Answer("q", (), (), "d", False, None)
        store.record("down" if i % 3 else "up", "machine {m} question %d" % i, [], answer, "other", "from machine {m}")
"""


def test_feedback_given_on_both_machines_at_once_is_exported_once_complete(shared, tmp_path):
    n = 30
    env = {**shared.env}
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(RATE.format(n=n, m=m))], cwd=ROOT,
                              env={**env, "TECHNIQUES_DATA_DIR": str(shared.machine(m))}) for m in (1, 2)]
    assert [p.wait(timeout=180) for p in procs] == [0, 0]
    exported = []
    for m in (1, 2):
        out = tmp_path / f"from-machine-{m}.yaml"
        done = shared.cli(m, "feedback", "export", "--out", str(out))
        assert done.returncode == 0, done.stderr
        exported.append(yaml.safe_load(out.read_text()))
    assert exported[0] == exported[1]  # the same, whichever machine exports
    questions = [case["question"] for case in exported[0]]
    downs = {f"machine {m} question {i}" for m in (1, 2) for i in range(n) if i % 3}
    assert len(questions) == len(set(questions)) and set(questions) == downs  # each once, none missing
    assert len({case["id"] for case in exported[0]}) == len(downs)
    for m in (1, 2):  # nothing went to a machine's own SQLite file
        assert not list(shared.machine(m).glob("*.sqlite"))


def test_study_progress_follows_the_student_to_the_other_machine(shared):
    shared.run(1, """
        from study.review import ReviewStore
        from techniques.settings import Settings
        store = ReviewStore.in_data_dir(Settings.from_env().data_dir)  # as app.py opens it
        store.record("Bea Student", "ql-hip-hike:1", "good")
        store.record("Bea Student", "psoas-stretch:2", "again")
    """)
    seen = json.loads(shared.run(2, """
        import json
        from study.review import ReviewStore
        from techniques.settings import Settings
        store = ReviewStore.from_settings(Settings.from_env())
        progress = store.progress("bea student")
        after = store.regrade("BEA STUDENT", "psoas-stretch:2", "good")
        print(json.dumps({"items": sorted(progress), "answers": store.stats("bea student").answers,
                          "regraded": [after.answered, after.correct]}))
    """))
    assert seen == {"items": ["psoas-stretch:2", "ql-hip-hike:1"], "answers": 2, "regraded": [1, 1]}
    back = json.loads(shared.run(1, """
        import json
        from study.review import ReviewStore
        from techniques.settings import Settings
        stats = ReviewStore.from_settings(Settings.from_env()).stats("Bea Student")
        print(json.dumps([stats.answers, stats.correct]))
    """))
    assert back == [2, 2]  # the regrade made on machine 2


def _corpus(folder: Path, n: int) -> Path:
    """The corpus and `n` more short technique notes: an ingest long enough to overlap another."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"note-{i:03d}.md").write_text(
            f"# Shoulder release variation {i}\n\n## Steps\n1. Place the client side-lying, variation {i}.\n"
            f"2. Hold gentle pressure on the upper trapezius for {10 + i % 50} seconds.\n"
            f"3. Ask about comfort and ease off number {i}.\n", "utf-8")
    return folder


def test_two_ingests_on_two_machines_at_once_never_both_publish(shared, tmp_path):
    before = shared.run(1, "from ingest.backends import open_backend\nfrom techniques.settings import Settings\n"
                           "print(open_backend(Settings.from_env()).current_version())").strip()
    notes = _corpus(tmp_path / "notes", 150)
    cmds = [[sys.executable, "-m", "cli.main", "ingest", str(CORPUS), str(notes), "--rebuild", "--quiet",
             "--store", str(shared.machine(m))] for m in (1, 2)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=shared.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for cmd in cmds]
    results = [p.communicate(timeout=600) for p in procs]
    codes = [p.returncode for p in procs]
    published = [i for i, (out, _) in enumerate(results) if "new index version published" in out]
    refused = [i for i, (_, err) in enumerate(results) if "Another ingest is already running on the Chroma server" in err]
    assert len(published) == 1 and len(refused) == 1 and sorted(codes) == [0, 1], results
    message = results[refused[0]][1]
    other = procs[published[0]].pid
    assert f"pid {other}, since " in message and "host " in message, message
    after = shared.run(2, "from ingest.backends import open_backend\nfrom techniques.settings import Settings\n"
                          "print(open_backend(Settings.from_env()).current_version())").strip()
    assert after != before
    deadline = time.monotonic() + 30  # both apps move to the one new version (they check every 2 s)
    while {healthz(app.url)[1].get("index_version") for app in shared.apps} != {after}:
        assert time.monotonic() < deadline, [healthz(app.url)[1] for app in shared.apps]
        time.sleep(0.5)


HOLD = """
    import sys, time
    from ingest.lock import ingest_locks
    from techniques.settings import Settings
    with ingest_locks(Settings.from_env()):
        print("held", flush=True)
        time.sleep(600)
"""


def _holder(env: dict[str, str], data_dir: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(HOLD)], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                            env={**env, "TECHNIQUES_DATA_DIR": str(data_dir)})
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_killed_ingester_never_leaves_the_advisory_lock_behind(shared, tmp_path):
    from ingest.lock import ingest_locks
    from techniques.errors import TechniquesError
    from techniques.settings import Settings

    holder = _holder(shared.env, shared.machine(1))
    settings = Settings.from_env({**shared.env, "TECHNIQUES_DATA_DIR": str(tmp_path / "machine-3")})
    try:
        with pytest.raises(TechniquesError, match=rf"\(host .+, pid {holder.pid}, since "):
            with ingest_locks(settings):
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        deadline = time.monotonic() + 10  # the server notices the closed connection
        while True:
            try:
                with ingest_locks(settings):
                    break
            except TechniquesError:
                assert time.monotonic() < deadline, "the killed ingester's lock was not released"
                time.sleep(0.2)
    finally:
        stop_process(holder)


def test_without_a_database_a_lease_on_the_chroma_server_serialises_ingests(chroma_server, tmp_path):
    from ingest import lease
    from ingest.lock import ingest_locks
    from techniques.errors import TechniquesError
    from techniques.settings import Settings

    env = app_env(TECHNIQUES_CHROMA_HOST="127.0.0.1", TECHNIQUES_CHROMA_PORT=str(chroma_server.port))
    settings = Settings.from_env({**env, "TECHNIQUES_DATA_DIR": str(tmp_path / "machine-2")})
    holder = _holder(env, tmp_path / "machine-1")
    try:
        with pytest.raises(TechniquesError, match=rf"on the Chroma server 127.0.0.1:{chroma_server.port} \(host .+, pid {holder.pid}, since "):
            with ingest_locks(settings):
                pass
        holder.send_signal(signal.SIGINT)  # an orderly end (Ctrl-C) removes the lease at once
        holder.wait(timeout=20)
        with ingest_locks(settings):
            pass
    finally:
        stop_process(holder)

    # a holder that died without removing its lease blocks others only until the lease expires
    from ingest.backends import open_backend

    dead = lease.ChromaLease(open_backend(settings).client, settings.collection, "test", seconds=1.5)
    dead.acquire()
    dead._stop.set()  # it no longer renews, as if SIGKILLed
    with pytest.raises(TechniquesError, match="Another ingest is already running"):
        with ingest_locks(settings):
            pass
    time.sleep(1.6)
    with ingest_locks(settings):
        names = [getattr(c, "name", c) for c in open_backend(settings).client.list_collections()]
        assert names.count(f"{settings.collection}-ingest-lease") == 1
    assert f"{settings.collection}-ingest-lease" not in [getattr(c, "name", c) for c in open_backend(settings).client.list_collections()]
