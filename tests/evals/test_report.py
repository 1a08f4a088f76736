"""JSON, Markdown and JUnit reports, and the baseline diff they show."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from evals.baseline import diff
from evals.metrics import METRIC_NAMES
from evals.report import render_markdown, write_json, write_junit
from evals.runner import run_eval
from tests.evals.test_metrics import make_answer, make_case
from tests.evals.test_runner import FakeAssistant

NASTY = "Tip: a < b && c > d \x00\x07\x1b[31m \ud800 <script>alert(1)</script> ]]> | pipe"


@pytest.fixture
def report():
    cases = [
        make_case("good", question="How do I stretch the QL?", expected_sources=["ql-hip-hike"], tags=["steps"],
                  source="evals/datasets/core.yaml"),
        make_case("nasty", question="psoas <release> & more?", must_include=["aorta"], tags=["steps", "injection"],
                  source="evals/datasets/core.yaml"),
        make_case("crash", question="Boom?", tags=["scope"], source="evals/datasets/extra.jsonl"),
    ]
    ask = FakeAssistant({
        "How do I stretch the QL?": make_answer(["ql-hip-hike"]),
        "psoas <release> & more?": make_answer(["psoas-release"], text=NASTY),
        "Boom?": ValueError("bad <input> \x01"),
    })
    return run_eval(cases, ask, k=3, config={"store": "fake", "git_commit": "abc123"}, progress=False)


def test_json_report_shape(report, tmp_path):
    path = tmp_path / "report.json"
    write_json(report, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"metrics", "by_tag", "cases", "config"}
    assert list(data["metrics"]) == list(METRIC_NAMES)
    assert set(data["by_tag"]) == {"steps", "injection", "scope"}
    assert data["config"] == {"store": "fake", "git_commit": "abc123", "k": 3}
    good, nasty, crash = data["cases"]
    assert set(good) >= {"id", "passed", "failures", "answer", "rank", "latency_ms", "tags"}
    assert good["passed"] and good["rank"] == 1 and good["answer"]["citations"][0]["doc_id"] == "ql-hip-hike"
    assert not nasty["passed"] and nasty["failures"] == ["must_include: missing 'aorta' in the answer"]
    assert nasty["answer"]["answer"].startswith("Tip: a < b")  # the full answer dict, verbatim
    assert crash["answer"] is None and crash["failures"][0].startswith("error: ValueError")


def test_junit_is_valid_xml_with_one_testcase_per_case(report, tmp_path):
    path = tmp_path / "junit.xml"
    write_junit(report, path)
    root = ET.parse(path).getroot()
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["good", "nasty", "crash"]
    assert [c.get("classname") for c in cases] == ["core", "core", "extra"]
    good, nasty, crash = cases
    assert good.find("failure") is None and good.find("error") is None
    failure = nasty.find("failure")
    assert failure is not None and "missing 'aorta'" in failure.text
    assert "a < b && c > d" in nasty.find("system-out").text and "\x00" not in nasty.find("system-out").text
    error = crash.find("error")
    assert error is not None and "bad <input>" in error.get("message")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert suites["core"].get("tests") == "2" and suites["core"].get("failures") == "1"
    assert suites["extra"].get("errors") == "1"


def test_markdown_has_the_table_and_the_failed_cases(report):
    text = render_markdown(report, mins={"pass_rate": 0.9}, violations=["pass_rate = 0.333 is below min 0.900"])
    assert "| metric | value | min |" in text
    assert "| hit@k (k=3) | 1.000 |  |" in text
    assert "| pass_rate | 0.333 | 0.900 |" in text
    assert "gate ❌ FAIL" in text and "pass_rate = 0.333 is below min 0.900" in text
    assert "### Failed cases (2)" in text and "**nasty**" in text and "**crash**" in text
    assert "psoas &lt;release&gt; &amp; more?" in text  # HTML in a question does not render
    assert "<script" not in text
    assert "| steps | 2 |" in text  # per-tag table
    assert "Against the baseline" not in text


def test_markdown_baseline_section(report):
    current = report.to_dict()
    before = json.loads(json.dumps(current))
    before["cases"][1]["passed"] = True  # "nasty" passed in the baseline
    before["cases"][2]["id"] = "gone"
    before["metrics"]["pass_rate"] = 1.0
    before["config"].update(git_commit="old", k=5)
    d = diff(current, before)
    assert d.regressed == ["nasty"] and d.new == ["crash"] and d.removed == ["gone"] and d.fixed == []
    assert d.metric_deltas["pass_rate"] == pytest.approx((1.0, 1 / 3, 1 / 3 - 1))
    assert d.config_changes == {"k": (5, 3)}  # the commit always changes; not reported
    text = render_markdown(report, diff=d)
    assert "### Against the baseline" in text and "**Regressed** (1): `nasty`" in text
    assert "**Removed** (1): `gone`" in text and "| pass_rate | 1.000 | 0.333 | -0.667 |" in text
    assert "config `k` changed: 5 → 3" in text


def test_baseline_diff_fixed_and_none_metrics():
    before = {"cases": [{"id": "a", "passed": False}], "metrics": {"mrr": None, "hit@1": 0.5}}
    now = {"cases": [{"id": "a", "passed": True}], "metrics": {"mrr": 0.5, "hit@1": 0.5}}
    d = diff(now, before)
    assert d.fixed == ["a"] and d.regressed == []
    assert d.metric_deltas == {"mrr": (None, 0.5, None), "hit@1": (0.5, 0.5, 0.0)}


def test_reports_survive_non_json_values_in_answers(tmp_path):
    case = make_case("odd")
    answer = make_answer() | {"timings_ms": {"total": Path("/x")}}
    result = run_eval([case], FakeAssistant({case.question: answer}), config={}, progress=False)
    write_json(result, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["cases"][0]["answer"]["timings_ms"]["total"] == "/x"


def test_markdown_folds_a_long_failure_list():
    cases = [make_case(f"c{i}", must_include=["never"]) for i in range(16)]
    result = run_eval(cases, FakeAssistant({c.question: make_answer() for c in cases}), config={}, progress=False)
    text = render_markdown(result)
    assert "### Failed cases (16)" in text and "<details><summary>" in text and "**c15**" in text
