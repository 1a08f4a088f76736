"""Tests for ingest.chunk: every chunk fits the model's window, stays inside one section, has a
deterministic id, and keeps one marker per block; an over-long block is split, not cut off."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunk import chunk_document, embedding_text
from ingest.clean import clean
from ingest.embed import TokenCounter
from ingest.load import load, load_catalog
from ingest.sections import parse
from ingest.types import Chunk, LoadedDocument, Page, ParsedDocument
from techniques.settings import Settings
from tests.conftest import CORPUS, CORPUS_IDS

WINDOW = 256  # all-MiniLM-L6-v2's max_seq_length, in word pieces


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    return TokenCounter(Settings().resolved_model_path())


@pytest.fixture(scope="module")
def docs() -> dict[str, ParsedDocument]:
    catalog = load_catalog(CORPUS)
    return {p.stem: parse(clean(load(p, catalog))) for p in sorted(CORPUS.glob("*.txt"))}


@pytest.fixture(scope="module")
def chunks(docs: dict[str, ParsedDocument], counter: TokenCounter) -> dict[str, list[Chunk]]:
    return {doc_id: chunk_document(doc, counter, Settings().chunk_tokens) for doc_id, doc in docs.items()}


def long_doc(words: int) -> ParsedDocument:
    vocabulary = "slowly press the tissue toward the joint while the client breathes out and relaxes".split()
    paragraph = " ".join(vocabulary[i % len(vocabulary)] for i in range(words))
    text = f"## Steps\n\n1. Lie on your back.\n2. {paragraph}.\n3. Rest for a minute.\n"
    return parse(LoadedDocument("long", Path("long.md"), "md", (Page(text),), "hash", {"title": "Long step"}))


def test_every_corpus_document_has_chunks(chunks: dict[str, list[Chunk]]) -> None:
    assert set(chunks) == CORPUS_IDS
    assert all(chunks.values())
    assert sum(len(c) for c in chunks.values()) == 29


def test_every_corpus_chunk_fits_the_model_window(chunks: dict[str, list[Chunk]], counter: TokenCounter) -> None:
    sizes = {c.id: counter(embedding_text(c)) for doc_chunks in chunks.values() for c in doc_chunks}

    assert max(sizes.values()) <= WINDOW, {k: v for k, v in sizes.items() if v > WINDOW}
    assert min(sizes.values()) > 2  # not only [CLS] [SEP]


def test_a_chunk_never_spans_two_sections(docs: dict[str, ParsedDocument], chunks: dict[str, list[Chunk]]) -> None:
    for doc_id, doc_chunks in chunks.items():
        doc = docs[doc_id]
        for chunk in doc_chunks:
            section = doc.sections[chunk.section_order]
            assert (chunk.section_title, chunk.section_kind) == (section.title, section.kind)
            blocks = {b.text for b in section.blocks}
            assert set(chunk.text.split("\n")) <= blocks, chunk.id


def test_chunks_cover_every_block_once_in_order(docs: dict[str, ParsedDocument], chunks: dict[str, list[Chunk]]) -> None:
    for doc_id, doc_chunks in chunks.items():
        blocks = [b.text for s in docs[doc_id].sections for b in s.blocks]
        assert [line for c in doc_chunks for line in c.text.split("\n")] == blocks
        assert [c.order for c in doc_chunks] == list(range(len(doc_chunks)))
        assert [c.section_order for c in doc_chunks] == sorted(c.section_order for c in doc_chunks)


def test_markers_have_one_entry_per_line(docs: dict[str, ParsedDocument], chunks: dict[str, list[Chunk]]) -> None:
    for doc_chunks in chunks.values():
        for chunk in doc_chunks:
            assert len(chunk.markers) == len(chunk.text.split("\n")), chunk.id
    steps = [c for c in chunks["psoas-release"] if c.section_kind == "steps"]
    assert "1)" in steps[0].markers and "2)" in steps[0].markers
    side = [m for c in chunks["side-lying-leg-lift"] if c.section_kind == "steps" for m in c.markers]
    assert side == ["", "2", "3", "4", "5"]


def test_chunk_ids_are_deterministic_and_unique(docs: dict[str, ParsedDocument], counter: TokenCounter) -> None:
    first = [c.id for d in docs.values() for c in chunk_document(d, counter, 240)]
    second = [c.id for d in docs.values() for c in chunk_document(d, counter, 240)]

    assert first == second
    assert len(set(first)) == len(first)
    assert first[0].startswith("hip-back-pain-stretches::0000::")


def test_the_embedded_text_names_the_technique_and_section(chunks: dict[str, list[Chunk]]) -> None:
    cautions = [c for c in chunks["ql-hip-hike"] if c.section_kind == "cautions"][0]

    assert embedding_text(cautions) == (
        "QL Hip Hike - Cautions\nAll work needs to be pain-free.\n"
        "Internal rotation of the femur may be contraindicated for clients with hip replacement."
    )


def test_an_over_long_block_is_split_under_the_window(counter: TokenCounter) -> None:
    doc = long_doc(2000)

    got = chunk_document(doc, counter, Settings().chunk_tokens)

    assert len(got) >= 8
    assert all(counter(embedding_text(c)) <= WINDOW for c in got)
    markers = [m for c in got for m in c.markers]
    assert markers[:2] == ["1.", "2."]  # the long step's first piece keeps its number
    assert markers[-1] == "3."
    continuation = markers[2:-1]
    assert len(continuation) >= 8 and set(continuation) == {"+"}
    # nothing is lost or repeated: the pieces put back together are the step
    pieces = [line for c in got for line in c.text.split("\n")]
    step = doc.sections[0].blocks[1].text
    assert " ".join(pieces[1:-1]).split() == step.split()
    assert len({c.id for c in got}) == len(got)


def test_a_tighter_window_gives_more_smaller_chunks(docs: dict[str, ParsedDocument], counter: TokenCounter) -> None:
    doc = docs["hip-back-pain-stretches"]

    small = chunk_document(doc, counter, 64)

    assert len(small) > len(chunk_document(doc, counter, 240))
    assert all(counter(embedding_text(c)) <= 64 for c in small)
