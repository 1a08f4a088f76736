"""How closely a question names a technique: every word of each of its names (title and
aliases), and the words a question says it does not mean.

Libraries hold near-duplicates ("Hack Squat Machine", "Narrow Stance Hack Squats"; "Barbell
Good Mornings", "Smith Machine Good Mornings"). BM25 on names rewards the words a question
shares with a name but hardly minds the words of a name the question does not say; `precision`
is that share (the best of a technique's names), so the plain variant wins when nothing
distinguishes another. `negated` reads "not on the Smith machine", "rather than a barbell",
"without twisting": a technique whose name has such a word is not the one asked for.
"""

from __future__ import annotations

import re
from collections import defaultdict

from assistant.library import Library
from assistant.proximity import Positions, positions, together
from assistant.rules import answer_text

# a question with a word the library has never heard of is answered by a technique whose name
# shares one word of it only when its names and metadata say this much of the question
FOREIGN_FOCUS = 0.5
FOREIGN_TERMS = 6  # ... and is that short: a long description mentions odd words in passing
_NEGATION = re.compile(
    r"\b(?:not|no|without|rather than|instead of|other than|never)\s+((?:[a-z][a-z'-]*\s*){1,4})", re.I)
_STOP_AT = re.compile(r"\b(?:and|but|so|or|with|because|as|if|for|to|on|in|at)\b.*$", re.I)
_LEADING = re.compile(r"^(?:(?:on|with|using|a|an|the|my|any|doing|in|at|from)\s+)+", re.I)


def name_index(library: Library) -> tuple[dict[str, list[frozenset[str]]], dict[str, set[str]]]:
    """Each technique's names as sets of stemmed words (stop words dropped, nothing else), and
    each word's techniques. Built once per Library."""
    cached = library.__dict__.get("_full_names")
    if cached is None:
        names: dict[str, list[frozenset[str]]] = {}
        by_term: dict[str, set[str]] = defaultdict(set)
        for doc_id in library.docs:
            doc = library.docs[doc_id]
            aliases = doc.meta.get("techniques") or []
            texts = [doc.title, *(aliases if isinstance(aliases, list | tuple) else [aliases])]
            names[doc_id] = [s for t in texts if (s := frozenset(library.tokenize(str(t), letters=True)))]
            for s in names[doc_id]:
                for t in s:
                    by_term[t].add(doc_id)
        cached = library.__dict__["_full_names"] = (names, dict(by_term))
    return cached


def name_words(library: Library, doc_id: str) -> frozenset[str]:
    """Every word of every name of a technique."""
    return frozenset().union(*name_index(library)[0].get(doc_id, []))


def said(library: Library, *texts: str) -> Positions:
    """Where each word of `texts` (the question, then what its terms mean) is, to find names in."""
    return positions(*(library.tokenize(t, letters=True) for t in texts))


def precision(library: Library, doc_id: str, where: Positions) -> float:
    """The largest share of one of the technique's names that the question says, its words
    close together (proximity.py)."""
    return max((together(n, where) / len(n) for n in name_index(library)[0].get(doc_id, [])), default=0.0)


def negated(text: str) -> list[str]:
    """The phrases `text` says it does not mean ("not the Smith machine" -> "smith machine")."""
    found = []
    for m in _NEGATION.finditer(text):
        phrase = _STOP_AT.sub("", _LEADING.sub("", m.group(1).strip())).strip()
        if phrase:
            found.append(phrase.lower())
    return found


def excluded(library: Library, text: str) -> frozenset[str]:
    """Stemmed words the question rules out and does not also ask for outside its negations."""
    phrases = negated(text)
    if not phrases:
        return frozenset()
    ruled_out = set(library.tokenize(" ".join(phrases)))
    rest = _NEGATION.sub(" ", text)
    return frozenset(ruled_out - set(library.tokenize(rest)))


def longest_name(library: Library, doc_id: str, where: Positions) -> int:
    """How many words the longest of a technique's names that the question says in full has (0
    for none): "hex bar squat" names "Hex Bar Squat" more fully than "Squats"."""
    return max((len(n) for n in name_index(library)[0].get(doc_id, []) if together(n, where) == len(n)), default=0)


def overlap(library: Library, doc_id: str, where: Positions) -> int:
    """How many words of the technique's best-matching name the question says together."""
    return max((together(n, where) for n in name_index(library)[0].get(doc_id, [])), default=0)


def focus_share(library: Library, doc_id: str, terms: set[str]) -> float:
    """The share of the question's informative weight (IDF; a word the library has never seen at
    the highest) that the technique's names and metadata say: what it is about, not its text."""
    if not terms:
        return 0.0
    focus = set(library.tokenize(library.fields.focus.get(doc_id, "")))
    weight = {t: library.idf(t) for t in terms}
    return sum(w for t, w in weight.items() if t in focus) / (sum(weight.values()) or 1.0)


def elsewhere(library: Library, retrieval, doc_id: str) -> str | None:
    """Why a short question with a word the library has never heard of, whose best technique
    shares at most one word of it in its name and says little of it in its names and metadata,
    is about something else ("row a canoe", "fly a kite"); None when it is not. A name shares
    words with the question's own words, not with what its terms mean ("band" is said to mean
    "exercise band": "foam roll my IT band" does not name "Squats with exercise bands")."""
    if not retrieval.foreign:
        return None
    words = set(library.informative(library.tokenize(retrieval.said), answer_text().question_words))
    if (len(words) <= FOREIGN_TERMS and overlap(library, doc_id, said(library, retrieval.text or retrieval.said)) <= 1
            and focus_share(library, doc_id, words) < FOREIGN_FOCUS):
        return f"The library has nothing about {retrieval.foreign[0]}."
    return None
