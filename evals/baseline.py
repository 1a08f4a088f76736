"""Compare an eval run with a stored baseline (a previous JSON report).

The gate's question is "did this change make anything worse?": which cases passed before and
fail now, and how each metric moved. Both sides are report dicts as `EvalReport.to_dict()`
writes them, so a baseline is just a committed JSON report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from techniques.errors import TechniquesError

# Config keys expected to differ on every run; a change there says nothing about the eval.
_VOLATILE_CONFIG = frozenset({"git_commit", "commit", "started_at", "timestamp"})

MetricDelta = tuple[float | None, float | None, float | None]  # (before, after, after - before)


@dataclass(frozen=True)
class BaselineDiff:
    regressed: list[str] = field(default_factory=list)  # passed in the baseline, fail now
    fixed: list[str] = field(default_factory=list)  # failed in the baseline, pass now
    new: list[str] = field(default_factory=list)  # not in the baseline
    removed: list[str] = field(default_factory=list)  # in the baseline, not run now
    metric_deltas: dict[str, MetricDelta] = field(default_factory=dict)
    config_changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def diff(current: dict[str, Any], baseline: dict[str, Any]) -> BaselineDiff:
    now = _outcomes(current)
    before = _outcomes(baseline)
    metrics_now, metrics_before = current.get("metrics") or {}, baseline.get("metrics") or {}
    deltas: dict[str, MetricDelta] = {}
    for name in [*metrics_before, *(m for m in metrics_now if m not in metrics_before)]:
        b, a = _number(metrics_before.get(name)), _number(metrics_now.get(name))
        deltas[name] = (b, a, None if a is None or b is None else a - b)
    config_now, config_before = current.get("config") or {}, baseline.get("config") or {}
    return BaselineDiff(
        regressed=[i for i, ok in now.items() if not ok and before.get(i) is True],
        fixed=[i for i, ok in now.items() if ok and before.get(i) is False],
        new=[i for i in now if i not in before],
        removed=[i for i in before if i not in now],
        metric_deltas=deltas,
        config_changes={
            key: (config_before[key], config_now[key])
            for key in config_before
            if key in config_now and key not in _VOLATILE_CONFIG and config_before[key] != config_now[key]
        },
    )


def load_baseline(path: Path) -> dict[str, Any]:
    """Read a baseline JSON report; anything unreadable is a user error (exit 2)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TechniquesError(
            f"{path}: no such baseline.", hint="Write one with --report and commit it.", exit_code=2
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TechniquesError(f"{path}: cannot read the baseline ({exc}).", exit_code=2) from None
    except json.JSONDecodeError as exc:
        raise TechniquesError(
            f"{path}: the baseline is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            exit_code=2,
        ) from None
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list) or not all(
        isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("passed"), bool) for c in cases
    ):
        raise TechniquesError(
            f"{path}: not an eval report: expected a 'cases' list of {{id, passed, ...}} objects.",
            hint="A baseline is a JSON report written by --report.",
            exit_code=2,
        )
    if not isinstance(data.get("metrics", {}), dict):
        raise TechniquesError(f"{path}: not an eval report: 'metrics' must be an object.", exit_code=2)
    return data


def _outcomes(report: dict[str, Any]) -> dict[str, bool]:
    return {c["id"]: bool(c["passed"]) for c in report.get("cases") or []}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
