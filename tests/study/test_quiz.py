"""Quiz items of the real corpus: every answer comes from its cited passage, every kind is
produced, generation is deterministic, and the region and technique filters hold."""

from __future__ import annotations

import re

import pytest

from study.answer_check import check_answer
from assistant.render import md
from assistant.library import Library
from study.quiz import KINDS, generate_items, plain
from study.session import question_text, select_items
from cli.main import main
from techniques.errors import TechniquesError
from tests.conftest import CORPUS_IDS

pytestmark = pytest.mark.integration

TEXT_KINDS = {"breathing_or_dosage", "fill_in_term", "cloze"}
TECHNIQUE_KINDS = {"technique_for_indication", "caution_for_condition"}


def squash(text: str) -> str:
    return " ".join(text.split()).lower()


@pytest.fixture(scope="module")
def library(assistant) -> Library:
    return assistant.library()


@pytest.fixture(scope="module")
def items(library):
    return generate_items(library)


def test_every_kind_is_produced_for_every_technique_that_supports_it(items):
    assert {i.kind for i in items} == set(KINDS)
    assert {i.doc_id for i in items} == CORPUS_IDS
    for doc_id in CORPUS_IDS:  # every technique has steps and an indication
        kinds = {i.kind for i in items if i.doc_id == doc_id}
        assert {"step_order", "technique_for_indication", "fill_in_term"} <= kinds, doc_id


def test_every_answer_appears_in_its_cited_passage(items, library):
    for item in items:
        passage = squash(item.citation.text)
        doc = library.docs[item.doc_id]
        assert item.citation.doc_id == item.doc_id and item.citation.title == doc.title, item.id
        # the cited text is the document's own chunks, not something composed
        chunk_texts = [squash(c.text) for c in library.by_doc[item.doc_id]]
        assert all(any(squash(line) in t for t in chunk_texts) for line in item.citation.text.split("\n")), item.id
        assert squash(item.source) in passage, item.id
        if item.kind in TEXT_KINDS:
            assert squash(item.answer) in passage and squash(item.answer) in squash(item.source), item.id
        elif item.kind in TECHNIQUE_KINDS:
            assert item.answer == doc.title == item.citation.title, item.id
        else:
            _assert_step_order_grounded(item, passage)


def _assert_step_order_grounded(item, passage: str) -> None:
    labels = [int(n) for n in item.answer.split()]
    assert sorted(labels) == list(range(1, len(item.choices) + 1)), item.id
    assert labels != sorted(labels), f"{item.id}: shuffled into the right order"
    steps = [squash(item.choices[n - 1]) for n in labels]
    assert all(s in passage for s in steps), item.id
    positions = [passage.index(s) for s in steps]
    assert positions == sorted(positions), f"{item.id}: the answer's order is not the passage's"


def test_prompts_are_escaped_and_do_not_give_the_answer_away(items, library):
    for item in items:
        assert md(plain(item.prompt)) == item.prompt, item.id
        if item.kind in TEXT_KINDS:  # neither the sentence nor the title gives the answer away
            for answer in (item.answer, *item.accepted):
                assert not re.search(rf"(?<![\w-]){re.escape(answer)}(?![\w-])", plain(item.prompt), re.I), (item.id, answer)
            assert "____" in plain(item.prompt), item.id
        if item.kind in TECHNIQUE_KINDS:
            assert item.answer.lower() not in plain(item.prompt).lower(), item.id
            assert set(item.choices) == {d.title for d in library.docs.values()}, item.id
    psoas = [i for i in items if i.doc_id == "psoas-stretch" and i.kind == "technique_for_indication"]
    assert any("psoas" in i.source.lower() for i in psoas)
    assert not any("psoas" in plain(i.prompt).lower() for i in psoas)


def test_the_question_header_never_names_the_technique_it_asks_for(items):
    for item in items:
        header = question_text(item, 1, 1).split("\n")[0]
        assert (item.citation.title in header) != item.asks_technique, item.id


def test_each_items_own_answers_check_as_correct(items):
    for item in items:
        assert check_answer(item, item.answer).correct, item.id
        for alternative in item.accepted:
            assert check_answer(item, alternative).correct, (item.id, alternative)


def test_corpus_specifics(items):
    by_id = {i.id: i for i in items}
    cautions = {plain(i.prompt): i for i in items if i.kind == "caution_for_condition"}
    hip_replacement = next(i for p, i in cautions.items() if "hip replacement" in p)
    assert hip_replacement.answer == "QL Hip Hike"
    assert "hip replacement" in hip_replacement.citation.text
    breaths = [i for i in items if i.doc_id == "ql-hip-hike" and i.kind == "breathing_or_dosage"]
    assert {i.answer.lower() for i in breaths} >= {"inhales", "exhale"}
    slowly = next(i for i in breaths if "slowly" in i.source)
    assert slowly.answer == "inhales" and not check_answer(slowly, "exhale").correct
    hold = [i for i in items if i.doc_id == "psoas-stretch" and i.kind == "breathing_or_dosage"]
    assert [i.answer for i in hold] == ["30 seconds"]
    assert check_answer(hold[0], "thirty seconds").correct
    assert all(re.fullmatch(rf"{re.escape(i.doc_id)}:{i.kind}:\d+", i.id) for i in by_id.values())


def test_cloze_cards_come_from_steps_cautions_positioning_and_dosage(items, library):
    cloze = [i for i in items if i.kind == "cloze"]
    sections = {library.docs[i.doc_id].doc_id: set() for i in cloze}
    for item in cloze:
        chunk = next(c for c in library.by_doc[item.doc_id] if squash(item.source) in squash(c.text))
        sections[item.doc_id].add(chunk.section_kind.value)
        # the blank hides every occurrence of the answer, and the answer is in the cited passage
        assert squash(item.answer) in squash(item.citation.text) and "____" in plain(item.prompt), item.id
    kinds = set().union(*sections.values())
    assert {"steps", "cautions", "positioning"} <= kinds, kinds
    assert any(re.search(r"\d+\s*seconds", i.answer) for i in cloze)  # a dosage line
    hip = next(i for i in cloze if i.answer == "hip replacement")  # a caution's condition
    assert hip.doc_id == "ql-hip-hike" and "hip replacement" in hip.citation.text
    # no cloze asks a line the same way another kind already does
    others = {(squash(i.source), i.answer.lower()) for i in items if i.kind != "cloze"}
    assert not [i.id for i in cloze if (squash(i.source), i.answer.lower()) in others]


def test_the_quiz_exports_to_anki_with_one_note_per_item(library, corpus_settings, tmp_path, capsys):
    import sqlite3
    import zipfile

    deck = tmp_path / "ql.apkg"
    assert main(["quiz", "--store", str(corpus_settings.data_dir), "--technique", "ql-hip-hike", "--export-anki", str(deck)]) == 0
    expected = generate_items(library, technique="ql-hip-hike")
    assert f"wrote {len(expected)} notes" in capsys.readouterr().out
    with zipfile.ZipFile(deck) as z:
        (tmp_path / "c.anki2").write_bytes(z.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.anki2") as conn:
        fields = [r[0].split("\x1f") for r in conn.execute("SELECT flds FROM notes")]
    assert len(fields) == len(expected)
    assert all(any("(ql-hip-hike)" in f for f in note) for note in fields)


def test_generation_is_deterministic(library, items):
    again = generate_items(library)
    reopened = generate_items(Library.load(library.index, library.version))
    assert again == items and reopened == items
    assert len({i.id for i in items}) == len(items)


def test_filter_by_region(library, items):
    sacroiliac = generate_items(library, region="sacroiliac")
    assert sacroiliac and {i.doc_id for i in sacroiliac} == {"side-lying-leg-lift"}
    low_back = generate_items(library, region="Low-Back")
    assert {i.doc_id for i in low_back} == {d for d in CORPUS_IDS if d != "side-lying-leg-lift"}
    # a filtered item is the same item as in the whole set
    by_id = {i.id: i for i in items}
    assert all(by_id[i.id] == i for i in sacroiliac + low_back)
    assert generate_items(library, region="elbow") == []


def test_filter_by_technique(library):
    ql = generate_items(library, technique="ql-hip-hike")
    assert ql and {i.doc_id for i in ql} == {"ql-hip-hike"}
    assert {i.kind for i in ql} == set(KINDS)
    assert generate_items(library, technique="QL Hip Hike") == ql
    both = generate_items(library, region="abdomen", technique="psoas-release")
    assert both and {i.doc_id for i in both} == {"psoas-release"}
    assert generate_items(library, region="abdomen", technique="ql-hip-hike") == []


def test_unknown_filters_are_user_errors(library, corpus_settings, capsys):
    with pytest.raises(TechniquesError) as region:
        select_items(library, region="elbow")
    assert "hip" in region.value.hint
    with pytest.raises(TechniquesError) as technique:
        select_items(library, technique="nope")
    assert "ql-hip-hike" in technique.value.hint
    assert main(["quiz", "--store", str(corpus_settings.data_dir), "--technique", "nope"]) == 1
    err = capsys.readouterr().err
    assert "error: There is no technique 'nope'" in err and "Traceback" not in err
