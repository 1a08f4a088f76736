"""A thousand generated technique documents through the whole pipeline (fake embedder), with
the progress bars a user sees. Guards against anything quadratic creeping into ingest."""

from __future__ import annotations

import re
from pathlib import Path

from bench.generate_corpus import generate
from ingest.pipeline import ingest


def test_a_thousand_documents_ingest_with_progress_bars(tmp_path: Path, settings, fake_embedder, capfd) -> None:
    paths = generate(tmp_path / "generated", 1000)
    assert len(paths) == len({p.stem for p in paths}) == 1000

    summary = ingest([tmp_path / "generated"], settings, embedder=fake_embedder, progress=True)

    assert summary.published and not summary.skipped and not summary.warnings
    assert (summary.documents, len(summary.added)) == (1000, 1000)
    assert summary.chunks >= 1000 and summary.embedded == fake_embedder.computed == summary.chunks
    assert summary.cautions > 1000  # every document has two or three
    err = capfd.readouterr().err
    # the bars clear themselves when done (leave=False): look for their updates on the way
    read = [int(n) for n in re.findall(r"read:\s+\d+%\|[^|]*\| (\d+)/1000 ", err)]
    embed = [int(n) for n in re.findall(rf"embed:\s+\d+%\|[^|]*\| (\d+)/{summary.chunks} ", err)]
    assert read and embed, err[-500:]
    assert read[0] == 0 and max(read) > 0 and embed[0] == 0 and max(embed) > 0
    print(f"1000 documents, {summary.chunks} chunks in {summary.seconds:.1f} s")


def test_the_generator_is_deterministic_and_varied(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 40, seed=3)
    second = generate(tmp_path / "b", 40, seed=3)
    other = generate(tmp_path / "c", 40, seed=4)

    texts = [p.read_text("utf-8") for p in first]
    assert texts == [p.read_text("utf-8") for p in second]
    assert [p.name for p in first] == [p.name for p in second]
    assert texts != [p.read_text("utf-8") for p in other]
    assert len(set(texts)) == 40
    for heading in ("## Indications", "## Positioning", "## Steps", "## Cautions", "## Breathing", "## Dosage"):
        assert all(heading in t for t in texts)
    assert all(t.startswith("---\ntitle: ") and "\nregion: " in t and "\ntype: " in t for t in texts)
    assert all("\n1. " in t and "\n3. " in t for t in texts)
