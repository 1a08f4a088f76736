"""The vocabulary of study mode (data/quiz.yaml) and the text operations quiz items are built
with: finding a key term in a sentence, masking it, rendering a template strictly.

Plain text in, plain text out: escaping for markdown happens where an item is assembled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from assistant.glossary import glossary

_WORD = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]")


@dataclass(frozen=True)
class QuizVocabulary:
    templates: dict[str, str]
    blank: str
    kind_labels: dict[str, str]
    indication_heading: re.Pattern[str]
    indication_cues: re.Pattern[str]
    generic_name_words: frozenset[str]
    breath_terms: dict[str, tuple[str, ...]]  # "inhale" -> every way of saying it
    breath: re.Pattern[str]
    duration: re.Pattern[str]
    count: re.Pattern[str]
    count_alternatives: dict[str, tuple[str, ...]]
    condition_patterns: tuple[re.Pattern[str], ...]
    max_condition_words: int
    anatomy: tuple[str, ...]
    technique_terms: tuple[str, ...]
    min_sentence_words: int
    cloze_max_words: int
    min_content_word_letters: int
    stop_words: frozenset[str]
    answer_check: dict
    review: dict


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _phrases(terms: list[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive, longest first so "breathe in" wins over "breath"."""
    ordered = sorted({str(t).lower() for t in terms}, key=lambda t: (-len(t), t))
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in ordered) + r")(?![\w-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def quiz_vocab() -> QuizVocabulary:
    raw = yaml.safe_load(resources.files("study").joinpath("data/quiz.yaml").read_text("utf-8"))
    breath_terms = {k: tuple(str(t).lower() for t in v) for k, v in raw["breath_terms"].items()}
    return QuizVocabulary(
        templates={k: str(v) for k, v in raw["templates"].items()},
        blank=str(raw["blank"]),
        kind_labels={k: str(v) for k, v in raw["kind_labels"].items()},
        indication_heading=_any_of(raw["indication_heading"]),
        indication_cues=_any_of(raw["indication_cues"]),
        generic_name_words=frozenset(str(w).lower() for w in raw["generic_name_words"]),
        breath_terms=breath_terms,
        breath=_phrases([t for ts in breath_terms.values() for t in ts]),
        duration=re.compile(raw["duration"], re.IGNORECASE),
        count=re.compile(raw["count"], re.IGNORECASE),
        count_alternatives={str(k).lower(): tuple(str(a) for a in v) for k, v in raw["count_alternatives"].items()},
        condition_patterns=tuple(re.compile(p, re.IGNORECASE) for p in raw["condition_patterns"]),
        max_condition_words=int(raw["max_condition_words"]),
        anatomy=tuple(str(t).lower() for t in raw["anatomy"]),
        technique_terms=tuple(str(t).lower() for t in raw["technique_terms"]),
        min_sentence_words=int(raw["min_sentence_words"]),
        cloze_max_words=int(raw["cloze_max_words"]),
        min_content_word_letters=int(raw["min_content_word_letters"]),
        stop_words=frozenset(str(w).lower() for w in raw["stop_words"]),
        answer_check=raw["answer_check"],
        review=raw["review"],
    )


def kind_label(kind: str) -> str:
    return quiz_vocab().kind_labels.get(kind, kind)


def plain(markdown: str) -> str:
    """Markdown-safe text (escaped with `compose.md`) as terminal text: the escaping removed."""
    text = re.sub(r"\\([\\\[\]`*_#|])", r"\1", markdown)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render(kind: str, **fields: str) -> str:
    """A template of data/quiz.yaml filled strictly: a missing field raises KeyError."""
    return quiz_vocab().templates[kind].format_map(fields)


def word_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", re.IGNORECASE)


def mask(text: str, term: str) -> str:
    """Every whole-word occurrence of `term` blanked out, so the sentence does not give it away."""
    return word_pattern(term).sub(quiz_vocab().blank, text)


def word_count(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class Term:
    text: str  # as written in the sentence
    alternatives: tuple[str, ...]  # other accepted ways to say it


def candidate_terms(sentence: str) -> list[Term]:
    """The terms a fill-in item could mask, best first: anatomical terms (longest first), then
    movement and technique terms (their glossary synonyms accepted too), then content words
    outside those terms (longest first); ties go to the earlier one."""
    vocab = quiz_vocab()
    found: list[tuple[int, int, int, str]] = []
    for rank, tier in enumerate((vocab.anatomy, vocab.technique_terms)):
        found += sorted((rank, -len(t), m.start(), m.group(0)) for t in tier if (m := word_pattern(t).search(sentence)))
    taken = [(start, start - length) for _, length, start, _ in found]  # (start, end) spans
    words = sorted(
        (2, -len(m.group(0)), m.start(), m.group(0))
        for m in _WORD.finditer(sentence)
        if len(m.group(0)) >= vocab.min_content_word_letters
        and m.group(0).lower() not in vocab.stop_words
        and not any(start < m.end() and m.start() < end for start, end in taken)
    )
    out: dict[str, Term] = {}
    for rank, _, _, text in found + words:
        out.setdefault(text.lower(), Term(text, _glossary_alternatives(text) if rank < 2 else ()))
    return list(out.values())


def gives_away(prompt: str, answers: Iterable[str]) -> bool:
    """Whether a prompt (plain text) contains an answer or an accepted alternative as words."""
    return any(word_pattern(a).search(prompt) for a in answers if a.strip())


def _glossary_alternatives(term: str) -> tuple[str, ...]:
    key = term.lower()
    out: list[str] = []
    for group in glossary().groups:
        if key in group:
            out += [t for t in group if t != key and t not in out]
    return tuple(out)


def breath_term(sentence: str) -> tuple[re.Match[str], tuple[str, ...]] | None:
    """The first breath word of a sentence and every way of saying that breath."""
    vocab = quiz_vocab()
    if not (m := vocab.breath.search(sentence)):
        return None
    word = m.group(0).lower()
    group = next(ts for ts in vocab.breath_terms.values() if word in ts)
    return m, group


def dosage_term(sentence: str) -> tuple[str, re.Match[str], tuple[str, ...]] | None:
    """("duration" | "count", the match, accepted alternatives) for a dosage sentence."""
    vocab = quiz_vocab()
    if m := vocab.duration.search(sentence):
        number = re.match(r"\d+(?:\s*[-–]\s*\d+)?", m.group(0))
        return "duration", m, (number.group(0),) if number else ()
    if m := vocab.count.search(sentence):
        found = m.group(0).lower()
        alternatives = vocab.count_alternatives.get(found, ())
        if not alternatives and (number := re.match(r"\d+", found)):
            alternatives = (number.group(0),)
        return "count", m, alternatives
    return None


def condition_in(caution: str) -> str | None:
    vocab = quiz_vocab()
    for pattern in vocab.condition_patterns:
        if (m := pattern.search(caution)) and word_count(cond := m.group("condition").strip(" -'")) <= vocab.max_condition_words:
            return cond
    return None


def name_words(names: list[str]) -> list[str]:
    """The words of a technique's names that would give it away in a prompt ("psoas", "QL")."""
    vocab = quiz_vocab()
    words: list[str] = []
    for name in names:
        for w in re.findall(r"[A-Za-z][A-Za-z'-]*", name):
            for part in {w, *w.split("-")}:
                if part.lower() not in vocab.generic_name_words and part.lower() not in words and len(part) > 1:
                    words.append(part.lower())
    return sorted(words, key=lambda w: (-len(w), w))
