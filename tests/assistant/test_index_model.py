"""Questions are embedded the way the open index's passages were, whatever the default is now."""

from __future__ import annotations

import pytest

from assistant.service import Assistant
from ingest.pipeline import ingest
from techniques.errors import TechniquesError
from tests.conftest import CORPUS, FakeEmbedder


@pytest.mark.integration
def test_an_index_made_by_another_embedder_is_searched_with_its_vectors(corpus_settings) -> None:
    """The corpus index is embedded with sentence-transformers' fp32 vectors; the default now is
    int8. Until a re-ingest, questions must be embedded in fp32 too (the ONNX export: same vectors)."""
    app = Assistant(corpus_settings)
    assert app.embedder.name.startswith("onnx-int8")

    answer = app.ask("How do I stretch the QL?")

    used = app.query_embedder(app.library())
    assert used.name == app.library().index.model == "sentence-transformers:model"
    assert getattr(used, "int8", None) is False  # the ONNX runtime, not torch
    assert answer.doc_id == "ql-hip-hike" and answer.citations


def test_an_index_no_embedder_here_can_match_is_an_error_naming_the_fix(settings) -> None:
    ingest([CORPUS], settings, embedder=FakeEmbedder(), progress=False)
    other = FakeEmbedder()
    other.name = "another-model"

    with pytest.raises(TechniquesError) as caught:
        Assistant(settings, embedder=other).ask("How do I stretch the QL?")

    assert "fake-bow" in caught.value.message and "techniques ingest" in caught.value.hint
    # red flags never need the index, so they are still answered
    assert Assistant(settings, embedder=other).ask("My client has numbness in the saddle area and low back pain. Can I do the QL stretch?").red_flag
