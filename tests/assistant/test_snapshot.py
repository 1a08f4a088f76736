"""A version's Library snapshot: written by the first process that opens the version, loaded
by the next, and giving the same answers; a damaged one is ignored, never trusted."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.service import Assistant
from assistant.snapshot import StoredDocs
from ingest.pipeline import ingest
from tests.conftest import CORPUS

QUESTIONS = [
    ("How do I stretch the QL?", []),
    ("What are the cautions for the psoas release?", []),
    ("How long do I hold it?", ["How do I do the standing psoas stretch?"]),
    ("Which stretch helps the piriformis?", []),
    ("Tell me about quantum healing crystals", []),
]


@pytest.fixture
def store(settings, fake_embedder):
    ingest([CORPUS], settings, embedder=fake_embedder, progress=False)
    return settings


def answers(assistant: Assistant) -> list[dict]:
    out = []
    for question, history in QUESTIONS:
        answer = assistant.ask(question, history).to_dict()
        answer.pop("timings_ms")
        out.append(answer)
    return out


def test_the_first_open_saves_it_and_the_next_loads_it_with_the_same_answers(store, fake_embedder) -> None:
    first = Assistant(store, embedder=fake_embedder)
    built = first.library()
    folder = first._snapshot_dir(built.version)
    assert isinstance(built.docs, dict) and folder.is_dir()

    second = Assistant(store, embedder=fake_embedder)
    loaded = second.library()
    assert isinstance(loaded.docs, StoredDocs)
    assert loaded.chunks == built.chunks and list(loaded.docs) == list(built.docs)
    assert all(loaded.docs[d] == built.docs[d] for d in built.docs)
    assert "no-such-doc" not in loaded.docs and loaded.docs.get("no-such-doc") is None
    scores = [(built.lexical(q).scores, loaded.lexical(q).scores) for q, _ in QUESTIONS]
    assert all(np.array_equal(a, b) for a, b in scores)
    assert answers(second) == answers(first)


def test_a_damaged_snapshot_is_rebuilt_not_trusted(store, fake_embedder) -> None:
    first = Assistant(store, embedder=fake_embedder)
    expected = answers(first)
    folder = first._snapshot_dir(first.library().version)
    (folder / "chunks.json").write_text("{not json", "utf-8")

    again = Assistant(store, embedder=fake_embedder)
    assert isinstance(again.library().docs, dict)  # built from the store instead
    assert answers(again) == expected
    assert isinstance(Assistant(store, embedder=fake_embedder).library().docs, StoredDocs)  # and saved anew


def test_a_snapshot_of_another_version_is_not_used(store, fake_embedder, tmp_path) -> None:
    first = Assistant(store, embedder=fake_embedder)
    version = first.library().version
    folder = first._snapshot_dir(version)
    from assistant.snapshot import load

    assert load("v-other", folder) is None
    assert load(version, tmp_path / "missing") is None
    assert load(version, folder) is not None


def test_document_vectors_are_saved_beside_the_snapshot_and_loaded_not_recomputed(store, fake_embedder) -> None:
    from assistant import doc_dense

    first = Assistant(store, embedder=fake_embedder)
    first.ask("How do I stretch the QL?")  # the first search builds the technique vectors
    library = first.library()
    saved = list(first._snapshot_dir(library.version).glob("cards-*.npy"))
    assert len(saved) == 1

    second = Assistant(store, embedder=fake_embedder)
    before = fake_embedder.computed
    vectors = doc_dense.vectors(second.library(), fake_embedder)
    assert fake_embedder.computed == before  # read from the snapshot
    assert np.array_equal(vectors, doc_dense.vectors(library, fake_embedder))

    np.save(saved[0], np.zeros((1, 3), dtype=np.float32))  # rows that no longer fit: recomputed
    third = Assistant(store, embedder=fake_embedder)
    assert np.array_equal(doc_dense.vectors(third.library(), fake_embedder), vectors)
    assert fake_embedder.computed > before
