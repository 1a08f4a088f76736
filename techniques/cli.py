"""The `techniques` command line. Each subcommand is a thin wrapper over the library; a
`TechniquesError` becomes a one-line message and an exit code, never a traceback."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from techniques.errors import TechniquesError
from techniques.settings import Settings


def _store_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="DIR", help="data folder of the index (default: TECHNIQUES_DATA_DIR or data/)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="techniques", description="A cited, safety-first manual-therapy technique assistant.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="index technique documents (default: corpus/)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: the corpus folder)")
    _store_arg(p)
    p.add_argument("--rebuild", action="store_true", help="ignore the current index and build a new one from scratch")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=_cmd_ingest)
    return parser


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.pipeline import ingest

    paths = args.paths or [settings.corpus_dir]
    summary = ingest(paths, settings, rebuild=args.rebuild, progress=not args.quiet)
    print("\n".join(summary.lines()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env().with_store(getattr(args, "store", None))
        return int(args.run(args, settings) or 0)
    except TechniquesError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
