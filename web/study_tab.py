"""The Study tab: a quiz round over the technique library with spaced review per student name.

`build_study_tab(assistant, review_store)` lays the tab out inside the caller's `gr.Blocks` /
`gr.Tab` and wires it; what to ask and how an answer is judged live in `study.session`
and `study.answer_check`. Each browser keeps its own round (name, current question, score)
in a `gr.State`; progress is saved per name in the review store. Corpus text and typed answers
are escaped before they are shown.
"""

from __future__ import annotations

import threading

import gradio as gr

from study.answer_check import Verdict, check_answer
from assistant.compose import md
from study.quiz import QuizItem, generate_items, kind_label, regions
from study.session import select_items, study_queue
from study.review import ReviewStore, user_key
from web.errors import user_errors

_PRIVATE = {"api_visibility": "private"}
ALL = ""  # the dropdown value for "no filter"
INTRO = (
    "Study the techniques by recalling them. Every question comes from a passage of the library and "
    "every answer shows that passage. Type your name to keep your progress: questions you miss come "
    "back sooner than those you know."
)
START = "*Type your name and press **Next question**.*"


def _new_round() -> dict:
    return {"user": None, "item": None, "checked": False, "correct": 0, "answered": 0}


class StudyHandlers:
    """The tab's events. Items are generated once per index version and looked up by id."""

    def __init__(self, assistant, store: ReviewStore) -> None:
        self.assistant = assistant
        self.store = store
        self._lock = threading.Lock()
        self._version: str | None = None
        self._items: dict[str, QuizItem] = {}

    def _all_items(self) -> dict[str, QuizItem]:
        library = self.assistant.library()
        with self._lock:
            if library.version != self._version:
                self._items = {i.id: i for i in generate_items(library)}
                self._version = library.version
            return self._items

    def filters(self):
        with user_errors("listing study filters"):
            library = self.assistant.library()
            region_choices = [("All regions", ALL)] + [(r.capitalize(), r) for r in regions(library)]
            technique_choices = [("All techniques", ALL)] + sorted(
                ((d.title, d.doc_id) for d in library.docs.values()), key=lambda t: t[0].lower()
            )
        return gr.update(choices=region_choices, value=ALL), gr.update(choices=technique_choices, value=ALL)

    def next_question(self, name: str, region: str, technique: str, state: dict | None):
        state = dict(state or _new_round())
        with user_errors("choosing a study question"):
            user = user_key(name)
            if user != state["user"]:
                state = {**_new_round(), "user": user}
            items = select_items(self.assistant.library(), region=region or None, technique=technique or None)
            queue = [i for i in study_queue(items, self.store, user) if i.id != state["item"]] or items
        item = queue[0]
        state.update(item=item.id, checked=False)
        return question_markdown(item), "", "", state, self._score(state)

    def check(self, typed: str, state: dict | None):
        state = dict(state or _new_round())
        if not state.get("item"):
            return gr.update(), "*Press **Next question** first.*", state, self._score(state)
        with user_errors("checking an answer"):
            item = self._all_items().get(state["item"])
            if item is None:  # the library was re-ingested since the question was shown
                return gr.update(), "*The library has changed: press **Next question**.*", state, self._score(state)
            verdict = check_answer(item, typed)
            if not state["checked"]:
                self.store.record(state["user"], item.id, verdict.correct)
                state.update(checked=True, answered=state["answered"] + 1, correct=state["correct"] + int(verdict.correct))
        return gr.update(), feedback_markdown(item, typed, verdict), state, self._score(state)

    def _score(self, state: dict) -> str:
        if not state.get("user"):
            return ""
        stats = self.store.stats(state["user"])
        return (
            f"**Session score: {state['correct']} of {state['answered']}** · "
            f"all time: {stats.correct} of {stats.answers} answers right, {stats.learned} of {stats.items_seen} questions learned"
        )


def question_markdown(item: QuizItem) -> str:
    about = "" if item.asks_technique else f" · {md(item.citation.title)}"
    parts = [f"**{md(kind_label(item.kind))}**{about}", item.prompt]
    if item.choices:
        parts.append("\n".join(f"{n}. {md(c)}" for n, c in enumerate(item.choices, start=1)))
    return "\n\n".join(parts)


def feedback_markdown(item: QuizItem, typed: str, verdict: Verdict) -> str:
    parts = [f"{'✅' if verdict.correct else '❌'} **{md(verdict.note)}**"]
    if not verdict.correct:
        parts.append(f"**Expected:** {md(verdict.expected)}")
    parts.append(f"Your answer: {md(typed.strip()) or '*(none)*'}")
    c = item.citation
    parts.append(f"**Source:** {md(c.title)} — {md(c.section)}")
    parts.append("\n>\n".join(f"> {md(line)}" for line in c.text.split("\n") if line.strip()))
    return "\n\n".join(parts)


def build_study_tab(assistant, review_store: ReviewStore) -> None:
    handlers = StudyHandlers(assistant, review_store)
    state = gr.State(_new_round())
    gr.Markdown(INTRO)
    with gr.Row():
        name = gr.Textbox(label="Your name", placeholder="e.g. Ann", max_lines=1, elem_id="study-user", scale=2)
        region = gr.Dropdown([("All regions", ALL)], value=ALL, label="Region", elem_id="study-region", scale=1)
        technique = gr.Dropdown([("All techniques", ALL)], value=ALL, label="Technique", elem_id="study-technique", scale=2)
    next_button = gr.Button("Next question", variant="primary", elem_id="study-next")
    question = gr.Markdown(START, elem_id="study-question", latex_delimiters=[])
    with gr.Row():
        answer = gr.Textbox(show_label=False, placeholder="Your answer (for step order: the numbers, e.g. 2 1 3)",
                            max_lines=1, elem_id="study-answer", scale=5)
        check = gr.Button("Check", elem_id="study-check", scale=1, min_width=80)
    feedback = gr.Markdown(elem_id="study-feedback", elem_classes="tc-passage", latex_delimiters=[])
    score = gr.Markdown(elem_id="study-score")

    gr.on(None, handlers.filters, inputs=[], outputs=[region, technique], **_PRIVATE)  # on page load
    gr.on([next_button.click, name.submit], handlers.next_question, [name, region, technique, state],
          [question, answer, feedback, state, score], **_PRIVATE)
    gr.on([check.click, answer.submit], handlers.check, [answer, state], [answer, feedback, state, score], **_PRIVATE)
