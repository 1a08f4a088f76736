"""Study mode's quiz: items generated deterministically from the parsed corpus, each citing the
passage its answer comes from, so students can study alone and nothing is invented.

Kinds (wording in data/quiz.yaml):
- technique_for_indication: an indication of a technique (name words masked) -> the technique.
- step_order: a technique's steps shuffled (seeded by the item id) -> their order.
- breathing_or_dosage: a breathing or dosage sentence, key term masked -> the term.
- caution_for_condition: a condition a caution names -> the technique whose caution it is.
- fill_in_term: a step or positioning sentence, one informative term masked -> the term.
- cloze: a whole step, positioning, dosage or caution line, its key term blanked -> the term
  (study/cloze.py; a line another kind already asks the same way is left to that kind).

`prompt` is markdown-safe (corpus text escaped with `md`); `answer`, `accepted` and `choices`
are plain text, escaped by whichever surface shows them. For the four text kinds the answer is
a phrase of the cited passage; for the two technique kinds it is the cited document's title.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.render import md
from study.quiz_text import (
    breath_term,
    condition_in,
    dosage_term,
    candidate_terms,
    gives_away,
    kind_label,
    mask,
    name_words,
    plain,
    quiz_vocab,
    render,
    word_count,
    word_pattern,
)
from study.cloze import cloze_items
from study.items import (
    QuizItem,
    doc_regions,
    lines_of,
    locate,
    make_item,
    other_names,
    selected,
    squash,
    sentences_of,
    unique,
)
from ingest.types import Chunk, ParsedDocument, SectionKind

if TYPE_CHECKING:
    from assistant.library import Library

__all__ = ["KINDS", "QuizItem", "generate_items", "kind_label", "plain", "regions"]

KINDS = ("technique_for_indication", "step_order", "breathing_or_dosage", "caution_for_condition", "fill_in_term", "cloze")
MAX_STEPS = 6  # a longer procedure is asked in parts of 3 to 6 consecutive steps
MIN_STEPS = 3


def generate_items(library: Library, *, region: str | None = None, technique: str | None = None) -> list[QuizItem]:
    """Every item the library supports, optionally for one region or one technique (doc id or
    title), interleaved so that a session moves between techniques and kinds."""
    titles = tuple(sorted((d.title for d in library.docs.values()), key=str.lower))
    keyed: list[tuple[tuple[int, int, str], QuizItem]] = []
    for doc_id in sorted(library.docs):
        doc = library.docs[doc_id]
        if not selected(doc, region, technique):
            continue
        chunks = library.by_doc.get(doc_id, [])
        builders = (_indication_items, _step_order_items, _dosage_items, _caution_items, _fill_in_items, cloze_items)
        asked: set[tuple[str, str]] = set()  # (source, answer) of the doc's items so far
        for kind, build in zip(KINDS, builders):
            built = [i for i in unique(build(library, doc, chunks, titles)) if _key(i) not in asked]
            asked |= {_key(i) for i in built}
            for n, item in enumerate(built, start=1):
                keyed.append(((n, KINDS.index(kind), doc_id), _with_id(item, f"{doc_id}:{kind}:{n}")))
    return [item for _, item in sorted(keyed, key=lambda t: t[0])]


def _key(item: QuizItem) -> tuple[str, str]:
    return squash(item.source), item.answer.lower()


def regions(library: Library) -> list[str]:
    return sorted({r for d in library.docs.values() for r in doc_regions(d)})


def _with_id(item: QuizItem, item_id: str) -> QuizItem:
    return _shuffled(item, item_id) if item.kind == "step_order" else replace(item, id=item_id)


# -- technique_for_indication -----------------------------------------------------------------
def _indication_items(library: Library, doc: ParsedDocument, chunks: list[Chunk], titles: tuple[str, ...]) -> list[QuizItem]:
    vocab = quiz_vocab()
    kinds = {SectionKind.OVERVIEW, SectionKind.OTHER}
    found = [(t, c) for t, _, c in lines_of(chunks, kinds) if vocab.indication_heading.search(c.section_title)]
    if not found:
        found = [(s, c) for s, c in sentences_of(chunks, kinds) if vocab.indication_cues.search(s) and not s.endswith("?")]
    hidden = name_words([doc.title, *other_names(doc)])
    items = []
    for text, chunk in found:
        masked = text
        for word in hidden:
            masked = mask(masked, word)
        prompt = render("technique_for_indication", indication=md(masked))
        items.append(make_item("technique_for_indication", doc, prompt, doc.title, text, [chunk], accepted=other_names(doc), choices=titles))
    return items


# -- step_order -------------------------------------------------------------------------------
def _steps(chunks: list[Chunk]) -> list[list[tuple[str, list[Chunk]]]]:
    """The steps of each steps section: a continuation ("+") or a numbered sub-list that starts
    at 1 under an unnumbered step is folded into the step it belongs to."""
    groups: dict[int, list[tuple[str, list[Chunk]]]] = {}
    last_top_unmarked = in_sub = False
    for text, marker, chunk in lines_of(chunks, {SectionKind.STEPS}):
        steps = groups.setdefault(chunk.section_order, [])
        own = re.fullmatch(r"\(?(\d{1,2})[.)]?", marker or "")
        nested = bool(steps and own and ((int(own.group(1)) == 1 and last_top_unmarked) or in_sub))
        if steps and (marker == "+" or nested):
            previous, cited = steps[-1]
            steps[-1] = (f"{previous} {text}", [*cited, chunk])
            in_sub = nested or in_sub
            continue
        steps.append((text, [chunk]))
        last_top_unmarked, in_sub = not marker, False
    return [groups[k] for k in sorted(groups)]


def _windows(n: int) -> list[range]:
    """n steps in as few parts of MIN_STEPS..MAX_STEPS consecutive steps as fit, sizes even."""
    parts = -(-n // MAX_STEPS) if n >= MIN_STEPS else 0
    bounds = [round(i * n / parts) for i in range(parts + 1)] if parts else []
    return [range(a, b) for a, b in zip(bounds, bounds[1:])]


def _step_order_items(library: Library, doc: ParsedDocument, chunks: list[Chunk], titles: tuple[str, ...]) -> list[QuizItem]:
    items = []
    for steps in _steps(chunks):
        windows = _windows(len(steps))
        for window in windows:
            part = [steps[i] for i in window]
            cited = [c for _, cs in part for c in cs]
            texts = tuple(t for t, _ in part)
            where = f", steps {window.start + 1} to {window.stop}" if len(windows) > 1 else ""
            # the prompt and answer are filled in once the id (the shuffle's seed) is known
            items.append(make_item("step_order", doc, where, "", "\n".join(texts), cited, choices=texts))
    return items


def _shuffled(item: QuizItem, item_id: str) -> QuizItem:
    """The steps in an order seeded by the item id (never the right one); the draft's prompt
    holds which part of the steps it is."""
    steps = item.choices
    order = list(range(len(steps)))
    random.Random(item_id).shuffle(order)
    if order == sorted(order):
        order = order[1:] + order[:1]
    answer = " ".join(str(order.index(j) + 1) for j in range(len(steps)))
    example = " ".join(str(i) for i in range(1, len(steps) + 1))
    section = md(item.citation.section) + item.prompt
    prompt = render("step_order", title=md(item.citation.title), section=section, example=example)
    return replace(item, id=item_id, prompt=prompt, answer=answer, choices=tuple(steps[i] for i in order))


# -- breathing_or_dosage ----------------------------------------------------------------------
def _dosage_items(library: Library, doc: ParsedDocument, chunks: list[Chunk], titles: tuple[str, ...]) -> list[QuizItem]:
    kinds = {SectionKind.BREATHING, SectionKind.DOSAGE, SectionKind.STEPS}
    items = []
    for sentence, chunk in sentences_of(chunks, kinds):
        if found := breath_term(sentence):
            m, accepted = found
            template = "breath"
        elif found := dosage_term(sentence):
            template, m, accepted = found
        else:
            continue
        masked = sentence
        for term in sorted({m.group(0), *accepted}, key=len, reverse=True):  # "relaxes with inhalation" too
            masked = mask(masked, term)
        prompt = render(template, title=md(doc.title), sentence=md(masked))
        if not gives_away(plain(prompt), (m.group(0), *accepted)):
            items.append(make_item("breathing_or_dosage", doc, prompt, m.group(0), sentence, [chunk], accepted=accepted))
    return items


# -- caution_for_condition --------------------------------------------------------------------
def _caution_items(library: Library, doc: ParsedDocument, chunks: list[Chunk], titles: tuple[str, ...]) -> list[QuizItem]:
    items = []
    for caution in doc.cautions:
        condition = condition_in(caution.text)
        chunk = locate(chunks, caution.text)
        if not condition or chunk is None:
            continue
        # another technique whose cautions name the same condition is a right answer too
        others = [
            d for d in library.docs.values()
            if d.doc_id != doc.doc_id and any(word_pattern(condition).search(c.text) for c in d.cautions)
        ]
        accepted = [*other_names(doc), *(n for d in sorted(others, key=lambda d: d.doc_id) for n in (d.title, *other_names(d)))]
        prompt = render("caution_for_condition", condition=md(condition))
        items.append(make_item("caution_for_condition", doc, prompt, doc.title, caution.text, [chunk], accepted=accepted, choices=titles))
    return items


# -- fill_in_term -----------------------------------------------------------------------------
def _fill_in_items(library: Library, doc: ParsedDocument, chunks: list[Chunk], titles: tuple[str, ...]) -> list[QuizItem]:
    vocab = quiz_vocab()
    items = []
    for sentence, chunk in sentences_of(chunks, {SectionKind.POSITIONING, SectionKind.STEPS}):
        if "?" in sentence or word_count(sentence) < vocab.min_sentence_words or dosage_term(sentence):
            continue
        for term in candidate_terms(sentence):
            if _is_breath(term.text):
                continue  # a breath word is asked by breathing_or_dosage, with its alternatives
            prompt = render("fill_in_term", title=md(doc.title), section=md(chunk.section_title), sentence=md(mask(sentence, term.text)))
            # the title must not give the term away ("restricted ____" in the Psoas release)
            if not gives_away(plain(prompt), (term.text, *term.alternatives)):
                items.append(make_item("fill_in_term", doc, prompt, term.text, sentence, [chunk], accepted=term.alternatives))
                break
    return items


def _is_breath(term: str) -> bool:
    return bool((found := breath_term(term)) and found[0].group(0).lower() == term.lower())
