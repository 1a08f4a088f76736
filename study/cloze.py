"""Cloze cards: a whole line of a technique's steps, positioning, dosage or cautions with its key
term blanked, the way Anki's cloze notes work, each citing the passage the line is in.

The key term of a line: for a dosage or breathing line its figure or breath ("30 seconds",
"exhale"); for a caution the condition it names ("hip replacement"), else its most informative
term; for a step or positioning line its most informative term (anatomy first, data/quiz.yaml).
Every occurrence of the term is blanked, so the line never gives it away. Lines longer than
`cloze_max_words` are carded sentence by sentence instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.render import md
from ingest.sections import split_sentences
from ingest.types import Chunk, ParsedDocument, SectionKind
from study.items import QuizItem, lines_of, locate, make_item
from study.quiz_text import (
    breath_term,
    candidate_terms,
    condition_in,
    dosage_term,
    gives_away,
    mask,
    plain,
    quiz_vocab,
    render,
    word_count,
)

if TYPE_CHECKING:
    from assistant.library import Library

KIND = "cloze"
_TEXT_KINDS = {SectionKind.STEPS, SectionKind.POSITIONING, SectionKind.DOSAGE, SectionKind.BREATHING}


def cloze_items(library: Library, doc: ParsedDocument, chunks: list[Chunk], titles: tuple[str, ...]) -> list[QuizItem]:
    items = []
    for text, _, chunk in lines_of(chunks, _TEXT_KINDS):
        for unit in _units(text):
            if item := _card(doc, chunk, unit, caution=False):
                items.append(item)
    for caution in doc.cautions:
        chunk = locate(chunks, caution.text)
        if chunk is not None and (item := _card(doc, chunk, caution.text, caution=True)):
            items.append(item)
    return items


def _units(line: str) -> list[str]:
    """The line itself, or its sentences when it is too long to read as one card."""
    if word_count(line) <= int(quiz_vocab().cloze_max_words):
        return [line]
    return split_sentences(line)


def _card(doc: ParsedDocument, chunk: Chunk, text: str, *, caution: bool) -> QuizItem | None:
    vocab = quiz_vocab()
    if "?" in text or word_count(text) < vocab.min_sentence_words:
        return None
    term = _key_term(text, caution=caution)
    if term is None:
        return None
    answer, accepted = term
    masked = text
    for t in sorted({answer, *accepted}, key=len, reverse=True):
        masked = mask(masked, t)
    if vocab.blank not in masked:
        return None
    prompt = render(KIND, title=md(doc.title), section=md(chunk.section_title), line=md(masked))
    if gives_away(plain(prompt), (answer, *accepted)):
        return None
    return make_item(KIND, doc, prompt, answer, text, [chunk], accepted=accepted)


def _key_term(text: str, *, caution: bool) -> tuple[str, tuple[str, ...]] | None:
    if found := dosage_term(text):
        _, m, accepted = found
        return m.group(0), accepted
    if found := breath_term(text):
        m, group = found
        return m.group(0), tuple(t for t in group if t != m.group(0).lower())
    if caution and (condition := condition_in(text)):
        return condition, ()
    for term in candidate_terms(text):
        return term.text, term.alternatives
    return None
