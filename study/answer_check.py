"""Check a typed quiz answer leniently, without letting a different term through.

Forgiven: case, punctuation, extra spaces, articles and filler words ("hold for 30 seconds"),
simple plurals (inhale/inhales), a close spelling (one edit in a word of 4-7 letters, two in a
longer one; swapping two letters is one edit), numbers as words ("thirty" = "30"), units as abbreviations ("30 secs"), any
accepted alternative, and a choice's number for multiple-choice items. Never forgiven: a short
word spelt differently, a different number, or a "close" spelling that is the opposite term
("exhale" for "inhale", "adductors" for "abductors"; pairs in data/quiz.yaml).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from study.quiz_text import quiz_vocab

if TYPE_CHECKING:
    from study.quiz import QuizItem


@dataclass(frozen=True)
class Verdict:
    correct: bool
    expected: str
    note: str


@dataclass(frozen=True)
class _Rules:
    fillers: frozenset[str]
    units: dict[str, str]  # alias -> canonical unit
    numbers: dict[str, int]
    opposites: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    raw = quiz_vocab().answer_check
    return _Rules(
        fillers=frozenset(str(w) for w in raw["filler_words"]),
        units={str(a): unit for unit, aliases in raw["units"].items() for a in aliases},
        numbers={str(k): int(v) for k, v in raw["numbers"].items()},
        opposites=tuple((str(a), str(b)) for a, b in raw["opposites"]),
    )


def check_answer(item: QuizItem, typed: str) -> Verdict:
    typed = unicodedata.normalize("NFKC", typed or "").strip()
    if not re.search(r"\w", typed):
        return Verdict(False, item.answer, "No answer given.")
    if item.kind == "step_order":
        return _check_order(item, typed)
    if item.choices and re.fullmatch(r"\d{1,2}", typed) and 1 <= int(typed) <= len(item.choices):
        typed = item.choices[int(typed) - 1]
    results = [_compare(candidate, typed) for candidate in (item.answer, *item.accepted)]
    if "exact" in results:
        return Verdict(True, item.answer, "Correct.")
    if "close" in results:
        return Verdict(True, item.answer, f"Correct (check the spelling: {item.answer}).")
    return Verdict(False, item.answer, "Incorrect.")


def _check_order(item: QuizItem, typed: str) -> Verdict:
    expected = item.answer.split()
    numbers = re.findall(r"\d+", typed)
    if len(numbers) == 1 and len(numbers[0]) == len(expected) and len(expected) < 10:
        numbers = list(numbers[0])  # "3124"
    numbers = [str(int(n)) for n in numbers]
    if numbers == expected:
        return Verdict(True, item.answer, "Correct.")
    right = sum(a == b for a, b in zip(numbers, expected))
    return Verdict(False, item.answer, f"Incorrect: {right} of {len(expected)} in the right place.")


def _compare(expected: str, typed: str) -> str | None:
    """"exact" when the normalised words are equal, "close" when only spelling differs."""
    want, got = _words(expected), _words(typed)
    if not want:  # an answer made only of filler words is compared with them
        want, got = _words(expected, keep_fillers=True), _words(typed, keep_fillers=True)
    if want == got:
        return "exact"
    if len(want) == len(got) and all(_close(a, b) for a, b in zip(want, got)):
        return "close"
    if any(w.isdigit() for w in want + got):
        return None
    if "".join(want) == "".join(got):
        return "exact"  # "side lying" / "sidelying"
    return "close" if _close("".join(want), "".join(got), whole=True) else None


def _words(text: str, *, keep_fillers: bool = False) -> list[str]:
    rules = _rules()
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "").replace("'", "")
    text = re.sub(r"(\d)\s*(?:[-–—]|to)\s*(\d)", r"\1 \2", text)  # 20 – 30, 20-30, 20 to 30
    raw = re.findall(r"\d+(?:\.\d+)?|[a-z]+", text)
    words: list[str] = []
    for w in raw:
        if w in rules.numbers:
            value = rules.numbers[w]
            # "twenty five" -> 25
            if words and words[-1].isdigit() and int(words[-1]) % 10 == 0 and int(words[-1]) >= 20 and value < 10:
                words[-1] = str(int(words[-1]) + value)
                continue
            w = str(value)
        elif w in rules.units:
            w = rules.units[w]
        if keep_fillers or w not in rules.fillers:
            words.append(w if w.isdigit() else _singular(w))
    # "twenty to thirty" once its numbers are digits
    return [w for i, w in enumerate(words) if not (w == "to" and 0 < i < len(words) - 1 and words[i - 1].isdigit() and words[i + 1].isdigit())]


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _close(want: str, got: str, *, whole: bool = False) -> bool:
    if want == got:
        return True
    if want.isdigit() or got.isdigit() or not want or not got or want[0] != got[0]:
        return False
    if _opposite(want, got):
        return False
    n = len(want)
    limit = 0 if n < 4 else 1 if n <= 7 else 2
    if whole:
        limit = min(limit, 1)  # a joined phrase forgives one slip, not one per word
    return _distance(want, got, limit) <= limit


def _opposite(a: str, b: str) -> bool:
    return any((x in a and y in b and x not in b) or (y in a and x in b and y not in b) for x, y in _rules().opposites)


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance where swapping two neighbouring letters is one edit ("inhlae"), giving up
    (returning limit + 1) once it cannot be within `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if before is not None and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]
