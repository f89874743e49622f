"""`chargegrid user add NAME [--admin]`: create a management UI user (the password is asked twice)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

MIN_PASSWORD = 8


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = subparsers.add_parser(
        "user",
        help="manage the users of the management UI",
        description="Manage the people who log into the management UI.",
    )
    actions = user.add_subparsers(dest="user_command", metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="create a user (asks for the password twice)",
        description="Create a UI user. Without --password-stdin the password is asked twice on the terminal.",
    )
    add.add_argument("name", metavar="NAME", help="the user name to log in with")
    add.add_argument("--admin", action="store_true", help="role admin (may change everything); default: user")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    add.add_argument("--config", metavar="FILE", help="TOML settings file")
    add.add_argument("--database-url", help="overrides CHARGEGRID_DATABASE_URL")
    add.set_defaults(func=cmd_user_add)
    user.set_defaults(func=lambda args: _usage(user))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        print(
            "chargegrid: the two passwords differ; nothing was changed. Run the command again.",
            file=sys.stderr,
        )
        return None
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    from chargegrid.cli import _configure_logging, _settings

    name = args.name.strip()
    if not name or len(name) > 100:
        print("chargegrid: the user name must be 1 to 100 characters.", file=sys.stderr)
        return 2
    settings = _settings(args, database_url=args.database_url)
    _configure_logging("warning")
    password = _read_password(args.password_stdin)
    if password is None:
        return 2
    if len(password) < MIN_PASSWORD:
        print(f"chargegrid: the password must have at least {MIN_PASSWORD} characters.", file=sys.stderr)
        return 2
    role = "admin" if args.admin else "user"
    created = asyncio.run(_add(settings.database_url, name, password, role))
    if not created:
        print(f"chargegrid: a user named {name!r} already exists; pick another name.", file=sys.stderr)
        return 1
    print(f"created {role} {name!r}; log in to the UI with it", file=sys.stderr)
    return 0


async def _add(database_url: str, name: str, password: str, role: str) -> bool:
    from chargegrid.domain.credentials import hash_password
    from chargegrid.store import migrate
    from chargegrid.store import users as users_store
    from chargegrid.store.database import create_engine, session_factory

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        db: Any = session_factory(engine)
        async with db.begin() as session:
            if await users_store.by_name(session, name) is not None:
                return False
            users_store.add(session, name, hash_password(password), role)
        return True
    finally:
        await engine.dispose()
