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
from pathlib import Path


from assistant import doc_dense, referrals
from assistant.answer import Answer
from assistant.compose import Card, compose_card
from assistant.direct import direct_answer
from assistant.intent import classify
from assistant.library import Library
from assistant.llm import Rephraser
from assistant.referrals import ms as _ms
from assistant.resolve import (
    MAX_QUERY_CHARS,
    Resolution,
    also_relevant,
    compared,
    previous_technique,
    resolve,
)
from assistant.retrieve import Retrieval, dense_query, thresholds
from assistant.rules import answer_text
from assistant.safety import scope, triage
from assistant.startup import load_rules
from assistant.trace import trace
from assistant.types import PastTurn, RedFlag, ScopeDecline
from ingest.backends import LocalBackend, ServerBackend, open_backend
from ingest.embed import Embedder, embedder_for_index, make_embedder
from techniques.errors import TechniquesError
from techniques.settings import Settings

log = logging.getLogger(__name__)

# control and invisible formatting characters, and lone surrogates (JSON can carry "\ud800"; the
# tokenizer and UTF-8 files refuse them)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def min_evidence() -> float:
    return thresholds().min_evidence


def clean_question(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()


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
        library = self.library()
        embedder = self.query_embedder(library)
        embedder.embed_query("warm up")
        # what the first question would otherwise pay for: the technique vectors (made when a
        # version is first opened, then read from its snapshot) and the word-frequency table
        doc_dense.vectors(library, embedder)
        from wordfreq import zipf_frequency

        zipf_frequency("warm", "en")

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
            previous = previous_technique(library, past, self._resolve)
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
        also = also_relevant(turn)
        focus = turn.followup or not answer_text().how_to.match(q)
        q_vector = vector.result() if vector is not None and not vector.cancelled() else query_embedder.embed_query(dense_query(q[:MAX_QUERY_CHARS]))
        intent = classify(q, q_vector, query_embedder)
        chunks = library.by_doc[turn.match.doc_id]
        other = library.by_doc.get(compared(library, turn)) if intent.name == "comparison" else None
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
        return resolve(library, self.query_embedder(library), q, previous, self.settings.top_k, vector)

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
