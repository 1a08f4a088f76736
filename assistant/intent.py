"""What a question asks for: how to do a technique, or one specific fact about it.

The intents, their cue phrases, example questions and the evidence a direct answer needs are
data (assistant/data/intents.yaml). A question is classified by its cues first (the longest cue
found wins; a how-to cue only when no fact cue is found), then by the cosine similarity of its
vector to the intents' example questions; when nothing is close enough it is a how-to question.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ingest.embed import Embedder
from techniques.data import DataModel, load_data

HOWTO = "howto"
_TOKEN = re.compile(r"[\w'-]+")


class IntentSpec(DataModel):
    name: str
    cues: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    thing: str = ""
    required: bool = False
    sentences: int = 2
    evidence: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()  # section kinds whose sentences answer this intent best
    min_similarity: float | None = None  # below it a soft intent is "not stated"
    first_weight: float = 0.0  # a bonus for the first sentence of the steps
    novel: bool = False  # evidence must be other than the question's own words

    def evidence_in(self, sentence: str, asked: str = "") -> bool:
        """Whether `sentence` carries this intent's evidence; for an intent whose evidence must be
        `novel`, other than the words of the question `asked` itself ("what do I use to make the
        wedge?" is not answered by a sentence whose only equipment word is "wedge")."""
        known = set(_TOKEN.findall(asked.lower())) if self.novel else set()
        return any(not set(_TOKEN.findall(m.group(0).lower())) <= known
                   for p in _compiled(self.evidence) for m in p.finditer(sentence))


class Slot(DataModel):
    """What a question's wh-word asks for ("where": a place) and what a sentence has that gives it."""

    name: str
    cue: str
    evidence: tuple[str, ...]

    def asked(self, question: str) -> bool:
        return bool(_compiled((self.cue,))[0].search(question))

    def filled(self, sentence: str) -> bool:
        return any(p.search(sentence) for p in _compiled(self.evidence))


class IntentFile(DataModel):
    fallback: str
    min_similarity: float
    evidence_weight: float
    margin: float
    section_weight: float = 0.0
    soft_evidence_weight: float = 0.0
    soft_margin: float = 0.0
    name_weight: float = 0.0
    context_weight: float = 0.0
    overlap_weight: float = 0.0
    soft_min_similarity: float = 0.0
    comparison_aspects: tuple[str, ...] = ()
    common: tuple[str, ...] = ()
    slots: tuple[Slot, ...] = ()
    intents: tuple[IntentSpec, ...]

    def get(self, name: str) -> IntentSpec:
        return next(i for i in self.intents if i.name == name)

    def soft_min(self, spec: IntentSpec) -> float:
        return self.soft_min_similarity if spec.min_similarity is None else spec.min_similarity

    def common_words(self) -> frozenset[str]:
        """Words too common to count as the question's own (six-letter prefixes)."""
        return _common(self.common)


@lru_cache(maxsize=1)
def intents() -> IntentFile:
    data = load_data("assistant", "intents.yaml", IntentFile)
    for spec in data.intents:
        _compiled(spec.evidence)  # a bad pattern fails at load, not on the first question
    for slot in data.slots:
        _compiled((slot.cue, *slot.evidence))
    return data


@lru_cache(maxsize=4)
def _common(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.lower()[:6] for w in words)


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.I) for p in patterns)


@lru_cache(maxsize=256)
def _cue(cue: str) -> re.Pattern:
    """A cue as a pattern: whole words; "…" stands for one to twelve words between its parts
    ("what is … for"), or for the rest of the question at a cue's end ("why … $"); a cue ending in
    "$" ends the question ("what is the shinbox for?")."""
    text = cue.lower().strip()
    end = text.endswith("$")
    parts = [re.escape(p.strip()) for p in text.rstrip("$").split("…")]
    gap = r"(?:\s+[\w'’-]+){1,12}"
    # "why … $": any question that starts so, to its end
    body = (gap + r"\s+").join(parts) if parts[-1] else parts[0] + r"(?:\s+[\w'’-]+){1,40}"
    return re.compile(r"(?<![\w-])" + body + (r"\W*$" if end else r"(?![\w-])"))


@dataclass(frozen=True)
class Intent:
    name: str
    how: str  # "cue: <phrase>", "similar: <example> (0.71)" or "fallback"

    @property
    def fact(self) -> bool:
        return self.name != HOWTO


def by_cue(question: str, exclude: tuple[str, ...] = ()) -> Intent | None:
    """The intent named by the longest cue in the question (a how-to cue only if no other);
    intents in `exclude` are not looked for."""
    text = question.lower()
    best: tuple[int, str, str] | None = None
    for howto_pass in (False, True):
        for spec in intents().intents:
            if (spec.name == HOWTO) != howto_pass or spec.name in exclude:
                continue
            for cue in spec.cues:
                # the cue that covers most of the question: a cue with a gap ("why … ?") covers what
                # is between its parts
                if (m := _cue(cue).search(text)) and (best is None or len(m.group(0).strip()) > best[0]):
                    best = (len(m.group(0).strip()), spec.name, cue)
        if best is not None:
            return Intent(best[1], f"cue: {best[2]}")
    return None


# keyed by the embedder's id, holding the embedder so the id cannot be reused by another
_example_vectors: dict[int, tuple[Embedder, list[tuple[str, str]], np.ndarray]] = {}
_lock = threading.Lock()


def _examples(embedder: Embedder) -> tuple[list[tuple[str, str]], np.ndarray]:
    """(intent, example) pairs and their vectors, computed once per embedder."""
    with _lock:
        cached = _example_vectors.get(id(embedder))
        if cached is None:
            pairs = [(spec.name, ex) for spec in intents().intents for ex in spec.examples]
            cached = (embedder, pairs, np.asarray(embedder.embed_documents([ex for _, ex in pairs]), dtype=np.float32))
            _example_vectors[id(embedder)] = cached
        return cached[1], cached[2]


def by_similarity(question_vector: np.ndarray, embedder: Embedder) -> Intent | None:
    pairs, vectors = _examples(embedder)
    if not pairs:
        return None
    sims = vectors @ np.asarray(question_vector, dtype=np.float32)
    i = int(np.argmax(sims))
    if float(sims[i]) < intents().min_similarity:
        return None
    return Intent(pairs[i][0], f"similar: {pairs[i][1]} ({float(sims[i]):.2f})")


def classify(question: str, question_vector: np.ndarray | None = None, embedder: Embedder | None = None) -> Intent:
    """The question's intent: by cue, else by similarity to the examples, else the fallback."""
    if found := by_cue(question):
        return found
    if question_vector is not None and embedder is not None and (found := by_similarity(question_vector, embedder)):
        return found
    return Intent(intents().fallback, "fallback")
