"""What an ingest did, as `techniques ingest` prints it.

File names and skip reasons come from an untrusted folder: a name may hold a newline or a
terminal escape sequence (`\\x1b[2J` clears the operator's screen). Every line is shown with
control and invisible formatting characters escaped, so one file is always one line, as typed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from ingest.files import Skipped


def shown(text: object) -> str:
    """`text` with control, format (bidi, zero-width), separator and surrogate characters written
    as escapes (`\\n`, `\\x1b`, `\\u202e`); printable text, non-ASCII included, as it is."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii")
                       if ch.isascii() or ord(ch) > 0xFF else f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class IngestSummary:
    documents: int = 0
    chunks: int = 0
    cautions: int = 0
    embedded: int = 0
    reused: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    version: str | None = None
    published: bool = False
    store: str = ""

    def lines(self) -> list[str]:
        state = "new index version published" if self.published else "index unchanged"
        out = [
            f"Ingest into {self.store}: {state}" + (f" ({self.version})" if self.version else ""),
            f"  documents: {self.documents} (added {len(self.added)}, changed {len(self.changed)}, "
            f"deleted {len(self.deleted)}, unchanged {len(self.unchanged)})",
            f"  chunks: {self.chunks} (embedded {self.embedded}, reused {self.reused})",
            f"  cautions found: {self.cautions}",
        ]
        out += [f"  warning: {w}" for w in self.warnings]
        out += [f"  skipped {s.path}: {s.reason}" for s in self.skipped]
        out.append(f"  time: {self.seconds:.2f} s")
        return [shown(line) for line in out]
