"""The node's events service: starts the sequencer and the webhook worker, records charger
connections, and is where finished commands are reported (`command_finished`).

A finished command's event and audit entry are one more write in the edge's group commit, in the
charger's lane, and the face's answer does not wait for that commit: measured, the commit was most of the
REST → charger → REST round trip (4.6 of 6.2 ms on SQLite, 2.8 of 3.8 on PostgreSQL). Nothing is lost for
it: readers of the audit log on this node first wait for what is still on its way (`recorded`), and
`stop` waits for it before the writer stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chargegrid.config import Settings
from chargegrid.events import audit, outbox
from chargegrid.events.actors import Caller
from chargegrid.events.delivery import DeliveryPolicy, WebhookWorker
from chargegrid.events.sequencer import Sequencer
from chargegrid.ocpp.commands import CommandRun
from chargegrid.ocpp.sessions import SessionRegistry
from chargegrid.store.models import utcnow
from chargegrid.store.writer import BatchedWriter, WriterClosed

log = logging.getLogger("chargegrid.events")


def node_name(settings: Settings) -> str:
    return settings.node_id or f"{socket.gethostname()}-{os.getpid()}"


class Events:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        writer: BatchedWriter,
        registry: SessionRegistry,
    ) -> None:
        self._sessions = sessions
        self._writer = writer
        self._registry = registry
        owner = node_name(settings)
        cfg = settings.events
        self.sequencer = Sequencer(
            sessions, owner, interval=cfg.sequence_interval, retention_days=cfg.retention_days
        )
        self.worker = WebhookWorker(
            sessions,
            owner,
            DeliveryPolicy(
                timeout=cfg.webhook_timeout,
                backoff_base=cfg.webhook_backoff_seconds,
                backoff_max=cfg.webhook_backoff_max_seconds,
                retry_window=timedelta(hours=cfg.webhook_retry_hours),
            ),
            poll_interval=max(cfg.sequence_interval, 0.5),
        )
        self._streams: set[asyncio.Event] = set()
        self.sequencer.listeners.append(self.worker.new_events)
        self.sequencer.listeners.append(self._wake_streams)
        self._tasks: list[asyncio.Task[None]] = []
        # Finished commands whose event and audit entry are on their way to a commit.
        self._recording: set[asyncio.Task[None]] = set()
        self._stopped = False

    def start(self) -> None:
        self._registry.listeners.append(self._connection)
        self._tasks = [
            asyncio.create_task(self.sequencer.run(), name="events-sequencer"),
            asyncio.create_task(self.worker.run(), name="webhook-worker"),
        ]

    async def stop(self) -> None:
        # What finished commands left to record is committed before the writer stops; a command that
        # finishes after this records itself before returning, as `command_finished` then awaits.
        self._stopped = True
        await self.recorded()
        # Ask the loops to stop between database calls: a task cancelled inside a query can leave its
        # pooled connection broken while the engine is being disposed.
        self.sequencer.stop()
        self.worker.stop()
        _done, pending = await asyncio.wait(self._tasks, timeout=5.0)
        for task in pending:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def recorded(self) -> None:
        """Returns once every command that finished on this node so far has its event and audit entry
        committed (or failed to, which is logged): what readers of the audit log await first."""
        if self._recording:  # those finished by now: a busy node's later commands do not hold a reader
            await asyncio.wait(list(self._recording))

    def committed(self) -> None:
        """Events were just committed on this node: pick them up now rather than at the next tick."""
        self.sequencer.poke()

    # ---- live streams (SSE) wait here for new positions -------------------------------------------

    def _wake_streams(self) -> None:
        for waiter in self._streams:
            waiter.set()

    def numbered_elsewhere(self) -> None:
        """Another node of the cluster gave events their positions (`cluster/event_wakeups.py`)."""
        self._wake_streams()
        self.worker.new_events()

    @contextlib.contextmanager
    def stream_waiter(self) -> Any:
        waiter = asyncio.Event()
        self._streams.add(waiter)
        try:
            yield waiter
        finally:
            self._streams.discard(waiter)

    # ---- what the rest of the node reports ---------------------------------------------------------

    async def _connection(self, charge_point_id: str, connected: bool) -> None:
        session = self._registry.get(charge_point_id)
        data: dict[str, Any] = {}
        if connected and session is not None:
            data = {"protocol": session.version.value}
        kind = outbox.EventType.charger_connected if connected else outbox.EventType.charger_disconnected
        try:
            # Through the edge's writer: one more row in a group commit, in this charger's lane (so
            # "connected" is ordered before what the charger sends next).
            # Bounded: at shutdown the writer may stop between our check and our write.
            async with asyncio.timeout(30):  # not wait_for: that costs a task per (dis)connection
                await self._writer.run(charge_point_id, lambda db: _emit(db, kind, charge_point_id, data))
        except (WriterClosed, TimeoutError):
            pass  # shutting down: the node going away is not the charger's disconnection
        except Exception:
            log.exception("could not record that %r %s", charge_point_id, kind)

    async def on_command(self, run: CommandRun) -> None:
        """`Commands` listener: every finished command becomes an event and an audit entry."""
        outcome = run.outcome
        details: dict[str, Any] = {
            "parameters": audit.command_parameters(run.command.model_dump(mode="json"))
        }
        if outcome.error_code:
            details["errorCode"] = outcome.error_code
        if outcome.description:
            details["description"] = outcome.description
        await self.command_finished(
            run.charge_point_id,
            run.command.kind,
            Caller.from_token(run.actor),
            outcome.status.value,
            details=details,
        )

    async def site_allocation_changed(self, site_id: str, view: dict[str, Any]) -> None:
        """The load manager gave a site's sessions new limits (accepted by the chargers): one
        `site.allocation_changed` event with the site's figures (as `GET /API/Sites/{id}` shows them)."""
        data = {"siteId": site_id, **{k: v for k, v in view.items() if k != "stats"}}
        async with self._sessions.begin() as db:
            outbox.emit(db, outbox.EventType.site_allocation, None, data)
        self.committed()

    async def command_finished(
        self,
        charge_point_id: str,
        command: str,
        actor: Caller,
        status: str,
        *,
        details: dict[str, Any] | None = None,
    ) -> None:
        """A command to a charger ended (answered, refused, timed out, offline...): one `command.finished`
        event and one audit entry, committed together, in the charger's lane of the group commit (after
        what the charger reported before). Returns before the commit; `recorded` waits for it. `status`
        is the outcome's status text."""
        when = utcnow()  # when it finished, not when the commit got to it

        async def record(db: AsyncSession) -> None:
            outbox.emit(
                db,
                outbox.EventType.command_finished,
                charge_point_id,
                {
                    "command": command,
                    "status": status,
                    "actor": {"kind": actor.kind.value, "id": actor.id, "name": actor.name},
                    "details": details,
                },
                when,
            )
            audit.record(
                db,
                actor,
                f"command.{command}",
                charge_point_id=charge_point_id,
                outcome=status,
                details=details,
                when=when,
            )

        if self._stopped:  # shutting down: no task that nobody would wait for
            await self._record(charge_point_id, command, record)
            return
        task = asyncio.create_task(self._record(charge_point_id, command, record))
        self._recording.add(task)
        task.add_done_callback(self._recording.discard)

    async def _record(
        self, charge_point_id: str, command: str, record: Callable[[AsyncSession], Awaitable[None]]
    ) -> None:
        try:
            try:
                await self._writer.run(charge_point_id, record)
            except WriterClosed:  # the writer stopped with it queued: a transaction of its own
                async with self._sessions.begin() as db:
                    await record(db)
        except Exception:
            log.exception("could not record that %s to %r finished", command, charge_point_id)
            return
        self.committed()


async def _emit(db: Any, kind: outbox.EventType, charge_point_id: str, data: dict[str, Any]) -> None:
    outbox.emit(db, kind, charge_point_id, data)
