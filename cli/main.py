"""The `techniques` command line. Each subcommand is a thin wrapper over the library; a
`TechniquesError` becomes a one-line message and an exit code, never a traceback."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from cli.eval import add_eval_command
from cli.quiz import add_quiz_command
from cli.users import add_users_command
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

    p = sub.add_parser("ask", help="answer a question from the technique library")
    p.add_argument("question")
    p.add_argument("--history", action="append", default=[], metavar="QUESTION", help="an earlier question of the conversation (repeatable, oldest first)")
    p.add_argument("--technique", metavar="DOC_ID", help="the technique the previous answer was about (its `doc_id`): a follow-up stays on it without re-resolving the history")
    p.add_argument("--json", action="store_true", help="print the answer object as JSON")
    p.add_argument("--explain", action="store_true", help="also print why: retrieval scores, triage, scope and the decision")
    _store_arg(p)
    p.set_defaults(run=_cmd_ask)

    add_eval_command(sub, _store_arg)

    p = sub.add_parser("serve", help="start the web chat (ingests the corpus first when there is no index)")
    _store_arg(p)
    p.add_argument("--host", metavar="H", help="address to bind (default: TECHNIQUES_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, metavar="N", help="port (default: TECHNIQUES_PORT or 7860)")
    p.set_defaults(run=_cmd_serve)

    p = sub.add_parser("feedback", help="work with the thumbs up/down given in the web chat")
    fsub = p.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    e = fsub.add_parser("export", help="write the thumbs-down answers as an eval dataset (YAML)")
    _store_arg(e)
    e.add_argument("--out", type=Path, metavar="FILE", default=Path("feedback-cases.yaml"), help="dataset file to write (default: feedback-cases.yaml)")
    e.set_defaults(run=_cmd_feedback_export)
    add_quiz_command(sub, _store_arg)
    add_users_command(sub, _store_arg)
    return parser


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.pipeline import ingest

    paths = args.paths or [settings.corpus_dir]
    summary = ingest(paths, settings, rebuild=args.rebuild, progress=not args.quiet)
    if summary.published and summary.version:
        from assistant.library import prebuild

        prebuild(settings, summary.version)  # so the first `techniques ask` need not build it
    print("\n".join(summary.lines()))
    return 0


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from assistant.startup import load_rules
    from assistant.service import Assistant
    from assistant.types import PastTurn

    load_rules()  # a broken rule file fails here, naming the file and the field
    history: list[str | PastTurn] = list(args.history)
    if args.technique:
        last = history.pop() if history else ""
        history.append(PastTurn(last, args.technique, resolved=True))
    answer = Assistant(settings).ask(args.question, history)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(answer.answer)
        if answer.citations:
            print("\nSources:")
            for c in answer.citations:
                print(f"  [{c.n}] {c.title} — {c.section} ({c.doc_id})")
    if args.explain:
        from evals.explain import format_trace

        print("\nWhy:\n" + format_trace(answer.to_dict().get("trace")), file=sys.stderr if args.json else sys.stdout)
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import app  # gradio is imported only by the commands that serve the web chat
    from assistant.startup import load_rules

    load_rules()  # before anything is served: a broken rule file fails at start
    host, port = args.host or settings.host, args.port or settings.port
    print(f"Starting the web chat on http://{host}:{port} (Ctrl+C to stop)", file=sys.stderr)
    app.serve(settings, host=args.host, port=args.port)
    return 0


def _cmd_feedback_export(args: argparse.Namespace, settings: Settings) -> int:
    from records.feedback import FeedbackStore

    store = FeedbackStore.from_settings(settings)
    n = store.export_eval_dataset(args.out)
    print(f"wrote {n} case{'s' if n != 1 else ''} from thumbs-down feedback to {args.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env().with_store(getattr(args, "store", None))
        if settings.data_dir.is_file():  # every command keeps something there
            from ingest.failures import not_a_folder

            raise not_a_folder(settings.data_dir)
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
