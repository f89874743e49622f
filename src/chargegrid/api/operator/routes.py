"""The operator API's routes: stations and transactions in Motown's paging envelope, and commands.

POST /charging-stations/{id}/commands takes ["Name", {payload}] and answers 202 with the command's id;
the station's answer lands on the command record (GET .../commands/{commandId}); `?wait=true` waits for
it (up to the call timeout) and answers 200 with the finished record.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import func, select

from chargegrid.api.auth import CallerDep, scoped_by_method
from chargegrid.api.dependencies import ServicesDep
from chargegrid.api.operator import views
from chargegrid.api.operator.catalog import COMMANDS
from chargegrid.api.operator.common import (
    JSON_MEDIA_TYPE,
    MOTOWN_MEDIA_TYPE,
    json_answer,
    json_body,
    refuse,
)
from chargegrid.api.operator.context import Context
from chargegrid.api.operator.paging import Page, envelope, page_params
from chargegrid.api.operator.runtime import Done, runtime_of
from chargegrid.events import audit
from chargegrid.events.actors import Scope
from chargegrid.security import redaction
from chargegrid.store import charge_points as cp_store
from chargegrid.store import command_records
from chargegrid.store.models import ChargePoint, Transaction, utcnow

# GET routes need the read scope, the command POSTs the command scope.
router = APIRouter(tags=["operator (Motown)"], route_class=scoped_by_method(Scope.command))

# Type tags pydantic adds to a union member's error location; the field's path is what the operator needs.
_UNION_TAGS = {"str", "int", "float", "bool"}


@router.get("/charging-stations", summary="A page of charging stations")
async def list_stations(
    request: Request, services: ServicesDep, page: Page = Depends(page_params)
) -> Response:
    async with services.db() as db:
        total = await db.scalar(select(func.count()).select_from(ChargePoint)) or 0
        query = select(ChargePoint).order_by(ChargePoint.id).offset(page.offset).limit(page.limit)
        stations = (await db.scalars(query)).all()
        rows = await cp_store.connectors(db, [cp.id for cp in stations])
    elsewhere = await services.connected_elsewhere(cp.id for cp in stations)  # other cluster nodes
    elements = [
        views.station(
            cp, [r for r in rows if r.charge_point_id == cp.id], services.registry, cp.id in elsewhere
        )
        for cp in stations
    ]
    return json_answer(request, envelope(request, page, total, elements))


@router.get("/charging-stations/{station_id}", summary="One charging station")
async def get_station(station_id: str, request: Request, services: ServicesDep) -> Response:
    async with services.db() as db:
        cp = await cp_store.get(db, station_id)
        if cp is None:
            raise refuse(404, f"unknown charging station {station_id!r}: register it with a Register command")
        rows = await cp_store.connectors(db, [cp.id])
    elsewhere = cp.id in await services.connected_elsewhere([cp.id])
    return json_answer(request, views.station(cp, rows, services.registry, elsewhere))


@router.get("/transactions", summary="A page of transactions, oldest first")
async def list_transactions(
    request: Request, services: ServicesDep, page: Page = Depends(page_params)
) -> Response:
    async with services.db() as db:
        total = await db.scalar(select(func.count()).select_from(Transaction)) or 0
        query = select(Transaction).order_by(Transaction.id).offset(page.offset).limit(page.limit)
        rows = (await db.scalars(query)).all()
    return json_answer(request, envelope(request, page, total, [views.transaction(tx) for tx in rows]))


def _describe(name: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"] if part not in _UNION_TAGS) or "payload"
        message = str(error["msg"]).removeprefix("Value error, ")
        value = error.get("input")
        shown = "" if error["type"] == "missing" or isinstance(value, dict | list) else f" (got {value!r})"
        problem = f"{path}: {message}{shown}"
        if problem not in problems:
            problems.append(problem)
    return f"{name} payload: " + "; ".join(problems)


def _parse(body: Any) -> tuple[str, Any]:
    if not isinstance(body, list) or len(body) != 2:
        raise refuse(400, 'The body must be a two-element JSON array: ["CommandName", {payload}].')
    name, payload = body
    if not isinstance(name, str) or name not in COMMANDS:
        raise refuse(400, f"Unknown command {name!r}: use one of {', '.join(sorted(COMMANDS))}.")
    if not isinstance(payload, dict):
        raise refuse(400, f"The {name} payload must be a JSON object (got {type(payload).__name__}).")
    try:
        return name, COMMANDS[name].model.model_validate(payload)
    except ValidationError as exc:
        raise refuse(400, _describe(name, exc)) from None


def _wants_wait(request: Request) -> bool:
    value = request.query_params.get("wait", "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise refuse(400, f"wait must be true or false (got {value!r})")
    return value in ("true", "1", "yes")


_COMMAND_BODY = {
    "type": "array",
    "prefixItems": [{"type": "string", "enum": sorted(COMMANDS)}, {"type": "object"}],
    "minItems": 2,
    "maxItems": 2,
    "example": ["UnlockConnector", {"connectorId": 1}],
}
_COMMAND_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {media: {"schema": _COMMAND_BODY} for media in (JSON_MEDIA_TYPE, MOTOWN_MEDIA_TYPE)},
    },
    "parameters": [
        {
            "name": "wait",
            "in": "query",
            "required": False,
            "schema": {"type": "boolean", "default": False},
            "description": "wait for the station's answer (up to the call timeout) and answer 200 with it",
        }
    ],
}


@router.post(
    "/charging-stations/{station_id}/commands",
    status_code=202,
    summary='Send a command: ["Name", {payload}]',
    openapi_extra=_COMMAND_OPENAPI,
)
async def post_command(
    station_id: str, request: Request, services: ServicesDep, caller: CallerDep
) -> Response:
    runtime = runtime_of(services)
    wait = _wants_wait(request)
    name, payload = _parse(await json_body(request))
    spec = COMMANDS[name]
    async with services.db() as db:
        station = await cp_store.get(db, station_id)
    if station is None and not spec.creates_station:
        raise refuse(404, f"unknown charging station {station_id!r}: register it first (Register command)")
    if station is not None and spec.needs_accepted and station.registration_status != "Accepted":
        raise refuse(
            409,
            f"charging station {station_id!r} is {station.registration_status}, not accepted yet: "
            "accept it first (Register or AcceptChargingStation)",
        )
    result = await spec.handler(Context(services, runtime, station_id, station, caller.token()), payload)

    record_id = str(uuid.uuid4())
    raw_payload = payload.model_dump(by_alias=True, mode="json", exclude_none=True)
    async with services.db.begin() as db:
        # The record is shown back to operators: a password sent to the charger stays off it.
        record = command_records.add(db, record_id, station_id, name, redaction.redact(raw_payload))
        if isinstance(result, Done):
            record.status, record.answer, record.message = result.status, result.answer, result.message
            record.completed_at = utcnow()
            # Done here (station data, registration): a change the audit log keeps. Commands that reach
            # the station are logged when they finish (the events service listens to Commands).
            audit.record(
                db,
                caller,
                f"operator.{name}",
                charge_point_id=station_id,
                outcome=result.status,
                details=audit.command_parameters({"kind": name, **raw_payload}),
            )
    if not isinstance(result, Done):
        task = runtime.spawn(runtime.run_command(record_id, result))
        if wait:  # the station's own call is bounded by the call timeout; a little slack for the write
            await asyncio.wait({task}, timeout=services.settings.call_timeout + 5)
    async with services.db() as db:
        stored = await command_records.get(db, record_id)
    assert stored is not None
    body = views.command(stored)
    finished = stored.status != command_records.PENDING
    location = f"/charging-stations/{station_id}/commands/{record_id}"
    answer = json_answer(request, body, 200 if wait and finished else 202)
    answer.headers["Location"] = location
    return answer


@router.get("/charging-stations/{station_id}/commands/{command_id}", summary="A command's outcome")
async def get_command(station_id: str, command_id: str, request: Request, services: ServicesDep) -> Response:
    async with services.db() as db:
        record = await command_records.get(db, command_id)
    if record is None or record.charge_point_id != station_id:
        raise refuse(404, f"no command {command_id!r} for charging station {station_id!r}")
    return json_answer(request, views.command(record))
