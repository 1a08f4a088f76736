"""A published version's `Library`, saved beside it so that a fresh process opens it fast.

Building a Library reads every chunk and document back from Chroma, tokenises every chunk and
indexes it for BM25: about ten seconds at 10,000 documents, paid by every `techniques ask`. A
version never changes once published, so the first process to build its Library saves the
result in the version's folder (`DATA/versions/<v>/library-<key>/`: bm25s's own files and one
JSON file, no pickle), and later processes load that instead. Documents are parsed from it only
when a question needs them. The key covers this code and the library's, so a change to how a
Library is built makes the old snapshot invisible rather than wrong. Anything missing or
unreadable falls back to building from Chroma; the snapshot is never the source of truth.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ingest.store import doc_from_json, doc_to_json
from ingest.types import Chunk, ParsedDocument, SectionKind

log = logging.getLogger(__name__)

FORMAT = "1"
_FILE = "library.json"
_FIELDS = ("id", "doc_id", "title", "section_title", "section_kind", "section_order", "order", "text",
           "content_hash", "page", "markers")


@lru_cache(maxsize=1)
def code_key() -> str:
    h = hashlib.sha256(FORMAT.encode())
    for module in ("library.py", "snapshot.py"):
        h.update((Path(__file__).parent / module).read_bytes())
    for module in ("types.py", "store.py"):
        h.update((Path(__file__).parent.parent / "ingest" / module).read_bytes())
    for package in ("bm25s", "PyStemmer"):
        try:
            h.update(metadata.version(package).encode())
        except metadata.PackageNotFoundError:
            pass
    return h.hexdigest()[:16]


def folder_for(version_dir: Path) -> Path:
    return Path(version_dir) / f"library-{code_key()}"


class StoredDocs(Mapping[str, ParsedDocument]):
    """The version's documents, each parsed from the snapshot the first time it is looked up."""

    def __init__(self, raw: dict[str, list]) -> None:
        self._raw = raw  # doc id -> [the store's JSON form as text, file hash]: a tenth of the memory
        self._parsed: dict[str, ParsedDocument] = {}

    def __getitem__(self, doc_id: str) -> ParsedDocument:
        doc = self._parsed.get(doc_id)
        if doc is None:
            text, file_hash = self._raw[doc_id]
            doc = self._parsed[doc_id] = doc_from_json(json.loads(text), {"doc_id": doc_id, "file_hash": file_hash})
        return doc

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass
class LibraryState:
    """Everything a Library is built from and derives: what a snapshot holds. The Library makes
    one (`Library.state`) and is made from one (`Library.from_state`); this module knows nothing
    of the Library itself."""

    version: str
    chunks: list[Chunk]
    docs: Mapping[str, ParsedDocument]
    bm25: Any  # a bm25s.BM25, or None for an empty library
    doc_terms: Mapping[str, Iterable[str]]
    idf: dict[str, float]
    max_idf: float
    name_terms: dict[str, set[str]]


def save(state: LibraryState, folder: Path) -> None:
    """Write a library's snapshot; best effort (a read-only data folder just skips it)."""
    folder = Path(folder)
    if folder.is_dir():
        return
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    columns = {f: [getattr(c, f) for c in state.chunks] for f in _FIELDS}
    columns["section_kind"] = [str(k) for k in columns["section_kind"]]
    parts = {  # separate files, so that loading never holds all of the text at once
        "chunks": columns,
        "docs": {k: [json.dumps(doc_to_json(d), ensure_ascii=False), d.file_hash] for k, d in state.docs.items()},
        "terms": {
            "doc_terms": {k: sorted(v) for k, v in state.doc_terms.items()},
            "idf": state.idf,
            "max_idf": state.max_idf,
            "name_terms": {k: sorted(v) for k, v in state.name_terms.items()},
        },
    }
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if state.chunks:
            state.bm25.save(str(tmp / "bm25"), show_progress=False)
        for name, data in parts.items():
            (tmp / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        (tmp / _FILE).write_text(json.dumps({"format": FORMAT, "version": state.version}), "utf-8")
        os.rename(tmp, folder)  # atomic: a reader sees no snapshot or a whole one
    except OSError as exc:  # another process won the race, or the folder is not writable
        log.debug("library snapshot not written to %s: %s", folder, exc)
        shutil.rmtree(tmp, ignore_errors=True)


def load(version: str, folder: Path) -> LibraryState | None:
    """The library state saved in `folder`, or None when there is no usable snapshot."""
    folder = Path(folder)
    read = lambda name: json.loads((folder / f"{name}.json").read_text("utf-8"))  # noqa: E731
    try:
        head = read("library")
        if head.get("format") != FORMAT or head.get("version") != version:
            return None
        chunks = _chunks(read("chunks"))
        docs = StoredDocs(read("docs"))
        terms = read("terms")
        words = {t: t for t in terms["idf"]}  # one string object per word, shared by every technique
        doc_terms = {k: tuple(words.get(t, t) for t in v) for k, v in terms["doc_terms"].items()}  # a set each: 5x the memory
        bm25 = None
        if chunks:
            import bm25s

            bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        state = LibraryState(version, chunks, docs, bm25, doc_terms, terms["idf"], float(terms["max_idf"]),
                             {k: set(v) for k, v in terms["name_terms"].items()})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("rebuilding the unreadable library snapshot in %s (%s)", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)  # so that this open writes a good one
        return None
    return state


def _chunks(columns: dict[str, list]) -> list[Chunk]:
    kinds = {str(k): k for k in SectionKind}
    same: dict[str, str] = {}  # doc ids and titles repeat on every chunk of a document: keep one copy
    for field in ("doc_id", "title", "section_title"):
        columns[field] = [same.setdefault(v, v) for v in columns[field]]
    return [
        Chunk(cid, doc_id, title, section, kinds[kind], section_order, order, text, digest, page, tuple(markers))
        for cid, doc_id, title, section, kind, section_order, order, text, digest, page, markers in zip(
            *(columns[f] for f in _FIELDS)
        )
    ]
