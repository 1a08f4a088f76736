"""A red-flag sign found in the conversation: what both triage nets (the rules in triage.py,
the meaning net in meaning.py) report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SignFound:
    """One sign the user gave: which, in their own words, and which net found it."""

    category: str
    sign: str
    label: str
    phrase: str
    net: str  # "rules" | "meaning"
    score: float = 1.0  # the meaning net's cosine similarity; 1.0 for a rule
