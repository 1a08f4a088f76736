"""The direct answer to a specific question: one to three cited sentences of the technique's own
document, or a plain "the document gives no ..." when it does not state what was asked.

Sentences are scored by their cosine similarity to the question plus a bonus when they carry the
intent's evidence (a duration for a hold-time question, a count for repetitions, breath words for
breathing: patterns in assistant/data/intents.yaml). For intents whose evidence is required, only
a sentence that carries it can be the answer, so a hold-time answer never cites a sentence
without a duration. How-to questions get no direct answer: the steps are the answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from assistant.intent import HOWTO, Intent, intents
from assistant.types import Direct, Line
from ingest.embed import Embedder
from ingest.sections import split_sentences
from ingest.types import Chunk, SectionKind

MAX_SENTENCES = 3
_SKIPPED = {SectionKind.RELATED, SectionKind.ALIASES}


class Cite(Protocol):
    def mark(self, chunk: Chunk) -> str: ...


class _SentenceVectors:
    """Sentence vectors memoised by (embedder, text): a technique's sentences are embedded once
    per process, not once per question."""

    def __init__(self, size: int = 20000) -> None:
        self._size = size
        self._cache: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()
        self._owners: dict[int, Embedder] = {}  # keeps an embedder alive so its id is not reused
        self._lock = threading.Lock()

    def __call__(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        key = id(embedder)
        with self._lock:
            self._owners.setdefault(key, embedder)
            missing = [t for t in dict.fromkeys(texts) if (key, t) not in self._cache]
        if missing:
            vectors = np.asarray(embedder.embed_documents(missing), dtype=np.float32)
            with self._lock:
                for text, vector in zip(missing, vectors):
                    self._cache[(key, text)] = vector
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        with self._lock:
            # a text evicted since is simply embedded again next time
            return np.stack([self._cache.get((key, t)) if (key, t) in self._cache else embedder.embed_query(t) for t in texts])


sentence_vectors = _SentenceVectors()


def candidates(chunks: Sequence[Chunk]) -> list[tuple[str, Chunk]]:
    """The technique's sentences that could answer a question, in document order, once each."""
    seen: set[str] = set()
    out: list[tuple[str, Chunk]] = []
    for chunk in chunks:
        if chunk.section_kind in _SKIPPED:
            continue
        for line in chunk.text.split("\n"):
            for sentence in split_sentences(line):
                sentence = sentence.strip()
                # headings and questions do not answer anything
                if len(sentence.split()) < 3 or sentence.endswith("?") or sentence in seen:
                    continue
                seen.add(sentence)
                out.append((sentence, chunk))
    return out


def direct_answer(
    chunks: Sequence[Chunk],
    question: str,
    intent: Intent | str,
    question_vector: np.ndarray | None,
    embedder: Embedder,
    cite: Cite,
) -> Direct | None:
    """The direct answer for a fact question about the technique whose chunks these are; None
    for a how-to question."""
    name = intent.name if isinstance(intent, Intent) else intent
    if name == HOWTO:
        return None
    data = intents()
    spec = data.get(name)
    pool = candidates(chunks)
    has = [spec.evidence_in(s) for s, _ in pool]
    if spec.required:
        pool = [p for p, e in zip(pool, has) if e]
        has = [True] * len(pool)
    if not pool:
        return _not_stated(name, spec.thing)
    q = np.asarray(question_vector if question_vector is not None else embedder.embed_query(question), dtype=np.float32)
    sims = sentence_vectors(embedder, [s for s, _ in pool]) @ q
    scores = sims + data.evidence_weight * np.asarray(has, dtype=np.float32)
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    limit = min(MAX_SENTENCES, max(1, spec.sentences))
    chosen = [int(i) for i in order[:limit] if float(scores[i]) >= best - data.margin]
    lines = tuple(Line(pool[i][0], (int(cite.mark(pool[i][1]).strip("[]")),)) for i in chosen)
    return Direct(name, lines, stated=True)


def _not_stated(name: str, thing: str) -> Direct:
    what = thing or name.replace("_", " ")
    return Direct(name, (Line(f"This technique's document gives no {what}."),), stated=False)
