"""Answers, sources, documents and library cards as the markdown/HTML the web chat shows.

No gradio here. Every piece of corpus or user text goes through `md()` (markdown) or
`html.escape` (HTML) before it is shown; the only tags in the output are the wrappers built
below, so the chat's styling never depends on trusting the text it wraps.
"""

from __future__ import annotations

import html

from assistant.catalog import TechniqueCard
from assistant.compose import md
from assistant.types import Answer, Citation
from ingest.types import ParsedDocument

THINKING = "*Looking through the technique library…*"

# Which top-level parts of a composed card get which style. Parts are separated by blank lines.
_CAUTIONS = ("**Cautions**", "**General cautions**")
_CHECK_FIRST = "> "
_DISCLAIMER = "---\n**Disclaimer:**"


def user_bubble(question: str) -> str:
    """A question as typed, shown literally: markup in it is text, never HTML."""
    return md(question)


def card_pieces(answer: Answer) -> list[str]:
    """The answer's card as consecutive pieces (one per section), each styled by what it is:
    the pieces are streamed one after another, and `card_html` joins any prefix of them."""
    pieces: list[str] = []
    check: list[str] = []
    for part in answer.answer.split("\n\n"):
        if part.startswith(_CHECK_FIRST):
            check.append(part)
            continue
        if check:
            pieces.append(_wrap("tc-check", "\n\n".join(check)))
            check = []
        if part.startswith(_CAUTIONS):
            pieces.append(_wrap("tc-cautions", part))
        elif part.startswith(_DISCLAIMER):
            pieces.append(_wrap("tc-disclaimer", part.removeprefix("---\n")))
        else:
            pieces.append(part)
    if check:
        pieces.append(_wrap("tc-check", "\n\n".join(check)))
    return pieces


def card_html(pieces: list[str], answer: Answer) -> str:
    """The card container around some or all of its pieces; red-flag answers look urgent."""
    kind = "tc-card tc-redflag" if answer.red_flag is not None else "tc-card"
    if answer.no_answer:
        kind += " tc-noanswer"
    return _wrap(kind, "\n\n".join(pieces))


def _wrap(css_class: str, markdown: str) -> str:
    # Blank lines around the inner markdown keep it markdown inside the HTML block.
    return f'<div class="{css_class}">\n\n{markdown}\n\n</div>'


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


def document_markdown(doc: ParsedDocument) -> str:
    """A whole source document, section by section, as inert text."""
    lines = [f"## {md(doc.title)}"]
    if source := doc.meta.get("source"):
        lines.append(f"*Source: {md(str(source))}*")
    for section in doc.sections:
        lines.append(f"### {md(section.title)}")
        for block in section.blocks:
            marker = f"{md(block.marker)} " if block.marker and block.marker not in {"+"} else ""
            lines.append(f"{marker}{md(block.text)}")
    return "\n\n".join(lines)


# -- library ---------------------------------------------------------------------------------
def library_html(cards: list[TechniqueCard], total: int) -> str:
    e = html.escape
    head = f'<p class="tc-lib-count">{len(cards)} of {total} techniques</p>'
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
        if c.positioning:
            out.append("<h4>Positioning</h4><ul>" + "".join(f"<li>{e(p)}</li>" for p in c.positioning) + "</ul>")
        if c.steps:
            out.append("<h4>Steps</h4><ol>" + "".join(f"<li>{e(s)}</li>" for s in c.steps) + "</ol>")
        if c.cautions:
            items = "".join(f"<li>{e(s)}</li>" for s in c.cautions)
            out.append(f'<div class="tc-cautions"><h4>Cautions</h4><ul>{items}</ul></div>')
        if c.source:
            out.append(f'<p class="tc-lib-source">Source: {e(c.source)}</p>')
        out.append("</article>")
    out.append("</div>")
    return "".join(out)
