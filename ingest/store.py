"""The Chroma adapter: one `Index` is one published (or being-built) version of the index.

An index is two collections: `chunks` (one record per chunk, our own embeddings, cosine space)
and `docs` (one record per document: its parsed sections and every caution, as JSON, so the
assistant can show all of a technique's cautions and the whole source). Chroma types stay in
this module and in backends.py.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.types import Block, Caution, Chunk, ParsedDocument, Section, SectionKind

_PAGE = 2000  # records per get/add call, well under Chroma's max batch size
_DOC_VECTOR = [1.0]  # the docs collection is looked up by id, never by similarity


@dataclass(frozen=True)
class StoredChunk:
    chunk: Chunk
    embedding: np.ndarray | None = None


@dataclass(frozen=True)
class StoredDoc:
    doc: ParsedDocument
    fingerprint: str


class Index:
    """Read and write one version's collections."""

    def __init__(self, client, prefix: str, *, create: bool = False, model: str | None = None) -> None:
        self.client = client
        self._size: int | None = None  # chunk count, read once per query-side Index
        kwargs = {"embedding_function": None}
        if create:
            self._chunks = client.create_collection(
                f"{prefix}-chunks",
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"model": model} if model else None,
                **kwargs,
            )
            self._docs = client.create_collection(f"{prefix}-docs", **kwargs)
        else:
            self._chunks = client.get_collection(f"{prefix}-chunks", **kwargs)
            self._docs = client.get_collection(f"{prefix}-docs", **kwargs)

    @property
    def model(self) -> str | None:
        """The name of the embedder that made this version's vectors (None before it was kept)."""
        return (self._chunks.metadata or {}).get("model")

    # -- writing ---------------------------------------------------------------------------
    def add_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        self._size = None
        for start in range(0, len(chunks), _PAGE):
            part = chunks[start : start + _PAGE]
            self._chunks.add(
                ids=[c.id for c in part],
                embeddings=np.asarray(vectors[start : start + _PAGE], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[_chunk_meta(c) for c in part],
            )

    def add_docs(self, docs: Sequence[StoredDoc]) -> None:
        for start in range(0, len(docs), _PAGE):
            part = docs[start : start + _PAGE]
            self._docs.add(
                ids=[d.doc.doc_id for d in part],
                embeddings=[_DOC_VECTOR for _ in part],
                documents=[json.dumps(_doc_json(d.doc)) for d in part],
                metadatas=[
                    {"doc_id": d.doc.doc_id, "file_hash": d.doc.file_hash, "fingerprint": d.fingerprint} for d in part
                ],
            )

    # -- reading ---------------------------------------------------------------------------
    def chunks(self, *, embeddings: bool = False) -> Iterator[StoredChunk]:
        include = ["documents", "metadatas"] + (["embeddings"] if embeddings else [])
        for batch in self._pages(self._chunks, include):
            vectors = batch.get("embeddings") if embeddings else None
            for i, (cid, text, meta) in enumerate(zip(batch["ids"], batch["documents"], batch["metadatas"])):
                vector = np.asarray(vectors[i], dtype=np.float32) if vectors is not None else None
                yield StoredChunk(_chunk_from(cid, text, meta), vector)

    def docs(self) -> dict[str, StoredDoc]:
        found: dict[str, StoredDoc] = {}
        for batch in self._pages(self._docs, ["documents", "metadatas"]):
            for text, meta in zip(batch["documents"], batch["metadatas"]):
                doc = _doc_from(json.loads(text), meta)
                found[doc.doc_id] = StoredDoc(doc, str(meta.get("fingerprint", "")))
        return found

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        if self._size is None:  # a published version never changes: one count, not one per question
            self._size = self.count()
        k = min(k, self._size)
        if k <= 0:
            return []
        result = self._chunks.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=k, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0])]

    def count(self) -> int:
        return self._chunks.count()

    def close(self) -> None:
        """Release the client's resources (a local folder's Chroma system, an HTTP pool)."""
        close = getattr(self.client, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # closing twice or a server already gone: nothing left to release
                pass

    @staticmethod
    def _pages(collection, include: list[str]) -> Iterator[dict]:
        offset = 0
        while True:
            batch = collection.get(limit=_PAGE, offset=offset, include=include)
            if not batch["ids"]:
                return
            yield batch
            offset += len(batch["ids"])


def _chunk_meta(c: Chunk) -> dict:
    return {
        "doc_id": c.doc_id,
        "title": c.title,
        "section_title": c.section_title,
        "section_kind": str(c.section_kind),
        "section_order": c.section_order,
        "order": c.order,
        "content_hash": c.content_hash,
        "page": -1 if c.page is None else c.page,
        "markers": json.dumps(list(c.markers)),
    }


def _chunk_from(cid: str, text: str, meta: dict) -> Chunk:
    page = int(meta.get("page", -1))
    return Chunk(
        id=cid,
        doc_id=meta["doc_id"],
        title=meta["title"],
        section_title=meta["section_title"],
        section_kind=SectionKind(meta["section_kind"]),
        section_order=int(meta["section_order"]),
        order=int(meta["order"]),
        text=text,
        content_hash=meta["content_hash"],
        page=None if page < 0 else page,
        markers=tuple(json.loads(meta.get("markers", "[]"))),
    )


def _doc_json(doc: ParsedDocument) -> dict:
    return {
        "title": doc.title,
        "path": str(doc.path),
        "fmt": doc.fmt,
        "meta": doc.meta,
        "sections": [
            {
                "kind": str(s.kind),
                "title": s.title,
                "order": s.order,
                "blocks": [{"text": b.text, "marker": b.marker, "page": b.page} for b in s.blocks],
            }
            for s in doc.sections
        ],
        "cautions": [{"text": c.text, "section": c.section} for c in doc.cautions],
    }


def _doc_from(data: dict, meta: dict) -> ParsedDocument:
    doc_id = meta["doc_id"]
    return ParsedDocument(
        doc_id=doc_id,
        title=data["title"],
        path=Path(data["path"]),
        fmt=data["fmt"],
        file_hash=meta["file_hash"],
        meta=data.get("meta") or {},
        sections=tuple(
            Section(
                kind=SectionKind(s["kind"]),
                title=s["title"],
                order=s["order"],
                blocks=tuple(Block(b["text"], b.get("marker"), b.get("page")) for b in s["blocks"]),
            )
            for s in data["sections"]
        ),
        cautions=tuple(Caution(c["text"], doc_id, c["section"]) for c in data["cautions"]),
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_safe(value: object) -> object:
    """Metadata as JSON and Chroma can hold it. YAML gives dates, times, sets and more besides
    strings and numbers (`date: 2020-01-01` is a `datetime.date`): dates and times become ISO
    strings, other scalars their text, NaN and infinities text, lone surrogates U+FFFD. Binary
    data (`!!binary`) has no text form: a ValueError, which the pipeline turns into that file's
    skip reason."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(json_safe(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, bytes | bytearray):
        raise ValueError("binary data (a YAML !!binary value) has no text form")
    return str(value)


def storable(doc: ParsedDocument) -> None:
    """Raise ValueError when a parsed document could not be stored as it is (found before a
    version is created, so it is that file's skip reason and never the batch's)."""
    json.dumps(_doc_json(doc), allow_nan=False)
    for text in (doc.doc_id, doc.title):
        if _SURROGATE.search(text):
            raise ValueError("text that is not valid Unicode (a lone surrogate)")


# The same JSON form for a cache that keeps a version's documents beside it (assistant/snapshot.py).
doc_to_json = _doc_json
doc_from_json = _doc_from
