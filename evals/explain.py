"""Why an answer came out as it did, as plain text: the question after normalisation, what
retrieval read, the triage and scope decisions, the top passages with their lexical, dense and
fused scores, the techniques with their evidence against the no-answer threshold, and the
decision with its reason.

The input is `Answer.to_dict()["trace"]`. The trace is the assistant's to shape, so every field
is optional: what is present is shown, what is missing is left out, and no trace at all says so
("no trace recorded") rather than failing. Used by `techniques ask --explain` and the reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

NO_TRACE = "no trace recorded"
MAX_PASSAGES = 10
_PASSAGE_SCORES = ("lexical", "dense", "fused")
_TECHNIQUE_SCORES = ("score", "evidence", "dense", "coverage")


def format_trace(trace: Mapping[str, Any] | None) -> str:
    if not isinstance(trace, Mapping) or not trace:
        return NO_TRACE
    lines: list[str] = []
    for key, label in (("question", "question"), ("query", "query")):
        if trace.get(key) not in (None, ""):
            lines.append(f"{label}: {_one_line(trace[key])}")
    if isinstance(trace.get("triage"), Mapping):
        lines.append("triage: " + _triage(trace["triage"]))
    if isinstance(trace.get("scope"), Mapping):
        lines.append("scope: " + _scope(trace["scope"]))
    passages = trace.get("passages")
    if isinstance(passages, Sequence) and not isinstance(passages, str):
        lines.append(f"passages ({len(passages)}):" if passages else "passages: none retrieved")
        lines += [f"  {n}. {_passage(p)}" for n, p in enumerate(passages[:MAX_PASSAGES], start=1) if isinstance(p, Mapping)]
    threshold = _number(trace.get("threshold"))
    techniques = trace.get("techniques")
    if isinstance(techniques, Sequence) and not isinstance(techniques, str):
        lines.append(f"techniques ({len(techniques)}):" if techniques else "techniques: none")
        lines += [f"  {n}. {_technique(t, threshold)}" for n, t in enumerate(techniques, start=1) if isinstance(t, Mapping)]
    if threshold is not None:
        lines.append(f"no-answer threshold: {threshold:.3f}")
    if trace.get("decision"):
        reason = f" — {_one_line(trace['reason'])}" if trace.get("reason") else ""
        lines.append(f"decision: {_one_line(trace['decision'])}{reason}")
    elif trace.get("reason"):
        lines.append(f"reason: {_one_line(trace['reason'])}")
    known = {"question", "query", "triage", "scope", "passages", "techniques", "threshold", "decision", "reason"}
    lines += [f"{key}: {_one_line(value)}" for key, value in trace.items() if key not in known]
    return "\n".join(lines) if lines else NO_TRACE


def _triage(triage: Mapping[str, Any]) -> str:
    if not triage.get("flagged"):
        return "no red flag"
    signs = ", ".join(repr(str(s)) for s in triage.get("signs") or [])
    return f"RED FLAG {triage.get('category') or '(no category)'}" + (f" (signs: {signs})" if signs else "")


def _scope(scope: Mapping[str, Any]) -> str:
    if not scope.get("declined"):
        return "in scope"
    return f"DECLINED {scope.get('category') or '(no category)'}"


def _passage(p: Mapping[str, Any]) -> str:
    where = p.get("doc_id") or "?"
    if p.get("section"):
        where += f" / {_one_line(p['section'])}"
    scores = _scores(p, _PASSAGE_SCORES)
    chunk = f" [{p['chunk_id']}]" if p.get("chunk_id") else ""
    return f"{where}{chunk}" + (f"  {scores}" if scores else "")


def _technique(t: Mapping[str, Any], threshold: float | None) -> str:
    scores = _scores(t, _TECHNIQUE_SCORES)
    evidence = _number(t.get("evidence"))
    verdict = ""
    if threshold is not None and evidence is not None:
        verdict = "  (above threshold)" if evidence >= threshold else "  (below threshold)"
    return f"{t.get('doc_id') or '?'}" + (f"  {scores}" if scores else "") + verdict


def _scores(item: Mapping[str, Any], names: Sequence[str]) -> str:
    shown = []
    for name in names:
        value = item.get(name)
        number = _number(value)
        if number is not None:
            shown.append(f"{name}={number:.3f}")
        elif value is not None:
            shown.append(f"{name}={_one_line(value)}")
    return " ".join(shown)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())
