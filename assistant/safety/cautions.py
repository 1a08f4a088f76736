"""Which cautions an answer shows: the general cautions (NCCIH, data/answer.yaml), those matching
a condition the question names first."""

from __future__ import annotations

from assistant.rules import answer_text
from assistant.types import CautionItem


def general_cautions(question: str = "") -> list[CautionItem]:
    """The general cautions, those matching a condition named in the question first."""
    rules = answer_text().general_cautions
    hit = [t for t, p in rules if p is not None and p.search(question)]
    return [CautionItem(t, None) for t in hit] + [CautionItem(t, None) for t, _ in rules if t not in hit]
