"""The sequencer: gives committed outbox rows their `position`, the order every consumer follows.

Why not follow the autoincrement `seq`? On PostgreSQL several transactions write at once (the edge's
write lanes, API routes), and one that took seq 103 may commit after one that took 105: a reader that
moved its cursor to 105 would never see 103. The sequencer runs on one node at a time (a lease); each
round numbers the rows that have become visible since the last round, in one transaction, so positions
only ever grow in commit order and a consumer following `position` skips nothing. On SQLite (one
writer) the same code runs; it just never sees such a gap.

The lease holder also deletes events older than the retention setting, and old delivery attempts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chargegrid.background import raise_if_stopping
from chargegrid.store import leases
from chargegrid.store.integration_models import OutboxEvent, WebhookDelivery
from chargegrid.store.models import utcnow

log = logging.getLogger("chargegrid.events")

LEASE = "events-sequencer"
BATCH = 2000

_table = cast(Table, OutboxEvent.__table__)
_SET_POSITION = update(_table).where(_table.c.seq == bindparam("b_seq")).values(position=bindparam("b_pos"))


async def has_unnumbered(db: AsyncSession) -> bool:
    """A read-only look first, so an idle node does not commit (and, on SQLite, fsync) every tick."""
    return await db.scalar(select(OutboxEvent.seq).where(OutboxEvent.position.is_(None)).limit(1)) is not None


async def sequence_once(db: AsyncSession, owner: str, lease_ttl: float) -> int | None:
    """Number the unnumbered committed rows (in the caller's transaction); how many got a position, None
    when another node holds the sequencer's lease."""
    if not await leases.take(db, LEASE, owner, lease_ttl):
        return None
    pending = (
        await db.scalars(
            select(OutboxEvent.seq)
            .where(OutboxEvent.position.is_(None))
            .order_by(OutboxEvent.seq)
            .limit(BATCH)
        )
    ).all()
    if not pending:
        return 0
    top = await db.scalar(select(func.max(OutboxEvent.position))) or 0
    await db.execute(_SET_POSITION, [{"b_seq": seq, "b_pos": top + i} for i, seq in enumerate(pending, 1)])
    return len(pending)


async def prune(db: AsyncSession, retention_days: float) -> None:
    cutoff = utcnow() - timedelta(days=retention_days)
    await db.execute(delete(OutboxEvent).where(OutboxEvent.time < cutoff, OutboxEvent.position.is_not(None)))
    await db.execute(delete(WebhookDelivery).where(WebhookDelivery.time < cutoff))


class Sequencer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        owner: str,
        *,
        interval: float,
        retention_days: float,
        lease_ttl: float = 15.0,
    ) -> None:
        self._sessions = sessions
        self._owner = owner
        self._interval = interval
        self._retention_days = retention_days
        self._lease_ttl = lease_ttl
        self._wake = asyncio.Event()
        self._poked = False
        # Another node held the lease at the last try: a poke (an event committed here) is then left to
        # that node's tick instead of costing a transaction that cannot take the lease, once per command.
        self._elsewhere = False
        self.stopping = False
        # Called after each round that numbered something: the webhook worker and the live streams wake.
        self.listeners: list[Callable[[], None]] = []

    def poke(self) -> None:
        """Something was just committed here: number it now instead of at the next tick."""
        self._poked = True
        self._wake.set()

    def stop(self) -> None:
        """Finish the round in progress and return (no cancellation in the middle of a database call)."""
        self.stopping = True
        self._wake.set()

    async def run(self) -> None:
        await leases.ensure_row(self._sessions, LEASE)
        loop = asyncio.get_running_loop()
        next_prune = loop.time() + 5
        next_tick = loop.time()  # ticks keep their pace however often pokes come
        while not self.stopping:
            # A poke from here on asks for one more round: one that came during this round's queries
            # would otherwise wait for the next tick.
            self._wake.clear()
            poked, self._poked = self._poked, False
            ticked = loop.time() >= next_tick
            if ticked:
                next_tick = loop.time() + self._interval
            try:
                numbered: int | None = 0
                # A poke says there is something; only a tick needs the read-only look, and only a tick
                # tries again a lease that another node held.
                work = poked and not self._elsewhere
                if not work and ticked:
                    async with self._sessions() as db:
                        work = await has_unnumbered(db)
                if work:
                    async with self._sessions.begin() as db:
                        numbered = await sequence_once(db, self._owner, self._lease_ttl)
                    self._elsewhere = numbered is None
                if numbered:
                    for listener in self.listeners:
                        listener()
                if loop.time() >= next_prune:
                    next_prune = loop.time() + 300
                    async with self._sessions.begin() as db:
                        if await leases.take(db, LEASE, self._owner, self._lease_ttl):
                            await prune(db, self._retention_days)
                if numbered == BATCH:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                raise_if_stopping()
                log.exception("the events sequencer failed; trying again")
            try:
                await asyncio.wait_for(self._wake.wait(), max(0.0, next_tick - loop.time()))
            except TimeoutError:
                pass
