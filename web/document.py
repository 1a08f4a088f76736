"""A whole source document as escaped HTML, with the passage a citation points at highlighted.

The chat's `[n]` popover asks for a document by id with the section and text of the passage it
cites (`DocRequest`, parsed from what the page sends: ids and text only, never a path). The
document is looked up in the open index version; the blocks of the cited section that belong to
the passage get the `tc-hl` class and the first of them `id="tc-hl"`, so the page can scroll it
into view. The technique's cautions and the disclaimer come first, as with every answer.
No gradio here; every piece of corpus text is escaped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.types import CautionItem
from ingest.types import ParsedDocument

e = html.escape
MAX_FIELD = 20_000  # characters kept of each field the page sends


@dataclass(frozen=True)
class DocRequest:
    """Which document to open and which passage of it to highlight."""

    doc_id: str
    section: str = ""
    text: str = ""

    @classmethod
    def parse(cls, raw: str | None) -> DocRequest | None:
        """The request the page sent (JSON `{"doc", "section", "text"}`), or None if unusable."""
        try:
            data = json.loads(raw or "")
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("doc"), str) or not data["doc"]:
            return None
        field = lambda k: str(data.get(k) or "")[:MAX_FIELD]  # noqa: E731
        return cls(field("doc"), field("section"), field("text"))


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _in_passage(block: str, passage: str) -> bool:
    b = _norm(block)
    return bool(b) and (b in passage or (len(passage) > 20 and passage in b))


def document_html(
    doc: ParsedDocument, cautions: Sequence[CautionItem], disclaimer: str, highlight: DocRequest | None = None
) -> str:
    """The document section by section; the blocks of the highlighted passage marked."""
    passage = _norm(highlight.text) if highlight else ""
    wanted = (highlight.section or "").strip().lower() if highlight else ""
    out = [f'<article class="tc-doc" data-doc-id="{e(doc.doc_id)}"><h2>{e(doc.title)}</h2>']
    if source := doc.meta.get("source"):
        out.append(f'<p class="tc-doc-source"><em>Source: {e(str(source))}</em></p>')
    items = "".join(f"<li>{e(c.text)}</li>" for c in cautions)
    out.append(f'<div class="tc-cautions"><h3>Cautions</h3><ul>{items}</ul></div>')
    out.append(f'<div class="tc-disclaimer"><p><strong>Disclaimer:</strong> {e(disclaimer)}</p></div>')
    first = True
    for section in doc.sections:
        in_section = bool(highlight) and section.title.strip().lower() == wanted
        marked = [in_section and _in_passage(b.text, passage) for b in section.blocks]
        if in_section and not any(marked):
            marked = [True] * len(section.blocks)  # the passage is the section: mark all of it
        out.append(f"<section><h3>{e(section.title)}</h3>")
        for block, mark in zip(section.blocks, marked):
            marker = f"{e(block.marker)} " if block.marker and block.marker != "+" else ""
            attrs = ""
            if mark:
                attrs = ' class="tc-hl"' + (' id="tc-hl"' if first else "")
                first = False
            out.append(f"<p{attrs}>{marker}{e(block.text)}</p>")
        out.append("</section>")
    out.append("</article>")
    return "".join(out)
