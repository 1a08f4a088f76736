"""The Study tab: a quiz round over the technique library with FSRS review per student, the
student's progress (learned, due, retention and a chart of the days ahead), and the questions
as an Anki deck to download.

`build_study_tab(assistant, review_store)` lays the tab out inside the caller's `gr.Blocks` /
`gr.Tab` and wires it; what to ask and how an answer is judged live in `study.session` and
`study.answer_check`. Each browser keeps its own round (student, current question, score) in a
`gr.State`. When the app requires a login the student is the logged-in user
(`gr.Request.username`) and the name box only shows it; otherwise the typed name is the key.
A checked answer is recorded at once (wrong: "again", right: "good"); the grade buttons change
that grade. Corpus text and typed answers are escaped before they are shown.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import threading
from pathlib import Path

import gradio as gr

from assistant.render import md
from study.anki import export_deck
from study.answer_check import Verdict, check_answer
from study.progress import forecast_svg, summary_lines
from study.quiz import QuizItem, generate_items, kind_label, regions
from study.review import Grade, ReviewStore, user_key
from study.session import select_items, study_queue
from web.errors import user_errors

_PRIVATE = {"api_visibility": "private"}
ALL = ""  # the dropdown value for "no filter"
INTRO = (
    "Study the techniques by recalling them. Every question comes from a passage of the library and "
    "every answer shows that passage. After each answer, grade how well you knew it: the schedule (FSRS, "
    "as in Anki) brings back what you miss sooner than what you know."
)
START = "*Type your name and press **Next question**.*"
GRADES = (Grade.AGAIN, Grade.HARD, Grade.GOOD, Grade.EASY)


def per_student(items, user: str) -> list:
    """The items in an order of this student's own (stable for them, different between
    students), so not every student starts with the same question."""
    return sorted(items, key=lambda i: hashlib.sha256(f"{user}\0{i.id}".encode()).digest())


def _new_round() -> dict:
    return {"user": None, "item": None, "checked": False, "correct": 0, "answered": 0, "grade": None}


def login_name(request: gr.Request | None) -> str | None:
    return getattr(request, "username", None) or None if request is not None else None


class StudyHandlers:
    """The tab's events. Items are generated once per index version and looked up by id."""

    def __init__(self, assistant, store: ReviewStore) -> None:
        self.assistant = assistant
        self.store = store
        self._lock = threading.Lock()
        self._version: str | None = None
        self._items: dict[str, QuizItem] = {}
        self._decks = Path(tempfile.mkdtemp(prefix="techniques-anki-"))

    def _all_items(self) -> dict[str, QuizItem]:
        library = self.assistant.library()
        with self._lock:
            if library.version != self._version:
                self._items = {i.id: i for i in generate_items(library)}
                self._version = library.version
            return self._items

    def _user(self, name: str, request: gr.Request | None) -> str:
        return user_key(login_name(request) or name)

    def load(self, request: gr.Request = None):
        """On page load: the filters, and the student when the app has a login."""
        with user_errors("listing study filters"):
            library = self.assistant.library()
            region_choices = [("All regions", ALL)] + [(r.capitalize(), r) for r in regions(library)]
            technique_choices = [("All techniques", ALL)] + sorted(
                ((d.title, d.doc_id) for d in library.docs.values()), key=lambda t: t[0].lower()
            )
        user = login_name(request)
        name = gr.update(value=user, interactive=False, label="Signed in as") if user else gr.update()
        progress = self.progress_html(user) if user else ""
        regions_update = gr.update(choices=region_choices, value=ALL)
        return regions_update, gr.update(choices=technique_choices, value=ALL), name, progress, self.deck(ALL, ALL)

    def next_question(self, name: str, region: str, technique: str, state: dict | None, request: gr.Request = None):
        state = dict(state or _new_round())
        with user_errors("choosing a study question"):
            user = self._user(name, request)
            if user != state["user"]:
                state = {**_new_round(), "user": user}
            items = per_student(select_items(self.assistant.library(), region=region or None, technique=technique or None), user)
            queue = [i for i in study_queue(items, self.store, user) if i.id != state["item"]] or items
        item = queue[0]
        state.update(item=item.id, checked=False, grade=None)
        return (question_markdown(item), "", _verdict(""), "", state, self._score(state), self.progress_html(user),
                choice_update(item))

    def check(self, typed: str, chosen: str | None, state: dict | None):
        state = dict(state or _new_round())
        typed = chosen or typed or ""
        if not state.get("item"):
            return gr.update(), _verdict("*Press **Next question** first.*"), state, self._score(state), gr.update()
        if not re.search(r"\w", typed):  # an empty check is not a miss: nothing is recorded
            return gr.update(), _verdict("*Type or choose an answer first, then press **Check**.*"), state, self._score(state), gr.update()
        with user_errors("checking an answer"):
            item = self._all_items().get(state["item"])
            if item is None:  # the library was re-ingested since the question was shown
                return gr.update(), _verdict("*The library has changed: press **Next question**.*"), state, self._score(state), gr.update()
            verdict = check_answer(item, typed)
            if not state["checked"]:
                grade = Grade.GOOD if verdict.correct else Grade.AGAIN
                self.store.record(state["user"], item.id, grade)
                state.update(checked=True, grade=grade.label, answered=state["answered"] + 1,
                             correct=state["correct"] + int(verdict.correct))
        feedback = feedback_markdown(item, typed, verdict, state["grade"])
        return gr.update(), _verdict(feedback, verdict.correct), state, self._score(state), self.progress_html(state["user"])

    def grade(self, label: str, state: dict | None):
        """Change the grade of the answer just checked."""
        state = dict(state or _new_round())
        if not state.get("checked"):
            return "*Check an answer first, then grade it.*", state, gr.update()
        with user_errors("grading an answer"):
            grade = Grade.parse(label)
            self.store.regrade(state["user"], state["item"], grade)
            state["grade"] = grade.label
        return f"Graded **{md(grade.label)}**: the schedule is updated.", state, self.progress_html(state["user"])

    def deck(self, region: str, technique: str) -> str | None:
        """The Anki deck of the chosen questions, written for the download button."""
        with user_errors("making the Anki deck"):
            items = select_items(self.assistant.library(), region=region or None, technique=technique or None)
            name = re.sub(r"[^a-z0-9-]+", "-", f"techniques-{region or 'all'}-{technique or 'all'}".lower())
            path = self._decks / f"{name}.apkg"
            export_deck(items, path)
        return str(path)

    def progress_html(self, user: str | None) -> str:
        if not user:
            return ""
        stats = self.store.stats(user)
        lines = "".join(f"<li>{md(line)}</li>" for line in summary_lines(stats, len(self._all_items())))
        chart = forecast_svg(self.store.forecast(user, days=14))
        return f'<div class="study-progress"><ul>{lines}</ul>{chart}</div>'

    def _score(self, state: dict) -> str:
        if not state.get("user"):
            return ""
        stats = self.store.stats(state["user"])
        return (
            f"**Session score: {state['correct']} of {state['answered']}** · "
            f"all time: {stats.correct} of {stats.answers} answers right, {stats.learned} of {stats.items_seen} cards learned, "
            f"{stats.due} due now"
        )


def choice_update(item: QuizItem):
    """A question with choices gets them as options to click (their numbers are what is checked);
    putting steps in order stays typed ("2 1 3")."""
    clickable = bool(item.choices) and item.kind != "step_order"
    return gr.update(choices=[(c, str(n)) for n, c in enumerate(item.choices, start=1)] if clickable else [],
                     value=None, visible=clickable)


def _verdict(text: str, correct: bool | None = None):
    """The feedback box: right and wrong differ in colour and in words, not only by emoji."""
    kind = "study-none" if correct is None else ("study-right" if correct else "study-wrong")
    return gr.update(value=text, elem_classes=["tc-passage", kind])


def question_markdown(item: QuizItem) -> str:
    about = "" if item.asks_technique else f" · {md(item.citation.title)}"
    parts = [f"**{md(kind_label(item.kind))}**{about}", item.prompt]
    if item.choices:
        parts.append("\n".join(f"{n}. {md(c)}" for n, c in enumerate(item.choices, start=1)))
    return "\n\n".join(parts)


def feedback_markdown(item: QuizItem, typed: str, verdict: Verdict, grade: str | None = None) -> str:
    mark = "✅ **Right:**" if verdict.correct else "❌ **Not right:**"
    parts = [f"{mark} **{md(verdict.note)}**"]
    if not verdict.correct:
        parts.append(f"**Expected:** {md(verdict.expected)}")
    parts.append(f"Your answer: {md(typed.strip()) or '*(none)*'}")
    if grade:
        parts.append(f"Recorded as **{md(grade)}**; use the grade buttons if you knew it better or worse.")
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
    choice = gr.Radio([], label="Choose an answer", visible=False, elem_id="study-choice")
    feedback = gr.Markdown(elem_id="study-feedback", elem_classes="tc-passage", latex_delimiters=[])
    with gr.Row():
        grade_buttons = [gr.Button(g.label, size="sm", elem_id=f"study-grade-{g.name.lower()}") for g in GRADES]
    graded = gr.Markdown(elem_id="study-graded")
    score = gr.Markdown(elem_id="study-score")
    with gr.Accordion("Your progress", open=True):
        progress = gr.HTML(elem_id="study-progress")
    deck = gr.DownloadButton("Download these questions as an Anki deck (.apkg)", elem_id="study-anki", size="sm")

    gr.on(None, handlers.load, inputs=[], outputs=[region, technique, name, progress, deck], **_PRIVATE)  # on page load
    gr.on([next_button.click, name.submit], handlers.next_question, [name, region, technique, state],
          [question, answer, feedback, graded, state, score, progress, choice], **_PRIVATE)
    gr.on([check.click, answer.submit], handlers.check, [answer, choice, state], [answer, feedback, state, score, progress], **_PRIVATE)
    for button, g in zip(grade_buttons, GRADES):
        button.click(lambda s, _g=g.name: handlers.grade(_g, s), [state], [graded, state, progress], **_PRIVATE)
    gr.on([region.change, technique.change], handlers.deck, [region, technique], [deck], **_PRIVATE)
