"""Embeddings: the bundled all-MiniLM-L6-v2 through sentence-transformers, loaded offline.

The model is loaded lazily (first use), never by hub id, with HF_HUB_OFFLINE set so nothing is
fetched. Vectors are L2-normalised for cosine search. `computed` counts the texts embedded, which
is how tests prove an unchanged re-ingest embeds nothing. `make_embedder` picks this or the
same model run by onnxruntime (embed_onnx.py), per TECHNIQUES_EMBEDDER.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from techniques.settings import Settings


class Embedder(Protocol):
    name: str
    computed: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU, from a local model folder."""

    def __init__(self, model_path: Path, batch_size: int = 64) -> None:
        self.model_path = Path(model_path)
        self.name = f"sentence-transformers:{self.model_path.name}"
        self.batch_size = batch_size
        self.computed = 0
        self._lock = threading.Lock()

    @cached_property
    def _model(self):
        _offline()
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            self.computed += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings choose (TECHNIQUES_EMBEDDER); both load lazily, on first use."""
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.resolved_model_path())
    from ingest.embed_onnx import OnnxEmbedder

    int8 = settings.embedder == "onnx-int8"
    return OnnxEmbedder(settings.resolved_model_path(), settings.resolved_cache_dir(), int8=int8)


def embedder_for_index(model: str, settings: Settings) -> Embedder:
    """The embedder whose vectors an index records as `model` (its chunks collection's metadata),
    so questions are embedded as its passages were; a TechniquesError when this installation
    cannot make it."""
    from techniques.errors import TechniquesError
    from techniques.settings import EMBEDDERS

    for choice in EMBEDDERS:  # fp32 ONNX before sentence-transformers: the same vectors, no torch
        candidate = make_embedder(settings.model_copy(update={"embedder": choice}))
        if candidate.name == model:
            return candidate
    raise TechniquesError(
        f"The index was embedded with {model}, which this installation cannot embed questions with.",
        hint="Re-ingest it with the current model: `techniques ingest corpus/`.",
    )


class TokenCounter:
    """Counts word pieces with the model's own tokenizer (the 256-token window is in these)."""

    def __init__(self, model_path: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._seen: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        # the chunker asks for every block twice (does it fit, then how much room it takes)
        if (n := self._seen.get(text)) is None:
            if len(self._seen) > 100_000:
                self._seen.clear()
            n = self._seen[text] = len(self._tokenizer.encode(text).ids)
        return n
