"""What a technique is about and how it starts, for the no-answer decision and the ranking.

`covers`: whether a technique is about a body region or kind of technique the question asks
about (its names and metadata, or its passages often enough, or once in a card-sized document);
`lacking`: what of the question it does not cover. `contradicts`: whether it starts the other way
than the question asks (data/lexicon.yaml `contrasts`: sitting / standing, overhand / underhand).
"""

from __future__ import annotations

from assistant.lexicon import Aspect, lexicon
from assistant.library import Library
from assistant.weights import thresholds
from ingest.types import SectionKind


def covers(library: Library, doc_id: str, aspect: Aspect) -> bool:
    """Whether a technique is about a body region or kind of technique: named in its names or
    metadata, or, when its metadata names no region, often enough in its passages (a passage
    that mentions the shoulders in passing does not make a low-back stretch a shoulder one),
    or at all in a document as short as an exercise card, where every sentence is about it.
    Memoised per library: a technique's text does not change while it is open."""
    known = library.__dict__.setdefault("_covers", {})
    key = (doc_id, aspect.label)
    if key not in known:
        known[key] = _covers(library, doc_id, aspect)
    return known[key]


def _covers(library: Library, doc_id: str, aspect: Aspect) -> bool:
    fields = library.fields
    if lexicon().mentions(aspect, fields.focus.get(doc_id, "")):
        return True
    doc = library.docs.get(doc_id)
    if aspect.family == "region" and doc is not None and doc.meta.get("region"):
        return False
    body = fields.body.get(doc_id, "")
    said = lexicon().mentions(aspect, body)
    return said >= thresholds().body_mentions or (said >= 1 and _words(library, doc_id) <= thresholds().card_words)


def _words(library: Library, doc_id: str) -> int:
    counts = library.__dict__.setdefault("_body_words", {})
    if doc_id not in counts:
        counts[doc_id] = len(library.fields.body.get(doc_id, "").split())
    return counts[doc_id]


def lacking(library: Library, doc_id: str, aspects: tuple[Aspect, ...], placed: tuple[Aspect, ...] = ()) -> tuple[str, ...]:
    """What a technique lacks of what is asked: every kind of technique it is not, and the body
    regions only when it covers none of those named, asked about or placing the body (a question
    that places the body while asking, "calf raises with a partner on my lower back", names
    regions it is not about; "stretch the thigh away from the hip socket" is about the hip too)."""
    kinds = [a.label for a in aspects if a.family == "kind" and not covers(library, doc_id, a)]
    regions = [a for a in aspects if a.family == "region"]
    if any(covers(library, doc_id, a) for a in [*regions, *placed]):
        regions = []
    return tuple(kinds + [a.label for a in regions])


def covered_anywhere(library: Library, aspect: Aspect) -> bool:
    cached = library.__dict__.setdefault("_aspect_cover", {})
    if aspect.label not in cached:
        cached[aspect.label] = any(covers(library, d, aspect) for d in library.fields.ids)
    return cached[aspect.label]


def contradicts(library: Library, doc_id: str, saying: frozenset[str]) -> float:
    """1.0 when the technique's names or first step say one side of a contrast (data/lexicon.yaml
    `contrasts`: sitting / standing, overhand / underhand, ...) and not the other while the
    question says only the other; else 0.0."""
    sides = _contrasts(library)
    asked = [(a, b) for a, b in sides if (saying & a) and not (saying & b)]
    if not asked:
        return 0.0
    start = _start_words(library, doc_id)
    return 1.0 if any((start & b) and not (start & a) for a, b in asked) else 0.0


def _contrasts(library: Library) -> list[tuple[frozenset[str], frozenset[str]]]:
    cached = library.__dict__.get("_contrasts")
    if cached is None:
        stems = lambda words: frozenset(library.tokenize(" ".join(words)))  # noqa: E731
        cached = [(stems(a), stems(b)) for a, b in lexicon().data.contrasts]
        cached += [(b, a) for a, b in cached]
        library.__dict__["_contrasts"] = cached
    return cached


def _start_words(library: Library, doc_id: str) -> frozenset[str]:
    """The words of a technique's names and metadata and of the start of its first step: where
    it says how the body starts."""
    cached = library.__dict__.setdefault("_start_words", {})
    if doc_id not in cached:
        chunks = library.by_doc.get(doc_id) or []
        first = next((c for c in chunks if c.section_kind == SectionKind.STEPS), chunks[0] if chunks else None)
        opening = first.text[:START_CHARS] if first is not None else ""
        cached[doc_id] = frozenset(library.tokenize(f"{library.fields.focus.get(doc_id, '')} {opening}"))
    return cached[doc_id]


START_CHARS = 200  # the start of a technique's first step: its starting position
