"""Remove the web-page noise users' clippings carry, so only technique content is indexed.

Share buttons, comment prompts, testimonials and sign-offs are not technique content, and
left in they get retrieved and cited. The rules are data (`ingest/data/noise.yaml`); this
module applies them page by page and keeps page numbers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from importlib import resources

import yaml

from ingest.types import LoadedDocument, Page

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
                         "“": '"', "”": '"'})
_LEADING_MARKUP = re.compile(r"^(?:#{1,6}\s+|[-*+•]\s+|>\s*)+")
_MD_HEADING = re.compile(r"^(#{1,6})\s")
_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    examples: tuple[str, ...] = ()

    def matches(self, key: str) -> bool:
        return self.pattern.fullmatch(key) is not None


@dataclass(frozen=True)
class NoiseRules:
    lines: tuple[Rule, ...]
    blocks: tuple[Rule, ...]
    section_heading: re.Pattern[str]
    signoffs: tuple[Rule, ...]
    max_line_chars: int
    max_signoff_chars: int


@functools.cache
def noise_rules() -> NoiseRules:
    """The rules in `ingest/data/noise.yaml`, read once."""
    raw = yaml.safe_load(resources.files("ingest").joinpath("data/noise.yaml").read_text("utf-8"))
    headings = "|".join(f"(?:{alternative})" for alternative in raw["section_headings"])
    return NoiseRules(
        lines=_rules(raw["lines"]),
        blocks=_rules(raw["blocks"]),
        section_heading=re.compile(rf"(?:{headings})\s*:?", re.IGNORECASE),
        signoffs=_rules(raw["signoffs"]),
        max_line_chars=int(raw["max_line_chars"]),
        max_signoff_chars=int(raw["max_signoff_chars"]),
    )


def _rules(entries: list[dict]) -> tuple[Rule, ...]:
    return tuple(
        Rule(e["name"], re.compile(e["pattern"], re.IGNORECASE), tuple(e.get("examples", ())))
        for e in entries
    )


def clean(doc: LoadedDocument) -> LoadedDocument:
    """A copy of `doc` without page chrome, testimonials and trailing sign-offs."""
    rules = noise_rules()
    pages = [replace(page, text=clean_text(page.text, rules)) for page in doc.pages]
    pages = _trim_signoffs([page for page in pages if page.text], rules)
    return replace(doc, pages=tuple(pages))


def clean_text(text: str, rules: NoiseRules | None = None) -> str:
    """One page's text without chrome lines and noise blocks, blank lines collapsed."""
    rules = rules or noise_rules()
    lines = [line.rstrip() for line in text.split("\n")]
    lines = [line for line in lines if not _is_chrome(line, rules)]
    return _tidy(_drop_blocks(lines, rules))


def line_key(line: str) -> str:
    """A line as the rules read it: no leading markdown, single spaces, straight quotes."""
    return " ".join(_LEADING_MARKUP.sub("", line.strip()).translate(_QUOTES).split())


def _is_chrome(line: str, rules: NoiseRules) -> bool:
    key = line_key(line)
    if not key or len(key) > rules.max_line_chars:
        return False
    return any(rule.matches(key) for rule in rules.lines)


def _drop_blocks(lines: list[str], rules: NoiseRules) -> list[str]:
    kept: list[str] = []
    block_level: int | None = None  # heading level of the open block; 0 for a plain line
    for line in lines:
        key = line_key(line)
        if block_level is not None:
            if not _ends_block(line, key, block_level, rules):
                continue
            block_level = None
        if any(rule.matches(key) for rule in rules.blocks):
            block_level = _heading_level(line)
            continue
        kept.append(line)
    return kept


def _ends_block(line: str, key: str, block_level: int, rules: NoiseRules) -> bool:
    if rules.section_heading.fullmatch(key):
        return True
    level = _heading_level(line)
    # A testimonial under "## Testimonials" may have its own "### Jane, Auburn" heading.
    return level > 0 and (block_level == 0 or level <= block_level)


def _heading_level(line: str) -> int:
    match = _MD_HEADING.match(line.lstrip())
    return len(match.group(1)) if match else 0


def _trim_signoffs(pages: list[Page], rules: NoiseRules) -> list[Page]:
    """Drop sign-off lines from the end of the document, page by page from the last."""
    while pages:
        lines = pages[-1].text.split("\n")
        while lines and (not lines[-1].strip() or _is_signoff(lines[-1], rules)):
            lines.pop()
        if lines:
            pages[-1] = replace(pages[-1], text=_tidy(lines))
            break
        pages.pop()
    return pages


def _is_signoff(line: str, rules: NoiseRules) -> bool:
    key = line_key(line)
    return len(key) <= rules.max_signoff_chars and any(r.matches(key) for r in rules.signoffs)


def _tidy(lines: list[str]) -> str:
    return _EXTRA_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
