"""Deterministic scoring: one answer dict against one `EvalCase`, then aggregates.

No LLM judge: every check is a substring test, a set comparison or a rank, so the same
answers always give the same numbers and a failed case says exactly what was wrong.

A metric with nothing to measure (precision when nothing was predicted, hit@1 when no case
lists expected sources) is None, rendered "n/a"; a threshold on it fails with a message.
A case that expects a red flag does not pin `no_answer` (the triage decides whether the
technique is shown after the referral), so it is left out of the no-answer check and metrics.

`must_lead` and `expect_stated` read the answer's `direct` object (the one-line direct answer
and whether the documents state the asked fact). An answer without one fails those checks:
a case that asks for a direct answer did not get one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.dataset import EvalCase

# Rates in [0, 1] that `--min` can gate on, in the order reports show them.
RATE_METRICS = (
    "pass_rate",
    "hit@1",
    "hit@k",
    "mrr",
    "must_include_rate",
    "caution_rate",
    "must_not_include_rate",
    "direct_answer_rate",
    "stated_accuracy",
    "disclaimer_rate",
    "citation_validity",
    "no_answer_precision",
    "no_answer_recall",
    "red_flag_precision",
    "red_flag_recall",
)
LATENCY_METRICS = ("latency_p50_ms", "latency_p95_ms")
METRIC_NAMES = RATE_METRICS + LATENCY_METRICS

_MARKER = re.compile(r"\[(\d+)\]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case. `checks` maps a check name to True/False, or None when the
    case does not ask for that check."""

    case: EvalCase
    answer: dict[str, Any] | None  # None when `ask` raised
    latency_ms: float
    ranked_sources: list[str] = field(default_factory=list)
    rank: int | None = None
    checks: dict[str, bool | None] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures


def ranked_sources(answer: Mapping[str, Any]) -> list[str]:
    """Doc ids in order of their first citation (by `n`), each once."""
    ordered = sorted(answer.get("citations") or [], key=lambda c: c.get("n", math.inf))
    docs: list[str] = []
    for citation in ordered:
        doc = citation.get("doc_id")
        if doc and doc not in docs:
            docs.append(doc)
    return docs


def citation_problems(answer: Mapping[str, Any]) -> list[str]:
    """Markers without a citation entry and entries never marked. Empty means valid."""
    markers = {int(m) for m in _MARKER.findall(answer.get("answer") or "")}
    entries = {c.get("n") for c in answer.get("citations") or []}
    problems = [f"marker [{n}] has no citation entry" for n in sorted(markers - entries)]
    problems += [f"citation [{n}] is never marked in the answer" for n in sorted(entries - markers, key=str)]
    return problems


def normalise(text: str) -> str:
    """Case-, whitespace- and quote-insensitive form for substring checks: the corpus wraps
    lines mid-sentence and uses curly apostrophes; an answer may reflow either."""
    return " ".join(text.translate(_QUOTES).casefold().split())


def score_case(
    case: EvalCase, answer: Mapping[str, Any] | None, *, k: int, latency_ms: float, error: str | None = None
) -> CaseResult:
    """Apply every check the case asks for. An errored case fails every applicable check."""
    if answer is None:
        checks = {name: (False if applies else None) for name, applies in _applicable(case).items()}
        return CaseResult(case, None, latency_ms, checks=checks, failures=[f"error: {error}"], error=error)

    answer = dict(answer)
    docs = ranked_sources(answer)
    rank = next((i for i, doc in enumerate(docs, start=1) if doc in case.expected_sources), None)
    text = normalise(answer.get("answer") or "")
    caution_text = normalise(" \n ".join(c.get("text") or "" for c in answer.get("cautions") or []))
    disclaimer = (answer.get("disclaimer") or "").strip()
    predicted_no_answer = bool(answer.get("no_answer"))
    red_flag = answer.get("red_flag")

    applies = _applicable(case)
    checks: dict[str, bool | None] = dict.fromkeys(applies)
    failures: list[str] = []

    def check(name: str, ok: bool, message: str) -> None:
        checks[name] = ok
        if not ok:
            failures.append(f"{name}: {message}")

    if case.expected_sources:
        seen = f"cited {docs}" if docs else "nothing cited"
        check("source", rank is not None and rank <= k,
              f"expected one of {case.expected_sources} at rank <= {k}, got rank {rank} ({seen})")
    if case.must_include:
        missing = [s for s in case.must_include if normalise(s) not in text]
        check("must_include", not missing, f"missing {_quote(missing)} in the answer")
    if case.must_include_cautions:
        missing = [s for s in case.must_include_cautions if normalise(s) not in caution_text]
        count = len(answer.get("cautions") or [])
        check("cautions", not missing, f"missing {_quote(missing)} among {count} caution(s)")
    if case.must_not_include:
        found = [s for s in case.must_not_include if normalise(s) in text]
        check("must_not_include", not found, f"found {_quote(found)} in the answer")
    direct = answer.get("direct") if isinstance(answer.get("direct"), Mapping) else None
    if case.must_lead:
        if direct is None:
            check("must_lead", False, "the answer has no direct answer to lead with")
        else:
            lead = normalise(_direct_text(direct))
            missing = [s for s in case.must_lead if normalise(s) not in lead]
            check("must_lead", not missing, f"missing {_quote(missing)} in the direct answer")
    if case.expect_stated is not None:
        got = None if direct is None else direct.get("stated")
        want = "stated" if case.expect_stated else "not stated"
        shown = "no direct answer" if direct is None else ("stated" if got else "not stated" if got is False else repr(got))
        check("stated", got is case.expect_stated, f"expected the fact {want}, got {shown}")
    if not disclaimer:
        check("disclaimer", False, "the disclaimer is empty")
    else:
        check("disclaimer", normalise(disclaimer) in text, "the disclaimer is not shown inside the answer")
    problems = citation_problems(answer)
    check("citations", not problems, "; ".join(problems))
    if applies["no_answer"]:
        got = "a no-answer" if predicted_no_answer else (f"an answer citing {docs}" if docs else "an answer")
        want = "a no-answer" if case.expect_no_answer else "an answer"
        check("no_answer", predicted_no_answer == case.expect_no_answer, f"expected {want}, got {got}")
    if case.expect_red_flag:
        check("red_flag", red_flag is not None, "expected a red flag, got none")
    else:
        check("red_flag", red_flag is None, f"unexpected red flag {_describe_flag(red_flag)}")
    return CaseResult(case, answer, latency_ms, docs, rank, checks, failures)


def _direct_text(direct: Mapping[str, Any]) -> str:
    """The direct answer's text: its `text`, else its lines' text joined (a serialised `Direct`)."""
    if direct.get("text"):
        return str(direct["text"])
    return " ".join(str(line.get("text") or "") for line in direct.get("lines") or [] if isinstance(line, Mapping))


def _applicable(case: EvalCase) -> dict[str, bool]:
    return {
        "source": bool(case.expected_sources),
        "must_include": bool(case.must_include),
        "cautions": bool(case.must_include_cautions),
        "must_not_include": bool(case.must_not_include),
        "must_lead": bool(case.must_lead),
        "stated": case.expect_stated is not None,
        "disclaimer": True,
        "citations": True,
        # What a red-flag answer shows besides the referral (the technique or nothing) is
        # the triage's call, so a red-flag case does not pin no_answer either way.
        "no_answer": not case.expect_red_flag,
        "red_flag": True,
    }


def aggregate(results: Sequence[CaseResult]) -> dict[str, float | None]:
    """Every metric of METRIC_NAMES over `results` (use `by_tag` for per-tag numbers)."""
    with_sources = [r for r in results if r.case.expected_sources]
    ranks = [r.rank for r in with_sources]
    no_answer_cases = [r for r in results if not r.case.expect_red_flag]
    latencies = sorted(r.latency_ms for r in results)
    return {
        "pass_rate": _mean(r.passed for r in results),
        "hit@1": _mean(rank == 1 for rank in ranks),
        "hit@k": _mean(r.checks.get("source") for r in with_sources),
        "mrr": _mean(1 / rank if rank else 0.0 for rank in ranks),
        "must_include_rate": _rate(results, "must_include"),
        "caution_rate": _rate(results, "cautions"),
        "must_not_include_rate": _rate(results, "must_not_include"),
        "direct_answer_rate": _rate(results, "must_lead"),
        "stated_accuracy": _rate(results, "stated"),
        "disclaimer_rate": _rate(results, "disclaimer"),
        "citation_validity": _rate(results, "citations"),
        **_precision_recall(
            "no_answer",
            [(r.case.expect_no_answer, _predicted_no_answer(r)) for r in no_answer_cases],
        ),
        **_precision_recall(
            "red_flag",
            [(r.case.expect_red_flag, r.answer is not None and r.answer.get("red_flag") is not None) for r in results],
        ),
        "latency_p50_ms": _percentile(latencies, 50),
        "latency_p95_ms": _percentile(latencies, 95),
    }


def by_tag(results: Sequence[CaseResult]) -> dict[str, dict[str, float | None]]:
    """The same metrics over the cases carrying each tag, tags sorted by name."""
    tags = sorted({tag for r in results for tag in r.case.tags})
    return {tag: aggregate([r for r in results if tag in r.case.tags]) for tag in tags}


def _predicted_no_answer(result: CaseResult) -> bool:
    return result.answer is not None and bool(result.answer.get("no_answer"))


def _precision_recall(prefix: str, pairs: Sequence[tuple[bool, bool]]) -> dict[str, float | None]:
    tp = sum(1 for expected, predicted in pairs if expected and predicted)
    predicted = sum(1 for _, p in pairs if p)
    positives = sum(1 for e, _ in pairs if e)
    return {
        f"{prefix}_precision": tp / predicted if predicted else None,
        f"{prefix}_recall": tp / positives if positives else None,
    }


def _rate(results: Sequence[CaseResult], check: str) -> float | None:
    return _mean(r.checks.get(check) for r in results if r.checks.get(check) is not None)


def _mean(values: Iterable[bool | float | None]) -> float | None:
    items = [float(v) for v in values]
    return sum(items) / len(items) if items else None


def _percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p% of values at or below."""
    if not sorted_values:
        return None
    index = max(math.ceil(p / 100 * len(sorted_values)) - 1, 0)
    return sorted_values[index]


def _quote(items: Sequence[str]) -> str:
    return ", ".join(repr(s) for s in items)


def _describe_flag(flag: Any) -> str:
    if isinstance(flag, Mapping):
        matched = ", ".join(repr(m) for m in flag.get("matched") or [])
        return f"{flag.get('category')}" + (f" (matched {matched})" if matched else "")
    return repr(flag)
