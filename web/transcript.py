"""Answers and whole conversations as Markdown files to download and keep.

An exported answer carries everything needed to check it later away from the app: the
question, the card (steps, cautions and the disclaimer), and every cited passage in full.
No gradio here; the files go to a temporary folder, never the data folder.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.render import markdown, md
from assistant.answer import Answer
from web.render import quote


@dataclass(frozen=True)
class Turn:
    """One question of a conversation (as typed) and its answer."""

    question: str
    answer: Answer


def answer_markdown(turn: Turn, number: int | None = None) -> str:
    """One question and its answer, rendered by the same envelope as every surface (so its
    cautions and disclaimer appear exactly once), then every cited passage in full."""
    answer = turn.answer
    title = f"Question {number}" if number is not None else "Question"
    parts = [f"## {title}", quote(turn.question), "### Answer", markdown(answer)]
    if answer.citations:
        parts.append("### Sources")
        for c in answer.citations:
            parts.append(f"**\\[{c.n}\\] {md(c.title)}** — {md(c.section)} (`{c.doc_id}`)\n\n{quote(c.text)}")
    return "\n\n".join(parts) + "\n"


def conversation_markdown(turns: Sequence[Turn]) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (
        f"# Technique assistant conversation\n\n*Exported {stamp}. Every step cites the passage it comes from; "
        "the sources follow each answer.*\n"
    )
    return "\n".join([head, *(answer_markdown(t, i) for i, t in enumerate(turns, start=1))])


class ExportFolder:
    """A private temporary folder for export files, created on first use. Gradio serves a copy
    of each file from its own cache; files here older than `max_age` seconds are removed."""

    def __init__(self, root: str | Path | None = None, max_age: float = 3600.0) -> None:
        self._root = Path(root) if root is not None else None
        self.max_age = max_age

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="techniques-export-"))
        return self._root

    def write(self, stem: str, text: str) -> Path:
        return self.write_bytes(stem, ".md", text.encode("utf-8"))

    def write_bytes(self, stem: str, suffix: str, data: bytes) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        self._prune()
        folder = Path(tempfile.mkdtemp(dir=self.root))  # one folder per file: names stay readable
        path = folder / f"{stem}{suffix}"
        path.write_bytes(data)
        return path

    def _prune(self) -> None:
        cutoff = time.time() - self.max_age
        for folder in self.root.iterdir():
            try:
                if folder.is_dir() and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue  # another worker removed it first
