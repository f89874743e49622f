"""One admitted charger's life on this node: its RPC session, registry entry, frames in, and the end.

Transport-independent: `ocpp.transport` opens the websocket (after `ocpp.admission` said yes) and hands
in a `Link` — receive a frame, send a frame, close.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

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


def stored_limit_reader(ctx: EdgeContext, cp_id: str) -> Callable[[LimitRef], Awaitable[str | None]]:
    """Reads a limit the station reported (e.g. DeviceDataCtrlr.ItemsPerMessage) from its stored
    device model, so a long request can be split to fit (`ocpp/batching.py`)."""

    async def read(limit: LimitRef) -> str | None:
        async with ctx.db() as db:
            return await inventory.actual_value(db, cp_id, limit.component, limit.variable, limit.instance)

    return read


async def serve_charger(ctx: EdgeContext, admitted: Admitted, remote: str, link: Link) -> None:
    """Run the charger's session until its websocket closes."""
    cp_id, version = admitted.charge_point_id, admitted.version

    async def close(code: int, reason: str) -> None:
        try:
            await link.close(code, reason)
        except Exception:  # already closed
            pass

    handlers: Handlers | None = None

    async def handle(action: str, payload: dict[str, object]) -> dict[str, object]:
        assert handlers is not None
        return await handlers.handle(action, payload)

    rpc = RpcSession(
        version,
        link.send,
        handle,
        call_timeout=ctx.settings.call_timeout,
        validate_schemas=ctx.settings.validate_schemas,
        on_frame=ctx.message_log.recorder(cp_id),
    )
    session = ChargerSession(
        cp_id,
        version,
        rpc,
        close,
        remote=remote,
        name=admitted.name,
        registration_status=admitted.registration_status,
        read_limit=stored_limit_reader(ctx, cp_id),
    )
    for row in admitted.known_connectors:
        live = session.connector(row.connector_id)
        live.status, live.error_code, live.status_time = row.status, row.error_code, row.status_time
        live.energy_kwh, live.power_kw, live.soc, live.meter_time = (
            row.meter_kwh,
            row.power_kw,
            row.soc,
            row.meter_value_time,
        )
    handlers = HANDLERS[version](ctx, session)
    replaced = ctx.registry.register(session)
    if replaced is not None:
        log.warning("charge point %r connected again from %s: closing its previous connection", cp_id, remote)
        replaced.rpc.close()
        await replaced.close(1000, "replaced by a new connection")
    log.info("charge point %r connected from %s speaking %s", cp_id, remote, version.value)
    for listener in ctx.registry.listeners:
        await listener(cp_id, True)

    # A socket that never boots only holds memory: close it after the configured wait.
    boot_wait = ctx.settings.edge.boot_timeout_seconds

    closing: list[asyncio.Task[None]] = []  # keeps the closing task referenced until it is done

    def no_boot() -> None:
        log.warning(
            "closing charge point %r from %s: no BootNotification within %g s", cp_id, remote, boot_wait
        )
        closing.append(asyncio.ensure_future(close(1008, f"no BootNotification within {boot_wait:g} s")))

    boot_timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(boot_wait, no_boot)
    limit = ctx.settings.max_message_size

    def take(message: str) -> None:
        nonlocal boot_timer
        if boot_timer is not None and "BootNotification" in message:
            boot_timer.cancel()
            boot_timer = None
        if len(message) > limit:
            too_big = f"message of {len(message)} bytes exceeds {limit}"
            rpc.spawn(rpc.send_error("-1", ErrorKind.format, too_big))
        else:
            rpc.feed(message)

    # Text frames go straight from the transport to the session: no queue and no wake-up of this task per
    # message. This loop sees the rest (binary frames, fragmented messages, undecodable text).
    link.deliver_to(take)
    try:
        while True:
            message = await link.receive()
            if isinstance(message, str):
                take(message)
            else:
                await rpc.send_error("-1", ErrorKind.rpc_framework, "binary frames are not OCPP-J; send text")
    except LinkClosed:
        pass
    finally:
        link.deliver_to(None)
        if boot_timer is not None:
            boot_timer.cancel()
        rpc.close()
        if ctx.registry.unregister(session):
            log.info("charge point %r disconnected", cp_id)
            for listener in ctx.registry.listeners:
                await listener(cp_id, False)
