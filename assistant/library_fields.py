"""Per-document fields of a Library, for field-aware lexical scoring and the no-answer check.

A technique is found by its names more surely than by its body text: "lat pulldown" should
find the document titled or also known as that before a passage that mentions a pulldown.
So besides the per-passage BM25 (library.py), each document gets two BM25 fields: its names
(title and aliases) and its whole text (names, metadata, every passage), the evidence per
document. `focus` (names and metadata) and `body` (its passages) say what a document is about
when the no-answer decision compares it with what a question asks. Built from the snapshot's
chunks and documents on first use; `words` is the vocabulary misspellings are corrected to.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from collections.abc import Callable, Mapping, Sequence

import bm25s
import numpy as np

from ingest.types import Chunk, ParsedDocument

_META_KEYS = ("region", "muscles", "secondary_muscles", "type", "equipment", "category")
_SURFACE = re.compile(r"[a-z][a-z-]{3,}")


def _strings(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


@dataclass
class _Field:
    bm25: bm25s.BM25 | None
    vocab: frozenset[str]

    @classmethod
    def index(cls, token_lists: list[list[str]]) -> _Field:
        vocab = frozenset(t for tokens in token_lists for t in tokens)
        if not vocab:
            return cls(None, vocab)
        bm25 = bm25s.BM25()
        # a document without a single token would be dropped by bm25s: keep every row
        bm25.index([tokens or ["\x00"] for tokens in token_lists], show_progress=False)
        return cls(bm25, vocab)

    def scores(self, terms: list[str], n: int) -> np.ndarray:
        known = [t for t in terms if t in self.vocab]
        if self.bm25 is None or not known:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)


class DocumentFields:
    def __init__(self, ids: list[str], names: _Field, whole: _Field, focus: dict[str, str],
                 body: dict[str, str], words: list[str]) -> None:
        self.ids = ids
        self.position = {d: i for i, d in enumerate(ids)}
        self._names, self._whole = names, whole
        self.focus = focus
        self.body = body
        self.words = words

    @classmethod
    def build(cls, docs: Mapping[str, ParsedDocument], chunks: Sequence[Chunk],
              tokenize: Callable[[str], list[str]]) -> DocumentFields:
        ids = sorted(docs)
        text: dict[str, list[str]] = defaultdict(list)
        for c in chunks:
            text[c.doc_id].append(f"{c.section_title}\n{c.text}")
        focus, body, name_tokens, whole_tokens = {}, {}, [], []
        words: set[str] = set()
        for doc_id in ids:
            doc = docs[doc_id]
            names = " ; ".join([doc.title, *_strings(doc.meta.get("techniques"))])
            meta = " ; ".join(s for k in _META_KEYS for s in _strings(doc.meta.get(k)))
            focus[doc_id] = f"{names} ; {meta}".lower()
            body[doc_id] = "\n".join(text[doc_id]).lower()
            name_tokens.append(tokenize(names))
            whole_tokens.append(tokenize(f"{names}\n{meta}\n{body[doc_id]}"))
            words.update(_SURFACE.findall(focus[doc_id]))
            words.update(_SURFACE.findall(body[doc_id]))
        return cls(ids, _Field.index(name_tokens), _Field.index(whole_tokens), focus, body, sorted(words))

    def name_scores(self, terms: list[str]) -> np.ndarray:
        """BM25 of the question's terms against each document's names, in `ids` order."""
        return self._names.scores(terms, len(self.ids))

    def whole_scores(self, terms: list[str]) -> np.ndarray:
        """BM25 against each document's whole text: evidence per document, not per passage."""
        return self._whole.scores(terms, len(self.ids))
