"""`chargegrid user list|add|remove|role|password`: the people who may log into the management UI.

Roles: admin (everything), operator (commands and edits, no user management), viewer (read-only).
Passwords are asked twice on the terminal, or read from the first line of stdin with --password-stdin.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from chargegrid.database_cli import database_options, run_in_transaction, usage

MIN_PASSWORD = 8
ROLES = ("admin", "operator", "viewer")


class _Refused(Exception):
    """The command cannot be done; the message says why (exit code 1)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = subparsers.add_parser(
        "user",
        help="manage the users of the management UI",
        description="Manage the people who log into the management UI. Roles: admin (everything), "
        "operator (commands and edits, no user management), viewer (read-only).",
    )
    actions = user.add_subparsers(dest="user_command", metavar="ACTION")

    listing = actions.add_parser("list", help="list the users and their roles", description="List the users.")
    database_options(listing)
    listing.set_defaults(func=cmd_user_list)

    add = actions.add_parser(
        "add",
        help="create a user (asks for the password twice)",
        description="Create a UI user. Without --password-stdin the password is asked twice on the terminal.",
    )
    add.add_argument("name", metavar="NAME", help="the user name to log in with")
    add.add_argument("--role", choices=ROLES, help="admin, operator or viewer (default viewer)")
    add.add_argument("--admin", action="store_true", help="the same as --role admin")
    _password_stdin(add)
    database_options(add)
    add.set_defaults(func=cmd_user_add)

    remove = actions.add_parser("remove", help="delete a user", description="Delete a UI user.")
    remove.add_argument("name", metavar="NAME")
    database_options(remove)
    remove.set_defaults(func=cmd_user_remove)

    role = actions.add_parser("role", help="change a user's role", description="Change a user's role.")
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", choices=ROLES, help="the new role")
    database_options(role)
    role.set_defaults(func=cmd_user_role)

    password = actions.add_parser(
        "password",
        help="set a user's new password (asks twice)",
        description="Set a new password for a UI user. Without --password-stdin it is asked twice.",
    )
    password.add_argument("name", metavar="NAME")
    _password_stdin(password)
    database_options(password)
    password.set_defaults(func=cmd_user_password)

    user.set_defaults(func=lambda args: usage(user))


def _password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )


def _say(text: str) -> None:
    print(f"chargegrid: {text}", file=sys.stderr)


def _read_password(from_stdin: bool) -> str | None:
    """The new password, or None after saying why there is none."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    no_terminal = (
        "there is no terminal to ask the password on; pipe it in instead, e.g. "
        "`printf '%s\\n' \"$PASSWORD\" | chargegrid user add NAME --password-stdin`."
    )
    if not sys.stdin.isatty():
        _say(no_terminal)
        return None
    try:
        first = getpass.getpass("Password: ")
        again = getpass.getpass("Password again: ")
    except EOFError:
        _say(no_terminal)
        return None
    if first != again:
        _say("the two passwords differ; nothing was changed. Run the command again.")
        return None
    return first


def _new_password(args: argparse.Namespace) -> str | None:
    password = _read_password(args.password_stdin)
    if password is not None and len(password) < MIN_PASSWORD:
        _say(f"the password must have at least {MIN_PASSWORD} characters.")
        return None
    return password


def _finish(args: argparse.Namespace, work: Callable[[Any], Awaitable[str]]) -> int:
    try:
        done = run_in_transaction(args, work)
    except _Refused as exc:
        _say(str(exc))
        return 1
    print(done, file=sys.stderr)
    return 0


async def _existing(db: Any, name: str) -> Any:
    from chargegrid.store import users as users_store

    user = await users_store.by_name(db, name)
    if user is None:
        raise _Refused(f"there is no user named {name!r} (`chargegrid user list` shows them).")
    return user


def cmd_user_list(args: argparse.Namespace) -> int:
    from chargegrid.store import users as users_store

    async def work(db: Any) -> list[tuple[str, str]]:
        return [(u.name, u.role) for u in await users_store.list_all(db)]

    found = run_in_transaction(args, work)
    if not found:
        _say("no users yet; create one with `chargegrid user add NAME --admin`.")
    for name, role in found:
        print(f"{name}\t{role}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from chargegrid.domain.credentials import hash_password
    from chargegrid.store import users as users_store

    name = args.name.strip()
    if not name or len(name) > 100:
        _say("the user name must be 1 to 100 characters.")
        return 2
    role = "admin" if args.admin else (args.role or "viewer")
    password = _new_password(args)
    if password is None:
        return 2

    async def work(db: Any) -> str:
        if await users_store.by_name(db, name) is not None:
            raise _Refused(f"a user named {name!r} already exists; pick another name.")
        users_store.add(db, name, hash_password(password), role)
        return f"created {role} {name!r}; log in to the UI with it"

    return _finish(args, work)


def cmd_user_remove(args: argparse.Namespace) -> int:
    from chargegrid.store import users as users_store

    async def work(db: Any) -> str:
        user = await _existing(db, args.name)
        if await users_store.would_leave_no_admin(db, user, None):
            raise _Refused(f"{args.name!r} is the last admin; make another user admin first.")
        await db.delete(user)
        return f"removed user {args.name!r}"

    return _finish(args, work)


def cmd_user_role(args: argparse.Namespace) -> int:
    from chargegrid.store import users as users_store

    async def work(db: Any) -> str:
        user = await _existing(db, args.name)
        if await users_store.would_leave_no_admin(db, user, args.role):
            raise _Refused(f"{args.name!r} is the last admin; make another user admin first.")
        user.role = args.role
        return f"{args.name!r} is now {args.role}"

    return _finish(args, work)


def cmd_user_password(args: argparse.Namespace) -> int:
    from chargegrid.domain.credentials import hash_password

    password = _new_password(args)
    if password is None:
        return 2

    async def work(db: Any) -> str:
        user = await _existing(db, args.name)
        user.password_hash = hash_password(password)
        return f"new password set for {args.name!r}"

    return _finish(args, work)
