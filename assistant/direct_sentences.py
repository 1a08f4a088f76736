"""The sentences of a technique that could answer a question: each sentence (a short list item
whole), where it is, its vector (memoised per process), and the word and question helpers the
direct answer's scorer uses (assistant/direct.py): what a question asks apart from the situation it
states first, its two parts when it asks two things, what a what/which question already names."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest.embed import Embedder
from ingest.sections import split_sentences
from ingest.types import Chunk, ParsedDocument, SectionKind

LIST_ITEM_CHARS = 160  # a list item up to this long is one candidate, not split into sentences
_SKIPPED = {SectionKind.RELATED, SectionKind.ALIASES}
_CHROME = re.compile(r"\s\|\s|https?://|www\.", re.I)
_WORD = re.compile(r"[a-z][a-z'-]{3,}")


class _SentenceVectors:
    """Sentence vectors memoised by (embedder, text): a technique's sentences are embedded once
    per process, not once per question."""

    def __init__(self, size: int = 20000) -> None:
        self._size = size
        self._cache: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()
        self._owners: dict[int, Embedder] = {}  # keeps an embedder alive so its id is not reused
        self._lock = threading.Lock()

    def __call__(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        key = id(embedder)
        with self._lock:
            self._owners.setdefault(key, embedder)
            missing = [t for t in dict.fromkeys(texts) if (key, t) not in self._cache]
        if missing:
            vectors = np.asarray(embedder.embed_documents(missing), dtype=np.float32)
            with self._lock:
                for text, vector in zip(missing, vectors):
                    self._cache[(key, text)] = vector
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        with self._lock:
            # a text evicted since is simply embedded again next time
            return np.stack([self._cache.get((key, t)) if (key, t) in self._cache else embedder.embed_query(t) for t in texts])


sentence_vectors = _SentenceVectors()


@dataclass(frozen=True)
class Candidate:
    """A sentence (or a whole short list item) that could answer a question, and where it is."""

    text: str
    chunk: Chunk

    @property
    def titled(self) -> str:
        title = self.chunk.section_title
        return f"{title}: {self.text}" if title and len(title) <= 80 and not _CHROME.search(title) else self.text


def candidates(chunks: Sequence[Chunk]) -> list[Candidate]:
    """The technique's sentences that could answer a question, in document order, once each;
    a short list item stays whole (its parts answer together)."""
    seen: set[str] = set()
    out: list[Candidate] = []
    for chunk in chunks:
        if chunk.section_kind in _SKIPPED:
            continue
        markers = chunk.markers or ()
        for i, line in enumerate(chunk.text.split("\n")):
            listed = i < len(markers) and markers[i] not in ("", "+") and len(line) <= LIST_ITEM_CHARS
            for sentence in [line.strip()] if listed else split_sentences(line):
                sentence = sentence.strip()
                # headings, questions, lead-ins and page chrome do not answer anything
                if (len(sentence.split()) < 3 or sentence.endswith(("?", "…", "...", ":")) or _CHROME.search(sentence)
                        or sentence in seen):
                    continue
                seen.add(sentence)
                out.append(Candidate(sentence, chunk))
    return out


def squash(text: str) -> str:
    return " ".join(text.lower().split())


def words(text: str) -> set[str]:
    return {w[:6] for w in _WORD.findall(text.lower())}


def without_names(question: str, titles: Sequence[str]) -> str:
    """The question without the words of the techniques' titles ("How long is the psoas stretch
    held?" -> "How long is the held?"); the question itself when little else is left."""
    names = {w for t in titles for w in re.findall(r"[a-z0-9]+", t.lower())}
    kept = [w for w in re.findall(r"[\w'’-]+|[?]", question) if w.lower() not in names]
    return " ".join(kept) if len([w for w in kept if w != "?"]) >= 3 else question


def aliases(doc: ParsedDocument | None) -> list[str]:
    """The other names a document gives its technique (catalog `techniques`, "Also known as")."""
    names = doc.meta.get("techniques") if doc is not None else None
    return [str(n) for n in names] if isinstance(names, list) else ([str(names)] if names else [])


def listed(c: Candidate) -> bool:
    """Whether the candidate is a whole list item of its chunk."""
    markers = c.chunk.markers or ()
    lines = c.chunk.text.split("\n")
    return any(line.strip() == c.text and i < len(markers) and markers[i] not in ("", "+") for i, line in enumerate(lines))


_WH = re.compile(r"\s*(what|which)\b", re.I)


def given(question: str, aspect: str) -> str:
    """What a "what/which" question already names besides the technique ("what do I use to make
    the wedge?": the wedge), which a `novel` intent's evidence must go beyond; nothing for a
    yes/no question ("do I need a towel?" is answered by the sentence with the towel)."""
    return aspect if _WH.match(question) else ""


_SECOND_QUESTION = re.compile(r"\s+(?:and|,)\s+(?=(?:where|how|which|what|when|do|does|should|can)\b)", re.I)


def asked_parts(question: str) -> list[str]:
    """The parts of a question that asks two things ("which fingers do I use and where do I
    start?"), or none when it asks one."""
    parts = [p.strip() for p in _SECOND_QUESTION.split(question)]
    return parts if len(parts) > 1 and all(len(p.split()) >= 3 for p in parts) else []


_PREAMBLE = re.compile(r"\s+[-–—]\s+|(?<=[.;:!])\s+")


def asking_part(question: str) -> tuple[str, str]:
    """(the situation, the asking part) of a question that first says what the situation is
    ("pt supine, knees and hips flexed - where do my fingers go?"), else ("", the question)."""
    pieces = [p for p in _PREAMBLE.split(question.strip()) if p]
    if len(pieces) < 2 or len(pieces[-1].split()) < 3:
        return "", question
    return " ".join(pieces[:-1]), pieces[-1]
