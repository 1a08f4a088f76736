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


class Variants(DataModel):
    opposites: list[tuple[str, str]]
    swap_cues: list[str]
    filler: list[str]


class Placement(DataModel):
    """Words around a body part that place the body rather than name what is treated: "lie on
    your stomach", "knee on the bench", "on hands and knees", "knees bent"."""

    before: list[str]  # a preposition of place just before it ("on", "against", "towards")
    after: list[str]  # a preposition or posture word just after it ("on", "bent", "at")
    modifiers: list[str]  # a posture word just before it ("soft knees")
    skip: list[str]  # words passed over looking for those ("my", "the", "both")
    source: str


class LexiconFile(DataModel):
    phrases: list[Phrase]
    regions: list[Region]
    kinds: list[Kind]
    placement: Placement
    contrasts: list[tuple[list[str], list[str]]]
    contrasts_source: str
    variants: Variants
    plain_words: list[str]


@dataclass(frozen=True)
class Aspect:
    """Something a question asks about: `label` ("the shoulder", "dry needling") and the words
    any one of which a technique must name to cover it."""

    family: str  # "region" | "kind"
    label: str
    terms: tuple[str, ...]


@lru_cache(maxsize=256)
def _alternation(terms: tuple[str, ...]) -> re.Pattern[str]:
    # a plural names the same thing ("back of my thighs", "lat raises"), and so does the singular
    # people make of a Latin plural ("tricep", "bicep", "adductor")
    forms = {t.lower() for t in terms} | {t.lower()[:-1] for t in terms if len(t) > 4 and t.lower().endswith("s")}
    ordered = sorted(forms, key=len, reverse=True)  # longest phrase first
    return re.compile(r"(?<![\w/])(?:" + "|".join(re.escape(t) for t in ordered) + r")(?:e?s)?(?![\w/])")


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
        v = self.data.variants
        words.update(w for pair in v.opposites for w in pair)
        return frozenset(words)

    @cached_property
    def plain(self) -> frozenset[str]:
        """Words that name no subject (data/lexicon.yaml `plain_words`)."""
        return frozenset(w.lower() for w in self.data.plain_words)

    def meanings(self, text: str) -> tuple[str, ...]:
        """What the lay terms and shorthand of `text` mean, not already in it."""
        lowered = text.lower()
        found = [(m.span(), means) for pattern, means in self._phrases for m in pattern.finditer(lowered)]
        spans = [span for span, _ in found]
        added: list[str] = []
        for (start, end), means in found:
            # a phrase inside a longer one means what the longer one does ("lat" in "lat raises")
            if any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans):
                continue
            added += [m for m in means if m not in added and not re.search(rf"(?<!\w){re.escape(m)}(?!\w)", lowered)]
        return tuple(added)

    def aspects(self, text: str) -> tuple[Aspect, ...]:
        """The body regions and kinds of technique `text` asks about, in the lexicon's order: a
        body part named only to place the body ("lie on your stomach", "knee on the bench") is
        not what it asks about."""
        return self.read(text)[0]

    def placed(self, text: str) -> tuple[Aspect, ...]:
        """The body regions `text` names only to place the body: not asked about, though a
        technique about one of them is still about the question ("lean back to stretch the
        thigh away from the hip socket" is answered by a hip technique)."""
        return self.read(text)[1]

    def read(self, text: str) -> tuple[tuple[Aspect, ...], tuple[Aspect, ...]]:
        """(what `text` asks about, the regions it names only to place the body), in one pass."""
        lowered = text.lower()
        asked: list[Aspect] = []
        placed: list[Aspect] = []
        for pattern, aspect in self._aspects:
            spans = [m.span() for m in pattern.finditer(lowered)]
            if not spans:
                continue
            if aspect.family != "region" or not all(self.places(lowered, span) for span in spans):
                asked.append(aspect)
            else:
                placed.append(aspect)
        return tuple(asked), tuple(placed)

    def places(self, lowered: str, span: tuple[int, int]) -> bool:
        """Whether the body part at `span` of `lowered` places the body (data/lexicon.yaml
        `placement`): a preposition of place or a posture word next to it, past determiners and
        coordinated body parts ("on hands and knees", "hips and knees at 90 degrees")."""
        rule = self.data.placement
        before = _WORDS.findall(lowered[: span[0]])[::-1]
        after = _WORDS.findall(lowered[span[1]:])
        return (_next(before, rule.skip) in {*rule.before, *rule.modifiers} and bool(before)) or (
            _next(after, rule.skip) in set(rule.after))

    def mentions(self, aspect: Aspect, text: str) -> int:
        """How often `text` (lower case) names the aspect."""
        return len(_alternation(aspect.terms).findall(text))


_WORDS = re.compile(r"[a-z0-9']+")


def _next(words: list[str], skip: list[str]) -> str | None:
    """The first word of `words` past skipped words and coordinated ones ("and knees", "hands and")."""
    i = 0
    while i < len(words):
        if words[i] in skip:
            i += 1
        elif words[i] in ("and", "or"):  # "and one hand": past the coordinated word and its determiners
            i += 1
            while i < len(words) and words[i] in skip:
                i += 1
            i += 1
        else:
            return words[i]
    return None


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon(load_data("assistant", "lexicon.yaml", LexiconFile))
