"""Tests for ingest.pipeline through `techniques ingest`: a real local Chroma in tmp_path, the
real model where it matters (an unchanged re-ingest, a killed ingest) and the fake embedder
elsewhere. The index is always read back through the backend, as the assistant reads it."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

import ingest.pipeline as pipeline
from bench.generate_corpus import generate
from ingest.backends import LocalBackend, open_backend
from ingest.pipeline import ingest
from ingest.store import Index
from techniques.settings import Settings
from tests.conftest import CORPUS, CORPUS_IDS
from tests.ingest.test_load import encrypted, pdf_bytes

NOISE = (
    "Veronique Kahn",
    "game changer",
    "Pin It on Pinterest",
    "Write a comment",
    "Post a Comment",
    "Click To Watch Video",
    "Download a PDF",
    "Sent from my iPhone",
)
OLD_STEP = "This may be repeated several times, increasing the resistance level each time."
NEW_STEP = "Repeat this three times, raising the resistance a little each time."


# ------------------------------------------------------------------------------- helpers


def current(settings: Settings) -> Index:
    backend = open_backend(settings)
    return backend.open(backend.current_version())


def chunk_ids(settings: Settings) -> set[str]:
    return {s.chunk.id for s in current(settings).chunks()}


def versions(settings: Settings) -> set[str]:
    return {p.name for p in (settings.data_dir / "versions").iterdir()}


def pointer(settings: Settings) -> str:
    return (settings.data_dir / "CURRENT").read_text("utf-8").strip()


def all_text(settings: Settings) -> tuple[list[str], list[str]]:
    """Every stored chunk text, and every string of every stored document."""
    index = current(settings)
    chunks = [s.chunk.text for s in index.chunks()]
    docs = []
    for stored in index.docs().values():
        doc = stored.doc
        docs += [doc.title, *(s.title for s in doc.sections), *(c.text for c in doc.cautions)]
        docs += [b.text for s in doc.sections for b in s.blocks]
    return chunks, docs


def copies_of_one_document(folder: Path, n: int) -> None:
    """n generated markdown files with the same text: slow to write, cheap to embed."""
    folder.mkdir()
    text = generate(folder / "template", 1)[0].read_text("utf-8")
    shutil.rmtree(folder / "template")
    for i in range(n):
        (folder / f"copy-{i:03d}.md").write_text(text, "utf-8")


def rename_in_catalog(folder: Path, old: str, new: str) -> None:
    catalog = folder / "catalog.yaml"
    catalog.write_text(catalog.read_text("utf-8").replace(f"\n{old}:", f"\n{new}:"), "utf-8")


# --------------------------------------------------------------------- the corpus, via the CLI


def test_cli_ingests_the_corpus_without_page_chrome(cli, fake_embedder, tmp_path: Path) -> None:
    store = tmp_path / "store"

    code, out, err = cli(["ingest", CORPUS, "--store", store, "--quiet"], fake_embedder)

    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"Ingest into local folder {store}: new index version published (v")
    assert "  documents: 5 (added 5, changed 0, deleted 0, unchanged 0)" in lines
    assert "  chunks: 29 (embedded 29, reused 0)" in lines
    assert "  cautions found: 8" in lines
    assert lines[-1].startswith("  time: ") and lines[-1].endswith(" s")
    assert not [line for line in lines if "skipped" in line or "warning" in line]

    settings = Settings(data_dir=store)
    chunks, docs = all_text(settings)
    assert len(chunks) == 29 and {d for d in current(settings).docs()} == CORPUS_IDS
    for noise in NOISE:
        assert not [t for t in chunks if noise.lower() in t.lower()], noise
        assert not [t for t in docs if noise.lower() in t.lower()], noise
    # while the technique text around the chrome is all there
    assert any(t.startswith("Have your client hike their hip") for t in chunks)
    assert any("Hold for 30 seconds." in t for t in chunks)


@pytest.mark.integration
def test_an_unchanged_reingest_with_the_real_model_computes_nothing(cli, real_embedder, settings: Settings) -> None:
    started = time.perf_counter()
    first = ingest([CORPUS], settings, embedder=real_embedder, progress=False)
    first_seconds = time.perf_counter() - started
    computed, ids, version = real_embedder.computed, chunk_ids(settings), pointer(settings)

    started = time.perf_counter()
    code, out, err = cli(["ingest", CORPUS, "--store", settings.data_dir, "--quiet"], real_embedder)
    second_seconds = time.perf_counter() - started
    print(f"first ingest {first_seconds:.2f} s, unchanged re-ingest {second_seconds:.2f} s")

    assert code == 0, err
    assert (first.published, first.embedded, first.chunks) == (True, 29, 29)
    assert out.splitlines()[0].endswith(f"index unchanged ({version})")
    assert "  documents: 5 (added 0, changed 0, deleted 0, unchanged 5)" in out.splitlines()
    assert real_embedder.computed == computed
    assert chunk_ids(settings) == ids
    assert pointer(settings) == version and versions(settings) == {version}


def test_an_unchanged_ingest_is_told_from_the_manifest_without_opening_chroma(settings: Settings, fake_embedder, monkeypatch) -> None:
    first = ingest([CORPUS], settings, embedder=fake_embedder, progress=False)
    slow = ingest([CORPUS], settings, embedder=fake_embedder, progress=False)

    def no_chroma(*args, **kwargs):
        raise AssertionError("an unchanged ingest opened Chroma")

    monkeypatch.setattr(LocalBackend, "_client", no_chroma)
    fast = ingest([CORPUS], settings, embedder=fake_embedder, progress=False)

    assert not fast.published and fast.version == first.version
    assert fast.lines()[:-1] == slow.lines()[:-1] == [
        f"Ingest into local folder {settings.data_dir}: index unchanged ({first.version})",
        "  documents: 5 (added 0, changed 0, deleted 0, unchanged 5)",
        "  chunks: 29 (embedded 0, reused 0)",
        "  cautions found: 8",
    ]


@pytest.mark.parametrize("spoil", ["missing", "garbage", "other model", "other fingerprint"])
def test_a_manifest_that_cannot_be_trusted_sends_the_ingest_down_the_full_path(corpus: Path, settings: Settings, fake_embedder, spoil: str) -> None:
    first = ingest([corpus], settings, embedder=fake_embedder, progress=False)
    manifest = settings.data_dir / "versions" / first.version / pipeline.MANIFEST
    data = json.loads(manifest.read_text("utf-8"))
    if spoil == "missing":
        manifest.unlink()
    elif spoil == "garbage":
        manifest.write_text("{not json", "utf-8")
    elif spoil == "other model":
        manifest.write_text(json.dumps(data | {"model": "another-model"}), "utf-8")
    else:  # it says a document is what the file no longer is: the file is read again
        data["docs"]["ql-hip-hike"]["fingerprint"] = "0" * 64
        manifest.write_text(json.dumps(data), "utf-8")

    again = ingest([corpus], settings, embedder=fake_embedder, progress=False)

    assert not again.published and sorted(again.unchanged) == sorted(CORPUS_IDS) and again.chunks == 29
    assert fake_embedder.computed == 29  # nothing embedded again: the store decided, not the manifest
    assert json.loads(manifest.read_text("utf-8"))["docs"]["ql-hip-hike"]["fingerprint"] != "0" * 64  # rewritten


def test_a_change_after_a_quick_unchanged_ingest_is_still_seen(corpus: Path, settings: Settings, fake_embedder) -> None:
    ingest([corpus], settings, embedder=fake_embedder, progress=False)
    assert not ingest([corpus], settings, embedder=fake_embedder, progress=False).published
    path = corpus / "ql-hip-hike.txt"
    path.write_text(path.read_text("utf-8").replace(OLD_STEP, NEW_STEP), "utf-8")
    (corpus / "psoas-stretch.txt").unlink()

    summary = ingest([corpus], settings, embedder=fake_embedder, progress=False)

    assert summary.published and summary.changed == ["ql-hip-hike"] and summary.deleted == ["psoas-stretch"]


# -------------------------------------------------------------- changed, deleted, renamed files


def test_a_changed_file_is_the_only_one_reparsed_and_only_its_new_chunk_embedded(
    corpus: Path, settings: Settings, fake_embedder, monkeypatch
) -> None:
    ingest([corpus], settings, embedder=fake_embedder, progress=False)
    before, computed = chunk_ids(settings), fake_embedder.computed
    path = corpus / "ql-hip-hike.txt"
    path.write_text(path.read_text("utf-8").replace(OLD_STEP, NEW_STEP), "utf-8")
    parsed: list[str] = []
    real_parse = pipeline.parse
    monkeypatch.setattr(pipeline, "parse", lambda doc: parsed.append(doc.doc_id) or real_parse(doc))

    summary = ingest([corpus], settings, embedder=fake_embedder, progress=False)

    assert parsed == ["ql-hip-hike"]
    assert (summary.changed, summary.added, summary.deleted) == (["ql-hip-hike"], [], [])
    assert sorted(summary.unchanged) == sorted(CORPUS_IDS - {"ql-hip-hike"})
    assert summary.embedded == fake_embedder.computed - computed == 1
    assert (summary.chunks, summary.reused) == (29, 28)
    after = chunk_ids(settings)
    assert len(before - after) == len(after - before) == 1
    assert (after - before).pop().startswith("ql-hip-hike::")
    chunks, docs = all_text(settings)
    assert any(NEW_STEP in t for t in chunks) and NEW_STEP in docs
    assert not any(OLD_STEP in t for t in chunks + docs)


def test_a_deleted_file_leaves_the_index(corpus: Path, settings: Settings, fake_embedder) -> None:
    ingest([corpus], settings, embedder=fake_embedder, progress=False)
    (corpus / "psoas-stretch.txt").unlink()

    summary = ingest([corpus], settings, embedder=fake_embedder, progress=False)

    assert (summary.deleted, summary.documents, summary.embedded, summary.published) == (["psoas-stretch"], 4, 0, True)
    index = current(settings)
    assert set(index.docs()) == CORPUS_IDS - {"psoas-stretch"}
    assert not [s for s in index.chunks() if s.chunk.doc_id == "psoas-stretch"]
    assert index.count() == summary.chunks == 25


def test_a_renamed_file_leaves_no_duplicate_and_embeds_nothing(corpus: Path, settings: Settings, fake_embedder) -> None:
    ingest([corpus], settings, embedder=fake_embedder, progress=False)
    computed = fake_embedder.computed
    (corpus / "ql-hip-hike.txt").rename(corpus / "quadratus-hip-hike.txt")
    rename_in_catalog(corpus, "ql-hip-hike", "quadratus-hip-hike")  # so its title stays

    summary = ingest([corpus], settings, embedder=fake_embedder, progress=False)

    assert (summary.added, summary.deleted) == (["quadratus-hip-hike"], ["ql-hip-hike"])
    assert (summary.embedded, fake_embedder.computed - computed) == (0, 0)
    index = current(settings)
    assert set(index.docs()) == CORPUS_IDS - {"ql-hip-hike"} | {"quadratus-hip-hike"}
    doc_ids = [s.chunk.doc_id for s in index.chunks()]
    assert "ql-hip-hike" not in doc_ids and doc_ids.count("quadratus-hip-hike") == 7
    assert index.count() == 29


def test_ingesting_one_file_adds_it_and_leaves_the_rest_of_the_library(corpus: Path, settings: Settings, fake_embedder, tmp_path: Path) -> None:
    ingest([corpus], settings, embedder=fake_embedder, progress=False)
    note = tmp_path / "notes" / "calf-wall.md"
    note.parent.mkdir()
    note.write_text("# Calf wall stretch\n\n## Steps\n1. Face a wall.\n2. Press the heel down.\n", encoding="utf-8")

    summary = ingest([note], settings, embedder=fake_embedder, progress=False)

    assert (summary.added, summary.deleted, summary.documents) == (["calf-wall"], [], 6)
    assert set(current(settings).docs()) == CORPUS_IDS | {"calf-wall"}
    (corpus / "psoas-stretch.txt").unlink()
    again = ingest([corpus], settings, embedder=fake_embedder, progress=False)
    assert again.deleted == ["psoas-stretch"], "a file gone from a given folder still leaves the index"
    assert set(current(settings).docs()) == CORPUS_IDS - {"psoas-stretch"} | {"calf-wall"}


def test_a_file_that_turns_unreadable_keeps_its_last_good_version(corpus: Path, settings: Settings, fake_embedder) -> None:
    ingest([corpus], settings, embedder=fake_embedder, progress=False)
    (corpus / "ql-hip-hike.txt").write_bytes(b"\x00\x01\x02 not text any more \xff\xfe" * 100)

    summary = ingest([corpus], settings, embedder=fake_embedder, progress=False)

    assert [s.path.name for s in summary.skipped] == ["ql-hip-hike.txt"]
    assert any("kept the last version" in w for w in summary.warnings)
    assert summary.deleted == [] and "ql-hip-hike" in current(settings).docs()


def test_identical_documents_are_embedded_once(settings: Settings, fake_embedder, tmp_path: Path) -> None:
    copies_of_one_document(tmp_path / "copies", 3)

    summary = ingest([tmp_path / "copies"], settings, embedder=fake_embedder, progress=False)

    assert (summary.documents, summary.chunks, summary.embedded, summary.reused) == (3, 18, 6, 12)
    assert fake_embedder.computed == 6 and current(settings).count() == 18


def test_a_new_embedding_model_embeds_everything_again(settings: Settings, fake_embedder) -> None:
    ingest([CORPUS], settings, embedder=fake_embedder, progress=False)
    other = type(fake_embedder)(dim=384)
    other.name = "another-model"

    summary = ingest([CORPUS], settings, embedder=other, progress=False)

    assert summary.published and (summary.embedded, summary.reused, other.computed) == (29, 0, 29)
    assert summary.warnings == ["the embedding model changed (fake-bow -> another-model); every document is embedded again"]
    assert current(settings).model == "another-model"
    again = ingest([CORPUS], settings, embedder=other, progress=False)
    assert not again.published and other.computed == 29


# ------------------------------------------------------------------------------- bad inputs


def bad_files(folder: Path) -> dict[str, str]:
    """Write one file of each kind that cannot be ingested; {file name: word its reason must have}."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "photo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (folder / "latin1.txt").write_bytes("Cautions\nAvoid pressure on the r\u00e9gion.\n".encode("latin-1"))
    with open(folder / "huge.txt", "wb") as fh:  # 50 MB of real text
        line = b"Slowly press the tissue toward the joint while the client breathes out.\n"
        fh.write(line * (50 * 2**20 // len(line) + 1))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\ngarbage")
    (folder / "locked.pdf").write_bytes(encrypted(pdf_bytes(["Cautions", "Avoid the spine."]), "secret"))
    (folder / "notes.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    return {
        "empty.txt": "empty",
        "photo.md": "binary",
        "latin1.txt": "UTF-8",
        "huge.txt": "too large",
        "broken.pdf": "corrupt",
        "locked.pdf": "encrypted",
        "notes.docx": "unsupported",
    }


PROSE = (
    "Massage has a long history in many cultures, and people enjoy it for many reasons.\n\n"
    "Many therapists combine several traditions in their own practice over the years.\n"
)
WRAPPED_PDF = ["Piriformis Release", "Cautions", "Do not press deep over the sciatic",
               "nerve, and stop if the client feels tingling.", "Steps",
               "1. Place the client prone with a pillow under", "the ankles.", "2. Sink slowly into the muscle."]


def test_bad_files_are_skipped_with_a_reason_and_good_ones_ingested(
    corpus: Path, cli, settings: Settings, fake_embedder, tmp_path: Path
) -> None:
    expected = bad_files(corpus)
    (corpus / "history-of-massage.txt").write_text(PROSE, "utf-8")
    (corpus / "piriformis-release.pdf").write_bytes(pdf_bytes(["\n".join(WRAPPED_PDF)]))

    summary = ingest([corpus], settings, embedder=fake_embedder, progress=False)

    skipped = {s.path.name: s.reason for s in summary.skipped}
    assert len(summary.skipped) == len(skipped) == len(expected)
    assert set(skipped) == set(expected)
    for name, word in expected.items():
        assert word in skipped[name] and "\n" not in skipped[name], (name, skipped[name])
    good = CORPUS_IDS | {"history-of-massage", "piriformis-release"}
    assert summary.documents == 7 and set(current(settings).docs()) == good
    assert summary.warnings == [f"{corpus / 'history-of-massage.txt'}: no headings or steps recognised; indexed as overview text"]
    pdf = current(settings).docs()["piriformis-release"].doc
    assert [c.text for c in pdf.cautions] == ["Do not press deep over the sciatic nerve, and stop if the client feels tingling."]

    # the CLI on the same folder into a new store: exit 0, a line per skipped file, the warning
    code, out, err = cli(["ingest", corpus, "--store", tmp_path / "cli-store", "--quiet"], fake_embedder)
    assert code == 0, err
    assert "  documents: 7 (added 7, changed 0, deleted 0, unchanged 0)" in out.splitlines()
    for name in expected:
        assert len([line for line in out.splitlines() if line.startswith(f"  skipped {corpus / name}: ")]) == 1
    assert f"  warning: {corpus / 'history-of-massage.txt'}: no headings or steps recognised" in out


def test_a_folder_of_only_bad_files_fails_and_leaves_the_index_alone(
    cli, settings: Settings, fake_embedder, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad_files(bad)
    code, out, err = cli(["ingest", bad, "--store", settings.data_dir, "--quiet"], fake_embedder)
    assert code == 1 and out == ""
    assert err.startswith("error: Nothing was ingested: no readable technique documents were found.\n")
    assert "hint: Check the paths" in err

    ingest([CORPUS], settings, embedder=fake_embedder, progress=False)
    version, ids = pointer(settings), chunk_ids(settings)

    code, out, err = cli(["ingest", bad, "--store", settings.data_dir, "--quiet"], fake_embedder)

    assert code == 1 and out == ""
    assert "error: Nothing was ingested" in err and "(the existing index was left as it was)" in err
    assert "Traceback" not in err
    assert pointer(settings) == version and versions(settings) == {version}
    assert chunk_ids(settings) == ids
