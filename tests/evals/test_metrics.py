"""Deterministic metrics against hand-computed numbers.

`make_answer` builds answer dicts shaped like `Answer.to_dict()`; the runner and report tests
import it (and `make_case`) from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from evals.dataset import EvalCase
from evals.metrics import aggregate, by_tag, citation_problems, ranked_sources, score_case

DISCLAIMER = "Educational information, not a diagnosis. Refer when symptoms are severe."


def make_case(id: str = "c", **fields: Any) -> EvalCase:
    fields.setdefault("question", f"question for {id}")
    fields.setdefault("source", "evals/datasets/unit.yaml")
    return EvalCase(id=id, **fields)


def make_answer(
    docs: Sequence[str] = ("ql-hip-hike",),
    *,
    text: str = "Have your client hike their hip against your resistance.",
    cautions: Sequence[str] = (),
    disclaimer: str = DISCLAIMER,
    show_disclaimer: bool = True,
    no_answer: bool = False,
    red_flag: str | None = None,
    markers: Sequence[int] | None = None,
) -> dict[str, Any]:
    """An answer citing `docs` as [1], [2], ... (override the markers shown with `markers`)."""
    citations = [
        {"n": n, "doc_id": d, "title": d, "section": "Technique", "text": "...", "score": 0.5}
        for n, d in enumerate(docs, start=1)
    ]
    shown = range(1, len(docs) + 1) if markers is None else markers
    body = [text + "".join(f" [{n}]" for n in shown)]
    body += [f"- {c}" for c in cautions]
    if show_disclaimer:
        body.append(f"_{disclaimer}_")
    flag = None if red_flag is None else {"category": red_flag, "disposition": "emergency", "matched": ["saddle"]}
    return {
        "question": "q",
        "answer": "\n\n".join(body),
        "citations": citations,
        "cautions": [{"text": c, "doc_id": docs[0] if docs else None} for c in cautions],
        "disclaimer": disclaimer,
        "no_answer": no_answer,
        "red_flag": flag,
        "timings_ms": {"retrieve": 1.0, "compose": 1.0, "total": 2.0},
        "doc_id": docs[0] if docs else None,
    }


def score(case: EvalCase, answer: dict | None, *, k: int = 3, latency_ms: float = 10.0, error: str | None = None):
    return score_case(case, answer, k=k, latency_ms=latency_ms, error=error)


def test_ranked_sources_orders_by_n_and_dedupes():
    answer = make_answer()
    answer["citations"] = [
        {"n": 3, "doc_id": "c"}, {"n": 1, "doc_id": "a"}, {"n": 2, "doc_id": "b"}, {"n": 4, "doc_id": "a"},
    ]
    assert ranked_sources(answer) == ["a", "b", "c"]


def test_retrieval_metrics_hand_computed():
    cases = [make_case(f"c{i}", expected_sources=["target"]) for i in range(3)]
    answers = [make_answer(["target", "x"]), make_answer(["x", "target"]), make_answer(["x", "y"])]
    results = [score(c, a) for c, a in zip(cases, answers, strict=True)]
    assert [r.rank for r in results] == [1, 2, None]
    metrics = aggregate(results)
    # ranks 1, 2, None: hit@1 = 1/3; hit@3 = 2/3; MRR = (1 + 1/2 + 0) / 3 = 0.5
    assert metrics["hit@1"] == pytest.approx(1 / 3)
    assert metrics["hit@k"] == pytest.approx(2 / 3)
    assert metrics["mrr"] == pytest.approx(0.5)
    # with k=1 the rank-2 case misses too: hit@k = 1/3, and it fails its source check
    strict = [score(c, a, k=1) for c, a in zip(cases, answers, strict=True)]
    assert aggregate(strict)["hit@k"] == pytest.approx(1 / 3)
    assert not strict[1].passed and strict[1].failures[0].startswith("source: expected one of ['target'] at rank <= 1")
    assert "got rank None" in results[2].failures[0] and "'x', 'y'" in results[2].failures[0]


def test_retrieval_metrics_only_count_cases_with_expected_sources():
    results = [
        score(make_case("a", expected_sources=["d"]), make_answer(["d"])),
        score(make_case("b"), make_answer(["z"])),
    ]
    metrics = aggregate(results)
    # one applicable case of two, ranked 1: hit@1 = 1/1, MRR = 1/1
    assert metrics["hit@1"] == 1.0 and metrics["mrr"] == 1.0
    assert aggregate([results[1]])["hit@1"] is None and aggregate([results[1]])["mrr"] is None


@pytest.mark.parametrize(
    ("answer", "problems"),
    [
        (make_answer(["a", "b"]), []),
        (make_answer(["a"], markers=[1, 2]), ["marker [2] has no citation entry"]),
        (make_answer(["a", "b"], markers=[1]), ["citation [2] is never marked in the answer"]),
        (make_answer([], no_answer=True), []),  # no markers, no citations: valid
    ],
)
def test_citation_problems(answer, problems):
    assert citation_problems(answer) == problems


def test_citation_validity_rate():
    answers = [
        make_answer(["a"]),  # valid
        make_answer(["a"], markers=[1, 2]),  # [2] has no entry
        make_answer(["a", "b"], markers=[2]),  # entry [1] unused
        make_answer([]),  # nothing at all: valid
    ]
    results = [score(make_case(f"c{i}"), a) for i, a in enumerate(answers)]
    # 2 valid of 4 cases = 0.5
    assert aggregate(results)["citation_validity"] == 0.5
    assert results[2].failures == ["citations: citation [1] is never marked in the answer"]


def test_substring_checks_ignore_case_whitespace_and_curly_quotes():
    case = make_case(
        must_include=["Resistance", "client's hip"],
        must_include_cautions=["HIP REPLACEMENT", "pain-free"],
        must_not_include=["<script"],
    )
    answer = make_answer(
        text="push your\n   client\u2019s hip against your RESISTANCE",
        cautions=["All work needs to be pain-free.", "May be contraindicated for clients with hip replacement."],
    )
    result = score(case, answer)
    assert result.passed, result.failures
    bad = make_answer(text="push <SCRIPT>x</script>", cautions=["All work needs to be pain-free."])
    failures = score(case, bad).failures
    assert "must_include: missing 'Resistance', \"client's hip\" in the answer" in failures
    assert "cautions: missing 'HIP REPLACEMENT' among 1 caution(s)" in failures
    assert "must_not_include: found '<script' in the answer" in failures


def test_cautions_must_be_among_cautions_not_just_in_the_answer():
    case = make_case(must_include_cautions=["hip replacement"])
    answer = make_answer(text="not for a hip replacement")  # in the text, but no caution entry
    assert score(case, answer).checks["cautions"] is False


def test_disclaimer_must_be_set_and_shown():
    assert score(make_case(), make_answer()).checks["disclaimer"] is True
    hidden = score(make_case(), make_answer(show_disclaimer=False))
    assert hidden.failures == ["disclaimer: the disclaimer is not shown inside the answer"]
    empty = score(make_case(), make_answer(disclaimer="", show_disclaimer=False))
    assert empty.failures == ["disclaimer: the disclaimer is empty"]


def test_no_answer_and_red_flag_precision_recall():
    rows = [  # (expect_no_answer, predicted no_answer)
        (True, True), (True, False), (False, True), (False, False),
    ]
    results = [
        score(make_case(f"n{i}", expect_no_answer=e), make_answer([] if p else ["a"], no_answer=p))
        for i, (e, p) in enumerate(rows)
    ]
    metrics = aggregate(results)
    # TP = 1, predicted = 2, positives = 2: precision = 1/2, recall = 1/2
    assert metrics["no_answer_precision"] == 0.5 and metrics["no_answer_recall"] == 0.5
    assert "no_answer: expected an answer, got a no-answer" in results[2].failures
    assert "no_answer: expected a no-answer, got an answer citing ['a']" in results[1].failures

    flags = [(True, True), (True, False), (False, False)]  # (expected, predicted)
    results = [
        score(make_case(f"r{i}", expect_red_flag=e), make_answer(red_flag="cauda_equina" if p else None))
        for i, (e, p) in enumerate(flags)
    ]
    metrics = aggregate(results)
    # TP = 1, predicted = 1, positives = 2: precision = 1/1, recall = 1/2
    assert metrics["red_flag_precision"] == 1.0 and metrics["red_flag_recall"] == 0.5
    # nothing predicted a no-answer and nothing expected one: both undefined, not 0 or 1
    assert metrics["no_answer_precision"] is None and metrics["no_answer_recall"] is None


def test_unexpected_red_flag_is_reported_with_what_matched():
    result = score(make_case(), make_answer(red_flag="cauda_equina"))
    assert result.failures == ["red_flag: unexpected red flag cauda_equina (matched 'saddle')"]


def test_red_flag_case_does_not_pin_no_answer():
    case = make_case(expect_red_flag=True)
    for no_answer in (True, False):
        result = score(case, make_answer([], no_answer=no_answer, red_flag="fracture"))
        assert result.passed and result.checks["no_answer"] is None
    # ...and is left out of the no-answer precision/recall
    assert aggregate([score(case, make_answer([], no_answer=True, red_flag="fracture"))])["no_answer_precision"] is None


def test_errored_case_fails_every_applicable_check():
    case = make_case(expected_sources=["a"], must_include=["x"], expect_no_answer=True)
    result = score(case, None, error="RuntimeError: store offline")
    assert not result.passed and result.failures == ["error: RuntimeError: store offline"]
    assert result.checks["source"] is False and result.checks["cautions"] is None
    metrics = aggregate([result])
    assert metrics["hit@k"] == 0.0 and metrics["disclaimer_rate"] == 0.0 and metrics["no_answer_recall"] == 0.0


def test_rates_pass_rate_and_latency():
    results = [
        score(make_case("a", must_include=["resistance"]), make_answer(), latency_ms=10),
        score(make_case("b", must_include=["inhale"]), make_answer(), latency_ms=30),
        score(make_case("c"), make_answer(), latency_ms=20),
        score(make_case("d", must_not_include=["hip"]), make_answer(), latency_ms=40),
    ]
    metrics = aggregate(results)
    # must_include: a yes, b no -> 1/2; must_not_include: d fails -> 0/1; passed a, c -> 2/4
    assert metrics["must_include_rate"] == 0.5 and metrics["must_not_include_rate"] == 0.0
    assert metrics["pass_rate"] == 0.5 and metrics["caution_rate"] is None
    # nearest rank over [10, 20, 30, 40]: p50 = 2nd value, p95 = ceil(3.8) = 4th value
    assert metrics["latency_p50_ms"] == 20 and metrics["latency_p95_ms"] == 40


def test_by_tag():
    results = [
        score(make_case("a", tags=["steps", "abbreviation"], expected_sources=["d"]), make_answer(["d"])),
        score(make_case("b", tags=["steps"], expected_sources=["d"]), make_answer(["x", "d"], cautions=[])),
        score(make_case("c", tags=["red_flag"], expect_red_flag=True), make_answer([])),
    ]
    tags = by_tag(results)
    assert list(tags) == ["abbreviation", "red_flag", "steps"]
    # steps: ranks 1, 2 -> hit@1 = 1/2, MRR = (1 + 1/2) / 2 = 0.75, both pass -> 1.0
    assert tags["steps"]["hit@1"] == 0.5 and tags["steps"]["mrr"] == 0.75 and tags["steps"]["pass_rate"] == 1.0
    # red_flag: one expected, none raised -> recall 0/1, precision n/a
    assert tags["red_flag"]["red_flag_recall"] == 0.0 and tags["red_flag"]["red_flag_precision"] is None
    assert tags["abbreviation"]["pass_rate"] == 1.0


def test_must_lead_and_expect_stated_read_the_direct_answer():
    lead = make_case("lead", must_lead=["30 seconds"], expect_stated=True)
    silent = make_case("silent", must_lead=["twice"], expect_stated=False)
    plain = make_case("plain")
    stated = make_answer() | {"direct": {"text": "Hold it for 30 seconds.", "stated": True}}
    lines = make_answer() | {"direct": {"lines": [{"text": "The document does not say"}, {"text": "how often."}], "stated": False}}
    results = [
        score_case(lead, stated, k=3, latency_ms=1),
        score_case(silent, lines, k=3, latency_ms=1),  # lines, no `text`: "twice" is not there
        score_case(lead, make_answer(), k=3, latency_ms=1),  # no direct answer: both checks fail
        score_case(plain, make_answer(), k=3, latency_ms=1),
    ]
    assert [r.checks["must_lead"] for r in results] == [True, False, False, None]
    assert [r.checks["stated"] for r in results] == [True, True, False, None]
    assert "missing 'twice' in the direct answer" in results[1].failures[0]
    assert results[2].failures == ["must_lead: the answer has no direct answer to lead with",
                                   "stated: expected the fact stated, got no direct answer"]
    metrics = aggregate(results)
    assert metrics["direct_answer_rate"] == pytest.approx(1 / 3)
    assert metrics["stated_accuracy"] == pytest.approx(2 / 3)
    assert aggregate(results[3:])["direct_answer_rate"] is None
