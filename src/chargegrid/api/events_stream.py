"""GET /API/Events: the live event stream (Server-Sent Events) for dashboards and scripts (read scope).

Each message is `id: <position>`, `event: <type>`, `data: <the event as JSON>`. A client that
reconnects with `Last-Event-ID` (browsers' EventSource do it themselves) gets every event after that
position still in the outbox, then the live ones; without it the stream starts with new events.
A key restricted to some charge points sees only their events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select

from chargegrid.api.auth import UNAUTHORIZED_RESPONSE, CallerDep, filters_by_caller, require_scope
from chargegrid.api.dependencies import ServicesDep
from chargegrid.events import outbox
from chargegrid.events.actors import Caller, Scope
from chargegrid.services import Services
from chargegrid.store.integration_models import OutboxEvent

router = APIRouter(tags=["Events"])

BATCH = 500
KEEP_ALIVE = 15.0  # seconds: proxies close idle connections


@router.get(
    "/API/Events",
    summary="Live events (Server-Sent Events), resumable with Last-Event-ID",
    description="`type`: comma-separated types or prefixes (`transaction.*,connector.status_changed`); "
    "`chargePointId`: one charger. `Last-Event-ID` header (or `lastEventId` query parameter): resume "
    "after that position. Events: " + ", ".join(str(t) for t in outbox.EventType) + ".",
    responses={**UNAUTHORIZED_RESPONSE, 200: {"content": {"text/event-stream": {}}}},
    dependencies=[require_scope(Scope.read)],
    response_class=StreamingResponse,
)
@filters_by_caller
async def event_stream(
    services: ServicesDep,
    caller: CallerDep,
    type: str | None = Query(default=None, description="Types or prefixes, comma-separated"),
    chargePointId: str | None = None,
    last_event_id: str | None = Header(default=None, alias="Last-Event-ID"),
    lastEventId: str | None = Query(default=None, description="Same as the Last-Event-ID header"),
) -> StreamingResponse:
    resume = last_event_id or lastEventId
    start: int | None = None
    if resume:
        try:
            start = int(resume)
        except ValueError:
            raise HTTPException(400, f"Last-Event-ID {resume!r} is not a position (a whole number)") from None
    patterns = [p.strip() for p in type.split(",") if p.strip()] if type else ["*"]
    for pattern in patterns:
        if not outbox.is_known_pattern(pattern):
            raise HTTPException(400, f"type {pattern!r} is not an event type or prefix (e.g. transaction.*)")
    if chargePointId is not None and not caller.may_access(chargePointId):
        raise HTTPException(403, f"This API key may not see charge point {chargePointId!r}.")
    if start is None:
        async with services.db() as db:
            start = await db.scalar(select(func.max(OutboxEvent.position))) or 0
    return StreamingResponse(
        _stream(services, caller, start, patterns, chargePointId),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(
    services: Services, caller: Caller, position: int, patterns: list[str], charge_point_id: str | None
) -> AsyncIterator[bytes]:
    assert services.events is not None
    # Events numbered on this node wake the stream at once, and so do those numbered by another node of
    # a cluster (a wake-up through Redis); the poll finds the rest (a lost wake-up, Redis down).
    poll = services.settings.events.stream_poll_seconds
    loop = asyncio.get_running_loop()
    with services.events.stream_waiter() as waiter:
        yield b": connected\n\n"
        quiet_since = loop.time()
        while True:
            waiter.clear()
            query = select(OutboxEvent).where(OutboxEvent.position > position)
            if charge_point_id is not None:
                query = query.where(OutboxEvent.charge_point_id == charge_point_id)
            if caller.restricted:
                query = query.where(OutboxEvent.charge_point_id.in_(caller.charge_points or ()))
            async with services.db() as db:
                rows = (await db.scalars(query.order_by(OutboxEvent.position).limit(BATCH))).all()
            for row in rows:
                assert row.position is not None
                position = row.position
                if outbox.matches(patterns, row.type):
                    data = orjson.dumps(outbox.as_json(row)).decode()
                    yield f"id: {row.position}\nevent: {row.type}\ndata: {data}\n\n".encode()
                    quiet_since = loop.time()
            if len(rows) == BATCH:
                continue
            if loop.time() - quiet_since >= KEEP_ALIVE:
                yield b": keep-alive\n\n"
                quiet_since = loop.time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), poll)
