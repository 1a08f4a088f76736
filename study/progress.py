"""A student's progress in words and as a small chart: cards learned, due now, new, retention,
and how many cards fall due on each of the next days.

`summary_lines` is shared by `techniques quiz --stats` and the Study tab; `forecast_svg` is an
inline SVG bar chart (no script, no network, nothing to load) the tab shows as HTML, and
`forecast_text` the same bars for a terminal. Numbers only come from the review store; the few
words are fixed, and escaped all the same.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from study.review import ReviewStats

BAR_WIDTH, BAR_GAP, HEIGHT, LABEL = 22, 6, 90, 16


def summary_lines(stats: ReviewStats, total_items: int) -> list[str]:
    retention = f"{stats.retention:.0%} of {stats.reviews} reviews" if stats.retention is not None else "n/a (no reviews of learned cards yet)"
    new = max(total_items - stats.items_seen, 0)
    return [
        f"Cards learned: {stats.learned} of {total_items}",
        f"Due now: {stats.due} · new: {new} · seen: {stats.items_seen}",
        f"Retention: {retention}",
        f"Answers: {stats.answers}, {stats.correct} right ({stats.accuracy:.0%})" if stats.answers else "Answers: none yet",
    ]


def forecast_text(counts: Sequence[int]) -> str:
    width = max(counts, default=0) or 1
    return "\n".join(f"  {_day(n):>9}  {'#' * round(20 * c / width)} {c}" for n, c in enumerate(counts))


def forecast_svg(counts: Sequence[int], title: str = "Cards due in the next days") -> str:
    top = max(counts, default=0) or 1
    width = len(counts) * (BAR_WIDTH + BAR_GAP) + BAR_GAP
    bars = []
    for n, c in enumerate(counts):
        h = round(HEIGHT * c / top)
        x = BAR_GAP + n * (BAR_WIDTH + BAR_GAP)
        label = html.escape(f"{_day(n)}: {c} due")
        bars.append(
            f'<g><title>{label}</title><rect class="bar" x="{x}" y="{LABEL + HEIGHT - h}" width="{BAR_WIDTH}" height="{h}" fill="#2a9d8f"/>'
            f'<text x="{x + BAR_WIDTH / 2}" y="{LABEL + HEIGHT - h - 3}" font-size="10" text-anchor="middle">{c}</text>'
            f'<text x="{x + BAR_WIDTH / 2}" y="{LABEL * 2 + HEIGHT - 2}" font-size="9" text-anchor="middle">{"now" if n == 0 else f"+{n}d"}</text></g>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{html.escape(title)}" '
        f'width="{width}" height="{HEIGHT + 2 * LABEL + 4}" viewBox="0 0 {width} {HEIGHT + 2 * LABEL + 4}">'
        f"<title>{html.escape(title)}</title>{''.join(bars)}</svg>"
    )


def _day(n: int) -> str:
    return "today" if n == 0 else "tomorrow" if n == 1 else f"in {n} days"
