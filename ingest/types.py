"""The small typed objects that flow between ingest stages.

load -> LoadedDocument -> clean -> sections -> (Section, Caution) -> chunk -> Chunk -> store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class SectionKind(StrEnum):
    OVERVIEW = "overview"
    POSITIONING = "positioning"
    STEPS = "steps"
    BREATHING = "breathing"
    DOSAGE = "dosage"
    CAUTIONS = "cautions"
    RELATED = "related"
    TIPS = "tips"  # a library's coaching tips ("Slow, controlled movements")
    # "Also known as": read into the document's names (meta["techniques"]), never kept as a section
    ALIASES = "aliases"
    OTHER = "other"


@dataclass(frozen=True)
class Page:
    """A run of text from a source file; `number` is the 1-based PDF page, None elsewhere."""

    text: str
    number: int | None = None


@dataclass(frozen=True)
class LoadedDocument:
    """A file read into text. Formats are normalised to markdown-ish text: headings as `#`
    lines, list items as `- ` or `1. ` lines, paragraphs separated by blank lines."""

    doc_id: str
    path: Path
    fmt: str  # "txt" | "md" | "html" | "pdf"
    pages: tuple[Page, ...]
    file_hash: str
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)


@dataclass(frozen=True)
class Block:
    """A paragraph or a list item. `marker` keeps a step's own number or bullet ("1)", "•")."""

    text: str
    marker: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class Section:
    kind: SectionKind
    title: str
    order: int
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class Caution:
    """One caution sentence of a document, kept with the document whatever chunk it is in."""

    text: str
    doc_id: str
    section: str


@dataclass(frozen=True)
class ParsedDocument:
    doc_id: str
    title: str
    path: Path
    fmt: str
    file_hash: str
    meta: dict[str, object]
    sections: tuple[Section, ...]
    cautions: tuple[Caution, ...]


@dataclass(frozen=True)
class Chunk:
    """What is embedded and stored. `id` is deterministic: doc id, order and content hash."""

    id: str
    doc_id: str
    title: str
    section_title: str
    section_kind: SectionKind
    section_order: int
    order: int
    text: str
    content_hash: str
    page: int | None = None
    # one entry per block: the block's own marker ("1)", "•", "") so steps keep their numbers
    markers: tuple[str, ...] = ()

    @staticmethod
    def make_id(doc_id: str, order: int, content_hash: str) -> str:
        return f"{doc_id}::{order:04d}::{content_hash[:12]}"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
