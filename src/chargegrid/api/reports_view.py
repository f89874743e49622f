"""What the routes of the 2.x blocks share: the answer to a request the station fulfils later (its status
and the requestId to look the result up by), the answer with per-entry results, and how a stored
multi-part report (display messages, monitors, customer data) is found and shown."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import JSONResponse

from chargegrid.api.auth import UNAUTHORIZED_RESPONSE, require_scope
from chargegrid.api.command_http import parse_int
from chargegrid.api.dependencies import ServicesDep
from chargegrid.api.outcomes import outcome_response
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import Outcome
from chargegrid.ocpp.wire import format_time
from chargegrid.services import Services
from chargegrid.store import report_parts
from chargegrid.store.report_parts import Report


def requested(cp: str, outcome: Outcome, request_id: int) -> JSONResponse:
    """`{"status", "requestId"}`: what the station will send follows, tagged with `request_id`."""
    return outcome_response(cp, outcome, {"status": outcome.status.value, "requestId": request_id})


def with_results(cp: str, outcome: Outcome, field: str) -> JSONResponse:
    """`{"status", "results"}`: the station's per-entry answers (its list `field`) as it sent them."""
    results = (outcome.raw or {}).get(field, [])
    return outcome_response(cp, outcome, {"status": outcome.status.value, "results": results})


async def stored_report(
    services: Services, cp: str, kind: str, request_id: str | None, what: str
) -> tuple[dict[str, Any], Report]:
    """The parts of one request (default: the newest) with the view of its identity and state; 404
    naming `what` when the station sent none."""
    rid = parse_int("requestId", request_id) if request_id is not None else None
    async with services.db() as db:
        found = await report_parts.report(db, cp, kind, rid)
    if found is None:
        raise HTTPException(404, f"charge point {cp!r} reported no {what} for that request (yet)")
    view = {
        "requestId": found.request_id,
        "complete": found.complete,
        "parts": len(found.parts),
        "receivedAt": format_time(max(p.received_at for p in found.parts)),
    }
    return view, found


def stored_items_route(
    router: APIRouter,
    path: str,
    *,
    name: str,
    kind: str,
    what: str,
    item: str,
    field: str,
    summary: str,
    description: str,
) -> None:
    """Register `GET path` (`?requestId=`, default the newest): the `kind` parts of one request put
    together, the `item` entries of every part listed as `field` (display messages, monitors)."""

    async def stored_items(
        services: ServicesDep,
        cp: str = Path(alias="chargePointId", description="The charge point id"),
        request_id: str | None = Query(None, alias="requestId"),
    ) -> dict[str, Any]:
        view, found = await stored_report(services, cp, kind, request_id, what)
        return {**view, field: found.items(item)}

    router.add_api_route(
        path,
        stored_items,
        methods=["GET"],
        name=name,
        dependencies=[require_scope(Scope.read)],
        summary=summary,
        description=description,
        responses=UNAUTHORIZED_RESPONSE,
    )
