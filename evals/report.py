"""Eval reports: the JSON record (also the baseline format), Markdown for a pull request and
JUnit XML for CI.

All three are built from one `EvalReport`. The JSON keeps each full answer dict so a
reviewer can see what the assistant said without re-running it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.baseline import BaselineDiff
from evals.metrics import LATENCY_METRICS, METRIC_NAMES, CaseResult

# XML 1.0 allows tab, newline, carriage return and these ranges; anything else (NUL, other
# control characters, lone surrogates) makes the file unparseable, so it is dropped.
_XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FOLD_FAILURES = 15  # more failed cases than this go into a collapsed <details> block
# Columns of the per-tag table in Markdown: the whole set would not fit a PR comment.
_TAG_COLUMNS = ("pass_rate", "hit@k", "must_include_rate", "caution_rate", "red_flag_recall", "no_answer_recall")


@dataclass(frozen=True)
class EvalReport:
    """The results of one eval run with the metrics computed from them."""

    results: list[CaseResult]
    metrics: dict[str, float | None]
    by_tag: dict[str, dict[str, float | None]]
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metrics": dict(self.metrics),
            "by_tag": {tag: dict(values) for tag, values in self.by_tag.items()},
            "cases": [
                {
                    "id": r.case.id,
                    "question": r.case.question,
                    "history": list(r.case.history),
                    "intent": r.case.intent,
                    "passed": r.passed,
                    "failures": list(r.failures),
                    "expected": r.case.expectations(),
                    "checks": dict(r.checks),
                    # why the assistant answered as it did; None until the assistant records one
                    "trace": (r.answer or {}).get("trace"),
                    "answer": r.answer,
                    "rank": r.rank,
                    "latency_ms": round(r.latency_ms, 1),
                    "tags": list(r.case.tags),
                    "source": r.case.source,
                }
                for r in self.results
            ],
            "config": dict(self.config),
        }


def format_value(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}" if name in LATENCY_METRICS else f"{value:.3f}"


def metric_label(name: str, config: Mapping[str, Any]) -> str:
    """`hit@k` keeps one name across runs (for `--min` and baselines); show the k used."""
    return f"hit@k (k={config['k']})" if name == "hit@k" and "k" in config else name


def write_json(report: EvalReport, path: Path) -> None:
    # default=str: an answer dict is the assistant's to shape; never lose a report over it.
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str)
    # Only lone surrogates cannot be encoded; backslashreplace writes them as \udXXX, which is
    # itself a JSON string escape, so the file stays valid JSON.
    path.write_text(text + "\n", encoding="utf-8", errors="backslashreplace")


def render_markdown(
    report: EvalReport,
    *,
    diff: BaselineDiff | None = None,
    mins: Mapping[str, float] | None = None,
    violations: Sequence[str] = (),
) -> str:
    mins = mins or {}
    total, failed = len(report.results), report.failed
    verdict = "❌ FAIL" if violations else "✅ PASS"
    lines = [f"## Eval: {total - len(failed)}/{total} cases passed — gate {verdict}", ""]
    lines += ["| metric | value | min |", "|---|---:|---:|"]
    for name in METRIC_NAMES:
        value = report.metrics.get(name)
        minimum = f"{mins[name]:.3f}" if name in mins else ""
        lines.append(f"| {metric_label(name, report.config)} | {format_value(name, value)} | {minimum} |")
    if violations:
        lines += ["", "**Gate failures**", ""] + [f"- {_md(v)}" for v in violations]
    if report.by_tag:
        lines += ["", "### By tag", "", "| tag | cases | " + " | ".join(_TAG_COLUMNS) + " |"]
        lines.append("|---|---:|" + "---:|" * len(_TAG_COLUMNS))
        for tag, values in report.by_tag.items():
            count = sum(1 for r in report.results if tag in r.case.tags)
            cells = " | ".join(format_value(c, values.get(c)) for c in _TAG_COLUMNS)
            lines.append(f"| {_md(tag)} | {count} | {cells} |")
    if failed:
        lines += ["", f"### Failed cases ({len(failed)})", ""]
        folded = len(failed) > _FOLD_FAILURES  # keep a PR comment readable when much fails
        if folded:
            lines += ["<details><summary>Show the failures</summary>", ""]
        for r in failed:
            lines.append(f"- **{_md(r.case.id)}** — {_md(r.case.question)}")
            lines += [f"  - {_md(f)}" for f in r.failures]
        if folded:
            lines += ["", "</details>"]
    if diff is not None:
        lines += ["", "### Against the baseline", ""] + _diff_markdown(diff)
    if report.config:
        settings = ", ".join(f"{k}={_md(str(v))}" for k, v in report.config.items())
        lines += ["", f"<sub>config: {settings}</sub>"]
    return "\n".join(lines) + "\n"


def _diff_markdown(diff: BaselineDiff) -> list[str]:
    lines = []
    groups = (("Regressed", diff.regressed), ("Fixed", diff.fixed), ("New", diff.new), ("Removed", diff.removed))
    for label, ids in groups:
        shown = ", ".join(f"`{_md(i)}`" for i in ids) if ids else "none"
        lines.append(f"- **{label}** ({len(ids)}): {shown}")
    for key, (before, after) in diff.config_changes.items():
        lines.append(f"- config `{_md(key)}` changed: {_md(str(before))} → {_md(str(after))}")
    changed = {m: d for m, d in diff.metric_deltas.items() if d[0] != d[1]}
    if changed:
        lines += ["", "| metric | baseline | now | Δ |", "|---|---:|---:|---:|"]
        for name, (before, after, delta) in changed.items():
            sign = "" if delta is None else ("+" if delta > 0 else "")
            shown = "n/a" if delta is None else f"{sign}{format_value(name, delta)}"
            lines.append(f"| {_md(name)} | {format_value(name, before)} | {format_value(name, after)} | {shown} |")
    else:
        lines.append("- No metric changed.")
    return lines


def _md(text: str) -> str:
    """Make text safe inside a Markdown table or list: answers may carry HTML and pipes."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return " ".join(text.split())


def write_junit(report: EvalReport, path: Path) -> None:
    """One <testsuite> per dataset file, one <testcase> per eval case."""
    root = ET.Element("testsuites", name="evals")
    suites: dict[str, list[CaseResult]] = {}
    for r in report.results:
        suites.setdefault(Path(r.case.source).stem or "evals", []).append(r)
    for stem, results in suites.items():
        suite = ET.SubElement(
            root, "testsuite", name=_xml(stem), tests=str(len(results)),
            failures=str(sum(1 for r in results if not r.passed and r.error is None)),
            errors=str(sum(1 for r in results if r.error is not None)),
            time=f"{sum(r.latency_ms for r in results) / 1000:.3f}",
        )
        for r in results:
            case = ET.SubElement(
                suite, "testcase", classname=_xml(stem), name=_xml(r.case.id), time=f"{r.latency_ms / 1000:.3f}"
            )
            if r.passed:
                continue
            # An exception from the assistant is an <error>; a wrong answer is a <failure>.
            tag = "error" if r.error is not None else "failure"
            kind = "EvalError" if r.error is not None else "EvalFailure"
            failure = ET.SubElement(case, tag, message=_xml(r.failures[0]), type=kind)
            failure.text = _xml("\n".join(r.failures))
            if r.answer is not None:
                ET.SubElement(case, "system-out").text = _xml(
                    f"question: {r.case.question}\n\n{r.answer.get('answer') or ''}"
                )
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _xml(text: str) -> str:
    return _XML_FORBIDDEN.sub("", str(text))
