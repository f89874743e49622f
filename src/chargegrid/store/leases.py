"""Leases: a network-wide job runs on the one node that holds its lease (portable: SQLite and PostgreSQL).

A lease is a row (or columns on a row) with an owner and an expiry. Taking it is one conditional UPDATE
("mine already, or expired"), so two nodes can never both get it; a node that dies loses it when it
expires. On PostgreSQL the UPDATE also holds the row lock until the transaction ends, so the work done
in the same transaction is serialised with any other node's attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from chargegrid.store import Db
from chargegrid.store.integration_models import WorkerLease
from chargegrid.store.models import utcnow


async def take(
    db: Db | AsyncConnection, name: str, owner: str, ttl: float, now: datetime | None = None
) -> bool:
    """Take or renew lease `name` inside the caller's transaction (a session's or a connection's); False
    when another node holds it."""
    now = now or utcnow()
    result = await db.execute(
        update(WorkerLease)
        .where(WorkerLease.name == name, or_(WorkerLease.owner == owner, WorkerLease.until < now))
        .values(owner=owner, until=now + timedelta(seconds=ttl))
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


async def ensure_row(sessions: async_sessionmaker[AsyncSession], name: str) -> None:
    """Create the lease's row once (expired, owned by nobody) so `take` has something to update."""
    try:
        async with sessions.begin() as db:
            if await db.get(WorkerLease, name) is None:
                db.add(WorkerLease(name=name, owner="", until=datetime(2000, 1, 1)))
    except IntegrityError:  # another node created it at the same moment
        pass
