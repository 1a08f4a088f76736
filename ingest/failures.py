"""A store that cannot be written, in words: disk full, read-only, a data folder that is a file.

Chroma and SQLite report these as whatever their layer saw ("Error in compaction: ...",
"database or disk is full", "attempt to write a readonly database", a bare OSError); the ingest
turns each into one `TechniquesError` that says what is wrong and that the published index was
kept, after removing the version it had started.
"""

from __future__ import annotations

import errno
from pathlib import Path

from techniques.errors import TechniquesError

_FULL = ("no space left", "disk is full", "database or disk is full", "os error 28", "quota exceeded")
_READ_ONLY = ("read-only file system", "readonly database", "read only", "os error 30", "permission denied",
              "os error 13")


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def store_failure(exc: BaseException, data_dir: Path, *, kept: bool, reading: Path | None = None) -> TechniquesError | None:
    """The clear error for a write the store refused, or None when `exc` is something else.
    `reading`: the version folder being opened (Chroma writes beside an index even to read it)."""
    kept_text = " The published index was kept; nothing was changed." if kept else ""
    for e in _chain(exc):
        code = e.errno if isinstance(e, OSError) else None
        text = str(e).lower()
        if code in (errno.ENOSPC, errno.EDQUOT) or any(p in text for p in _FULL):
            if reading is not None:
                return TechniquesError(f"The index in {reading} cannot be opened: the disk holding {data_dir} is full.",
                                       hint="Free some disk space; the index itself is intact.")
            return TechniquesError(f"There is not enough disk space in {data_dir} to write a new index version.{kept_text}",
                                   hint="Free some disk space (or point --store at a folder on another disk) and run the ingest again.")
        if code in (errno.EROFS, errno.EACCES, errno.EPERM) or any(p in text for p in _READ_ONLY):
            if reading is not None:
                return TechniquesError(f"The index in {reading} cannot be opened: {data_dir} is read-only, and Chroma "
                                       "writes beside an index even to read it.",
                                       hint="Make the folder writable for this user, or copy it somewhere writable and point --store there.")
            return TechniquesError(f"The data folder {data_dir} is read-only: a new index version cannot be written there.{kept_text}",
                                   hint="Make the folder writable for this user, or point --store at a writable folder.")
    return None


def not_a_folder(data_dir: Path) -> TechniquesError:
    return TechniquesError(f"The data folder {data_dir} is a file, not a folder.",
                           hint="Point --store (or TECHNIQUES_DATA_DIR) at a folder; it is created when missing.")
