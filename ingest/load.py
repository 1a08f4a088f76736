"""Read technique documents (text, markdown, HTML, PDF) into `LoadedDocument`s.

`discover` turns the paths a user gives into the files to ingest, `load_catalog` reads a
folder's per-document metadata, and `load` reads one file. A file that cannot be used raises
`SkipFile` with a one-line reason saying what to do, so a batch ingest can record it and go on.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml
from ingest.docmeta import markdown_metadata
from ingest.types import LoadedDocument, Page
from techniques.errors import TechniquesError

_FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES = frozenset(_FORMATS)
MAX_TEXT_BYTES = 10 * 1024 * 1024
MAX_PDF_BYTES = 50 * 1024 * 1024
CATALOG_NAME = "catalog.yaml"

# A share of undecodable bytes or control characters above this means "not a text file".
_BINARY_SHARE = 0.3
_SNIFF_BYTES = 8192



def format_of(path: Path) -> str | None:
    """"txt", "md", "html" or "pdf" by the file's suffix; None when unsupported."""
    return _FORMATS.get(Path(path).suffix.lower())


class SkipFile(Exception):
    """A file that cannot be ingested; `reason` is one line telling the user why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


@dataclass(frozen=True)
class _Content:
    pages: list[Page]
    overrides: dict[str, object] = field(default_factory=dict)  # win over the catalog
    defaults: dict[str, object] = field(default_factory=dict)  # used where the catalog is silent


# ---------------------------------------------------------------------------------- discover


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[Skipped]]:
    """Files to ingest under `paths` (folders expanded recursively, sorted) and those refused."""
    found: list[Path] = []
    skipped: list[Skipped] = []
    by_id: dict[str, Path] = {}
    seen: set[Path] = set()
    for given in map(Path, paths):
        if given.is_dir():
            candidates, refused = _folder_files(given)
            skipped.extend(refused)
        elif given.is_file():
            candidates = [given]
        elif os.path.lexists(given):  # a pipe, device or socket named on the command line
            skipped.append(Skipped(given, _not_regular(given) or "not a regular file"))
            continue
        else:
            skipped.append(Skipped(given, "not found: check the path"))
            continue
        for path in candidates:
            if path.resolve() in seen:  # the same file reached twice is not a duplicate
                continue
            seen.add(path.resolve())
            reason = _refusal(path, explicit=path is given)
            if reason is None and path.stem in by_id:
                reason = (f"duplicate document id '{path.stem}': {by_id[path.stem]} has the same "
                          "name; rename one of them")
            if reason is not None:
                skipped.append(Skipped(path, reason))
                continue
            by_id[path.stem] = path
            found.append(path)
    return found, skipped


def _folder_files(folder: Path) -> tuple[list[Path], list[Skipped]]:
    """The regular files under a folder, and what else is there with the reason it is refused.

    The folder is untrusted: symbolic links inside it are not followed at all (a link to
    /etc/passwd or /dev/zero is never read, and a link loop cannot be entered), and named pipes,
    devices and sockets are refused before anything opens them (a pipe would block the ingest)."""
    files: list[Path] = []
    refused: list[Skipped] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for d in sorted(dirs):
            if not d.startswith(".") and (reason := _not_regular(Path(root, d), folder=True)):
                refused.append(Skipped(Path(root, d), reason))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not Path(root, d).is_symlink())
        for n in sorted(names):
            if n.startswith(".") or n == CATALOG_NAME:
                continue
            if reason := _not_regular(Path(root, n)):
                refused.append(Skipped(Path(root, n), reason))
            else:
                files.append(Path(root, n))
    return sorted(files), refused


def _not_regular(path: Path, *, folder: bool = False) -> str | None:
    """Why `path` (not followed if it is a link) is not a file to read, or None."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(mode):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "a symbolic link loop: remove it"
            return "a broken symbolic link: remove it"
        return ("a symbolic link: links inside a library folder are not followed; copy the "
                + ("folder" if folder else "file") + " in instead")
    if folder and stat.S_ISDIR(mode):
        return None
    if stat.S_ISREG(mode):
        return None
    return f"{_kind(mode)}, not a regular file: only regular files are read"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _refusal(path: Path, *, explicit: bool) -> str | None:
    if explicit and path.name == CATALOG_NAME:
        return "a catalog of metadata, not a document: give its folder instead"
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return _unsupported(path)
    return None


def _unsupported(path: Path) -> str:
    kind = path.suffix.lower() or "(no extension)"
    return f"unsupported file type {kind}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}"


# ----------------------------------------------------------------------------------- catalog


def load_catalog(folder: Path) -> dict[str, dict]:
    """The folder's `catalog.yaml` as {doc id: metadata}; empty when there is none."""
    path = Path(folder) / CATALOG_NAME
    if not os.path.lexists(path):
        return {}
    hint = ("Fix the file so each document id (the file name without extension) maps to its "
            "keys, e.g. 'ql-hip-hike: {title: QL Hip Hike}', or remove it.")
    if reason := _not_regular(path):  # read like any file of the folder: never through a link
        raise TechniquesError(f"{path} is {reason}.",
                              hint="Put the catalog itself in the folder, or remove it.")
    try:
        text = read_file(path).decode("utf-8") if os.path.getsize(path) else ""
        raw = yaml.safe_load(text)
    except SkipFile as exc:
        raise TechniquesError(f"{path} cannot be used: {exc.reason}.", hint=hint) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TechniquesError(f"{path} is not valid YAML ({_one_line(exc)}).", hint=hint) from exc
    if _expands(raw, text):
        raise TechniquesError(f"{path} expands to far more data than it holds (YAML anchors and aliases).",
                              hint="Write each value out instead of using & anchors and * aliases.")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TechniquesError(f"{path} must map document ids to metadata, not be a "
                              f"{type(raw).__name__}.", hint=hint)
    catalog: dict[str, dict] = {}
    for doc_id, entry in raw.items():
        if not isinstance(entry, dict | None):
            raise TechniquesError(f"{path}: the entry for '{doc_id}' must be a mapping of keys, "
                                  f"not a {type(entry).__name__}.", hint=hint)
        catalog[str(doc_id)] = entry or {}
    return catalog


# -------------------------------------------------------------------------------------- load


def load(path: Path, catalog: Mapping[str, dict] | None = None, data: bytes | None = None) -> LoadedDocument:
    """Read one file (or parse its `data`, already read by `read_file`); raise `SkipFile` when
    it cannot be used."""
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SkipFile(_unsupported(path))
    if data is None:
        data = read_file(path)
    content = _read_pdf(data) if fmt == "pdf" else _TEXT_READERS[fmt](_decode(data))
    meta: dict[str, object] = dict((catalog or {}).get(path.stem) or {})
    meta.update(content.overrides)
    for key, value in content.defaults.items():
        meta.setdefault(key, value)
    return LoadedDocument(
        doc_id=path.stem,
        path=path,
        fmt=fmt,
        pages=tuple(content.pages),
        file_hash=hashlib.sha256(data).hexdigest(),
        meta=meta,
    )


def read_file(path: Path) -> bytes:
    """A regular file's bytes, up to its format's size limit, or `SkipFile` with the reason.

    The file is opened without following a symbolic link and without blocking (a FIFO swapped in
    after discovery cannot hang the ingest), checked to be a regular file on the open descriptor,
    and read only up to the limit plus one byte: the cap holds on the bytes read, whatever the
    file's stat size says (a device or /proc file reports 0)."""
    limit = MAX_PDF_BYTES if path.suffix.lower() == ".pdf" else MAX_TEXT_BYTES
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SkipFile("not found: check the path") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SkipFile("a symbolic link: links inside a library folder are not followed; copy the file in instead") from None
        if exc.errno == errno.EISDIR:
            raise SkipFile("a folder, not a file: give it to discover() instead") from None
        raise SkipFile(f"cannot be read ({exc.strerror}): check its permissions") from None
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise SkipFile("a folder, not a file: give it to discover() instead")
        if not stat.S_ISREG(mode):
            raise SkipFile(f"{_kind(mode)}, not a regular file: only regular files are read")
        if st.st_size > limit:  # refused without reading it
            raise SkipFile(_too_large(f"{_megabytes(st.st_size)} is", limit, path))
        parts: list[bytes] = []
        size = 0
        while size <= limit and (part := os.read(fd, min(1 << 20, limit + 1 - size))):
            parts.append(part)
            size += len(part)
    except OSError as exc:
        raise SkipFile(f"cannot be read ({exc.strerror}): check its permissions") from None
    finally:
        os.close(fd)
    if size > limit:  # its stat size said otherwise (a file still growing, /proc, ...)
        raise SkipFile(_too_large("its content is", limit, path))
    if size == 0:
        raise SkipFile("empty file (0 bytes): nothing to ingest")
    return b"".join(parts)


def _too_large(size: str, limit: int, path: Path) -> str:
    return (f"too large: {size} over the {_megabytes(limit)} limit for {path.suffix.lower()} files; "
            "split it into smaller documents")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SkipFile("UTF-16 text: save the file as UTF-8")
    if b"\x00" in data or _looks_binary(data[:_SNIFF_BYTES]):
        raise SkipFile("binary content, not text: check the file type or export it as text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not valid UTF-8 at byte {exc.start}: save the file as UTF-8") from None
    if not text.strip():
        raise SkipFile("contains only whitespace: nothing to ingest")
    return _normalise(text)


def _looks_binary(sample: bytes) -> bool:
    text = sample.decode("utf-8", errors="replace")
    odd = sum(ch == "\ufffd" or (ch < " " and ch not in "\n\r\t\f\v") for ch in text)
    return odd > _BINARY_SHARE * len(text)


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    return text.expandtabs(4)


def _single_page(text: str) -> list[Page]:
    text = text.strip("\n").rstrip()
    return [Page(text)] if text.strip() else []


def _read_txt(text: str) -> _Content:
    return _Content(_single_page(text))


def _read_markdown(text: str) -> _Content:
    handler = frontmatter.YAMLHandler()
    meta: dict[str, object] = {}
    if handler.detect(text):
        block, body = handler.split(text)
        try:
            parsed = handler.load(block)
        except yaml.YAMLError as exc:
            raise SkipFile(f"front matter is not valid YAML ({_one_line(exc)}): fix the --- "
                           "block at the top") from None
        if _expands(parsed, block):
            raise SkipFile("front matter expands to far more data than it holds (YAML anchors and "
                           "aliases): write each value out instead")
        # A leading "---" that opens no mapping is a thematic break, not front matter.
        if isinstance(parsed, dict | None):
            meta, text = dict(parsed or {}), body
    text, carried = markdown_metadata(text)  # a fenced metadata block, image links
    pages = _single_page(text)
    if not pages:
        raise SkipFile("only front matter, no text: add the technique text below the --- block")
    return _Content(pages, overrides=meta, defaults=carried)


def _read_html(text: str) -> _Content:
    from ingest.html import html_document  # BeautifulSoup: imported when there is HTML to read

    body, title, carried = html_document(text)
    pages = _single_page(_normalise(body))
    if not pages:
        raise SkipFile("no readable text once scripts, navigation and page chrome are removed")
    return _Content(pages, defaults={**carried, "title": title} if title else carried)


_TEXT_READERS: dict[str, Callable[[str], _Content]] = {
    "txt": _read_txt,
    "md": _read_markdown,
    "html": _read_html,
}


def _read_pdf(data: bytes) -> _Content:
    password_hint = ("the PDF is encrypted: save a password-free copy (e.g. print it to PDF) "
                     "and ingest that")
    from pypdf import PdfReader  # imported when there is a PDF to read
    from pypdf.errors import DependencyError

    # pypdf raises many exception types on damaged files; every one means "cannot read this".
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise SkipFile(password_hint)
            except DependencyError:
                raise SkipFile(password_hint) from None
        texts = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or ""
    except (SkipFile, MemoryError):  # out of memory is the parse budget's to report (ingest.budget)
        raise
    except Exception as exc:
        raise SkipFile(f"corrupt or unreadable PDF ({_one_line(exc)}): re-export or download it "
                       "again") from None
    pages = [Page(_normalise(t).strip("\n").rstrip(), number=i)
             for i, t in enumerate(texts, start=1) if t.strip()]
    if not pages:
        raise SkipFile("the PDF has no text layer, probably scanned: run OCR on it (e.g. "
                       "ocrmypdf) and ingest the result")
    return _Content(pages, defaults={"title": title.strip()} if title.strip() else {})


def _expands(value: object, text: str) -> bool:
    """Whether YAML data is far bigger than the text it came from. A few lines of anchors and
    aliases can stand for gigabytes once expanded (a "billion laughs"), which is what storing the
    metadata as JSON would do; the walk stops as soon as the data is too big."""
    limit = 10_000 + 2 * len(text)
    size, stack = 0, [value]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        size += len(item) if isinstance(item, str) else 1
    return size > limit


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".removesuffix(".0") + " MB"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
