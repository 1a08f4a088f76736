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


def asking(text: str) -> str:
    """The sentences of a message that ask ("No numbness, bladder fine. How do I stretch the
    QL?" -> the second), or all of it when none does."""
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    return " ".join(s for s in sentences if _ASKS.search(s)) or text


def misspelt(text: str, known: Callable[[str], bool], vocabulary: Iterable[str] | None,
             *, min_len: int = 4, cutoff: float = 84.0) -> dict[str, str]:
    """{word: correction} for the words of `text` that neither the library (`known`) nor the
    lexicon has and English does not (wordfreq), each corrected to its closest word of
    `vocabulary` when one is close enough."""
    from rapidfuzz import fuzz, process

    from wordfreq import zipf_frequency

    words = {w.lower() for w in _WORD.findall(text) if len(w) >= min_len}
    # an English word is not a misspelling of a library word: "hair" is not "chair"
    unknown = [w for w in words if not known(w) and w not in lexicon().terms and zipf_frequency(w, "en") < WORD]
    if not unknown or vocabulary is None:
        return {}
    choices = list(vocabulary) if not isinstance(vocabulary, list) else vocabulary
    fixes: dict[str, str] = {}
    for word in unknown:
        found = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found is None:  # a vowel or two wrong keeps the consonants: "pistle", "piriformus"
            found = next((c for c in process.extract(word, choices, scorer=fuzz.ratio, score_cutoff=SOUND_CUTOFF, limit=5)
                          if skeleton(c[0]) == skeleton(word)), None)
        if found is not None and found[0] != word:
            fixes[word] = found[0]
    return fixes


SOUND_CUTOFF = 70.0  # how close a word with the same consonants must still be
_VOWELS = re.compile(r"(?<!^)[aeiouy]")
_DOUBLED = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """A word's consonants in order, doubled letters once, its first letter kept: misspellings
    by sound share it ("pistle" and "pistol": pstl; "gastrocnemeus" and "gastrocnemius")."""
    return _VOWELS.sub("", _DOUBLED.sub(r"\1", word.lower()))


WORD = 3.0  # Zipf frequency from which a word is English, not a misspelling ("hair", "flowers")
COMMON = 4.5  # Zipf frequency (wordfreq) from which an English word is plain: "does", "bigger"


def foreign(text: str, known: Callable[[str], bool], vocabulary: Iterable[str] | None,
            also_known: frozenset[str] = frozenset(), *, min_len: int = 3, typo: float = 0.8) -> tuple[str, ...]:
    """The words of `text` that say something the library has never heard of ("canoe", "kite"):
    not in its text, the lexicon or `also_known` (the glossary's), not common English (wordfreq)
    nor a plain word of the lexicon, not two of its words run together ("pulldown"), and not a
    likely misspelling of one of its words (a character or two off, letters swapped: "rasies").
    A question made of such a word and one generic word a title shares ("row a canoe") is about
    something else."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA
    from wordfreq import zipf_frequency

    plain = lexicon().plain
    words = dict.fromkeys(w.lower().replace("'", "") for w in _WORD.findall(text) if len(w) >= min_len)
    unknown = [w for w in words if w not in plain and w not in lexicon().terms and w not in also_known and not known(w)
               and zipf_frequency(w, "en") < COMMON and not _compound(w, known) and not _derived(w, known)]
    if not unknown or vocabulary is None:
        return tuple(unknown)
    choices = list(vocabulary) if not isinstance(vocabulary, list) else vocabulary
    return tuple(w for w in unknown
                 if process.extractOne(w, choices, scorer=OSA.normalized_similarity, score_cutoff=typo) is None)


def _compound(word: str, known: Callable[[str], bool]) -> bool:
    return any(known(word[:i]) and known(word[i:]) for i in range(3, len(word) - 2))


def _derived(word: str, known: Callable[[str], bool], root: int = 5) -> bool:
    """A word made from one the library uses by a suffix ("lengthens" from "length",
    "strengthening" from "strength"): the same family of meaning, not something else."""
    return any(known(word[:i]) for i in range(len(word) - 1, root - 1, -1))


@dataclass(frozen=True)
class Query:
    """A message as retrieval reads it."""

    text: str  # the asking part, corrected
    lexical: str  # `text` with the glossary's and the lexicon's meanings added (BM25)
    dense: str  # `text` with shorthand spelled out (the embedding model)
    aspects: tuple[Aspect, ...]  # body regions and kinds of technique it asks about
    corrections: dict[str, str]
    foreign: tuple[str, ...] = ()  # words of it the library has never heard of (`foreign`)
    renderings: tuple[str, ...] = ()  # `text` with its compounds spelt the library's other way
    placed: tuple[Aspect, ...] = ()  # body regions it names only to place the body ("knee on the bench")
    meanings: tuple[str, ...] = ()  # what its lay terms and shorthand mean (lexicon.py)


def apply_fixes(text: str, fixes: dict[str, str]) -> str:
    if not fixes:
        return text
    return _WORD.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), text)
