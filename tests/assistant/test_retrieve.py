"""The retrieval arithmetic that must not drift with speed work: BM25's top-k selection."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from assistant.retrieve import top_k


def reference(scores: list[float], k: int) -> list[int]:
    """Every positive score, best first, ties in index order: what a full sort gives."""
    return sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))[:k]


@given(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.25, 3.0]), max_size=60), st.integers(0, 12))
def test_top_k_is_the_head_of_a_full_sort(scores: list[float], k: int) -> None:
    assert top_k(np.asarray(scores, dtype=np.float32), k).tolist() == reference(scores, k)


def test_top_k_ties_and_zeros() -> None:
    scores = np.asarray([0.0, 2.0, 1.0, 2.0, 0.0, 2.0, 1.0], dtype=np.float32)
    assert top_k(scores, 2).tolist() == [1, 3]  # three tie at 2.0: the first two in index order
    assert top_k(scores, 10).tolist() == [1, 3, 5, 2, 6]  # no zero-score passage is ever a match
    assert top_k(np.zeros(0, dtype=np.float32), 3).tolist() == []


# ------------------------------------------------- follow-ups and out-of-region (held apart)

import pytest  # noqa: E402

LIBRARY = {
    "calf-stretch.md": "---\ntitle: Wall calf stretch\nregion: [lower leg]\n---\n# Wall calf stretch\n\n"
                       "Stretches the gastrocnemius and soleus.\n\n## Steps\n\n1. Stand facing a wall, one leg back.\n"
                       "2. Keep the back heel down and lean in.\n3. Hold for 30 seconds, then change legs.\n",
    "piriformis-release.md": "---\ntitle: Piriformis release\nregion: [hip]\n---\n# Piriformis release\n\n"
                             "Eases a tight piriformis in the buttock.\n\n## Steps\n\n1. The client lies prone.\n"
                             "2. Sink the elbow slowly into the piriformis.\n3. Hold until the tissue softens.\n",
}


@pytest.fixture
def assistant(tmp_path, settings, fake_embedder):
    from assistant.service import Assistant
    from ingest.pipeline import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in LIBRARY.items():
        (folder / name).write_text(text, "utf-8")
    ingest([folder], settings, embedder=fake_embedder, progress=False)
    return Assistant(settings, embedder=fake_embedder)


def test_a_follow_up_about_the_other_leg_stays_on_the_technique(assistant) -> None:
    answer = assistant.ask("what about the left leg?", ["How do I do the wall calf stretch?"])
    assert not answer.no_answer and answer.doc_id == "calf-stretch"


def test_a_follow_up_about_another_region_is_not_covered_and_says_so(assistant) -> None:
    library = assistant.library()
    turn = assistant._resolve(library, "what about the shoulder then?", "calf-stretch")
    assert turn.match is None
    assert turn.retrieval.no_answer_reason == "The library has no technique for the shoulder."
    assert assistant.ask("what about the shoulder then?", ["How do I do the wall calf stretch?"]).no_answer


def test_an_out_of_region_question_is_not_covered(assistant) -> None:
    turn = assistant._resolve(assistant.library(), "Best stretch for a stiff neck?", None)
    assert turn.match is None and "the neck" in turn.retrieval.no_answer_reason


def test_a_kind_of_technique_the_library_lacks_is_not_covered_even_when_named(assistant) -> None:
    turn = assistant._resolve(assistant.library(), "Can I use dry needling for the piriformis?", None)
    assert turn.match is None and "dry needling" in turn.retrieval.no_answer_reason


def test_a_misspelt_and_a_lay_question_find_the_technique(assistant) -> None:
    library = assistant.library()
    assert assistant._resolve(library, "how do I release the pirifomis?", None).match.doc_id == "piriformis-release"
    assert assistant._resolve(library, "tight calf muscle, how do I stretch it?", None).match.doc_id == "calf-stretch"
