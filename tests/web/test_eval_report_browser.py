"""The HTML eval report in headless Chromium: opened from disk with no network, filtered to the
failing case, which shows its trace.

Outside CI the test skips when Debian's Chromium is missing; with CI=true it fails instead
(the `chromium` fixture of tests/conftest.py)."""

from __future__ import annotations

import io

import pytest

from evals.runner import main_eval
from tests.evals.test_explain import TRACE
from tests.evals.test_metrics import make_answer
from tests.evals.test_runner import DATASET, FakeAssistant, good_replies

pytestmark = pytest.mark.browser


@pytest.fixture
def report(tmp_path):
    dataset = tmp_path / "cases.yaml"
    dataset.write_text(DATASET, encoding="utf-8")
    # the follow-up fails (it never says "inhale") and records why it answered as it did
    failing = make_answer(["ql-hip-hike"], text="Just <b>stretch</b> it.") | {"trace": TRACE}
    replies = good_replies() | {"What about breathing?": failing}
    path = tmp_path / "report.html"
    code = main_eval([dataset], FakeAssistant(replies), k=3, config={}, html=path, out=io.StringIO(), progress=False)
    assert code == 1
    return path


def test_the_report_filters_to_the_failing_case_and_shows_its_trace(chromium, report):
    context = chromium.new_context(offline=True)  # self-contained: nothing to fetch
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(report.as_uri())
        assert page.locator("tr.case:visible").count() == 3
        assert page.locator("#shown").inner_text() == "3"

        page.select_option("#status", "failed")
        visible = page.locator("tr.case:visible")
        assert visible.count() == 1 and "ql-followup" in visible.inner_text()
        assert page.locator("#shown").inner_text() == "1"

        page.select_option("#status", "all")
        page.locator("#filter").fill("breathing")  # the question's words filter too
        assert page.locator("tr.case:visible").count() == 1

        detail = page.locator("tr.detail:visible")
        detail.locator("summary").click()
        trace = detail.locator("pre.trace")
        trace.wait_for(state="visible")
        text = trace.inner_text()
        assert "decision: answered" in text and "lexical=7.250 dense=0.610 fused=0.033" in text
        assert "no-answer threshold: 0.350" in text
        assert detail.locator("pre.answer b").count() == 0 and "<b>stretch</b>" in detail.locator("pre.answer").inner_text()

        page.locator("#filter").fill("no such case")
        assert page.locator("tr.case:visible").count() == 0 and page.locator("#shown").inner_text() == "0"
        assert requests == [report.as_uri()]
    finally:
        context.close()
