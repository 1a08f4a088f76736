"""The direct answer to a specific question: one to three cited sentences of the technique's own
document, or a plain "the document gives no ..." when it does not state what was asked.

Every sentence of the technique (a list item is kept whole) is scored by its cosine similarity to
the question (the better of the sentence alone and under its section's title), plus a bonus when
it carries the intent's evidence (a duration for a hold-time question: patterns in
assistant/data/intents.yaml), when it sits in the section the intent is about (a breathing
question prefers the Breathing section) and when it shares the question's rarer words. For
intents whose evidence is required only a sentence that carries it can be the answer, so a
hold-time answer never cites a sentence without a duration; for the others, a best sentence less
similar than the intent's threshold (fitted on evals/datasets/dev/facts.yaml) is "not stated".
A situation stated before the asking part ("pt supine - where do my fingers go?") weighs less
than what is asked; a question that asks two things gets a sentence for each; a "where" question
gets a sentence naming a place (the `slots` of intents.yaml).

Comparison questions get two lines per technique (what it is for, how it is done: or the fact
asked about each), each technique's own where both documents share sentences; eligibility questions the contraindication check's verdict first
(assistant.safety.contraindications), then the document's matching caution. How-to questions
get no direct answer: the steps are the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from assistant.direct_sentences import (
    LIST_ITEM_CHARS, Candidate, aliases, asked_parts, asking_part, candidates, given, listed, sentence_vectors, squash,
    without_names, words,
)
from assistant.intent import HOWTO, Intent, IntentSpec, by_cue, intents
from assistant.types import Direct, Line
from ingest.embed import Embedder
from ingest.sections import split_sentences
from ingest.types import Chunk, ParsedDocument, SectionKind

MAX_SENTENCES = 3


class Cite(Protocol):
    def mark(self, chunk: Chunk) -> str: ...


def _scores(pool: Sequence[Candidate], spec: IntentSpec, question: str, q: np.ndarray, embedder: Embedder,
            said: str = "") -> tuple[np.ndarray, np.ndarray]:
    """(similarity, score) per candidate: similarity to the question, and that plus the
    evidence, section and shared-word bonuses; `said`: what a `novel` intent's evidence must go
    beyond (`given`)."""
    data = intents()
    plain = sentence_vectors(embedder, [c.text for c in pool]) @ q
    titled = sentence_vectors(embedder, [c.titled for c in pool]) @ q
    sims = np.maximum(plain, titled)
    # the question's own words, less the technique's name, each weighted by how rare it is in
    # this document: "stenosis", "umbilicus", "hypermobile"
    asked = words(question) - data.common_words() - words(pool[0].chunk.title if pool else "")
    held = [words(c.titled) for c in pool]
    df = {w: sum(w in ws for ws in held) for w in asked}
    weight = {w: float(np.log((1 + len(pool)) / (1 + n))) for w, n in df.items() if n}  # a word no sentence has decides nothing
    total = sum(weight.values()) or 1.0
    # a soft intent's evidence may be in the section's title ("This technique will help: ...")
    evidence = data.evidence_weight if spec.required else data.soft_evidence_weight
    first = next((c for c in pool if c.chunk.section_kind == SectionKind.STEPS), None)
    bonus = []
    for c, ws in zip(pool, held):
        b = evidence * spec.evidence_in(c.text if spec.required else c.titled, said) + spec.first_weight * (c is first)
        b += data.section_weight * (c.chunk.section_kind.value in spec.sections)
        b += data.overlap_weight * sum(weight.get(w, 0.0) for w in asked & ws) / total
        bonus.append(b)
    return sims, sims + np.asarray(bonus, dtype=np.float32)


def best_lines(chunks: Sequence[Chunk], question: str, spec: IntentSpec, q: np.ndarray, embedder: Embedder,
               cite: Cite, *, limit: int | None = None, label: str = "", among: Sequence[str] = (),
               naming: set[str] = frozenset(), lenient: bool = False, said: str = "",
               unlike: frozenset[str] = frozenset()) -> tuple[Line, ...] | None:
    """The best cited sentences for `spec`, or None when the document does not state it;
    `among`: only sentences that are part of these texts (a document's cautions), when any is;
    `naming`: only sentences with one of these words (a client's condition), when any has;
    `lenient`: a best sentence sharing one of the question's own words is an answer however
    little alike they are (the second part of a question the document was found to answer:
    "... and where do I start?" is too short for its vector to say much); `unlike`: not these
    sentences (squashed) when there are others (what a compared technique says as well)."""
    data = intents()
    pool = candidates(chunks)
    pool = [c for c in pool if squash(c.text) not in unlike] or pool
    if among:
        texts = [squash(t) for t in among]
        pool = [c for c in pool if any(squash(c.text) in t or t in squash(c.text) for t in texts)] or pool
    named = [c for c in pool if naming & words(c.text)]
    pool = named or pool
    if spec.required:
        pool = [c for c in pool if spec.evidence_in(c.text, said)]
    if not pool:
        return None
    sims, scores = _scores(pool, spec, question, q, embedder, said)
    order = np.argsort(-scores, kind="stable")
    top = int(order[0])
    # a sentence naming the client's condition is what the document says about it, however worded
    shares = lenient and bool(words(question) - data.common_words() - words(pool[top].chunk.title) & words(pool[top].titled))
    if not spec.required and not named and not shares and float(sims[top]) < data.soft_min(spec):
        return None
    limit = min(MAX_SENTENCES, max(1, limit or spec.sentences))
    margin = data.margin if spec.required else data.soft_margin
    chosen = [int(i) for i in order[:limit] if float(scores[i]) >= float(scores[top]) - margin]
    own = [i for i, c in enumerate(pool) if c.chunk.id == pool[top].chunk.id]
    if spec.sections and pool[top].chunk.section_kind.value == spec.sections[0] != "steps" and len(own) <= limit:
        # a short section about just what was asked answers whole ("We stretch most muscles when
        # the client exhales. With the QL, ... when the client inhales")
        chosen = own
    if not spec.required and pool[top].chunk.section_kind != SectionKind.STEPS and listed(pool[top]):
        # a list that is not the steps answers together ("This technique will help: ..."): its
        # first items, in the document's order
        items = [i for i, c in enumerate(pool) if c.chunk.id == pool[top].chunk.id and listed(c)]
        chosen = list(dict.fromkeys([top] + [i for i in items if i != top]))[:limit] if top not in items[:limit] \
            else items[:limit]
    for slot in data.slots:  # "where ...?" is answered by a sentence that names a place
        if slot.asked(question) and not any(slot.filled(pool[i].text) for i in chosen) and len(chosen) < MAX_SENTENCES:
            chosen += [int(i) for i in order if slot.filled(pool[int(i)].text)][:1]
    return tuple(Line(pool[i].text, (_n(cite, pool[i].chunk),), label=label) for i in chosen)


def direct_answer(
    chunks: Sequence[Chunk],
    question: str,
    intent: Intent | str,
    question_vector: np.ndarray | None,
    embedder: Embedder,
    cite: Cite,
    *,
    doc: ParsedDocument | None = None,
    other: Sequence[Chunk] = (),
    history: Sequence[str] = (),
) -> Direct | None:
    """The direct answer for a fact question about the technique whose chunks these are; None
    for a how-to question. `doc` is the technique's document (its risk profile answers an
    eligibility question), `other` the chunks of a second technique a comparison is about."""
    name = intent.name if isinstance(intent, Intent) else intent
    if name == HOWTO:
        return None
    spec = intents().get(name)
    names = [c.title for c in list(chunks[:1]) + list(other[:1])] + aliases(doc)
    aspect, q = _asked(question, names, question_vector, embedder)
    if name == "comparison" and other:
        return _comparison(chunks, other, question, q, embedder, cite)
    lead: tuple[Line, ...] = ()
    naming: set[str] = set()
    if name == "eligibility" and doc is not None:
        lead, naming = _verdicts(doc, question, history)
    # after a verdict, the document's own caution that matches the question
    cautions = [c.text for c in doc.cautions] if lead and doc is not None else ()
    parts = [] if lead else asked_parts(asking_part(question)[1])
    if parts:  # a question that asks two things gets a sentence for each, or says which it lacks
        found: list[Line] = []
        missing: list[Line] = []
        for n, part in enumerate(parts):
            asked = by_cue(part, exclude=("comparison", "eligibility", HOWTO))
            part_spec = intents().get(asked.name) if asked else spec  # "how long ..., and how many times?"
            got = best_lines(chunks, part, part_spec, _asked(part, names, None, embedder)[1], embedder, cite, limit=1,
                             lenient=n > 0, said=given(question, aspect))
            if got:
                found += got
            elif asked is not None:  # a part with its own intent that the document does not answer
                missing += _not_stated(part_spec.name, part_spec.thing).lines
        # not cut to MAX_SENTENCES: every line found has its citation numbered, and every number is used
        lines = (tuple(dict.fromkeys(found)) + tuple(missing)) if found else None
    else:
        # the words of the asking part, the technique's other names too, earn the shared-word bonus:
        # "which exercise strengthens gluteus medius?" when "gluteus medius" is one of its names
        lines = best_lines(chunks, asking_part(question)[1], spec, q, embedder, cite, limit=1 if lead else None,
                           among=cautions, naming=naming, said=given(question, aspect))
    if lines is None:
        return Direct(name, lead, stated=True) if lead else _not_stated(name, spec.thing)
    return Direct(name, lead + lines, stated=True)


def _asked(question: str, names: Sequence[str], question_vector: np.ndarray | None, embedder: Embedder
           ) -> tuple[str, np.ndarray]:
    """What is asked about the technique (the question less its names) and the vector sentences
    are compared with: mostly that, plus `name_weight` of the whole question (the name is in
    every sentence's context, so it says little about which sentence answers). A situation said
    before the asking part counts `context_weight` only: a sentence that restates it does not
    answer what is asked about it."""
    data = intents()
    context, ask = asking_part(question)
    aspect = without_names(ask, names)
    whole = np.asarray(question_vector if question_vector is not None else embedder.embed_query(question), dtype=np.float32)
    if aspect == question:
        return aspect, whole
    q = np.asarray(embedder.embed_query(aspect), dtype=np.float32) + data.name_weight * whole
    if context:
        q = q + data.context_weight * np.asarray(embedder.embed_query(without_names(context, names)), dtype=np.float32)
    return aspect, q / (float(np.linalg.norm(q)) or 1.0)


def best_similarity(chunks: Sequence[Chunk], question: str, intent: str, embedder: Embedder,
                    doc: ParsedDocument | None = None) -> float | None:
    """The similarity of the technique's best sentence for a soft intent (what its "not stated"
    threshold is compared with; evals/direct_report.py --fit reads it)."""
    spec = intents().get(intent)
    pool = candidates(chunks)
    if not pool or spec.required or intent in (HOWTO, "comparison"):
        return None
    aspect, q = _asked(question, [chunks[0].title] + aliases(doc), None, embedder)
    sims, scores = _scores(pool, spec, aspect, q, embedder, given(question, aspect))
    return float(sims[int(np.argmax(scores))])


def _comparison(first: Sequence[Chunk], second: Sequence[Chunk], question: str, q: np.ndarray, embedder: Embedder,
                cite: Cite) -> Direct:
    """Two lines per technique: the fact the question asks about each (a hold time, ...), or
    what it is for and how it is done; a sentence both documents have says nothing about how they
    differ, so each technique's lines are its own where it has any."""
    data = intents()
    asked = by_cue(question, exclude=("comparison", HOWTO))
    if asked is not None and not data.get(asked.name).required:
        asked = None  # a fact both documents can state (a hold time) is compared; else the basics
    aspects = [data.get(asked.name)] if asked else [data.get(n) for n in data.comparison_aspects]
    lines: list[Line] = []
    stated = False
    own = [{squash(c.text) for c in candidates(chunks)} for chunks in (first, second)]
    shared = frozenset(own[0] & own[1])
    for chunks in (first, second):
        title = chunks[0].title if chunks else ""
        for spec in aspects:
            if spec.name == HOWTO:  # how it is done: where its steps start
                found = _first_step(chunks, cite, title, shared | {squash(x.text) for x in lines})
            else:
                probe = question if asked else spec.examples[0]
                pv = q if asked else np.asarray(embedder.embed_query(probe), dtype=np.float32)
                found = best_lines(chunks, probe, spec, pv, embedder, cite, limit=1, label=title, unlike=shared)
            if found:
                lines += found
                stated = True
            else:
                lines.append(Line(f"This technique's document gives no {spec.thing or spec.name}.", label=title))
    return Direct("comparison", tuple(lines), stated=stated)


def _first_step(chunks: Sequence[Chunk], cite: Cite, label: str, unlike: frozenset[str] = frozenset()
                ) -> tuple[Line, ...] | None:
    """The technique's first step (whole when short, else its first sentence) that is not in
    `unlike` (the other technique's too, or already shown), else its first; without a steps
    section, its first such sentence."""
    steps = [c for c in chunks if c.section_kind == SectionKind.STEPS]
    found: list[tuple[str, Chunk]] = []
    for chunk in steps:
        for line in filter(None, (x.strip() for x in chunk.text.split("\n"))):
            found.append((line if len(line) <= LIST_ITEM_CHARS else (split_sentences(line) or [line])[0], chunk))
    if not steps:
        found = [(c.text, c.chunk) for c in candidates(chunks)]
    text, chunk = next((f for f in found if squash(f[0]) not in unlike), found[0] if found else ("", None))
    return (Line(text, (_n(cite, chunk),), label=label),) if chunk is not None else None


def _verdicts(doc: ParsedDocument, question: str, history: Sequence[str]) -> tuple[tuple[Line, ...], set[str]]:
    """The contraindication check's verdicts for the conditions the conversation names, each
    with its reason (uncited: the reason and source are the safety table's, not the document's),
    and the words that name those conditions."""
    from assistant.safety.conditions import find_conditions
    from assistant.safety.contraindications import check
    from ingest.risk import stored_profile

    conditions = find_conditions(question, history)
    if not conditions:
        return (), set()
    naming = set().union(*(words(f"{c.label} {c.phrase}") for c in conditions)) - intents().common_words()
    lines: dict[str, Line] = {}  # one line per condition: its most serious verdict
    for v in check(conditions, stored_profile(doc)):
        modify = f" {v.modify}" if v.verdict == "modify" and v.modify else ""
        lines.setdefault(v.condition.id, Line(f"{v.heading}. {v.reason}{modify}"))
    return tuple(lines.values())[:2], naming


def _n(cite: Cite, chunk: Chunk) -> int:
    return int(cite.mark(chunk).strip("[]"))


def _not_stated(name: str, thing: str) -> Direct:
    what = thing or name.replace("_", " ")
    return Direct(name, (Line(f"This technique's document gives no {what}."),), stated=False)
