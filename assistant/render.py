"""Render an `Answer`'s parts for a surface, always inside the same envelope.

`render(answer, writer)` is the one function that lays out an answer: the referral first when
there is one, the technique's title, the cautions that concern a condition named in the
conversation ("Check first"), the body (the direct answer and the card's sections, or the
optional LLM's checked rewrite of them), then every caution and the disclaimer. A surface only
supplies a `Writer` that formats each part (Markdown here; escaped HTML in `web.render`), so no
surface can build an answer without its cautions and disclaimer, and none re-parses a string.
Corpus and user text is escaped by the writer: `md()` for Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from assistant.safety.cautions import general_cautions
from assistant.types import CautionItem, Check, Direct, Layout, Line, Referral, Section

CHECK_FIRST = "Check first — the conversation mentions a condition this technique warns about:"


def md(text: str) -> str:
    """Corpus text as inert markdown: no HTML, no links or images, no fake `[n]` markers."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\[\]`*_#|])", r"\\\1", text)


class AnswerParts(Protocol):
    """What rendering reads of an answer (`assistant.answer.Answer` has these)."""

    question: str
    title: str | None
    tagline: str
    referral: Referral | None
    checks: tuple[Check, ...]
    direct: Direct | None
    rephrased: str | None
    sections: tuple[Section, ...]
    cautions: tuple[CautionItem, ...]
    disclaimer: str
    red_flag: object | None
    no_answer: bool


class Writer(Protocol):
    """How one surface formats each part of an answer. Every method gets plain text and
    escapes it itself."""

    def referral(self, referral: Referral) -> str: ...
    def title(self, title: str, tagline: str) -> str: ...
    def check_first(self, cautions: Sequence[CautionItem], checks: Sequence[Check]) -> str: ...
    def direct(self, direct: Direct) -> str: ...
    def section(self, section: Section) -> str: ...
    def rephrased(self, text: str) -> str: ...
    def cautions(self, cautions: Sequence[CautionItem], *, general: bool) -> str: ...
    def disclaimer(self, text: str) -> str: ...
    def join(self, parts: list[str], answer: AnswerParts) -> str: ...


def shown_cautions(answer: AnswerParts) -> tuple[CautionItem, ...]:
    """The cautions the envelope shows: the answer's own, and never none."""
    return answer.cautions or tuple(general_cautions(answer.question))


def head(answer: AnswerParts, writer: Writer) -> list[str]:
    """What comes before the body: the referral, the title, "Check first"."""
    parts = []
    if answer.referral is not None:
        parts.append(writer.referral(answer.referral))
    if answer.title:  # under a direct answer the title alone: the region and kind are not what was asked
        parts.append(writer.title(answer.title, "" if answer.direct is not None else answer.tagline))
    # "Check first" is about a technique; without one, a targeted caution is marked in the list
    targeted = [c for c in shown_cautions(answer) if c.targeted] if answer.title else []
    if targeted or answer.checks:
        parts.append(writer.check_first(targeted, answer.checks))
    return parts


def body(answer: AnswerParts, writer: Writer) -> list[str]:
    parts = []
    if answer.direct is not None:
        parts.append(writer.direct(answer.direct))
    if answer.rephrased is not None:
        parts.append(writer.rephrased(answer.rephrased))
    else:
        parts += [writer.section(s) for s in answer.sections]
    return parts


def tail(answer: AnswerParts, writer: Writer) -> list[str]:
    """What comes after the body: every caution, whole, then the disclaimer (a fact answer's too:
    a caution is never shortened or folded)."""
    return [writer.cautions(shown_cautions(answer), general=answer.title is None), writer.disclaimer(answer.disclaimer)]


def render(answer: AnswerParts, writer: Writer, *, with_body: bool = True) -> str:
    """The answer in the writer's format, inside its envelope. `with_body=False` gives the
    envelope alone (what a surface can show before the body is ready)."""
    return writer.join(head(answer, writer) + (body(answer, writer) if with_body else []) + tail(answer, writer), answer)


def cite_marks(cites: Sequence[int]) -> str:
    return "".join(f" [{n}]" for n in cites)


class MarkdownWriter:
    """Markdown for the CLI, exports and evals; corpus text is escaped with `md()`."""

    def referral(self, referral: Referral) -> str:
        lines = [f"## {md(referral.heading)}"]
        if referral.kind == "red_flag":
            lines.append(f"**{md(referral.message)}**")
            signs = ", ".join(f"“{md(s)}”" for s in referral.signs)
            lines.append(f"Signs in the conversation that call for this: {signs}. {md(referral.note)}".rstrip())
        else:
            lines.append(md(referral.message))
        return "\n\n".join(lines)

    def title(self, title: str, tagline: str) -> str:
        return f"## {md(title)}" + (f"\n\n*{md(tagline)}*" if tagline else "")

    def check_first(self, cautions: Sequence[CautionItem], checks: Sequence[Check]) -> str:
        lines = [f"> ⚠️ **{CHECK_FIRST}**"]
        lines += [f"> **{md(c.heading)}.** {md(c.reason)}{' ' + md(c.modify) if c.modify else ''} *Source: {md(c.source)}*"
                  for c in checks]
        lines += [f"> {md(c.text)}{cite_marks([c.cite] if c.cite else [])}" for c in cautions]
        return "\n>\n".join(lines)

    def direct(self, direct: Direct) -> str:
        return "**Answer:** " + " ".join(self._line(line) for line in direct.lines)

    def section(self, section: Section) -> str:
        if section.layout == Layout.INLINE:
            return f"**{md(section.title)}:** " + " ".join(self._line(line) for line in section.lines)
        if section.layout == Layout.NOTE:
            return f"*{md(section.title)}*\n\n" + "\n".join(f"- {self._line(line)}" for line in section.lines)
        items: list[str] = []
        for line in section.lines:
            if line.joined and items:
                items[-1] += " " + self._line(line)
            elif line.sub:
                items.append(f"    - {md(line.sub)} {self._line(line)}")
            elif section.layout == Layout.NUMBERED:
                items.append(f"{line.number}. {self._line(line)}")
            else:
                items.append(f"- {self._line(line)}")
        return f"**{md(section.title)}**\n" + "\n".join(items)

    def _line(self, line: Line) -> str:
        label = f"*{md(line.label)}:* " if line.label else ""
        flag = f" ⚠️ *{md(line.flag)}*" if line.flag else ""
        return f"{label}{md(line.text)}{cite_marks(line.cites)}{flag}"

    def rephrased(self, text: str) -> str:
        return md(text)

    def cautions(self, cautions: Sequence[CautionItem], *, general: bool) -> str:
        title = "General cautions" if general else "Cautions"
        lines = [f"- {'⚠️ ' if c.targeted else ''}{self._warning(c)}{md(c.text)}{cite_marks([c.cite] if c.cite else [])}"
                 for c in cautions]
        return f"**{title}**\n" + "\n".join(lines)

    @staticmethod
    def _warning(c: CautionItem) -> str:
        return f"**Warning: {md(c.warning)}** The document says: " if c.warning else ""

    def disclaimer(self, text: str) -> str:
        return f"---\n**Disclaimer:** {md(text)}"

    def join(self, parts: list[str], answer: AnswerParts) -> str:
        return "\n\n".join(parts)


def markdown(answer: AnswerParts, *, with_body: bool = True) -> str:
    return render(answer, MarkdownWriter(), with_body=with_body)
