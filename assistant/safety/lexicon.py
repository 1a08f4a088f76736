"""Shorthand and lay words rewritten before triage and condition finding (data/lexicon.yaml).

"bilat sciatica", "hx of CA, new LBP", "c/o n&t down below" read as the reference's words, so
one rule or one paraphrase covers every way of writing a sign. The rewrite keeps the map back to
the user's text: a sign found in an expansion is shown in the user's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.safety.models import LexiconFile
from assistant.safety.text import Folded, compile_words
from techniques.data import load_data


@dataclass(frozen=True)
class Entry:
    pattern: re.Pattern[str]
    means: str
    upper: bool


@lru_cache(maxsize=1)
def lexicon() -> tuple[Entry, ...]:
    data = load_data("assistant.safety", "lexicon.yaml", LexiconFile)
    return tuple(Entry(re.compile("|".join(p.pattern for p in compile_words(e.patterns, {}))), e.means, e.upper) for e in data.entries)


def rewrite(turn: Folded, entries: tuple[Entry, ...] | None = None) -> Folded:
    """`turn` with every lexicon entry replaced by what it means, still mapped to the user's text."""
    text, origin = turn.text, turn.origin
    for entry in entries if entries is not None else lexicon():
        pieces: list[str] = []
        mapped: list[int] = []
        pos = 0
        for m in entry.pattern.finditer(text):
            if m.end() == m.start():
                continue
            if entry.upper and not turn.original[origin[m.start()] : origin[m.end() - 1] + 1].isupper():
                continue
            pieces.append(text[pos : m.start()])
            mapped += origin[pos : m.start()]
            pieces.append(entry.means)
            # every character of the expansion points into the abbreviation, first to last
            mapped += [origin[m.start()]] * (len(entry.means) - 1) + [origin[m.end() - 1]]
            pos = m.end()
        if pieces:
            text, origin = "".join(pieces) + text[pos:], mapped + origin[pos:]
    return Folded(turn.original, text, origin)


def read(original: str) -> Folded:
    """A user turn folded and rewritten: what both triage nets and condition finding read."""
    return rewrite(Folded.of(original))
