"""The client's conditions named in the conversation (data/conditions.yaml).

Read as triage reads: the lexicon first ("known AAA", "THR", "on anticoags"), then ConText, so
"no history of DVT", "what if she were pregnant" and "her mother had cancer" name no condition
of the client. No condition found is an empty tuple: that is what keeps a "Check first" banner
off questions that name none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.safety.models import ConditionFile
from assistant.safety.text import compile_words
from techniques.data import load_data

_TRIMESTER = re.compile(r"\b(first|1st|second|2nd|third|3rd) trimester\b")
_WEEKS = re.compile(r"\b(\d{1,2}) (?:weeks|wks|week)\b")
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_DISCOUNTED = frozenset({"negated", "hypothetical", "other_person"})


@dataclass(frozen=True)
class Condition:
    """A condition of the client: which, in the user's own words, and any detail ("trimester 2")."""

    id: str
    label: str
    phrase: str
    detail: str = ""
    source: str = ""


@dataclass(frozen=True)
class _Rule:
    id: str
    label: str
    patterns: tuple[re.Pattern[str], ...]
    past_counts: bool
    source: str


@lru_cache(maxsize=1)
def condition_rules() -> tuple[_Rule, ...]:
    data = load_data("assistant.safety", "conditions.yaml", ConditionFile)
    macros = dict(data.macros)
    return tuple(_Rule(c.id, c.label, compile_words(c.patterns, macros), c.past_counts, c.source) for c in data.conditions)


def _trimester(text: str) -> str:
    if m := _TRIMESTER.search(text):
        return f"trimester {_ORDINAL[m.group(1)]}"
    if (m := _WEEKS.search(text)) and 0 < int(m.group(1)) <= 42:
        weeks = int(m.group(1))
        return f"trimester {1 if weeks < 14 else 2 if weeks < 28 else 3} ({weeks} weeks)"
    return ""


def find_conditions(question: str, history: Sequence[str] = ()) -> tuple[Condition, ...]:
    """Each condition of the client named in the conversation once, in the order of the rules."""
    from assistant.safety.triage import Turn, conversation, rules

    r = rules()
    turns = [Turn(t, r) for t in conversation(question, history)]
    found: dict[str, Condition] = {}
    for rule in condition_rules():
        for turn in reversed(turns):  # the newest mention wins (a trimester can change)
            if rule.id in found:
                break
            for pattern in rule.patterns:
                m = next((m for m in pattern.finditer(turn.text) if _counts(turn, m, rule.past_counts)), None)
                if m is not None:
                    detail = _trimester(turn.text) if rule.id == "pregnancy" else ""
                    found[rule.id] = Condition(rule.id, rule.label, turn.folded.words(m.start(), m.end()), detail, rule.source)
                    break
    return tuple(found.values())


def _counts(turn, m: re.Match[str], past_counts: bool) -> bool:
    q = turn.scoped.qualifiers(m.start(), m.end())
    return not (q & _DISCOUNTED or ("historical" in q and not past_counts))
