"""A follow-up that asks for a variant of the technique on screen.

"How do I do a barbell squat?" then "and with dumbbells instead?" asks for the library's
squat with dumbbells, not for the barbell squat again nor for whatever else mentions dumbbells;
"and the left?" after the right-leg calf raise asks for the left-leg one. The variant is the
technique whose name keeps at least half of the name on screen and contains every word the
follow-up adds (lay words and shorthand read through the lexicon); "the other side", "flip my
grip" ask for the opposite of a word the name on screen has (left/right, overhand/underhand:
data/lexicon.yaml `variants`). Of several, the one that adds the fewest other words wins.
"""

from __future__ import annotations

from assistant.lexicon import lexicon
from assistant.library import Library
from assistant.names import name_index, name_words
from assistant.rules import answer_text


def variant(library: Library, previous: str, question: str) -> str | None:
    """The technique `question`, a follow-up about `previous`, asks for instead of it, if any."""
    if not answer_text().followup.search(question):
        return None
    by_term = name_index(library)[1]
    shown = name_words(library, previous)
    if not shown:
        return None
    lex = lexicon()
    spec = lex.data.variants
    said = question + (" " + " ".join(lex.meanings(question)) if lex.meanings(question) else "")
    asked = set(library.informative(library.tokenize(said), answer_text().question_words))
    words = set(library.tokenize(question.lower()))
    if words & set(library.tokenize(" ".join(spec.swap_cues))):
        for a, b in spec.opposites:
            for mine, other in ((a, b), (b, a)):
                if set(library.tokenize(mine)) <= shown:
                    asked.update(library.tokenize(other))
    added = asked - shown
    optional = set(library.tokenize(" ".join([*spec.filler, *spec.swap_cues, *answer_text().aspect_words])))
    # words no technique's name has ("my", "thing") cannot say which variant is meant
    required = {t for t in added - optional if t in by_term}
    # what the follow-up asks for: a word of its own, or a word of a pair ("left", "backwards")
    paired = set(library.tokenize(" ".join(w for pair in spec.opposites for w in pair)))
    signal = required | (added & paired)
    if not signal:
        return None
    context = set(library.tokenize(library.fields.body.get(previous, "")))
    best, best_key = None, None
    for doc_id in set().union(*(by_term.get(t, ()) for t in added)) - {previous}:
        name = name_words(library, doc_id)
        gained = name & signal
        kept = name & shown
        if not gained or not required <= name or 2 * len(kept) < len(shown):
            continue
        # a word the name adds that the technique on screen already uses ("standing" for a curl
        # done standing) adds less than one it does not
        extra = name - shown - asked
        unseen = {t for t in extra if t not in context}
        key = (-len(gained), len(unseen) + len(shown - name), len(extra), -len(kept), doc_id)
        if best_key is None or key < best_key:
            best, best_key = doc_id, key
    return best
