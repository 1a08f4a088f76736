"""Embeddings through onnxruntime: the bundled all-MiniLM-L6-v2 exported once to ONNX, then run
with `onnxruntime` and `tokenizers` only, so answering never imports torch.

The exported graph is the whole sentence-transformers pipeline (the BERT encoder, mean pooling
over the attention mask, L2 normalisation) and is checked against torch when it is written, so
its vectors are the sentence-transformers ones (cosine 1.0000). That is why `name` is the same
as `SentenceTransformerEmbedder`'s: an index built by either runtime is reused by the other.

Export needs torch, transformers and onnx, and happens the first time a model is used (normally
the first ingest). The file is cached in `CACHE_DIR/onnx/<model hash>/` so that every data
folder and process shares it; a small stat memo keeps a cold start from re-hashing 90 MB.

`int8=True` (TECHNIQUES_EMBEDDER=onnx-int8, the default) runs a dynamically quantised copy
(int8 weights per channel): 1.6-2x faster for documents and queries here, with vectors close to
fp32's (cosine 0.993 mean, 0.985 worst over 1,000 documents) but not the same, so it has its own
name and switching between the two re-embeds an index. The copy is checked against fp32 when it
is made, on the CPU that will run it. The core evals pass with both (docs/benchmarks.md).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import numpy as np

from techniques.errors import TechniquesError

log = logging.getLogger(__name__)

EXPORT_REVISION = "1"  # bump when the exported graph changes
MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length
DIM = 384
_MODEL_FILES = ("config.json", "tokenizer.json", "sentence_bert_config.json", "1_Pooling/config.json")
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_PROBES = ("How do I stretch the QL?", "a", "Psoas release, supine. " * 40, "Quadratus lumborum - Cautions\nAll work must be pain-free.")


def default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


class OnnxEmbedder:
    """The exported model on the CPU. Thread-safe: onnxruntime sessions may run concurrently."""

    def __init__(
        self,
        model_path: Path,
        cache_dir: Path,
        *,
        int8: bool = False,
        batch_size: int = 4,  # measured on 2 cores (int8, two runs at once): 4 -> 428-485 chunks/s, 8 -> 393-445, 16 -> 390, 32 -> 299
        threads: int | None = None,
        query_cache: int = 256,
    ) -> None:
        self.model_path = Path(model_path)
        self.cache_dir = Path(cache_dir)
        self.int8 = int8
        # fp32 gives sentence-transformers' vectors, so it shares their name; int8's are close
        # (cosine ~0.99) but not the same, so an index built with one is re-embedded by the other
        self.name = f"{'onnx-int8' if int8 else 'sentence-transformers'}:{self.model_path.name}"
        self.runtime = "onnx-int8" if int8 else "onnx"
        self.batch_size = batch_size
        self.threads = threads or default_threads()
        self.computed = 0
        self._lock = threading.Lock()
        self.query_cache = query_cache  # conversation turns are re-read on every later question
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)  # the file says 128 and fixed padding: not what ST uses
        tokenizer.no_padding()
        return tokenizer

    @cached_property
    def _pool(self):
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="onnx")

    @cached_property
    def _session(self):
        import onnxruntime as ort

        path = ensure_exported(self.model_path, self.cache_dir, int8=self.int8)
        options = ort.SessionOptions()
        # one thread per run, and `threads` batches run at once: for passages of ~60 tokens that
        # is 27% faster than one run spread over two threads (431 vs 340 chunks/s here), and a
        # question of ~20 tokens is quicker on one thread (1.7 ms) than split over two (2.1 ms)
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # no busy-waiting between ops: on a machine shared with other work it only steals the CPU
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, DIM), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        out = np.empty((len(texts), DIM), dtype=np.float32)
        # shortest first, so a batch pads to its own longest text, not the corpus's
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]

        def run(part: list[int]) -> None:
            out[part] = self._run([encodings[i].ids for i in part])

        if self.threads > 1 and len(batches) > 1:  # onnxruntime releases the GIL while it runs
            list(self._pool.map(run, batches))
        else:
            for part in batches:
                run(part)
        with self._lock:
            self.computed += len(texts)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
        vector = self._run([self._tokenizer.encode(text).ids])[0]
        vector.setflags(write=False)
        with self._lock:
            self.computed += 1
            self._queries[text] = vector
            while len(self._queries) > self.query_cache:
                self._queries.popitem(last=False)
        return vector

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        width = max(len(x) for x in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, x in enumerate(ids):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        return self._session.run(None, feed)[0]


# -- the exported file ---------------------------------------------------------------------------
def ensure_exported(model_path: Path, cache_dir: Path, *, int8: bool = False) -> Path:
    """The cached ONNX file for this model, exported now (with torch) when there is none yet.
    `int8`: its dynamically quantised copy (int8 weights, per channel), made from the fp32 file."""
    model_path = Path(model_path)
    folder = Path(cache_dir) / "onnx" / model_key(model_path, cache_dir)
    target = folder / ("model.int8.onnx" if int8 else "model.onnx")
    if target.is_file():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TechniquesError(
            f"Cannot write the ONNX model cache in {folder} ({exc.strerror or exc}).",
            hint="Point TECHNIQUES_CACHE_DIR at a writable folder, or set TECHNIQUES_EMBEDDER=sentence-transformers.",
        ) from exc
    fp32 = ensure_exported(model_path, cache_dir) if int8 else None
    with _locked(folder / "export.lock"):
        if target.is_file():  # another process wrote it while we waited
            return target
        log.warning("exporting %s to ONNX once (cached in %s)", model_path, folder)
        if fp32 is not None:
            quantize(fp32, target, model_path)
        else:
            export(model_path, target)
    return target


def quantize(fp32: Path, target: Path, model_path: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        _check_quantized(fp32, tmp, model_path)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


INT8_MIN_COSINE = 0.97  # measured here: mean 0.993, worst 0.985 over 1,000 generated documents


def _check_quantized(fp32: Path, quantized: Path, model_path: Path) -> None:
    """The int8 copy must stay close to fp32 on this CPU's kernels: onnxruntime's u8s8 path can
    saturate on CPUs without VNNI, which would quietly degrade every vector."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    cosines = np.sum(_probe_vectors(quantized, tokenizer) * _probe_vectors(fp32, tokenizer), axis=1)
    if float(cosines.min()) < INT8_MIN_COSINE:
        raise TechniquesError(
            f"The int8 embedding model is too far from the full-precision one on this CPU "
            f"(cosine {float(cosines.min()):.3f} < {INT8_MIN_COSINE}).",
            hint="Set TECHNIQUES_EMBEDDER=onnx (full precision, same answers, slower).",
        )


def _probe_vectors(path: Path, tokenizer) -> np.ndarray:
    session = _plain_session(path)
    rows = []
    for text in _PROBES:
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        rows.append(session.run(None, feed)[0][0])
    return np.stack(rows)


def export(model_path: Path, target: Path) -> None:
    """Trace the encoder with pooling and normalisation into `target`, and check it with torch."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - install problem
        raise TechniquesError(
            "Exporting the embedding model to ONNX needs torch, transformers and onnx.",
            hint="Run `make install`, or set TECHNIQUES_EMBEDDER=sentence-transformers.",
        ) from exc

    class Pooled(torch.nn.Module):
        def __init__(self, encoder) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    model = Pooled(AutoModel.from_pretrained(str(model_path), local_files_only=True)).eval()  # no dropout
    sample = tuple(torch.ones(2, 16, dtype=torch.long) for _ in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS} | {"sentence_embedding": {0: "batch"}}
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        with torch.no_grad():
            torch.onnx.export(
                model, sample, str(tmp), input_names=list(_INPUTS), output_names=["sentence_embedding"],
                dynamic_axes=axes, opset_version=17, dynamo=False,
            )
        _check(model, tmp, model_path)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _check(model, exported: Path, model_path: Path) -> None:
    """The traced graph must give torch's vectors for short, long and padded batches."""
    import torch

    embedder = OnnxEmbedder(model_path, exported.parent, threads=1)
    embedder.__dict__["_session"] = _plain_session(exported)
    got = embedder.embed_documents(_PROBES)
    encodings = embedder._tokenizer.encode_batch(list(_PROBES))
    width = max(len(e.ids) for e in encodings)
    ids = torch.tensor([e.ids + [0] * (width - len(e.ids)) for e in encodings])
    mask = torch.tensor([[1] * len(e.ids) + [0] * (width - len(e.ids)) for e in encodings])
    with torch.no_grad():
        want = model(ids, mask, torch.zeros_like(ids)).numpy()
    worst = float((got * want).sum(axis=1).min())
    if worst < 0.99999:
        raise TechniquesError(f"The ONNX export of {model_path} does not match the model (cosine {worst:.5f}).",
                              hint="Set TECHNIQUES_EMBEDDER=sentence-transformers and report this.")


def _plain_session(path: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def model_key(model_path: Path, cache_dir: Path) -> str:
    """A hash of the model's files, memoised by their size and mtime so a cold start is cheap."""
    files = [model_path / f for f in _MODEL_FILES if (model_path / f).is_file()]
    files += [model_path / w for w in _WEIGHTS if (model_path / w).is_file()][:1]
    if not files:
        raise TechniquesError(f"No embedding model found in {model_path}.", hint="Check TECHNIQUES_MODEL_PATH.")
    stamp = hashlib.sha256(EXPORT_REVISION.encode())
    for f in files:
        st = f.stat()
        stamp.update(f"{f.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    memo = Path(cache_dir) / "onnx" / "keys" / stamp.hexdigest()[:32]
    try:
        return memo.read_text("utf-8").strip()
    except OSError:
        pass
    digest = hashlib.sha256(EXPORT_REVISION.encode())
    for f in files:
        digest.update(f.relative_to(model_path).as_posix().encode() + b"\0")
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    key = digest.hexdigest()[:24]
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
        tmp.write_text(key, "utf-8")
        os.replace(tmp, memo)
    except OSError:  # a read-only cache still works, it just hashes every time
        log.debug("cannot memoise the model hash in %s", memo.parent)
    return key


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # waits: a second process reuses the first one's export
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
