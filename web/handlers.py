"""What the Chat tab does when a therapist asks, picks a citation, rates or exports an answer.

The conversation lives in one `gr.State`: a list of `Turn`s (question as typed, `Answer`). The
chat window is always re-drawn from it, so message `2i` is turn i's question and `2i + 1` its
card, and an error can never leave a half-finished turn behind.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator

import gradio as gr

from assistant.catalog import document_cautions
from assistant.render import md
from assistant.answer import Answer
from assistant.types import Citation, PastTurn
from records.feedback import FeedbackStore
from web.document import DocRequest, document_html
from web.errors import user_errors
from web.handout import handout_html
from web.handout_pdf import handout_pdf
from web.render import (
    answer_html,
    citation_label,
    passage_markdown,
    pending_html,
    sources_markdown,
    user_bubble,
)
from web.transcript import ExportFolder, Turn, answer_markdown, conversation_markdown

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
MAX_HISTORY_TURNS = 50
NO_FEEDBACK_TARGET = "Use the thumbs under an answer, then say why if you like."
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def typed(text: str | None) -> str:
    """Text as the user typed it, minus what no JSON reply, UTF-8 file or SQLite row can hold:
    lone surrogates (a JSON body may carry "\\ud800"), shown as U+FFFD instead."""
    return _LONE_SURROGATE.sub("\ufffd", text or "")


def messages(turns: list[Turn]) -> list[dict]:
    out: list[dict] = []
    for t in turns:
        out.append({"role": "user", "content": user_bubble(t.question)})
        out.append({"role": "assistant", "content": answer_html(t.answer)})
    return out


class ChatHandlers:
    def __init__(self, assistant, feedback: FeedbackStore, exports: ExportFolder) -> None:
        self.assistant = assistant
        self.feedback = feedback
        self.exports = exports
        self.disclaimer = assistant.settings.disclaimer

    # -- asking ------------------------------------------------------------------------------
    def ask(self, question: str, history: list[str | PastTurn] | None = None) -> Answer:
        """The one way the page and the `/chat` API ask: oversize input is refused with a
        message here, whatever the client (the HTTP limit in web/limits.py caps the bytes)."""
        if len(question or "") > MAX_QUESTION_CHARS:
            raise gr.Error(f"Questions are limited to {MAX_QUESTION_CHARS:,} characters: ask a shorter one.", print_exception=False)
        if len(history or []) > MAX_HISTORY_TURNS:
            raise gr.Error(f"A conversation is limited to {MAX_HISTORY_TURNS} questions: start a new one.", print_exception=False)
        with user_errors("answering"):
            return self.assistant.ask(question, list(history or []))

    def respond(self, question: str, turns: list[Turn]) -> Iterator[tuple[list[dict], list[Turn], str]]:
        """Show the question at once with a pending answer that already carries the disclaimer,
        then the whole answer (its envelope and body together) as soon as it is composed. There
        is no simulated streaming: a card is ready in one step, and no worker sleeps."""
        question = typed(question).strip()
        turns = list(turns or [])
        if not question:
            yield messages(turns), turns, ""
            return
        shown = messages(turns) + [{"role": "user", "content": user_bubble(question)}]
        yield shown + [{"role": "assistant", "content": pending_html(self.disclaimer)}], turns, ""
        try:
            answer = self.ask(question, [PastTurn.of(t.question, t.answer) for t in turns])
        except gr.Error:
            yield messages(turns), turns, question  # nothing half-done stays; the question can be re-sent
            raise
        turns = turns + [Turn(question, answer)]
        yield messages(turns), turns, ""

    # -- sources -----------------------------------------------------------------------------
    def sources(self, turns: list[Turn]):
        """The side panel for the last answer: its citations, their passages, the downloads."""
        last = turns[-1].answer if turns else None
        choices = [(citation_label(c), c.n) for c in (last.citations if last else ())]
        first = last.citations[0] if last and last.citations else None
        answer_file = conversation_file = None
        if turns:
            with user_errors("exporting"):
                answer_file = self.exports.write(f"technique-answer-{len(turns)}", answer_markdown(turns[-1], len(turns)))
                conversation_file = self.exports.write("technique-conversation", conversation_markdown(turns))
        return (
            gr.update(choices=choices, value=first.n if first else None),
            passage_markdown(first) if first else "",
            sources_markdown(last),
            gr.update(value=answer_file, interactive=answer_file is not None),
            gr.update(value=conversation_file, interactive=conversation_file is not None),
        )

    def after_answer(self, turns: list[Turn]):
        """Everything the page updates once an answer is complete, in one event (each event is
        one request, and requests per address are rate-limited): the side panel, the red-flag
        notice and the client handout."""
        return (*self.sources(turns), self.flag_notice(turns), self.handout(turns))

    def handout(self, turns: list[Turn]):
        """The client handout (PDF) of the last answer, when it is about a technique; none for a
        red flag, a declined question or an answer without a technique."""
        page = handout_html(turns[-1].answer) if turns else None
        if page is None:
            return gr.update(value=None, interactive=False)
        with user_errors("making the client handout"):
            slug = re.sub(r"[^a-z0-9]+", "-", (turns[-1].answer.title or "technique").lower()).strip("-")[:60]
            path = self.exports.write_bytes(f"handout-{slug or 'technique'}", ".pdf", handout_pdf(page))
        return gr.update(value=path, interactive=True)

    @staticmethod
    def _citation(turns: list[Turn], n: int | None) -> Citation | None:
        if not turns or n is None:
            return None
        return next((c for c in turns[-1].answer.citations if c.n == int(n)), None)

    def passage(self, n: int | None, turns: list[Turn]) -> str:
        c = self._citation(turns, n)
        return passage_markdown(c) if c else ""

    def document(self, n: int | None, turns: list[Turn]):
        """The whole source document of the chosen citation (or of the last answer's technique),
        with that citation's passage highlighted."""
        if not turns:
            return _note("Ask a question first: the document behind its answer is shown here."), gr.update(open=True)
        c = self._citation(turns, n)
        doc_id = c.doc_id if c else turns[-1].answer.doc_id
        if doc_id is None:
            return _note("This answer is not based on a document."), gr.update(open=True)
        return self._document(DocRequest(doc_id, c.section, c.text) if c else DocRequest(doc_id)), gr.update(open=True)

    def open_document(self, raw: str | None):
        """What a popover's "open the whole document" asks for: a document id, with the section
        and text of the passage to highlight (looked up in the index, never a path)."""
        request = DocRequest.parse(raw)
        if request is None:
            return _note("Choose a citation [n] in an answer first."), gr.update(open=True)
        return self._document(request), gr.update(open=True)

    def _document(self, request: DocRequest) -> str:
        with user_errors("opening the document"):
            doc = self.assistant.library().docs.get(request.doc_id)
        if doc is None:
            return _note("That document is no longer in the library (the index was updated).")
        return document_html(doc, document_cautions(doc), self.disclaimer, request if request.text or request.section else None)

    @staticmethod
    def flag_notice(turns: list[Turn]):
        """A conversation with a red flag stays flagged: say so, with a way to start again."""
        return gr.update(visible=any(t.answer.red_flag is not None for t in turns or ()))

    # -- feedback ----------------------------------------------------------------------------
    def like(self, turns: list[Turn], target: dict | None, data: gr.LikeData, request: gr.Request = None):
        """A thumb under an answer is stored at once; a reason and comment can follow. Changing
        the thumb changes the stored row, and taking it back removes it."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn_no = int(index) // 2
        if not turns or turn_no >= len(turns):
            return target, gr.skip(), NO_FEEDBACK_TARGET, gr.skip()
        same = bool(target) and target.get("turn") == turn_no and target.get("id") is not None
        with user_errors("recording feedback"):
            if data.liked not in (True, False):
                if same:
                    self.feedback.delete(int(target["id"]))
                return None, None, "Feedback withdrawn. " + NO_FEEDBACK_TARGET, gr.skip()
            rating = "up" if data.liked else "down"
            if same:
                self.feedback.update(int(target["id"]), rating)
            else:
                turn = turns[turn_no]
                fid = self.feedback.record(rating, turn.question, [t.question for t in turns[:turn_no]], turn.answer,
                                           user=_user(request))
                target = {"id": fid, "turn": turn_no}
        return target, rating, _target_note(turns, target, rating), gr.update(open=True)

    def send_feedback(self, target: dict | None, turns: list[Turn], rating: str | None, reason: str | None, comment: str,
                      request: gr.Request = None):
        if not turns:
            raise gr.Error("There is no answer to give feedback on yet.", print_exception=False)
        if rating not in ("up", "down"):
            raise gr.Error("Choose Helpful or Not helpful first.", print_exception=False)
        comment = typed(comment)
        with user_errors("recording feedback"):
            if target and target.get("id") is not None and target.get("turn", 10**9) < len(turns):
                self.feedback.update(int(target["id"]), rating, reason or None, comment)
            else:
                n = len(turns) - 1  # no thumb clicked: the feedback is about the last answer
                history = [t.question for t in turns[:n]]
                fid = self.feedback.record(rating, turns[n].question, history, turns[n].answer, reason or None, comment,
                                           user=_user(request))
                target = {"id": fid, "turn": n}
        gr.Info("Thank you: your feedback was saved.")
        return target, _target_note(turns, target, rating, saved=True), ""


def _user(request: gr.Request | None) -> str | None:
    """The logged-in user of a request (None without a login)."""
    return getattr(request, "username", None) or None


def _target_note(turns: list[Turn], target: dict, rating: str, *, saved: bool = False) -> str:
    thumb = "Helpful" if rating == "up" else "Not helpful"
    question = turns[target["turn"]].question
    state = "saved with your reason and comment" if saved else "saved; add a reason or comment below if you like"
    return f"**{thumb}** on answer {target['turn'] + 1} (*{md(question[:80])}*): {state}."


def _note(text: str) -> str:
    return f'<p class="tc-doc-note"><em>{html.escape(text)}</em></p>'
