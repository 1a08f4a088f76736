"""Typed parts of the answering path: red flags, declines, citations, cautions, the card's
sections of cited lines, the referral and the direct answer. `assistant.answer.Answer` is made
of them; `assistant.render` renders them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Disposition(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"


@dataclass(frozen=True)
class RedFlag:
    """A red-flag triage result: a referral, never a diagnosis."""

    category: str  # e.g. "cauda_equina", "fracture", "infection", "cancer", "neuro_deficit"
    disposition: Disposition
    matched: tuple[str, ...]  # the phrases of the conversation that triggered it
    advice: str  # the referral wording shown first in the answer


@dataclass(frozen=True)
class ScopeDecline:
    """A request outside a technique library's scope (medicines, diagnosis, imaging)."""

    category: str  # "medication" | "diagnosis" | "imaging"
    message: str


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    section: str
    text: str
    score: float


@dataclass(frozen=True)
class CautionItem:
    """One caution shown with an answer. `cite` is the number of the passage it comes from
    (None for the general cautions), `why` says why it is shown, `targeted` that it concerns a
    condition named in the conversation (it is then also shown first, as "Check first")."""

    text: str
    doc_id: str | None  # None for the general cautions
    cite: int | None = None
    why: str = ""
    targeted: bool = False
    warning: str = ""  # a caution the document words as an instruction, as the warning it is (with its reason)


@dataclass(frozen=True)
class Check:
    """A contraindication verdict for this client and this technique, shown before every other
    caution: a condition named in the conversation against a load the technique puts on the body."""

    verdict: str  # "do_not_use" | "check_first" | "modify"
    heading: str  # "Do not use: abdominal aortic aneurysm and deep abdominal pressure"
    reason: str
    modify: str  # how to modify, when the table says (else "")
    source: str


class Layout(StrEnum):
    INLINE = "inline"  # one paragraph: "**Title:** line [1] line [2]"
    LIST = "list"  # a bulleted list under the title
    NUMBERED = "numbered"  # the steps: numbered in the document's order
    NOTE = "note"  # an italic note, then its lines as bullets


@dataclass(frozen=True)
class Line:
    """One line of a card: corpus text (plain, never pre-escaped) and the passages it cites."""

    text: str
    cites: tuple[int, ...] = ()
    label: str = ""  # a sub-heading the line belongs to ("Closed-Pack Position for the hip")
    number: int | None = None  # a numbered step's number
    sub: str = ""  # a nested item's own marker ("1)"), under the step before it
    joined: bool = False  # continues the line before it (a block split across passages)
    flag: str = ""  # a warning that concerns this line (e.g. a condition's verdict), shown with it


@dataclass(frozen=True)
class Section:
    kind: str  # "in_short", "when_to_use", "positioning", "steps", "passages", "breathing", ...
    title: str
    lines: tuple[Line, ...]
    layout: Layout = Layout.LIST
    # a fact answer's steps, after its direct answer: a renderer may fold them (HTML: inside
    # <details>); Markdown, which cannot fold, shows them whole: a step is never cut short, its
    # sub-items and their warnings included. Never cautions.
    folded: bool = False


@dataclass(frozen=True)
class Referral:
    """What an answer without technique steps says first."""

    kind: str  # "red_flag" | "declined" | "not_covered"
    heading: str
    message: str
    signs: tuple[str, ...] = ()  # the user's own words that raised a red flag
    note: str = ""  # a closing sentence ("This is a referral, not a diagnosis; ...")


@dataclass(frozen=True)
class Direct:
    """The direct answer to a specific question, before the technique's steps."""

    intent: str
    lines: tuple[Line, ...]
    stated: bool  # False: the document does not state what was asked (and `lines` says so)

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass(frozen=True)
class PastTurn:
    """An earlier turn of a conversation: the question as asked and, when the surface knows it,
    the technique its answer was about (`resolved`: the surface recorded it, even if None)."""

    question: str
    doc_id: str | None = None
    resolved: bool = False

    @classmethod
    def of(cls, question: str, answer) -> PastTurn:
        """The turn of `question`, answered by `answer` (an `assistant.answer.Answer`)."""
        return cls(question, answer.doc_id, resolved=True)
