"""`Assistant.ask(question, history) -> Answer`: the one answering path for every surface.

Order matters and is fixed here, in code: red-flag triage of the whole conversation first
(a referral, no steps), then the scope check (medicines, diagnosis, imaging are declined), then
retrieval, then the technique card. The optional LLM may only rephrase a finished card and is
checked afterwards; it never sees a red-flag or declined turn.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path


from assistant.safety import scope, triage
from assistant.compose import Card, compose_card
from assistant.direct import direct_answer
from assistant.intent import classify
from assistant.rules import answer_text
from assistant.startup import load_rules
from assistant import referrals
from assistant.referrals import ms as _ms
from assistant.trace import trace
from assistant.library import Library
from assistant.llm import Rephraser
from assistant.query import asked
from assistant.retrieve import Retrieval, TechniqueMatch, covers, dense_query, retrieve, thresholds
from assistant.variants import variant
from assistant.names import elsewhere, longest_name, overlap
from assistant.answer import Answer
from assistant.types import PastTurn, RedFlag, ScopeDecline
from ingest.backends import LocalBackend, ServerBackend, open_backend
from ingest.embed import Embedder, embedder_for_index, make_embedder
from techniques.errors import TechniquesError
from techniques.settings import Settings

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 2000  # what retrieval reads of a question; triage reads more
MAX_FOLLOWUP_TURNS = 20  # earlier questions re-resolved for a follow-up (each costs a retrieval); triage reads all
# control and invisible formatting characters, and lone surrogates (JSON can carry "\ud800"; the
# tokenizer and UTF-8 files refuse them)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def min_evidence() -> float:
    return thresholds().min_evidence


def clean_question(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()


@dataclass(frozen=True)
class Resolution:
    """Which technique a turn is about, and why."""

    match: TechniqueMatch | None
    retrieval: Retrieval
    followup: bool


class Assistant:
    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, rephraser=None) -> None:
        self.settings = settings
        self.backend = open_backend(settings)
        self.embedder = embedder or make_embedder(settings)
        self._index_embedders: dict[str, Embedder] = {}  # for versions embedded by another model
        self._last_embedder = self.embedder  # what the last question's version was embedded with
        self.rephraser = rephraser if rephraser is not None else Rephraser.from_settings(settings)
        self._library: Library | None = None
        self._retired: Library | None = None
        self._stamp: object = None
        self._checked = 0.0
        self._lock = threading.Lock()
        # the question's vector is computed here while triage, scope and BM25 run (onnxruntime
        # releases the GIL); one thread per serving worker
        self._embedding = ThreadPoolExecutor(max_workers=2, thread_name_prefix="embed")

    # -- the index ---------------------------------------------------------------------------
    def library(self) -> Library:
        """The published index, reopened when an ingest has published a new version."""
        with self._lock:
            if self._library is None or self._pointer_moved():
                version = self.backend.current_version()
                if version is None:
                    raise TechniquesError(
                        f"There is no index in {self.backend.describe()} yet.",
                        hint="Run `techniques ingest corpus/` (or `make run`, which does it for you).",
                    )
                if self._library is None or self._library.version != version:
                    fresh = Library.load(self.backend.open(version), version, snapshot=self._snapshot_dir(version))
                    # the version before last is released now; the last one may still be
                    # serving a question that started before the switch
                    if self._retired is not None:
                        self._retired.index.close()
                    self._retired, self._library = self._library, fresh
                    log.info("opened index version %s (%d chunks)", version, len(fresh.chunks))
            return self._library

    def _snapshot_dir(self, version: str) -> Path | None:
        """Where a local version's Library snapshot lives (a server keeps none: no folder)."""
        if isinstance(self.backend, LocalBackend):
            from assistant.snapshot import folder_for

            return folder_for(self.backend.versions / version)
        return None

    def _pointer_moved(self) -> bool:
        if isinstance(self.backend, LocalBackend):
            stamp = self.backend.pointer_stamp()
            moved, self._stamp = stamp != self._stamp, stamp
            return moved
        now = time.monotonic()  # a server round trip: look at most every two seconds
        if now - self._checked < 2.0:
            return False
        self._checked = now
        return True

    def _server_down(self) -> TechniquesError | None:
        """After a failed query: the server backend's clear "not reachable" error when the Chroma
        server is down (the next question then looks at the pointer again, which reconnects once
        the server is back), or None when it answers and the failure was something else."""
        if not isinstance(self.backend, ServerBackend):
            return None
        self._checked = 0.0
        try:
            self.backend.current_version()
        except TechniquesError as exc:
            return exc
        return None

    def query_embedder(self, library: Library) -> Embedder:
        """Questions are embedded the way this version's passages were. After an upgrade that
        changed the default embedder, an index not re-ingested yet is still searched with
        comparable vectors (the next ingest re-embeds it with the current model)."""
        model = library.index.model
        if model is None or model == self.embedder.name:
            return self.embedder
        with self._lock:
            if model not in self._index_embedders:
                log.warning("index %s was embedded with %s, not %s: questions are embedded the same way until it is re-ingested",
                            library.version, model, self.embedder.name)
                self._index_embedders[model] = embedder_for_index(model, self.settings)
            return self._index_embedders[model]

    def warm_up(self) -> None:
        """Validate every rule file, open the index and load the model now rather than on the
        first question: a broken rule file or a missing index fails at start."""
        load_rules()
        self.query_embedder(self.library()).embed_query("warm up")

    # -- answering ---------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[str | PastTurn] = ()) -> Answer:
        """Answer `question`. `history` is the conversation's earlier turns, oldest first: plain
        questions, or `PastTurn`s that also say which technique each answer was about (the web
        chat passes those, so a follow-up stays on the technique the user saw)."""
        started = time.perf_counter()
        q = clean_question(question)
        past = [t for t in (_past(h) for h in history) if t.question or t.resolved]
        embedder = self._last_embedder
        vector = self._embedding.submit(embedder.embed_query, dense_query(q[:MAX_QUERY_CHARS])) if q else None
        if flag := triage.assess(q, [t.question for t in past], embedder=self.embedder):
            _drop(vector)
            return self._red_flag(q, flag, started)
        if not q:
            return self._no_answer(q, "Ask a question about a technique, a muscle or a body region.", started, reason="empty question")
        if decline := scope.check_scope(q):
            _drop(vector)
            return self._declined(q, decline, started)

        library = self.library()
        if (query_embedder := self.query_embedder(library)) is not embedder:
            _drop(vector)  # the version changed models since: embed the question its way
            vector = None
        self._last_embedder = query_embedder
        t0 = time.perf_counter()
        try:
            previous = self._previous_technique(library, past)
            turn = self._resolve(library, q[:MAX_QUERY_CHARS], previous, vector)
        except Exception as exc:
            if (down := self._server_down()) is not None:
                raise down from exc
            raise
        retrieved = time.perf_counter()
        if turn.match is None:
            why = turn.retrieval.no_answer_reason or f"no technique's evidence reached {min_evidence()}"
            message = f"{why} {answer_text().no_answer}" if turn.retrieval.no_answer_reason else answer_text().no_answer
            return self._no_answer(q, message, started, retrieve_ms=_ms(t0, retrieved), retrieval=turn.retrieval, reason=why)
        also = self._also_relevant(turn)
        focus = turn.followup or not answer_text().how_to.match(q)
        q_vector = vector.result() if vector is not None and not vector.cancelled() else query_embedder.embed_query(dense_query(q[:MAX_QUERY_CHARS]))
        intent = classify(q, q_vector, query_embedder)
        chunks = library.by_doc[turn.match.doc_id]
        other = library.by_doc.get(self._compared(library, turn)) if intent.name == "comparison" else None
        card = compose_card(library, turn.match, q, also=also, focus=focus, history=[t.question for t in past],
                            direct=lambda cite: direct_answer(
                                chunks, q, intent, q_vector, query_embedder, cite, doc=library.docs[turn.match.doc_id],
                                other=other or (), history=[t.question for t in past]))
        rephrased = self._rephrase(card) if self.rephraser else None
        done = time.perf_counter()
        decision = "followup" if turn.followup else "answered"
        return Answer(
            question=q,
            citations=card.citations,
            cautions=card.cautions,
            disclaimer=self.settings.disclaimer,
            no_answer=False,
            red_flag=None,
            title=card.title,
            tagline=card.tagline,
            sections=card.sections,
            direct=card.direct,
            checks=card.checks,
            rephrased=rephrased,
            timings_ms={"retrieve": _ms(t0, retrieved), "compose": _ms(retrieved, done), "total": _ms(started, done)},
            doc_id=turn.match.doc_id,
            trace=trace(q, query=turn.retrieval.query, retrieval=turn.retrieval, threshold=min_evidence(),
                        decision=decision, reason=f"{turn.match.doc_id}: evidence {turn.match.evidence:.3f}",
                        safety=card.safety, intent=intent),
        )

    def _resolve(self, library: Library, q: str, previous: str | None, vector: Future | None = None) -> Resolution:
        """The technique a turn is about. A named technique is answered; a follow-up stays on the
        conversation's technique unless it asks about a body region or kind of technique that
        technique does not cover; otherwise the best match must have enough evidence and cover
        what is asked. A "not covered" says why (`retrieval.no_answer_reason`)."""
        retrieval = retrieve(library, self.query_embedder(library), q, self.settings.top_k, vector=vector)
        mentioned = library.mentioned(retrieval.query)
        threshold = thresholds().min_evidence
        best = retrieval.best
        if named_here := [m for m in retrieval.matches[:3] if m.doc_id in mentioned]:
            # of several techniques the question names, the one it names most fully; not one
            # named by fewer of its words than the best match's name shares ("Squats" for "hex
            # bar squat" when "Trap Bar Squat" ranks first)
            said = set(library.tokenize(retrieval.query))
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

    def _previous_technique(self, library: Library, past: Sequence[PastTurn]) -> str | None:
        """The technique the conversation is on: the last earlier turn's, as the user saw it when
        the surface passes it (`PastTurn.doc_id`), else re-resolved from the questions."""
        for turn in reversed(past):
            if turn.resolved:
                return turn.doc_id if turn.doc_id in library.docs else None
        current: str | None = None
        for turn in past[-MAX_FOLLOWUP_TURNS:]:
            if triage.assess(turn.question) or scope.check_scope(turn.question):
                continue
            resolved = self._resolve(library, turn.question[:MAX_QUERY_CHARS], current)
            if resolved.match is not None:
                current = resolved.match.doc_id
        return current

    def _compared(self, library: Library, turn: Resolution) -> str | None:
        """The second technique a comparison is about: one the question names, else retrieval's
        next match."""
        chosen = turn.match.doc_id if turn.match else None
        named = sorted(library.mentioned(turn.retrieval.query) - {chosen})
        ranked = [m.doc_id for m in turn.retrieval.matches if m.doc_id != chosen]
        return next((d for d in ranked if d in named), named[0] if named else (ranked[0] if ranked else None))

    def _also_relevant(self, turn: Resolution) -> TechniqueMatch | None:
        chosen = turn.match
        if chosen is None or turn.followup:
            return None
        ratio = answer_text().also_relevant_ratio
        for m in turn.retrieval.matches:
            if m.doc_id != chosen.doc_id and m.hits and m.evidence >= min_evidence() and m.score >= ratio * chosen.score:
                return m
        return None

    def _rephrase(self, card: Card) -> str | None:
        try:
            return self.rephraser.rephrase(card)
        except Exception:  # an LLM failure must never cost the user the answer
            log.warning("LLM rephrase failed; showing the composed card", exc_info=True)
            return None

    # -- answers without a technique (assistant/referrals.py) -----------------------------------
    def _red_flag(self, q: str, flag: RedFlag, started: float) -> Answer:
        return referrals.red_flag(q, flag, self.settings.disclaimer, started)

    def _declined(self, q: str, decline: ScopeDecline, started: float) -> Answer:
        return referrals.declined(q, decline, self.settings.disclaimer, started)

    def _no_answer(self, q: str, message: str, started: float, retrieve_ms: float = 0.0, *,
                   retrieval: Retrieval | None = None, reason: str = "") -> Answer:
        return referrals.not_covered(q, message, self.settings.disclaimer, started, retrieve_ms,
                                     retrieval=retrieval, threshold=min_evidence(), reason=reason)


def _drop(pending: Future | None) -> None:
    """A question answered without retrieval does not need its vector (one still running finishes
    on its own and is discarded)."""
    if pending is not None:
        pending.cancel()


def _past(turn: str | PastTurn) -> PastTurn:
    if isinstance(turn, PastTurn):
        return PastTurn(clean_question(turn.question), turn.doc_id, turn.resolved)
    return PastTurn(clean_question(turn))
