"""Whether a question says a name: its words close together, not scattered over the message.

"How do I pull my chin straight back to line my head up?" has the words of "Chin Up" and of no
exercise called that; "sit back on my heels ... arms reaching forward" is not "Sit and Reach".
A name counts as said where its words fall within one stretch of the question no longer than
the name plus `SLACK` words (order free: "stretch for the hamstrings", "hamstring stretch").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

SLACK = 2  # other words allowed inside a said name ("psoas the therapist stretches" is not one)
GAP = 1_000  # between the parts of a text read as separate (the question and what its terms mean)

Positions = dict[str, list[int]]


def positions(*parts: Sequence[str]) -> Positions:
    """Each word's places in `parts`, read one after the other and never as one stretch."""
    where: Positions = {}
    for k, tokens in enumerate(parts):
        for i, t in enumerate(tokens):
            where.setdefault(t, []).append(k * GAP + i)
    return where


def together(name: Iterable[str], where: Positions, slack: int = SLACK) -> int:
    """How many distinct words of `name` occur within one stretch of len(name) + slack words."""
    words = set(name)
    hits = sorted((p, t) for t in words for p in where.get(t, ()))
    if not hits:
        return 0
    window, seen, start, best = len(words) + slack, Counter(), 0, 0
    for p, t in hits:
        seen[t] += 1
        while hits[start][0] <= p - window:
            gone = hits[start][1]
            seen[gone] -= 1
            if not seen[gone]:
                del seen[gone]
            start += 1
        best = max(best, len(seen))
    return best
