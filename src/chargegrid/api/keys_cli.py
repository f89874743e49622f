"""`chargegrid key add|list|revoke`: API keys from the command line (the same store as /API/Keys).

`key add` prints the key on standard output (only then; it is stored hashed), everything else on
standard error, so `KEY=$(chargegrid key add billing --scope read)` works.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from chargegrid.database_cli import database_options, run_in_transaction, usage
from chargegrid.events.actors import Scope

SCOPES = [s.value for s in Scope]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    key = subparsers.add_parser(
        "key",
        help="manage the API keys of the REST APIs",
        description="Make, list and revoke named API keys with scopes (read, command, admin, payments).",
    )
    actions = key.add_subparsers(dest="key_command", metavar="ACTION")

    add = actions.add_parser(
        "add",
        help="make a key (printed once on standard output)",
        description="Make a named key. Scopes: read (GET routes, events), command (routes that send to a "
        "charger), admin (charge points, tags, users, webhooks, keys, audit; includes read), payments.",
    )
    add.add_argument("name", metavar="NAME", help="what the key is for, e.g. billing")
    add.add_argument(
        "--scope", action="append", choices=SCOPES, required=True, help="a scope (repeat for several)"
    )
    add.add_argument(
        "--charge-point", action="append", metavar="ID", help="only this charge point (repeat for several)"
    )
    add.add_argument("--expires", metavar="TIME", help="ISO 8601 expiry, e.g. 2030-01-31T00:00:00Z")
    database_options(add)
    add.set_defaults(func=cmd_key_add)

    listing = actions.add_parser(
        "list", help="list the keys (never their secrets)", description="List keys with prefix and last use."
    )
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    database_options(listing)
    listing.set_defaults(func=cmd_key_list)

    revoke = actions.add_parser(
        "revoke",
        help="revoke a key at once",
        description="Revoke a key by its id (see `chargegrid key list`).",
    )
    revoke.add_argument("key_id", metavar="ID", help="the key's id, e.g. k_0123456789ab")
    database_options(revoke)
    revoke.set_defaults(func=cmd_key_revoke)

    key.set_defaults(func=lambda args: usage(key))


def cmd_key_add(args: argparse.Namespace) -> int:
    from chargegrid.events import audit
    from chargegrid.events.actors import ActorKind, Caller
    from chargegrid.store import api_keys

    name = args.name.strip()
    if not name or len(name) > 100:
        print("chargegrid: the key name must be 1 to 100 characters.", file=sys.stderr)
        return 2
    expires = None
    if args.expires:
        try:
            expires = datetime.fromisoformat(args.expires.replace("Z", "+00:00"))
        except ValueError:
            print(f"chargegrid: --expires {args.expires!r} is not an ISO 8601 time.", file=sys.stderr)
            return 2
        expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        if expires <= datetime.now(UTC):
            print("chargegrid: --expires must be in the future.", file=sys.stderr)
            return 2
    operator = Caller(ActorKind.system, "command line (chargegrid key)")

    async def work(db: Any) -> tuple[Any, str]:
        row, key = await api_keys.create(
            db,
            name,
            args.scope,
            charge_points=args.charge_point,
            expires_at=expires,
            created_by=operator.name,
        )
        audit.record(
            db, operator, "api_key.create", target=row.id, details={"name": name, "scopes": row.scopes}
        )
        return row, key

    row, key = run_in_transaction(args, work)
    print(key)
    print(
        f"made key {row.id} ({row.prefix}…) named {name!r} with scopes {', '.join(row.scopes)}; "
        "it is shown only now: send it in the X-API-Key header",
        file=sys.stderr,
    )
    return 0


def cmd_key_list(args: argparse.Namespace) -> int:
    from chargegrid.store import api_keys

    async def work(db: Any) -> list[Any]:
        return list(await api_keys.listing(db, include_revoked=args.all))

    rows = run_in_transaction(args, work)
    if not rows:
        print("no API keys (make one with `chargegrid key add NAME --scope read`)", file=sys.stderr)
        return 0
    for row in rows:
        state = "revoked" if row.revoked_at else "active"
        restricted = f" charge points: {','.join(row.charge_points)}" if row.charge_points else ""
        used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never"
        scopes = ",".join(row.scopes)
        print(f"{row.id}\t{row.prefix}…\t{row.name}\t{scopes}\t{state}\tlast used: {used}{restricted}")
    return 0


def cmd_key_revoke(args: argparse.Namespace) -> int:
    from chargegrid.events import audit
    from chargegrid.events.actors import ActorKind, Caller
    from chargegrid.store import api_keys

    operator = Caller(ActorKind.system, "command line (chargegrid key)")

    async def work(db: Any) -> bool:
        row = await api_keys.revoke(db, args.key_id)
        if row is None:
            return False
        audit.record(db, operator, "api_key.revoke", target=row.id, details={"name": row.name})
        return True

    if not run_in_transaction(args, work):
        print(f"chargegrid: no key with id {args.key_id!r} (see `chargegrid key list`).", file=sys.stderr)
        return 1
    print(f"revoked key {args.key_id}: it is refused from now on", file=sys.stderr)
    return 0
