"""A technique's risk profile: the loads it puts on the body, found in its own text at ingest.

Each risk of the vocabulary (data/risks.yaml) is looked for block by block; what is kept is the
risk and the passages that show it (section title + block text), so an answer can cite why a
condition matters for this technique and mark the step it affects. The profile is stored in the
parsed document's metadata (`meta["risk_profile"]`), which the index keeps with the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from pydantic import Field

from ingest.types import ParsedDocument, SectionKind
from techniques.data import DataModel, load_data

META_KEY = "risk_profile"
_MAX_EVIDENCE = 3  # passages kept per risk: enough to cite and to mark the steps


class RiskRule(DataModel):
    id: str
    label: str
    patterns: list[str]
    with_any: list[str] = Field(default_factory=list)
    sections: list[SectionKind] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)


class RiskFile(DataModel):
    risks: list[RiskRule]


@dataclass(frozen=True)
class Evidence:
    section: str
    text: str


@dataclass(frozen=True)
class Risk:
    id: str
    label: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class RiskProfile:
    risks: tuple[Risk, ...] = ()

    def ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.risks)

    def get(self, risk_id: str) -> Risk | None:
        return next((r for r in self.risks if r.id == risk_id), None)

    def to_json(self) -> list[dict]:
        return [{"id": r.id, "label": r.label, "evidence": [{"section": e.section, "text": e.text} for e in r.evidence]} for r in self.risks]

    @classmethod
    def from_json(cls, data: object) -> RiskProfile:
        if not isinstance(data, list):
            return cls()
        return cls(tuple(
            Risk(str(r["id"]), str(r["label"]), tuple(Evidence(str(e["section"]), str(e["text"])) for e in r.get("evidence", ())))
            for r in data if isinstance(r, dict) and "id" in r
        ))


@dataclass(frozen=True)
class _Compiled:
    rule: RiskRule
    pattern: re.Pattern[str]
    with_any: re.Pattern[str] | None


def _words(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?!\w)", re.IGNORECASE | re.MULTILINE)


@lru_cache(maxsize=1)
def risk_rules() -> tuple[_Compiled, ...]:
    data = load_data("ingest", "risks.yaml", RiskFile)
    return tuple(_Compiled(r, _words(r.patterns), _words(r.with_any) if r.with_any else None) for r in data.risks)


def profile_of(doc: ParsedDocument) -> RiskProfile:
    """Every risk of the vocabulary that `doc`'s text or catalog type shows, with its passages."""
    found = []
    doc_type = str(doc.meta.get("type", "")).casefold()
    for c in risk_rules():
        evidence: list[Evidence] = []
        for section in doc.sections:
            if c.rule.sections and section.kind not in c.rule.sections:
                continue
            for block in section.blocks:
                if c.pattern.search(block.text) and (c.with_any is None or c.with_any.search(block.text)):
                    evidence.append(Evidence(section.title, block.text))
        if not evidence and doc_type and doc_type in {t.casefold() for t in c.rule.types}:
            evidence.append(Evidence("catalog", f"type: {doc.meta.get('type')}"))
        if evidence:
            found.append(Risk(c.rule.id, c.rule.label, tuple(evidence[:_MAX_EVIDENCE])))
    return RiskProfile(tuple(found))


def with_risk_profile(doc: ParsedDocument) -> ParsedDocument:
    """`doc` with its risk profile in its metadata (a new document; the input is not changed)."""
    return replace(doc, meta={**doc.meta, META_KEY: profile_of(doc).to_json()})


def stored_profile(doc: ParsedDocument) -> RiskProfile:
    """The profile an ingest stored with `doc` (computed now for a document ingested before)."""
    if META_KEY in doc.meta:
        return RiskProfile.from_json(doc.meta[META_KEY])
    return profile_of(doc)
