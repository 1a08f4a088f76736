"""The feedback store: rows round-trip, concurrent writers lose nothing, and thumbs-down rows
export as an eval dataset the eval loader accepts."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest
import yaml

from records.feedback import FeedbackStore
from assistant.answer import Answer
from assistant.types import CautionItem, Citation, Layout, Line, Section
from evals.dataset import load_cases
from cli.main import main
from techniques.errors import TechniquesError


def make_answer(doc_id: str | None = "ql-hip-hike") -> Answer:
    citations = (Citation(1, doc_id, "QL Hip Hike", "Technique", "Have your client hike their hip.", 0.8),) if doc_id else ()
    steps = (Section("steps", "Steps", (Line("Hike the hip.", (1,), number=1),), Layout.NUMBERED),) if doc_id else ()
    return Answer(
        question="How do I stretch the QL?",
        title="QL Hip Hike" if doc_id else None,
        sections=steps,
        citations=citations,
        cautions=(CautionItem("All work needs to be pain-free.", doc_id),),
        disclaimer="Not a diagnosis.",
        no_answer=doc_id is None,
        red_flag=None,
        doc_id=doc_id,
    )


@pytest.fixture
def store(tmp_path) -> FeedbackStore:
    return FeedbackStore.in_data_dir(tmp_path / "data")


def test_record_and_list_round_trip(store):
    first = store.record("up", "How do I stretch the QL?", [], make_answer())
    second = store.record(
        "down", "How long should I hold it?", ["How do I stretch the QL?"], make_answer(), "missing caution", "  hip replacement  "
    )
    assert second > first
    rows = store.list()
    assert [r.id for r in rows] == [first, second]
    down = store.list(rating="down")[0]
    assert (down.rating, down.reason, down.comment) == ("down", "missing caution", "hip replacement")
    assert down.history == ["How do I stretch the QL?"]
    assert down.answer.startswith("## QL Hip Hike") and down.doc_id == "ql-hip-hike"
    assert down.citations[0]["n"] == 1 and down.citations[0]["text"] == "Have your client hike their hip."
    assert down.created_at.endswith("+00:00")  # UTC
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_update_adds_reason_and_rejects_bad_input(store):
    fid = store.record("down", "q", [], make_answer())
    store.update(fid, "down", "wrong citation", "step 2 cites the wrong passage")
    row = store.list()[0]
    assert (row.reason, row.comment) == ("wrong citation", "step 2 cites the wrong passage")
    store.update(fid, "up")  # a changed thumb keeps the reason and comment
    assert (store.list()[0].rating, store.list()[0].reason) == ("up", "wrong citation")
    store.delete(fid)
    assert store.count() == 0
    with pytest.raises(TechniquesError, match="rating"):
        store.record("meh", "q", [], make_answer())
    with pytest.raises(TechniquesError, match="reason"):
        store.update(fid, "down", "because", None)
    with pytest.raises(TechniquesError, match="no feedback #999"):
        store.update(999, "up", None, None)


def _write_many(path: str, worker: int, n: int) -> None:
    store = FeedbackStore(path)
    for i in range(n):
        store.record("down" if i % 2 else "up", f"worker {worker} question {i}", [], make_answer())


def test_concurrent_threads_lose_nothing(store):
    threads = [threading.Thread(target=_write_many, args=(str(store.path), w, 25)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count() == 8 * 25
    assert len({r.question for r in store.list()}) == 8 * 25


def test_concurrent_processes_lose_nothing(store):
    store.count()  # create the file and schema first, as the app does
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(store.path), w, 20)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert store.count() == 4 * 20


def test_export_is_a_dataset_the_eval_loader_accepts(store, tmp_path):
    store.record("up", "How do I stretch the QL?", [], make_answer())
    store.record("down", "How do I release the psoas?", [], make_answer("ql-hip-hike"), "wrong technique", None)
    store.record("down", "Can I do the hip hike?", ["How do I stretch the QL?"], make_answer(), "missing caution", "hip replacement")
    store.record("down", "What about breathing?", [], make_answer(), None, "too long")
    out = tmp_path / "cases.yaml"
    assert store.export_eval_dataset(out) == 3
    cases = {c.question: c for c in load_cases([out])}
    assert set(cases) == {"How do I release the psoas?", "Can I do the hip hike?", "What about breathing?"}
    wrong = cases["How do I release the psoas?"]
    assert wrong.expected_sources == [] and wrong.tags == ["feedback", "wrong_technique"]
    caution = cases["Can I do the hip hike?"]
    assert caution.expected_sources == ["ql-hip-hike"]
    assert caution.must_include_cautions == ["hip replacement"]
    assert caution.history == ["How do I stretch the QL?"]
    assert caution.tags == ["feedback", "missing_caution"]
    assert cases["What about breathing?"].tags == ["feedback", "unspecified"]
    assert all(c.id.startswith("feedback-") for c in cases.values())


def test_export_command(tmp_path, capsys):
    data = tmp_path / "data"
    FeedbackStore.in_data_dir(data).record("down", "How do I stretch the QL?", [], make_answer(), "unsafe", None)
    out = tmp_path / "out" / "feedback-cases.yaml"
    assert main(["feedback", "export", "--store", str(data), "--out", str(out)]) == 0
    assert "wrote 1 case" in capsys.readouterr().out
    assert yaml.safe_load(out.read_text())[0]["tags"] == ["feedback", "unsafe"]
    assert load_cases([out])[0].expected_sources == ["ql-hip-hike"]


def test_export_with_no_thumbs_down_writes_an_empty_list(store, tmp_path):
    out = tmp_path / "none.yaml"
    assert store.export_eval_dataset(out) == 0
    assert yaml.safe_load(out.read_text()) == []
    assert Path(out).read_text().startswith("#")


def test_feedback_remembers_the_logged_in_user(store):
    store.record("down", "How do I stretch the QL?", [], make_answer(), "unsafe", None, user="ana")
    store.record("up", "How do I stretch the QL?", [], make_answer())
    assert [r.user for r in store.list()] == ["ana", None]
