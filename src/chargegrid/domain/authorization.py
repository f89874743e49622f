"""Authorization of id tags: blocked, expired, unknown, group (parent) tags, concurrent transactions."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from chargegrid.store import Db
from chargegrid.store import charge_tags as tags_store
from chargegrid.store import transactions as tx_store
from chargegrid.store.models import ChargeTag, utcnow


class AuthStatus(enum.StrEnum):
    accepted = "Accepted"
    blocked = "Blocked"
    expired = "Expired"
    unknown = "Unknown"  # the edge says "Invalid" to 1.6 chargers
    concurrent_tx = "ConcurrentTx"


@dataclass(frozen=True)
class AuthDecision:
    status: AuthStatus
    parent_id: str | None = None
    expiry: datetime | None = None


def decide(
    tag: ChargeTag | None,
    parent: ChargeTag | None,
    now: datetime,
    *,
    in_transaction: bool = False,
    deny_concurrent: bool = False,
) -> AuthDecision:
    """The answer for one tag. A blocked or expired group (parent) blocks or expires its members."""
    if tag is None:
        return AuthDecision(AuthStatus.unknown)
    parent_id = tag.parent_tag_id or None
    if tag.blocked or (parent is not None and parent.blocked):
        return AuthDecision(AuthStatus.blocked, parent_id, tag.expiry)
    for expiry in (tag.expiry, parent.expiry if parent else None):
        if expiry is not None and expiry <= now:
            return AuthDecision(AuthStatus.expired, parent_id, tag.expiry)
    if deny_concurrent and in_transaction:
        return AuthDecision(AuthStatus.concurrent_tx, parent_id, tag.expiry)
    return AuthDecision(AuthStatus.accepted, parent_id, tag.expiry)


async def authorize(
    db: Db, tag_id: str, *, deny_concurrent: bool, now: datetime | None = None
) -> AuthDecision:
    tag = await tags_store.get_case_insensitive(db, tag_id)
    parent = None
    if tag is not None and tag.parent_tag_id:
        parent = await tags_store.get_case_insensitive(db, tag.parent_tag_id)
    busy = deny_concurrent and tag is not None and await tx_store.tag_has_open(db, tag.tag_id)
    return decide(tag, parent, now or utcnow(), in_transaction=busy, deny_concurrent=deny_concurrent)


def group_of(tag: ChargeTag | None, tag_id: str) -> str:
    """The group a tag belongs to: its parent, or itself."""
    if tag is not None and tag.parent_tag_id:
        return tag.parent_tag_id.lower()
    return tag_id.lower()


async def may_stop(db: Db, start_tag_id: str | None, stop_tag_id: str | None) -> bool:
    """A different tag may stop a transaction only when it shares the start tag's group."""
    if not stop_tag_id or not start_tag_id or stop_tag_id.lower() == start_tag_id.lower():
        return True
    start_tag = await tags_store.get_case_insensitive(db, start_tag_id)
    stop_tag = await tags_store.get_case_insensitive(db, stop_tag_id)
    return group_of(start_tag, start_tag_id) == group_of(stop_tag, stop_tag_id)
