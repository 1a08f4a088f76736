"""Ingest throughput at scale with the real model: generate ~1,000 technique documents, ingest
them into a fresh local store (progress bars on), then re-ingest them unchanged.

    python bench/ingest_scale.py [--n 1000] [--seed 7] [--keep DIR]

Prints documents, chunks, seconds and documents per second for the first ingest, and the time
of the unchanged re-ingest (which should embed nothing). Runs what `techniques ingest` runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_corpus import generate  # noqa: E402
from ingest.embed import SentenceTransformerEmbedder  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from techniques.settings import Settings  # noqa: E402


def run(work: Path, n: int, seed: int) -> None:
    docs = work / "corpus"
    generate(docs, n, seed)
    settings = Settings.from_env().with_store(work / "store")
    embedder = SentenceTransformerEmbedder(settings.resolved_model_path())

    first = ingest([docs], settings, embedder=embedder, progress=True)
    print("\n".join(first.lines()))
    print(f"first ingest: {first.documents} documents, {first.chunks} chunks, {first.seconds:.1f} s, "
          f"{first.documents / first.seconds:.1f} docs/s")

    again = ingest([docs], settings, embedder=embedder, progress=True)
    print(f"unchanged re-ingest: {again.seconds:.2f} s, embedded {again.embedded} "
          f"({'index unchanged' if not again.published else 'published a new version!'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="documents to generate (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it (default: a temp folder)")
    args = parser.parse_args(argv)
    if args.keep:
        run(args.keep, args.n, args.seed)
    else:
        with tempfile.TemporaryDirectory(prefix="techniques-bench-") as work:
            run(Path(work), args.n, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
