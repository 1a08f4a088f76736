"""Compose the technique card's parts: sections of cited lines in the document's order, and
every caution with its citation and why it is shown.

Everything shown is corpus text taken from stored chunks; each line carries the numbers that
`Citations` assigns to the chunks it came from, so every `[n]` has an entry and every entry is
used. Lines hold plain text: the renderers (assistant/render.py, web/render.py) escape it, so a
document cannot inject markup, links or fake citation markers into an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.checks import mark_affected, review
from assistant.library import Library
from assistant.retrieve import TechniqueMatch
from assistant.rules import answer_text
from assistant.types import CautionItem, Check, Citation, Direct, Layout, Line, Section
from ingest.sections import is_dosage, split_sentences
from ingest.types import Chunk, ParsedDocument, SectionKind


class Citations:
    """Numbers chunks in order of first use."""

    def __init__(self, scores: dict[str, float]) -> None:
        self._scores = scores
        self._numbers: dict[str, int] = {}
        self._entries: list[Citation] = []

    def mark(self, chunk: Chunk) -> str:
        if chunk.id not in self._numbers:
            n = len(self._entries) + 1
            self._numbers[chunk.id] = n
            self._entries.append(
                Citation(n, chunk.doc_id, chunk.title, chunk.section_title, chunk.text, round(self._scores.get(chunk.id, 0.0), 4))
            )
        return f"[{self._numbers[chunk.id]}]"

    @property
    def entries(self) -> tuple[Citation, ...]:
        return tuple(self._entries)


@dataclass(frozen=True)
class Card:
    """A technique card's parts, before they become an `Answer`."""

    title: str
    tagline: str
    sections: tuple[Section, ...]
    citations: tuple[Citation, ...]
    cautions: tuple[CautionItem, ...]
    direct: Direct | None = None
    checks: tuple[Check, ...] = ()  # contraindication verdicts for this client, shown first
    safety: dict = field(default_factory=dict)  # the safety review, for the trace


# the sections a fact answer keeps: its direct answer is what was asked, then the technique's
# steps (or, without steps, its passages); cautions and the disclaimer are the envelope's
_FACT_KEEPS = frozenset({"steps", "passages"})


@lru_cache(maxsize=8192)  # the same passages and cautions are squashed for every question about them
def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@lru_cache(maxsize=8192)
def _sentences(text: str) -> tuple[str, ...]:
    return tuple(s for line in text.split("\n") for s in split_sentences(line))


def _locate(chunks: list[Chunk], text: str) -> Chunk | None:
    needle = _squash(text)
    for probe in (needle, needle[:60]):
        for c in chunks:
            if probe and probe in _squash(c.text):
                return c
    return None


def _lines(chunks: list[Chunk], kinds: set[SectionKind]) -> list[tuple[str, str, Chunk]]:
    """(text, marker, chunk) for every block of the given section kinds, in document order;
    the continuation of a split block is folded back into the block it belongs to."""
    out: list[tuple[str, str, Chunk]] = []
    for c in chunks:
        if c.section_kind not in kinds:
            continue
        markers = c.markers or ("",) * len(c.text.split("\n"))
        for line, marker in zip(c.text.split("\n"), markers):
            out.append((line, marker, c))
    return out


def compose_card(
    library: Library,
    match: TechniqueMatch,
    question: str,
    *,
    also: TechniqueMatch | None = None,
    focus: bool = False,
    direct: Callable[[Citations], Direct | None] | None = None,
    history: Sequence[str] = (),
) -> Card:
    """The card for `match`. `direct` answers a fact question with this card's citation
    numbers (assistant.direct); when it does, the card is compact: the direct answer, then the
    steps (folded: the web shows them one click away, Markdown whole), then the cautions. A
    contraindication verdict for this client keeps the whole card."""
    doc = library.docs[match.doc_id]
    chunks = library.by_doc[match.doc_id]
    cite = Citations({h.chunk.id: h.score for h in match.hits})
    safety = review(doc, question, history)
    # the document's cautions that are in its passages, and the general ones the review chose
    cautions = [c for c in safety.cautions if not c.doc_id or _locate(chunks, c.text)]
    targeted = [c for c in cautions if c.targeted]
    # "Check first" cautions are shown first, so they are numbered first
    for item in targeted:
        if item.doc_id:
            _cite_caution(cite, chunks, item.text)
    answered = direct(cite) if direct is not None else None
    # a fact answer's card skips what was not asked before it cites it, so every number is used
    keep = _FACT_KEEPS if answered is not None else None
    if safety.verdicts:
        keep = None  # a verdict for this client: every part of the technique it may concern is shown
    fold = keep is not None  # a fact answer's steps come after its direct answer: renderers may fold them

    def wanted(kind: str) -> bool:
        return keep is None or kind in keep

    sections: list[Section] = []
    if answered is None and focus and (best := _best_sentences(library, chunks, question)):
        sections.append(Section("in_short", "In short", tuple(_line(cite, s, c) for s, c in best), Layout.INLINE))
    if wanted("when_to_use") and (indications := _indications(chunks)):
        layout = Layout.LIST if len(indications) > 2 else Layout.INLINE
        sections.append(Section("when_to_use", "When to use", tuple(_line(cite, t, c) for t, c in indications), layout))
    if wanted("positioning") and (positioning := _lines(chunks, {SectionKind.POSITIONING})):
        first_title = positioning[0][2].section_title
        sections.append(Section("positioning", "Positioning", tuple(
            _line(cite, t, c, label=c.section_title if c.section_title != first_title else "") for t, _, c in positioning
        )))
    steps = _lines(chunks, {SectionKind.STEPS})
    if steps:
        sections.append(Section("steps", "Steps", _step_lines(steps, cite), Layout.NUMBERED, folded=fold))
    else:
        sections.append(Section(
            "passages", "This document gives no step-by-step instructions; its most relevant passages:",
            tuple(_line(cite, h.chunk.text, h.chunk) for h in match.hits[:2]), Layout.NOTE, folded=fold,
        ))
    if wanted("breathing") and (breathing := _lines(chunks, {SectionKind.BREATHING})):
        sections.append(Section("breathing", "Breathing", tuple(_line(cite, t, c) for t, _, c in breathing), Layout.INLINE))
    if wanted("dosage") and (dosage := _dosage(chunks)):
        sections.append(Section("dosage", "Dosage", tuple(_line(cite, t, c) for t, c in dosage), Layout.INLINE))
    if wanted("adjustments") and (adjustments := _adjustments(library, doc, chunks)):
        sections.append(Section("adjustments", "Adjustments", tuple(_line(cite, t, c) for t, c in adjustments)))
    if also is not None and wanted("also_relevant"):
        other = library.docs[also.doc_id]
        lead = also.hits[0].chunk
        first = split_sentences(lead.text.split("\n")[0])[0]
        sections.append(Section("also_relevant", "Also relevant", (_line(cite, first, lead, label=other.title),), Layout.INLINE))
    shown: list[CautionItem] = []
    for item in cautions:
        n = None
        if item.doc_id and (chunk := _locate(chunks, item.text)) is not None:
            n = _number(cite.mark(chunk))
        shown.append(replace(item, cite=n))
    if answered is not None:  # what the direct answer already says is not said again below it
        sections = _unrepeated(sections, {line.text for line in answered.lines})
    return Card(doc.title, _tagline(doc), mark_affected(sections, safety.verdicts), cite.entries, tuple(shown),
                direct=answered, checks=safety.checks, safety=safety.trace())


def _unrepeated(sections: list[Section], said: set[str]) -> list[Section]:
    """The sections beside the steps without the lines the direct answer already gives (their
    passages keep the numbers the direct answer gave them); a section left empty is dropped."""
    out = []
    for s in sections:
        if s.kind not in _FACT_KEEPS:
            s = replace(s, lines=tuple(line for line in s.lines if line.text not in said))
        if s.lines:
            out.append(s)
    return out


def _number(marker: str) -> int:
    return int(marker.strip("[]"))


def _line(cite: Citations, text: str, chunk: Chunk, *, label: str = "") -> Line:
    return Line(text, (_number(cite.mark(chunk)),), label=label)


def _step_lines(steps: list[tuple[str, str, Chunk]], cite: Citations) -> tuple[Line, ...]:
    """Numbered lines in the document's order. A document's own step numbers are kept; a
    numbered list that starts again at 1 under an unnumbered step is that step's sub-list."""
    out: list[Line] = []
    number = 0
    last_top_unmarked = False
    for text, marker, chunk in steps:
        n = (_number(cite.mark(chunk)),)
        if marker == "+" and out:
            out.append(Line(text, n, joined=True))
            continue
        own = re.fullmatch(r"\(?(\d{1,2})[.)]?", marker or "")
        prev = next((line for line in reversed(out) if not line.joined), None)
        nested = prev is not None and own and ((int(own.group(1)) == 1 and last_top_unmarked) or bool(prev.sub))
        if nested:
            out.append(Line(text, n, sub=marker))
            continue
        number = int(own.group(1)) if own and int(own.group(1)) > number else number + 1
        out.append(Line(text, n, number=number))
        last_top_unmarked = not marker
    return tuple(out)


def _cite_caution(cite: Citations, chunks: list[Chunk], text: str) -> str:
    chunk = _locate(chunks, text)
    return cite.mark(chunk) if chunk else ""


def _adjustments(library: Library, doc: ParsedDocument, chunks: list[Chunk]) -> list[tuple[str, Chunk]]:
    """Lines of a cautions section that say what to do instead (not cautions themselves)."""
    caution_texts = {_squash(c.text) for c in doc.cautions}
    return [
        (t, c)
        for t, _, c in _lines(chunks, {SectionKind.CAUTIONS})
        if _squash(t) not in caution_texts and not any(_squash(t) in ct for ct in caution_texts)
    ]


def _tagline(doc: ParsedDocument) -> str:
    region = doc.meta.get("region")
    region = ", ".join(map(str, region)) if isinstance(region, list) else (str(region) if region else "")
    kind = str(doc.meta.get("type") or "")
    return " · ".join(p for p in (region.capitalize(), kind) if p)


def _indications(chunks: list[Chunk]) -> list[tuple[str, Chunk]]:
    cues = answer_text().indication
    listed = [(t, c) for t, _, c in _lines(chunks, {SectionKind.OVERVIEW}) if re.search(r"\bwill help\b", c.section_title, re.I)]
    if listed:
        return listed
    found: list[tuple[str, Chunk]] = []
    for c in chunks:
        if c.section_kind not in (SectionKind.OVERVIEW, SectionKind.OTHER):
            continue
        for line in c.text.split("\n"):
            for sentence in split_sentences(line):
                if cues.search(sentence) and not sentence.endswith("?") and len(found) < 2:
                    found.append((sentence, c))
    return found


def _dosage(chunks: list[Chunk]) -> list[tuple[str, Chunk]]:
    out = [(t, c) for t, _, c in _lines(chunks, {SectionKind.DOSAGE})]
    for text, _, chunk in _lines(chunks, {SectionKind.STEPS}):
        out += [(s, chunk) for s in split_sentences(text) if is_dosage(s)]
    return out


def _best_sentences(library: Library, chunks: list[Chunk], question: str) -> list[tuple[str, Chunk]]:
    """The one or two sentences of this technique that share the most weight with the question."""
    from assistant.glossary import glossary

    terms = set(library.tokenize(glossary().expand(question)))
    scored = []
    for c in chunks:
        for sentence in _sentences(c.text):
            overlap = terms & library.term_set(sentence)
            if overlap:
                scored.append((library.coverage(sorted(overlap), c.doc_id) * len(overlap), sentence, c))
    scored.sort(key=lambda t: -t[0])
    return [(s, c) for _, s, c in scored[:1]]
