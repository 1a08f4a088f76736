"""A local version's manifest and the quick unchanged ingest it allows.

Beside each local version: its model, chunk count, and each document's path, fingerprint and
caution count, so an ingest that changes nothing is told without opening Chroma (importing
chromadb and reading every document cost ~1 s per run). Any doubt takes the full path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from ingest.backends import LocalBackend
from ingest.files import SkipFile, read_file
from ingest.load import load_catalog
from ingest.store import StoredDoc
from ingest.summary import IngestSummary
from techniques.errors import TechniquesError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


def fingerprint(raw: bytes, catalog_entry: dict | None, rules: str) -> str:
    """What decides whether a file is parsed again: its bytes, its catalog entry, the rules."""
    h = hashlib.sha256(raw)
    h.update(json.dumps(catalog_entry or {}, sort_keys=True, default=str).encode())
    h.update(rules.encode())
    return h.hexdigest()


def within(path: Path, scopes: list[Path]) -> bool:
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):  # a link loop where a stored document was
        return False
    return any(resolved == s or s in resolved.parents for s in scopes)


def write_manifest(backend, version: str, model: str, docs: list[StoredDoc], chunks: int) -> None:
    """Beside a local version, before it is published."""
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


def unchanged(backend: LocalBackend, current: str, scopes: list[Path], files: list[Path], rules: str, model: str) -> IngestSummary | None:
    """The summary of an ingest that changes nothing, told from the published version's manifest
    without opening Chroma; None when anything differs or cannot be told from it (a new, changed,
    deleted, unreadable or oversized file, another model, no manifest): the full path decides."""
    try:
        manifest = json.loads((backend.versions / current / MANIFEST).read_text("utf-8"))
        docs: dict[str, dict] = manifest["docs"]
        if manifest["model"] != model or not files or not looks_intact(backend, current):
            return None
        summary = IngestSummary(documents=len(docs), chunks=int(manifest["chunks"]), version=current)
        catalogs: dict[Path, dict] = {}
        for path in files:
            old = docs.get(path.stem)
            if old is None:
                return None
            if path.parent not in catalogs:
                catalogs[path.parent] = load_catalog(path.parent)
            if fingerprint(read_file(path), catalogs[path.parent].get(path.stem), rules) != old["fingerprint"]:
                return None
            summary.unchanged.append(path.stem)
        given = set(summary.unchanged)
        if any(doc_id not in given and within(Path(d["path"]), scopes) for doc_id, d in docs.items()):
            return None  # a file gone from a given folder
        summary.cautions = sum(int(d["cautions"]) for d in docs.values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError, TechniquesError, SkipFile):
        return None  # the full path reads the same files and reports what is wrong
    backend.remove_orphans(current)
    return summary


def looks_intact(backend: LocalBackend, version: str) -> bool:
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
