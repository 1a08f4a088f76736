"""A read-only snapshot of one published index version, held in memory for answering.

Built from the store's own contents (chunks and parsed documents), so Chroma stays the single
source of truth: the BM25 index, the technique-name lookup and the per-technique chunk lists
are all derived here when a version is opened (or loaded from the version's snapshot, which
the first process to open it saves beside it: snapshot.py).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from assistant import snapshot as snapshots
from assistant.library_fields import DocumentFields
from assistant.proximity import positions, together
from assistant.snapshot import LibraryState
from ingest.store import Index
from ingest.types import Chunk, ParsedDocument
from techniques.errors import TechniquesError

# bm25s sets its own logger to DEBUG, which printed "Building index from tokens" through
# `techniques ingest --quiet`; its messages follow the application's level like everyone's
logging.getLogger("bm25s").setLevel(logging.NOTSET)

_WORD = re.compile(r"(?u)\b\w\w+\b")
_WORD_OR_LETTER = re.compile(r"(?u)\b\w+\b")  # names keep their letters: "L-sit", "T-bar row", "Y raise"
# words too common in technique names to say which technique a question is about
_GENERIC = set(
    "stretch stretches stretching release releases technique techniques exercise exercises hip hips "
    "back low lower pain leg legs standing manual assisted strengthening muscle muscles and the for of "
    "with side lying left right other both".split()
)


class Tokenizer:
    """Lower-case, split on words, drop English stop words, Snowball-stem."""

    _MAX_STEMS = 200_000  # a corpus's vocabulary fits; a flood of made-up words does not grow it

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._stop = set(bm25s.stopwords.STOPWORDS_EN)
        self._stems: dict[str, str] = {}  # a word's stem never changes: stem each word once

    def __call__(self, text: str, *, letters: bool = False) -> list[str]:
        """`letters`: keep one-letter words, as names need ("L-sit" is not "sit")."""
        words = [w for w in (_WORD_OR_LETTER if letters else _WORD).findall(text.lower()) if w not in self._stop]
        stems = self._stems
        try:
            return [stems[w] for w in words]
        except KeyError:
            missing = list({w for w in words if w not in stems})
            found = dict(zip(missing, self._stemmer.stemWords(missing)))
            if len(stems) < self._MAX_STEMS:
                stems.update(found)
            return [found[w] if w in found else stems[w] for w in words]


@dataclass(frozen=True)
class LexicalScores:
    scores: np.ndarray  # one BM25 score per chunk, in Library.chunks order
    terms: list[str]  # the query's stemmed terms


class Library:
    def __init__(
        self, index: Index, version: str, chunks: list[Chunk], docs: Mapping[str, ParsedDocument], *, lexical: tuple | None = None
    ) -> None:
        self.index = index
        self.version = version
        self.snapshot: Path | None = None
        self.chunks = sorted(chunks, key=lambda c: (c.doc_id, c.order))
        self.docs = docs
        self.tokenize = Tokenizer()
        self.position = {c.id: i for i, c in enumerate(self.chunks)}
        self.by_doc: dict[str, list[Chunk]] = defaultdict(list)
        for c in self.chunks:
            self.by_doc[c.doc_id].append(c)
        # (BM25, terms per technique, IDF, highest IDF): given when loaded from a snapshot
        self._bm25, self._doc_terms, self._idf, self._max_idf = lexical or self._index_lexical()

    def _index_lexical(self) -> tuple:
        self._bm25 = bm25s.BM25()
        token_lists = [self.tokenize(self._lexical_text(c)) for c in self.chunks]
        self._doc_terms: dict[str, set[str]] = defaultdict(set)
        df: dict[str, int] = defaultdict(int)
        for c, terms in zip(self.chunks, token_lists):
            self._doc_terms[c.doc_id].update(terms)
            for t in set(terms):
                df[t] += 1
        n = max(1, len(self.chunks))
        self._idf = {t: float(np.log(1 + (n - f + 0.5) / (f + 0.5))) for t, f in df.items()}
        self._max_idf = float(np.log(1 + (n + 0.5) / 0.5))
        if self.chunks:
            self._bm25.index(token_lists, show_progress=False)
        return self._bm25, self._doc_terms, self._idf, self._max_idf

    @classmethod
    def load(cls, index: Index, version: str, snapshot: Path | None = None) -> Library:
        """The version's Library: from its snapshot folder when there is one (see snapshot.py),
        else built from the store and, given a folder, saved there for the next process."""
        if snapshot is not None and (state := snapshots.load(version, snapshot)) is not None:
            library = cls.from_state(index, state)
        else:
            library = cls(index, version, [s.chunk for s in index.chunks()], {k: v.doc for k, v in index.docs().items()})
            if snapshot is not None:
                snapshots.save(library.state(), snapshot)
        library.snapshot = snapshot  # where derived indexes (doc_dense.py) are saved beside it
        return library

    @classmethod
    def from_state(cls, index: Index, state: LibraryState) -> Library:
        library = cls(index, state.version, state.chunks, state.docs,
                      lexical=(state.bm25, state.doc_terms, state.idf, state.max_idf))
        library.__dict__["_name_terms"] = state.name_terms  # the cached property, already computed
        return library

    def state(self) -> LibraryState:
        return LibraryState(self.version, self.chunks, self.docs, self._bm25, self._doc_terms, self._idf,
                            self._max_idf, self._name_terms)

    def _lexical_text(self, c: Chunk) -> str:
        names = " ".join(str(n) for n in _as_list(self.docs.get(c.doc_id).meta.get("techniques"))) if c.doc_id in self.docs else ""
        return f"{c.title} {names} {c.section_title} {c.text}"

    # -- lexical ---------------------------------------------------------------------------
    def lexical(self, query: str) -> LexicalScores:
        terms = self.tokenize(query)
        known = [t for t in terms if t in self._idf]
        if not self.chunks or not known:
            return LexicalScores(np.zeros(len(self.chunks), dtype=np.float32), terms)
        return LexicalScores(np.asarray(self._bm25.get_scores(known), dtype=np.float32), terms)

    def term_set(self, text: str) -> frozenset[str]:
        """The distinct terms of a passage's sentence, memoised: a card scores the same sentences
        for every question about its technique."""
        cached = self.__dict__.setdefault("_term_sets", {})
        if (found := cached.get(text)) is None:
            if len(cached) > 50_000:
                cached.clear()
            found = cached[text] = frozenset(self.tokenize(text))
        return found

    def informative(self, terms: list[str], ignore: frozenset[str]) -> list[str]:
        """The terms of a question that say what it is about (not "what", "best", "technique")."""
        stems = self._stem_set(ignore)
        return [t for t in terms if t not in stems]

    def _stem_set(self, words: frozenset[str]) -> frozenset[str]:
        cached = self.__dict__.setdefault("_stem_cache", {})
        if words not in cached:
            cached[words] = frozenset(self._stemmer_words(sorted(words)))
        return cached[words]

    def _stemmer_words(self, words: list[str]) -> list[str]:
        return self.tokenize(" ".join(words)) + list(words)

    def idf(self, term: str) -> float:
        """A term's IDF over the passages; the highest for a term the library has never seen."""
        return self._idf.get(term, self._max_idf)

    def coverage(self, terms: list[str], doc_id: str) -> float:
        """Share of the question's informative weight (IDF) that this technique's text contains.
        A term the corpus has never seen counts at the highest weight: it is what we lack."""
        if not terms:
            return 0.0
        vocab = self._doc_terms.get(doc_id, set())
        unique = set(terms)
        total = sum(self._idf.get(t, self._max_idf) for t in unique)
        have = sum(self._idf[t] for t in unique.intersection(vocab))
        return have / total if total else 0.0

    # -- technique names -------------------------------------------------------------------
    @cached_property
    def _name_terms(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for doc_id, doc in self.docs.items():
            names = [doc.title, *map(str, _as_list(doc.meta.get("techniques")))]
            out[doc_id] = {t for n in names for t in self.tokenize(n, letters=True)} - set(self.tokenize(" ".join(_GENERIC)))
        return out

    @cached_property
    def _named_by(self) -> dict[str, set[str]]:
        """name word -> the techniques it names: a lookup per question word, not a scan of every document."""
        out: dict[str, set[str]] = defaultdict(set)
        for doc_id, names in self._name_terms.items():
            for t in names:
                out[t].add(doc_id)
        return dict(out)

    @cached_property
    def _names(self) -> dict[str, list[frozenset[str]]]:
        """Each technique's names, each as its distinctive words ("Hammer Curls" -> hammer, curl)."""
        generic = set(self.tokenize(" ".join(_GENERIC)))
        out: dict[str, list[frozenset[str]]] = {}
        for doc_id, doc in self.docs.items():
            names = [doc.title, *map(str, _as_list(doc.meta.get("techniques")))]
            out[doc_id] = [s for n in names if (s := _distinctive(self.tokenize, n, generic))]
        return out

    def mentioned(self, text: str) -> set[str]:
        """Techniques one of whose names the text uses, every distinctive word of it, close
        together ("psoas", "QL", "hip hike"; not "hammer a nail" for Hammer Curls, nor "chin ...
        head up" for Chin Up: proximity.py): a named technique is answered without the evidence
        threshold, so one shared word, or words scattered over the message, must not be enough."""
        tokens = self.tokenize(text, letters=True)
        where = positions(tokens)
        candidates = set().union(*(self._named_by.get(t, ()) for t in where))
        return {d for d in candidates
                if any(name <= where.keys() and together(name, where) == len(name) for name in self._names.get(d, ()))}

    # -- fields and words (built on first use: library_fields.py) ----------------------------
    @cached_property
    def fields(self) -> DocumentFields:
        return DocumentFields.build(self.docs, self.chunks, self.tokenize)

    def known(self, word: str) -> bool:
        """Whether the library's text has this word (as its stem): never a misspelling."""
        stems = self.tokenize(word)
        return not stems or all(t in self._idf for t in stems)


FUNCTION_ZIPF = 5.8  # English words this frequent ("up", "over", "one") say no name alone


def _distinctive(tokenize: Tokenizer, name: str, generic: set[str]) -> frozenset[str]:
    """A name's distinctive words: not the generic ones ("stretch", "exercise"), unless that
    leaves only words as common as "up" ("Muscle-up" is not named by "standing up")."""
    from wordfreq import zipf_frequency

    words = frozenset(tokenize(name, letters=True))
    kept = words - generic
    common = {t for w in _WORD_OR_LETTER.findall(name.lower()) if zipf_frequency(w, "en") >= FUNCTION_ZIPF for t in tokenize(w, letters=True)}
    return kept if kept - common else words


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def prebuild(settings, version: str) -> None:
    """Open a just-published local version once, so that its snapshot (with its document
    vectors) exists before anyone asks."""
    from assistant import doc_dense
    from ingest.backends import LocalBackend, open_backend
    from ingest.embed import embedder_for_index, make_embedder

    backend = open_backend(settings)
    if isinstance(backend, LocalBackend):
        index = backend.open(version)
        try:
            library = Library.load(index, version, snapshot=snapshots.folder_for(backend.versions / version))
            try:
                embedder = embedder_for_index(index.model, settings) if index.model else make_embedder(settings)
            except TechniquesError:  # an index this installation cannot embed questions for: the
                return  # vectors are made when an assistant that can opens it (an optimisation only)
            doc_dense.vectors(library, embedder)
        finally:
            index.close()
