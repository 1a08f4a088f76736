"""`techniques quiz`: a study session in the terminal (study/session.py runs it)."""

from __future__ import annotations

import argparse
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
    p.set_defaults(run=_cmd_quiz)


def _cmd_quiz(args: argparse.Namespace, settings) -> int:
    from study.review import ReviewStore
    from assistant.service import Assistant

    if args.count < 1:
        raise TechniquesError("--count must be at least 1.")
    library = Assistant(settings, rephraser=False).library()  # the quiz never rephrases
    items = select_items(library, region=args.region, technique=args.technique)
    return run_quiz(items, ReviewStore.in_data_dir(settings.data_dir), args.user or _login_name(), args.count)


def _login_name() -> str:
    try:
        return getpass.getuser() or "student"
    except (OSError, KeyError):
        return "student"
