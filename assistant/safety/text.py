"""How the safety checks see text: one normalisation, mapped back to the user's own words.

Shared by triage, the scope check, the lexicon, ConText and condition finding. `fold` keeps, for
every character it produces, the index of the character it came from, so a phrase found in the
normalised text is always shown to people as the user wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

MAX_TURN_CHARS = 20_000  # of each turn; enough for any real question, bounds hostile input
_APOSTROPHES = "'\u2018\u2019\u201b\u02bc\u02bb\u0060\u00b4\u2032"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_MACRO = re.compile(r"\{\{(\w+)\}\}")


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    """One character as the rules see it (may be empty or several characters)."""
    if ch in _LINE_BREAKS:
        return "\n"
    if ch in _APOSTROPHES:
        return ""
    if ch in _DASHES:
        return "-"
    category = unicodedata.category(ch)
    if category == "Cf":  # zero-width and format characters can hide inside a word
        return ""
    if category[0] in "CZ":
        return " "
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if unicodedata.category(c)[0] != "M")
    folded = unicodedata.normalize("NFKC", base).casefold()
    return "".join(c for c in folded if c not in _APOSTROPHES)


def fold(text: str) -> tuple[str, list[int]]:
    """`text` normalised for matching, and the index in `text` each character came from.

    NFKC, accents and invisible characters removed, case-folded, apostrophes deleted ("can't"
    becomes "cant"), whitespace runs collapsed; at most MAX_TURN_CHARS of input and output.
    """
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text[:MAX_TURN_CHARS]):
        for c in _fold(ch):
            if c != "\n" and c.isspace():
                if not out or out[-1] in " \n":
                    continue
                c = " "
            out.append(c)
            origin.append(i)
        if len(out) >= MAX_TURN_CHARS:
            break
    return "".join(out), origin


def normalise(text: str) -> str:
    """`text` as the rules match it (see `fold`); shared with the scope check."""
    return fold(text)[0] if isinstance(text, str) else ""


def display(text: str) -> str:
    """A matched phrase as shown to people: the user's own words, lower-case, one line."""
    kept = "".join(
        "" if unicodedata.category(c) == "Cf" else " " if unicodedata.category(c)[0] == "C" else c
        for c in unicodedata.normalize("NFKC", text)
    )
    return " ".join(kept.casefold().split())


def load_yaml(name: str) -> dict[str, Any]:
    """The raw YAML of one of this package's data files (tests edit it to break it)."""
    return yaml.safe_load(resources.files("assistant.safety").joinpath(f"data/{name}").read_text("utf-8"))


def expand(pattern: str, macros: dict[str, str]) -> str:
    """`pattern` with its {{macro}} references replaced (macros may use other macros)."""
    for _ in range(5):
        try:
            expanded = _MACRO.sub(lambda m: macros[m.group(1)], pattern)
        except KeyError as e:
            raise ValueError(f"unknown macro {e} in pattern {pattern!r}") from None
        if expanded == pattern:
            return pattern
        pattern = expanded
    raise ValueError(f"macros nest too deeply in {pattern!r}")


def compile_words(patterns: Sequence[str], macros: dict[str, str]) -> tuple[re.Pattern[str], ...]:
    """Each pattern compiled to match whole words only (and never the empty string)."""
    compiled = tuple(re.compile(rf"(?<!\w)(?:{expand(p, macros)})(?!\w)") for p in patterns)
    if empty := [p.pattern for p in compiled if p.fullmatch("")]:
        raise ValueError(f"patterns match empty text: {empty}")
    return compiled


def any_of(patterns: Sequence[str], macros: dict[str, str], *, words: bool = True) -> re.Pattern[str]:
    """One regex matching any of `patterns` (as whole words unless `words` is False)."""
    body = "|".join(f"(?:{expand(p, macros)})" for p in patterns) or "(?!x)x"
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)" if words else body)


class Folded:
    """A turn folded for matching, with a way back to the user's own words for any span."""

    def __init__(self, original: str, text: str, origin: list[int]) -> None:
        self.original, self.text, self.origin = original, text, origin

    @classmethod
    def of(cls, original: str) -> Folded:
        text, origin = fold(original)
        return cls(original, text, origin)

    def words(self, start: int, end: int) -> str:
        """The user's own words behind text[start:end], as shown to people."""
        if start >= end or not self.origin:
            return ""
        return display(self.original[self.origin[start] : self.origin[end - 1] + 1])

    def blank(self, pattern: re.Pattern[str]) -> None:
        """Spaces over every match of `pattern`, keeping every index where it was."""
        self.text = pattern.sub(lambda m: " " * len(m.group()), self.text)
