"""Parse a cleaned document into ordered, typed sections and collect all of its cautions.

Headings come from markdown `#` lines or from the shape of a plain line (short, no closing
full stop, a known heading word or title case). Paragraphs and list items become blocks; a list
item keeps its own marker ("1)", "•") so steps keep their numbers. Where no heading announces a
procedure, the first procedural block ("The pt is supine...", "Stand alongside...") starts an
implicit "Technique" section. Vocabulary lives in data/structure.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.structure import Vocabulary, structure, vocabulary  # noqa: F401 - structure is re-exported
from ingest.types import Block, Caution, LoadedDocument, ParsedDocument, Section, SectionKind

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(
    r"^(?P<indent>\s*)(?P<marker>[-*•·▪●◦‣]|\d{1,2}[.)]|\(\d{1,2}\)|[a-z][.)]|\d{1,2}(?=\s+[A-Z]))\s+(?P<text>\S.*)$"
)
_TERMINAL = tuple('.!?;,"”)…')
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[A-Z0-9“\"(])")


def classify_heading(title: str) -> SectionKind:
    for kind, pattern in vocabulary().kinds:
        if pattern.search(title):
            return kind
    return SectionKind.OTHER


def is_section_label(title: str) -> bool:
    """A heading that only names a section ("Steps", "Cautions:"), not a technique."""
    return bool(vocabulary().section_label.fullmatch(title.strip().rstrip(":").strip()))


def is_dosage(text: str) -> bool:
    return bool(vocabulary().dosage_cues.search(text))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


@dataclass
class _Item:
    """A heading or a block while lines are being read."""

    text: str
    heading: bool = False
    marker: str | None = None
    indent: int = 0
    page: int | None = None
    children: list[str] = field(default_factory=list)


def _looks_like_heading(line: str, vocab: Vocabulary) -> bool:
    words = line.split()
    if not words or len(words) > vocab.max_heading_words or not line[0].isupper():
        return False
    if line.endswith(":"):
        return len(words) <= 8
    if is_section_label(line):
        return True
    long_words = [w for w in words if len(w) > 3]
    title_case = bool(long_words) and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.6
    if line.endswith(("?", "!")):
        return title_case
    if line.endswith(_TERMINAL):
        return False
    # A short line without a full stop is also how every hard-wrapped paragraph (PDF text, a
    # pasted email) starts: only title case makes it a heading.
    return title_case


def _read_items(doc: LoadedDocument) -> list[_Item]:
    vocab = vocabulary()
    items: list[_Item] = []
    open_block: _Item | None = None  # the block a following line may continue
    in_related = False
    for page in doc.pages:
        for raw in page.text.split("\n"):
            line = raw.rstrip()
            stripped = line.strip()
            if not stripped:
                open_block = None
                continue
            if m := _MD_HEADING.match(line):
                items.append(_Item(m.group(1).strip(), heading=True, page=page.number))
                in_related = classify_heading(items[-1].text) is SectionKind.RELATED
                open_block = None
                continue
            if m := _LIST_ITEM.match(line):
                indent = len(m.group("indent").expandtabs(4))
                item = _Item(m.group("text").strip(), marker=m.group("marker"), indent=indent, page=page.number)
                parent = _list_parent(items, indent)
                if parent is not None:
                    parent.children.append(item.text)
                else:
                    items.append(item)
                open_block = parent or item
                continue
            indent = len(line) - len(line.lstrip())
            known_heading = classify_heading(stripped) is not SectionKind.OTHER and _looks_like_heading(stripped, vocab)
            if open_block is not None and not known_heading and not in_related and (
                not open_block.text.endswith(_TERMINAL) or (open_block.marker and indent > open_block.indent)
            ):
                if open_block.children:
                    open_block.children[-1] += " " + stripped
                else:
                    open_block.text += " " + stripped
                continue
            if _looks_like_heading(stripped, vocab) and (not in_related or known_heading):
                items.append(_Item(stripped.rstrip(":").strip(), heading=True, page=page.number))
                in_related = classify_heading(stripped) is SectionKind.RELATED
                open_block = None
                continue
            open_block = _Item(stripped, indent=indent, page=page.number)
            items.append(open_block)
    return items


def _list_parent(items: list[_Item], indent: int) -> _Item | None:
    """A deeper list item under an item that ends with ':' belongs to that item."""
    if not items or items[-1].heading:
        return None
    last = items[-1]
    if last.marker and indent > last.indent and (last.text.endswith(":") or last.children):
        return last
    return None


def _block(item: _Item) -> Block:
    text = item.text if not item.children else f"{item.text} {' '.join(item.children)}"
    return Block(text=re.sub(r"\s+", " ", text).strip(), marker=item.marker, page=item.page)


def parse(doc: LoadedDocument) -> ParsedDocument:
    vocab = vocabulary()
    items, aliases = _take_aliases(_read_items(doc))
    title = str(doc.meta.get("title") or "").strip()
    # a first heading that only names a section ("Cautions", "## Steps") is that section
    first = items[0] if items and not (items[0].heading and is_section_label(items[0].text)) else None
    if not title:
        title = first.text if first is not None and len(first.text) <= 120 else doc.doc_id
    # the page title itself is not a section
    if first is not None and first.heading and first.text.strip(" :") in title:
        items = items[1:]

    has_steps_heading = any(i.heading and classify_heading(i.text) is SectionKind.STEPS for i in items)
    raw_sections: list[tuple[SectionKind, str, list[Block]]] = []
    for item in items:
        if item.heading:
            raw_sections.append((classify_heading(item.text), item.text, []))
            continue
        if not raw_sections:
            raw_sections.append((SectionKind.OVERVIEW, "Overview", []))
        kind, name, blocks = raw_sections[-1]
        block = _block(item)
        if (
            not has_steps_heading
            and kind in (SectionKind.OVERVIEW, SectionKind.OTHER)
            and vocab.procedural.search(block.text)
        ):
            has_steps_heading = True  # one implicit procedure per document
            raw_sections.append((SectionKind.STEPS, "Technique", [block]))
            continue
        blocks.append(block)

    if raw_sections and raw_sections[0][0] is SectionKind.OTHER:
        raw_sections[0] = (SectionKind.OVERVIEW, *raw_sections[0][1:])
    sections: list[Section] = []
    for kind, name, blocks in raw_sections:
        for part_kind, part_name, part in _split_list_edges(kind, name, blocks):
            if part:
                sections.append(Section(part_kind, part_name, len(sections), tuple(part)))
    cautions = _cautions(doc.doc_id, sections)
    meta = dict(doc.meta)
    if aliases:
        meta["techniques"] = _merge_names(meta.get("techniques"), aliases)
    return ParsedDocument(
        doc_id=doc.doc_id,
        title=title,
        path=doc.path,
        fmt=doc.fmt,
        file_hash=doc.file_hash,
        meta=meta,
        sections=tuple(sections),
        cautions=cautions,
    )


_ALIAS_INLINE = re.compile(r"^(?P<label>[^:]{2,40}?)\s*[:–-]\s+(?P<names>\S.*)$")


def _take_aliases(items: list[_Item]) -> tuple[list[_Item], list[str]]:
    """The items without the document's other names, and those names: an "Also known as"
    heading's blocks, or one "Also known as: A, B" line (a heading or a paragraph)."""
    kept: list[_Item] = []
    names: list[str] = []
    under_heading = False
    for item in items:
        inline = _ALIAS_INLINE.match(item.text)
        if inline and classify_heading(inline.group("label")) is SectionKind.ALIASES:
            names += _split_names(inline.group("names"))
            under_heading = False
            continue
        if item.heading:
            under_heading = classify_heading(item.text) is SectionKind.ALIASES
            if under_heading:
                continue
        elif under_heading:
            names += _split_names(" , ".join([item.text, *item.children]))
            continue
        kept.append(item)
    return kept, names


def _split_names(text: str) -> list[str]:
    parts = re.split(r"\s*(?:[,;|/]|\bor\b)\s*", text)
    return [p.strip(" .:;|\"'“”") for p in parts if p.strip(" .:;|\"'“”")]


def _merge_names(existing: object, added: list[str]) -> list[str]:
    names = [str(n) for n in (existing if isinstance(existing, list | tuple) else [existing] if existing else [])]
    seen = {n.casefold() for n in names}
    for name in added:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def _split_list_edges(kind: SectionKind, name: str, blocks: list[Block]):
    """In a section built around a list, prose before the procedure is an introduction and
    prose after it is a note: neither is a step. Under a cautions heading, prose before the list
    stays: it is as likely to be a caution as an introduction, and a missed caution costs more."""
    marked = [i for i, b in enumerate(blocks) if b.marker]
    if kind not in (SectionKind.STEPS, SectionKind.CAUTIONS) or len(marked) < 2:
        yield kind, name, blocks
        return
    vocab = vocabulary()
    doing = lambda b: bool(b.marker or vocab.procedural.search(b.text) or vocab.dosage_cues.search(b.text))  # noqa: E731
    start = 0 if kind is SectionKind.CAUTIONS else next(i for i, b in enumerate(blocks) if doing(b))
    end = marked[-1] + 1
    while end < len(blocks) and doing(blocks[end]):
        end += 1
    yield SectionKind.OVERVIEW, name, blocks[:start]
    yield kind, name, blocks[start:end]
    yield SectionKind.OTHER, "Notes", blocks[end:]


def _cautions(doc_id: str, sections: list[Section]) -> tuple[Caution, ...]:
    vocab = vocabulary()
    found: list[Caution] = []
    seen: set[str] = set()

    def add(text: str, section: Section) -> None:
        key = re.sub(r"\W+", " ", text).strip().lower()
        if key and key not in seen:
            seen.add(key)
            found.append(Caution(text=text, doc_id=doc_id, section=section.title))

    # a technique's own cautions section first, then cautions met along the way, in order
    for section in sorted(sections, key=lambda s: (s.kind is not SectionKind.CAUTIONS, s.order)):
        for block in section.blocks:
            if section.kind is SectionKind.CAUTIONS:
                # every line under a cautions heading is one ("Pregnancy."), except a work-around,
                # a question, or a lead-in to a list ("Keep in mind:")
                if vocab.caution_exceptions.search(block.text) or block.text.endswith("?"):
                    continue
                if block.marker or vocab.caution_cues.search(block.text) or not block.text.endswith(":"):
                    add(block.text, section)
                continue
            for sentence in split_sentences(block.text):
                if not sentence.endswith("?") and vocab.caution_cues.search(sentence):
                    add(sentence, section)
    return tuple(found)
