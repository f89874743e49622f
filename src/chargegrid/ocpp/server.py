"""One admitted charger's life on this node: its RPC session, registry entry, frames in, and the end.

Transport-independent: `ocpp.transport` opens the websocket (after `ocpp.admission` said yes) and hands
in a `Link` — receive a frame, send a frame, close.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from chargegrid.ocpp.admission import Admitted
from chargegrid.ocpp.batching import LimitRef
from chargegrid.ocpp.context import EdgeContext
from chargegrid.ocpp.rpc import RpcSession
from chargegrid.ocpp.sessions import ChargerSession
from chargegrid.ocpp.v16 import V16Handlers
from chargegrid.ocpp.v21 import V21Handlers
from chargegrid.ocpp.v201 import V201Handlers
from chargegrid.ocpp.versions import ErrorKind, OcppVersion
from chargegrid.ocpp.wire import Handlers
from chargegrid.store import inventory

log = logging.getLogger("chargegrid.edge")

HANDLERS: dict[OcppVersion, type[Handlers]] = {
    OcppVersion.v16: V16Handlers,
    OcppVersion.v201: V201Handlers,
    OcppVersion.v21: V21Handlers,
}


class LinkClosed(Exception):
    """The websocket is gone (closed by either side)."""


class Link(Protocol):
    """The open websocket as the session sees it."""

    def deliver_to(self, take: Callable[[str], None] | None) -> None:
        """From now on hand each complete text frame to `take` as soon as it is parsed, in the
        transport's own callback (None: stop). `receive` then returns only the frames `take` did not get."""
        ...

    async def receive(self) -> str | bytes:
        """The next frame not given to `take`; raises `LinkClosed` when the connection is over."""
        ...

    async def send(self, message: str, /) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


class _Charger:
    """One admitted charger's session on this node, its frame sink and its boot timer.

    A slotted object with methods rather than closures in `serve_charger`: an idle charger keeps what its
    session, RPC session and link were handed (`take`, `handle`, `close`, `read_limit`) for as long as it is
    connected, and a bound method is smaller than a closure with its cells (measured: see bench/RESULTS.md,
    session 6).
    """

    __slots__ = ("boot_timer", "closing", "ctx", "handlers", "limit", "link", "remote", "rpc", "session")

    def __init__(self, ctx: EdgeContext, admitted: Admitted, remote: str, link: Link) -> None:
        cp_id, version = admitted.charge_point_id, admitted.version
        self.ctx = ctx
        self.remote = remote
        self.link = link
        self.limit = ctx.settings.max_message_size
        self.closing: asyncio.Task[None] | None = None  # keeps the closing task referenced until it is done
        self.rpc = RpcSession(
            version,
            link.send,
            self.handle,
            call_timeout=ctx.settings.call_timeout,
            validate_schemas=ctx.settings.validate_schemas,
            on_frame=ctx.message_log.recorder(cp_id),
        )
        self.session = ChargerSession(
            cp_id,
            version,
            self.rpc,
            self.close,
            remote=remote,
            name=admitted.name,
            registration_status=admitted.registration_status,
            read_limit=self.read_limit,
        )
        for row in admitted.known_connectors:
            live = self.session.connector(row.connector_id)
            live.status, live.error_code, live.status_time = row.status, row.error_code, row.status_time
            live.energy_kwh, live.power_kw, live.soc, live.meter_time = (
                row.meter_kwh,
                row.power_kw,
                row.soc,
                row.meter_value_time,
            )
        self.handlers: Handlers = HANDLERS[version](ctx, self.session)
        # A socket that never boots only holds memory: close it after the configured wait.
        self.boot_timer: asyncio.TimerHandle | None = None

    async def close(self, code: int, reason: str) -> None:
        try:
            await self.link.close(code, reason)
        except Exception:  # already closed
            pass

    async def handle(self, action: str, payload: dict[str, object]) -> dict[str, object]:
        return await self.handlers.handle(action, payload)

    async def read_limit(self, limit: LimitRef) -> str | None:
        """A limit the station reported (e.g. DeviceDataCtrlr.ItemsPerMessage) from its stored device
        model, so a long request can be split to fit (`ocpp/batching.py`)."""
        async with self.ctx.db() as db:
            return await inventory.actual_value(
                db, self.session.charge_point_id, limit.component, limit.variable, limit.instance
            )

    def no_boot(self) -> None:
        boot_wait = self.ctx.settings.edge.boot_timeout_seconds
        log.warning(
            "closing charge point %r from %s: no BootNotification within %g s",
            self.session.charge_point_id,
            self.remote,
            boot_wait,
        )
        self.closing = asyncio.ensure_future(self.close(1008, f"no BootNotification within {boot_wait:g} s"))

    def take(self, message: str) -> None:
        if self.boot_timer is not None and "BootNotification" in message:
            self.boot_timer.cancel()
            self.boot_timer = None
        if len(message) > self.limit:
            too_big = f"message of {len(message)} bytes exceeds {self.limit}"
            self.rpc.spawn(self.rpc.send_error("-1", ErrorKind.format, too_big))
        else:
            self.rpc.feed(message)

    async def run(self) -> None:
        ctx, session, rpc, link = self.ctx, self.session, self.rpc, self.link
        cp_id = session.charge_point_id
        replaced = ctx.registry.register(session)
        if replaced is not None:
            log.warning(
                "charge point %r connected again from %s: closing its previous connection", cp_id, self.remote
            )
            replaced.rpc.close()
            await replaced.close(1000, "replaced by a new connection")
        log.info("charge point %r connected from %s speaking %s", cp_id, self.remote, session.version.value)
        for listener in ctx.registry.listeners:
            await listener(cp_id, True)

        boot_wait = ctx.settings.edge.boot_timeout_seconds
        self.boot_timer = asyncio.get_running_loop().call_later(boot_wait, self.no_boot)

        # Text frames go straight from the transport to the session: no queue and no wake-up of this task
        # per message. This loop sees the rest (binary frames, fragmented messages, undecodable text).
        link.deliver_to(self.take)
        try:
            while True:
                message = await link.receive()
                if isinstance(message, str):
                    self.take(message)
                else:
                    await rpc.send_error(
                        "-1", ErrorKind.rpc_framework, "binary frames are not OCPP-J; send text"
                    )
        except LinkClosed:
            pass
        finally:
            link.deliver_to(None)
            if self.boot_timer is not None:
                self.boot_timer.cancel()
                self.boot_timer = None
            rpc.close()
            if ctx.registry.unregister(session):
                log.info("charge point %r disconnected", cp_id)
                for listener in ctx.registry.listeners:
                    await listener(cp_id, False)


def serve_charger(ctx: EdgeContext, admitted: Admitted, remote: str, link: Link) -> Coroutine[Any, Any, None]:
    """The charger's session, to await: it runs until the websocket closes. (The session's own coroutine
    is returned rather than awaited in one of this function's: one coroutine frame less per charger.)"""
    return _Charger(ctx, admitted, remote, link).run()
