"""`techniques users`: who may log in to the web app, with which role (records/users.py).

A password is never an argument (it would sit in the shell's history and the process list): it
is asked for twice at a terminal, or read as the first line of standard input in a script
(`printf '%s\\n' "$PW" | techniques users add ann --role therapist`).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from records.users import ROLES, UserStore
from techniques.errors import TechniquesError


def add_users_command(subparsers: argparse._SubParsersAction, store_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    p = subparsers.add_parser("users", help="web app users and their roles (admin, therapist, student)")
    sub = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    a = sub.add_parser("add", help="add a user (password from a prompt or the first line of stdin)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=ROLES, type=str.lower)
    store_arg(a)
    a.set_defaults(run=_cmd_add)

    a = sub.add_parser("list", help="every user and their role")
    store_arg(a)
    a.set_defaults(run=_cmd_list)

    a = sub.add_parser("remove", help="remove a user")
    a.add_argument("name")
    store_arg(a)
    a.set_defaults(run=_cmd_remove)

    a = sub.add_parser("set-role", help="change a user's role")
    a.add_argument("name")
    a.add_argument("role", choices=ROLES, type=str.lower)
    store_arg(a)
    a.set_defaults(run=_cmd_set_role)

    a = sub.add_parser("set-password", help="change a user's password (from a prompt or stdin)")
    a.add_argument("name")
    store_arg(a)
    a.set_defaults(run=_cmd_set_password)


def _cmd_add(args: argparse.Namespace, settings) -> int:
    store = UserStore.from_settings(settings)
    if (existing := store.get(args.name)) is not None:  # said before a password is asked for
        where = " (set by TECHNIQUES_AUTH)" if existing.from_environment else ""
        raise TechniquesError(f"There is already a user {existing.name!r}{where}.", hint="Choose another name.")
    user = store.add(args.name, read_password(), args.role)
    print(f"added {user.name} ({user.role})")
    return 0


def _cmd_list(args: argparse.Namespace, settings) -> int:
    users = UserStore.from_settings(settings).list()
    if not users:
        print("no users: the web app needs no login (add one with `techniques users add NAME --role admin`)")
    for user in users:
        print(f"{user.name}\t{user.role}" + ("\t(TECHNIQUES_AUTH)" if user.from_environment else ""))
    return 0


def _cmd_remove(args: argparse.Namespace, settings) -> int:
    UserStore.from_settings(settings).remove(args.name)
    print(f"removed {args.name}")
    return 0


def _cmd_set_role(args: argparse.Namespace, settings) -> int:
    user = UserStore.from_settings(settings).set_role(args.name, args.role)
    print(f"{user.name} is now {user.role}")
    return 0


def _cmd_set_password(args: argparse.Namespace, settings) -> int:
    store = UserStore.from_settings(settings)
    if store.get(args.name) is None:  # said before a password is asked for
        raise TechniquesError(f"There is no user {args.name!r}.", hint="`techniques users list` shows who there is.")
    store.set_password(args.name, read_password())
    print(f"changed the password of {args.name}")
    return 0


def read_password() -> str:
    """Twice at a terminal (no echo), else the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise TechniquesError("The two passwords differ; nothing was changed.")
        return first
    line = sys.stdin.readline()
    if not line:
        raise TechniquesError("No password on standard input.", hint="Pipe it in, or run the command at a terminal to be asked.")
    return line.rstrip("\r\n")
