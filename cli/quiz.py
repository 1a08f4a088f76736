"""`techniques quiz`: a study session in the terminal (study/session.py runs it), a student's
progress (`--stats`), or the quiz as an Anki deck (`--export-anki FILE.apkg`)."""

from __future__ import annotations

import argparse
import sys
import getpass
from collections.abc import Callable

from study.session import DEFAULT_COUNT, run_quiz, select_items
from techniques.errors import TechniquesError


def add_quiz_command(subparsers: argparse._SubParsersAction, store_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    p = subparsers.add_parser("quiz", help="study: answer quiz questions drawn from the technique library")
    store_arg(p)
    p.add_argument("--user", metavar="NAME", help="whose progress to use and save (default: your login name)")
    p.add_argument("--region", metavar="R", help="only techniques of this body region (e.g. hip, low back)")
    p.add_argument("--technique", metavar="DOC_ID", help="only this technique (its document id, e.g. ql-hip-hike)")
    p.add_argument("--count", type=int, default=DEFAULT_COUNT, metavar="N", help=f"questions in the session (default {DEFAULT_COUNT})")
    action = p.add_mutually_exclusive_group()
    action.add_argument("--stats", action="store_true", help="show your progress (learned, due, retention, the days ahead) instead")
    action.add_argument("--export-anki", metavar="FILE.apkg", help="write the questions as an Anki deck instead (each note cites its passage)")
    p.set_defaults(run=_cmd_quiz)


def _cmd_quiz(args: argparse.Namespace, settings) -> int:
    if sys.stdin is None or sys.stdin.closed:
        raise TechniquesError("The quiz reads answers from standard input, which is closed.",
                              hint="Run it in a terminal, or pipe answers into it.")
    from assistant.service import Assistant
    from study.review import ReviewStore

    if args.count < 1:
        raise TechniquesError("--count must be at least 1.")
    library = Assistant(settings, rephraser=False).library()  # the quiz never rephrases
    items = select_items(library, region=args.region, technique=args.technique)
    if args.export_anki:
        return _export(items, args.export_anki)
    store = ReviewStore.from_settings(settings)
    user = args.user or _login_name()
    if args.stats:
        return _stats(store, user, items)
    return run_quiz(items, store, user, args.count)


def _stats(store, user: str, items) -> int:
    from study.progress import forecast_text, summary_lines

    stats = store.stats(user)
    print(f"Study progress for {stats.user}")
    print("\n".join(f"  {line}" for line in summary_lines(stats, len(items))))
    print("Due in the next days:")
    print(forecast_text(store.forecast(user, days=7)))
    return 0


def _export(items, path: str) -> int:
    from study.anki import export_deck

    if not path.lower().endswith(".apkg"):
        raise TechniquesError(f"{path}: an Anki deck file ends in .apkg.", hint="e.g. --export-anki techniques.apkg")
    n = export_deck(items, path)
    print(f"wrote {n} note{'s' if n != 1 else ''} to {path}: import it in Anki with File > Import")
    return 0


def _login_name() -> str:
    try:
        return getpass.getuser() or "student"
    except (OSError, KeyError):
        return "student"
