"""One technique's page in the Library tab: its card (positioning, steps, cautions, the
disclaimer), its illustrations when the document has them, and its source passages.

Illustrations are only the files a document itself names (`meta["images"]`, relative paths
such as the everkinetic corpus's `../svg/0286-tension.svg`), resolved against the document's
own folder and kept only when the file is a regular image file inside that folder or its parent
(the library's own folders: never an absolute path, never `..` further up, never a link out of
them), and at most `MAX_IMAGE_BYTES`. They are inlined as `data:` URIs, so no route serves files
from disk; an SVG in an <img> runs no script. Every piece of corpus text is escaped. No gradio.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path

from assistant.catalog import TechniqueCard
from ingest.types import Chunk, ParsedDocument

e = html.escape
MAX_IMAGE_BYTES = 512 * 1024
IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}
_SUB = re.compile(r"^\d{1,2}\)\s")


def steps_html(steps: Sequence[str]) -> str:
    """Numbered steps; a step's own sub-list ("1) it's not pulsing") nested under it with its own
    numbers, not numbered again by the outer list ("3. 1) …")."""
    items: list[list[str]] = []
    for step in steps:
        if _SUB.match(step) and items:
            items[-1].append(step)
        else:
            items.append([step])
    out = []
    for step, *subs in items:
        nested = '<ul class="tc-sub">' + "".join(f"<li>{e(s)}</li>" for s in subs) + "</ul>" if subs else ""
        out.append(f"<li>{e(step)}{nested}</li>")
    return "<ol>" + "".join(out) + "</ol>"


def card_parts_html(card: TechniqueCard, heading: str) -> str:
    """A technique's positioning, steps and cautions, as the Library's cards and a technique's
    page show them (under `heading`-level titles)."""
    out = []
    if card.positioning:
        out.append(f"<{heading}>Positioning</{heading}><ul>" + "".join(f"<li>{e(p)}</li>" for p in card.positioning) + "</ul>")
    if card.steps:
        out.append(f"<{heading}>Steps</{heading}>" + steps_html(card.steps))
    items = "".join(f"<li>{e(s)}</li>" for s in card.cautions)
    title = "Cautions" if card.own_cautions else "General cautions"
    out.append(f'<div class="tc-cautions"><{heading}>{title}</{heading}><ul>{items}</ul></div>')
    return "".join(out)


def image_files(doc: ParsedDocument) -> list[Path]:
    """The document's own illustrations that pass the checks above."""
    images = doc.meta.get("images") or []
    if not isinstance(images, list) or doc.path is None:
        return []
    home = Path(doc.path).resolve().parent
    allowed = (home, home.parent)
    out = []
    for rel in images[:12]:
        rel = str(rel)
        if not rel or rel.startswith(("/", "\\")) or ":" in rel:
            continue
        path = (home / rel).resolve()
        if path.suffix.lower() not in IMAGE_TYPES or not any(a == path.parent or a in path.parents for a in allowed):
            continue
        try:
            if path.is_file() and path.stat().st_size <= MAX_IMAGE_BYTES:
                out.append(path)
        except OSError:
            continue
    return out


def _image(path: Path, title: str, n: int) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    alt = f"Illustration {n} of {title}"
    return f'<figure class="tc-figure"><img src="data:{IMAGE_TYPES[path.suffix.lower()]};base64,{data}" alt="{e(alt)}"></figure>'


def technique_html(card: TechniqueCard, doc: ParsedDocument | None, chunks: Sequence[Chunk], disclaimer: str) -> str:
    meta = " · ".join(p for p in (card.region.capitalize(), card.kind) if p)
    out = [f'<article class="tc-technique" data-doc-id="{e(card.doc_id)}"><h2>{e(card.title)}</h2>']
    if meta:
        out.append(f'<p class="tc-lib-meta">{e(meta)}</p>')
    if card.names:
        out.append(f'<p class="tc-lib-names">Also called: {e(", ".join(card.names))}</p>')
    if doc is not None and (files := image_files(doc)):
        out.append('<div class="tc-figures">' + "".join(_image(p, card.title, i) for i, p in enumerate(files, 1)) + "</div>")
    out.append(card_parts_html(card, "h3"))
    out.append(f'<div class="tc-disclaimer"><p><strong>Disclaimer:</strong> {e(disclaimer)}</p></div>')
    if card.source:
        out.append(f'<p class="tc-lib-source">Source: {e(card.source)}</p>')
    if chunks:
        out.append("<h3>Source passages</h3>")
        for c in chunks:
            text = "".join(f"<p>{e(line)}</p>" for line in c.text.split("\n") if line.strip())
            out.append(f'<section class="tc-passage-block"><h4>{e(c.section_title)}</h4><blockquote>{text}</blockquote></section>')
    out.append("</article>")
    return "".join(out)
