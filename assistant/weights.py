"""Retrieval's fitted numbers (data/thresholds.yaml, `evals/calibrate.py`), typed: read by
retrieve.py for ranking and by coverage.py for what a technique covers."""

from __future__ import annotations

from functools import lru_cache

from techniques.data import DataModel, load_data


class Fusion(DataModel):
    names: float
    whole: float
    passages: float
    dense: float
    card: float = 0.0  # the document-level dense vector (doc_dense.py)
    exact: float = 0.0  # the share of a name the question says (names.precision)


class Thresholds(DataModel):
    """data/thresholds.yaml: every fitted number of retrieval."""

    min_evidence: float
    fusion: Fusion
    body_mentions: int
    card_words: int = 0  # a document this short covers a region or kind it names once
    dense_pool: int = 0  # passages the dense search returns: their cosines are evidence past the fused k
    contrast: float = 0.0  # taken off a technique that says the other side of a contrast (lexicon.yaml)
    candidates: int


@lru_cache(maxsize=1)
def thresholds() -> Thresholds:
    return load_data("assistant", "thresholds.yaml", Thresholds)
