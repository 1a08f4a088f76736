"""The technique library as cards to browse: title, region, type, steps and cautions.

For students and therapists preparing a session rather than asking a question. Plain data from
the parsed documents of the open index; every surface renders (and escapes) it itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.library import Library
from assistant.types import CautionItem
from assistant.safety.cautions import rank_cautions
from ingest.risk import stored_profile
from ingest.types import ParsedDocument, SectionKind


@dataclass(frozen=True)
class TechniqueCard:
    doc_id: str
    title: str
    regions: tuple[str, ...]
    kind: str  # the technique type: "stretch", "manual release", "exercise", ...
    names: tuple[str, ...]  # other names the technique goes by
    positioning: tuple[str, ...]
    steps: tuple[str, ...]
    cautions: tuple[str, ...]  # the document's own, or the general cautions when it has none
    source: str
    own_cautions: bool = True

    @property
    def region(self) -> str:
        return ", ".join(self.regions)

    def haystack(self) -> str:
        return " ".join((self.title, self.region, self.kind, *self.names, *self.positioning, *self.steps, *self.cautions)).lower()


def technique_cards(library: Library) -> list[TechniqueCard]:
    """One card per document of the index, sorted by title."""
    return sorted((_card(doc) for doc in library.docs.values()), key=lambda c: c.title.lower())


def filter_cards(cards: list[TechniqueCard], query: str) -> list[TechniqueCard]:
    """The cards whose title, region, type or text contain every word of the query."""
    words = re.findall(r"\w+", (query or "").lower())
    if not words:
        return list(cards)
    return [c for c in cards if all(w in c.haystack() for w in words)]


def _card(doc: ParsedDocument) -> TechniqueCard:
    return TechniqueCard(
        doc_id=doc.doc_id,
        title=doc.title,
        regions=_strings(doc.meta.get("region")),
        kind=str(doc.meta.get("type") or ""),
        names=_strings(doc.meta.get("techniques")),
        positioning=_blocks(doc, SectionKind.POSITIONING),
        steps=_blocks(doc, SectionKind.STEPS),
        cautions=tuple(c.text for c in document_cautions(doc)),
        source=str(doc.meta.get("source") or ""),
        own_cautions=bool(doc.cautions),
    )


def _blocks(doc: ParsedDocument, kind: SectionKind) -> tuple[str, ...]:
    # a numbered sub-list inside a step ("1) it's not pulsing") keeps its own numbers
    return tuple(
        f"{b.marker} {b.text}" if b.marker and b.marker.endswith(")") else b.text
        for s in doc.sections
        if s.kind == kind
        for b in s.blocks
        if b.text.strip()
    )


def _strings(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items = value if isinstance(value, (list, tuple)) else [value]
    return tuple(str(v) for v in items if str(v).strip())


def document_cautions(doc: ParsedDocument) -> tuple[CautionItem, ...]:
    """The cautions shown with a technique outside a conversation (library card, whole document):
    the same ranking as an answer's for a client with no named condition."""
    return tuple(c.item() for c in rank_cautions(doc.cautions, stored_profile(doc), (), doc.doc_id))
