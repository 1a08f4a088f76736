"""The answering path's wording and cues, read from data/answer.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class AnswerText:
    general_cautions: tuple[tuple[str, re.Pattern[str] | None], ...]
    no_answer: str
    followup: re.Pattern[str]
    indication: re.Pattern[str]
    not_conditions: frozenset[str]
    question_words: frozenset[str]
    also_relevant_ratio: float


@lru_cache(maxsize=1)
def answer_text() -> AnswerText:
    raw = yaml.safe_load(resources.files("assistant").joinpath("data/answer.yaml").read_text("utf-8"))
    any_of = lambda ps: re.compile("|".join(f"(?:{p})" for p in ps), re.IGNORECASE) if ps else None  # noqa: E731
    return AnswerText(
        general_cautions=tuple((g["text"], any_of(g["conditions"])) for g in raw["general_cautions"]),
        no_answer=" ".join(raw["no_answer"].split()),
        followup=any_of(raw["followup_cues"]),
        indication=any_of(raw["indication_cues"]),
        not_conditions=frozenset(raw["not_conditions"]),
        question_words=frozenset(raw["question_words"]),
        also_relevant_ratio=float(raw["also_relevant_ratio"]),
    )
