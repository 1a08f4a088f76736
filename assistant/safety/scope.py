"""Scope check: decline what a technique library cannot answer (medicines, diagnosis, imaging).

Rules are data (data/scope.yaml, from shared/clinical-safety.md "Scope"). Only requests are
declined: a question that merely mentions a medicine or a scan ("she takes ibuprofen, can I do
the hip hike?") is a technique question and gets a technique answer with its cautions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.safety.models import ScopeFile
from assistant.safety.text import compile_words, normalise
from assistant.types import ScopeDecline
from techniques.data import load_data, parse_data


@dataclass(frozen=True)
class ScopeRule:
    category: str  # "medication" | "diagnosis" | "imaging"
    message: str
    patterns: tuple[re.Pattern[str], ...]


def compile_scope(data: ScopeFile) -> tuple[ScopeRule, ...]:
    return tuple(
        ScopeRule(c.name, " ".join(c.message.split()), compile_words(c.patterns, dict(data.macros)))
        for c in data.categories
    )


def parse_scope_rules(raw: dict[str, Any]) -> tuple[ScopeRule, ...]:
    return compile_scope(parse_data(raw, ScopeFile, "assistant/safety/data/scope.yaml"))


@lru_cache(maxsize=1)
def scope_rules() -> tuple[ScopeRule, ...]:
    return compile_scope(load_data("assistant.safety", "scope.yaml", ScopeFile))


rules = scope_rules  # every safety module's loader is `rules()`


def check_scope(question: str) -> ScopeDecline | None:
    """A polite decline when `question` asks about medicines, a diagnosis or imaging, else None.

    The first matching category of data/scope.yaml wins. Never raises on odd input.
    """
    text = normalise(question)
    for rule in scope_rules():
        if any(p.search(text) for p in rule.patterns):
            return ScopeDecline(rule.category, rule.message)
    return None
