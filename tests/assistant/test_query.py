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


def test_a_word_the_library_never_heard_of_is_foreign_but_not_a_typo_a_compound_or_plain_english() -> None:
    from assistant.query import foreign

    words = {"row", "pull", "down", "raise", "raises", "calf", "cable"}
    library_knows = lambda w: w in words  # noqa: E731
    assert foreign("How do I row a kayak?", library_knows, sorted(words)) == ("kayak",)
    assert foreign("calf rasies on a step", library_knows, sorted(words)) == ()  # letters swapped: a typo
    assert foreign("a pulldown", library_knows, sorted(words)) == ()  # two of its words run together
    assert foreign("what does it do during a session", library_knows, sorted(words)) == ()  # plain English
    assert foreign("an upslip", library_knows, sorted(words), frozenset({"upslip"})) == ()  # the glossary's


def test_an_english_word_is_not_corrected_into_a_library_word() -> None:
    vocabulary = ["chair", "lowers", "gastrocnemius"]
    assert misspelt("curl my hair", lambda w: w in {"curl", "my"}, vocabulary) == {}
    assert misspelt("gastrocnemus", lambda w: False, vocabulary) == {"gastrocnemus": "gastrocnemius"}


def test_the_asking_sentence_is_what_a_message_asks_about() -> None:
    from assistant.query import asking

    assert asking("No dizziness, sleeps fine. How do I stretch the calf?") == "How do I stretch the calf?"
    assert asking("calf stretch on a step") == "calf stretch on a step"


def test_negations_name_what_is_not_meant() -> None:
    from assistant.names import negated

    assert negated("Front squat with a barbell (not dumbbells, not the Smith machine)?") == ["dumbbells", "smith machine"]
    assert negated("Chest press with dumbbells rather than a barbell") == ["barbell"]
    assert negated("Good mornings, not on the Smith machine") == ["smith machine"]


def test_a_plural_lay_term_means_the_same_and_a_phrase_inside_a_longer_one_does_not_count() -> None:
    assert "triceps" in lexicon().meanings("something for the back of my upper arms")
    meanings = lexicon().meanings("DB lat raises")
    assert "lateral raise" in meanings and "latissimus dorsi" not in meanings


def test_the_glossary_is_a_typed_rule_file() -> None:
    import pytest

    from assistant.glossary import GlossaryFile, glossary
    from techniques.data import parse_data
    from techniques.errors import TechniquesError

    assert "upslip" in glossary().words and "ql" in glossary().abbreviations
    with pytest.raises(TechniquesError, match="groups"):
        parse_data({"abbreviations": ["ql"], "groups": "ql, quadratus lumborum"}, GlossaryFile, "glossary.yaml")
    with pytest.raises(TechniquesError, match="synonyms"):
        parse_data({"groups": [["ql"]], "synonyms": []}, GlossaryFile, "glossary.yaml")


def test_a_word_made_from_a_library_word_is_not_foreign():
    from assistant.query import foreign

    known = {"length", "strength", "row", "curl"}.__contains__
    found = foreign("which stretch lengthens it, and what strengthening helps? row a canoe", lambda w: known(w), None)
    assert "canoe" in found
    assert "lengthens" not in found and "strengthening" not in found
