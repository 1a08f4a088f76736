"""Study sessions: which items to ask a student next, and `techniques quiz` in the terminal.

The queue is the spaced-review order (due reviews, then items never seen, then the rest ahead of
schedule); a missed item also comes back a few questions later in the same session. Every
answer is recorded as soon as it is checked, so stopping with Ctrl-D or Ctrl-C loses nothing.
No gradio here: the web Study tab uses `select_items` and `study_queue` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from techniques.errors import TechniquesError

if TYPE_CHECKING:  # the quiz stack loads only when a quiz starts, not with every command
    from study.answer_check import Verdict
    from assistant.library import Library
    from study.quiz import QuizItem
    from study.review import ReviewStore

REASK_AFTER = 3  # a missed item is asked again after this many other questions
DEFAULT_COUNT = 10


def select_items(library: Library, *, region: str | None = None, technique: str | None = None) -> list[QuizItem]:
    """The items of a filter, or a `TechniquesError` naming the regions and techniques there are."""
    from study.quiz import generate_items, regions

    items = generate_items(library, region=region or None, technique=technique or None)
    if items:
        return items
    if region and region.strip().lower() not in regions(library):
        raise TechniquesError(f"No technique is filed under the region {region!r}.", hint=f"Regions: {', '.join(regions(library))}.")
    if technique and not generate_items(library, technique=technique):
        raise TechniquesError(f"There is no technique {technique!r} in the library.", hint=f"Techniques: {', '.join(sorted(library.docs))}.")
    raise TechniquesError("The library has no quiz questions for that choice.", hint="Try another region or technique, or none.")


def study_queue(items: Sequence[QuizItem], store: ReviewStore, user: str, now: datetime | None = None) -> list[QuizItem]:
    """Items in the order to ask them: due reviews, never-seen items, then the rest soonest first."""
    by_id = {i.id: i for i in items}
    ids = list(by_id)
    return [by_id[i] for i in store.due(user, ids, now) + store.upcoming(user, ids, now)]


@dataclass
class Score:
    correct: int = 0
    answered: int = 0

    def add(self, verdict: Verdict) -> None:
        self.answered += 1
        self.correct += int(verdict.correct)

    def line(self) -> str:
        share = f" ({round(100 * self.correct / self.answered)}%)" if self.answered else ""
        return f"{self.correct} of {self.answered} correct{share}"


def question_text(item: QuizItem, number: int, total: int) -> str:
    from study.quiz_text import kind_label, plain

    about = "" if item.asks_technique else f" · {item.citation.title}"
    lines = [f"Question {number} of {total} · {kind_label(item.kind)}{about}", plain(item.prompt)]
    lines += [f"  {n}. {choice}" for n, choice in enumerate(item.choices, start=1)]
    return "\n".join(lines)


def feedback_text(item: QuizItem, verdict: Verdict) -> str:
    head = verdict.note if verdict.correct else f"{verdict.note} Expected: {verdict.expected}"
    c = item.citation
    passage = "\n".join(f"    | {line}" for line in c.text.split("\n"))
    return f"{head}\nSource: {c.title} — {c.section} ({c.doc_id})\n{passage}"


GRADE_PROMPT = "How well did you know it? Enter = good, h = hard, e = easy, a = again: "
_GRADE_KEYS = {"": "good", "g": "good", "good": "good", "h": "hard", "hard": "hard", "e": "easy", "easy": "easy",
               "a": "again", "again": "again", "1": "again", "2": "hard", "3": "good", "4": "easy"}


def _ask_grade(read: Callable[[str], str], write: Callable[[str], None]):
    """The student's grade of a right answer; an unknown key asks again."""
    from study.review import Grade

    while True:
        try:
            key = read(GRADE_PROMPT).strip().lower()
        except EOFError:  # the answer was right: keep it as "good" and let the session end
            return Grade.GOOD
        if key in _GRADE_KEYS:
            return Grade.parse(_GRADE_KEYS[key])
        write("Type h, e, a, or press Enter for good.")


def run_quiz(
    items: Sequence[QuizItem],
    store: ReviewStore,
    user: str,
    count: int = DEFAULT_COUNT,
    *,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> int:
    """Ask up to `count` questions, one at a time; 0 when the session ends, 130 on Ctrl-C."""
    from study.answer_check import check_answer
    from study.review import Grade, user_key

    user_key(user)  # a bad name fails before the first question
    ids = [i.id for i in items]
    due = len(store.due(user, ids))
    new = sum(1 for i in ids if i not in store.progress(user))
    queue = study_queue(items, store, user)
    total = min(count, len(queue))
    score = Score()
    write(f"Study quiz for {user}: {total} question{'s' if total != 1 else ''} ({due - new} due for review, {new} new). "
          "Type your answer and press Enter (an empty answer shows the answer); after a right answer, grade how well "
          "you knew it; Ctrl-D stops.\n")
    code = 0
    try:
        for number in range(1, total + 1):
            item = queue[number - 1]
            write(question_text(item, number, total))
            try:
                typed = read("Your answer: ")
            except EOFError:
                write("")
                break
            verdict = check_answer(item, typed)
            write(feedback_text(item, verdict))
            grade = _ask_grade(read, write) if verdict.correct else Grade.AGAIN
            store.record(user, item.id, grade)
            score.add(verdict)
            if not verdict.correct:
                queue.insert(min(number + REASK_AFTER, len(queue)), item)
            write(f"Graded {grade.label}. Score: {score.line()}\n")
    except KeyboardInterrupt:
        write("\nStopped.")
        code = 130
    write(f"Final score: {score.line()}. Progress saved for {user}.")
    return code
