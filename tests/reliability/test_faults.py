"""Faults: ingests killed with SIGKILL at seeded random points while the app serves (it keeps
answering from the published index, feedback written meanwhile is all there, the next ingest
completes and cleans up); a damaged or missing store (a clear error naming the repair, in the
CLI and in the web app, and `techniques ingest --rebuild` repairs it without restarting the app).

Concurrent feedback writers from threads and processes: tests/records/test_feedback.py
(`test_concurrent_threads_lose_nothing`, `test_concurrent_processes_lose_nothing`).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.render import md
from records.feedback import FeedbackStore
from assistant.answer import Answer
from bench.generate_corpus import generate
from cli.main import main
from tests.conftest import CORPUS, ROOT
from tests.reliability.conftest import (
    DISCLAIMER_START,
    FULL,
    ServedApp,
    app_env,
    ask,
    copy_store,
    healthz,
    write_artifact,
)

pytestmark = pytest.mark.integration

TRIALS = 40 if FULL else 10
SEED = 20261121
PUBLISHED_GENERATED = 30  # generated documents in the index the app starts on
NEW_GENERATED = 10  # more that each killed ingest adds (they must never show up half-done)
QL = "How do I stretch the QL?"


def ingest_cmd(corpus: Path, store: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", "ingest", str(corpus), "--store", str(store), *extra]


def title_of(path: Path) -> str:
    """A generated document's title, from its front matter."""
    return re.search(r'^title: "(.*)"$', path.read_text("utf-8"), re.M).group(1)


def current(store: Path) -> str:
    return (store / "CURRENT").read_text("utf-8").strip()


def stage(stderr: str, store: Path, before: str) -> str:
    """Where the ingest was when it died, from its progress bars and the store."""
    if current(store) != before:
        return "after publishing"
    bars = re.findall(r"(read|embed):\s+(\d+)%", stderr)
    if not bars:
        return "start-up"
    name, percent = bars[-1]
    if name == "read":
        return "read/parse" if percent != "100" else "chunk"
    return "embed" if percent != "100" else "write/publish"


@dataclass
class TrialCorpus:
    """The base corpus, 30 generated documents the app's index already has, and 10 new ones
    per trial. Each trial changes the bytes (not the text) of the 30 and brings its own 10, so
    whatever an earlier trial published, every ingest parses 45 files, embeds about 60 chunks,
    reuses the rest and writes a whole new version: each stage gets its share of the run."""

    folder: Path
    kept: list[Path]
    texts: list[str]

    def prepare(self, trial: int) -> list[str]:
        """Set the files up for one trial; returns the titles of its new documents."""
        for path, text in zip(self.kept, self.texts):
            path.write_text(text + "\n" * (trial + 2), "utf-8")
        fresh = self.folder / "new"
        shutil.rmtree(fresh, ignore_errors=True)
        made = generate(self.folder / "spare", PUBLISHED_GENERATED + NEW_GENERATED, seed=1000 + trial)
        fresh.mkdir()
        for path in made[PUBLISHED_GENERATED:]:
            path.rename(fresh / path.name)
        shutil.rmtree(self.folder / "spare")
        return [title_of(p) for p in sorted(fresh.iterdir())]


@pytest.fixture(scope="module")
def fault_setup(corpus_settings, real_embedder, tmp_path_factory):
    """The app on the base corpus + 30 generated documents, and the trial corpus."""
    from ingest.pipeline import ingest
    from techniques.settings import Settings

    root = tmp_path_factory.mktemp("faults")
    folder = Path(shutil.copytree(CORPUS, root / "corpus"))
    kept = generate(folder / "generated", PUBLISHED_GENERATED, seed=11)
    store = copy_store(corpus_settings.data_dir, root / "store")
    first = ingest([folder], Settings(data_dir=store), embedder=real_embedder, progress=False)
    assert first.published and first.documents == 5 + PUBLISHED_GENERATED
    app = ServedApp(store, root / "serve.log").start()
    try:
        app.wait()
        yield app, TrialCorpus(folder, kept, [p.read_text("utf-8") for p in kept])
    finally:
        app.stop()


def card_for(client, title: str) -> bool:
    """Whether the app answers a question about `title` with that technique's card."""
    return ask(client, f"How do I do the {title}?").startswith(f"## {md(title)}\n")


def test_sigkilled_ingests_never_cost_the_app_its_index_or_feedback(fault_setup, tmp_path):
    app, corpus = fault_setup
    store = app.data_dir
    client = app.client()
    env = app_env()

    # meanwhile: therapists keep asking and keep sending feedback
    stop = threading.Event()
    asked: list[str | None] = []
    feedback = FeedbackStore.in_data_dir(store)
    before_feedback = feedback.count()
    written = [0]
    dummy = Answer("q", (), (), "d", False, None)

    def keep_asking():
        while not stop.is_set():
            try:
                asked.append(None if ask(client, QL, timeout=60).startswith("## QL Hip Hike") else "wrong answer")
            except Exception as exc:
                asked.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.2)

    def keep_rating():
        while not stop.is_set():
            feedback.record("down", "during an ingest", [], dummy, comment=str(written[0]))
            written[0] += 1
            time.sleep(0.05)

    background = [threading.Thread(target=keep_asking), threading.Thread(target=keep_rating)]
    for t in background:
        t.start()

    trials = []
    try:
        # how long one whole ingest takes, under that load, on a scratch copy of the store
        corpus.prepare(1000)  # a set no trial uses
        scratch = copy_store(store, tmp_path / "scratch")
        started = time.perf_counter()
        subprocess.run(ingest_cmd(corpus.folder, scratch, "--quiet"), cwd=ROOT, env=env, check=True, capture_output=True)
        full = time.perf_counter() - started
        shutil.rmtree(scratch)

        rnd = random.Random(SEED)
        delays = [full * (i + rnd.random()) / TRIALS for i in range(TRIALS)]  # one in each slice of the run
        rnd.shuffle(delays)
        n = 0
        while delays and n < 3 * TRIALS:
            delay = delays.pop()
            new_titles = corpus.prepare(n)
            before = current(store)
            err = tmp_path / f"trial-{n}.err"
            with err.open("w") as fh:
                launched = time.perf_counter()
                proc = subprocess.Popen(ingest_cmd(corpus.folder, store), cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=fh)
                try:
                    proc.wait(timeout=delay)
                    outcome = f"finished ({proc.returncode})"
                    # the run was quicker than measured: a kill is still owed, within what it took
                    delays.insert(0, rnd.uniform(0, time.perf_counter() - launched))
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
                    outcome = "killed"
            text = err.read_text(errors="replace")
            where = stage(text, store, before) if outcome == "killed" else "finished"
            assert "Another ingest is already running" not in text, "a killed ingest left its lock behind"
            # the app answers, from a complete published version
            now = current(store)
            assert (store / "versions" / now / "chroma.sqlite3").is_file()
            status, body = healthz(app.url)
            assert status == 200, body
            answer = ask(client, QL)
            assert answer.startswith("## QL Hip Hike") and DISCLAIMER_START in answer
            if now == before:  # this ingest published nothing: nothing of it shows
                assert not card_for(client, new_titles[0]), "an unpublished version answered"
            trials.append({"trial": n, "delay_s": round(delay, 2), "outcome": outcome, "stage": where})
            n += 1
    finally:
        stop.set()
        for t in background:
            t.join(timeout=60)

    # the next ingest completes, removes what the killed ones left, and the app switches to it
    new_titles = corpus.prepare(1001)
    done = subprocess.run(ingest_cmd(corpus.folder, store, "--quiet"), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    final = current(store)
    versions = {p.name for p in (store / "versions").iterdir()}
    assert final in versions and len(versions) <= 2, versions  # the published one and the one before
    assert not list(store.glob("CURRENT.*.tmp"))
    assert card_for(client, new_titles[0]), "the app did not switch to the new version"

    stages = {s: sum(t["stage"] == s for t in trials) for s in sorted({t["stage"] for t in trials})}
    kill_stages = set(stages) - {"finished"}
    write_artifact("ingest-kill.json", {"trials": trials, "stages": stages, "full_ingest_s": round(full, 2),
                                        "questions_during": len(asked), "feedback_written": written[0]})
    print(f"\nkills: full ingest {full:.1f} s; stages {stages}; {len(asked)} questions answered meanwhile; "
          f"{written[0]} feedback rows written")
    assert [a for a in asked if a] == []
    assert asked, "the background asker never got an answer"
    assert feedback.count() == before_feedback + written[0]
    assert sum(t["outcome"] == "killed" for t in trials) >= TRIALS
    assert len(kill_stages) >= 2, f"the kills did not land at different stages: {stages}"


# -- a damaged or missing store ------------------------------------------------------------------
def truncate_half(store: Path) -> None:
    db = store / "versions" / current(store) / "chroma.sqlite3"
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size // 2)


def truncate_empty(store: Path) -> None:
    (store / "versions" / current(store) / "chroma.sqlite3").write_bytes(b"")


def delete_version(store: Path) -> None:
    shutil.rmtree(store / "versions" / current(store))


def garbage_pointer(store: Path) -> None:
    (store / "CURRENT").write_text("../../../etc\n", "utf-8")


DAMAGE = {"truncated": truncate_half, "emptied": truncate_empty, "version deleted": delete_version,
          "pointer garbage": garbage_pointer}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_store_is_a_clear_cli_error_and_rebuild_repairs_it(damage, corpus_settings, tmp_path, capsys):
    store = copy_store(corpus_settings.data_dir, tmp_path / "store")
    DAMAGE[damage](store)

    for argv in (["ask", QL, "--store", str(store)], ["ingest", str(CORPUS), "--store", str(store), "--quiet"]):
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 1 and out == "", (argv[0], out, err)
        assert err.startswith("error: ") and "Traceback" not in err
        assert len(err.strip().splitlines()) == 2, err  # one line of error, one of hint
        assert "hint: Rebuild it with `techniques ingest --rebuild`." in err, err

    assert main(["ingest", str(CORPUS), "--store", str(store), "--rebuild", "--quiet"]) == 0
    assert main(["ask", QL, "--store", str(store)]) == 0
    out, _ = capsys.readouterr()
    assert "## QL Hip Hike" in out and DISCLAIMER_START in out


def test_a_missing_store_says_to_ingest(tmp_path, capsys):
    store = tmp_path / "never-made"
    assert main(["ask", QL, "--store", str(store)]) == 1
    _, err = capsys.readouterr()
    assert err == (f"error: There is no index in local folder {store} yet.\n"
                   "hint: Run `techniques ingest corpus/` (or `make run`, which does it for you).\n")
    assert not store.exists() or not (store / "CURRENT").exists()
    assert main(["ingest", str(CORPUS), "--store", str(store), "--rebuild", "--quiet"]) == 0
    assert main(["ask", QL, "--store", str(store)]) == 0


def test_the_web_app_on_a_damaged_store_says_so_and_recovers_after_rebuild(corpus_settings, tmp_path, capsys):
    from gradio_client.exceptions import AppError

    store = copy_store(corpus_settings.data_dir, tmp_path / "store")
    truncate_half(store)
    app = ServedApp(store, tmp_path / "serve.log", verbose=False).start()
    try:
        body = app.wait(status="error", timeout=120)
        assert "cannot be opened" in body["detail"] and "Rebuild it with `techniques ingest --rebuild`." in body["detail"]
        assert "Traceback" not in body["detail"]
        client = app.client()
        with pytest.raises(AppError) as refused:
            ask(client, QL)
        assert "Rebuild it with `techniques ingest --rebuild`." in str(refused.value)
        assert "Traceback" not in str(refused.value)

        assert main(["ingest", str(CORPUS), "--store", str(store), "--rebuild", "--quiet"]) == 0
        capsys.readouterr()
        assert ask(client, QL).startswith("## QL Hip Hike")  # no restart
        app.wait(status="ready", timeout=60, patient=True)  # readiness tries again by itself
    finally:
        app.stop()
    assert "Traceback" not in app.log.read_text(errors="replace")
