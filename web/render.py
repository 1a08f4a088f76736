"""Answers, sources, documents and library cards as the HTML/markdown the web chat shows.

No gradio here. An answer is rendered by `assistant.render.render` with `HtmlWriter`, so its
envelope (referral, "Check first", every caution, the disclaimer) is laid out by the same
function as on every other surface. Every piece of corpus or user text is escaped
(`html.escape`, or `md()` for markdown); the only tags in the output are the ones built below.
The HTML has no blank lines and no indentation, so the chat's markdown renderer passes it
through as one HTML block.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

from assistant.catalog import TechniqueCard
from assistant.render import CHECK_FIRST, markdown, md, render
from assistant.answer import Answer
from web.technique_page import card_parts_html
from assistant.types import CautionItem, Check, Citation, Direct, Layout, Line, Referral, Section

THINKING = "Looking through the technique library…"
e = html.escape


def _cites(cites: Sequence[int]) -> str:
    # the chat's sanitiser drops data-* attributes: the number is also in a class the page reads
    return "".join(f' <button type="button" class="tc-cite tc-n-{n}" data-n="{n}">[{n}]</button>' for n in cites)


def _lines(text: str) -> str:
    """Escaped text whose line breaks survive as `&#10;`: no blank line may end the HTML block."""
    return e(text).replace("\r", "").replace("\n", "&#10;")


def sources_html(citations: Sequence[Citation]) -> str:
    """Every passage an answer cites, hidden inside its card: each card carries its own sources,
    so an older answer's `[n]` opens its own passage (the page's script reads them)."""
    items = "".join(
        f'<div class="tc-src tc-n-{c.n}"><span class="tc-src-doc">{e(c.doc_id)}</span>'
        f'<span class="tc-src-title">{e(c.title)}</span><span class="tc-src-section">{e(c.section)}</span>'
        f'<span class="tc-src-text">{_lines(c.text)}</span></div>'
        for c in citations
    )
    return f'<div class="tc-sources" hidden>{items}</div>' if items else ""


class HtmlWriter:
    """Escaped HTML for the web chat, with the card's parts in their own styled blocks."""

    def referral(self, referral: Referral) -> str:
        out = f"<h2>{e(referral.heading)}</h2>"
        if referral.kind == "red_flag":
            out += f"<p><strong>{e(referral.message)}</strong></p>"
            signs = ", ".join(f"“{e(s)}”" for s in referral.signs)
            out += f"<p>Signs in the conversation that call for this: {signs}. {e(referral.note)}</p>"
        else:
            out += f"<p>{e(referral.message)}</p>"
        return f'<div class="tc-referral tc-referral-{e(referral.kind)}">{out}</div>'

    def title(self, title: str, tagline: str) -> str:
        return f"<h2>{e(title)}</h2>" + (f'<p class="tc-tagline"><em>{e(tagline)}</em></p>' if tagline else "")

    def check_first(self, cautions: Sequence[CautionItem], checks: Sequence[Check]) -> str:
        items = "".join(
            f'<li class="tc-verdict tc-verdict-{e(c.verdict)}"><strong>{e(c.heading)}.</strong> {e(c.reason)}'
            f"{' ' + e(c.modify) if c.modify else ''} <em>Source: {e(c.source)}</em></li>"
            for c in checks
        )
        items += "".join(f"<li>{e(c.text)}{_cites([c.cite] if c.cite else [])}</li>" for c in cautions)
        return f'<div class="tc-check"><p><strong>⚠️ {e(CHECK_FIRST)}</strong></p><ul>{items}</ul></div>'

    def direct(self, direct: Direct) -> str:
        text = " ".join(self._line(line) for line in direct.lines)
        return f'<div class="tc-direct"><p><strong>Answer:</strong> {text}</p></div>'

    def section(self, section: Section) -> str:
        if section.folded:
            # a fact answer's steps, under its direct answer: whole, one click away
            n = sum(1 for x in section.lines if not x.joined and not x.sub)
            label = f"{section.title} ({n})" if section.kind == "steps" else "The document's passages"
            inner = self.section(replace(section, folded=False))
            return f'<details class="tc-fold"><summary>{e(label)} — show the whole technique</summary>{inner}</details>'
        kind = f' class="tc-section tc-{e(section.kind)}"'
        if section.layout == Layout.INLINE:
            return f"<p{kind}><strong>{e(section.title)}:</strong> " + " ".join(self._line(x) for x in section.lines) + "</p>"
        if section.layout == Layout.NOTE:
            items = "".join(f"<li>{self._line(x)}</li>" for x in section.lines)
            return f"<div{kind}><p><em>{e(section.title)}</em></p><ul>{items}</ul></div>"
        items: list[str] = []
        subs: list[str] = []

        def close_subs() -> None:
            if subs and items:
                items[-1] = items[-1].removesuffix("</li>") + "<ul>" + "".join(subs) + "</ul></li>"
            subs.clear()

        for line in section.lines:
            if line.joined and (subs or items):
                if subs:
                    subs[-1] = subs[-1].removesuffix("</li>") + " " + self._line(line) + "</li>"
                else:
                    items[-1] = items[-1].removesuffix("</li>") + " " + self._line(line) + "</li>"
            elif line.sub:
                subs.append(f"<li>{e(line.sub)} {self._line(line)}</li>")
            else:
                close_subs()
                value = f' value="{line.number}"' if line.number is not None else ""
                items.append(f"<li{value}>{self._line(line)}</li>")
        close_subs()
        tag = "ol" if section.layout == Layout.NUMBERED else "ul"
        return f"<div{kind}><h3>{e(section.title)}</h3><{tag}>{''.join(items)}</{tag}></div>"

    def _line(self, line: Line) -> str:
        label = f"<em>{e(line.label)}:</em> " if line.label else ""
        flag = f' <strong class="tc-line-flag">⚠️ {e(line.flag)}</strong>' if line.flag else ""
        return f"{label}{e(line.text)}{_cites(line.cites)}{flag}"

    def rephrased(self, text: str) -> str:
        return f'<div class="tc-rephrased">{e(text)}</div>'

    def cautions(self, cautions: Sequence[CautionItem], *, general: bool) -> str:
        title = "General cautions" if general else "Cautions"
        items = "".join(
            f'<li{" class=tc-targeted" if c.targeted else ""}>{"⚠️ " if c.targeted else ""}'
            f'{"<strong>Warning: " + e(c.warning) + "</strong> The document says: " if c.warning else ""}{e(c.text)}'
            f"{_cites([c.cite] if c.cite else [])}</li>"
            for c in cautions
        )
        return f'<div class="tc-cautions"><h3>{title}</h3><ul>{items}</ul></div>'

    def disclaimer(self, text: str) -> str:
        return f'<div class="tc-disclaimer"><p><strong>Disclaimer:</strong> {e(text)}</p></div>'

    def join(self, parts: list[str], answer: Answer) -> str:
        kind = "tc-card tc-redflag" if answer.red_flag is not None else "tc-card"
        if answer.no_answer:
            kind += " tc-noanswer"
        extra = sources_html(getattr(answer, "citations", ()))
        if isinstance(answer, Answer):  # what Copy puts on the clipboard: the same card as Markdown
            extra += f'<pre class="tc-md" hidden>{_lines(markdown(answer))}</pre>'
        return f'<div class="{kind}">{"".join(parts)}{extra}</div>'


def answer_html(answer: Answer) -> str:
    return render(answer, HtmlWriter())


def pending_html(disclaimer: str) -> str:
    """The first frame of an answer, before it is ready: already with the disclaimer."""
    return (
        f'<div class="tc-card tc-pending"><p><em>{e(THINKING)}</em></p>'
        f"{HtmlWriter().disclaimer(disclaimer)}</div>"
    )


def user_bubble(question: str) -> str:
    """A question as typed, shown literally: markup in it is text, never HTML."""
    return md(question)


# -- sources ---------------------------------------------------------------------------------
def citation_label(c: Citation) -> str:
    return f"[{c.n}] {c.title} — {c.section}"


def passage_markdown(c: Citation) -> str:
    return f"**\\[{c.n}\\] {md(c.title)}** — *{md(c.section)}*\n\n{quote(c.text)}"


def quote(text: str) -> str:
    """A passage as a block quote, one paragraph per line of the passage."""
    return "\n>\n".join(f"> {md(line)}" for line in text.split("\n") if line.strip())


def sources_markdown(answer: Answer | None) -> str:
    """Every citation of an answer with its passage, title and section."""
    if answer is None:
        return "*Ask a question: the passages each answer cites are listed here.*"
    if not answer.citations:
        return "*This answer cites no passages: it gives no technique steps.*"
    return "\n\n".join(passage_markdown(c) for c in answer.citations)


# -- library ---------------------------------------------------------------------------------
def library_html(cards: list[TechniqueCard], total: int, disclaimer: str) -> str:
    notice = HtmlWriter().disclaimer(disclaimer)
    head = notice + f'<p class="tc-lib-count">{len(cards)} of {total} techniques</p>'
    if not cards:
        return head + '<p class="tc-lib-empty">No technique matches this search.</p>'
    out = [head, '<div class="tc-lib">']
    for c in cards:
        meta = " · ".join(p for p in (c.region.capitalize(), c.kind) if p)
        out.append(f'<article class="tc-lib-card" data-doc-id="{e(c.doc_id)}">')
        out.append(f"<h3>{e(c.title)}</h3>")
        if meta:
            out.append(f'<p class="tc-lib-meta">{e(meta)}</p>')
        if c.names:
            out.append(f'<p class="tc-lib-names">Also called: {e(", ".join(c.names))}</p>')
        out.append(card_parts_html(c, "h4"))
        if c.source:
            out.append(f'<p class="tc-lib-source">Source: {e(c.source)}</p>')
        out.append("</article>")
    out.append("</div>")
    out.append(notice)
    return "".join(out)
