"""The OCPP message log: every frame in and out, written in batches off the hot path.

The log is a record, not something a charger is told about, so it may trail by a second; it is
flushed on shutdown. The kept rows join the group commit of the chargers' writes (`store.writer`):
once a few hundred are kept, the next batch takes them as one more write (a rider), and once a second
a tick writes what no batch took (a quiet node). A transaction of their own would be one more disk flush and,
on SQLite, would take the single write lock from the group commit, whose next batch would then wait in
SQLite's busy handler (it sleeps in steps of milliseconds). Writing them once a second instead, as one
large write, made every charger of that batch wait for thousands of rows. The level setting
decides what is kept (off / all but heartbeats / all). Passwords and keys in a frame are masked before
it is kept (`security.redaction`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from chargegrid.background import raise_if_stopping
from chargegrid.config import MessageLogLevel
from chargegrid.security import redaction
from chargegrid.store import Db
from chargegrid.store import events as events_store
from chargegrid.store.models import utcnow
from chargegrid.store.writer import BatchedWriter, WriterClosed

log = logging.getLogger("chargegrid.message_log")

_BATCH = 500  # rows per executemany
# A batch of the group commit takes the kept rows once there are this many (fewer wait for the next
# batch or the tick: on PostgreSQL each ride is one more round trip in that batch's commit), and at
# most the second figure (a backlog is spread over several commits).
_RIDE_FROM = 500
_RIDE_AT_MOST = 2_000
# Rows that wake the log's task before its one-second tick: each flush is one more write in a group
# commit, so under load fewer, larger flushes leave more of the writer to the chargers' writes.
_WAKE_AT = 5_000
_MAX_BACKLOG = 50_000  # beyond this the log drops frames rather than the server's memory


class MessageLog:
    def __init__(
        self,
        level: MessageLogLevel,
        unit_of_work: Callable[[], Any],
        retention_days: int,
        writer: BatchedWriter | None = None,
    ) -> None:
        self.level = level
        self._uow = unit_of_work
        self._writer = writer
        self._retention = retention_days
        self._rows: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._riding: set[asyncio.Future[None]] = set()  # rows handed to batches, not yet committed
        self.dropped = 0
        # Whether this node prunes now (a cluster prunes once per network; see cluster/jobs.py).
        self.may_prune: Callable[[str, float], Awaitable[bool]] = _always

    def recorder(
        self, charge_point_id: str
    ) -> Callable[[str, int, str, str | None, str, str | None], None] | None:
        """The frame hook for one charger's RPC session (None when logging is off)."""
        if self.level is MessageLogLevel.off:
            return None
        skip_heartbeats = self.level is MessageLogLevel.no_heartbeats

        def record(
            direction: str,
            message_type: int,
            message_id: str,
            action: str | None,
            raw: str,
            result: str | None,
        ) -> None:
            if skip_heartbeats and action == "Heartbeat":
                return
            if len(self._rows) >= _MAX_BACKLOG:
                self.dropped += 1
                return
            self._rows.append(
                {
                    "timestamp": utcnow(),
                    "charge_point_id": charge_point_id,
                    "direction": direction,
                    "message_type": message_type,
                    "message_id": message_id[:64],
                    "action": action,
                    "payload": redaction.redact_frame(raw),
                    "result": result,
                }
            )
            if len(self._rows) >= _WAKE_AT:
                self._wake.set()

        return record

    def start(self) -> None:
        if self.level is not MessageLogLevel.off:
            self._task = asyncio.create_task(self._run())
            if self._writer is not None:
                self._writer.add_rider(self._ride)

    def _ride(self) -> tuple[Callable[[Db], Awaitable[None]], asyncio.Future[None]] | None:
        """The rows kept so far, as a write for the batch of the group commit that is forming."""
        if len(self._rows) < _RIDE_FROM or self._flushing.locked():
            return None
        rows, self._rows = self._rows[:_RIDE_AT_MOST], self._rows[_RIDE_AT_MOST:]
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._riding.add(future)
        future.add_done_callback(lambda done: self._landed(done, rows))
        return (lambda db: _queue(db, rows)), future

    def _landed(self, future: asyncio.Future[None], rows: list[dict[str, Any]]) -> None:
        self._riding.discard(future)
        error = None if future.cancelled() else future.exception()
        if isinstance(error, WriterClosed):
            self._rows[:0] = rows  # not written: `stop` writes them in a transaction of its own
        elif error is not None:
            log.error("could not write %d message log rows: %s", len(rows), error)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self.flush()

    async def flush(self) -> None:
        """Write what is recorded so far; returns once it is committed, also when the background task
        had already taken some of it (the lock: a caller's flush waits for that write, not past it)."""
        async with self._flushing:
            if self._riding:  # rows already in a batch: wait until they are committed (or handed back)
                await asyncio.wait(list(self._riding))
            if not self._rows:
                return
            rows, self._rows = self._rows, []
            if self._writer is not None and self._writer.running:
                try:
                    await self._writer.run(_WRITER_LANE, lambda db: _queue(db, rows))
                except WriterClosed:
                    self._rows[:0] = rows  # not written: `stop` writes them in a transaction of their own
                    raise
                return
            try:
                async with self._uow() as db:
                    for start in range(0, len(rows), _BATCH):
                        await _write(db, rows[start : start + _BATCH])
                    await db.commit()
            except asyncio.CancelledError:
                self._rows[:0] = rows  # shutting down: `stop` flushes them after the cancel
                raise

    async def _run(self) -> None:
        pruned_at = utcnow() - timedelta(days=1)
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            except TimeoutError:
                pass
            self._wake.clear()
            if self.dropped:
                log.warning(
                    "message log fell %d frames behind and dropped them (database too slow?)", self.dropped
                )
                self.dropped = 0
            try:
                await self.flush()
                if self._retention and utcnow() - pruned_at > timedelta(hours=1):
                    pruned_at = utcnow()
                    if await self.may_prune("message-log-retention", 3600):  # once per network
                        async with self._uow() as db:
                            await events_store.prune_log(db, utcnow() - timedelta(days=self._retention))
                            await db.commit()
            except Exception:
                raise_if_stopping()
                log.exception("writing the message log failed; will retry")
                await asyncio.sleep(1)


async def _always(job: str, interval_seconds: float) -> bool:
    return True


async def _queue(db: Db, rows: list[dict[str, Any]]) -> None:
    events_store.queue_log_entries(db, rows)


_WRITER_LANE = "message-log"  # the writer's lane key (PostgreSQL has several lanes; any one will do)
_write: Callable[[Db, list[dict[str, Any]]], Awaitable[None]] = events_store.add_log_entries
