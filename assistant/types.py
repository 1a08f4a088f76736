"""Typed objects of the answering path. `Answer.to_dict()` is the `--json` contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Disposition(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"


@dataclass(frozen=True)
class RedFlag:
    """A red-flag triage result: a referral, never a diagnosis."""

    category: str  # e.g. "cauda_equina", "fracture", "infection", "cancer", "neuro_deficit"
    disposition: Disposition
    matched: tuple[str, ...]  # the phrases of the question that triggered it
    advice: str  # the referral wording shown first in the answer


@dataclass(frozen=True)
class ScopeDecline:
    """A request outside a technique library's scope (medicines, diagnosis, imaging)."""

    category: str  # "medication" | "diagnosis" | "imaging"
    message: str


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    section: str
    text: str
    score: float


@dataclass(frozen=True)
class CautionItem:
    text: str
    doc_id: str | None  # None for the general cautions


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # the full markdown a user sees
    citations: tuple[Citation, ...]
    cautions: tuple[CautionItem, ...]
    disclaimer: str
    no_answer: bool
    red_flag: RedFlag | None
    timings_ms: dict[str, float] = field(default_factory=dict)
    doc_id: str | None = None  # the technique the card is about, for follow-ups

    def to_dict(self) -> dict:
        data = asdict(self)
        if self.red_flag is not None:
            data["red_flag"] = {
                "category": self.red_flag.category,
                "disposition": str(self.red_flag.disposition),
                "matched": list(self.red_flag.matched),
            }
        data["citations"] = [asdict(c) for c in self.citations]
        data["cautions"] = [asdict(c) for c in self.cautions]
        return data
