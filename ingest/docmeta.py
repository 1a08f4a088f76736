"""Metadata a document carries inside its own text, taken out of the text.

An exercise library's markdown opens with a fenced block of `key: value` lines (type, primary
and secondary muscles, equipment) and ends with image links; an HTML page names its author and
licence in `<meta>` tags. Left in, the block and the links would be indexed and cited as if they
were technique text; taken out, they become metadata (muscles, equipment, region, images,
author, license) that retrieval and attribution can use. Which keys count, and the body region
of each muscle, are data (data/structure.yaml).
"""

from __future__ import annotations

import posixpath
import re

from ingest.structure import structure

_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n(?P<body>.*?)\n[ \t]*\1[ \t]*$", re.M | re.S)
_KEY_VALUE = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z _-]{0,30}?)\s*:\s*(?P<value>.*?)\s*$")
_FIRST_SECTION = re.compile(r"^\s{0,3}#{2,6}\s", re.M)
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\(\s*<?(?P<src>[^)\s>]+)>?(?:\s+[\"'][^\"'\n]*[\"'])?\s*\)")
_BLOCKQUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.M)
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def markdown_metadata(text: str) -> tuple[str, dict[str, object]]:
    """(text without its metadata block and image links, the metadata they carried)."""
    meta: dict[str, object] = {}
    text, block = _take_block(text)
    meta.update(block)
    text, images = _take_images(text)
    if images:
        meta["images"] = images
    # a quoted summary ("> Works the abs...") is the document's own text, not a quotation
    return _BLOCKQUOTE.sub("", text), meta


def html_metadata(soup) -> dict[str, object]:
    """Author, licence and relative image paths of a parsed HTML page (BeautifulSoup)."""
    meta: dict[str, object] = {}
    for name in ("author", "license"):
        tag = soup.find("meta", attrs={"name": re.compile(rf"^(dc\.|dcterms\.)?{name}$", re.I)})
        content = " ".join(str(tag.get("content") or "").split()) if tag else ""
        if content:
            meta[name] = content
    images = _unique(_relative(str(img.get("src") or "")) for img in soup.find_all("img"))
    if images:
        meta["images"] = images
    return meta


def regions_of(muscles: list[str]) -> list[str]:
    """The body regions (data/structure.yaml `muscle_regions`) of the named muscles, in order."""
    found: list[str] = []
    for muscle in muscles:
        # the longest name that matches wins: "biceps femoris" is the thigh, "biceps" the arm
        named = [(len(m), e.region) for e in structure().muscle_regions for m in e.muscles
                 if re.search(rf"\b{re.escape(m)}\b", muscle, re.I)]
        if named and (region := max(named)[1]) not in found:
            found.append(region)
    return found


def _take_block(text: str) -> tuple[str, dict[str, object]]:
    """The first fenced block before the first section, when it is `key: value` metadata."""
    first_section = _FIRST_SECTION.search(text)
    fence = _FENCE.search(text)
    if fence is None or (first_section is not None and fence.start() > first_section.start()):
        return text, {}
    meta = _block_metadata(fence.group("body"))
    if meta is None:
        return text, {}
    return text[: fence.start()] + text[fence.end():], meta


def _block_metadata(body: str) -> dict[str, object] | None:
    rules = structure().metadata_block
    pairs = []
    for line in body.split("\n"):
        if not line.strip():
            continue
        m = _KEY_VALUE.match(line)
        if m is None:
            return None  # a line that is not `key: value`: code or text, not metadata
        pairs.append((" ".join(m.group("key").lower().replace("_", " ").split()), m.group("value")))
    known = [(rules.keys[k], v) for k, v in pairs if k in rules.keys]
    if not pairs or 2 * len(known) < len(pairs):
        return None
    meta: dict[str, object] = {}
    for key, value in known:
        if key in rules.list_keys:
            items = [v.strip() for v in value.split(",") if v.strip()]
            previous = meta.get(key) if isinstance(meta.get(key), list) else []
            if items or key not in meta:
                meta[key] = _unique([*previous, *items])
        elif value:
            meta[key] = value
    meta = {k: v for k, v in meta.items() if v not in ("", [])}
    if "region" not in meta and (regions := regions_of(_strings(meta.get("muscles")))):
        meta["region"] = regions
    return meta


def _take_images(text: str) -> tuple[str, list[str]]:
    images = _unique(_relative(m.group("src")) for m in _MD_IMAGE.finditer(text))
    return _MD_IMAGE.sub("", text), images


def _relative(src: str) -> str:
    """A path relative to the document ("../svg/0286-tension.svg"), or "" for a remote or
    inline image (nothing is fetched, ever)."""
    src = src.strip()
    if not src or _REMOTE.match(src) or src.startswith("/"):
        return ""
    return posixpath.normpath(src)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])


def _unique(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))
