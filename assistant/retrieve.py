"""Hybrid, field-aware retrieval: what a message asks (query.py), scored per passage (BM25 and
dense, fused by reciprocal rank) and per document (BM25 on its names and on its whole text),
grouped by technique, with the absolute evidence and the coverage of what was asked that the
no-answer decision needs.

Ranking weighs the fields with fitted weights (data/thresholds.yaml, `evals/calibrate.py`):
title and aliases count more than body text because a therapist who names a technique means
it. RRF ranks well but says nothing about whether anything is relevant at all, so each
technique also carries its best dense cosine and the IDF-weighted share of the question it
covers (`evidence`), and which of the question's body regions and kinds of technique it does
not cover (`missing`).
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from assistant import compounds, doc_dense
from assistant import names as naming
from assistant.coverage import contradicts, covered_anywhere, lacking
from assistant.glossary import glossary
from assistant.lexicon import Aspect, lexicon
from assistant.library import Library
from assistant.query import Query, apply_fixes, asked, asking, foreign, misspelt
from assistant.rules import answer_text
from assistant.weights import Fusion, thresholds
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
    missing: tuple[str, ...] = ()  # labels of the question's aspects this technique does not cover
    # names, whole, passages, dense, card, exact in [0, 1]; then -1 when the question rules the
    # technique's name out ("not on the Smith machine"), else 0, added as it is; then 1 when the
    # technique says the other side of a contrast the question names ("standing" / sitting on a
    # bench), else 0, weighed by `contrast`
    fields: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Retrieval:
    query: str  # the question as BM25 read it: the asking part, corrected, with expansions
    matches: tuple[TechniqueMatch, ...]  # best first
    asked: tuple[Aspect, ...] = ()  # body regions and kinds of technique the question names
    uncovered: tuple[str, ...] = ()  # those of them no technique of the library covers
    corrections: dict[str, str] = field(default_factory=dict)
    foreign: tuple[str, ...] = ()  # words of the question the library has never heard of
    said: str = ""  # the asking part, corrected, with what its lay terms and shorthand mean
    text: str = ""  # the asking part, corrected: the user's own words
    # set by the answering path when it decides "not covered": why, in words for the user
    no_answer_reason: str | None = None

    @property
    def best(self) -> TechniqueMatch | None:
        return self.matches[0] if self.matches else None

    def for_doc(self, doc_id: str) -> TechniqueMatch | None:
        return next((m for m in self.matches if m.doc_id == doc_id), None)

    def reason(self, match: TechniqueMatch | None, title: str = "") -> str | None:
        """Why `match` does not answer, in words (None when nothing it was asked is missing)."""
        if match is None or not match.missing:
            return None
        lacking = [m for m in match.missing if m in self.uncovered]
        if lacking:
            return f"The library has no technique for {_join(lacking)}."
        return f"The closest technique{f', {title},' if title else ''} is not about {_join(list(match.missing))}."


def _join(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


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
    """What the embedding model reads: the asking part of the message with its abbreviations
    spelled out and its lay terms given their meaning. The full glossary expansion is for BM25;
    each synonym added would cost embedding time and pull the vector off the question."""
    text = asked(question)
    return _dense(text, lexicon().meanings(text))


def _dense(text: str, meanings: tuple[str, ...]) -> str:
    spelt = glossary().spell_out(text)
    return f"{spelt} ({'; '.join(meanings)})" if meanings else spelt


def understand(library: Library, question: str) -> Query:
    """The message as retrieval reads it (see query.py)."""
    text = asked(question)
    fixes = misspelt(text, library.known, library.fields.words) if library.chunks else {}
    text = apply_fixes(text, fixes)
    meanings = lexicon().meanings(text)
    spelt = compounds.renderings(library, text)  # "deadlift" beside "Dead Lifts"
    lexical = glossary().expand(text) + "".join(f" ({r})" for r in spelt) + (f" ({'; '.join(meanings)})" if meanings else "")
    unheard = foreign(asking(text), library.known, library.fields.words, glossary().words) if library.chunks else ()
    aspects, placed = lexicon().read(text)
    return Query(text, lexical, _dense(text, meanings), aspects, fixes, unheard, tuple(spelt), placed, meanings)


def retrieve(library: Library, embedder: Embedder, question: str, k: int = 8, *, vector: Future | None = None) -> Retrieval:
    """`vector`: the embedding of `dense_query(question)` being computed by the caller, collected
    after the lexical search (which runs meanwhile); recomputed when a misspelling was fixed."""
    query = understand(library, question)
    weights = thresholds()
    lexical = library.lexical(query.lexical)
    fused: dict[str, float] = defaultdict(float)
    dense: dict[str, float] = {}
    for rank, i in enumerate(top_k(lexical.scores, k)):
        fused[library.chunks[i].id] += 1.0 / (RRF_K + rank + 1)
    if library.chunks:
        if query.corrections or vector is None:
            if vector is not None:
                vector.cancel()
            embedded = embedder.embed_query(query.dense)
        else:
            embedded = vector.result()
        for rank, (cid, sim) in enumerate(library.index.query(embedded, max(2 * k, weights.dense_pool))):
            if cid in library.position:
                if rank < k:
                    fused[cid] += 1.0 / (RRF_K + rank + 1)
                dense[cid] = sim

    by_doc: dict[str, list[Hit]] = defaultdict(list)
    for cid, score in sorted(fused.items(), key=lambda kv: -kv[1]):
        chunk = library.chunks[library.position[cid]]
        by_doc[chunk.doc_id].append(Hit(chunk, score, dense.get(cid, 0.0), float(lexical.scores[library.position[cid]])))
    fields = library.fields
    names = fields.name_scores(lexical.terms) if fields.ids else np.zeros(0)
    whole = fields.whole_scores(lexical.terms) if fields.ids else np.zeros(0)
    card = doc_dense.similarities(library, embedder, embedded) if fields.ids and library.chunks else np.zeros(0)
    candidates = set(by_doc)
    for scores in (names, whole, card):
        candidates.update(fields.ids[i] for i in top_k(scores, weights.candidates))
    for cid, sim in dense.items():  # a candidate's dense neighbours past the fused k still count as evidence
        chunk = library.chunks[library.position[cid]]
        if cid not in fused and chunk.doc_id in candidates:
            by_doc[chunk.doc_id].append(Hit(chunk, 0.0, sim, float(lexical.scores[library.position[cid]])))

    # what the question says in its own words and what its lay terms mean, not the glossary's
    # synonyms ("lumbar" is not "back pain" when it comes to naming a technique)
    meant = query.meanings
    said, ruled_out = naming.said(library, query.text, *query.renderings, *meant), naming.excluded(library, query.text)
    saying = frozenset(library.tokenize(" ".join([query.text, *meant])))
    ignore = answer_text().question_words
    # what the question rules out is not what it asks for
    plain_terms = [t for t in library.informative(library.tokenize(query.text), ignore) if t not in ruled_out]
    expanded_terms = [t for t in library.informative(lexical.terms, ignore) if t not in ruled_out]
    top_names, top_whole = float(names.max(initial=0)) or 1.0, float(whole.max(initial=0)) or 1.0
    raw = []
    for doc_id in candidates:
        hits = by_doc.get(doc_id) or _best_passages(library, lexical.scores, doc_id)
        top = sorted((h.score for h in hits), reverse=True)
        passages = (top[0] + 0.5 * sum(top[1:3])) if top else 0.0  # several matching passages beat one
        best_dense = max((h.dense for h in hits), default=0.0)
        i = fields.position.get(doc_id)
        n = float(names[i]) / top_names if i is not None else 0.0
        w = float(whole[i]) / top_whole if i is not None else 0.0
        # expansions help when the text uses the long form, and must not dilute when it doesn't
        coverage = max(library.coverage(plain_terms, doc_id), library.coverage(expanded_terms, doc_id))
        missing = lacking(library, doc_id, query.aspects, query.placed)
        c = max(0.0, float(card[i])) if i is not None and len(card) else 0.0
        x = naming.precision(library, doc_id, said)
        r = -1.0 if ruled_out & naming.name_words(library, doc_id) else 0.0  # "not on the Smith machine"
        k = contradicts(library, doc_id, saying)
        raw.append((doc_id, passages, n, w, best_dense, c, x, r, k, coverage, missing, tuple(hits)))
    top_passages = max((r[1] for r in raw), default=0.0) or 1.0
    f = weights.fusion
    matches = [
        TechniqueMatch(doc_id, fuse(f, fs), 0.5 * max(d, c) + 0.5 * cov, d, cov, hits, missing, fs)
        for doc_id, p, n, w, d, c, x, r, k, cov, missing, hits in raw
        if (fs := (n, w, p / top_passages, d, c, x, r, k))
    ]
    matches.sort(key=lambda m: (-m.score, m.doc_id))
    uncovered = tuple(a.label for a in query.aspects if not covered_anywhere(library, a))
    return Retrieval(query.lexical, tuple(matches), query.aspects, uncovered, query.corrections, query.foreign,
                     " ".join([query.text, *meant]), query.text)


def fuse(weights: Fusion, fields: tuple[float, ...]) -> float:
    """A technique's ranking score from its fields (names, whole text, passages, dense, card)."""
    n, w, p, d, c, x, ruled_out, contrary = fields
    return (weights.names * n + weights.whole * w + weights.passages * p + weights.dense * d + weights.card * c
            + weights.exact * x + ruled_out - thresholds().contrast * contrary)


def _best_passages(library: Library, scores: np.ndarray, doc_id: str) -> list[Hit]:
    """A technique found only by its document fields: its passage that best matches the
    question's words (its first when none does), so that the answer can cite something."""
    chunks = library.by_doc.get(doc_id) or []
    if not chunks:
        return []
    best = max(chunks, key=lambda c: (float(scores[library.position[c.id]]), -c.order))
    return [Hit(best, 0.0, 0.0, float(scores[library.position[best.id]]))]
