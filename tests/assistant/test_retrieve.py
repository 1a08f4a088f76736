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
def assistant(library_of):
    return library_of(LIBRARY)


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


# ------------------------- variants, near-duplicates, negation, out-of-library (held apart)

GYM = {
    "barbell-squat.md": "# Barbell squat\n\nA squat with a barbell across the upper back.\n\n## Steps\n\n"
                        "1. Set the barbell on your upper back.\n2. Sit down between your heels.\n3. Stand up.\n",
    "dumbbell-squat.md": "# Dumbbell squat\n\nA squat holding a dumbbell in each hand.\n\n## Steps\n\n"
                         "1. Hold a dumbbell at each side.\n2. Sit down between your heels.\n3. Stand up.\n",
    "dumbbell-squat-to-box.md": "# Dumbbell squat to box\n\nA squat to a box holding dumbbells.\n\n## Steps\n\n"
                                "1. Stand in front of a box with a dumbbell in each hand.\n2. Sit back to the box.\n"
                                "3. Stand up.\n",
    "smith-machine-squat.md": "# Smith machine squat\n\nA squat in the Smith machine with its guided bar.\n\n## Steps\n\n"
                              "1. Set the bar of the Smith machine on your upper back.\n2. Squat down.\n3. Stand up.\n",
    "heel-raise-left.md": "# Heel raise (left foot)\n\nRaises the heel of the left foot on a step.\n\n## Steps\n\n"
                          "1. Stand on the left foot on a step.\n2. Rise onto the toes.\n3. Lower slowly.\n",
    "heel-raise-right.md": "# Heel raise (right foot)\n\nRaises the heel of the right foot on a step.\n\n## Steps\n\n"
                           "1. Stand on the right foot on a step.\n2. Rise onto the toes.\n3. Lower slowly.\n",
    "cable-row.md": "# Cable row\n\nA seated row on the cable station.\n\n## Steps\n\n"
                    "1. Sit at the cable station and take the handle.\n2. Row the handle to your belly.\n3. Return.\n",
}


@pytest.fixture
def gym(library_of):
    return library_of(GYM)


def test_a_follow_up_asking_for_other_equipment_gets_that_variant(gym) -> None:
    answer = gym.ask("and with dumbbells instead?", ["How do I do a barbell squat?"])
    assert not answer.no_answer and answer.doc_id == "dumbbell-squat"  # not the squat to a box


def test_a_follow_up_asking_for_the_other_side_gets_the_opposite_variant(gym) -> None:
    assert gym.ask("and the left one?", ["How do I do the heel raise on my right foot?"]).doc_id == "heel-raise-left"
    assert gym.ask("what about the other side?", ["Heel raise on the left foot?"]).doc_id == "heel-raise-right"


def test_a_follow_up_without_a_variant_word_stays_on_the_technique(gym) -> None:
    assert gym.ask("how many should I do?", ["How do I do a barbell squat?"]).doc_id == "barbell-squat"


def test_the_plain_near_duplicate_wins_when_nothing_distinguishes_another(gym) -> None:
    assert gym.ask("How do I do a dumbbell squat?").doc_id == "dumbbell-squat"
    assert gym.ask("dumbbell squat to a box").doc_id == "dumbbell-squat-to-box"


def test_a_technique_the_question_rules_out_is_not_the_answer(gym) -> None:
    answer = gym.ask("How do I squat with a bar on my back, not in the Smith machine?")
    assert not answer.no_answer and answer.doc_id != "smith-machine-squat"


def test_one_shared_word_and_a_word_the_library_never_heard_of_is_not_covered(gym) -> None:
    turn = gym._resolve(gym.library(), "How do I row a kayak?", None)
    assert turn.match is None and "kayak" in turn.retrieval.no_answer_reason
    assert gym.ask("How do I do the cable row?").doc_id == "cable-row"


def test_document_vectors_rank_every_technique_and_are_built_once(gym, fake_embedder) -> None:
    from assistant import doc_dense

    library = gym.library()
    first = doc_dense.vectors(library, fake_embedder)
    computed = fake_embedder.computed
    assert first.shape[0] == len(library.fields.ids) and np.allclose(np.linalg.norm(first, axis=1), 1.0)
    assert doc_dense.vectors(library, fake_embedder) is first and fake_embedder.computed == computed
    assert "Dumbbell squat" in doc_dense.card_text(library, "dumbbell-squat")
