"""The benchmark's own arithmetic: ranks, percentiles, ratios and the doc it rewrites."""

from __future__ import annotations

import sys

from bench.corpora import Question, template_questions
from bench.measure import percentile, run
from bench.report import targets, update_doc
from bench.run import quality


def test_rank_is_the_first_expected_document_counted_once() -> None:
    questions = [Question("a", expected=("x",)), Question("b", expected=("y", "z")), Question("c", expected=("x",)),
                 Question("unlabelled")]
    ranked = [["x", "q"], ["q", "q", "z"], [], ["anything"]]  # ranks 1, 2 (q once), miss
    assert quality(questions, ranked) == {"hit@1": 1 / 3, "mrr": (1 + 1 / 2) / 3}
    assert quality([Question("u")], [["x"]]) == {"hit@1": None, "mrr": None}


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile([3.0], 95)) == (50.0, 95.0, 3.0)


def test_targets_read_the_ratios_the_right_way_round() -> None:
    side = {"ingest_docs_per_s": 10.0, "reingest_share": 0.01, "p50_ms": 4.0, "p95_ms": 20.0, "cold_start_s": 2.0,
            "serve_peak_mib": 300.0}
    recipe = {**side, "ingest_docs_per_s": 4.0, "p50_ms": 10.0, "cold_start_s": 6.0, "serve_peak_mib": 600.0}
    met = targets({"tier": "1k", "ours": side, "recipe": recipe})
    assert all(t["met"] for t in met.values()), met
    slow = targets({"tier": "10k", "ours": {**side, "p95_ms": 61.0, "ingest_docs_per_s": 7.0}, "recipe": recipe})
    assert not slow["p95 <= 60 ms"]["met"] and not slow["ingest_docs_per_s >= 2x recipe"]["met"]


def test_the_doc_keeps_its_prose_around_the_results(tmp_path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# B\n\nbefore\n<!-- bench:begin -->\nold\n<!-- bench:end -->\nafter\n", "utf-8")
    update_doc(doc, "new table")
    assert doc.read_text("utf-8") == "# B\n\nbefore\n<!-- bench:begin -->\nnew table\n<!-- bench:end -->\nafter\n"


def test_a_measured_process_reports_its_own_peak_memory() -> None:
    m = run([sys.executable, "-c", "b = bytearray(200 * 2**20); print('{\"ok\": 1}')"])
    assert m.json() == {"ok": 1} and m.peak_mib >= 200 and m.seconds > 0


def test_template_questions_are_deterministic() -> None:
    assert template_questions(5) == template_questions(5) and len({q.question for q in template_questions(40)}) > 20
