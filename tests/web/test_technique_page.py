"""A technique's page in the Library tab: steps without doubled numbers, the document's own
illustrations only (never a path outside the library's folders), escaped text, passages."""

from __future__ import annotations

from pathlib import Path

from assistant.catalog import TechniqueCard
from ingest.types import Chunk, ParsedDocument, SectionKind
from web.render import library_html
from web.technique_page import image_files, steps_html, technique_html

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


def doc_at(path: Path, images) -> ParsedDocument:
    return ParsedDocument("ab", "Ab <rollout>", path, "md", "h", {"images": images}, (), ())


def card(**kw) -> TechniqueCard:
    base = dict(doc_id="ab", title="Ab <rollout>", regions=("trunk",), kind="exercise", names=(), positioning=(),
                steps=("Kneel.", "Check the pulse:", "1) it's not pulsing", "2) it's soft", "Roll out."),
                cautions=("Stop if the back hurts.",), source="everkinetic")
    return TechniqueCard(**{**base, **kw})


def test_a_steps_own_sub_list_is_not_numbered_twice():
    shown = steps_html(card().steps)
    assert shown == ('<ol><li>Kneel.</li><li>Check the pulse:<ul class="tc-sub"><li>1) it&#x27;s not pulsing</li>'
                     "<li>2) it&#x27;s soft</li></ul></li><li>Roll out.</li></ol>")
    assert "<li>1)" in library_html([card()], 1, "x") and library_html([card()], 1, "x").count("<ol>") == 1


def test_only_the_documents_own_images_inside_the_library_are_shown(tmp_path):
    lib = tmp_path / "lib"
    (lib / "md").mkdir(parents=True)
    (lib / "svg").mkdir()
    (lib / "svg" / "0286-a.svg").write_bytes(SVG)
    (lib / "svg" / "big.svg").write_bytes(b"<svg>" + b" " * 600_000 + b"</svg>")
    (lib / "svg" / "notes.txt").write_text("not an image")
    (tmp_path / "secret.svg").write_bytes(SVG)  # outside the library's folders
    (lib / "svg" / "link.svg").symlink_to(tmp_path / "secret.svg")
    doc = doc_at(lib / "md" / "ab.md", ["../svg/0286-a.svg", "../../secret.svg", str(tmp_path / "secret.svg"),
                                       "../svg/big.svg", "../svg/notes.txt", "../svg/missing.svg", "../svg/link.svg"])
    assert image_files(doc) == [(lib / "svg" / "0286-a.svg").resolve()]
    page = technique_html(card(), doc, [], "Not a diagnosis.")
    assert page.count("<img ") == 1 and 'src="data:image/svg+xml;base64,' in page and 'alt="Illustration 1 of Ab &lt;rollout&gt;"' in page
    assert "<h2>Ab &lt;rollout&gt;</h2>" in page and "Not a diagnosis." in page and "Stop if the back hurts." in page


def test_the_page_lists_its_source_passages(tmp_path):
    chunk = Chunk("ab:0", "ab", "Ab", "Steps", SectionKind.STEPS, 0, 0, "Kneel.\n<b>Roll</b> out.", "h")
    page = technique_html(card(), doc_at(tmp_path / "ab.md", []), [chunk], "x")
    assert "<h3>Source passages</h3>" in page and "<h4>Steps</h4>" in page and "<p>&lt;b&gt;Roll&lt;/b&gt; out.</p>" in page
