"""Red-flag triage, run before retrieval on the question and the user's earlier turns.

Two nets, sensitivity first. The rules (data/red_flags.yaml, built from shared/clinical-safety.md)
match each sign's phrasings; the meaning net (meaning.py, when an embedder is given) compares
the conversation's clauses with families of paraphrases of each sign. Both read the text after
the shorthand/lay lexicon (lexicon.py) and drop a sign that ConText (context.py) finds negated,
over, hypothetical, someone else's or intentional. A hit is a referral naming the signs the user
gave, with its category's advice, never a diagnosis: a false alarm costs one referral line, a
miss can cost a missed cauda equina syndrome.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

from assistant.safety.context import Negation, Qualifiers, Scoped, qualifiers_of
from assistant.safety.lexicon import read
from assistant.safety.models import RedFlagFile
from assistant.safety.signs import SignFound
from assistant.safety.text import (  # noqa: F401  (re-exported: the scope check and tests use them)
    MAX_TURN_CHARS,
    Folded,
    any_of,
    compile_words,
    expand,
    fold,
    load_yaml,
    normalise,
)
from assistant.types import Disposition, RedFlag
from techniques.data import load_data, parse_data
from techniques.errors import TechniquesError

MAX_CONVERSATION_CHARS = 60_000  # question first, then earlier turns newest first
_PHRASES_PER_PATTERN = 3  # per turn: enough to show, and repeated text stays cheap
_MAX_MATCHED = 10
_SEVERITY = {Disposition.EMERGENCY: 0, Disposition.URGENT: 1}
FILE = "assistant/safety/data/red_flags.yaml"
# a sign the user reports about now; "historical" drops it unless the sign says a past one counts
_DISCOUNTED = frozenset({"negated", "hypothetical", "other_person", "intentional"})


@dataclass(frozen=True)
class Sign:
    id: str
    label: str
    patterns: tuple[re.Pattern[str], ...]
    requires_any: tuple[str, ...]  # context names; empty means the sign counts on its own
    past_counts: bool = False


@dataclass(frozen=True)
class Category:
    name: str
    label: str
    disposition: Disposition
    advice: str
    source: str
    signs: tuple[Sign, ...]


@dataclass(frozen=True)
class Rules:
    categories: tuple[Category, ...]  # most severe first, ties in file order
    contexts: dict[str, tuple[re.Pattern[str], ...]]
    distractors: tuple[re.Pattern[str], ...]
    qualifiers: Qualifiers

    def sign(self, sign_id: str) -> tuple[Category, Sign] | None:
        return next(((c, s) for c in self.categories for s in c.signs if s.id == sign_id), None)


@dataclass(frozen=True)
class Triage:
    """The most severe category found and every sign of it the user gave (with its contexts)."""

    category: Category
    signs: tuple[SignFound, ...]
    context: tuple[str, ...] = ()  # phrases a sign needed ("lifted a heavy box")

    @property
    def matched(self) -> tuple[str, ...]:
        return _unique([s.phrase for s in self.signs] + list(self.context))[:_MAX_MATCHED]

    def red_flag(self) -> RedFlag:
        return RedFlag(self.category.name, self.category.disposition, self.matched, self.category.advice)


# --- rules -----------------------------------------------------------------------------------


def compile_rules(data: RedFlagFile) -> Rules:
    """The validated file's regexes compiled; a broken pattern or reference is a ValueError."""
    macros = dict(data.macros)
    contexts = {k: compile_words(v, macros) for k, v in data.contexts.items()}
    categories = []
    ids: set[str] = set()
    for c in data.categories:
        signs = []
        for s in c.signs:
            if unknown := [n for n in s.requires_any if n not in contexts]:
                raise ValueError(f"sign {s.id!r} requires unknown contexts {unknown}")
            if s.id in ids:
                raise ValueError(f"sign id {s.id!r} is used twice")
            ids.add(s.id)
            signs.append(Sign(s.id, s.label, compile_words(s.patterns, macros), tuple(s.requires_any), s.past_counts))
        advice = " ".join(c.advice.split())
        categories.append(Category(c.name, c.label, Disposition(c.disposition), advice, c.source, tuple(signs)))
    clause_break = any_of(data.clause_breaks, macros, words=False)
    return Rules(
        categories=tuple(sorted(categories, key=lambda c: _SEVERITY[c.disposition])),
        contexts=contexts,
        distractors=compile_words(data.distractors, macros),
        qualifiers=qualifiers_of(Negation.of(data.negation, macros), clause_break),
    )


def parse_rules(raw: dict[str, Any]) -> Rules:
    """`raw` (the parsed YAML) validated and compiled."""
    return compile_rules(parse_data(raw, RedFlagFile, FILE))


@lru_cache(maxsize=1)
def rules() -> Rules:
    data = load_data("assistant.safety", "red_flags.yaml", RedFlagFile)
    try:
        return compile_rules(data)
    except (ValueError, re.error) as exc:
        raise TechniquesError(f"The rule file {FILE} is not valid: {exc}.", hint="Fix that pattern of the file.") from None


# --- matching --------------------------------------------------------------------------------


class Turn:
    """One user turn, rewritten by the lexicon, distractors blanked, clauses found."""

    def __init__(self, original: str, r: Rules) -> None:
        self.folded = read(original)
        for distractor in r.distractors:
            self.folded.blank(distractor)
        self.text = self.folded.text
        self.scoped = Scoped(self.text, r.qualifiers, self.folded.words)

    def counts(self, start: int, end: int, past_counts: bool) -> bool:
        """Whether the sign at text[start:end] is the user's, now, for real."""
        found = self.scoped.qualifiers(start, end)
        return not (found & _DISCOUNTED or ("historical" in found and not past_counts))

    def phrases(self, pattern: re.Pattern[str], past_counts: bool = False) -> Iterator[str]:
        """The user's phrases matching `pattern` that count (see `counts`)."""
        pos = 0
        while (m := pattern.search(self.text, pos)) is not None:
            if m.end() == m.start() or not self.counts(m.start(), m.end(), past_counts):
                pos = m.start() + 1  # a shorter, affirmed match may start inside this one
                continue
            yield self.folded.words(m.start(), m.end())
            pos = m.end()


def conversation(question: str, history: Sequence[str]) -> list[str]:
    """The turns to read, oldest first, within MAX_CONVERSATION_CHARS (the question first)."""
    kept: list[str] = []
    budget = MAX_CONVERSATION_CHARS
    earlier = (history,) if isinstance(history, str) else tuple(history or ())
    for turn in (question, *reversed(earlier)):
        if isinstance(turn, str) and turn and budget > 0:
            kept.append(turn[: min(MAX_TURN_CHARS, budget)])
            budget -= len(kept[-1])
    return kept[::-1]


def _unique(phrases: Sequence[str]) -> tuple[str, ...]:
    """Phrases in first-seen order, without repeats or phrases inside a longer one."""
    distinct = list(dict.fromkeys(p for p in phrases if p))
    return tuple(p for p in distinct if not any(p != q and p in q for q in distinct))


class Conversation:
    """The turns being triaged; a context is looked up once, when a sign first needs it."""

    def __init__(self, turns: Sequence[str], r: Rules) -> None:
        self.turns = [Turn(t, r) for t in turns]
        self.rules = r
        self._contexts: dict[str, list[str]] = {}
        self.extra_contexts: dict[str, list[str]] = {}  # contexts the meaning net found

    def found(self, patterns: Sequence[re.Pattern[str]], past_counts: bool = False) -> list[str]:
        return [
            phrase
            for turn in self.turns
            for p in patterns
            for phrase in islice(turn.phrases(p, past_counts), _PHRASES_PER_PATTERN)
        ]

    def context(self, name: str) -> list[str]:
        if name not in self._contexts:
            self._contexts[name] = self.found(self.rules.contexts[name]) + self.extra_contexts.get(name, [])
        return self._contexts[name]

    def needed(self, sign: Sign) -> list[str] | None:
        """The context phrases `sign` needs ([] when it needs none), or None when they are missing."""
        if not sign.requires_any:
            return []
        phrases = [p for name in sign.requires_any for p in self.context(name)]
        return phrases or None

    def signs(self, category: Category) -> tuple[list[SignFound], list[str]]:
        """Every sign of `category` the rules find, and the context phrases they needed."""
        hits: list[SignFound] = []
        context: list[str] = []
        for sign in category.signs:
            phrases = self.found(sign.patterns, sign.past_counts)
            if phrases and (needed := self.needed(sign)) is not None:
                hits += [SignFound(category.name, sign.id, sign.label, p, "rules") for p in _unique(phrases)]
                context += needed
        return hits, context


def assess_signs(
    question: str, history: Sequence[str] = (), embedder=None, *, thresholds: dict[str, float] | None = None
) -> Triage | None:
    """The most severe category found in the conversation, with every sign of it found.

    `thresholds` overrides the meaning net's fitted ones (evals/calibrate_triage.py uses it)."""
    r = rules()
    convo = Conversation(conversation(question, history), r)
    by_meaning: dict[str, list[SignFound]] = {}
    if embedder is not None:
        from assistant.safety.meaning import find_by_meaning

        for found in find_by_meaning(convo, r, embedder, thresholds):
            by_meaning.setdefault(found.category, []).append(found)
    for category in r.categories:
        hits, context = convo.signs(category)
        seen = {h.sign for h in hits}
        hits += [f for f in by_meaning.get(category.name, []) if f.sign not in seen]
        if hits:
            return Triage(category, tuple(hits), tuple(_unique(context)))
    return None


def assess(question: str, history: Sequence[str] = (), embedder=None) -> RedFlag | None:
    """The most severe red flag in the question or the earlier user turns, or None.

    `history` holds the earlier user questions, oldest first: a red flag mentioned earlier in
    the conversation still counts. Emergency beats urgent; ties go to the order of the rules.
    With an `embedder` the meaning net runs too. Never raises on odd input and reads at most
    MAX_CONVERSATION_CHARS.
    """
    found = assess_signs(question, history, embedder)
    return found.red_flag() if found else None
