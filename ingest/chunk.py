"""Chunks: whole blocks of one section packed under the embedding model's token window.

A chunk never spans two sections. Blocks stay whole (a step is never cut) unless one block is
longer than the window on its own; that block is split by LangChain's recursive splitter at
sentence and clause boundaries. The text that is embedded is prefixed with the document title
and section title, so a passage about "the hip" still knows it is the QL hip hike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ingest.types import Block, Chunk, ParsedDocument, Section, content_hash

if TYPE_CHECKING:  # imported when a block needs splitting: LangChain costs ~0.6 s to import
    from langchain_text_splitters import RecursiveCharacterTextSplitter

CountTokens = Callable[[str], int]


def embedding_text(chunk: Chunk) -> str:
    return f"{chunk.title} - {chunk.section_title}\n{chunk.text}"


def chunk_document(doc: ParsedDocument, count_tokens: CountTokens, max_tokens: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in doc.sections:
        prefix_tokens = count_tokens(f"{doc.title} - {section.title}\n")
        budget = max(32, max_tokens - prefix_tokens)
        for blocks in _pack(section, count_tokens, budget):
            text = "\n".join(b.text for b in blocks)
            digest = content_hash(f"{doc.title}\x1f{section.title}\x1f{text}")
            order = len(chunks)
            chunks.append(
                Chunk(
                    id=Chunk.make_id(doc.doc_id, order, digest),
                    doc_id=doc.doc_id,
                    title=doc.title,
                    section_title=section.title,
                    section_kind=section.kind,
                    section_order=section.order,
                    order=order,
                    text=text,
                    content_hash=digest,
                    page=blocks[0].page,
                    markers=tuple(b.marker or "" for b in blocks),
                )
            )
    return chunks


def _pack(section: Section, count_tokens: CountTokens, budget: int) -> Iterator[list[Block]]:
    current: list[Block] = []
    used = 0
    for block in _fit_blocks(section.blocks, count_tokens, budget):
        cost = count_tokens(block.text) + 1
        if current and used + cost > budget:
            yield current
            current, used = [], 0
        current.append(block)
        used += cost
    if current:
        yield current


def _fit_blocks(blocks: tuple[Block, ...], count_tokens: CountTokens, budget: int) -> Iterator[Block]:
    splitter: RecursiveCharacterTextSplitter | None = None
    for block in blocks:
        if count_tokens(block.text) <= budget:
            yield block
            continue
        if splitter is None:
            from langchain_text_splitters import RecursiveCharacterTextSplitter

            splitter = RecursiveCharacterTextSplitter(
                chunk_size=budget,
                chunk_overlap=0,
                length_function=count_tokens,
                separators=[". ", "; ", ", ", " ", ""],
                keep_separator="end",
            )
        for i, piece in enumerate(splitter.split_text(block.text)):
            # the continuation of a long step is not a new step: it carries no marker
            yield Block(text=piece.strip(), marker=block.marker if i == 0 else "+", page=block.page)
