"""The HTML report: self-contained, every text escaped, metrics with their change against a
baseline or another report, every case with its expectations, answer and trace."""

from __future__ import annotations

import io
import re

from evals.html import render_html
from evals.runner import main_eval
from tests.evals.test_explain import TRACE
from tests.evals.test_metrics import make_answer
from tests.evals.test_runner import DATASET, FakeAssistant, good_replies

NASTY = "<script>alert(1)</script> & \"quotes\""


def run(tmp_path, replies, **kwargs):
    dataset = tmp_path / "core.yaml"
    dataset.write_text(DATASET, encoding="utf-8")
    html_path = tmp_path / "r.html"
    code = main_eval([dataset], FakeAssistant(replies), k=3, config={"store": NASTY}, html=html_path,
                     out=io.StringIO(), progress=False, **kwargs)
    return code, html_path.read_text(encoding="utf-8")


def test_the_report_is_self_contained_and_escapes_everything(tmp_path):
    replies = good_replies() | {"What about breathing?": make_answer(["ql-hip-hike"], text=NASTY) | {"trace": TRACE}}
    code, page = run(tmp_path, replies)
    assert code == 1  # the breathing case fails: it does not say "inhale"
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page) and "@import" not in page
    assert page.count("<script>") == 1  # only the filter's own script
    assert "2 of 3 cases passed · 1 failed" in page and "<code>ql-followup</code>" in page
    # the failing case's trace and expectations are in its detail row
    detail = page[page.index('id="detail-1"'):page.index('id="case-2"')]
    assert "lexical=7.250 dense=0.610 fused=0.033" in detail and "decision: answered" in detail
    assert "&quot;must_include&quot;: [" in detail and "inhale" in detail
    # a case without a trace says so
    assert "no trace recorded" in page[page.index('id="detail-0"'):page.index('id="case-1"')]


def test_metrics_show_their_change_against_another_report(tmp_path):
    before = tmp_path / "before.json"
    dataset = tmp_path / "core.yaml"
    dataset.write_text(DATASET, encoding="utf-8")
    main_eval([dataset], FakeAssistant(good_replies()), k=3, config={}, report=before,
              out=io.StringIO(), progress=False)
    worse = good_replies() | {"What about breathing?": make_answer(["ql-hip-hike"], text="Just stretch it.")}
    code, page = run(tmp_path, worse, compare=before, allow_failures=True)
    assert code == 0
    assert "compared report" in page
    row = re.search(r"<tr><td>must_include_rate</td>(.*?)</tr>", page).group(1)
    assert "0.500" in row and "1.000" in row and 'class="down">-0.500' in row
    assert "regressed (1): ql-followup" in page and "(regressed)" in page


def test_render_html_copes_with_an_old_report():
    page = render_html({"metrics": {"hit@1": 1.0}, "cases": [{"id": "a", "passed": True, "answer": None}]})
    assert "1 of 1 cases passed" in page and "no trace recorded" in page and "PASS" in page
