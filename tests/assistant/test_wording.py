"""How a question's words are read against a library's names (held-apart examples, not dev-set
cases): names said together, names written as one word or two, body parts that only place the
body, singular forms of Latin plurals, short cards, and gate words with an everyday sense."""

from __future__ import annotations

import pytest

from assistant.lexicon import lexicon
from assistant.proximity import positions, together

# ----------------------------------------------------------------------------- proximity


def test_together_counts_the_name_words_said_close_together() -> None:
    where = positions("how do i do a chin up on the bar".split())
    assert together({"chin", "up"}, where) == 2
    scattered = positions("pull my chin straight back to line my head up with my spine".split())
    assert together({"chin", "up"}, scattered) == 1  # both words, eight words apart
    assert together({"hamstring", "stretch"}, positions("stretch for the hamstring".split())) == 2  # order free


def test_parts_of_a_text_are_never_one_stretch() -> None:
    where = positions(["calf"], ["raise"])  # the question, then what its terms mean
    assert together({"calf", "raise"}, where) == 1


# --------------------------------------------------------- placement, singulars (lexicon)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Lying on my stomach, how do I lift both legs?", []),
        ("Row with one knee and one hand on the bench", []),
        ("press the weight up with your knees bent", []),
        ("A stretch for my stomach after sitting all day", ["the abdomen"]),
        ("What is a good exercise to strengthen the knee?", ["the knee"]),
        ("What about the shoulder then?", ["the shoulder"]),
        ("hammer curls for the bicep", ["the arm"]),  # the singular of "biceps"
    ],
)
def test_a_body_part_that_places_the_body_is_not_asked_about(question: str, asked: list[str]) -> None:
    assert [a.label for a in lexicon().aspects(question)] == asked


def test_a_placed_body_part_is_kept_apart() -> None:
    assert [a.label for a in lexicon().placed("Lying on my stomach, how do I lift both legs?")] == ["the abdomen"]


# ------------------------------------------------------------------- a library of its own

CARDS = {
    "chin-up.md": "# Chin Up\n\n## Steps\n\n1. Hang from the bar with palms facing you.\n"
                  "2. Pull until the chin passes the bar.\n3. Lower under control.\n",
    "chin-tuck.md": "# Chin tuck\n\n## Steps\n\n1. Sit tall.\n2. Draw the chin straight back, making a double chin.\n"
                    "3. Hold for five seconds and relax.\n",
    "l-sit.md": "# L-sit\n\n## Steps\n\n1. Sit with legs straight.\n2. Press the hands down and lift the hips.\n",
    "muscle-up.md": "# Muscle-up\n\n## Steps\n\n1. Pull explosively above the bar.\n2. Press to straight arms.\n",
    "dead-lift.md": "# Dumbbell dead lifts\n\n## Steps\n\n1. Hold a dumbbell in each hand.\n"
                    "2. Hinge at the hips and lower the weights along the legs.\n3. Stand tall.\n",
    "pull-down.md": "# Lat pull-down\n\n## Steps\n\n1. Sit at the cable station.\n2. Pull the bar to the upper chest.\n",
    "sleeper.md": "# Sleeper stretch\n\n## Steps\n\n1. Lie on your side, the shoulder under you.\n"
                  "2. Lower the forearm toward the floor.\n3. Hold twenty seconds.\n",
}


@pytest.fixture
def cards(library_of):
    return library_of(CARDS)


def test_a_name_is_said_only_when_its_words_are_together(cards) -> None:
    library = cards.library()
    assert "chin-up" in library.mentioned("how many reps of the chin up?")
    assert "chin-up" not in library.mentioned("pull my chin straight back to line my head up with my spine")
    assert "l-sit" not in library.mentioned("the machine where you sit and kick your legs out")  # "L-sit" keeps its L
    assert "l-sit" in library.mentioned("how long should I hold an L-sit?")
    assert "muscle-up" not in library.mentioned("Inner thigh exercise with the cable, standing up?")  # not "up" alone


def test_compounds_are_found_spelt_either_way(cards) -> None:
    from assistant import compounds

    library = cards.library()
    assert compounds.renderings(library, "romanian deadlift") == ["romanian dead lifts"]  # as the name has it
    assert compounds.renderings(library, "lat pulldown") == ["lat pull down"]
    assert compounds.renderings(library, "muscle up") == []  # not a name's one word
    assert cards.ask("How do I do a deadlift with dumbbells?").doc_id == "dead-lift"


def test_a_short_card_covers_the_region_it_names_once(cards) -> None:
    answer = cards.ask("How do I stretch the back of my shoulder lying on my side?")
    assert not answer.no_answer and answer.doc_id == "sleeper"


# ------------------------------------------------- red-flag gates with an everyday sense


@pytest.mark.parametrize("question", [
    "Lower back (erector spinae) exercise on the Smith machine?",
    "How do I fix a puncture on my bicycle?",
])
def test_everyday_senses_of_gate_words_are_not_red_flags(real_embedder, question: str) -> None:
    from assistant.safety.triage import assess

    assert assess(question, embedder=real_embedder) is None


@pytest.mark.parametrize(("question", "category"), [
    ("He has had new erectile problems since his back pain began.", "cauda_equina"),
    ("She has a puncture wound in her lower back from a garden fork.", "infection"),
])
def test_the_medical_senses_still_are(real_embedder, question: str, category: str) -> None:
    from assistant.safety.triage import assess

    flag = assess(question, embedder=real_embedder)
    assert flag is not None and flag.category == category


# ------------------------------------------------------ misspellings by sound, positions


def test_a_word_misspelt_by_its_vowels_is_corrected_to_the_library_word_with_its_consonants() -> None:
    from assistant.query import misspelt, skeleton

    assert skeleton("gastrocnemeus") == skeleton("gastrocnemius")
    vocabulary = ["gastrocnemius", "soleus", "stretch", "piston"]
    assert misspelt("gastrocnemeus stretch", lambda w: w == "stretch", vocabulary) == {"gastrocnemeus": "gastrocnemius"}
    assert misspelt("pistle squat", lambda w: w == "squat", vocabulary) == {}  # "piston" has other consonants


def test_starting_positions_in_lay_words_mean_the_therapist_terms() -> None:
    assert "prone" in lexicon().meanings("lying face down, lift both arms")
    assert "quadruped" in lexicon().meanings("on hands and knees, arch the back")
    assert "supine" not in lexicon().meanings("squat with the bar on my back")  # placing a bar, not lying


# ------------------------------------------------------------------------------ contrasts

PRESSES = {
    "seated-press.md": "# Barbell shoulder press\n\n## Steps\n\n1. Sit on a bench with the back rest upright.\n"
                       "2. Press the bar overhead.\n3. Lower it to the chest.\n",
    "standing-press.md": "# Barbell overhead press\n\n## Steps\n\n1. Stand with the feet hip-width apart.\n"
                         "2. Press the bar overhead.\n3. Lower it to the chest.\n",
}


@pytest.fixture
def presses(library_of):
    return library_of(PRESSES)


def test_a_technique_that_starts_the_other_way_is_ranked_down(presses) -> None:
    from assistant.coverage import contradicts

    library = presses.library()
    standing = frozenset(library.tokenize("standing barbell shoulder press"))
    assert contradicts(library, "seated-press", standing) == 1.0  # it starts sitting on a bench
    assert contradicts(library, "standing-press", standing) == 0.0
    assert contradicts(library, "seated-press", frozenset(library.tokenize("barbell shoulder press"))) == 0.0
    from assistant.retrieve import fuse, retrieve, thresholds

    seated = retrieve(library, presses.embedder, "standing barbell shoulder press").for_doc("seated-press")
    assert seated.fields[-1] == 1.0
    unpenalised = fuse(thresholds().fusion, (*seated.fields[:-1], 0.0))
    assert seated.score == pytest.approx(unpenalised - thresholds().contrast) and thresholds().contrast > 0
