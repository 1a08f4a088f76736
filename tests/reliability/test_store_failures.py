"""A store that cannot be written: disk full, read-only, a data folder that is a file.

Each is one clear `TechniquesError` (in the CLI: `error:` and `hint:` lines, no traceback), the
published index is kept and still answers, and the ingest leaves no orphan version behind (it
used to leave one per attempt). Disk full and read-only run on a real tmpfs when the test may
mount one (root in a container: the CI image), and always through the errors the store raised
there, simulated (`database or disk is full` from Chroma's SQLite, `ENOSPC`/`EROFS` from the OS).
"""

from __future__ import annotations

import errno
import random
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

import ingest.pipeline as pipeline
from assistant.service import Assistant
from cli.main import main
from ingest.backends import LocalBackend
from ingest.pipeline import ingest
from ingest.store import Index
from techniques.errors import TechniquesError
from techniques.settings import Settings
from tests.conftest import CORPUS, FakeEmbedder

pytestmark = pytest.mark.integration

QL = "How do I stretch the QL?"


def big_library(folder: Path, n: int = 300) -> Path:
    """More text than a 3 MB disk holds once indexed."""
    rnd = random.Random(1)
    words = "stretch hold breathe client muscle hip psoas release gently slowly knee back".split()
    folder.mkdir()
    for i in range(n):
        steps = "\n".join(f"{j}. " + " ".join(rnd.choice(words) for _ in range(30)) for j in range(1, 30))
        (folder / f"doc{i}.txt").write_text(f"Technique {i}\n\nSteps\n{steps}\n", "utf-8")
    return folder


@contextmanager
def tmpfs(path: Path, size: str = "3m"):
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the simulated case covers the same path")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def versions(store: Path) -> list[str]:
    return sorted(p.name for p in (store / "versions").iterdir())


def assert_kept(store: Path, first: str) -> None:
    assert versions(store) == [first], "an orphan version was left behind"
    assert (store / "CURRENT").read_text().strip() == first
    assert not list(store.glob("CURRENT.*.tmp"))
    answer = Assistant(Settings(data_dir=store), embedder=FakeEmbedder()).ask(QL)
    assert answer.doc_id == "ql-hip-hike"


def cli_error(capsys, argv: list[str]) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err, out + err
    return err


# -- disk full ------------------------------------------------------------------------------
def test_disk_full_on_a_real_tmpfs_keeps_the_index_and_leaves_no_orphan(tmp_path, capsys, monkeypatch):
    library = big_library(tmp_path / "library")
    with tmpfs(tmp_path / "disk") as disk:
        store = disk / "store"
        first = ingest([CORPUS], Settings(data_dir=store), embedder=FakeEmbedder(), progress=False).version
        monkeypatch.setattr(pipeline, "make_embedder", lambda settings: FakeEmbedder())
        for _ in range(2):  # every attempt, not just the first
            err = cli_error(capsys, ["ingest", str(CORPUS), str(library), "--store", str(store), "--quiet"])
            assert err.startswith(f"error: There is not enough disk space in {store}"), err
            assert "The published index was kept" in err and "hint: Free some disk space" in err
            assert "--rebuild" not in err
            assert_kept(store, first)


@pytest.mark.parametrize("failure", [
    "chroma",  # what Chroma raised on the full tmpfs
    "publish",  # the pointer file cannot be written
])
def test_disk_full_simulated_keeps_the_index_and_leaves_no_orphan(failure, tmp_path, monkeypatch):
    store = tmp_path / "store"
    first = ingest([CORPUS], Settings(data_dir=store), embedder=FakeEmbedder(), progress=False).version
    if failure == "chroma":
        from chromadb.errors import InternalError

        def full(self, chunks, vectors):
            raise InternalError("Query error: Database error: error returned from database: (code: 13) database or disk is full")

        monkeypatch.setattr(Index, "add_chunks", full)
    else:
        def full(self, version):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(LocalBackend, "publish", full)
    with pytest.raises(TechniquesError) as refused:
        ingest([CORPUS, big_library(tmp_path / "library", 5)], Settings(data_dir=store), embedder=FakeEmbedder(), progress=False)
    assert refused.value.message.startswith(f"There is not enough disk space in {store}")
    assert_kept(store, first)


# -- read-only ------------------------------------------------------------------------------
def test_a_read_only_store_on_a_real_mount_is_one_clear_error(tmp_path, capsys, monkeypatch):
    with tmpfs(tmp_path / "disk", size="20m") as disk:
        store = disk / "store"
        first = ingest([CORPUS], Settings(data_dir=store), embedder=FakeEmbedder(), progress=False).version
        shutil.rmtree(store / "versions" / first / "snapshot", ignore_errors=True)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        (tmp_path / "new.txt").write_text("Calf stretch\n\nSteps\n1. Lean on the wall.\n", "utf-8")
        monkeypatch.setattr(pipeline, "make_embedder", lambda settings: FakeEmbedder())
        err = cli_error(capsys, ["ingest", str(CORPUS), str(tmp_path / "new.txt"), "--store", str(store), "--quiet"])
        assert err.startswith(f"error: The data folder {store} is read-only"), err
        assert "hint: Make the folder writable" in err
        assert versions(store) == [first]
        # Chroma writes beside an index even to read it: answering from a read-only mount is a
        # clear error too (not a rebuild hint, which could not help)
        err = cli_error(capsys, ["ask", QL, "--store", str(store)])
        assert err.startswith(f"error: The index in {store / 'versions' / first} cannot be opened: {store} is read-only"), err
        assert "--rebuild" not in err


def test_a_read_only_store_simulated_is_one_clear_error(tmp_path, monkeypatch):
    store = tmp_path / "store"
    first = ingest([CORPUS], Settings(data_dir=store), embedder=FakeEmbedder(), progress=False).version

    def read_only(self, version, model=None):
        raise OSError(errno.EROFS, "Read-only file system", str(self.versions / version))

    monkeypatch.setattr(LocalBackend, "create", read_only)
    with pytest.raises(TechniquesError) as refused:
        ingest([CORPUS, big_library(tmp_path / "library", 3)], Settings(data_dir=store), embedder=FakeEmbedder(), progress=False)
    assert refused.value.message.startswith(f"The data folder {store} is read-only")
    assert_kept(store, first)


# -- a data folder that is a file -------------------------------------------------------------
@pytest.mark.parametrize("command", [
    ["ingest", str(CORPUS), "--quiet"],
    ["ask", QL],
    ["feedback", "export", "--out", "/dev/null"],
])
def test_a_store_that_is_a_file_is_a_clear_message(command, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pipeline, "make_embedder", lambda settings: FakeEmbedder())
    store = tmp_path / "store.txt"
    store.write_text("not a folder\n")
    err = cli_error(capsys, [*command, "--store", str(store)])
    assert err.startswith(f"error: The data folder {store} is a file, not a folder."), err
    assert "hint: Point --store" in err
    assert store.read_text() == "not a folder\n"
