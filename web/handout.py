"""A one-page handout for the client, made from a technique answer's structured parts.

What a therapist hands over after a session: the steps in plain words (no citation marks), how
to get into position, breathing and how long to hold when the library says so, the technique's
cautions, when to stop and tell the therapist, the referral line (the disclaimer) and the source.
Only an answer about one technique gets a handout: a red flag, a declined question or an answer
without a technique gets none (`handout_html` returns None). HTML here, escaped; the PDF is made
from it in `web.handout_pdf`. No gradio.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from assistant.answer import Answer
from assistant.render import shown_cautions
from assistant.types import Line, Section

e = html.escape
PARTS = {"positioning": "Getting into position", "steps": "What to do", "breathing": "Breathing", "dosage": "How long and how often"}
STOP_IF = (
    "the pain gets sharp, or is worse than when you started",
    "you feel numbness, tingling or weakness in an arm or a leg",
    "you feel dizzy, faint, short of breath or sick",
    "anything happens that worries you",
)
CSS = """
@page { size: A4; margin: 16mm 16mm 14mm 16mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #111827; line-height: 1.35; }
h1 { font-size: 17pt; margin: 0 0 2mm 0; }
h2 { font-size: 12pt; margin: 4mm 0 1mm 0; }
ol, ul { margin: 0 0 0 5mm; padding: 0; }
li { margin: 0 0 1mm 0; }
.cautions { border-left: 3pt solid #b45309; padding: 1mm 3mm; background: #fffbeb; }
.stop { border-left: 3pt solid #b91c1c; padding: 1mm 3mm; background: #fef2f2; }
.referral, .source { font-size: 9pt; color: #374151; }
"""


def has_handout(answer: Answer) -> bool:
    """Only an answer about one technique, with its steps, gets a handout."""
    return (
        answer.title is not None
        and answer.red_flag is None
        and not answer.no_answer
        and (answer.referral is None or answer.referral.kind not in ("red_flag", "declined", "not_covered"))
        and any(s.kind == "steps" and s.lines for s in answer.sections)
    )


def handout_html(answer: Answer) -> str | None:
    """The handout page, or None for an answer that must not have one."""
    if not has_handout(answer):
        return None
    out = [f"<h1>{e(answer.title or '')}</h1>", "<p>Your exercise sheet from your therapist.</p>"]
    for section in _parts(answer.sections):
        out.append(f"<h2>{e(PARTS[section.kind])}</h2>{_section(section)}")
    cautions = "".join(f"<li>{e(c.text)}</li>" for c in shown_cautions(answer))
    out.append(f'<div class="cautions"><h2>Take care</h2><ul>{cautions}</ul></div>')
    stop = "".join(f"<li>{e(s)}</li>" for s in STOP_IF)
    out.append(f'<div class="stop"><h2>Stop and tell your therapist if…</h2><ul>{stop}</ul></div>')
    out.append(f'<p class="referral"><strong>Please note:</strong> {e(answer.disclaimer)}</p>')
    out.append(f'<p class="source"><strong>Source:</strong> {e(_source(answer))}</p>')
    body = "".join(out)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(answer.title or "Handout")}</title>'
        f"<style>{CSS}</style></head><body>{body}</body></html>"
    )


def _parts(sections: Sequence[Section]) -> list[Section]:
    found = {s.kind: s for s in sections if s.kind in PARTS and s.lines}
    return [found[k] for k in PARTS if k in found]


def _section(section: Section) -> str:
    items: list[str] = []
    for line in section.lines:
        text = _plain(line)
        if line.joined and items:
            items[-1] += " " + text
        elif line.sub and items:
            items[-1] += f"<br>{e(line.sub)} {text}"
        else:
            items.append(text)
    if section.kind in ("breathing", "dosage"):
        return "".join(f"<p>{item}</p>" for item in items)
    tag = "ol" if section.kind == "steps" else "ul"
    return f"<{tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"


def _plain(line: Line) -> str:
    """A line as the client reads it: its text, without the citation marks."""
    label = f"{e(line.label)}: " if line.label else ""
    return label + e(line.text)


def _source(answer: Answer) -> str:
    titles = list(dict.fromkeys(c.title for c in answer.citations)) or [answer.title or ""]
    return "; ".join(titles) + " (the clinic's technique library)"
