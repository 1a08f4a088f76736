"""Run eval cases through an `ask` function and gate on the results.

`ask(question, history) -> dict` is the answer contract of `Answer.to_dict()`; the runner
never imports the assistant, so the CLI passes the real one and tests pass a fake.
`main_eval` is the whole gate: load, run, report, compare with a baseline, check thresholds,
and return the exit code (0 pass, 1 a failed case, a threshold or a regression, 2 bad input).
A failed case fails the run unless failures are allowed, or `--min` thresholds are given: then
the thresholds decide (that is how `make eval` tolerates a known miss without hiding a new one).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from evals import report as reports
from evals.baseline import BaselineDiff, diff, load_baseline
from evals.dataset import EvalCase, load_cases
from evals.html import render_html
from evals.metrics import LATENCY_METRICS, METRIC_NAMES, RATE_METRICS, aggregate, by_tag, score_case
from techniques.errors import TechniquesError

Ask = Callable[[str, Sequence[str]], Mapping[str, Any]]
_TOLERANCE = 1e-9  # so that a rate of exactly the threshold never fails on float noise
_DETAILED_FAILURES = 20  # failed cases whose failures the console summary spells out


def run_eval(
    cases: Sequence[EvalCase], ask: Ask, *, k: int = 3, config: Mapping[str, Any], progress: bool = True
) -> reports.EvalReport:
    """Ask every case's question and score the answer. One case's exception fails that case only."""
    if k < 1:
        raise TechniquesError(f"k must be at least 1, got {k}.", exit_code=2)
    results = []
    for case in tqdm(cases, desc="eval", unit="case", file=sys.stderr, disable=not progress):
        started = time.perf_counter()
        answer, error = None, None
        try:
            answer = ask(case.question, list(case.history))
            if not isinstance(answer, Mapping):
                answer, error = None, f"ask returned {type(answer).__name__}, not an answer dict"
        except Exception as exc:  # noqa: BLE001 - the assistant's bug is this case's failure
            error = f"{type(exc).__name__}: {exc}"
        latency_ms = (time.perf_counter() - started) * 1000
        try:
            results.append(score_case(case, answer, k=k, latency_ms=latency_ms, error=error))
        except (AttributeError, TypeError, ValueError) as exc:  # an answer dict off the contract
            error = f"malformed answer dict: {type(exc).__name__}: {exc}"
            results.append(score_case(case, None, k=k, latency_ms=latency_ms, error=error))
    return reports.EvalReport(results, aggregate(results), by_tag(results), {**config, "k": k})


def parse_min(specs: Sequence[str]) -> dict[str, float]:
    """Parse `--min METRIC=VALUE` options; VALUE is a rate in [0, 1] (or a percentage, "90%")."""
    known = ", ".join(RATE_METRICS)
    mins: dict[str, float] = {}
    for spec in specs:
        name, sep, raw = (part.strip() for part in spec.partition("="))
        if not sep or not name or not raw:
            raise TechniquesError(f"--min {spec!r}: expected METRIC=VALUE, e.g. hit@k=0.9.",
                                  hint=f"Metrics: {known}.", exit_code=2)
        if name in LATENCY_METRICS:
            raise TechniquesError(f"--min {spec!r}: {name} is a latency, not a rate; a minimum makes no sense.",
                                  hint=f"Metrics: {known}.", exit_code=2)
        if name not in RATE_METRICS:
            raise TechniquesError(f"--min {spec!r}: unknown metric {name!r}.", hint=f"Metrics: {known}.", exit_code=2)
        try:
            value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
        except ValueError:
            raise TechniquesError(f"--min {spec!r}: {raw!r} is not a number.", exit_code=2) from None
        if not 0 <= value <= 1:
            raise TechniquesError(f"--min {spec!r}: {name} is a rate between 0 and 1, got {raw}.",
                                  hint="Write 0.9 or 90% for ninety percent.", exit_code=2)
        mins[name] = value
    return mins


def check_thresholds(metrics: Mapping[str, float | None], mins: Mapping[str, float]) -> list[str]:
    """One message per threshold that does not hold; empty means the gate passes."""
    violations = []
    for name, minimum in mins.items():
        value = metrics.get(name)
        if value is None:
            violations.append(f"{name} is n/a (no case in this run measures it), so min {minimum:.3f} cannot hold")
        elif value < minimum - _TOLERANCE:
            violations.append(f"{name} = {value:.3f} is below min {minimum:.3f}")
    return violations


def main_eval(
    dataset_paths: Sequence[Path],
    ask: Ask,
    *,
    k: int,
    config: Mapping[str, Any],
    report: Path | None = None,
    markdown: Path | None = None,
    junit: Path | None = None,
    html: Path | None = None,
    baseline: Path | None = None,
    compare: Path | None = None,
    mins: Mapping[str, float] | Sequence[str] | None = None,
    allow_failures: bool = False,
    out: TextIO | None = None,
    fail_on_regression: bool = True,
    progress: bool = True,
) -> int:
    """The eval gate. `mins` is parsed `--min` values or the raw METRIC=VALUE strings.
    `out` defaults to sys.stdout at call time. Returns the process exit code."""
    out = out if out is not None else sys.stdout
    try:
        # Everything the user can get wrong is checked before the (slow) run.
        thresholds = _thresholds(mins)
        cases = load_cases([Path(p) for p in dataset_paths])
        baseline_data = load_baseline(baseline) if baseline is not None else None
        compare_data = load_baseline(compare) if compare is not None else None
        config = {**config, "datasets": [str(p) for p in dataset_paths]}
        result = run_eval(cases, ask, k=k, config=config, progress=progress)
        current = result.to_dict()
        baseline_diff = diff(current, baseline_data) if baseline_data is not None else None
        violations = check_thresholds(result.metrics, thresholds)
        if result.failed and not allow_failures and not thresholds:
            violations.insert(0, f"{len(result.failed)} case(s) failed: " + ", ".join(r.case.id for r in result.failed))
        if baseline_diff and baseline_diff.regressed and fail_on_regression:
            violations.append(f"{len(baseline_diff.regressed)} case(s) regressed against the baseline: "
                              + ", ".join(baseline_diff.regressed))
        _write_reports(result, report=report, markdown=markdown, junit=junit,
                       baseline_diff=baseline_diff, mins=thresholds, violations=violations)
        if html is not None:
            # against another run when asked, else against the baseline
            other, label = (compare_data, f"compared report ({compare})") if compare_data is not None else (baseline_data, "baseline")
            _write(Path(html), lambda p: p.write_text(
                render_html(current, compare=other, compare_label=label, violations=violations),
                encoding="utf-8", errors="backslashreplace"))
    except TechniquesError as exc:
        print(f"error: {exc.message}", file=out)
        if exc.hint:
            print(f"hint: {exc.hint}", file=out)
        return exc.exit_code
    _print_summary(result, baseline_diff, thresholds, violations, out)
    return 1 if violations else 0


def _thresholds(mins: Mapping[str, float] | Sequence[str] | None) -> dict[str, float]:
    if mins is None:
        return {}
    if isinstance(mins, Mapping):
        return parse_min([f"{name}={value}" for name, value in mins.items()])
    return parse_min(list(mins))


def _write_reports(result: reports.EvalReport, *, report: Path | None, markdown: Path | None,
                   junit: Path | None, baseline_diff: BaselineDiff | None, mins: Mapping[str, float],
                   violations: Sequence[str]) -> None:
    writers: list[tuple[Path | None, Callable[[Path], None]]] = [
        (report, lambda p: reports.write_json(result, p)),
        (markdown, lambda p: p.write_text(
            reports.render_markdown(result, diff=baseline_diff, mins=mins, violations=violations),
            encoding="utf-8", errors="backslashreplace")),
        (junit, lambda p: reports.write_junit(result, p)),
    ]
    for path, write in writers:
        if path is not None:
            _write(Path(path), write)


def _write(path: Path, write: Callable[[Path], None]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
    except OSError as exc:
        raise TechniquesError(f"{path}: cannot write the report ({exc.strerror or exc}).", exit_code=2) from None


def _print_summary(result: reports.EvalReport, baseline_diff: BaselineDiff | None,
                   mins: Mapping[str, float], violations: Sequence[str], out: TextIO) -> None:
    total, failed = len(result.results), result.failed
    print(f"eval: {total - len(failed)}/{total} cases passed", file=out)
    width = max(len(reports.metric_label(n, result.config)) for n in METRIC_NAMES)
    for name in METRIC_NAMES:
        value = reports.format_value(name, result.metrics.get(name))
        minimum = f"  (min {mins[name]:.3f})" if name in mins else ""
        print(f"  {reports.metric_label(name, result.config):<{width}}  {value:>7}{minimum}", file=out)
    if failed:
        print(f"failed ({len(failed)}): {', '.join(r.case.id for r in failed)}", file=out)
        for r in failed[:_DETAILED_FAILURES]:
            print(f"  {r.case.id}: {' | '.join(r.failures)}", file=out)
        if len(failed) > _DETAILED_FAILURES:
            print(f"  ... and {len(failed) - _DETAILED_FAILURES} more (every failure is in the reports)", file=out)
    if baseline_diff is not None:
        d = baseline_diff
        print(f"baseline: {len(d.regressed)} regressed, {len(d.fixed)} fixed, "
              f"{len(d.new)} new, {len(d.removed)} removed", file=out)
        for label, ids in (("regressed", d.regressed), ("fixed", d.fixed)):
            if ids:
                print(f"  {label}: {', '.join(ids)}", file=out)
        for name, (before, after, delta) in d.metric_deltas.items():
            if before != after:
                shown = f"{reports.format_value(name, before)} -> {reports.format_value(name, after)}"
                print(f"  {name}: {shown}", file=out)
        for key, (before, after) in d.config_changes.items():
            print(f"  config {key} changed: {before} -> {after}", file=out)
    for name, minimum in mins.items():
        if not check_thresholds(result.metrics, {name: minimum}):
            print(f"ok   {name} >= {minimum:.3f}", file=out)
    for v in violations:
        print(f"FAIL {v}", file=out)
    print("gate: FAIL" if violations else "gate: PASS", file=out)
