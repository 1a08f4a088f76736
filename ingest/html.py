"""HTML to the loader's markdown-ish text: page chrome dropped, headings as `#` lines,
list items as `- `/`1. ` lines, tables as `a | b` rows, no tag ever kept."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from ingest.docmeta import html_metadata


_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "svg", "head", "template", "button")
_CHROME_WORDS = frozenset({"nav", "navbar", "navigation", "menu", "sidebar", "cookie", "cookies",
                           "share", "sharing", "social", "comment", "comments", "breadcrumb",
                           "breadcrumbs"})
_CHROME_ROLES = frozenset({"navigation", "menu", "menubar", "banner", "contentinfo",
                           "complementary", "search"})
_KEEP_TAGS = ("html", "body", "main", "article", "h1")
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK_TAGS = frozenset({"address", "article", "aside", "blockquote", "body", "dd", "details",
                         "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
                         "header", "hr", "html", "li", "main", "p", "section", "summary",
                         "caption", "center"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
# Escaped markup in a page's text (double-encoded HTML) would otherwise reach the index.
_TAG_LIKE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")


def html_to_text(markup: str) -> tuple[str, str]:
    """(text, title) of an HTML page."""
    text, title, _ = html_document(markup)
    return text, title


def html_document(markup: str) -> tuple[str, str, dict[str, object]]:
    """(text, title, metadata) of an HTML page: the metadata is its author, licence and the
    images it shows (ingest/docmeta.py), read before the page chrome is dropped."""
    soup = BeautifulSoup(markup, "html.parser")
    title = _html_title(soup)
    meta = html_metadata(soup)
    _drop_chrome(soup)
    root = _html_root(soup)
    text = _html_text(root)
    if not text.strip():
        text = _html_text(soup)
    return text, title, meta



def _html_title(soup: BeautifulSoup) -> str:
    return _HTML_SPACE.sub(" ", soup.title.get_text()).strip() if soup.title else ""


def _drop_chrome(soup: BeautifulSoup) -> None:
    # An <article>'s own <header> holds its title, not the site's banner.
    dropped = [tag for tag in soup.find_all(_DROP_TAGS)
               if tag.name != "header" or not tag.find_parent(("article", "main"))]
    for tag in dropped + soup.find_all(_is_chrome):
        if not tag.decomposed:
            tag.decompose()


def _is_chrome(tag: Tag) -> bool:
    names = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")]).lower()
    said = (str(tag.get("role") or "").lower() in _CHROME_ROLES
            or not _CHROME_WORDS.isdisjoint(re.split(r"[-_\s]+", names)))
    # Never drop what holds the article itself (a body with class "has-sidebar", say).
    return said and tag.name not in _KEEP_TAGS and tag.find(_KEEP_TAGS) is None


def _html_root(soup: BeautifulSoup) -> Tag:
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main is not None:
        return main
    articles = soup.find_all("article")
    if len(articles) == 1:
        return articles[0]
    return soup.body or soup


def _html_text(root: Tag) -> str:
    return _TAG_LIKE.sub("", "\n\n".join(_html_blocks(root)))


def _html_blocks(node: Tag) -> list[str]:
    """The node's content as markdown-ish blocks: headings, lists, paragraphs, table rows."""
    blocks: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        text = _tidy_inline("".join(inline))
        inline.clear()
        if text:
            blocks.append(text)

    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, doctype, CDATA
            continue
        if isinstance(child, NavigableString):
            inline.append(_HTML_SPACE.sub(" ", str(child)))
            continue
        if not isinstance(child, Tag):
            continue
        if child.name == "br":
            inline.append("\n")
        elif child.name in _HEADINGS:
            flush()
            if heading := _inline_text(child).replace("\n", " "):
                blocks.append(f"{'#' * _HEADINGS[child.name]} {heading}")
        elif child.name in ("ul", "ol"):
            flush()
            blocks.append("\n".join(_list_lines(child)))
        elif child.name == "pre":
            flush()
            blocks.append(child.get_text().strip("\n"))
        elif child.name == "table":
            flush()
            blocks.append("\n".join(_table_rows(child)))
        elif child.name in _BLOCK_TAGS or child.find(("p", "div", "ul", "ol", *_HEADINGS)):
            flush()
            blocks.extend(_html_blocks(child))
        else:
            inline.append(_inline_raw(child))
    flush()
    return [b for b in blocks if b.strip()]


def _list_lines(lst: Tag) -> list[str]:
    items = lst.find_all("li", recursive=False) or [
        li for li in lst.find_all("li") if li.find_parent(("ul", "ol")) is lst
    ]
    number = _as_int(lst.get("start"), 1)
    lines: list[str] = []
    for item in items:
        number = _as_int(item.get("value"), number)
        marker = f"{number}. " if lst.name == "ol" else "- "
        parts = _html_blocks(item)
        if not parts:
            continue
        first, *rest = "\n".join(parts).split("\n")
        lines.append(marker + first)
        lines.extend(" " * len(marker) + line if line else line for line in rest)
        number += 1
    return [line for line in lines if line.strip()]


def _table_rows(table: Tag) -> list[str]:
    rows = []
    for row in table.find_all("tr"):
        cells = [_inline_text(c).replace("\n", " ") for c in row.find_all(("td", "th"))]
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _inline_raw(tag: Tag) -> str:
    parts = []
    for node in tag.descendants:
        if isinstance(node, Tag) and node.name == "br":
            parts.append("\n")
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            parts.append(_HTML_SPACE.sub(" ", str(node)))
    return "".join(parts)


def _inline_text(tag: Tag) -> str:
    return _tidy_inline(_inline_raw(tag))


def _tidy_inline(text: str) -> str:
    lines = (re.sub(" {2,}", " ", line).strip(" ") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# ----------------------------------------------------------------------------------- helpers


def _as_int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default
