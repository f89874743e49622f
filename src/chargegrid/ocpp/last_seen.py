"""When each charger last sent a Heartbeat: kept in memory, written in bulk every few seconds.

A Heartbeat carries no data a charger relies on us to keep, so it is answered at once and its time
reaches the database with the next flush (one statement for every charger that beat meanwhile)
instead of costing a commit per message. The UI and APIs read at most `interval` seconds stale.
The flush is one more write in the chargers' group commit (`store.writer`) while that runs: a
transaction of its own would take SQLite's single write lock from the group commit.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chargegrid.background import raise_if_stopping
from chargegrid.domain import stations
from chargegrid.store.writer import BatchedWriter

log = logging.getLogger("chargegrid.last_seen")


class LastSeen:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        interval: float = 5.0,
        writer: BatchedWriter | None = None,
    ) -> None:
        self._sessions = sessions
        self._writer = writer
        self.interval = interval
        self._pending: dict[str, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def beat(self, charge_point_id: str, when: datetime) -> None:
        self._pending[charge_point_id] = when

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="last-seen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self.flush()

    async def flush(self) -> None:
        if not self._pending:
            return
        seen, self._pending = self._pending, {}
        try:
            if self._writer is not None and self._writer.running:
                await self._writer.run("last-seen", lambda db: stations.heartbeats(db, seen))
            else:
                async with self._sessions.begin() as db:
                    await stations.heartbeats(db, seen)
        except Exception:
            raise_if_stopping()
            log.exception("could not record heartbeat times; will retry")
            for cp_id, when in seen.items():  # keep them unless a newer beat came meanwhile
                self._pending.setdefault(cp_id, when)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()
