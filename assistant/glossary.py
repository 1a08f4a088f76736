"""Domain glossary: expand abbreviations and synonyms in a question (data/glossary.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Glossary:
    groups: tuple[tuple[str, ...], ...]
    patterns: tuple[re.Pattern[str], ...]

    def expansions(self, text: str) -> list[str]:
        """Terms to add to a search for `text`: the other members of every group it mentions."""
        added: list[str] = []
        lowered = text.lower()
        for group, pattern in zip(self.groups, self.patterns):
            if pattern.search(lowered):
                added += [t for t in group if t not in added and not re.search(rf"\b{re.escape(t)}\b", lowered)]
        return added

    def expand(self, text: str) -> str:
        extra = self.expansions(text)
        return f"{text} ({'; '.join(extra)})" if extra else text


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    raw = yaml.safe_load(resources.files("assistant").joinpath("data/glossary.yaml").read_text("utf-8"))
    groups = tuple(tuple(str(t).lower() for t in g) for g in raw["groups"])
    patterns = tuple(re.compile(r"\b(?:" + "|".join(re.escape(t) for t in g) + r")\b") for g in groups)
    return Glossary(groups, patterns)
