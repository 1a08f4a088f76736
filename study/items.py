"""What a study item is, and the passage helpers every item builder shares: which lines of a
document's chunks belong to a section kind, the citation of the chunks an item comes from.

Quiz kinds live in study/quiz.py, cloze cards in study/cloze.py; both build `QuizItem`s here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assistant.types import Citation
from ingest.sections import split_sentences
from ingest.types import Chunk, ParsedDocument, SectionKind

TECHNIQUE_KINDS = frozenset({"technique_for_indication", "caution_for_condition"})


@dataclass(frozen=True)
class QuizItem:
    id: str  # "<doc_id>:<kind>:<n>", stable while the document's text is
    kind: str
    doc_id: str
    prompt: str  # markdown-safe
    answer: str  # canonical; for step_order the choice numbers in the right order ("3 1 2 4")
    accepted: tuple[str, ...]  # other answers that are right
    choices: tuple[str, ...]  # step_order: the shuffled steps; technique kinds: every title
    citation: Citation  # the passage the answer comes from
    source: str  # the sentence or line of the passage the item was built from (plain text)

    @property
    def asks_technique(self) -> bool:
        """The answer is the technique itself: surfaces must not show its title with the question."""
        return self.kind in TECHNIQUE_KINDS


# -- selection --------------------------------------------------------------------------------
def norm(text: str) -> str:
    return " ".join(str(text).lower().replace("-", " ").split())


def strings(value: object) -> list[str]:
    values = value if isinstance(value, (list, tuple)) else [value] if value else []
    return [str(v) for v in values if str(v).strip()]


def doc_regions(doc: ParsedDocument) -> list[str]:
    return [norm(v) for v in strings(doc.meta.get("region"))]


def selected(doc: ParsedDocument, region: str | None, technique: str | None) -> bool:
    if region and norm(region) not in doc_regions(doc):
        return False
    return not technique or norm(technique) in (norm(doc.doc_id), norm(doc.title))


def other_names(doc: ParsedDocument) -> list[str]:
    return [v for v in strings(doc.meta.get("techniques")) if norm(v) != norm(doc.title)]


# -- passages ---------------------------------------------------------------------------------
def cite(chunks: Iterable[Chunk]) -> Citation:
    ordered = sorted({c.id: c for c in chunks}.values(), key=lambda c: c.order)
    first = ordered[0]
    sections = list(dict.fromkeys(c.section_title for c in ordered))
    return Citation(1, first.doc_id, first.title, " / ".join(sections), "\n".join(c.text for c in ordered), 0.0)


def lines_of(chunks: list[Chunk], kinds: set[SectionKind]) -> list[tuple[str, str, Chunk]]:
    """(text, marker, chunk) for every block line of the given section kinds, in order."""
    out = []
    for c in chunks:
        if c.section_kind in kinds:
            lines = c.text.split("\n")
            out += [(t, m, c) for t, m in zip(lines, c.markers or ("",) * len(lines)) if t.strip()]
    return out


def sentences_of(chunks: list[Chunk], kinds: set[SectionKind]) -> list[tuple[str, Chunk]]:
    return [(s, c) for t, _, c in lines_of(chunks, kinds) for s in split_sentences(t)]


def squash(text: str) -> str:
    return " ".join(text.split()).lower()


def locate(chunks: list[Chunk], text: str) -> Chunk | None:
    needle = squash(text)
    return next((c for c in chunks if needle and needle in squash(c.text)), None)


def make_item(kind: str, doc: ParsedDocument, prompt: str, answer: str, source: str, cited: Iterable[Chunk], *,
          accepted: Iterable[str] = (), choices: tuple[str, ...] = ()) -> QuizItem:
    seen = {answer.lower()}
    alternatives = tuple(a for a in accepted if not (a.lower() in seen or seen.add(a.lower())))
    return QuizItem("", kind, doc.doc_id, prompt, answer, alternatives, choices, cite(cited), source)


def unique(items: list[QuizItem]) -> list[QuizItem]:
    seen: set[str] = set()
    return [i for i in items if not ((key := i.prompt + i.source) in seen or seen.add(key))]
