"""The Anki export: an .apkg is a zip holding a valid SQLite collection with one note per study
item, each carrying its citation and its passage, cloze items as Anki cloze notes."""

from __future__ import annotations

import sqlite3
import zipfile

import pytest

from assistant.types import Citation
from study.anki import BASIC, CLOZE, export_deck
from study.items import QuizItem
from techniques.errors import TechniquesError

PASSAGE = "The client is supine.\nHold for 30 seconds & breathe <slowly>."
CITATION = Citation(1, "psoas-stretch", "Psoas stretch (standing)", "Dosage", PASSAGE, 0.0)
ITEMS = [
    QuizItem("psoas-stretch:cloze:1", "cloze", "psoas-stretch", "Psoas stretch, Dosage: fill in the blank. “Hold for ____ & breathe”",
             "30 seconds", ("30",), (), CITATION, "Hold for 30 seconds & breathe <slowly>."),
    QuizItem("psoas-stretch:fill_in_term:1", "fill_in_term", "psoas-stretch", "Which term? “The client is ____.”",
             "supine", (), (), CITATION, "The client is supine."),
    QuizItem("psoas-stretch:technique_for_indication:1", "technique_for_indication", "psoas-stretch", "Which technique fits?",
             "Psoas stretch (standing)", (), ("Psoas release", "Psoas stretch (standing)"), CITATION, "ideal for desk workers"),
]


def notes(path):
    with zipfile.ZipFile(path) as z:
        assert "collection.anki2" in z.namelist()
        db = path.parent / "collection.anki2"
        db.write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM col").fetchone()[0] == 1  # an Anki collection
        return conn.execute("SELECT guid, mid, flds, tags FROM notes").fetchall(), conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]


def test_one_note_per_item_each_with_its_citation_and_passage(tmp_path):
    path = tmp_path / "deck.apkg"
    assert export_deck(ITEMS, path) == len(ITEMS)
    rows, cards = notes(path)
    assert len(rows) == len(ITEMS) == cards
    by_model = {mid: [r for r in rows if r[1] == mid] for mid in {r[1] for r in rows}}
    assert len(by_model[CLOZE.model_id]) == 1 and len(by_model[BASIC.model_id]) == 2
    for _, _, flds, tags in rows:
        fields = flds.split("\x1f")
        assert "Psoas stretch (standing) — Dosage (psoas-stretch)" in fields
        assert "Hold for 30 seconds &amp; breathe &lt;slowly&gt;." in fields[-1]  # the passage, escaped
        assert "<slowly>" not in flds and "psoas-stretch" in tags
    cloze = by_model[CLOZE.model_id][0][2].split("\x1f")[0]
    assert cloze == "Hold for {{c1::30 seconds}} &amp; breathe &lt;slowly&gt;."


def test_exporting_again_keeps_the_same_notes(tmp_path):
    export_deck(ITEMS, tmp_path / "a" / "deck.apkg")
    export_deck(ITEMS, tmp_path / "b" / "deck.apkg")
    first, _ = notes(tmp_path / "a" / "deck.apkg")
    second, _ = notes(tmp_path / "b" / "deck.apkg")
    assert sorted(r[0] for r in first) == sorted(r[0] for r in second)  # guids: Anki updates, not duplicates


def test_nothing_to_export_is_a_user_error(tmp_path):
    with pytest.raises(TechniquesError):
        export_deck([], tmp_path / "deck.apkg")
