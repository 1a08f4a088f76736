"""Study items as an Anki deck (.apkg, written by genanki): cloze cards as Anki cloze notes,
every other item as a front/back note, each note carrying its citation (title, section,
document id) and the passage it comes from.

Model, deck and note ids are derived from fixed names and item ids, so exporting the same
items again updates the notes already in a student's Anki instead of duplicating them. Fields
are HTML in Anki: all corpus text is escaped.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from pathlib import Path

import genanki

from study.items import QuizItem
from study.quiz_text import kind_label, plain, word_pattern
from techniques.errors import TechniquesError

DECK_NAME = "Manual-therapy techniques"
_CSS = ".card{font-family:sans-serif;font-size:18px;text-align:left}.source{font-size:14px;color:#555}"


def _id(name: str) -> int:
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) | (1 << 30)


BASIC = genanki.Model(
    _id("technique-assistant basic"), "Technique assistant (basic)",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Citation"}, {"name": "Source"}],
    templates=[{
        "name": "Card 1", "qfmt": "{{Front}}",
        "afmt": '{{FrontSide}}<hr id="answer">{{Back}}<div class="source"><p>{{Citation}}</p>{{Source}}</div>',
    }],
    css=_CSS,
)
CLOZE = genanki.Model(
    _id("technique-assistant cloze"), "Technique assistant (cloze)",
    fields=[{"name": "Text"}, {"name": "Citation"}, {"name": "Source"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": '{{cloze:Text}}<div class="source"><p>{{Citation}}</p>{{Source}}</div>'}],
    css=_CSS, model_type=genanki.Model.CLOZE,
)


def citation_text(item: QuizItem) -> str:
    c = item.citation
    return f"{c.title} — {c.section} ({c.doc_id})"


def cloze_text(item: QuizItem) -> str:
    """The item's line with its answer marked as Anki's first cloze, escaped."""
    pattern = word_pattern(item.answer)
    parts, last = [], 0
    for m in pattern.finditer(item.source):
        parts += [html.escape(item.source[last:m.start()]), "{{c1::" + html.escape(m.group(0)).replace("}}", "} }") + "}}"]
        last = m.end()
    return "".join(parts) + html.escape(item.source[last:])


def note_for(item: QuizItem) -> genanki.Note:
    citation = html.escape(citation_text(item))
    source = "<br>".join(html.escape(line) for line in item.citation.text.split("\n"))
    tags = [re.sub(r"\s+", "_", t) for t in (item.kind, item.doc_id)]
    if item.kind == "cloze" and word_pattern(item.answer).search(item.source):
        return genanki.Note(model=CLOZE, fields=[cloze_text(item), citation, source], guid=genanki.guid_for(item.id), tags=tags)
    front = html.escape(f"{kind_label(item.kind)}: {plain(item.prompt)}")
    if item.choices:
        front += "<ol>" + "".join(f"<li>{html.escape(c)}</li>" for c in item.choices) + "</ol>"
    back = html.escape(item.answer)
    if item.accepted:
        back += "<br><small>also: " + html.escape(", ".join(item.accepted)) + "</small>"
    return genanki.Note(model=BASIC, fields=[front, back, citation, source], guid=genanki.guid_for(item.id), tags=tags)


def export_deck(items: Sequence[QuizItem], path: str | Path, deck_name: str = DECK_NAME) -> int:
    """Write one note per item to `path` (.apkg); returns the number of notes."""
    if not items:
        raise TechniquesError("There are no study items to export.", hint="Try another region or technique, or none.")
    deck = genanki.Deck(_id(f"deck {deck_name}"), deck_name)
    for item in items:
        deck.add_note(note_for(item))
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        genanki.Package(deck).write_to_file(str(path))
    except OSError as exc:
        raise TechniquesError(f"{path}: cannot write the Anki deck ({exc.strerror or exc}).") from None
    return len(items)
