"""A 10 MB feedback comment was stored as it was (issue 18): the store refuses one over its
length with a clear message, whichever surface sends it (the web page's handler turns the
`TechniquesError` into the page's error toast)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_a_ten_megabyte_feedback_comment_is_refused_with_a_clear_message(tmp_path):
    from types import SimpleNamespace

    from records.feedback import MAX_COMMENT_CHARS, FeedbackStore
    from techniques.errors import TechniquesError

    store = FeedbackStore(tmp_path / "feedback.sqlite")
    answer = SimpleNamespace(answer="a", citations=(), doc_id=None, red_flag=None, no_answer=True)  # what a row keeps
    with pytest.raises(TechniquesError) as refused:
        store.record("down", "q", [], answer, "other", "x" * 10_000_000)
    assert f"at most {MAX_COMMENT_CHARS:,} characters" in refused.value.message
    assert store.count() == 0
    assert store.record("down", "q", [], answer, "other", "y" * MAX_COMMENT_CHARS) == 1
