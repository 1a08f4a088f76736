"""What a message asks, before retrieval (assistant/query.py, assistant/lexicon.py): on
held-apart examples written here, not the development sets' questions."""

from __future__ import annotations

from assistant.lexicon import lexicon
from assistant.query import apply_fixes, asked, misspelt, strip_markup

VOCABULARY = ["gastrocnemius", "soleus", "infraspinatus", "piriformis", "stretch", "release", "hold"]


def known(word: str) -> bool:
    return word in VOCABULARY or word in {"how", "long", "should", "the", "for", "my", "client"}


def test_a_misspelt_muscle_is_corrected_to_the_library_word() -> None:
    fixes = misspelt("how long should I hold the gastrocnemeus stretch", known, VOCABULARY)
    assert fixes == {"gastrocnemeus": "gastrocnemius"}
    assert apply_fixes("Piriformus release?", misspelt("Piriformus release?", known, VOCABULARY)) == "piriformis release?"


def test_a_word_the_library_or_the_lexicon_knows_is_never_corrected() -> None:
    assert misspelt("soleus release for the calf", known, VOCABULARY) == {}  # "calf": the lexicon's
    assert misspelt("zygomaticus", known, VOCABULARY) == {}  # nothing close enough


def test_a_lay_term_means_the_muscle() -> None:
    assert "quadratus lumborum" in lexicon().meanings("sore at the side of my lower back after gardening")
    assert "iliopsoas" in lexicon().meanings("tight hip flexors from sitting")
    assert "hamstring" in lexicon().meanings("the back of my thigh pulls when I bend")


def test_shorthand_is_spelt_out() -> None:
    meant = lexicon().meanings("pt c/o LBP bilat, hx of TKR; DB or KB ok?")
    for expected in ("complains of", "bilateral", "history", "total knee replacement", "dumbbell", "kettlebell"):
        assert expected in meant
    assert lexicon().meanings("add more weight") == ()  # an English word is not shorthand


def test_a_question_buried_in_5000_characters_of_noise_is_found() -> None:
    noise = ("<div class='nav'>Home | Blog | Shop</div>\n**Session notes** — client walked in, chatted "
             "about the weekend, parking was terrible, [see here](http://example.org/x).\n") * 28
    message = noise + "\nAnyway: how long should I hold the soleus stretch on each side?\n" + noise[:700]
    assert len(message) > 5000
    question = asked(message)
    assert "hold the soleus stretch" in question
    assert len(question) < 300 and "parking" not in question and "<div" not in question


def test_markup_is_ignored_but_a_short_question_is_kept_whole() -> None:
    assert strip_markup("## **Piriformis** release?\n- <b>supine</b>") == "Piriformis release?\nsupine"
    assert asked("Piriformis release, how deep?") == "Piriformis release, how deep?"


def test_out_of_region_and_kind_questions_name_what_they_ask() -> None:
    labels = [a.label for a in lexicon().aspects("any mobilisation for a stiff shoulder?")]
    assert labels == ["the shoulder", "mobilisation"]
    assert [a.label for a in lexicon().aspects("dry needling the upper traps")] == ["dry needling"]
    # a hand or a foot placed while asking is not what is treated
    assert lexicon().aspects("fingers under the ribs, feet flat: how deep?") == ()
