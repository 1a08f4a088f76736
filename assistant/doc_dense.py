"""Document-level dense vectors: one embedding per technique of what it is (its names, the
muscles and equipment of its metadata, its opening lines), a ranker beside the passages'.

A question in users' words ("the machine where you push a platform away with your feet")
often matches what a technique is as a whole better than any one of its passages, and a short
library entry has only one or two passages to match. Computed with the query embedder the
first time a Library is searched (about a second per thousand documents with the int8 model)
and kept with it, and saved in the version's Library snapshot when it has one (so the ingest's
prebuild pays for them, not the first question); unit length, one row per `DocumentFields.ids`.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embed import Embedder

log = logging.getLogger(__name__)
Library = Any  # assistant.library.Library, which imports this module (for `prebuild`)

_OPENING = 300  # characters of a document's passages that say what it is


def _strings(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def card_text(library: Library, doc_id: str) -> str:
    """What one technique is, in a sentence or two: names, muscles, equipment, opening lines."""
    doc = library.docs[doc_id]
    meta = doc.meta
    parts = [doc.title]
    if aliases := [a for a in _strings(meta.get("techniques")) if a.lower() != doc.title.lower()]:
        parts.append("also called " + ", ".join(aliases))
    if muscles := _strings(meta.get("muscles")):
        parts.append("works the " + ", ".join(muscles))
    if equipment := _strings(meta.get("equipment")):
        parts.append("with " + ", ".join(equipment))
    opening = " ".join(c.text for c in library.by_doc.get(doc_id, [])[:2])[:_OPENING]
    return ". ".join(parts) + ". " + opening


def vectors(library: Library, embedder: Embedder) -> np.ndarray:
    """One unit vector per technique (rows in `library.fields.ids` order), built once per
    Library and embedder."""
    cached = library.__dict__.setdefault("_doc_vectors", {})
    key = getattr(embedder, "name", type(embedder).__name__)
    if key not in cached:
        ids = library.fields.ids
        path = _saved(library, key)
        if not ids:
            cached[key] = np.zeros((0, 1), dtype=np.float32)
        elif (found := _load(path, len(ids))) is not None:
            cached[key] = found
        else:
            matrix = np.asarray(embedder.embed_documents([card_text(library, d) for d in ids]), dtype=np.float32)
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            cached[key] = matrix / np.where(norms == 0, 1.0, norms)
            _save(path, cached[key])
    return cached[key]


def _saved(library: Library, key: str) -> Path | None:
    folder = getattr(library, "snapshot", None)
    return Path(folder) / f"cards-{re.sub(r'[^A-Za-z0-9_.-]+', '_', key)}.npy" if folder else None


def _load(path: Path | None, rows: int) -> np.ndarray | None:
    if path is None or not path.is_file():
        return None
    try:
        found = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        log.warning("recomputing the unreadable document vectors %s (%s)", path, exc)
        return None
    return found if found.ndim == 2 and found.shape[0] == rows else None


def _save(path: Path | None, matrix: np.ndarray) -> None:
    """Best effort and atomic: a read-only or missing snapshot folder just skips it."""
    if path is None or not path.parent.is_dir():
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npy")
    try:
        np.save(tmp, matrix, allow_pickle=False)
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("document vectors not saved to %s: %s", path, exc)
        tmp.unlink(missing_ok=True)


def similarities(library: Library, embedder: Embedder, query_vector: np.ndarray) -> np.ndarray:
    """Cosine of the question with every technique, in `library.fields.ids` order."""
    matrix = vectors(library, embedder)
    if not len(matrix):
        return np.zeros(0, dtype=np.float32)
    q = np.asarray(query_vector, dtype=np.float32).ravel()
    n = float(np.linalg.norm(q)) or 1.0
    return matrix @ (q / n)
