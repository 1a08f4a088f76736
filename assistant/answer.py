"""The `Answer`: typed parts, never one string.

An answer is made of the technique card's sections (each a list of cited lines), the cautions
(each with its citation and why it is shown), the referral (a red flag, a scope decline, or
"not covered"), the direct answer, the disclaimer and the citations. Surfaces never assemble an
answer themselves: `assistant.render` renders the parts, and its envelope (referral, cautions,
disclaimer) is laid out by the one function every renderer goes through. `Answer.to_dict()` is
the `--json` contract: the fields tools relied on before (`answer` is the Markdown rendering)
plus `parts`, `direct` and `trace`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.render import markdown
from assistant.types import CautionItem, Check, Citation, Direct, RedFlag, Referral, Section


@dataclass(frozen=True)
class Answer:
    question: str
    citations: tuple[Citation, ...]
    cautions: tuple[CautionItem, ...]
    disclaimer: str
    no_answer: bool
    red_flag: RedFlag | None
    title: str | None = None  # the technique's title; None for answers without a technique
    tagline: str = ""
    sections: tuple[Section, ...] = ()
    referral: Referral | None = None
    direct: Direct | None = None
    checks: tuple[Check, ...] = ()  # contraindication verdicts for this client, shown before every caution
    rephrased: str | None = None  # the optional LLM's checked rewrite of the body (plain text)
    timings_ms: dict[str, float] = field(default_factory=dict)
    doc_id: str | None = None  # the technique the card is about, for follow-ups
    trace: dict[str, Any] | None = None  # why this answer: see assistant/trace.py

    @property
    def answer(self) -> str:
        """The whole answer as Markdown (what the CLI prints and exports keep)."""
        return markdown(self)

    def to_dict(self) -> dict:
        data: dict[str, Any] = {
            "question": self.question,
            "answer": self.answer,
            "citations": [asdict(c) for c in self.citations],
            "cautions": [asdict(c) for c in self.cautions],
            "disclaimer": self.disclaimer,
            "no_answer": self.no_answer,
            "red_flag": None,
            "timings_ms": dict(self.timings_ms),
            "doc_id": self.doc_id,
        }
        if self.red_flag is not None:
            data["red_flag"] = {
                "category": self.red_flag.category,
                "disposition": str(self.red_flag.disposition),
                "matched": list(self.red_flag.matched),
            }
        data["parts"] = {
            "title": self.title,
            "tagline": self.tagline,
            "referral": asdict(self.referral) if self.referral else None,
            "checks": [asdict(c) for c in self.checks],
            "sections": [_section_dict(s) for s in self.sections],
            "rephrased": self.rephrased,
        }
        data["direct"] = (
            {
                "intent": self.direct.intent,
                "text": self.direct.text,
                "citations": sorted({n for line in self.direct.lines for n in line.cites}),
                "stated": self.direct.stated,
            }
            if self.direct
            else None
        )
        data["trace"] = self.trace
        return data


def _section_dict(section: Section) -> dict:
    return {
        "kind": section.kind,
        "title": section.title,
        "layout": str(section.layout),
        "lines": [asdict(line) for line in section.lines],
    }


