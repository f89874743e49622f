"""The OCPP message log: every frame in and out, written in batches off the hot path.

The log is a record, not something a charger is told about, so it may trail by a second; it is
flushed on shutdown. The level setting decides what is kept (off / all but heartbeats / all). Passwords
and keys in a frame are masked before it is kept (`security.redaction`).
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

log = logging.getLogger("chargegrid.message_log")

_BATCH = 500
_MAX_BACKLOG = 50_000  # beyond this the log drops frames rather than the server's memory


class MessageLog:
    def __init__(self, level: MessageLogLevel, unit_of_work: Callable[[], Any], retention_days: int) -> None:
        self.level = level
        self._uow = unit_of_work
        self._retention = retention_days
        self._rows: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
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
            if len(self._rows) >= _BATCH:
                self._wake.set()

        return record

    def start(self) -> None:
        if self.level is not MessageLogLevel.off:
            self._task = asyncio.create_task(self._run())

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
            while self._rows:
                rows, self._rows = self._rows[:_BATCH], self._rows[_BATCH:]
                async with self._uow() as db:
                    await _write(db, rows)
                    await db.commit()

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


_write: Callable[[Db, list[dict[str, Any]]], Awaitable[None]] = events_store.add_log_entries
