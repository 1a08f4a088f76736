"""Which cautions an answer shows, ranked by relevance to this technique and this client.

`rank_cautions(doc_cautions, profile, conditions)` orders: the document's cautions written as
instructions, shown as warnings (contraindications.instruction_warning); the document's
cautions that concern a condition the client has; the document's other cautions; the general
cautions (data/cautions.yaml, NCCIH as quoted in clinical-safety.md) that the client's conditions
or the technique's risks call for; and the one caution every answer keeps. Each says why it is
shown. `general_cautions(question)` is the same for an answer without a technique.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.safety.conditions import Condition, find_conditions
from assistant.safety.contraindications import instruction_warning
from assistant.safety.models import CautionFile
from assistant.types import CautionItem
from ingest.risk import RiskProfile
from techniques.data import load_data

_WORD = re.compile(r"[a-z][a-z-]{3,}")
_COMMON = frozenset({"with", "from", "that", "this", "have", "your", "client", "clients", "recent", "history", "past", "condition"})


@dataclass(frozen=True)
class RankedCaution:
    text: str
    doc_id: str | None  # None for a general caution
    why: str  # why it is shown, for the answer's trace and the reader
    targeted: bool = False  # it concerns a condition of this client
    warning: str = ""  # a caution written as an instruction, as the warning it is
    reason: str = ""  # the warning's reason
    source: str = ""

    def item(self) -> CautionItem:
        """As the answer shows it (compose.py numbers its citation)."""
        warning = f"{self.warning} ({self.reason})" if self.warning and self.reason else self.warning
        return CautionItem(self.text, self.doc_id, why=self.why, targeted=self.targeted, warning=warning)


def general_cautions(question: str = "") -> list[CautionItem]:
    """The general cautions for an answer without a technique: those the conditions named in
    `question` call for, then the one every answer keeps."""
    return [c.item() for c in rank_cautions((), RiskProfile(), find_conditions(question))]


@lru_cache(maxsize=1)
def caution_rules() -> CautionFile:
    return load_data("assistant.safety", "cautions.yaml", CautionFile)


def _mentions(text: str, condition: Condition) -> bool:
    words = set(_WORD.findall(f"{condition.label} {condition.phrase} {condition.id.replace('_', ' ')}".casefold())) - _COMMON
    return bool(words & set(_WORD.findall(text.casefold())))


def rank_cautions(
    doc_cautions: Sequence[object], profile: RiskProfile, conditions: Sequence[Condition], doc_id: str | None = None
) -> list[RankedCaution]:
    """Every caution to show, most relevant first, each with why it is shown.

    `doc_cautions` are the technique's own (ingest `Caution`s or plain strings)."""
    texts = [c if isinstance(c, str) else getattr(c, "text", "") for c in doc_cautions]
    warnings, targeted, rest = [], [], []
    for text in filter(None, texts):
        named = [c for c in conditions if _mentions(text, c)]
        if (w := instruction_warning(text)) is not None:
            warnings.append(RankedCaution(text, doc_id, "the document's instruction, shown as the warning it is",
                                          bool(named), w.warning, w.reason, w.source))
        elif named:
            targeted.append(RankedCaution(text, doc_id, f"concerns {named[0].label}, named in the conversation", True))
        else:
            rest.append(RankedCaution(text, doc_id, "a caution of this technique"))
    general = []
    held = profile.ids()
    have = {c.id: c for c in conditions}
    for g in caution_rules().general:
        client = [have[c] for c in g.conditions if c in have]
        risks = [r for r in g.risks if r in held]
        if client:
            general.append(RankedCaution(g.text, None, f"the client has {client[0].label}", True, source=g.source))
        elif risks:
            label = profile.get(risks[0]).label  # type: ignore[union-attr]
            general.append(RankedCaution(g.text, None, f"this technique involves {label}", source=g.source))
        elif g.always:
            general.append(RankedCaution(g.text, None, "shown with every answer", source=g.source))
    general.sort(key=lambda c: not c.targeted)
    return warnings + targeted + rest + general
