"""Hybrid retrieval: BM25 and dense (Chroma) rankings fused by reciprocal rank, grouped by
technique, with the absolute evidence the no-answer decision needs.

RRF ranks well but says nothing about whether anything is relevant at all, so each technique
also carries its best dense cosine and the IDF-weighted share of the question it covers;
`evidence` combines the two and is compared with a calibrated threshold (data/thresholds.yaml).
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from assistant.glossary import glossary
from assistant.rules import answer_text
from assistant.library import Library
from ingest.embed import Embedder
from ingest.types import Chunk

RRF_K = 60


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused RRF score
    dense: float  # cosine similarity, 0 when the dense retriever did not return it
    lexical: float  # BM25 score


@dataclass(frozen=True)
class TechniqueMatch:
    doc_id: str
    score: float  # fused, for ranking techniques
    evidence: float  # absolute relevance in [0, 1], for the no-answer decision
    dense: float
    coverage: float
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Retrieval:
    query: str  # the question with glossary expansions
    matches: tuple[TechniqueMatch, ...]  # best first

    @property
    def best(self) -> TechniqueMatch | None:
        return self.matches[0] if self.matches else None

    def for_doc(self, doc_id: str) -> TechniqueMatch | None:
        return next((m for m in self.matches if m.doc_id == doc_id), None)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest positive scores, best first, ties in index order. A partition,
    not a sort: at 60,000 passages sorting every score cost more than the BM25 scoring itself."""
    if k <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    if len(scores) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        candidates = np.flatnonzero((scores >= kth) & (scores > 0))
    else:
        candidates = np.flatnonzero(scores > 0)
    return candidates[np.lexsort((candidates, -scores[candidates]))][:k]


def dense_query(question: str) -> str:
    """What the embedding model reads: the question with its abbreviations spelled out. The full
    glossary expansion is for BM25; the model already knows that stretching is lengthening, and
    each synonym added would cost embedding time and pull the vector off the question."""
    return glossary().spell_out(question)


def retrieve(library: Library, embedder: Embedder, question: str, k: int = 8, *, vector: Future | None = None) -> Retrieval:
    """`vector`: the embedding of `dense_query(question)` being computed by the caller, collected
    after the lexical search (which runs meanwhile)."""
    query = glossary().expand(question)
    lexical = library.lexical(query)
    fused: dict[str, float] = defaultdict(float)
    dense: dict[str, float] = {}
    lex_order = top_k(lexical.scores, k)
    for rank, i in enumerate(lex_order):
        if lexical.scores[i] > 0:
            fused[library.chunks[i].id] += 1.0 / (RRF_K + rank + 1)
    if library.chunks:
        embedded = vector.result() if vector is not None else embedder.embed_query(dense_query(question))
        for rank, (cid, sim) in enumerate(library.index.query(embedded, k)):
            if cid in library.position:
                fused[cid] += 1.0 / (RRF_K + rank + 1)
                dense[cid] = sim

    by_doc: dict[str, list[Hit]] = defaultdict(list)
    for cid, score in sorted(fused.items(), key=lambda kv: -kv[1]):
        chunk = library.chunks[library.position[cid]]
        by_doc[chunk.doc_id].append(
            Hit(chunk, score, dense.get(cid, 0.0), float(lexical.scores[library.position[cid]]))
        )
    ignore = answer_text().question_words
    plain_terms = library.informative(library.tokenize(question), ignore)
    expanded_terms = library.informative(lexical.terms, ignore)
    matches = []
    for doc_id, hits in by_doc.items():
        top = sorted(h.score for h in hits)[::-1]
        score = top[0] + 0.5 * sum(top[1:3])  # several matching passages beat one
        best_dense = max(h.dense for h in hits)
        # expansions help when the text uses the long form, and must not dilute when it doesn't
        coverage = max(library.coverage(plain_terms, doc_id), library.coverage(expanded_terms, doc_id))
        matches.append(
            TechniqueMatch(doc_id, score, 0.5 * best_dense + 0.5 * coverage, best_dense, coverage, tuple(hits))
        )
    # rank by fused rank evidence and absolute evidence together: RRF alone lets one lucky
    # dense neighbour outrank the technique whose text actually covers the question
    top_score = max((m.score for m in matches), default=1.0) or 1.0
    matches.sort(key=lambda m: -(0.4 * m.score / top_score + 0.6 * m.evidence))
    return Retrieval(query, tuple(matches))
