"""The safety review of one technique for one client: the conditions named in the conversation,
the contraindication verdicts against the technique's risk profile (derived at ingest), the
cautions ranked by relevance with why each is shown, and the steps a verdict affects marked.

`assistant/safety/` holds the rules and data; this module turns them into the answer's typed
parts (`Check`, `CautionItem`, flagged `Line`s), so compose.py only places them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.safety.cautions import rank_cautions
from assistant.safety.conditions import Condition, find_conditions
from assistant.safety.contraindications import Verdict, check
from assistant.types import CautionItem, Check, Section
from ingest.risk import stored_profile
from ingest.types import ParsedDocument


@dataclass(frozen=True)
class Review:
    conditions: tuple[Condition, ...]
    verdicts: tuple[Verdict, ...]
    checks: tuple[Check, ...]
    cautions: tuple[CautionItem, ...]  # not yet cited: compose numbers them

    def trace(self) -> dict:
        return {
            "conditions": [{"id": c.id, "phrase": c.phrase} for c in self.conditions],
            "verdicts": [{"verdict": v.verdict, "condition": v.condition.id, "risk": v.risk} for v in self.verdicts],
        }


def review(doc: ParsedDocument, question: str, history: Sequence[str] = ()) -> Review:
    conditions = find_conditions(question, history)
    profile = stored_profile(doc)
    verdicts = check(conditions, profile) if conditions else ()
    checks = _checks(verdicts)
    cautions = tuple(c.item() for c in rank_cautions(doc.cautions, profile, conditions, doc.doc_id))
    return Review(conditions, verdicts, checks, cautions)


def _checks(verdicts: Sequence[Verdict]) -> tuple[Check, ...]:
    """One check per condition and verdict: the risks that share a reason are named together."""
    groups: dict[tuple[str, str, str], list[Verdict]] = {}
    for v in verdicts:
        groups.setdefault((v.condition.id, v.verdict, v.reason), []).append(v)
    out = []
    for same in groups.values():
        first = same[0]
        heading = first.heading if len(same) == 1 else (
            first.heading.removesuffix(first.risk_label) + "; ".join(v.risk_label for v in same))
        out.append(Check(first.verdict, heading, first.reason, first.modify, first.source))
    return tuple(out)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def mark_affected(sections: Sequence[Section], verdicts: Sequence[Verdict]) -> tuple[Section, ...]:
    """The sections with every line that carries a verdict's risk flagged with the verdict."""
    if not verdicts:
        return tuple(sections)
    passages = [(_squash(e.text), v) for v in verdicts for e in v.evidence if e.text.strip()]
    out = []
    for section in sections:
        lines = []
        for line in section.lines:
            text = _squash(line.text)
            hit = next((v for p, v in passages if text and (text in p or p in text)), None)
            lines.append(replace(line, flag=hit.heading) if hit is not None and not line.flag else line)
        out.append(replace(section, lines=tuple(lines)))
    return tuple(out)
