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
