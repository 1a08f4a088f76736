"""The ONNX embedder gives sentence-transformers' vectors, so an index built by either runtime
serves the other, and answering with it never imports torch. Its int8 copy (the default) is
close to those vectors and checked against them when it is made."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import CORPUS, ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def onnx_embedder():
    from ingest.embed_onnx import OnnxEmbedder
    from techniques.settings import Settings

    settings = Settings()
    return OnnxEmbedder(settings.resolved_model_path(), settings.resolved_cache_dir())


def corpus_chunks(n: int) -> list[str]:
    """Passages of the real corpus as the pipeline embeds them, cut small enough to get `n`."""
    from ingest.chunk import chunk_document, embedding_text
    from ingest.clean import clean
    from ingest.embed import TokenCounter
    from ingest.files import discover
    from ingest.load import load, load_catalog
    from ingest.sections import parse
    from techniques.settings import Settings

    counter = TokenCounter(Settings().resolved_model_path())
    files, _ = discover([CORPUS])
    catalog = load_catalog(CORPUS)
    texts = [
        embedding_text(c)
        for path in files
        for c in chunk_document(parse(clean(load(path, catalog))), counter, 96)
    ]
    assert len(texts) >= n
    return texts[:n]


def test_the_same_vectors_as_sentence_transformers(onnx_embedder, real_embedder) -> None:
    texts = corpus_chunks(50)
    ours, theirs = onnx_embedder.embed_documents(texts), real_embedder.embed_documents(texts)
    assert ours.shape == theirs.shape == (50, 384) and ours.dtype == np.float32
    cosine = (ours * theirs).sum(axis=1)  # both are unit length
    assert cosine.min() >= 0.9999, cosine.min()
    question = "How do I stretch the QL?"
    assert float(onnx_embedder.embed_query(question) @ real_embedder.embed_query(question)) >= 0.9999
    assert onnx_embedder.name == real_embedder.name  # same vectors: an index is reused, not re-embedded


def test_batches_and_order_do_not_change_a_vector(onnx_embedder) -> None:
    texts = corpus_chunks(50)
    together = onnx_embedder.embed_documents(texts)
    alone = np.vstack([onnx_embedder.embed_documents([t]) for t in texts[::-1]])[::-1]
    assert np.allclose(together, alone, atol=1e-5)
    assert onnx_embedder.embed_documents([]).shape == (0, 384)


def test_counts_what_it_embeds_and_reuses_repeated_questions(onnx_embedder) -> None:
    before = onnx_embedder.computed
    onnx_embedder.embed_documents(["one passage", "another passage"])
    first = onnx_embedder.embed_query("a repeated question about the psoas")
    again = onnx_embedder.embed_query("a repeated question about the psoas")
    assert onnx_embedder.computed == before + 3
    assert again is first and not again.flags.writeable


def test_answering_does_not_import_torch(onnx_embedder) -> None:
    onnx_embedder.embed_query("make sure the export exists")  # exports once, in this process
    code = (
        "import sys\n"
        "from ingest.embed import make_embedder\n"
        "from techniques.settings import Settings\n"
        "make_embedder(Settings()).embed_query('How do I stretch the QL?')\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_the_int8_option_is_close_but_keeps_its_own_name(onnx_embedder) -> None:
    from ingest.embed_onnx import OnnxEmbedder

    int8 = OnnxEmbedder(onnx_embedder.model_path, onnx_embedder.cache_dir, int8=True)
    texts = corpus_chunks(50)
    cosine = (int8.embed_documents(texts) * onnx_embedder.embed_documents(texts)).sum(axis=1)
    assert cosine.mean() >= 0.98 and cosine.min() >= 0.95, (cosine.mean(), cosine.min())
    assert int8.name != onnx_embedder.name  # its vectors must not be mixed into an fp32 index


def test_an_int8_copy_is_checked_against_full_precision(onnx_embedder, monkeypatch) -> None:
    """The check that guards CPUs whose int8 kernels saturate: it passes here, and refuses a copy
    that is not close enough (a stricter bar stands in for a worse CPU)."""
    from ingest import embed_onnx
    from techniques.errors import TechniquesError

    model, cache = onnx_embedder.model_path, onnx_embedder.cache_dir
    fp32, int8 = embed_onnx.ensure_exported(model, cache), embed_onnx.ensure_exported(model, cache, int8=True)
    embed_onnx._check_quantized(fp32, int8, model)
    monkeypatch.setattr(embed_onnx, "INT8_MIN_COSINE", 0.9999)
    with pytest.raises(TechniquesError, match="TECHNIQUES_EMBEDDER=onnx"):
        embed_onnx._check_quantized(fp32, int8, model)
    embed_onnx._check_quantized(fp32, fp32, model)  # the same file is as close as it gets


def test_the_settings_choose_the_runtime() -> None:
    from ingest.embed import SentenceTransformerEmbedder, make_embedder
    from ingest.embed_onnx import OnnxEmbedder
    from techniques.errors import TechniquesError
    from techniques.settings import Settings

    assert isinstance(make_embedder(Settings.from_env({})), OnnxEmbedder) and make_embedder(Settings.from_env({})).int8
    assert not make_embedder(Settings.from_env({"TECHNIQUES_EMBEDDER": "onnx"})).int8
    chosen = make_embedder(Settings.from_env({"TECHNIQUES_EMBEDDER": "sentence-transformers"}))
    assert isinstance(chosen, SentenceTransformerEmbedder)
    with pytest.raises(TechniquesError, match="TECHNIQUES_EMBEDDER must be one of"):
        Settings.from_env({"TECHNIQUES_EMBEDDER": "gpu"})
