"""Read technique documents (text, markdown, HTML, PDF) into `LoadedDocument`s.

`discover` turns the paths a user gives into the files to ingest, `load_catalog` reads a
folder's per-document metadata, and `load` reads one file. A file that cannot be used raises
`SkipFile` with a one-line reason saying what to do, so a batch ingest can record it and go on.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml
from ingest.docmeta import markdown_metadata
from ingest.files import CATALOG_NAME, FORMATS, SkipFile, not_regular, read_file, unsupported
from ingest.types import LoadedDocument, Page
from techniques.errors import TechniquesError

# A share of undecodable bytes or control characters above this means "not a text file".
_BINARY_SHARE = 0.3
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class _Content:
    pages: list[Page]
    overrides: dict[str, object] = field(default_factory=dict)  # win over the catalog
    defaults: dict[str, object] = field(default_factory=dict)  # used where the catalog is silent


def load_catalog(folder: Path) -> dict[str, dict]:
    """The folder's `catalog.yaml` as {doc id: metadata}; empty when there is none."""
    path = Path(folder) / CATALOG_NAME
    if not os.path.lexists(path):
        return {}
    hint = ("Fix the file so each document id (the file name without extension) maps to its "
            "keys, e.g. 'ql-hip-hike: {title: QL Hip Hike}', or remove it.")
    if reason := not_regular(path):  # read like any file of the folder: never through a link
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
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SkipFile(unsupported(path))
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


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
