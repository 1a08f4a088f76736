"""The runner and the gate (`main_eval`) against a fake assistant."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from evals.dataset import load_cases
from evals.metrics import RATE_METRICS
from evals.runner import check_thresholds, main_eval, parse_min, run_eval
from techniques.errors import TechniquesError
from tests.evals.test_metrics import make_answer

Reply = dict[str, Any] | Exception | Callable[[Sequence[str]], dict[str, Any]]


class FakeAssistant:
    """`ask` with canned replies by question; records every call. A reply that is an
    exception is raised; an unknown question gets a no-answer."""

    def __init__(self, replies: Mapping[str, Reply]) -> None:
        self.replies = dict(replies)
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, question: str, history: Sequence[str]) -> dict[str, Any]:
        self.calls.append((question, list(history)))
        reply = self.replies.get(question, make_answer([], no_answer=True))
        if isinstance(reply, Exception):
            raise reply
        return reply(history) if callable(reply) else reply


DATASET = """\
- id: ql-steps
  question: How do I stretch the QL?
  expected_sources: [ql-hip-hike]
  must_include: [resistance]
  tags: [steps]
- id: ql-followup
  history: ["How do I stretch the QL?"]
  question: What about breathing?
  expected_sources: [ql-hip-hike]
  must_include: [inhale]
  tags: [followup]
- id: tmj
  question: How do I release the TMJ?
  expect_no_answer: true
  tags: [no_answer]
"""


def good_replies() -> dict[str, Reply]:
    return {
        "How do I stretch the QL?": make_answer(["ql-hip-hike"]),
        "What about breathing?": make_answer(["ql-hip-hike"], text="Stretch as the client slowly inhales."),
    }


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "core.yaml"
    path.write_text(DATASET, encoding="utf-8")
    return path


def gate(paths: Sequence[Path], ask, **kwargs: Any) -> tuple[int, str]:
    out = io.StringIO()
    kwargs.setdefault("k", 3)
    kwargs.setdefault("config", {"store": "fake", "model": "fake"})
    code = main_eval(paths, ask, out=out, progress=False, **kwargs)
    return code, out.getvalue()


def test_all_pass_exit_0_and_history_is_passed(dataset):
    ask = FakeAssistant(good_replies())
    code, out = gate([dataset], ask, mins=["pass_rate=1"])
    assert code == 0, out
    assert "eval: 3/3 cases passed" in out and "gate: PASS" in out and "ok   pass_rate >= 1.000" in out
    assert ask.calls[1] == ("What about breathing?", ["How do I stretch the QL?"])


def test_an_exception_fails_one_case_and_the_rest_still_run(dataset):
    replies = good_replies() | {"How do I stretch the QL?": RuntimeError("vector store offline")}
    ask = FakeAssistant(replies)
    report = run_eval(load_cases([dataset]), ask, k=3, config={}, progress=False)
    assert len(ask.calls) == 3
    by_id = {r.case.id: r for r in report.results}
    assert not by_id["ql-steps"].passed
    assert by_id["ql-steps"].failures == ["error: RuntimeError: vector store offline"]
    assert by_id["ql-followup"].passed and by_id["tmj"].passed
    assert report.metrics["pass_rate"] == pytest.approx(2 / 3)


def test_an_answer_off_the_contract_fails_that_case(dataset):
    replies = good_replies() | {"What about breathing?": {"answer": "x", "citations": ["not a dict"]}}
    report = run_eval(
        load_cases([dataset]), FakeAssistant(replies), config={}, progress=False
    )
    failed = [r for r in report.results if not r.passed]
    assert [r.case.id for r in failed] == ["ql-followup"] and "malformed answer dict" in failed[0].failures[0]


def test_progress_bar_goes_to_stderr(dataset, capsys):
    run_eval(load_cases([dataset]), FakeAssistant(good_replies()), config={})
    captured = capsys.readouterr()
    assert "eval" in captured.err and captured.out == ""


def test_config_records_k_and_datasets(dataset, tmp_path):
    code, _ = gate([dataset], FakeAssistant(good_replies()), k=5, report=tmp_path / "r.json")
    config = json.loads((tmp_path / "r.json").read_text())["config"]
    assert code == 0 and config["k"] == 5 and config["store"] == "fake" and config["datasets"] == [str(dataset)]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad.yaml", "- id: a\n  tags: [x]\n", ["bad.yaml", "case 'a'", "'question'"]),
        ("bad.yaml", "- id: a\n  question: q\n- id: a\n  question: r\n", ["duplicate id 'a'", "line 1", "line 3"]),
        ("bad.yaml", "- id: a\n  question: q\n  colour: red\n",
         ["case 'a'", "'colour'", "allowed fields", "must_include"]),
        ("bad.yaml", "- id: a\n  question: q\n  tags: steps\n", ["case 'a'", "'tags'", "list of non-empty strings"]),
        ("bad.yaml", "- id: a\n  question: [q\n", ["bad.yaml", "YAML syntax error at line"]),
        ("bad.jsonl", '{"id": "a", "question": "q"}\n{"id": "b",\n', ["bad.jsonl", "line 2"]),
    ],
)
def test_malformed_dataset_exits_2_naming_file_case_field(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ask = FakeAssistant({})
    code, out = gate([path], ask)
    assert code == 2
    assert out.startswith("error: ")
    for fragment in expected:
        assert fragment in out, (fragment, out)
    assert ask.calls == []  # nothing runs on a bad dataset


def test_broken_min_exits_1_and_names_the_metric(dataset):
    replies = good_replies() | {"What about breathing?": make_answer(["psoas-stretch", "ql-hip-hike"])}
    code, out = gate([dataset], FakeAssistant(replies), mins=["hit@1=0.9", "citation_validity=1.0"])
    # ranks 1, 2 over the two cases with sources: hit@1 = 1/2 = 0.5 < 0.9
    assert code == 1
    assert "FAIL hit@1 = 0.500 is below min 0.900" in out and "ok   citation_validity >= 1.000" in out
    assert "gate: FAIL" in out and "failed (1): ql-followup" in out


def test_thresholds_accept_a_parsed_mapping(dataset):
    assert gate([dataset], FakeAssistant(good_replies()), mins={"hit@k": 0.5})[0] == 0


def test_a_failed_case_fails_the_run_unless_failures_are_allowed_or_thresholds_hold(dataset):
    code, out = gate([dataset], FakeAssistant({}))
    assert code == 1 and "failed (2): ql-steps, ql-followup" in out
    assert "FAIL 2 case(s) failed: ql-steps, ql-followup" in out and "gate: FAIL" in out
    code, out = gate([dataset], FakeAssistant({}), allow_failures=True)
    assert code == 0 and "failed (2): ql-steps, ql-followup" in out and "gate: PASS" in out
    # thresholds given and met decide instead (how `make eval` tolerates a known miss) ...
    assert gate([dataset], FakeAssistant({}), mins=["no_answer_recall=1"])[0] == 0
    # ... and thresholds not met still fail, whatever --allow-failures says
    assert gate([dataset], FakeAssistant({}), mins=["pass_rate=0.9"], allow_failures=True)[0] == 1


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("hit@3=0.9", "unknown metric 'hit@3'"),
        ("hit@k", "expected METRIC=VALUE"),
        ("mrr=high", "'high' is not a number"),
        ("mrr=90", "between 0 and 1"),
        ("latency_p95_ms=0.5", "is a latency"),
    ],
)
def test_bad_min_specs_exit_2(dataset, spec, expected):
    with pytest.raises(TechniquesError) as info:
        parse_min([spec])
    assert info.value.exit_code == 2 and expected in str(info.value)
    code, out = gate([dataset], FakeAssistant(good_replies()), mins=[spec])
    assert code == 2 and expected in out


def test_unknown_min_lists_the_known_metrics():
    with pytest.raises(TechniquesError) as info:
        parse_min(["recall=0.5"])
    assert all(name in str(info.value) for name in RATE_METRICS)


def test_parse_min_and_check_thresholds():
    mins = parse_min(["hit@k=0.9", " pass_rate = 95% ", "no_answer_precision=1"])
    assert mins == {"hit@k": 0.9, "pass_rate": 0.95, "no_answer_precision": 1.0}
    metrics = {"hit@k": 0.9, "pass_rate": 0.9, "no_answer_precision": None}
    violations = check_thresholds(metrics, mins)
    assert violations == [
        "pass_rate = 0.900 is below min 0.950",
        "no_answer_precision is n/a (no case in this run measures it), so min 1.000 cannot hold",
    ]


def test_baseline_regression_is_named_and_exits_1(dataset, tmp_path):
    baseline = tmp_path / "baseline.json"
    assert gate([dataset], FakeAssistant(good_replies()), report=baseline)[0] == 0

    worse = good_replies() | {"What about breathing?": make_answer(["ql-hip-hike"], text="Just stretch it.")}
    code, out = gate([dataset], FakeAssistant(worse), baseline=baseline, markdown=tmp_path / "pr.md")
    assert code == 1
    assert "baseline: 1 regressed, 0 fixed, 0 new, 0 removed" in out and "regressed: ql-followup" in out
    assert "FAIL 1 case(s) regressed against the baseline: ql-followup" in out
    assert "must_include_rate: 1.000 -> 0.500" in out
    markdown = (tmp_path / "pr.md").read_text()
    assert "**Regressed** (1): `ql-followup`" in markdown

    code, out = gate([dataset], FakeAssistant(worse), baseline=baseline, fail_on_regression=False, allow_failures=True)
    assert code == 0 and "regressed: ql-followup" in out

    # fixed again: the same baseline now shows nothing regressed
    code, out = gate([dataset], FakeAssistant(good_replies()), baseline=baseline)
    assert code == 0 and "baseline: 0 regressed" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, "no such baseline"), ("{not json", "not valid JSON"), ('{"cases": [{"id": 1}]}', "not an eval report")],
)
def test_unreadable_baseline_exits_2_before_running(dataset, tmp_path, text, expected):
    path = tmp_path / "baseline.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    ask = FakeAssistant(good_replies())
    code, out = gate([dataset], ask, baseline=path)
    assert code == 2 and expected in out and ask.calls == []


def test_unwritable_report_exits_2(dataset, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out = gate([dataset], FakeAssistant(good_replies()), report=blocker / "r.json")
    assert code == 2 and "cannot write the report" in out


def test_console_summary_spells_out_only_the_first_failures(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"id": f"c{i}", "question": f"q{i}", "must_include": ["x"]}) + "\n"
                            for i in range(25)), encoding="utf-8")
    code, out = gate([path], FakeAssistant({}))
    assert code == 1 and "failed (25): c0, c1" in out and "c24" in out
    assert "  c19: must_include" in out and "  c20: must_include" not in out and "... and 5 more" in out
