"""The second triage net: the conversation's clauses compared by meaning with each red-flag sign.

Every clause (and every sentence) of every user turn, after the lexicon, is embedded with the
assistant's model (all-MiniLM-L6-v2) and compared with families of paraphrases of each sign
(data/red_flag_paraphrases.yaml). A clause is a sign when it is at least the category's fitted
threshold close to the sign's family and closer to it than to every decoy ("saddle stretch") by
a margin, and ConText does not find it negated, over, hypothetical, someone else's or
intentional. The model does not read negation, so the clause's qualifiers are judged by their
cues (data/context.yaml, red_flags.yaml), the same as for the rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.safety.models import ParaphraseFile
from assistant.safety.signs import SignFound
from assistant.safety.text import any_of
from techniques.data import load_data

MAX_UNITS = 200  # clauses embedded per conversation (newest turn first): bounds hostile input
_MIN_WORDS = 2
_SPLIT = re.compile(r"[,;:.!?\n()]|\s-+\s|\b(?:but|however|although|though|whereas|plus)\b")
_SENTENCE = re.compile(r"[.!?\n]")
_WORD = re.compile(r"\w+")
_DISCOUNTED = frozenset({"negated", "hypothetical", "other_person", "intentional"})


@dataclass(frozen=True)
class Families:
    signs: tuple[str, ...]  # one per paraphrase row
    texts: tuple[str, ...]
    gates: dict[str, re.Pattern[str]]  # family -> what its clause must hold
    decoys: tuple[str, ...]
    thresholds: dict[str, float]
    margin: float
    affirming: re.Pattern[str]


@lru_cache(maxsize=1)
def paraphrase_file() -> ParaphraseFile:
    return load_data("assistant.safety", "red_flag_paraphrases.yaml", ParaphraseFile)


@lru_cache(maxsize=1)
def families() -> Families:
    data = paraphrase_file()
    rows = [(f.sign, p) for f in data.families for p in f.paraphrases]
    return Families(
        tuple(s for s, _ in rows), tuple(p for _, p in rows),
        {f.sign: re.compile(f.must_match) for f in data.families if f.must_match}, tuple(data.decoys),
        dict(data.thresholds), data.margin, any_of(data.affirming, {}),
    )


class _Vectors:
    """The families' and decoys' vectors for one embedder, and a bounded cache of clause vectors."""

    def __init__(self, embedder) -> None:
        f = families()
        self.embedder = embedder
        self.paraphrases = np.asarray(embedder.embed_documents(list(f.texts)), dtype=np.float32)
        self.decoys = np.asarray(embedder.embed_documents(list(f.decoys)), dtype=np.float32)
        self.cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if todo:
            if len(self.cache) > 4096:
                self.cache.clear()
            for t, v in zip(todo, np.asarray(self.embedder.embed_documents(todo), dtype=np.float32)):
                self.cache[t] = v
        return np.vstack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.paraphrases.shape[1]), np.float32)


_VECTORS: dict[int, _Vectors] = {}


def vectors(embedder) -> _Vectors:
    key = id(embedder)
    if key not in _VECTORS or _VECTORS[key].embedder is not embedder:
        _VECTORS[key] = _Vectors(embedder)
    return _VECTORS[key]


@dataclass(frozen=True)
class Unit:
    turn: object  # triage.Turn
    start: int
    end: int
    text: str


def units(turns: Sequence) -> list[Unit]:
    """Clauses and sentences of the turns (newest turn first), at least two words each."""
    out: list[Unit] = []
    for turn in reversed(list(turns)):
        text = turn.text
        for splitter in (_SPLIT, _SENTENCE):
            pos = 0
            for m in [*splitter.finditer(text), None]:
                end = m.start() if m else len(text)
                piece = text[pos:end]
                if len(_WORD.findall(piece)) >= _MIN_WORDS:
                    lead = len(piece) - len(piece.lstrip())
                    out.append(Unit(turn, pos + lead, pos + len(piece.rstrip()), piece.strip()))
                pos = m.end() if m else pos
        if len(out) >= MAX_UNITS:
            break
    unique = {(id(u.turn), u.start, u.end): u for u in out}
    return list(unique.values())[:MAX_UNITS]


def qualifiers(unit: Unit) -> frozenset[str]:
    """ConText for a whole clause: the qualifiers reaching it from its sentence (as for a rule's
    match), and every qualifier whose cue is inside it (the model reads past a "no")."""
    scoped = unit.turn.scoped
    rules = scoped.rules
    found: set[str] = set(scoped.qualifiers(unit.start, unit.end))
    text = families().affirming.sub(lambda m: " " * len(m.group()), scoped.text[unit.start : unit.end])
    text = rules.negation.pseudo.sub(lambda m: " " * len(m.group()), text)
    if rules.negation.pre_cue.search(text) or rules.negation.post_cue.search(text) and re.search(
        r"\b(?:fine|normal|ok|okay|unaffected|intact|negative|resolved|absent|gone|none|nil)\b", text
    ):
        found.add("negated")
    for t in rules.triggers:
        if t.qualifier not in found and t.pattern.search(scoped.text_for(t.qualifier), unit.start, unit.end):
            found.add(t.qualifier)
    return frozenset(found)


def scores(convo, embedder) -> tuple[list[Unit], np.ndarray, np.ndarray, list[str]]:
    """Each unit's best similarity per family and to any decoy (for calibration and finding)."""
    f = families()
    vec = vectors(embedder)
    found_units = units(convo.turns)
    names = list(dict.fromkeys(f.signs))
    if not found_units:
        return [], np.zeros((0, len(names))), np.zeros(0), names
    u = vec.embed([x.text for x in found_units])
    sims = u @ vec.paraphrases.T
    per_family = np.full((len(found_units), len(names)), -1.0, dtype=np.float32)
    index = {n: i for i, n in enumerate(names)}
    for col, sign in enumerate(f.signs):
        i = index[sign]
        per_family[:, i] = np.maximum(per_family[:, i], sims[:, col])
    decoy = (u @ vec.decoys.T).max(axis=1) if len(f.decoys) else np.full(len(found_units), -1.0)
    return found_units, per_family, decoy, names


def candidates(convo, r, embedder) -> list[tuple[str, Unit, float]]:
    """(family, clause, similarity): for every clause its closest sign family whose gate it
    passes (closer to it than to any decoy by the margin) and its closest context family, when
    ConText reads it as the user's own, current report. Thresholds are applied by the caller."""
    f = families()
    found_units, per_family, decoy, names = scores(convo, embedder)
    is_context = np.array([n in r.contexts for n in names])
    out: list[tuple[str, Unit, float]] = []
    for row, unit in enumerate(found_units):
        sims = per_family[row].copy()
        for i, name in enumerate(names):
            gate = f.gates.get(name)
            if gate is not None and not gate.search(unit.text):
                sims[i] = -1.0
        picks = []
        for mask in (~is_context, is_context):
            if mask.any():
                best = int(np.flatnonzero(mask)[np.argmax(sims[mask])])
                if sims[best] - float(decoy[row]) >= f.margin or mask is is_context:
                    picks.append((names[best], float(sims[best])))
        if not picks:
            continue
        q = qualifiers(unit)
        for name, score in picks:
            owner = r.sign(name)
            if q & _DISCOUNTED or ("historical" in q and not (owner and owner[1].past_counts)):
                continue
            out.append((name, unit, score))
    return out


def limit(thresholds: dict[str, float], category: str | None) -> float:
    """The threshold of `category` (None: a context), else the default."""
    return thresholds.get(category or "context", thresholds.get("default", 1.0))


def find_by_meaning(convo, r, embedder, thresholds: dict[str, float] | None = None) -> list:
    """Signs found by meaning (triage.SignFound), after adding the contexts found by meaning."""

    limits = thresholds or families().thresholds
    hits = []
    for name, unit, score in candidates(convo, r, embedder):
        owner = r.sign(name)
        if score >= limit(limits, owner[0].name if owner else None):
            hits.append((name, unit, score))
    for name, unit, _ in hits:
        if name in r.contexts:
            convo.extra_contexts.setdefault(name, []).append(unit.turn.folded.words(unit.start, unit.end))
    out = []
    for name, unit, score in hits:
        owner = r.sign(name)
        if owner is None or convo.needed(owner[1]) is None:
            continue
        category, sign = owner
        out.append(SignFound(category.name, sign.id, sign.label, unit.turn.folded.words(unit.start, unit.end), "meaning", round(score, 3)))
    return out
