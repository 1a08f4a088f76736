"""The contraindication check: the client's conditions against the technique's risk profile.

`check(conditions, profile)` gives one `Verdict` per (condition, risk) row of
data/contraindications.yaml that both sides hold, most serious first, each with its reason, its
source and the technique's passages that carry the risk (so the answer can mark the steps it
affects). `instruction_warning(text)` turns a caution the document writes as an instruction
("if it is pulsing, go more lateral") into the warning it is, with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.safety.conditions import Condition
from assistant.safety.models import ContraFile, ContraRow, InstructionCaution
from assistant.safety.text import normalise
from ingest.risk import Evidence, RiskProfile
from techniques.data import load_data

_SEVERITY = {"do_not_use": 0, "check_first": 1, "modify": 2}
VERDICT_TEXT = {"do_not_use": "Do not use", "check_first": "Check with the client's provider first", "modify": "Modify"}


@dataclass(frozen=True)
class Verdict:
    condition: Condition
    risk: str
    risk_label: str
    verdict: str  # "do_not_use" | "check_first" | "modify"
    reason: str
    modify: str
    source: str  # title, and the address when there is one
    evidence: tuple[Evidence, ...]  # the technique's passages that carry the risk

    @property
    def heading(self) -> str:
        return f"{VERDICT_TEXT[self.verdict]}: {self.condition.label} and {self.risk_label}"


@dataclass(frozen=True)
class InstructionWarning:
    caution: str
    warning: str
    reason: str
    source: str


@lru_cache(maxsize=1)
def table() -> ContraFile:
    data = load_data("assistant.safety", "contraindications.yaml", ContraFile)
    for row in data.rows:
        re.compile(row.when)
    return data


def _source(title: str, url: str) -> str:
    return f"{title} ({url})" if url else title


def check(conditions: Sequence[Condition], profile: RiskProfile) -> tuple[Verdict, ...]:
    """Every row the client's conditions and the technique's risks both hold, most serious first.

    One verdict per (condition, risk); the first row of the file wins a tie. No condition, or a
    technique without the risk, is no verdict."""
    verdicts: dict[tuple[str, str], Verdict] = {}
    for condition in conditions:
        for row in table().rows:
            if row.condition != condition.id or (row.when and not re.search(row.when, condition.detail)):
                continue
            for risk_id in row.risks:
                risk = profile.get(risk_id)
                if risk is None or (condition.id, risk_id) in verdicts:
                    continue
                verdicts[(condition.id, risk_id)] = _verdict(condition, row, risk.id, risk.label, risk.evidence)
    return tuple(sorted(verdicts.values(), key=lambda v: _SEVERITY[v.verdict]))


def _verdict(condition: Condition, row: ContraRow, risk_id: str, label: str, evidence) -> Verdict:
    return Verdict(condition, risk_id, label, row.verdict, row.reason, row.modify, _source(row.source.title, row.source.url), tuple(evidence))


@lru_cache(maxsize=1)
def _instructions() -> tuple[tuple[re.Pattern[str], InstructionCaution], ...]:
    return tuple((re.compile("|".join(f"(?:{p})" for p in c.patterns)), c) for c in table().instruction_cautions)


def instruction_warning(caution_text: str) -> InstructionWarning | None:
    """The warning and its reason behind a caution written as an instruction, or None."""
    text = normalise(caution_text)
    for pattern, rule in _instructions():
        if pattern.search(text):
            return InstructionWarning(caution_text, rule.warning, rule.reason, _source(rule.source.title, rule.source.url))
    return None
