"""The ingest pipeline: files -> load -> clean -> sections -> chunks -> embeddings -> a new
published index version.

An ingest makes the index match the files it is given: new and changed files are parsed,
files that are gone leave the index, and unchanged files are carried over as they are. A
file's fingerprint covers its bytes, its catalog entry and the pipeline's own rules, so a
change to any of them re-parses it. Embeddings are reused by chunk content hash, so an
unchanged corpus, a renamed file or a re-parse that yields the same passages computes none;
a version records the model that embedded it, and a different model starts from scratch.
Nothing is published unless the new version is complete, and an ingest that fails removes
the version it had started. The folder is untrusted (ingest.load reads regular files only),
PDF and HTML are parsed within a time and memory budget (ingest.budget), and a file whose
metadata cannot be stored is skipped alone.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ingest.backends import LocalBackend, new_version_name, open_backend
from ingest.budget import ParseBudget
from ingest.chunk import chunk_document, embedding_text
from ingest.clean import clean
from ingest.embed import Embedder, TokenCounter, make_embedder
from ingest.failures import store_failure
from ingest.files import Skipped, SkipFile, discover, read_file
from ingest.load import load_catalog
from ingest.lock import ingest_locks
from ingest.manifest import MANIFEST
from ingest.manifest import fingerprint as _fingerprint
from ingest.manifest import unchanged as _unchanged
from ingest.manifest import within as _within
from ingest.manifest import write_manifest as _write_manifest
from ingest.sections import parse
from ingest.risk import with_risk_profile
from ingest.store import Index, StoredDoc, json_safe, storable
from ingest.summary import IngestSummary, shown
from ingest.types import Chunk, ParsedDocument, SectionKind
from techniques.errors import TechniquesError
from techniques.settings import Settings

log = logging.getLogger(__name__)

RULES_REVISION = "3"  # bump when the parsing code changes what it produces
Progress = Callable[[str, int, int], None]  # (stage, done, total)
__all__ = ["MANIFEST", "IngestSummary", "Progress", "Skipped", "ingest", "rules_fingerprint"]


def rules_fingerprint(settings: Settings) -> str:
    h = hashlib.sha256(RULES_REVISION.encode())
    for name in ("structure.yaml", "noise.yaml", "risks.yaml"):  # risks: the stored risk profile
        h.update(resources.files("ingest").joinpath(f"data/{name}").read_bytes())
    h.update(str(settings.chunk_tokens).encode())
    return h.hexdigest()[:16]


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    progress: bool = True,
    on_progress: Progress | None = None,
    budget: ParseBudget | None = None,
) -> IngestSummary:
    """`on_progress(stage, done, total)` is told how far "read" (files), "embed" (passages) and
    "store" have got, for a caller showing progress (the library manager's background job)."""
    started = time.perf_counter()
    with ingest_locks(settings), _closing() as opened, (budget or ParseBudget()) as parser:
        summary = _ingest_locked(paths, settings, embedder, rebuild, progress, opened, on_progress, parser)
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


def _ingest_locked(paths, settings: Settings, embedder, rebuild: bool, progress: bool, opened: list[Index],
                   on_progress: Progress | None = None, parser: ParseBudget | None = None) -> IngestSummary:
    parser = parser or ParseBudget()
    backend = open_backend(settings, writing=True)
    summary = IngestSummary(store=backend.describe())
    scopes = [_given(p) for p in paths]
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
    for path in tqdm(_counted(files, "read", on_progress), total=len(files), desc="read", unit="file", disable=not progress, leave=False):
        folder = path.parent
        if folder not in catalogs:
            catalogs[folder] = load_catalog(folder)
        entry = catalogs[folder].get(path.stem)
        old = old_docs.get(path.stem)
        try:
            data = read_file(path)  # a regular file, never through a link, capped on the bytes read
            fingerprint = _fingerprint(data, entry, rules)
        except SkipFile as exc:
            _skip(summary, kept, old, path, exc.reason)
            continue
        if old is not None and old.fingerprint == fingerprint:
            kept[path.stem] = old
            summary.unchanged.append(path.stem)
            continue
        try:
            loaded = parser.load(path, data, catalogs[folder])  # PDF and HTML within their budget
            doc = with_risk_profile(parse(clean(replace(loaded, meta=_metadata(loaded.meta)))))
            storable(doc)
        except SkipFile as exc:
            _skip(summary, kept, old, path, exc.reason)
            continue
        except Exception as exc:  # a bug on one file must not stop the batch
            log.warning("ingest failed on %s: %s", shown(path), _one_line(exc))
            log.debug("the failure on %s", shown(path), exc_info=True)
            _skip(summary, kept, old, path, f"could not be parsed ({type(exc).__name__}: {_one_line(exc)})")
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
    computed = _embed(missing, embedder, progress, on_progress)
    reuse.update(computed)
    summary.embedded = len(computed)
    chunks += new_chunks
    vectors += [reuse[c.content_hash] for c in new_chunks]

    if on_progress:
        on_progress("store", 0, 1)
    version = new_version_name()
    index = None
    try:
        index = backend.create(version, model=embedder.name)
        opened.append(index)
        index.add_chunks(chunks, np.vstack(vectors) if vectors else np.zeros((0, 384), np.float32))
        index.add_docs(list(kept.values()) + fresh)
        _write_manifest(backend, version, embedder.name, list(kept.values()) + fresh, len(chunks))
        backend.publish(version)
    except BaseException as exc:  # KeyboardInterrupt too; only a SIGKILL leaves an orphan
        _discard(backend, version, index)
        if isinstance(exc, Exception) and (clear := store_failure(exc, settings.data_dir, kept=previous is not None)):
            raise clear from exc
        raise
    keep = {version}
    if previous and (previous == current or _readable(backend, previous)):
        keep.add(previous)  # a running app may still be answering from it
    backend.collect_garbage(keep)
    summary.version, summary.published = version, True
    summary.chunks = len(chunks)
    summary.reused = summary.chunks - summary.embedded  # kept, matched by content, or a duplicate
    summary.cautions = sum(len(d.doc.cautions) for d in kept.values()) + sum(len(d.doc.cautions) for d in fresh)
    return summary


def _given(path) -> Path:
    """A path the user gave, resolved (the user chose it, links and all); a link loop stays as
    given, and discovery refuses it."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(path).absolute()


def _metadata(meta: dict) -> dict:
    """Front matter and catalog values as they can be stored (dates as text), or this file's skip."""
    try:
        return json_safe(meta)
    except ValueError as exc:
        raise SkipFile(f"its metadata cannot be stored ({exc}): fix the front matter or catalog entry") from None


def _discard(backend, version: str, index: Index | None) -> None:
    """Remove the version this ingest started and did not publish, its Chroma files closed first.
    A store that refused the version may refuse its removal too: the next ingest removes it."""
    try:
        if index is not None:
            index.close()
        backend.discard(version)
    except Exception as exc:
        log.warning("could not remove the unpublished version %s (%s); the next ingest will", version, _one_line(exc))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return shown(text if len(text) <= 160 else text[:157] + "...")


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


def _has_structure(doc: ParsedDocument) -> bool:
    plain = {SectionKind.OVERVIEW, SectionKind.OTHER}
    return any(s.kind not in plain for s in doc.sections) or len(doc.sections) > 1


def _counted(items: Sequence, stage: str, on_progress: Progress | None) -> Iterable:
    for done, item in enumerate(items):
        if on_progress:
            on_progress(stage, done, len(items))
        yield item
    if on_progress:
        on_progress(stage, len(items), len(items))


def _embed(chunks: list[Chunk], embedder: Embedder, progress: bool, on_progress: Progress | None = None) -> dict[str, np.ndarray]:
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
            if on_progress:
                on_progress("embed", start, len(todo))
            vectors = embedder.embed_documents([embedding_text(c) for c in part])
            out.update({c.content_hash: v for c, v in zip(part, vectors)})
            bar.update(len(part))
            if on_progress:
                on_progress("embed", start + len(part), len(todo))
    return out
