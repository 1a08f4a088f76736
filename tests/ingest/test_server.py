"""Tests for the server backend: ingest into a real `chroma run` on loopback, query it, keep it
up to date, collect old versions, and say clearly when the server or a version is missing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.backends import ServerBackend, new_version_name, open_backend
from ingest.pipeline import ingest
from cli.main import main
from techniques.errors import TechniquesError
from techniques.settings import Settings
from tests.conftest import CORPUS, CORPUS_IDS, free_port

pytestmark = [pytest.mark.server, pytest.mark.integration]


def server_settings(tmp_path: Path, port: int) -> Settings:
    return Settings(data_dir=tmp_path / "store", chroma_host="127.0.0.1", chroma_port=port)


def collections(backend: ServerBackend) -> set[str]:
    return {getattr(c, "name", c) for c in backend.client.list_collections()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def test_ingest_query_update_and_collect_on_a_chroma_server(chroma_server, real_embedder, tmp_path: Path) -> None:
    settings = server_settings(tmp_path, chroma_server.port)
    corpus = Path(shutil.copytree(CORPUS, tmp_path / "corpus"))

    first = ingest([corpus], settings, embedder=real_embedder, progress=False)

    assert first.published and (first.documents, first.chunks, first.embedded) == (5, 29, 29)
    assert first.store == f"Chroma server 127.0.0.1:{chroma_server.port}"
    # a new backend, as another process would open it
    backend = open_backend(settings)
    assert backend.current_version() == first.version
    index = backend.open(first.version)
    assert index.count() == 29 and set(index.docs()) == CORPUS_IDS
    hits = index.query(real_embedder.embed_query("How do I stretch the quadratus lumborum (QL)?"), 3)
    assert len(hits) == 3 and hits[0][0].startswith("ql-hip-hike::")
    assert hits[0][1] > 0.4

    orphan = new_version_name()
    backend.create(orphan)  # what a killed ingest leaves: built, never published
    computed = real_embedder.computed
    unchanged = ingest([corpus], settings, embedder=real_embedder, progress=False)
    assert (unchanged.published, unchanged.version, unchanged.embedded) == (False, first.version, 0)
    assert real_embedder.computed == computed
    assert not [c for c in collections(backend) if orphan in c]

    edit(corpus / "ql-hip-hike.txt", "several times", "three times")
    second = ingest([corpus], settings, embedder=real_embedder, progress=False)
    edit(corpus / "psoas-stretch.txt", "Hold for 30 seconds.", "Hold for 45 seconds.")
    third = ingest([corpus], settings, embedder=real_embedder, progress=False)

    assert second.published and third.published and (second.embedded, third.embedded) == (1, 1)
    assert backend.current_version() == third.version
    prefix = settings.collection
    assert collections(backend) == {f"{prefix}-pointer"} | {
        f"{prefix}-{v}-{part}" for v in (second.version, third.version) for part in ("chunks", "docs")
    }  # the first version is collected; the one before the current is kept for readers
    latest = backend.open(third.version)
    assert any("Hold for 45 seconds." in s.chunk.text for s in latest.chunks())

    chroma_server.stop()
    with pytest.raises(TechniquesError) as caught:
        open_backend(settings).current_version()
    assert f"127.0.0.1:{chroma_server.port}" in caught.value.message


def test_a_missing_version_on_the_server_names_rebuild(chroma_server, fake_embedder, tmp_path: Path) -> None:
    settings = server_settings(tmp_path, chroma_server.port)
    first = ingest([CORPUS], settings, embedder=fake_embedder, progress=False)
    backend = open_backend(settings)
    backend.client.delete_collection(f"{settings.collection}-{first.version}-chunks")

    with pytest.raises(TechniquesError) as caught:
        ingest([CORPUS], settings, embedder=fake_embedder, progress=False)

    assert f"{first.version} on the Chroma server at 127.0.0.1:{chroma_server.port} is missing" in caught.value.message
    assert "--rebuild" in caught.value.hint
    repaired = ingest([CORPUS], settings, embedder=fake_embedder, rebuild=True, progress=False)
    assert repaired.published and backend.open(backend.current_version()).count() == 29


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path, fake_embedder, monkeypatch, capsys) -> None:
    port = free_port()  # nothing listens on it
    settings = server_settings(tmp_path, port)

    with pytest.raises(TechniquesError) as caught:
        ingest([CORPUS], settings, embedder=fake_embedder, progress=False)

    assert f"The Chroma server at 127.0.0.1:{port} is not reachable" in caught.value.message
    assert "chroma run" in caught.value.hint
    monkeypatch.setenv("TECHNIQUES_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("TECHNIQUES_CHROMA_PORT", str(port))
    code = main(["ingest", str(CORPUS), "--store", str(tmp_path / "store"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith(f"error: The Chroma server at 127.0.0.1:{port} is not reachable")
    assert "Traceback" not in err
