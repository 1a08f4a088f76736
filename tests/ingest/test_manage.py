"""The library managed from the browser: uploads checked on their bytes and stored under a safe
name, statuses from the last re-index, removal, and re-indexing in the background through the
same versioned publish as the CLI (a real local Chroma in tmp_path, the fake embedder)."""

from __future__ import annotations

import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from ingest.backends import open_backend
from ingest.lock import ingest_lock
from ingest.manage import LibraryManager
from ingest.uploads import check_content, safe_name
from techniques.errors import TechniquesError
from techniques.settings import Settings
from tests.conftest import CORPUS, FakeEmbedder
from tests.ingest.test_load import pdf_bytes

NECK = b"""---
title: Seated neck tilt
---
# Seated neck tilt

## Steps
1. Sit tall with both feet flat on the floor.
2. Tilt the right ear slowly toward the right shoulder until a gentle stretch is felt.
3. Hold for twenty seconds and breathe slowly.

## Cautions
- Stop if the client feels dizziness or tingling in the arm.
"""
PDF = pdf_bytes(["Wall calf stretch\nStand facing a wall with one foot behind the other.\nPress the back heel down and hold for thirty seconds."])


@pytest.fixture
def settings(tmp_path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("ql-hip-hike.txt", "psoas-stretch.txt", "catalog.yaml"):
        shutil.copy(CORPUS / name, corpus / name)
    return Settings(data_dir=tmp_path / "store", corpus_dir=corpus)


@pytest.fixture
def manager(settings) -> LibraryManager:
    return LibraryManager(settings, embedder=FakeEmbedder())


def indexed_ids(settings: Settings) -> set[str]:
    backend = open_backend(settings)
    index = backend.open(backend.current_version())
    try:
        return set(index.docs())
    finally:
        index.close()


def statuses(manager: LibraryManager) -> dict[str, tuple[str, str]]:
    return {d.doc_id: (d.origin, d.status) for d in manager.documents()}


def reindexed(manager: LibraryManager):
    job = manager.reindex()
    assert job.wait(120), "the re-index did not finish"
    return job


# ----------------------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    "given, stored",
    [
        ("neck-tilt.md", "neck-tilt.md"),
        ("../../etc/cron.d/evil.md", "evil.md"),
        ("C:\\Users\\ann\\My QL stretch (v2).MD", "my-ql-stretch-v2.md"),
        ("Étirement du psoas.txt", "etirement-du-psoas.txt"),
        ("page.htm", "page.html"),
        ("notes.markdown", "notes.md"),
        ("x" * 200 + ".pdf", "x" * 80 + ".pdf"),
    ],
)
def test_an_upload_gets_a_safe_name(given, stored):
    assert safe_name(given) == stored


@pytest.mark.parametrize("given", ["run.exe", "catalog.yaml", "notes", "....md", "(((.txt", ""])
def test_an_unusable_name_is_refused(given):
    with pytest.raises(TechniquesError):
        safe_name(given)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("a.md", b"  \n ", "is empty"),
        ("a.pdf", b"<html>not a pdf</html>", "is not a PDF"),
        ("a.txt", PDF, "is a PDF named as text"),
        ("a.md", b"text\x00with a NUL", "binary, not text"),
        ("a.html", "caf\u00e9".encode("latin-1"), "not UTF-8"),
        ("a.txt", "hello".encode("utf-16"), "UTF-16"),
        ("a.txt", b"x" * 5000, "a.txt is 5 KB; the limit for a text document is 4 KB"),
        ("a.pdf", PDF + b"x" * 2000, "the limit for a PDF is"),
    ],
)
def test_content_is_checked_on_the_bytes(name, data, message):
    with pytest.raises(TechniquesError, match=message):
        check_content(name, data, max_text=4096, max_pdf=len(PDF) + 100)


def test_valid_uploads_pass_the_byte_checks():
    check_content("a.md", NECK)
    check_content("a.pdf", PDF)
    check_content("a.txt", "\ufeffUTF-8 with a BOM and caf\u00e9".encode("utf-8"))


def test_an_upload_is_stored_under_the_data_folder_readable_by_the_app_only(manager, settings):
    doc = manager.add("Neck Tilt.md", NECK)
    path = settings.data_dir / "library" / "neck-tilt.md"
    assert (doc.doc_id, doc.name, doc.origin, doc.status, doc.removable) == ("neck-tilt", "neck-tilt.md", "upload", "pending", True)
    assert path.read_bytes() == NECK
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["neck-tilt.md"]  # no temporary file left


def test_an_upload_may_not_shadow_a_document_or_another_upload(manager, settings):
    with pytest.raises(TechniquesError, match="corpus folder already has a document 'ql-hip-hike'"):
        manager.add("QL hip hike.md", NECK)
    manager.add("neck-tilt.md", NECK)
    with pytest.raises(TechniquesError, match="already in the library"):
        manager.add("neck-tilt.txt", b"another neck tilt")
    manager.add("neck-tilt.txt", b"a replacement neck tilt", replace=True)
    assert sorted(p.name for p in (settings.data_dir / "library").iterdir()) == ["neck-tilt.txt"]


def test_only_uploads_are_removed_here(manager):
    with pytest.raises(TechniquesError, match="in the corpus folder"):
        manager.remove("ql-hip-hike")
    with pytest.raises(TechniquesError, match="no document 'nothing'"):
        manager.remove("nothing")


# ---------------------------------------------------------------------------- re-index


def test_upload_reindex_list_remove_reindex(manager, settings):
    manager.add("neck-tilt.md", NECK)
    manager.add("calf stretch.pdf", PDF)
    manager.add("chrome.md", b"Pin It on Pinterest\n\nWrite a comment\n")
    assert statuses(manager)["neck-tilt"] == ("upload", "pending")

    job = reindexed(manager)
    assert job.state == "done", job.message
    assert job.number == 1
    assert job.message.startswith("Indexed 4 documents: 4 added") and "1 skipped" in job.message
    assert indexed_ids(settings) == {"ql-hip-hike", "psoas-stretch", "neck-tilt", "calf-stretch"}
    docs = {d.doc_id: d for d in manager.documents()}
    assert {k: (d.origin, d.status) for k, d in docs.items()} == {
        "calf-stretch": ("upload", "indexed"),
        "chrome": ("upload", "skipped"),
        "neck-tilt": ("upload", "indexed"),
        "psoas-stretch": ("corpus", "indexed"),
        "ql-hip-hike": ("corpus", "indexed"),
    }
    assert docs["chrome"].reason and "page chrome" in docs["chrome"].reason
    assert not docs["ql-hip-hike"].removable

    manager.remove("neck-tilt")
    assert statuses(manager)["neck-tilt"] == ("upload", "removed")
    assert "neck-tilt" in indexed_ids(settings)  # still answered from until the re-index
    second = reindexed(manager)
    assert second.state == "done" and second.number == 2  # the panel tells this job from the last
    assert indexed_ids(settings) == {"ql-hip-hike", "psoas-stretch", "calf-stretch"}
    assert "neck-tilt" not in statuses(manager)


def test_a_changed_upload_is_pending_until_reindexed(manager):
    manager.add("neck-tilt.md", NECK)
    reindexed(manager)
    manager.add("neck-tilt.md", NECK.replace(b"twenty", b"thirty"), replace=True)
    assert statuses(manager)["neck-tilt"] == ("upload", "pending")
    assert reindexed(manager).message.startswith("Indexed 3 documents: 0 added, 1 changed")
    assert statuses(manager)["neck-tilt"] == ("upload", "indexed")


class FailingEmbedder(FakeEmbedder):
    def embed_documents(self, texts):
        raise RuntimeError("the model fell over")


def test_a_failed_reindex_changes_nothing(manager, settings):
    reindexed(manager)
    before_version = open_backend(settings).current_version()
    before_status = manager.status_path.read_bytes()
    failing = LibraryManager(settings, embedder=FailingEmbedder())
    failing.add("neck-tilt.md", NECK)
    job = reindexed(failing)
    assert job.state == "failed"
    assert "the index was not changed" in job.message and "the model fell over" in job.message
    assert open_backend(settings).current_version() == before_version
    assert manager.status_path.read_bytes() == before_status
    assert indexed_ids(settings) == {"ql-hip-hike", "psoas-stretch"}


class BlockingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def embed_documents(self, texts):
        self.entered.set()
        assert self.release.wait(60)
        return super().embed_documents(texts)


def test_one_job_at_a_time_with_progress(settings):
    embedder = BlockingEmbedder()
    manager = LibraryManager(settings, embedder=embedder)
    job = manager.reindex()
    try:
        assert embedder.entered.wait(60)
        status = job.status
        assert (job.state, status.stage) == ("running", "embed") and job.running
        assert status.done == 0 and status.total > 0
        assert job.message == f"Embedding passages 0/{status.total}"
        with pytest.raises(TechniquesError, match="already being re-indexed"):
            manager.reindex()
        assert manager.job() is job
    finally:
        embedder.release.set()
    assert job.wait(120) and job.state == "done"
    assert (job.done, job.total) == (2, 2)
    assert reindexed(manager).message.startswith("Nothing changed")  # a second job once the first is over


def test_another_process_ingesting_fails_the_job_cleanly(manager, settings):
    with ingest_lock(Path(settings.data_dir)):
        job = reindexed(manager)
    assert job.state == "failed" and f"Another ingest is already running on {settings.data_dir} (pid {os.getpid()})" in job.message
    assert manager.last_reindex() is None
    assert all(d.status == "pending" for d in manager.documents())
