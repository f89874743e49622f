"""Monitoring (2.x): monitors on device-model variables, the monitoring base and level, monitoring
reports (`GET /API/Monitoring/{cp}`), and the events monitors raise (`GET /API/DeviceEvents/{cp}`,
NotifyEvent as stored, filtered by component/variable)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from chargegrid.api.auth import UNAUTHORIZED_RESPONSE, require_api_key, require_scope
from chargegrid.api.command_http import (
    command_route,
    parse_choice,
    parse_int,
    run_command,
    send_command,
)
from chargegrid.api.dependencies import ServicesDep
from chargegrid.api.device_model import TargetBody
from chargegrid.api.reports_view import requested, stored_items_route, with_results
from chargegrid.api.request_bodies import CAMEL, CamelBody, body_doc, read_body
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import (
    ClearVariableMonitoring,
    GetMonitoringReport,
    MonitorSetting,
    SetMonitoringBase,
    SetMonitoringLevel,
    SetVariableMonitoring,
)
from chargegrid.ocpp.wire import format_time
from chargegrid.store import events as events_store

router = APIRouter(tags=["Monitoring"], dependencies=[Depends(require_api_key)])

CP = Path(alias="chargePointId", description="The charge point id")


class MonitorBody(MonitorSetting):
    model_config = CAMEL


class SetMonitorsBody(CamelBody):
    monitors: list[MonitorBody] = Field(min_length=1)


class ClearMonitorsBody(CamelBody):
    ids: list[int] = Field(min_length=1)


class MonitoringReportBody(CamelBody):
    criteria: list[Literal["ThresholdMonitoring", "DeltaMonitoring", "PeriodicMonitoring"]] = Field(
        default=[], max_length=3
    )
    components: list[TargetBody] = []


_SET_EXAMPLE = {
    "monitors": [
        {
            "component": "EVSE",
            "evse": 1,
            "variable": "Power",
            "type": "UpperThreshold",
            "value": 22000,
            "severity": 4,
        }
    ]
}


@command_route(
    router,
    "SetVariableMonitoring",
    ["/{chargePointId}"],
    summary="Set monitors on variables of a 2.x station",
    description='JSON body: {"monitors": [{"component", "variable", "evse", "connector", '
    '"componentInstance", "variableInstance", "id" (replace that monitor), "type": "UpperThreshold" | '
    '"LowerThreshold" | "Delta" | "Periodic" | "PeriodicClockAligned", "value", "severity": 0-9, '
    '"transaction"}]}. Answer: {"status": "Accepted", "results": [{"id", "status": "Accepted" | '
    '"UnknownComponent" | "UnknownVariable" | "UnsupportedMonitorType" | "Rejected" | "Duplicate", '
    '"type", "severity", "component", "variable"}]}. OCPP 1.6: 400.',
    openapi_extra=body_doc(SetMonitorsBody, _SET_EXAMPLE),
)
async def set_variable_monitoring(request: Request, cp: str = CP) -> JSONResponse:
    body = await read_body(request, SetMonitorsBody, "SetVariableMonitoring", str(_SET_EXAMPLE))
    command = SetVariableMonitoring(items=tuple(MonitorSetting(**m.model_dump()) for m in body.monitors))
    return with_results(cp, await send_command(request, cp, command), "setMonitoringResult")


@command_route(
    router,
    "SetMonitoringBase",
    ["/{chargePointId}/{monitoringBase}"],
    summary="Choose the base set of monitors of a 2.x station",
    description="`monitoringBase`: `All`, `FactoryDefault` or `HardWiredOnly`. Answer: "
    '{"status": "Accepted" | "Rejected" | "NotSupported" | "EmptyResultSet"}. OCPP 1.6: 400.',
)
async def set_monitoring_base(
    request: Request, cp: str = CP, base: str = Path(alias="monitoringBase")
) -> JSONResponse:
    choices = {b.lower(): b for b in ("All", "FactoryDefault", "HardWiredOnly")}
    return await run_command(
        request, cp, SetMonitoringBase(base=parse_choice("monitoringBase", base, choices))
    )


@command_route(
    router,
    "SetMonitoringLevel",
    ["/{chargePointId}/{severity}"],
    summary="Set the severity up to which a 2.x station reports monitor events",
    description='`severity` 0 (Danger) … 9 (Debug). Answer: {"status": "Accepted" | "Rejected"}. '
    "OCPP 1.6: 400.",
)
async def set_monitoring_level(request: Request, cp: str = CP, severity: str = Path()) -> JSONResponse:
    return await run_command(request, cp, SetMonitoringLevel(severity=parse_int("severity", severity)))


@command_route(
    router,
    "ClearVariableMonitoring",
    ["/{chargePointId}"],
    summary="Remove monitors from a 2.x station",
    description='JSON body: {"ids": [monitor ids]}. Answer: {"status": "Accepted", "results": [{"id", '
    '"status": "Accepted" | "Rejected" | "NotFound"}]}. OCPP 1.6: 400.',
    openapi_extra=body_doc(ClearMonitorsBody, {"ids": [1, 2]}),
)
async def clear_variable_monitoring(request: Request, cp: str = CP) -> JSONResponse:
    body = await read_body(request, ClearMonitorsBody, "ClearVariableMonitoring", '{"ids": [1]}')
    outcome = await send_command(request, cp, ClearVariableMonitoring(ids=tuple(body.ids)))
    return with_results(cp, outcome, "clearMonitoringResult")


@command_route(
    router,
    "GetMonitoringReport",
    ["/{chargePointId}"],
    summary="Ask a 2.x station for a report of its monitors",
    description='Optional JSON body: {"criteria": ["ThresholdMonitoring" | "DeltaMonitoring" | '
    '"PeriodicMonitoring"], "components": [{"component", "evse", "variable", ...}]}. Answer: '
    '{"status": "Accepted" | "Rejected" | "NotSupported" | "EmptyResultSet", "requestId": n}; the '
    "NotifyMonitoringReport parts that follow are shown by `GET /API/Monitoring/{chargePointId}`.",
    openapi_extra=body_doc(MonitoringReportBody, {"criteria": ["ThresholdMonitoring"]}),
)
async def get_monitoring_report(request: Request, cp: str = CP) -> JSONResponse:
    body = MonitoringReportBody()
    if await request.body():
        body = await read_body(request, MonitoringReportBody, "GetMonitoringReport", '{"criteria": []}')
    command = GetMonitoringReport(
        criteria=tuple(body.criteria), targets=tuple(t.target() for t in body.components)
    )
    return requested(cp, await send_command(request, cp, command), command.request_id)


stored_items_route(
    router,
    "/API/Monitoring/{chargePointId}",
    name="stored_monitors",
    kind="NotifyMonitoringReport",
    what="monitors",
    item="monitor",
    field="monitors",
    summary="The monitors a 2.x station last reported",
    description="The NotifyMonitoringReport parts of one request (default: the newest), put together: "
    '{"requestId", "complete", "parts", "receivedAt", "monitors": [{"component", "variable", '
    '"variableMonitoring": [{"id", "transaction", "value", "type", "severity"}]}]}. 404 when none.',
)


@router.get(
    "/API/DeviceEvents/{chargePointId}",
    dependencies=[require_scope(Scope.read)],
    summary="Events a 2.x station reported (NotifyEvent), per component/variable",
    description="One entry per reported event, newest first: the eventData item as the station sent "
    "it plus `receivedAt`. Filter with `component` and `variable` (exact names); `limit` (default 100, "
    "at most 1000) bounds the answer.",
    responses=UNAUTHORIZED_RESPONSE,
)
async def device_events(
    services: ServicesDep,
    cp: str = CP,
    component: str | None = Query(None),
    variable: str | None = Query(None),
    limit: str | None = Query(None),
) -> dict[str, Any]:
    count = min(parse_int("limit", limit, minimum=1, default=100), 1000)
    async with services.db() as db:
        stored = await events_store.events_of(db, cp, "NotifyEvent")
    events = []
    for event in stored:
        for item in (event.payload or {}).get("eventData", []):
            if component is not None and item.get("component", {}).get("name") != component:
                continue
            if variable is not None and item.get("variable", {}).get("name") != variable:
                continue
            events.append({**item, "receivedAt": format_time(event.timestamp)})
    return {"chargePointId": cp, "events": events[:count]}
