"""What the CLI's database commands (`chargegrid key ...`, `chargegrid user ...`) share: their
`--config` / `--database-url` options, the help shown for a bare command, and running one piece of work
in a transaction on the configured database (migrated first)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML settings file")
    parser.add_argument("--database-url", help="overrides CHARGEGRID_DATABASE_URL")


def usage(parser: argparse.ArgumentParser) -> int:
    """A command given without its action: its help on standard error, exit code 2."""
    parser.print_help(sys.stderr)
    return 2


def run_in_transaction(args: argparse.Namespace, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(db_session_in_a_transaction)` against the configured (and migrated) database."""
    # Imported here: chargegrid.cli imports the modules that register these commands.
    from chargegrid.cli import _configure_logging, _settings
    from chargegrid.store import migrate
    from chargegrid.store.database import create_engine, session_factory

    settings = _settings(args, database_url=args.database_url)
    _configure_logging("warning")

    async def run() -> T:
        engine = create_engine(settings.database_url)
        try:
            await migrate.upgrade(engine)
            sessions = session_factory(engine)
            async with sessions.begin() as db:
                return await work(db)
        finally:
            await engine.dispose()

    return asyncio.run(run())
