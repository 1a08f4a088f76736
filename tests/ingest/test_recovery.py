"""Ingest under failure, through `techniques ingest`: one ingest at a time, an ingest killed
while writing (the published index keeps serving, its orphan is removed), and --rebuild of a
damaged store. Split from test_pipeline.py, whose helpers it reads the index with."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.backends import new_version_name, open_backend
from ingest.lock import ingest_lock
from ingest.pipeline import IngestSummary, ingest
from techniques.errors import TechniquesError
from techniques.settings import Settings
from tests.conftest import CORPUS, CORPUS_IDS, ROOT

from tests.ingest.test_pipeline import NEW_STEP, OLD_STEP, chunk_ids, copies_of_one_document, current, pointer, versions


# ------------------------------------------------------------------------ one ingest at a time


def test_a_second_ingest_refuses_while_one_holds_the_lock(cli, settings: Settings, fake_embedder) -> None:
    with ingest_lock(settings.data_dir):
        code, out, err = cli(["ingest", CORPUS, "--store", settings.data_dir, "--quiet"], fake_embedder)

    assert code == 1 and out == ""
    assert err.startswith(f"error: Another ingest is already running on {settings.data_dir} (pid {os.getpid()}).")
    assert "hint: Wait for it to finish" in err
    assert not (settings.data_dir / "CURRENT").exists()
    # released: the next ingest runs
    assert cli(["ingest", CORPUS, "--store", settings.data_dir, "--quiet"], fake_embedder)[0] == 0


# ------------------------------------------------------------------------ a killed ingest


def kill_while_writing(cmd: list[str], settings: Settings, known: set[str], log: Path) -> str:
    """Start `cmd`, SIGKILL it once it is writing a new version folder; return that folder's name."""
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and proc.poll() is None:
                new = versions(settings) - known if (settings.data_dir / "versions").is_dir() else set()
                if new and (settings.data_dir / "versions" / next(iter(new)) / "chroma.sqlite3").exists():
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(timeout=30)
                    return next(iter(new))
                time.sleep(0.005)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    raise AssertionError(f"the ingest was not caught writing (exit {proc.returncode}): {log.read_text()[-2000:]}")


@pytest.mark.integration
def test_a_quiet_ingest_prints_only_its_summary(tmp_path: Path) -> None:
    """`--quiet` in a real process: no progress bars and no library's debug chatter (bm25s sets
    its own logger to DEBUG, which once printed through)."""
    done = subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(CORPUS), "--store", str(tmp_path / "s"), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Ingest into local folder") and "chunks: 29" in done.stdout
    noisy = [line for line in done.stderr.splitlines() if not line.startswith("WARNING ingest.embed_onnx: exporting")]
    assert noisy == [], done.stderr


def test_a_killed_ingest_leaves_the_published_index_serving(corpus: Path, settings: Settings, real_embedder, tmp_path: Path) -> None:
    from assistant.service import Assistant

    first = ingest([corpus], settings, embedder=real_embedder, progress=False)
    path = corpus / "ql-hip-hike.txt"
    path.write_text(path.read_text("utf-8").replace(OLD_STEP, NEW_STEP), "utf-8")
    generated = tmp_path / "generated"
    copies_of_one_document(generated, 300)

    cmd = [sys.executable, "-m", "cli.main", "ingest", str(corpus), str(generated),
           "--store", str(settings.data_dir), "--quiet"]
    orphan = kill_while_writing(cmd, settings, {first.version}, tmp_path / "killed.log")

    assert pointer(settings) == first.version
    assert versions(settings) == {first.version, orphan}
    answer = Assistant(settings, embedder=real_embedder).ask("How do I stretch the QL?")
    assert answer.doc_id == "ql-hip-hike" and not answer.no_answer
    assert answer.citations and answer.citations[0].doc_id == "ql-hip-hike"
    assert not [s for s in current(settings).chunks() if NEW_STEP in s.chunk.text]

    again = ingest([corpus], settings, embedder=real_embedder, progress=False)

    assert again.published and again.changed == ["ql-hip-hike"] and again.embedded == 1
    assert pointer(settings) == again.version
    assert versions(settings) == {first.version, again.version}  # the orphan is gone, the previous kept
    assert any(NEW_STEP in s.chunk.text for s in current(settings).chunks())


def test_an_unchanged_ingest_removes_a_killed_ingests_orphan(corpus: Path, settings: Settings, fake_embedder) -> None:
    first = ingest([corpus], settings, embedder=fake_embedder, progress=False)
    path = corpus / "psoas-stretch.txt"
    path.write_text(path.read_text("utf-8").replace("30 seconds", "45 seconds"), "utf-8")
    second = ingest([corpus], settings, embedder=fake_embedder, progress=False)
    backend = open_backend(settings)
    orphan = new_version_name()
    backend.create(orphan)  # what a killed ingest leaves: built, never published
    (settings.data_dir / "CURRENT.12345.tmp").write_text(orphan)

    again = ingest([corpus], settings, embedder=fake_embedder, progress=False)

    assert not again.published and again.version == second.version == pointer(settings)
    assert versions(settings) == {first.version, second.version}  # the previous stays for readers
    assert not list(settings.data_dir.glob("CURRENT.*.tmp"))


# ------------------------------------------------------------------------------- --rebuild


def test_rebuild_builds_a_fresh_version_when_nothing_changed(cli, settings: Settings, fake_embedder) -> None:
    first = ingest([CORPUS], settings, embedder=fake_embedder, progress=False)
    ids, computed = chunk_ids(settings), fake_embedder.computed

    code, out, err = cli(["ingest", CORPUS, "--store", settings.data_dir, "--rebuild", "--quiet"], fake_embedder)

    assert code == 0, err
    assert "new index version published" in out.splitlines()[0]
    assert "  chunks: 29 (embedded 29, reused 0)" in out.splitlines()
    assert fake_embedder.computed - computed == 29
    # the version before the rebuild stays until the next publish: a running app may be reading it
    assert pointer(settings) != first.version and versions(settings) == {pointer(settings), first.version}
    assert chunk_ids(settings) == ids


def delete_folder(folder: Path) -> None:
    shutil.rmtree(folder)


def corrupt_database(folder: Path) -> None:
    (folder / "chroma.sqlite3").write_bytes(b"this is not a database " * 512)


@pytest.mark.parametrize("damage", [delete_folder, corrupt_database], ids=["deleted", "corrupted"])
def test_a_damaged_store_names_rebuild_and_rebuild_repairs_it(cli, settings: Settings, fake_embedder, damage) -> None:
    first = ingest([CORPUS], settings, embedder=fake_embedder, progress=False)
    damage(settings.data_dir / "versions" / first.version)

    with pytest.raises(TechniquesError) as caught:
        ingest([CORPUS], settings, embedder=fake_embedder, progress=False)
    assert "--rebuild" in caught.value.hint
    assert "missing or damaged" in caught.value.message or "cannot be opened" in caught.value.message
    code, out, err = cli(["ingest", CORPUS, "--store", settings.data_dir, "--quiet"], fake_embedder)
    assert code == 1 and "hint: Rebuild it with `techniques ingest --rebuild`." in err
    assert "Traceback" not in err

    code, out, err = cli(["ingest", CORPUS, "--store", settings.data_dir, "--rebuild", "--quiet"], fake_embedder)

    assert code == 0, err
    assert pointer(settings) != first.version and versions(settings) == {pointer(settings)}
    assert current(settings).count() == 29 and set(current(settings).docs()) == CORPUS_IDS
    again: IngestSummary = ingest([CORPUS], settings, embedder=fake_embedder, progress=False)
    assert not again.published and again.unchanged and len(again.unchanged) == 5
