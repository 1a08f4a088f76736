"""ConText for triage and condition finding: is a found sign negated, over, hypothetical,
someone else's or done on purpose?

The ConText algorithm (Harkema et al., J Biomed Inform 2009) as data: trigger phrases with a
direction and a reach, pseudo-triggers that look like triggers and are not, and terminations
that end a trigger's reach. Negation comes from red_flags.yaml (its cues were tuned on the
triage tests: a cue at most `window_words` words before the sign, or a "fine / normal /
resolved" phrase right after it); the other qualifiers from data/context.yaml. Why not medspacy's
ConText component: see docs/safety.md.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.safety.models import ContextFile, NegationRules
from assistant.safety.text import any_of
from techniques.data import load_data

_LOOKBACK_CHARS = 300  # a cue plus its reach in words always fits in this
_WORD = re.compile(r"\w+")
# the other qualifiers reach across "and": "her father had a stroke and cant walk" is still his
_SENTENCE_BREAK = re.compile(r"[.;:!?\n]|\s-+\s")


@dataclass(frozen=True)
class Trigger:
    qualifier: str
    direction: str  # "forward" | "backward" | "both"
    pattern: re.Pattern[str]
    max_words: int


@dataclass(frozen=True)
class Negation:
    pre_cue: re.Pattern[str]
    post_cue: re.Pattern[str]
    pseudo: re.Pattern[str]
    window_words: int

    @classmethod
    def of(cls, rules: NegationRules, macros: dict[str, str]) -> Negation:
        return cls(
            any_of(rules.pre_cues, macros),
            any_of(rules.post_cues, macros, words=False),
            any_of(rules.pseudo_negations, macros),
            rules.window_words,
        )


@dataclass(frozen=True)
class Qualifiers:
    """The ConText rules: negation, the other qualifiers, and where their reach ends."""

    negation: Negation
    clause_break: re.Pattern[str]
    triggers: tuple[Trigger, ...]
    pseudo: dict[str, re.Pattern[str]]
    termination: re.Pattern[str]


@lru_cache(maxsize=1)
def context_rules() -> ContextFile:
    return load_data("assistant.safety", "context.yaml", ContextFile)


def qualifiers_of(negation: Negation, clause_break: re.Pattern[str], data: ContextFile | None = None) -> Qualifiers:
    data = data or context_rules()
    triggers = tuple(
        Trigger(m.qualifier, m.direction, any_of(m.patterns, {}), m.max_words or data.window_words)
        for m in data.modifiers
        if m.direction != "pseudo"
    )
    pseudo: dict[str, list[str]] = {}
    for m in data.modifiers:
        if m.direction == "pseudo":
            pseudo.setdefault(m.qualifier, []).extend(m.patterns)
    return Qualifiers(
        negation, clause_break, triggers, {q: any_of(p, {}) for q, p in pseudo.items()}, any_of(data.terminations, {})
    )


class Scoped:
    """One text with its clause boundaries found once; `qualifiers(start, end)` for any span."""

    def __init__(self, text: str, rules: Qualifiers, words=None) -> None:
        """`words(start, end)`: the user's own words behind text[start:end], so a reach is counted
        in what the user wrote, not in the lexicon's longer expansions."""
        self.text, self.rules = text, rules
        self._words = words
        breaks = [m.span() for m in rules.clause_break.finditer(text)]
        self._starts = [s for s, _ in breaks]
        self._ends = [e for _, e in breaks]
        sentences = [m.span() for m in _SENTENCE_BREAK.finditer(text)]
        self._sentence_starts = [s for s, _ in sentences]
        self._sentence_ends = [e for _, e in sentences]
        self._blanked: dict[str, str] = {}

    def clause(self, start: int, end: int) -> tuple[int, int]:
        """The negation clause around text[start:end] (red_flags.yaml clause_breaks)."""
        return self._around(self._starts, self._ends, start, end)

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around text[start:end]: the reach of the other qualifiers."""
        return self._around(self._sentence_starts, self._sentence_ends, start, end)

    def _around(self, starts: list[int], ends: list[int], start: int, end: int) -> tuple[int, int]:
        i = bisect.bisect_right(ends, start)
        j = bisect.bisect_left(starts, end)
        return (ends[i - 1] if i else 0), (starts[j] if j < len(starts) else len(self.text))

    def negated(self, start: int, end: int) -> bool:
        n = self.rules.negation
        clause_start, clause_end = self.clause(start, end)
        lookback = max(clause_start, start - _LOOKBACK_CHARS)
        before = n.pseudo.sub(lambda m: " " * len(m.group()), self.text[lookback:start])
        cues = list(n.pre_cue.finditer(before))
        if cues and self._count(lookback + cues[-1].end(), start) <= n.window_words:
            return True
        return n.post_cue.match(self.text, end, max(end, clause_end)) is not None

    def _count(self, start: int, end: int) -> int:
        if self._words is not None:
            return len(_WORD.findall(self._words(start, end)))
        return len(_WORD.findall(self.text, start, end))

    def text_for(self, qualifier: str) -> str:
        """The text with `qualifier`'s pseudo-triggers blanked (same length, same indexes)."""
        if qualifier not in self._blanked:
            pseudo = self.rules.pseudo.get(qualifier)
            self._blanked[qualifier] = pseudo.sub(lambda m: " " * len(m.group()), self.text) if pseudo else self.text
        return self._blanked[qualifier]

    def qualifiers(self, start: int, end: int) -> frozenset[str]:
        """Every qualifier whose trigger reaches the span text[start:end]."""
        found = {"negated"} if self.negated(start, end) else set()
        clause_start, clause_end = self.sentence(start, end)
        for t in self.rules.triggers:
            if t.qualifier in found:
                continue
            text = self.text_for(t.qualifier)
            if t.direction in ("forward", "both") and self._reaches_forward(text, t, clause_start, start):
                found.add(t.qualifier)
            elif t.direction in ("backward", "both") and self._reaches_backward(text, t, end, clause_end):
                found.add(t.qualifier)
        return frozenset(found)

    def _reaches_forward(self, text: str, t: Trigger, clause_start: int, start: int) -> bool:
        lookback = max(clause_start, start - _LOOKBACK_CHARS)
        last = None
        for m in t.pattern.finditer(text, lookback, start):
            last = m
        if last is None:
            return False
        between = text[last.end() : start]
        return self.rules.termination.search(between) is None and len(_WORD.findall(between)) <= t.max_words

    def _reaches_backward(self, text: str, t: Trigger, end: int, clause_end: int) -> bool:
        m = t.pattern.search(text, end, min(clause_end + 1, end + _LOOKBACK_CHARS))  # +1: a trigger may look at the "?"
        if m is None:
            return False
        between = text[end : m.start()]
        return self.rules.termination.search(between) is None and len(_WORD.findall(between)) <= t.max_words
