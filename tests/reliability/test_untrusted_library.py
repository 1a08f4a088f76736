"""An untrusted library folder, and files that cost more than they look: each finding of the
fault-and-attack trial (issue 18) reproduced, and held.

- links out of the folder (/etc/passwd-like secrets, /dev/zero), a FIFO, a link loop and a
  linked folder: refused with a reason, within seconds, nothing outside the folder indexed;
- names with a newline or a terminal escape: printed escaped, one line each;
- `date:` front matter and catalog values: ingested (as ISO text); binary metadata: that
  file's skip reason only;
- a PDF of many compressed content streams (a minute per page to pypdf): skipped within its
  time budget; an HTML file that needs more memory than its budget: skipped; 50,000 nested
  tags: one line, no traceback;
- an ingest that fails after starting its version removes it.
"""

from __future__ import annotations

import io
import os
import threading
import time
import zlib

import pytest

import ingest.pipeline as pipeline
from assistant.service import Assistant
from cli.main import main
from ingest.backends import open_backend
from ingest.budget import ParseBudget
from ingest.pipeline import ingest
from ingest.store import Index
from techniques.settings import Settings
from tests.conftest import FakeEmbedder

pytestmark = pytest.mark.integration

TECHNIQUE = ("{title}\n\nSteps\n1. The client lies on the side with the knees bent.\n"
             "2. Hold the stretch for 30 seconds and breathe out slowly.\n\nCautions\nStop if pain increases.\n")
SECRET = "zqxsecret horsebattery staplewizard"


def stored(settings: Settings) -> tuple[dict, str]:
    backend = open_backend(settings)
    index = backend.open(backend.current_version())
    try:
        docs = index.docs()
        text = "\n".join(s.chunk.text for s in index.chunks())
    finally:
        index.close()
    return docs, text


def run_bounded(fn, seconds: float):
    """fn() on a thread; fails (instead of hanging the suite) when it takes longer than `seconds`."""
    box: dict = {}
    worker = threading.Thread(target=lambda: box.update(result=fn()), daemon=True)
    started = time.perf_counter()
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s (a FIFO or /dev/zero being read?)"
    return box.get("result"), time.perf_counter() - started


def test_the_library_folder_is_untrusted(tmp_path, capsys, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(TECHNIQUE.format(title=f"Passwords {SECRET}"), "utf-8")
    (outside / "linked-dir").mkdir()
    (outside / "linked-dir" / "hidden.txt").write_text(TECHNIQUE.format(title=f"Hidden {SECRET}"), "utf-8")
    library = tmp_path / "library"
    library.mkdir()
    (library / "good.txt").write_text(TECHNIQUE.format(title="Side-lying hip stretch"), "utf-8")
    weird = "bad\nname\x1b[2J\x1b[31mred\u202e.txt"
    (library / weird).write_text(TECHNIQUE.format(title="Calf wall stretch"), "utf-8")
    os.symlink(outside / "secret.txt", library / "secret.txt")
    os.symlink("/dev/zero", library / "zero.txt")
    os.symlink("loop.txt", library / "loop.txt")
    os.symlink(outside / "linked-dir", library / "linked")
    os.mkfifo(library / "pipe.md")
    (library / "evil\nname\x1b[2J\x1b[31m\u202e.docx").write_bytes(b"PK")
    settings = Settings(data_dir=tmp_path / "store")

    summary, seconds = run_bounded(lambda: ingest([library], settings, embedder=FakeEmbedder(), progress=False), 60)

    refused = {s.path.name: s.reason for s in summary.skipped}
    assert "symbolic link" in refused["secret.txt"] and "not followed" in refused["secret.txt"]
    assert "symbolic link" in refused["zero.txt"]
    assert "symbolic link loop" in refused["loop.txt"]
    assert "symbolic link" in refused["linked"]
    assert "named pipe (FIFO)" in refused["pipe.md"]
    assert set(refused) == {"secret.txt", "zero.txt", "loop.txt", "linked", "pipe.md", "evil\nname\x1b[2J\x1b[31m\u202e.docx"}
    assert seconds < 30
    docs, text = stored(settings)
    assert len(docs) == 2 and SECRET.split()[0] not in text
    answer = Assistant(settings, embedder=FakeEmbedder()).ask(f"How do I do the {SECRET} technique?")
    assert SECRET.split()[0] not in answer.answer

    # named on the command line: a device or a FIFO is refused too, and the names print escaped
    monkeypatch.setattr(pipeline, "make_embedder", lambda settings: FakeEmbedder())
    code, _ = run_bounded(lambda: main(["ingest", str(library), "/dev/zero", str(library / "pipe.md"),
                                        "--store", str(tmp_path / "store2"), "--quiet"]), 60)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "skipped /dev/zero: a device, not a regular file" in out
    assert "\x1b" not in out + err and "\u202e" not in out + err
    assert "evil\\nname\\x1b[2J\\x1b[31m\\u202e.docx: unsupported file type .docx" in out
    assert all(line.startswith(("Ingest into", "  ")) for line in out.splitlines())  # one line per item


def test_a_file_growing_past_the_cap_is_refused_on_the_bytes_read(tmp_path):
    """The cap holds on what is read, not on the stat size (which a device or /proc file reports as 0)."""
    from ingest.files import MAX_TEXT_BYTES, SkipFile, read_file

    path = tmp_path / "big.txt"
    path.write_bytes(b"Hold for 30 seconds.\n" * 10)
    real_fstat = os.fstat

    def lying_fstat(fd):  # what /proc and devices report
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 0,
                               st.st_atime, st.st_mtime, st.st_ctime))

    with path.open("ab") as fh:
        fh.write(b"x" * (MAX_TEXT_BYTES + 10))
    import ingest.files as files_module

    original = files_module.os.fstat
    files_module.os.fstat = lying_fstat
    try:
        with pytest.raises(SkipFile) as refused:
            read_file(path)
    finally:
        files_module.os.fstat = original
    assert "too large" in refused.value.reason


def test_dates_in_front_matter_and_catalog_are_ingested_and_bad_metadata_skips_one_file(tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "dated.md").write_text("---\ntitle: Dated stretch\ndate: 2020-01-01\nreviewed: 2021-03-04 10:20:30\n"
                                      "tags: !!set {a, b}\n---\n" + TECHNIQUE.format(title="Dated stretch"), "utf-8")
    (library / "catalogued.txt").write_text(TECHNIQUE.format(title="Catalogued stretch"), "utf-8")
    (library / "binary.md").write_text("---\ntitle: Binary\nblob: !!binary aGVsbG8=\n---\n"
                                       + TECHNIQUE.format(title="Binary stretch"), "utf-8")
    (library / "catalog.yaml").write_text("catalogued:\n  published: 2019-05-06\n  source: A book\n", "utf-8")
    settings = Settings(data_dir=tmp_path / "store")

    summary = ingest([library], settings, embedder=FakeEmbedder(), progress=False)

    assert summary.published
    refused = {s.path.name: s.reason for s in summary.skipped}
    assert list(refused) == ["binary.md"] and "metadata cannot be stored" in refused["binary.md"]
    docs, _ = stored(settings)
    assert set(docs) == {"dated", "catalogued"}
    assert docs["dated"].doc.meta["date"] == "2020-01-01"
    assert docs["dated"].doc.meta["reviewed"] == "2021-03-04T10:20:30"
    assert docs["catalogued"].doc.meta["published"] == "2019-05-06"
    # unchanged: the quick path agrees
    again = ingest([library], settings, embedder=FakeEmbedder(), progress=False)
    assert not again.published and set(again.unchanged) == {"dated", "catalogued"}


def test_a_failed_ingest_removes_its_own_partial_version(tmp_path, monkeypatch):
    library = tmp_path / "library"
    library.mkdir()
    (library / "one.txt").write_text(TECHNIQUE.format(title="First stretch"), "utf-8")
    settings = Settings(data_dir=tmp_path / "store")
    first = ingest([library], settings, embedder=FakeEmbedder(), progress=False)
    (library / "two.txt").write_text(TECHNIQUE.format(title="Second stretch"), "utf-8")

    def broken(self, docs):
        raise RuntimeError("a bug while writing")

    monkeypatch.setattr(Index, "add_docs", broken)
    for _ in range(3):  # each retry used to leave another orphan version
        with pytest.raises(RuntimeError):
            ingest([library], settings, embedder=FakeEmbedder(), progress=False)
    assert sorted(p.name for p in (settings.data_dir / "versions").iterdir()) == [first.version]
    assert (settings.data_dir / "CURRENT").read_text().strip() == first.version


def stream_pdf(pages: int, ops_per_page: int) -> bytes:
    """A valid PDF whose pages each carry one Flate stream of many text operators: 57 KB for two
    pages of 200,000 operators, a minute of pypdf's time, every stream under its per-stream cap."""
    op = b"BT /F1 12 Tf 72 720 Td (stretch and hold) Tj ET\n"
    content = zlib.compress(op * ops_per_page, 9)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i in range(pages):
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                    f"/Contents {5 + 2 * i} 0 R >>".encode())
        objs.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for o in offsets:
        out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def test_costly_files_are_skipped_within_their_budget(tmp_path, capsys, monkeypatch):
    library = tmp_path / "library"
    library.mkdir()
    (library / "good.txt").write_text(TECHNIQUE.format(title="Side-lying hip stretch"), "utf-8")
    (library / "small.pdf").write_bytes(stream_pdf(1, 20))  # a PDF within budget still reads
    (library / "streams.pdf").write_bytes(stream_pdf(2, 200_000))
    (library / "wide.html").write_bytes(b"<html><body>" + b"<p>x</p>" * 400_000 + b"</body></html>")
    (library / "deep.html").write_bytes(b"<html><body>" + b"<div>" * 50_000 + b"<h2>Steps</h2><ol><li>Stand.</li></ol>"
                                        + b"</div>" * 50_000)
    settings = Settings(data_dir=tmp_path / "store")
    monkeypatch.setattr(pipeline, "make_embedder", lambda settings: FakeEmbedder())
    monkeypatch.setattr(pipeline, "ParseBudget", lambda: ParseBudget(seconds=4))

    started = time.perf_counter()
    code = main(["ingest", str(library), "--store", str(settings.data_dir), "--quiet"])
    seconds = time.perf_counter() - started
    out, err = capsys.readouterr()

    assert code == 0, err
    assert "took longer than 4 s to parse" in _line(out, "streams.pdf")
    assert "took longer than 4 s to parse" in _line(out, "wide.html")
    assert "could not be parsed (RecursionError" in _line(out, "deep.html")
    assert "Traceback" not in out + err and "RecursionError" not in err
    docs, _ = stored(settings)
    assert set(docs) == {"good", "small"}
    assert seconds < 40, f"the ingest took {seconds:.0f} s"
    print(f"\ncostly files: skipped within their budget, whole ingest {seconds:.1f} s")


def _line(out: str, name: str) -> str:
    return next((line for line in out.splitlines() if f"/{name}:" in line), f"(no line for {name})")


def test_a_file_over_the_memory_budget_is_skipped(tmp_path):
    """The worker's address space is capped: a parse that needs more stops with a MemoryError,
    which is the file's skip reason (for PDF and HTML alike)."""
    from ingest.files import SkipFile

    page = tmp_path / "wide.html"
    page.write_bytes(b"<html><body>" + b"<p>x</p>" * 400_000 + b"</body></html>")
    pdf = tmp_path / "streams.pdf"
    pdf.write_bytes(stream_pdf(1, 1_000_000))  # 50 MB of operators in one stream
    with ParseBudget(seconds=120, memory=160 << 20) as budget:
        for path in (page, pdf):
            started = time.perf_counter()
            with pytest.raises(SkipFile) as refused:
                budget.load(path, path.read_bytes())
            assert "needs more than 160 MB of memory to parse" in refused.value.reason, (path.name, refused.value.reason)
            print(f"\n{path.name}: over the memory budget in {time.perf_counter() - started:.1f} s")
        assert budget.load(tmp_path.joinpath("ok.html"), b"<h1>Calf stretch</h1><p>Hold it.</p>").text

