"""The answering path's wording and cues (data/answer.yaml), typed and validated.

`answer_text()` is read once and validated; `assistant.startup.load_rules()` reads it with every
other rule file at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import Field, field_validator

from techniques.data import DataModel, load_data


def _compile(patterns: list[str]) -> None:
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise ValueError(f"{p!r} is not a valid regular expression: {exc}") from None


class AnswerFile(DataModel):
    no_answer: str = Field(min_length=1)
    followup_cues: list[str]
    how_to_cues: list[str]
    indication_cues: list[str]
    question_words: list[str]
    aspect_words: list[str]
    also_relevant_ratio: float = Field(gt=0, le=1)

    @field_validator("followup_cues", "how_to_cues", "indication_cues")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        _compile(value)
        return value


@dataclass(frozen=True)
class AnswerText:
    no_answer: str
    followup: re.Pattern[str]
    how_to: re.Pattern[str]  # a question asking for the whole technique (no "In short" line)
    indication: re.Pattern[str]
    question_words: frozenset[str]
    aspect_words: frozenset[str]  # words that ask about a part of a technique, not a subject
    also_relevant_ratio: float


def _any_of(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


@lru_cache(maxsize=1)
def answer_text() -> AnswerText:
    raw = load_data("assistant", "answer.yaml", AnswerFile)
    never = re.compile(r"(?!)")
    return AnswerText(
        no_answer=" ".join(raw.no_answer.split()),
        followup=_any_of(raw.followup_cues) or never,
        how_to=_any_of(raw.how_to_cues) or never,
        indication=_any_of(raw.indication_cues) or never,
        question_words=frozenset(raw.question_words),
        aspect_words=frozenset(raw.aspect_words),
        also_relevant_ratio=raw.also_relevant_ratio,
    )
