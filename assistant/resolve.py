"""Which technique a turn of a conversation is about.

A technique the question names is answered; a follow-up stays on the conversation's technique
(or moves to the variant it asks for) unless it asks about a body region or kind of technique
that technique does not cover; otherwise the best match must have enough evidence and cover
what is asked, and a "not covered" says why (`Retrieval.no_answer_reason`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace

from assistant.library import Library
from assistant import names as naming
from assistant.names import elsewhere, longest_name, overlap
from assistant.query import asked
from assistant.coverage import covers
from assistant.retrieve import Retrieval, TechniqueMatch, retrieve, thresholds
from assistant.rules import answer_text
from assistant.safety import scope, triage
from assistant.types import PastTurn
from assistant.variants import variant
from ingest.embed import Embedder

MAX_QUERY_CHARS = 2000  # what retrieval reads of a question; triage reads more
MAX_FOLLOWUP_TURNS = 20  # earlier questions re-resolved for a follow-up (each costs a retrieval); triage reads all


@dataclass(frozen=True)
class Resolution:
    """Which technique a turn is about, and why."""

    match: TechniqueMatch | None
    retrieval: Retrieval
    followup: bool



def resolve(library: Library, embedder: Embedder, q: str, previous: str | None, top_k: int,
            vector: Future | None = None) -> Resolution:
    """The technique a turn is about. A named technique is answered; a follow-up stays on the
    conversation's technique unless it asks about a body region or kind of technique that
    technique does not cover; otherwise the best match must have enough evidence and cover
    what is asked. A "not covered" says why (`retrieval.no_answer_reason`)."""
    retrieval = retrieve(library, embedder, q, top_k, vector=vector)
    mentioned = library.mentioned(retrieval.query)
    threshold = thresholds().min_evidence
    best = retrieval.best
    if named_here := [m for m in retrieval.matches[:3] if m.doc_id in mentioned]:
        # of several techniques the question names, the one it names most fully; not one
        # named by fewer of its words than the best match's name shares ("Squats" for "hex
        # bar squat" when "Trap Bar Squat" ranks first)
        said = naming.said(library, retrieval.query)
        named_best = max(named_here, key=lambda m: longest_name(library, m.doc_id, said))
        if best is None or longest_name(library, named_best.doc_id, said) >= overlap(library, best.doc_id, said):
            best = named_best
    named = best is not None and best.doc_id in mentioned
    if previous and previous in library.docs and not named and (other := variant(library, previous, asked(q))):
        # "and with dumbbells?": the variant of the technique on screen (assistant/variants.py)
        return Resolution(retrieval.for_doc(other) or TechniqueMatch(other, 0.0, 1.0, 0.0, 0.0, ()), retrieval, followup=False)
    if previous and previous in library.docs and not named:
        strays = [a.label for a in retrieval.asked if not covers(library, previous, a)]
        # a question that names no subject of its own (only question words and parts of a
        # technique: "any cautions I should know about?") is about the technique on screen
        words = answer_text().question_words | answer_text().aspect_words
        subjectless = not retrieval.asked and not library.informative(library.tokenize(asked(q)), words)
        if not strays and (subjectless or answer_text().followup.search(asked(q)) or not best or best.evidence < threshold):
            kept = retrieval.for_doc(previous) or TechniqueMatch(previous, 0.0, 1.0, 0.0, 0.0, ())
            return Resolution(kept, retrieval, followup=True)
    kinds = {a.label for a in retrieval.asked if a.family == "kind"}
    # a technique the question names is about what it is about; only a kind it is not
    # (dry needling the psoas, not releasing it) is a reason to decline it
    lacks = lambda m: [x for x in m.missing if m.doc_id not in mentioned or x in kinds]  # noqa: E731
    if best is not None and lacks(best):
        # another close match may cover everything asked; none does: say what is missing
        best = next((m for m in retrieval.matches[:5] if not lacks(m)
                     and (m.evidence >= threshold or m.doc_id in mentioned)), None) or best
        if lacks(best):
            why = retrieval.reason(best, library.docs[best.doc_id].title)
            return Resolution(None, replace(retrieval, no_answer_reason=why), followup=False)
        named = best.doc_id in mentioned
    if best is None or (not named and best.evidence < threshold):
        why = "Nothing in the library is close enough to this question."
        return Resolution(None, replace(retrieval, no_answer_reason=why), followup=False)
    if why := elsewhere(library, retrieval, best.doc_id):  # "row a canoe" (names.py)
        return Resolution(None, replace(retrieval, no_answer_reason=why), followup=False)
    return Resolution(best, retrieval, followup=False)

def previous_technique(library: Library, past: Sequence[PastTurn],
                       resolve_turn: Callable[[Library, str, str | None], Resolution]) -> str | None:
    """The technique the conversation is on: the last earlier turn's, as the user saw it when
    the surface passes it (`PastTurn.doc_id`), else re-resolved from the questions."""
    for turn in reversed(past):
        if turn.resolved:
            return turn.doc_id if turn.doc_id in library.docs else None
    current: str | None = None
    for turn in past[-MAX_FOLLOWUP_TURNS:]:
        if triage.assess(turn.question) or scope.check_scope(turn.question):
            continue
        resolved = resolve_turn(library, turn.question[:MAX_QUERY_CHARS], current)
        if resolved.match is not None:
            current = resolved.match.doc_id
    return current

def compared(library: Library, turn: Resolution) -> str | None:
    """The second technique a comparison is about: one the question names, else retrieval's
    next match."""
    chosen = turn.match.doc_id if turn.match else None
    named = sorted(library.mentioned(turn.retrieval.query) - {chosen})
    ranked = [m.doc_id for m in turn.retrieval.matches if m.doc_id != chosen]
    return next((d for d in ranked if d in named), named[0] if named else (ranked[0] if ranked else None))

def also_relevant(turn: Resolution) -> TechniqueMatch | None:
    chosen = turn.match
    if chosen is None or turn.followup:
        return None
    ratio = answer_text().also_relevant_ratio
    for m in turn.retrieval.matches:
        if m.doc_id != chosen.doc_id and m.hits and m.evidence >= thresholds().min_evidence and m.score >= ratio * chosen.score:
            return m
    return None
