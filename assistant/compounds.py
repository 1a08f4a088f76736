"""Names written as one word or two: "deadlift" and "Dead Lifts", "pulldown" and "Pull-Down",
"push up" and "Pushups". Libraries spell compounds their own way and people type them theirs;
a technique's name should be found either way.

From the library's own names: every two adjacent words of a name, glued ("dead lifts" ->
deadlift), and every one-word name part. A question's word that is a glued pair gets a
rendering with the pair split; two adjacent question words that glue into a name's word get a
rendering with them joined. Renderings are searched beside the question (BM25) and read for the
names they say (names.py); nothing is guessed from outside the library.
"""

from __future__ import annotations

import re

from assistant.library import Library

_WORD = re.compile(r"[a-z]+")
MIN_PART = 3  # "l-sit" is not a compound of "l" and "sit"


def _index(library: Library) -> tuple[dict[str, str], set[str]]:
    """(two adjacent words of a name, glued -> the two as the name has them; one-word name
    parts). Spelling, not stems: a stemmer cuts a made-up compound anywhere ("sidelying")."""
    cached = library.__dict__.get("_compounds")
    if cached is None:
        glued: dict[str, str] = {}
        single: set[str] = set()
        for doc in library.docs.values():
            aliases = doc.meta.get("techniques") or []
            for name in [doc.title, *(aliases if isinstance(aliases, list | tuple) else [aliases])]:
                words = _WORD.findall(str(name).lower())
                single.update(words)
                for a, b in zip(words, words[1:]):
                    if len(a) >= MIN_PART and len(b) >= MIN_PART:
                        glued.setdefault(a + b, f"{a} {b}")
        cached = library.__dict__["_compounds"] = (glued, single)
    return cached


def _forms(word: str) -> tuple[str, str, str]:
    """A word, its plural and its singular, as people write them ("deadlift", "deadlifts")."""
    return word, word + "s", word.removesuffix("s")


def renderings(library: Library, text: str) -> list[str]:
    """`text` with its compounds spelled the library's other way (empty when it has none)."""
    glued, single = _index(library)
    words = _WORD.findall(text.lower())
    out = []
    split = [next((glued[f] for f in _forms(w) if f in glued), w) for w in words]
    if split != words:
        out.append(" ".join(split))
    joined, i, changed = [], 0, False
    while i < len(words):
        if i + 1 < len(words) and min(len(words[i]), len(words[i + 1])) >= MIN_PART:
            glue = words[i] + words[i + 1]
            if set(_forms(glue)) & single:
                joined.append(words[i] + words[i + 1])
                i, changed = i + 2, True
                continue
        joined.append(words[i])
        i += 1
    if changed:
        out.append(" ".join(joined))
    return out
