"""Red-flag triage, run before retrieval on the question and the user's earlier turns.

Deterministic rules from data/red_flags.yaml (built from shared/clinical-safety.md) decide
whether the conversation mentions a low-back-pain red flag. A hit is a referral whose advice is
shown first in the answer, never a diagnosis. The rules favour sensitivity: a false alarm costs
one referral line, a miss can cost a missed cauda equina syndrome.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from importlib import resources
from typing import Any

import yaml

from assistant.types import Disposition, RedFlag

MAX_TURN_CHARS = 20_000  # of each turn; enough for any real question, bounds hostile input
MAX_CONVERSATION_CHARS = 60_000  # question first, then earlier turns newest first
_NEGATION_LOOKBACK_CHARS = 300  # a cue plus `window_words` words always fits in this
_PHRASES_PER_PATTERN = 3  # per turn: enough to show, and repeated text stays cheap
_MAX_MATCHED = 10
_SEVERITY = {Disposition.EMERGENCY: 0, Disposition.URGENT: 1}
_APOSTROPHES = "'\u2018\u2019\u201b\u02bc\u02bb\u0060\u00b4\u2032"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_MACRO = re.compile(r"\{\{(\w+)\}\}")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Sign:
    id: str
    patterns: tuple[re.Pattern[str], ...]
    requires_any: tuple[str, ...]  # context names; empty means the sign counts on its own


@dataclass(frozen=True)
class Category:
    name: str
    disposition: Disposition
    advice: str
    signs: tuple[Sign, ...]


@dataclass(frozen=True)
class Rules:
    categories: tuple[Category, ...]  # most severe first, ties in file order
    contexts: dict[str, tuple[re.Pattern[str], ...]]
    distractors: tuple[re.Pattern[str], ...]
    clause_break: re.Pattern[str]
    pre_cue: re.Pattern[str]
    post_cue: re.Pattern[str]
    pseudo_negation: re.Pattern[str]
    window_words: int


# --- text ------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    """One character as the rules see it (may be empty or several characters)."""
    if ch in _LINE_BREAKS:
        return "\n"
    if ch in _APOSTROPHES:
        return ""
    if ch in _DASHES:
        return "-"
    category = unicodedata.category(ch)
    if category == "Cf":  # zero-width and format characters can hide inside a word
        return ""
    if category[0] in "CZ":
        return " "
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if unicodedata.category(c)[0] != "M")
    folded = unicodedata.normalize("NFKC", base).casefold()
    return "".join(c for c in folded if c not in _APOSTROPHES)


def fold(text: str) -> tuple[str, list[int]]:
    """`text` normalised for matching, and the index in `text` each character came from.

    NFKC, accents and invisible characters removed, case-folded, apostrophes deleted ("can't"
    becomes "cant"), whitespace runs collapsed; at most MAX_TURN_CHARS of input and output.
    """
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text[:MAX_TURN_CHARS]):
        for c in _fold(ch):
            if c != "\n" and c.isspace():
                if not out or out[-1] in " \n":
                    continue
                c = " "
            out.append(c)
            origin.append(i)
        if len(out) >= MAX_TURN_CHARS:
            break
    return "".join(out), origin


def normalise(text: str) -> str:
    """`text` as the rules match it (see `fold`); shared with the scope check."""
    return fold(text)[0] if isinstance(text, str) else ""


def _display(text: str) -> str:
    """A matched phrase as shown to people: the user's own words, lower-case, one line."""
    kept = "".join(
        "" if unicodedata.category(c) == "Cf" else " " if unicodedata.category(c)[0] == "C" else c
        for c in unicodedata.normalize("NFKC", text)
    )
    return " ".join(kept.casefold().split())


# --- rules -----------------------------------------------------------------------------------


def load_yaml(name: str) -> dict[str, Any]:
    return yaml.safe_load(resources.files("assistant.safety").joinpath(f"data/{name}").read_text("utf-8"))


def expand(pattern: str, macros: dict[str, str]) -> str:
    """`pattern` with its {{macro}} references replaced (macros may use other macros)."""
    for _ in range(5):
        try:
            expanded = _MACRO.sub(lambda m: macros[m.group(1)], pattern)
        except KeyError as e:
            raise ValueError(f"unknown macro {e} in pattern {pattern!r}") from None
        if expanded == pattern:
            return pattern
        pattern = expanded
    raise ValueError(f"macros nest too deeply in {pattern!r}")


def compile_words(patterns: Sequence[str], macros: dict[str, str]) -> tuple[re.Pattern[str], ...]:
    """Each pattern compiled to match whole words only (and never the empty string)."""
    compiled = tuple(re.compile(rf"(?<!\w)(?:{expand(p, macros)})(?!\w)") for p in patterns)
    if empty := [p.pattern for p in compiled if p.fullmatch("")]:
        raise ValueError(f"patterns match empty text: {empty}")
    return compiled


def _any_of(patterns: Sequence[str], macros: dict[str, str], *, words: bool = True) -> re.Pattern[str]:
    body = "|".join(f"(?:{expand(p, macros)})" for p in patterns)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)" if words else body)


def parse_rules(raw: dict[str, Any]) -> Rules:
    macros = {str(k): str(v) for k, v in (raw.get("macros") or {}).items()}
    contexts = {str(k): compile_words(v, macros) for k, v in raw["contexts"].items()}
    categories = []
    for c in raw["categories"]:
        signs = []
        for s in c["signs"]:
            needs = tuple(s.get("requires_any") or ())
            if unknown := [n for n in needs if n not in contexts]:
                raise ValueError(f"sign {s['id']!r} requires unknown contexts {unknown}")
            signs.append(Sign(s["id"], compile_words(s["patterns"], macros), needs))
        advice = " ".join(c["advice"].split())
        categories.append(Category(c["name"], Disposition(c["disposition"]), advice, tuple(signs)))
    negation = raw["negation"]
    return Rules(
        categories=tuple(sorted(categories, key=lambda c: _SEVERITY[c.disposition])),
        contexts=contexts,
        distractors=compile_words(raw["distractors"], macros),
        clause_break=_any_of(raw["clause_breaks"], macros, words=False),
        pre_cue=_any_of(negation["pre_cues"], macros),
        post_cue=_any_of(negation["post_cues"], macros, words=False),
        pseudo_negation=_any_of(negation["pseudo_negations"], macros),
        window_words=int(negation["window_words"]),
    )


@lru_cache(maxsize=1)
def rules() -> Rules:
    return parse_rules(load_yaml("red_flags.yaml"))


# --- matching --------------------------------------------------------------------------------


class _Turn:
    """One user turn, normalised, with distractors blanked and clause boundaries found."""

    def __init__(self, original: str, r: Rules) -> None:
        self.original = original
        text, self.origin = fold(original)
        for distractor in r.distractors:
            text = distractor.sub(lambda m: " " * len(m.group()), text)
        self.text = text
        breaks = [m.span() for m in r.clause_break.finditer(text)]
        self.break_starts = [s for s, _ in breaks]
        self.break_ends = [e for _, e in breaks]
        self.rules = r

    def phrases(self, pattern: re.Pattern[str]) -> Iterator[str]:
        """The user's phrases matching `pattern` that are not negated."""
        pos = 0
        while (m := pattern.search(self.text, pos)) is not None:
            if m.end() == m.start() or self._negated(m.start(), m.end()):
                pos = m.start() + 1  # a shorter, affirmed match may start inside this one
                continue
            yield _display(self.original[self.origin[m.start()] : self.origin[m.end() - 1] + 1])
            pos = m.end()

    def _negated(self, start: int, end: int) -> bool:
        r = self.rules
        i = bisect.bisect_right(self.break_ends, start)
        clause_start = self.break_ends[i - 1] if i else 0
        j = bisect.bisect_left(self.break_starts, end)
        clause_end = self.break_starts[j] if j < len(self.break_starts) else len(self.text)
        lookback = max(clause_start, start - _NEGATION_LOOKBACK_CHARS)
        before = r.pseudo_negation.sub(lambda m: " " * len(m.group()), self.text[lookback:start])
        cues = list(r.pre_cue.finditer(before))
        if cues and len(_WORD.findall(before, cues[-1].end())) <= r.window_words:
            return True
        return r.post_cue.match(self.text, end, max(end, clause_end)) is not None


def _conversation(question: str, history: Sequence[str]) -> list[str]:
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


class _Conversation:
    """The turns being triaged; a context is looked up once, when a sign first needs it."""

    def __init__(self, turns: Sequence[str], r: Rules) -> None:
        self.turns = [_Turn(t, r) for t in turns]
        self.rules = r
        self._contexts: dict[str, list[str]] = {}

    def found(self, patterns: Sequence[re.Pattern[str]]) -> list[str]:
        return [
            phrase for turn in self.turns for p in patterns for phrase in islice(turn.phrases(p), _PHRASES_PER_PATTERN)
        ]

    def context(self, name: str) -> list[str]:
        if name not in self._contexts:
            self._contexts[name] = self.found(self.rules.contexts[name])
        return self._contexts[name]

    def triggers(self, category: Category) -> tuple[str, ...]:
        """Every phrase that triggers `category` (with the contexts its signs needed), or ()."""
        hits: list[str] = []
        for sign in category.signs:
            phrases = self.found(sign.patterns)
            if phrases and sign.requires_any:
                needed = [p for name in sign.requires_any for p in self.context(name)]
                phrases = phrases + needed if needed else []
            hits += phrases
        return _unique(hits)[:_MAX_MATCHED]


def assess(question: str, history: Sequence[str] = ()) -> RedFlag | None:
    """The most severe red flag in the question or the earlier user turns, or None.

    `history` holds the earlier user questions, oldest first: a red flag mentioned earlier in
    the conversation still counts. Emergency beats urgent; ties go to the order of the rules.
    Never raises on odd input and reads at most MAX_CONVERSATION_CHARS.
    """
    r = rules()
    conversation = _Conversation(_conversation(question, history), r)
    for category in r.categories:
        if matched := conversation.triggers(category):
            return RedFlag(category.name, category.disposition, matched, category.advice)
    return None
