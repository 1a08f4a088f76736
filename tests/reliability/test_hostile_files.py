"""Hostile files through ingest: random bytes, UTF-16, Latin-1, Shift-JIS, NULs, zero-width
characters, mixed line endings, a 1 MB line, a YAML "billion laughs", 50,000 nested tags, broken
and encrypted PDFs. No crash; each refused file gets one line saying why (what the CLI prints);
the good files beside them are in the index."""

from __future__ import annotations

import io
import random
import time
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from techniques.settings import Settings
from tests.conftest import FakeEmbedder

pytestmark = pytest.mark.integration

TECHNIQUE = (
    "Psoas wall stretch\n\nPositioning\nThe client stands beside a wall.\n\nSteps\n"
    "1. Step the outside leg back until a stretch is felt at the front of the hip.\n"
    "2. Hold for 30 seconds and breathe out slowly.\n\nCautions\nAvoid arching the lower back.\n"
)
ZW = "\u200b\u200c\u200d\u2060\ufeff"


def sprinkle(text: str, rnd: random.Random) -> str:
    return "".join(c + (rnd.choice(ZW) if c.isalpha() and rnd.random() < 0.3 else "") for c in text)


def blank_pdf(password: str | None = None) -> bytes:
    """A valid PDF with one empty page (no text layer), encrypted when a password is given."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def billion_laughs() -> str:
    lines = ["---", "title: Laughs", 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines + ["---", "", TECHNIQUE])


def hostile_corpus(folder: Path) -> tuple[dict[str, str], set[str]]:
    """Write the files; returns {refused file name: what its reason must say} and the good ids."""
    rnd = random.Random(7)
    noise = lambda n: bytes(rnd.getrandbits(8) for _ in range(n))  # noqa: E731
    files: dict[str, bytes] = {
        # good: these must be ingested
        "good-plain.txt": TECHNIQUE.encode(),
        "good-bom.txt": b"\xef\xbb\xbf" + TECHNIQUE.replace("Psoas", "Calf").encode(),
        "good-mixed-endings.txt": TECHNIQUE.replace("Psoas", "Hamstring").replace("\n", "\r\n", 3).replace("\n\n", "\r\r", 2).encode(),
        "good-zero-width.md": sprinkle(TECHNIQUE.replace("Psoas", "Gluteal"), rnd).encode(),
        "good-huge-line.txt": ("Quadriceps stretch " + "hold the stretch gently and breathe out " * 26_000).encode(),
        "good-técnica-ñ.txt": TECHNIQUE.replace("Psoas", "Técnica ñandú").encode(),
        # refused, each with its reason
        "random-bytes-a.txt": noise(4096),
        "random-bytes-b.md": noise(4096),
        "random-bytes-c.html": noise(4096),
        "random-bytes-d.pdf": noise(4096),
        "utf16-le.txt": TECHNIQUE.encode("utf-16"),
        "utf16-be.md": b"\xfe\xff" + TECHNIQUE.encode("utf-16-be"),
        "utf16-no-bom.txt": TECHNIQUE.encode("utf-16-le"),
        "latin1.txt": "Étirement du psoas : tenez 30 secondes, évitez la douleur. Über.".encode("latin-1"),
        "shift-jis.txt": "腸腰筋のストレッチ：30秒保持する。痛みを避ける。".encode("shift_jis"),
        "nul-inside.txt": TECHNIQUE.encode() + b"\x00" + TECHNIQUE.encode(),
        "empty.txt": b"",
        "whitespace.md": b" \n\t\r\n   \n",
        "laughs.md": billion_laughs().encode(),
        "deep.html": b"<html><body>" + b"<div>" * 50_000 + b"<h2>Steps</h2><ol><li>Stand.</li></ol>" + b"</div>" * 50_000,
        "scripts-only.html": b"<html><head><script>alert(1)</script><style>p{}</style></head><body></body></html>",
        "front-matter-only.md": b"---\ntitle: Nothing\n---\n",
        "bad-front-matter.md": b"---\ntitle: [unclosed\n---\n" + TECHNIQUE.encode(),
        "no-text-layer.pdf": blank_pdf(),
        "encrypted.pdf": blank_pdf(password="secret"),
        "document.docx": b"PK\x03\x04" + noise(100),
    }
    reasons = {
        "random-bytes-a.txt": "binary content", "random-bytes-b.md": "binary content", "random-bytes-c.html": "binary content",
        "random-bytes-d.pdf": "corrupt or unreadable PDF", "utf16-le.txt": "UTF-16 text: save the file as UTF-8",
        "utf16-be.md": "UTF-16 text: save the file as UTF-8", "utf16-no-bom.txt": "binary content",
        "latin1.txt": "not valid UTF-8 at byte",
        # mostly non-ASCII legacy text reads as binary to the sniffer (see docs/reliability.md)
        "shift-jis.txt": "binary content",
        "nul-inside.txt": "binary content", "empty.txt": "empty file", "whitespace.md": "only whitespace",
        "laughs.md": "front matter expands to far more data than it holds", "deep.html": "could not be parsed",
        "scripts-only.html": "no readable text", "front-matter-only.md": "only front matter",
        "bad-front-matter.md": "front matter is not valid YAML", "no-text-layer.pdf": "no text layer",
        "encrypted.pdf": "encrypted", "document.docx": "unsupported file type .docx",
    }
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    good = {Path(n).stem for n in files if n.startswith("good-")}
    assert set(reasons) == {n for n in files if not n.startswith("good-")}
    return reasons, good


def test_hostile_files_are_refused_one_line_each_and_good_ones_ingested(tmp_path):
    reasons, good = hostile_corpus(tmp_path / "hostile")
    settings = Settings(data_dir=tmp_path / "store")

    started = time.perf_counter()
    summary = ingest([tmp_path / "hostile"], settings, embedder=FakeEmbedder(), progress=False)
    elapsed = time.perf_counter() - started

    refused = {s.path.name: s.reason for s in summary.skipped}
    assert set(refused) == set(reasons)
    for name, expected in reasons.items():
        assert expected in refused[name], (name, refused[name])
        assert "\n" not in refused[name] and len(refused[name]) < 300, refused[name]
    printed = "\n".join(summary.lines())
    for name, reason in refused.items():
        assert f"skipped {tmp_path / 'hostile' / name}: {reason}" in printed

    from ingest.backends import open_backend

    backend = open_backend(settings)
    docs = backend.open(backend.current_version()).docs()
    assert set(docs) == good and summary.documents == len(good)
    assert elapsed < 120, f"ingest took {elapsed:.0f} s"
    print(f"\nhostile files: {len(good)} ingested, {len(refused)} refused, {elapsed:.1f} s")
