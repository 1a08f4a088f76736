"""Why an answer is what it is: the trace an evaluator reads (`techniques ask --explain`, the
eval report). Plain data built from the decisions `Assistant.ask` made; nothing here decides."""

from __future__ import annotations

from typing import Any

from assistant.retrieve import Retrieval
from assistant.types import RedFlag, ScopeDecline

TOP_PASSAGES = 10


def trace(
    question: str,
    *,
    query: str = "",
    red_flag: RedFlag | None = None,
    decline: ScopeDecline | None = None,
    retrieval: Retrieval | None = None,
    threshold: float | None = None,
    decision: str,
    reason: str = "",
    safety: dict[str, Any] | None = None,
    intent: Any = None,
) -> dict[str, Any]:
    passages = []
    techniques = []
    if retrieval is not None:
        hits = sorted((h for m in retrieval.matches for h in m.hits), key=lambda h: -h.score)[:TOP_PASSAGES]
        passages = [
            {"chunk_id": h.chunk.id, "doc_id": h.chunk.doc_id, "section": h.chunk.section_title,
             "lexical": round(h.lexical, 4), "dense": round(h.dense, 4), "fused": round(h.score, 5)}
            for h in hits
        ]
        techniques = [
            {"doc_id": m.doc_id, "score": round(m.score, 5), "evidence": round(m.evidence, 4),
             "dense": round(m.dense, 4), "coverage": round(m.coverage, 4)}
            for m in retrieval.matches[:TOP_PASSAGES]
        ]
    return {
        "question": question,
        "query": query,
        "triage": {"flagged": red_flag is not None, "category": red_flag.category if red_flag else None,
                   "signs": list(red_flag.matched) if red_flag else []},
        "scope": {"declined": decline is not None, "category": decline.category if decline else None},
        "passages": passages,
        "techniques": techniques,
        "threshold": threshold,
        "decision": decision,
        "reason": reason,
        "safety": safety or {"conditions": [], "verdicts": []},
        # what the question asks for (assistant/intent.py) and how that was decided
        "intent": {"name": intent.name, "how": intent.how} if intent is not None else None,
    }
