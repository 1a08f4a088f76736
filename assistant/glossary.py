"""Domain glossary: expand abbreviations and synonyms in a question (data/glossary.yaml, read
into a validated model by `techniques.data.load_data`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import Field

from techniques.data import DataModel, load_data


class GlossaryFile(DataModel):
    """data/glossary.yaml: groups of terms meaning the same thing, and which are abbreviations."""

    abbreviations: list[str] = Field(default_factory=list)
    groups: list[list[str]] = Field(min_length=1)


@dataclass(frozen=True)
class Glossary:
    groups: tuple[tuple[str, ...], ...]
    patterns: tuple[re.Pattern[str], ...]
    abbreviations: frozenset[str] = frozenset()

    @lru_cache(maxsize=1024)  # noqa: B019 - one Glossary for the process; a turn is expanded several times
    def expansions(self, text: str) -> tuple[str, ...]:
        """Terms to add to a search for `text`: the other members of every group it mentions."""
        added: list[str] = []
        lowered = text.lower()
        for group, pattern in zip(self.groups, self.patterns):
            if pattern.search(lowered):
                added += [t for t in group if t not in added and not re.search(rf"\b{re.escape(t)}\b", lowered)]
        return tuple(added)

    @property
    def words(self) -> frozenset[str]:
        """Every word of every group: the clinic's vocabulary, known whether or not a document uses it."""
        return frozenset(w for group in self.groups for term in group for w in re.findall(r"[a-z]+", term))

    def expand(self, text: str) -> str:
        extra = self.expansions(text)
        return f"{text} ({'; '.join(extra)})" if extra else text

    def spell_out(self, text: str) -> str:
        """`text` with each abbreviation it uses spelled out once, for the dense retriever: the
        model knows that stretching is lengthening, not that QL is quadratus lumborum, and every
        added token costs embedding time."""
        lowered = text.lower()
        added: list[str] = []
        for group in self.groups:
            short = next((t for t in group if t in self.abbreviations and re.search(rf"\b{re.escape(t)}\b", lowered)), None)
            if short is None:
                continue
            long = next((t for t in group if t not in self.abbreviations), None)
            if long and long not in added and not re.search(rf"\b{re.escape(long)}\b", lowered):
                added.append(long)
        return f"{text} ({'; '.join(added)})" if added else text


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    data = load_data("assistant", "glossary.yaml", GlossaryFile)
    groups = tuple(tuple(t.lower() for t in g) for g in data.groups)
    patterns = tuple(re.compile(r"\b(?:" + "|".join(re.escape(t) for t in g) + r")\b") for g in groups)
    abbreviations = frozenset(t.lower() for t in data.abbreviations)
    return Glossary(groups, patterns, abbreviations)
