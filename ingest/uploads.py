"""Documents uploaded through the web app: checked on their bytes, kept under a safe name.

An upload is accepted only as `.txt`, `.md`, `.html` or `.pdf`, within a size limit, and when
its bytes are what its name says (a PDF starts with `%PDF-`; a text file is UTF-8 without NUL
bytes, so a renamed binary is refused before it is stored). The stored name is derived from the
given one (its last path component only, ASCII letters and digits joined by `-`, lower case)
and becomes the document id. Files are written atomically: a dot-file first, which ingest
ignores, then renamed. Deeper problems (an image-only PDF, a page of chrome) are the ingest's to
find; they show as a skipped document with its reason.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from techniques.errors import TechniquesError

SUFFIXES = (".txt", ".md", ".html", ".pdf")
_ALIASES = {".markdown": ".md", ".htm": ".html"}
# A technique sheet is a few KB and a long illustrated manual a few MB; these bound what one
# request may make the app hold and stay under the loader's own limits (10 MB text, 50 MB PDF).
MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_STEM = 80


def safe_name(filename: str) -> str:
    """`My QL stretch (v2).MD` -> `my-ql-stretch-v2.md`; a TechniquesError when nothing usable is left."""
    base = re.split(r"[\\/]", filename or "")[-1]  # a browser may send a whole client-side path
    stem, suffix = os.path.splitext(base)
    suffix = _ALIASES.get(suffix.lower(), suffix.lower())
    if suffix not in SUFFIXES:
        raise TechniquesError(
            f"{base!r} is not a supported document: upload {', '.join(SUFFIXES)} files.",
        )
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    clean = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:MAX_STEM].strip("-")
    if not clean:
        raise TechniquesError(f"{base!r} has no usable name.", hint="Rename it with letters or digits, e.g. `ql-stretch.md`.")
    return clean + suffix


def check_content(name: str, data: bytes, *, max_text: int = MAX_TEXT_BYTES, max_pdf: int = MAX_PDF_BYTES) -> None:
    """Refuse bytes that are empty, too large, or not the type `name` says."""
    is_pdf = name.endswith(".pdf")
    limit = max_pdf if is_pdf else max_text
    if not data.strip():
        raise TechniquesError(f"{name} is empty.")
    if len(data) > limit:
        raise TechniquesError(
            f"{name} is {_size(len(data))}; the limit for {'a PDF' if is_pdf else 'a text document'} is {_size(limit)}.",
            hint="Split it into one document per technique.",
        )
    if is_pdf:
        if b"%PDF-" not in data[:1024]:
            raise TechniquesError(f"{name} is not a PDF (it does not start like one).", hint="Check the file, or export it as PDF again.")
        return
    if data.startswith(b"%PDF-"):
        raise TechniquesError(f"{name} is a PDF named as text.", hint="Upload it with a .pdf name.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TechniquesError(f"{name} is UTF-16 text.", hint="Save it as UTF-8 and upload it again.")
    if b"\x00" in data:
        raise TechniquesError(f"{name} is binary, not text.", hint="Check the file type, or export it as text.")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TechniquesError(f"{name} is not UTF-8 text (byte {exc.start}).", hint="Save it as UTF-8 and upload it again.") from None


def write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # a dot-file: ingest skips it
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # clinic documents: readable by the app's user only
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise TechniquesError(f"Cannot store {target.name} in {target.parent} ({exc.strerror or exc}).",
                              hint="Check that the data folder is writable and not full.") from None


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{-(-size // 1024)} KB"
