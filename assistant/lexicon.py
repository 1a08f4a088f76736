"""The lexicon (data/lexicon.yaml): lay terms and shorthand, body regions, kinds of technique.

Typed and validated at start-up. `Lexicon.meanings` adds what a phrase means to a search
("hip flexor" -> iliopsoas, "DB" -> dumbbell); `Lexicon.aspects` says what a question asks
about (a body region, a kind of technique) so that the no-answer decision can compare it with
what a technique covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from techniques.data import DataModel, load_data


class Phrase(DataModel):
    terms: list[str]
    means: list[str]
    source: str


class Region(DataModel):
    region: str
    terms: list[str]
    source: str


class Kind(DataModel):
    kind: str
    terms: list[str]
    source: str


class LexiconFile(DataModel):
    phrases: list[Phrase]
    regions: list[Region]
    kinds: list[Kind]


@dataclass(frozen=True)
class Aspect:
    """Something a question asks about: `label` ("the shoulder", "dry needling") and the words
    any one of which a technique must name to cover it."""

    family: str  # "region" | "kind"
    label: str
    terms: tuple[str, ...]


@lru_cache(maxsize=256)
def _alternation(terms: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted({t.lower() for t in terms}, key=len, reverse=True)  # longest phrase first
    return re.compile(r"(?<![\w/])(?:" + "|".join(re.escape(t) for t in ordered) + r")(?![\w/])")


class Lexicon:
    def __init__(self, data: LexiconFile) -> None:
        self.data = data

    @cached_property
    def _phrases(self) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
        return [(_alternation(tuple(p.terms)), tuple(m.lower() for m in p.means)) for p in self.data.phrases]

    @cached_property
    def _aspects(self) -> list[tuple[re.Pattern[str], Aspect]]:
        out = [(_alternation(tuple(r.terms)), Aspect("region", f"the {r.region}", tuple(t.lower() for t in r.terms)))
               for r in self.data.regions]
        out += [(_alternation(tuple(k.terms)), Aspect("kind", k.kind, tuple(t.lower() for t in k.terms))) for k in self.data.kinds]
        return out

    @cached_property
    def terms(self) -> frozenset[str]:
        """Every word the lexicon knows: never "corrected" as a misspelling."""
        words: set[str] = set()
        for p in self.data.phrases:
            for t in [*p.terms, *p.means]:
                words.update(re.findall(r"[a-z]+", t.lower()))
        for group in [*self.data.regions, *self.data.kinds]:
            for t in group.terms:
                words.update(re.findall(r"[a-z]+", t.lower()))
        return frozenset(words)

    def meanings(self, text: str) -> tuple[str, ...]:
        """What the lay terms and shorthand of `text` mean, not already in it."""
        lowered = text.lower()
        added: list[str] = []
        for pattern, means in self._phrases:
            if pattern.search(lowered):
                added += [m for m in means if m not in added and not re.search(rf"(?<!\w){re.escape(m)}(?!\w)", lowered)]
        return tuple(added)

    def aspects(self, text: str) -> tuple[Aspect, ...]:
        """The body regions and kinds of technique `text` names, in the lexicon's order."""
        lowered = text.lower()
        return tuple(aspect for pattern, aspect in self._aspects if pattern.search(lowered))

    def mentions(self, aspect: Aspect, text: str) -> int:
        """How often `text` (lower case) names the aspect."""
        return len(_alternation(aspect.terms).findall(text))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon(load_data("assistant", "lexicon.yaml", LexiconFile))
