"""The ingest pipeline: files -> load -> clean -> sections -> chunks -> embeddings -> a new
published index version.

An ingest makes the index match the files it is given: new and changed files are parsed,
files that are gone leave the index, and unchanged files are carried over as they are. A
file's fingerprint covers its bytes, its catalog entry and the pipeline's own rules, so a
change to any of them re-parses it. Embeddings are reused by chunk content hash, so an
unchanged corpus, a renamed file or a re-parse that yields the same passages computes none;
a version records the model that embedded it, and a different model starts from scratch.
Nothing is published unless the new version is complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ingest.backends import LocalBackend, new_version_name, open_backend
from ingest.chunk import chunk_document, embedding_text
from ingest.clean import clean
from ingest.embed import Embedder, TokenCounter, make_embedder
from ingest.load import MAX_PDF_BYTES, MAX_TEXT_BYTES, Skipped, SkipFile, discover, load, load_catalog
from ingest.lock import ingest_lock
from ingest.sections import parse
from ingest.store import Index, StoredChunk, StoredDoc
from ingest.types import Chunk, ParsedDocument, SectionKind
from techniques.errors import TechniquesError
from techniques.settings import Settings

log = logging.getLogger(__name__)

RULES_REVISION = "2"  # bump when the parsing code changes what it produces
MAX_FILE_BYTES = max(MAX_TEXT_BYTES, MAX_PDF_BYTES)
# in a local version's folder: what tells an unchanged ingest that nothing changed, read
# without opening Chroma (importing chromadb and reading every document cost ~1 s per run)
MANIFEST = "manifest.json"


@dataclass
class IngestSummary:
    documents: int = 0
    chunks: int = 0
    cautions: int = 0
    embedded: int = 0
    reused: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    version: str | None = None
    published: bool = False
    store: str = ""

    def lines(self) -> list[str]:
        state = "new index version published" if self.published else "index unchanged"
        out = [
            f"Ingest into {self.store}: {state}" + (f" ({self.version})" if self.version else ""),
            f"  documents: {self.documents} (added {len(self.added)}, changed {len(self.changed)}, "
            f"deleted {len(self.deleted)}, unchanged {len(self.unchanged)})",
            f"  chunks: {self.chunks} (embedded {self.embedded}, reused {self.reused})",
            f"  cautions found: {self.cautions}",
        ]
        out += [f"  warning: {w}" for w in self.warnings]
        out += [f"  skipped {s.path}: {s.reason}" for s in self.skipped]
        out.append(f"  time: {self.seconds:.2f} s")
        return out


def rules_fingerprint(settings: Settings) -> str:
    h = hashlib.sha256(RULES_REVISION.encode())
    for name in ("structure.yaml", "noise.yaml"):
        h.update(resources.files("ingest").joinpath(f"data/{name}").read_bytes())
    h.update(str(settings.chunk_tokens).encode())
    return h.hexdigest()[:16]


def _fingerprint(raw: bytes, catalog_entry: dict | None, rules: str) -> str:
    h = hashlib.sha256(raw)
    h.update(json.dumps(catalog_entry or {}, sort_keys=True, default=str).encode())
    h.update(rules.encode())
    return h.hexdigest()


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    progress: bool = True,
) -> IngestSummary:
    started = time.perf_counter()
    with ingest_lock(settings.data_dir), _closing() as opened:
        summary = _ingest_locked(paths, settings, embedder, rebuild, progress, opened)
    summary.seconds = time.perf_counter() - started
    return summary


@contextmanager
def _closing() -> Iterator[list[Index]]:
    """Indexes opened by an ingest are released when it ends, however it ends."""
    opened: list[Index] = []
    try:
        yield opened
    finally:
        for index in opened:
            index.close()


def _ingest_locked(paths, settings: Settings, embedder, rebuild: bool, progress: bool, opened: list[Index]) -> IngestSummary:
    backend = open_backend(settings)
    summary = IngestSummary(store=backend.describe())
    scopes = [Path(p).resolve() for p in paths]
    files, summary.skipped = discover(scopes)
    rules = rules_fingerprint(settings)
    embedder = embedder or make_embedder(settings)  # loads on first use

    previous = backend.current_version()  # kept through garbage collection: the app may read it
    current = None if rebuild else previous
    if current and isinstance(backend, LocalBackend) and (same := _unchanged(backend, current, scopes, files, rules, embedder.name)):
        same.store, same.skipped = summary.store, summary.skipped
        return same
    old_index = backend.open(current) if current else None
    if old_index is not None:
        opened.append(old_index)
    if old_index is not None and old_index.model not in (None, embedder.name):
        # another model's vectors are not comparable with this one's: nothing can be reused
        summary.warnings.append(f"the embedding model changed ({old_index.model} -> {embedder.name}); "
                                "every document is embedded again")
        old_index = None
    old_docs = old_index.docs() if old_index else {}

    kept: dict[str, StoredDoc] = {}
    fresh: list[StoredDoc] = []  # parsed this run, with their fingerprints
    catalogs: dict[Path, dict] = {}
    for path in tqdm(files, desc="read", unit="file", disable=not progress, leave=False):
        folder = path.parent
        if folder not in catalogs:
            catalogs[folder] = load_catalog(folder)
        entry = catalogs[folder].get(path.stem)
        old = old_docs.get(path.stem)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                load(path)  # refuses with the reason, without reading the file
            fingerprint = _fingerprint(path.read_bytes(), entry, rules)
        except SkipFile as exc:
            _skip(summary, kept, old, path, exc.reason)
            continue
        except OSError as exc:
            _skip(summary, kept, old, path, f"cannot be read: {exc.strerror or exc}")
            continue
        if old is not None and old.fingerprint == fingerprint:
            kept[path.stem] = old
            summary.unchanged.append(path.stem)
            continue
        try:
            doc = parse(clean(load(path, catalogs[folder])))
        except SkipFile as exc:
            _skip(summary, kept, old, path, exc.reason)
            continue
        except Exception as exc:  # a bug on one file must not stop the batch
            log.exception("ingest failed on %s", path)
            _skip(summary, kept, old, path, f"could not be parsed ({type(exc).__name__}: {exc})")
            continue
        if not doc.sections:
            _skip(summary, kept, old, path, "no text left after removing page chrome")
            continue
        if not _has_structure(doc):
            summary.warnings.append(f"{path}: no headings or steps recognised; indexed as overview text")
        (summary.changed if path.stem in old_docs else summary.added).append(path.stem)
        fresh.append(StoredDoc(doc, fingerprint))

    ingested_now = set(summary.unchanged) | {d.doc.doc_id for d in fresh}
    present = set(kept) | {d.doc.doc_id for d in fresh}
    # only the given paths are synchronised: `techniques ingest note.md` adds a note and leaves
    # the rest of the library alone; a file gone from a given folder leaves the index
    for doc_id, old in old_docs.items():
        if doc_id not in present and not _within(old.doc.path, scopes):
            kept[doc_id] = old
            present.add(doc_id)
    summary.deleted = sorted(set(old_docs) - present)
    summary.documents = len(present)
    if not ingested_now:
        raise TechniquesError(
            "Nothing was ingested: no readable technique documents were found"
            + (" (the existing index was left as it was)." if current else "."),
            hint="Check the paths; supported files are .txt, .md, .html and .pdf.",
        )
    if old_index is not None and not fresh and not summary.deleted:
        backend.remove_orphans(current)
        summary.chunks = old_index.count()
        summary.cautions = sum(len(d.doc.cautions) for d in kept.values())
        summary.version = current
        # (re)written, so that a version made before manifests, or whose manifest was lost, is quick next time
        _write_manifest(backend, current, embedder.name, list(kept.values()), summary.chunks)
        return summary

    stored = list(old_index.chunks(embeddings=True)) if old_index else []
    reuse = {s.chunk.content_hash: s.embedding for s in stored if s.embedding is not None}
    chunks: list[Chunk] = [s.chunk for s in stored if s.chunk.doc_id in kept]
    vectors: list[np.ndarray] = [s.embedding for s in stored if s.chunk.doc_id in kept]

    counter = TokenCounter(settings.resolved_model_path())
    new_chunks = [c for d in fresh for c in chunk_document(d.doc, counter, settings.chunk_tokens)]
    missing = [c for c in new_chunks if c.content_hash not in reuse]
    computed = _embed(missing, embedder, progress)
    reuse.update(computed)
    summary.embedded = len(computed)
    chunks += new_chunks
    vectors += [reuse[c.content_hash] for c in new_chunks]

    version = new_version_name()
    index = backend.create(version, model=embedder.name)
    opened.append(index)
    index.add_chunks(chunks, np.vstack(vectors) if vectors else np.zeros((0, 384), np.float32))
    index.add_docs(list(kept.values()) + fresh)
    _write_manifest(backend, version, embedder.name, list(kept.values()) + fresh, len(chunks))
    backend.publish(version)
    keep = {version}
    if previous and (previous == current or _readable(backend, previous)):
        keep.add(previous)  # a running app may still be answering from it
    backend.collect_garbage(keep)
    summary.version, summary.published = version, True
    summary.chunks = len(chunks)
    summary.reused = summary.chunks - summary.embedded  # kept, matched by content, or a duplicate
    summary.cautions = sum(len(d.doc.cautions) for d in kept.values()) + sum(len(d.doc.cautions) for d in fresh)
    return summary


def _write_manifest(backend, version: str, model: str, docs: list[StoredDoc], chunks: int) -> None:
    """Beside a local version, before it is published: its model, chunk count, and each
    document's path, fingerprint and caution count."""
    if not isinstance(backend, LocalBackend):
        return
    manifest = {
        "model": model,
        "chunks": chunks,
        "docs": {d.doc.doc_id: {"path": str(d.doc.path), "fingerprint": d.fingerprint, "cautions": len(d.doc.cautions)} for d in docs},
    }
    target = backend.versions / version / MANIFEST
    tmp = target.with_name(f"{MANIFEST}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(manifest), "utf-8")
        os.replace(tmp, target)
    except OSError as exc:  # only a speed-up: the next ingest reads the store instead
        log.warning("could not write %s (%s)", target, exc)
        tmp.unlink(missing_ok=True)


def _unchanged(backend: LocalBackend, current: str, scopes: list[Path], files: list[Path], rules: str, model: str) -> IngestSummary | None:
    """The summary of an ingest that changes nothing, told from the published version's manifest
    without opening Chroma; None when anything differs or cannot be told from it (a new, changed,
    deleted, unreadable or oversized file, another model, no manifest): the full path decides."""
    try:
        manifest = json.loads((backend.versions / current / MANIFEST).read_text("utf-8"))
        docs: dict[str, dict] = manifest["docs"]
        if manifest["model"] != model or not files or not _looks_intact(backend, current):
            return None
        summary = IngestSummary(documents=len(docs), chunks=int(manifest["chunks"]), version=current)
        catalogs: dict[Path, dict] = {}
        for path in files:
            old = docs.get(path.stem)
            if old is None or path.stat().st_size > MAX_FILE_BYTES:
                return None
            if path.parent not in catalogs:
                catalogs[path.parent] = load_catalog(path.parent)
            if _fingerprint(path.read_bytes(), catalogs[path.parent].get(path.stem), rules) != old["fingerprint"]:
                return None
            summary.unchanged.append(path.stem)
        given = set(summary.unchanged)
        if any(doc_id not in given and _within(Path(d["path"]), scopes) for doc_id, d in docs.items()):
            return None  # a file gone from a given folder
        summary.cautions = sum(int(d["cautions"]) for d in docs.values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError, TechniquesError):
        return None  # the full path reads the same files and reports what is wrong
    backend.remove_orphans(current)
    return summary


def _looks_intact(backend: LocalBackend, version: str) -> bool:
    """A cheap look at a version's Chroma database: it opens and holds both collections. A damaged
    one goes to the full path, which opens it and names the repair (`--rebuild`)."""
    import sqlite3
    from contextlib import closing

    database = backend.versions / version / "chroma.sqlite3"
    try:
        with closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as db:
            names = {row[0] for row in db.execute("SELECT name FROM collections")}
    except (sqlite3.Error, OSError, ValueError):
        return False
    return {f"{backend.prefix}-chunks", f"{backend.prefix}-docs"} <= names


def _skip(summary: IngestSummary, kept: dict[str, StoredDoc], old: StoredDoc | None, path: Path, reason: str) -> None:
    """A file that cannot be read now keeps its last good version in the index, if it had one."""
    summary.skipped.append(Skipped(path, reason))
    if old is not None:
        kept[old.doc.doc_id] = old
        summary.warnings.append(f"{path}: kept the last version that could be read")


def _readable(backend, version: str) -> bool:
    try:
        backend.open(version).close()
    except TechniquesError:
        return False
    return True


def _within(path: Path, scopes: list[Path]) -> bool:
    resolved = Path(path).resolve()
    return any(resolved == s or s in resolved.parents for s in scopes)


def _has_structure(doc: ParsedDocument) -> bool:
    plain = {SectionKind.OVERVIEW, SectionKind.OTHER}
    return any(s.kind not in plain for s in doc.sections) or len(doc.sections) > 1


def _embed(chunks: list[Chunk], embedder: Embedder, progress: bool) -> dict[str, np.ndarray]:
    unique: dict[str, Chunk] = {}
    for c in chunks:
        unique.setdefault(c.content_hash, c)
    # shortest first: a batch is padded to its longest text, so mixed lengths waste most of it
    todo = sorted(unique.values(), key=lambda c: len(embedding_text(c)))
    out: dict[str, np.ndarray] = {}
    batch = 256  # texts per call; the embedder batches and parallelises inside it
    with tqdm(total=len(todo), desc="embed", unit="chunk", disable=not progress or not todo, leave=False) as bar:
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            vectors = embedder.embed_documents([embedding_text(c) for c in part])
            out.update({c.content_hash: v for c, v in zip(part, vectors)})
            bar.update(len(part))
    return out
