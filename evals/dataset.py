"""Eval datasets: load Q&A cases from YAML (a list of cases) or JSONL (one case per line).

Both formats share one schema, `EvalCase`. Every problem an evaluator can make in a dataset
file (a syntax error, a missing question, a typo in a field name, a duplicate id) is a
`TechniquesError` with exit code 2 whose message names the file, the case and the field, so
the gate never runs on a half-read dataset.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from techniques.errors import TechniquesError

YAML_SUFFIXES = (".yaml", ".yml")
JSONL_SUFFIXES = (".jsonl",)


@dataclass(frozen=True)
class EvalCase:
    """One question with the deterministic expectations its answer is checked against."""

    id: str
    question: str
    history: list[str] = field(default_factory=list)  # earlier user questions, oldest first
    expected_sources: list[str] = field(default_factory=list)  # doc ids; any one is a hit
    must_include: list[str] = field(default_factory=list)
    must_include_cautions: list[str] = field(default_factory=list)
    must_not_include: list[str] = field(default_factory=list)
    expect_no_answer: bool = False
    expect_red_flag: bool = False
    tags: list[str] = field(default_factory=list)
    must_lead: list[str] = field(default_factory=list)  # phrases the direct answer must hold
    expect_stated: bool | None = None  # whether the documents state the asked fact; None: not pinned
    intent: str = ""  # what kind of question it is ("how_to", "dosage", ...), for reading reports
    source: str = ""  # the dataset file the case came from; set by the loader

    def expectations(self) -> dict[str, Any]:
        """What the case checks, without the fields it leaves at their defaults (for reports)."""
        out: dict[str, Any] = {}
        for name in _EXPECTATION_FIELDS:
            value = getattr(self, name)
            unset = value is None if name == "expect_stated" else not value  # a stated False is an expectation
            if not unset:
                out[name] = list(value) if isinstance(value, list) else value
        return out


# Fields a dataset may set; `source` is the loader's, not the author's.
_STR_FIELDS = ("id", "question")
_LIST_FIELDS = (
    "history", "expected_sources", "must_include", "must_include_cautions",
    "must_not_include", "tags", "must_lead",
)
_BOOL_FIELDS = ("expect_no_answer", "expect_red_flag")
_OPTIONAL_BOOL_FIELDS = ("expect_stated",)
_OPTIONAL_STR_FIELDS = ("intent",)
_EXPECTATION_FIELDS = (
    "expected_sources", "must_include", "must_include_cautions", "must_not_include", "must_lead",
    "expect_no_answer", "expect_red_flag", "expect_stated",
)
ALLOWED_FIELDS = tuple(f.name for f in fields(EvalCase) if f.name != "source")


@dataclass(frozen=True)
class _RawCase:
    """A case as parsed, before validation: where it is, for error messages."""

    data: Any
    index: int  # 1-based position in the file
    line: int | None  # 1-based line where the case starts, when the parser knows it


def load_cases(paths: Sequence[Path]) -> list[EvalCase]:
    """Load and validate every case of every file; ids must be unique across all of them."""
    if not paths:
        raise TechniquesError("No eval dataset given.", hint="Pass at least one .yaml or .jsonl file.", exit_code=2)
    cases: list[EvalCase] = []
    seen: dict[str, str] = {}  # id -> "file, line/case" where it was first defined
    for path in paths:
        path = Path(path)
        raws = _read(path)
        if not raws:
            raise _error(path, None, None, "the dataset is empty: it has no cases")
        for raw in raws:
            case = _validate(path, raw)
            where = f"{path}" + (f" line {raw.line}" if raw.line else f" case #{raw.index}")
            if case.id in seen:
                raise _error(path, raw, "id", f"duplicate id {case.id!r}: also defined in {seen[case.id]}")
            seen[case.id] = where
            cases.append(case)
    return cases


def _read(path: Path) -> list[_RawCase]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TechniquesError(f"{path}: no such eval dataset.", exit_code=2) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TechniquesError(f"{path}: cannot read the eval dataset ({exc}).", exit_code=2) from None
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return _read_yaml(path, text)
    if suffix in JSONL_SUFFIXES:
        return _read_jsonl(path, text)
    raise TechniquesError(
        f"{path}: unknown dataset format {suffix or '(no suffix)'!r}.",
        hint="Use .yaml/.yml (a list of cases) or .jsonl (one case per line).",
        exit_code=2,
    )


def _read_yaml(path: Path, text: str) -> list[_RawCase]:
    try:
        # The composed node tree keeps line numbers (for messages) and shows duplicate keys,
        # which safe_load would silently collapse to the last one.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise TechniquesError(f"{path}: YAML syntax error{at}: {problem}.", exit_code=2) from None
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        raise TechniquesError(
            f"{path}: the top level must be a list of cases, got {type(data).__name__}.",
            hint="Start each case with '- id: ...'.",
            exit_code=2,
        )
    raws = []
    for i, (item, node) in enumerate(zip(data, root.value, strict=True), start=1):
        raw = _RawCase(item, i, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                raise _error(path, raw, dupes[0], "the field is given more than once in this case")
        raws.append(raw)
    return raws


def _read_jsonl(path: Path, text: str) -> list[_RawCase]:
    raws = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TechniquesError(
                f"{path}: JSON syntax error at line {lineno}, column {exc.colno}: {exc.msg}.",
                hint="Each line of a .jsonl dataset is one JSON object.",
                exit_code=2,
            ) from None
        raws.append(_RawCase(item, len(raws) + 1, lineno))
    return raws


def _validate(path: Path, raw: _RawCase) -> EvalCase:
    data = raw.data
    if not isinstance(data, dict):
        raise _error(path, raw, None, f"a case must be a mapping of fields, got {type(data).__name__}")
    unknown = sorted(str(k) for k in data if k not in ALLOWED_FIELDS)
    if unknown:
        raise _error(path, raw, unknown[0], f"unknown field; allowed fields: {', '.join(ALLOWED_FIELDS)}")
    for name in _STR_FIELDS:
        value = data.get(name)
        if value is None:
            raise _error(path, raw, name, "missing (required)")
        if not isinstance(value, str) or not value.strip():
            raise _error(path, raw, name, f"must be a non-empty string, got {_show(value)}")
    for name in _LIST_FIELDS:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise _error(path, raw, name, f"must be a list of non-empty strings, got {_show(value)}")
    for name in _BOOL_FIELDS:
        value = data.get(name, False)
        if not isinstance(value, bool):
            raise _error(path, raw, name, f"must be true or false, got {_show(value)}")
    for name in _OPTIONAL_BOOL_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise _error(path, raw, name, f"must be true, false or left out, got {_show(value)}")
    for name in _OPTIONAL_STR_FIELDS:
        value = data.get(name, "")
        if not isinstance(value, str):
            raise _error(path, raw, name, f"must be a string, got {_show(value)}")
    return EvalCase(
        id=data["id"].strip(),
        question=data["question"],
        **{name: list(data.get(name, [])) for name in _LIST_FIELDS},
        **{name: data.get(name, False) for name in _BOOL_FIELDS},
        expect_stated=data.get("expect_stated"),
        intent=data.get("intent", "").strip(),
        source=str(path),
    )


def _error(path: Path, raw: _RawCase | None, field_name: str | None, problem: str) -> TechniquesError:
    parts = [str(path)]
    if raw is not None:
        case_id = raw.data.get("id") if isinstance(raw.data, dict) else None
        label = f"case {case_id!r}" if isinstance(case_id, str) and case_id.strip() else f"case #{raw.index}"
        parts.append(label + (f" (line {raw.line})" if raw.line else ""))
    if field_name is not None:
        parts.append(f"field {field_name!r}")
    return TechniquesError(f"{': '.join(parts)}: {problem}.", exit_code=2)


def _show(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"
