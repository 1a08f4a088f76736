"""Answers without a technique: a red-flag referral, a scope decline, "not covered". Short and
calm: the referral first (for a red flag, the signs the user gave and what to do), the cautions
that concern a condition named in the question plus the one every answer keeps, and the
disclaimer (rendered by assistant/render.py like every answer); no steps, no citations, and a
trace of why."""

from __future__ import annotations

import time

from assistant.answer import Answer
from assistant.retrieve import Retrieval
from assistant.safety.cautions import general_cautions
from assistant.trace import trace
from assistant.types import RedFlag, Referral, ScopeDecline

REFERRAL_NOTE = "This is a referral, not a diagnosis; no technique steps are given."


def ms(a: float, b: float) -> float:
    return round((b - a) * 1000, 2)


def _answer(q: str, referral: Referral, disclaimer: str, started: float, *, no_answer: bool,
            red_flag: RedFlag | None, retrieve_ms: float = 0.0, why: dict | None = None) -> Answer:
    total = ms(started, time.perf_counter())
    return Answer(
        question=q,
        citations=(),
        cautions=tuple(general_cautions(q)),  # no technique: what the question's conditions call for
        disclaimer=disclaimer,
        no_answer=no_answer,
        red_flag=red_flag,
        referral=referral,
        timings_ms={"retrieve": retrieve_ms, "compose": max(0.0, total - retrieve_ms), "total": total},
        trace=why,
    )


def red_flag(q: str, flag: RedFlag, disclaimer: str, started: float) -> Answer:
    level = "EMERGENCY" if flag.disposition == "emergency" else "URGENT"
    referral = Referral("red_flag", f"⚠️ {level}: refer before any hands-on work", flag.advice, flag.matched,
                        note=REFERRAL_NOTE)
    return _answer(q, referral, disclaimer, started, no_answer=False, red_flag=flag,
                   why=trace(q, red_flag=flag, decision="red_flag", reason=flag.category))


def declined(q: str, decline: ScopeDecline, disclaimer: str, started: float) -> Answer:
    referral = Referral("declined", "Outside the technique library's scope", decline.message)
    return _answer(q, referral, disclaimer, started, no_answer=True, red_flag=None,
                   why=trace(q, decline=decline, decision="declined", reason=decline.category))


def not_covered(q: str, message: str, disclaimer: str, started: float, retrieve_ms: float = 0.0, *,
                retrieval: Retrieval | None = None, threshold: float | None = None, reason: str = "") -> Answer:
    referral = Referral("not_covered", "Not covered", message)
    return _answer(q, referral, disclaimer, started, no_answer=True, red_flag=None, retrieve_ms=retrieve_ms,
                   why=trace(q, query=retrieval.query if retrieval else "", retrieval=retrieval,
                             threshold=threshold, decision="no_answer", reason=reason))
