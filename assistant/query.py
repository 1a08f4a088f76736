"""What a message asks, before retrieval: markup ignored, a long message reduced to the part
that asks, lay terms and shorthand given their meaning, misspelt words corrected.

Therapists paste notes, e-mails and web clippings around their question. Retrieval reads the
question (the sentence or clause that asks); triage still reads the whole message. Misspellings
are corrected only for words the library has never seen, against the library's own vocabulary
and the lexicon, so a word a document uses is never "corrected".
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant.lexicon import Aspect, lexicon

# short messages are the question already; longer ones are searched for the part that asks
LONG_MESSAGE = 240
_TAGS = re.compile(r"<[^<>]{0,400}>")
_CODE_FENCE = re.compile(r"^\s*(```|~~~).*$", re.M)
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MD_MARKS = re.compile(r"(?m)^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+•]\s+|\d{1,2}[.)]\s+)|[*_`~|]{1,3}|^\s*[-=*_]{3,}\s*$")
_SPACES = re.compile(r"[ \t]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_ASKS = re.compile(
    r"\?\s*$|^(?:how|what|which|when|where|why|who|can|could|should|would|is|are|do|does|did|any|"
    r"tips?|show|explain|describe|walk|give|tell|help|looking for|need|want|i'?d like)\b|"
    r"\b(how (do|can|should|would|long|many|often|to)|what('?s| is| are)|any (tips|ideas|advice)|"
    r"can (i|you|we)|should (i|we)|is there|are there)\b",
    re.I,
)
_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]", re.I)


def strip_markup(text: str) -> str:
    """Plain text of a message that carries HTML or markdown: tags, links' targets, emphasis,
    list markers and fences dropped; words and sentences kept."""
    text = html.unescape(_TAGS.sub(" ", text))
    text = _CODE_FENCE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", _URL.sub(" ", text))
    text = _MD_MARKS.sub(" ", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n") if line.strip())


def asked(text: str, limit: int = LONG_MESSAGE) -> str:
    """The part of a message that asks. A short message is returned as it is (without markup);
    a long one is reduced to its asking sentences (the last ones first, as people ask at the
    end), else to its last sentences."""
    plain = strip_markup(text)
    if len(plain) <= limit:
        return plain
    sentences = [s.strip() for s in _SENTENCE.split(plain) if len(s.strip()) > 2]
    asking = [s for s in sentences if _ASKS.search(s)]
    picked: list[str] = []
    for sentence in reversed(asking or sentences):
        if picked and sum(map(len, picked)) + len(sentence) > limit:
            break
        picked.insert(0, sentence[-2 * limit:])
    return " ".join(picked)


def misspelt(text: str, known: Callable[[str], bool], vocabulary: Iterable[str] | None,
             *, min_len: int = 4, cutoff: float = 84.0) -> dict[str, str]:
    """{word: correction} for the words of `text` that neither the library (`known`) nor the
    lexicon has, each corrected to its closest word of `vocabulary` when one is close enough."""
    from rapidfuzz import fuzz, process

    words = {w.lower() for w in _WORD.findall(text) if len(w) >= min_len}
    unknown = [w for w in words if not known(w) and w not in lexicon().terms]
    if not unknown or vocabulary is None:
        return {}
    choices = list(vocabulary) if not isinstance(vocabulary, list) else vocabulary
    fixes: dict[str, str] = {}
    for word in unknown:
        found = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found is not None and found[0] != word:
            fixes[word] = found[0]
    return fixes


@dataclass(frozen=True)
class Query:
    """A message as retrieval reads it."""

    text: str  # the asking part, corrected
    lexical: str  # `text` with the glossary's and the lexicon's meanings added (BM25)
    dense: str  # `text` with shorthand spelled out (the embedding model)
    aspects: tuple[Aspect, ...]  # body regions and kinds of technique it asks about
    corrections: dict[str, str]


def apply_fixes(text: str, fixes: dict[str, str]) -> str:
    if not fixes:
        return text
    return _WORD.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), text)
