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

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chargegrid.background import raise_if_stopping
from chargegrid.store import leases, outbox_positions
from chargegrid.store.integration_models import OutboxEvent, WebhookDelivery
from chargegrid.store.models import utcnow

log = logging.getLogger("chargegrid.events")

LEASE = "events-sequencer"
BATCH = 2000


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    bind = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError(f"the sequencer needs sessions bound to an AsyncEngine, not {bind!r}")
    return bind


async def sequence_once(
    sessions: async_sessionmaker[AsyncSession], owner: str, lease_ttl: float, *, known_waiting: bool = False
) -> int | None:
    """Number the unnumbered committed rows (one round, `store.outbox_positions`): how many got a
    position, None when some wait but another node holds the sequencer's lease."""
    return await outbox_positions.number(
        engine_of(sessions), LEASE, owner, lease_ttl, BATCH, known_waiting=known_waiting
    )


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
                # A poke says there is something; a poke is left to the tick while another node held
                # the lease at the last try, and only a tick tries that lease again. The round looks for
                # waiting rows first itself (read-only: an idle node commits nothing).
                if (poked and not self._elsewhere) or ticked:
                    numbered = await sequence_once(
                        self._sessions, self._owner, self._lease_ttl, known_waiting=poked and not ticked
                    )
                    if numbered != 0:  # 0: nothing waited, which says nothing about the lease
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
