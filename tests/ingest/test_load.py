"""Tests for ingest.load: discovery, the catalog, each format, and every way a file is refused."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from ingest.files import MAX_TEXT_BYTES, SUPPORTED_SUFFIXES, SkipFile, discover
from ingest.load import load, load_catalog
from techniques.errors import TechniquesError

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CORPUS_IDS = sorted(p.stem for p in CORPUS.glob("*.txt"))


def pdf_bytes(pages: list[str]) -> bytes:
    """A minimal valid PDF with one Helvetica text line per line of each page's text."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        shows = " ".join(f"({line}) Tj T*" for line in text.split("\n") if line)
        ops = f"BT /F1 12 Tf 72 720 Td 14 TL {shows} ET"
        objects.append(f"<< /Length {len(ops)} >>\nstream\n{ops}\nendstream")
        objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>")
        kids.append(len(objects))
    objects[1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
                  f"/Count {len(kids)} >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def encrypted(pdf: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password, owner_password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def skip_reason(path: Path) -> str:
    with pytest.raises(SkipFile) as caught:
        load(path)
    assert "\n" not in caught.value.reason
    return caught.value.reason


# ------------------------------------------------------------------------------ the corpus


@pytest.mark.parametrize("doc_id", CORPUS_IDS)
def test_each_corpus_file_loads_as_one_page_with_its_catalog_metadata(doc_id: str) -> None:
    path = CORPUS / f"{doc_id}.txt"
    catalog = load_catalog(CORPUS)

    doc = load(path, catalog)

    assert (doc.doc_id, doc.fmt, doc.path) == (doc_id, "txt", path)
    assert len(doc.pages) == 1 and doc.pages[0].number is None
    assert doc.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.meta == catalog[doc_id]
    assert "\u00a0" not in doc.text and "\r" not in doc.text and "\t" not in doc.text


def test_catalog_metadata_reaches_meta() -> None:
    doc = load(CORPUS / "ql-hip-hike.txt", load_catalog(CORPUS))
    assert doc.meta["title"] == "QL Hip Hike"
    assert doc.meta["type"] == "stretch"


def test_text_is_kept_as_published_apart_from_whitespace() -> None:
    doc = load(CORPUS / "hip-back-pain-stretches.txt")
    assert "    • arthritis," in doc.text  # nested list indentation survives
    assert "compressive groin pain" in doc.text
    assert "back pains.  This is" in doc.text  # the NBSP became a space, nothing else changed


def test_discover_finds_the_corpus_sorted_without_the_catalog() -> None:
    files, skipped = discover([CORPUS])
    assert [p.stem for p in files] == CORPUS_IDS
    assert skipped == []


# --------------------------------------------------------------------------------- discover


def test_discover_expands_folders_recursively_and_ignores_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/two.md", "a-one.txt", ".hidden.txt", ".git/config.txt", "catalog.yaml"):
        (tmp_path / name).write_text("text", encoding="utf-8")

    files, skipped = discover([tmp_path])

    assert files == [tmp_path / "a-one.txt", tmp_path / "b" / "two.md"]
    assert skipped == []


def test_discover_skips_an_unsupported_type_naming_the_supported_ones(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "ok.txt").write_text("text", encoding="utf-8")

    files, skipped = discover([tmp_path])

    assert files == [tmp_path / "ok.txt"]
    assert [s.path for s in skipped] == [tmp_path / "notes.docx"]
    assert "unsupported file type .docx" in skipped[0].reason
    assert all(suffix in skipped[0].reason for suffix in SUPPORTED_SUFFIXES)


def test_discover_skips_a_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    files, skipped = discover([missing])
    assert files == []
    assert skipped[0].path == missing and "not found" in skipped[0].reason


def test_discover_skips_a_second_file_with_the_same_doc_id(tmp_path: Path) -> None:
    for name in ("a/psoas.txt", "b/psoas.md"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("text", encoding="utf-8")

    files, skipped = discover([tmp_path])

    assert files == [tmp_path / "a" / "psoas.txt"]
    assert skipped[0].path == tmp_path / "b" / "psoas.md"
    assert "duplicate document id 'psoas'" in skipped[0].reason
    assert str(tmp_path / "a" / "psoas.txt") in skipped[0].reason


def test_discover_does_not_call_the_same_file_twice_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("text", encoding="utf-8")
    assert discover([tmp_path, path]) == ([path], [])


# ---------------------------------------------------------------------------------- catalog


def test_load_catalog_is_empty_without_a_catalog(tmp_path: Path) -> None:
    assert load_catalog(tmp_path) == {}


@pytest.mark.parametrize("text", ["ql: [unclosed\n", "- just\n- a list\n", "ql: a string\n"])
def test_a_malformed_catalog_is_a_user_error_with_a_hint(tmp_path: Path, text: str) -> None:
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(TechniquesError) as caught:
        load_catalog(tmp_path)
    assert "catalog.yaml" in caught.value.message
    assert caught.value.hint and "document id" in caught.value.hint


# ----------------------------------------------------------------------------------- formats


def test_markdown_front_matter_is_stripped_and_overrides_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "psoas.md"
    path.write_text("---\ntitle: Psoas (front matter)\nregion: [hip]\n---\n"
                    "# Psoas release\n\n- Client supine.\n1. Go slowly.\n", encoding="utf-8")
    catalog = {"psoas": {"title": "Psoas (catalog)", "type": "manual release"}}

    doc = load(path, catalog)

    assert doc.fmt == "md"
    assert doc.meta == {"title": "Psoas (front matter)", "type": "manual release",
                        "region": ["hip"]}
    assert doc.text == "# Psoas release\n\n- Client supine.\n1. Go slowly."


def test_markdown_opening_with_a_thematic_break_keeps_its_text(tmp_path: Path) -> None:
    path = tmp_path / "rule.md"
    path.write_text("---\nHold for 30 seconds.\n---\nRepeat twice.\n", encoding="utf-8")
    doc = load(path)
    assert doc.text == "---\nHold for 30 seconds.\n---\nRepeat twice."
    assert doc.meta == {}


def test_markdown_with_only_front_matter_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bare.md"
    path.write_text("---\ntitle: Bare\n---\n\n", encoding="utf-8")
    assert "only front matter" in skip_reason(path)


def test_markdown_with_broken_front_matter_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "broken.markdown"
    path.write_text("---\ntitle: [unclosed\n---\nText\n", encoding="utf-8")
    assert "front matter is not valid YAML" in skip_reason(path)


HTML = """<!DOCTYPE html>
<html><head><title>Supine  Hamstring Stretch | Clinic</title>
<style>body { color: red }</style><script>alert("tracking")</script></head>
<body class="has-sidebar">
<header><nav><ul><li>Home</li><li>About us</li></ul></nav></header>
<div class="cookie-banner">We use cookies.</div>
<main><article>
<header><h1>Supine Hamstring Stretch</h1></header>
<p>The client lies <b>supine</b> on the table.<br>Keep the  other leg flat.</p>
<!-- an editor's comment -->
<h2>Steps</h2>
<ol start="3"><li>Raise the leg.</li><li value="7">Hold for 30&nbsp;seconds.
  <ul><li>Breathe out</li></ul></li><li>Lower slowly.</li></ol>
<h3>Cautions</h3>
<ul><li>Stop if pain increases.</li></ul>
<p>Escaped: &lt;div class="x"&gt;kept words&lt;/div&gt;</p>
<div class="share-buttons"><a href="#">Share on Facebook</a></div>
<footer>Posted in stretches</footer>
</article>
<aside>Popular posts</aside>
<div id="comments"><h3>2 Comments</h3><p>Great post!</p></div>
</main>
<footer><script>track()</script>Copyright 2024</footer>
<noscript>Enable JavaScript</noscript>
<div role="navigation">Next post</div>
</body></html>
"""


def test_html_keeps_the_article_as_markdown_and_drops_page_chrome(tmp_path: Path) -> None:
    path = tmp_path / "hamstring.html"
    path.write_text(HTML, encoding="utf-8")

    doc = load(path)

    assert doc.fmt == "html"
    assert doc.text == (
        "# Supine Hamstring Stretch\n\n"
        "The client lies supine on the table.\nKeep the other leg flat.\n\n"
        "## Steps\n\n"
        "3. Raise the leg.\n7. Hold for 30 seconds.\n   - Breathe out\n8. Lower slowly.\n\n"
        "### Cautions\n\n- Stop if pain increases.\n\n"
        "Escaped: kept words"
    )
    for chrome in ("alert(", "tracking", "color: red", "Home", "cookies", "Facebook",
                   "Posted in", "Popular", "Comments", "Copyright", "Enable JavaScript",
                   "Next post", "editor's comment", "<", ">"):
        assert chrome not in doc.text
    assert doc.meta == {"title": "Supine Hamstring Stretch | Clinic"}


def test_html_title_does_not_override_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "hamstring.htm"
    path.write_text(HTML, encoding="utf-8")
    doc = load(path, {"hamstring": {"title": "Hamstring stretch"}})
    assert doc.meta["title"] == "Hamstring stretch"


def test_html_without_main_or_article_uses_the_body(tmp_path: Path) -> None:
    path = tmp_path / "plain.html"
    path.write_text("<html><body><nav>Menu</nav><div><p>One.</p><p>Two.</p></div>"
                    "<ul class='menu'><li>Home</li></ul></body></html>", encoding="utf-8")
    assert load(path).text == "One.\n\nTwo."


def test_html_with_only_chrome_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "chrome.html"
    path.write_text("<html><body><nav>Home</nav><script>x()</script></body></html>",
                    encoding="utf-8")
    assert "no readable text" in skip_reason(path)


def test_pdf_gives_one_numbered_page_per_page_with_text(tmp_path: Path) -> None:
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(pdf_bytes(["Psoas stretch\nHold for 30 seconds.", "",
                                "Cautions\nStop if it hurts."]))

    doc = load(path)

    assert doc.fmt == "pdf"
    assert [(p.number, p.text) for p in doc.pages] == [
        (1, "Psoas stretch\nHold for 30 seconds."),
        (3, "Cautions\nStop if it hurts."),
    ]


def test_pdf_with_only_an_owner_password_loads(tmp_path: Path) -> None:
    path = tmp_path / "owner.pdf"
    path.write_bytes(encrypted(pdf_bytes(["Hold for 30 seconds."]), "", "owner-secret"))
    assert load(path).pages[0].text == "Hold for 30 seconds."


# ------------------------------------------------------------------------ refused files


def test_a_corrupt_pdf_is_skipped(tmp_path: Path) -> None:
    whole = pdf_bytes(["Hold for 30 seconds."])
    path = tmp_path / "truncated.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    assert "corrupt or unreadable PDF" in skip_reason(path)


def test_an_encrypted_pdf_is_skipped_asking_for_a_password_free_copy(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted(pdf_bytes(["Hold for 30 seconds."]), "secret"))
    reason = skip_reason(path)
    assert "encrypted" in reason and "password-free copy" in reason


def test_a_pdf_without_text_is_skipped_as_probably_scanned(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_bytes([""]))
    assert "no text layer, probably scanned" in skip_reason(path)


def test_an_empty_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert "empty file" in skip_reason(path)


def test_a_whitespace_only_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text(" \n\t\r\n\u00a0\n", encoding="utf-8")
    assert "only whitespace" in skip_reason(path)


def test_a_binary_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert "binary content" in skip_reason(path)


def test_a_binary_file_without_nul_bytes_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "blob.md"
    path.write_bytes(bytes(range(1, 256)) * 8)
    assert "binary content" in skip_reason(path)


def test_invalid_utf8_is_skipped_with_the_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Hold the stretch for 30 seconds, café.".encode("latin-1"))
    reason = skip_reason(path)
    assert "not valid UTF-8 at byte 36" in reason and "save the file as UTF-8" in reason


def test_utf16_text_is_skipped_asking_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Hold for 30 seconds.".encode("utf-16"))
    assert "save the file as UTF-8" in skip_reason(path)


def test_a_50_mb_text_file_is_refused_naming_its_size_and_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    line = b"Hold for 30 seconds.\n"
    with path.open("wb") as out:
        out.write(line * (50 * 2**20 // len(line)))
        out.write(b"x" * (50 * 2**20 % len(line)))
    assert path.stat().st_size > MAX_TEXT_BYTES
    reason = skip_reason(path)
    assert "too large: 50 MB" in reason and "10 MB limit" in reason


def test_an_unsupported_suffix_is_skipped_by_load_too(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04")
    assert "unsupported file type .docx" in skip_reason(path)


def test_a_missing_file_is_skipped_by_load(tmp_path: Path) -> None:
    assert "not found" in skip_reason(tmp_path / "gone.txt")


# ------------------------------------------------------------------------ normalisation


def test_bom_line_endings_tabs_and_nbsp_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes("\ufeffStep 1\r\n\tHold\u00a0for 30 seconds.\rDone\r\n".encode("utf-8"))
    doc = load(path)
    assert doc.text == "Step 1\n    Hold for 30 seconds.\nDone"
    assert doc.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
