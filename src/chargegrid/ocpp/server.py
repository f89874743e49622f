"""The websocket edge: `/OCPP/{chargePointId}` — subprotocol, admission, Basic auth, one session per id.

Every refusal happens before the upgrade, as a plain HTTP answer whose body says what to do:
400 no common subprotocol or a bad id, 404 unknown charger (policy `reject`), 401 bad credentials,
403 a connection below the charger's security profile, 429/503 password guessing budgets
(`ocpp.security_gate`).
"""

from __future__ import annotations

import logging

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from chargegrid.domain.registration import (
    CHARGE_POINT_ID_RULE,
    Admission,
    admit_unknown,
    is_valid_charge_point_id,
)
from chargegrid.ocpp import security_gate
from chargegrid.ocpp.context import EdgeContext
from chargegrid.ocpp.rpc import RpcSession
from chargegrid.ocpp.sessions import ChargerSession
from chargegrid.ocpp.v16 import V16Handlers
from chargegrid.ocpp.v201 import V201Handlers
from chargegrid.ocpp.versions import ErrorKind, OcppVersion, negotiate
from chargegrid.ocpp.wire import Handlers
from chargegrid.store import charge_points as cp_store

log = logging.getLogger("chargegrid.edge")

HANDLERS: dict[OcppVersion, type[Handlers]] = {
    OcppVersion.v16: V16Handlers,
    OcppVersion.v201: V201Handlers,
    OcppVersion.v21: V201Handlers,
}


async def _refuse(
    websocket: WebSocket, status: int, text: str, headers: dict[str, str] | None = None
) -> None:
    await websocket.send_denial_response(PlainTextResponse(text + "\n", status_code=status, headers=headers))


async def ocpp_endpoint(websocket: WebSocket) -> None:
    ctx: EdgeContext = websocket.app.state.edge
    cp_id: str = websocket.path_params["charge_point_id"]
    remote = websocket.client.host if websocket.client else "?"
    version = negotiate(list(websocket.scope.get("subprotocols") or []))
    if version is None:
        offered = ", ".join(websocket.scope.get("subprotocols") or []) or "none"
        await _refuse(
            websocket,
            400,
            f"No supported OCPP subprotocol offered ({offered}); "
            "offer one of ocpp2.1, ocpp2.0.1, ocpp1.6 in Sec-WebSocket-Protocol.",
        )
        return
    if not is_valid_charge_point_id(cp_id):
        await _refuse(websocket, 400, f"Charge point id must be {CHARGE_POINT_ID_RULE}.")
        return
    denied = security_gate.precheck(ctx, websocket.scope, websocket.headers, cp_id)
    if denied is not None:  # a guessing address or a locked id costs not even a database read
        await _refuse(websocket, denied.status, denied.text, denied.headers)
        return

    async with ctx.db() as db:
        cp = await cp_store.get(db, cp_id)
    if cp is None:
        admission = admit_unknown(ctx.settings.unknown_chargers)
        if admission is Admission.refuse:
            log.info("refused unknown charge point %r from %s", cp_id, remote)
            await _refuse(websocket, 404, f"Unknown charge point {cp_id!r}: an operator must add it first.")
            return
        # Through the writer: in a boot storm, registering must not fight the edge's commits for the lock.
        cp = await ctx.writer.run(cp_id, lambda db: cp_store.register(db, cp_id, admission.value))
        log.info("registered unknown charge point %r as %s", cp_id, cp.registration_status)
    name, registration = cp.name, cp.registration_status
    denied, who = await security_gate.check(
        ctx,
        websocket.scope,
        websocket.headers,
        cp_id,
        cp.security_profile,
        cp.password_hash,
        cp.password_hash_next,
    )
    if denied is not None:
        await _refuse(websocket, denied.status, denied.text, denied.headers)
        return
    remote = who.address
    async with ctx.db() as db:  # read only for an admitted charger: refused guesses cost one query
        known = await cp_store.connectors(db, [cp_id])

    await websocket.accept(subprotocol=version.value)
    await _serve(ctx, websocket, cp_id, version, remote, name, registration, known)


async def _serve(
    ctx: EdgeContext,
    websocket: WebSocket,
    cp_id: str,
    version: OcppVersion,
    remote: str,
    name: str | None,
    registration: str,
    known: object,
) -> None:
    async def close(code: int, reason: str) -> None:
        try:
            await websocket.close(code=code, reason=reason)
        except Exception:  # already closed
            pass

    handlers: Handlers | None = None

    async def handle(action: str, payload: dict[str, object]) -> dict[str, object]:
        assert handlers is not None
        return await handlers.handle(action, payload)

    rpc = RpcSession(
        version,
        websocket.send_text,
        handle,
        call_timeout=ctx.settings.call_timeout,
        validate_schemas=ctx.settings.validate_schemas,
        on_frame=ctx.message_log.recorder(cp_id),
    )
    session = ChargerSession(
        cp_id, version, rpc, close, remote=remote, name=name, registration_status=registration
    )
    for row in known:  # type: ignore[attr-defined]
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
    limit = ctx.settings.max_message_size
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                await rpc.send_error("-1", ErrorKind.rpc_framework, "binary frames are not OCPP-J; send text")
            elif len(text) > limit:
                await rpc.send_error("-1", ErrorKind.format, f"message of {len(text)} bytes exceeds {limit}")
            else:
                await rpc.receive(text)
    except WebSocketDisconnect:
        pass
    finally:
        rpc.close()
        if ctx.registry.unregister(session):
            log.info("charge point %r disconnected", cp_id)
            for listener in ctx.registry.listeners:
                await listener(cp_id, False)
