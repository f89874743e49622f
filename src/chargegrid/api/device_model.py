"""Device model (2.x) and configuration (1.6): reports, variables read and written in bulk, and the
stored inventory of each station's variables.

- `POST /API/GetBaseReport/{cp}?reportBase=` and `POST /API/GetReport/{cp}` (JSON body) answer the
  station's status and the `requestId`; the NotifyReport parts that follow fill the inventory;
- `POST /API/GetVariables/{cp}` / `POST /API/SetVariables/{cp}` (JSON body, many entries) answer the
  per-entry results and store them in the inventory;
- `GET /API/Variables/{cp}[?component=&variable=]` reads the inventory (1.6 GetConfiguration results
  are kept there too, as variables of no component).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from chargegrid.api.auth import UNAUTHORIZED_RESPONSE, require_api_key, require_scope
from chargegrid.api.command_http import command_route, parse_choice, send_command
from chargegrid.api.dependencies import ServicesDep
from chargegrid.api.outcomes import outcome_response
from chargegrid.api.reports_view import requested
from chargegrid.api.request_bodies import CAMEL, CamelBody, body_doc, read_body
from chargegrid.domain import device_model, reports
from chargegrid.domain.device_model import VariableUpdate
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import (
    GetBaseReport,
    GetReport,
    GetVariables,
    ReportTarget,
    SetVariables,
    VariableRef,
    VariableValue,
)
from chargegrid.ocpp.wire import format_time
from chargegrid.services import Services
from chargegrid.store import inventory as inventory_store
from chargegrid.store.device_model_tables import DeviceVariable

router = APIRouter(tags=["Device model"], dependencies=[Depends(require_api_key)])

CP = Path(alias="chargePointId", description="The charge point id")

REPORT_BASES = {b.lower(): b for b in ("ConfigurationInventory", "FullInventory", "SummaryInventory")}


class TargetBody(ReportTarget):
    model_config = CAMEL

    def target(self) -> ReportTarget:
        return ReportTarget(**self.model_dump())


class ReportBody(CamelBody):
    criteria: list[Literal["Active", "Available", "Enabled", "Problem"]] = Field(default=[], max_length=4)
    components: list[TargetBody] = []
    request_id: int | None = Field(default=None, ge=0)


class VariableBody(VariableRef):
    model_config = CAMEL


class GetVariablesBody(CamelBody):
    variables: list[VariableBody] = Field(min_length=1)


class SetVariableBody(VariableValue):
    model_config = CAMEL


class SetVariablesBody(CamelBody):
    variables: list[SetVariableBody] = Field(min_length=1)


_REPORT_EXAMPLE = {"criteria": ["Problem"], "components": [{"component": "EVSE", "evse": 1}]}
_GET_EXAMPLE = {"variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]}
_SET_EXAMPLE = {"variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "60"}]}


@command_route(
    router,
    "GetBaseReport",
    ["/{chargePointId}"],
    summary="Ask a 2.x station for a base report of its device model",
    description="Query: `reportBase` = `ConfigurationInventory` | `FullInventory` (default) | "
    '`SummaryInventory`. Answer: {"status": "Accepted" | "Rejected" | "NotSupported" | '
    '"EmptyResultSet", "requestId": n}. The station then sends NotifyReport parts; they are stored as '
    "the station's inventory (`GET /API/Variables/{chargePointId}`). OCPP 1.6: 400.",
)
async def get_base_report(
    request: Request,
    cp: str = CP,
    report_base: str = Query("FullInventory", alias="reportBase"),
) -> JSONResponse:
    command = GetBaseReport(report_base=parse_choice("reportBase", report_base, REPORT_BASES))
    return requested(cp, await send_command(request, cp, command), command.request_id)


@command_route(
    router,
    "GetReport",
    ["/{chargePointId}"],
    summary="Ask a 2.x station for a report of chosen components/variables",
    description='JSON body: {"criteria": ["Active" | "Available" | "Enabled" | "Problem"], "components": '
    '[{"component", "componentInstance", "evse", "connector", "variable", "variableInstance"}], '
    '"requestId": optional}. Answer: {"status": "Accepted" | "Rejected" | "NotSupported" | '
    '"EmptyResultSet", "requestId": n}; the NotifyReport parts that follow update the inventory.',
    openapi_extra=body_doc(ReportBody, _REPORT_EXAMPLE),
)
async def get_report(request: Request, cp: str = CP) -> JSONResponse:
    body = await read_body(request, ReportBody, "GetReport", str(_REPORT_EXAMPLE))
    fields: dict[str, Any] = {}
    if body.request_id is not None:
        fields["request_id"] = body.request_id
    command = GetReport(
        criteria=tuple(body.criteria), targets=tuple(t.target() for t in body.components), **fields
    )
    return requested(cp, await send_command(request, cp, command), command.request_id)


def _result(item: dict[str, Any], value_field: str | None) -> dict[str, Any]:
    """One Get/SetVariables result in the API's flat shape."""
    component, variable = item["component"], item["variable"]
    evse = component.get("evse") or {}
    info = item.get("attributeStatusInfo") or {}
    result = {
        "component": component["name"],
        "componentInstance": component.get("instance"),
        "evse": evse.get("id"),
        "connector": evse.get("connectorId"),
        "variable": variable["name"],
        "variableInstance": variable.get("instance"),
        "attribute": item.get("attributeType", "Actual"),
        "attributeStatus": item["attributeStatus"],
        "statusInfo": info.get("reasonCode"),
    }
    if value_field is not None:
        result["value"] = item.get(value_field)
    return result


async def store_variables(services: Services, cp: str, updates: list[VariableUpdate]) -> None:
    writer = services.edge.writer
    await writer.run(cp, lambda db: reports.variable_results(db, cp, updates))


@command_route(
    router,
    "GetVariables",
    ["/{chargePointId}"],
    summary="Read many device-model variables of a 2.x station at once",
    description='JSON body: {"variables": [{"component", "variable", "componentInstance", '
    '"variableInstance", "evse", "connector", "attribute": "Actual" | "Target" | "MinSet" | '
    '"MaxSet"}]}. Answer: {"status": "Accepted", "results": [{..., "attributeStatus": "Accepted" | '
    '"Rejected" | "UnknownComponent" | "UnknownVariable" | "NotSupportedAttributeType", "value", '
    '"statusInfo"}]}, one per entry; the results are stored in the inventory. OCPP 1.6: 400.',
    openapi_extra=body_doc(GetVariablesBody, _GET_EXAMPLE),
)
async def get_variables(request: Request, services: ServicesDep, cp: str = CP) -> JSONResponse:
    body = await read_body(request, GetVariablesBody, "GetVariables", str(_GET_EXAMPLE))
    command = GetVariables(items=tuple(VariableRef(**v.model_dump()) for v in body.variables))
    outcome = await send_command(request, cp, command)
    results = outcome.raw.get("getVariableResult") if outcome.raw else None
    if results:
        await store_variables(services, cp, device_model.from_get_results(results))
    answer = {
        "status": outcome.status.value,
        "results": [_result(r, "attributeValue") for r in results or []],
    }
    return outcome_response(cp, outcome, answer)


@command_route(
    router,
    "SetVariables",
    ["/{chargePointId}"],
    summary="Write many device-model variables of a 2.x station at once",
    description='JSON body: {"variables": [{"component", "variable", "value", "componentInstance", '
    '"variableInstance", "evse", "connector", "attribute"}]}. Answer: {"status": "Accepted", '
    '"results": [{..., "attributeStatus": "Accepted" | "Rejected" | "UnknownComponent" | '
    '"UnknownVariable" | "NotSupportedAttributeType" | "RebootRequired", "statusInfo"}]}; accepted '
    "values are stored in the inventory. OCPP 1.6: 400 (use ChangeConfiguration).",
    openapi_extra=body_doc(SetVariablesBody, _SET_EXAMPLE),
)
async def set_variables(request: Request, services: ServicesDep, cp: str = CP) -> JSONResponse:
    body = await read_body(request, SetVariablesBody, "SetVariables", str(_SET_EXAMPLE))
    items = tuple(VariableValue(**v.model_dump()) for v in body.variables)
    outcome = await send_command(request, cp, SetVariables(items=items))
    results = outcome.raw.get("setVariableResult") if outcome.raw else None
    if results:
        sent: dict[tuple[device_model.VariableKey, str], str] = {
            (
                device_model.VariableKey(
                    i.component,
                    i.component_instance or "",
                    i.evse,
                    i.connector,
                    i.variable,
                    i.variable_instance or "",
                ),
                i.attribute or "Actual",
            ): i.value
            for i in items
        }
        await store_variables(services, cp, device_model.from_set_results(results, sent))
    answer = {"status": outcome.status.value, "results": [_result(r, None) for r in results or []]}
    return outcome_response(cp, outcome, answer)


def variable_view(row: DeviceVariable) -> dict[str, Any]:
    if not row.component:  # a 1.6 configuration key, shown as GetConfiguration showed it
        actual = row.attributes.get("Actual", {})
        return {
            "key": row.variable,
            "value": actual.get("value"),
            "readonly": actual.get("mutability") == "ReadOnly",
            "updatedAt": format_time(row.updated_at),
        }
    return {
        "component": row.component or None,
        "componentInstance": row.component_instance or None,
        "evse": row.evse_id,
        "connector": row.connector_id,
        "variable": row.variable,
        "variableInstance": row.variable_instance or None,
        "attributes": row.attributes,
        "characteristics": row.characteristics,
        "updatedAt": format_time(row.updated_at),
    }


@router.get(
    "/API/Variables/{chargePointId}",
    dependencies=[require_scope(Scope.read)],
    summary="A station's stored variables (2.x device model, 1.6 configuration keys)",
    description="What the station reported (NotifyReport after GetBaseReport/GetReport) and what "
    "Get/SetVariables and 1.6 GetConfiguration answered, one entry per variable: `component` (null for a "
    "1.6 key), `componentInstance`, `evse`, `connector`, `variable`, `variableInstance`, `attributes` "
    "(Actual/Target/MinSet/MaxSet → value, mutability, persistent, constant, status of the last "
    "Get/Set), `characteristics` (unit, dataType, minLimit, maxLimit, valuesList, supportsMonitoring). "
    "Filter with `component` and `variable` (exact names).",
    responses=UNAUTHORIZED_RESPONSE,
)
async def stored_variables(
    services: ServicesDep,
    cp: str = CP,
    component: str | None = Query(None, description="Component name, e.g. OCPPCommCtrlr"),
    variable: str | None = Query(None, description="Variable name (1.6: the key)"),
) -> dict[str, Any]:
    async with services.db() as db:
        rows = await inventory_store.variables(db, cp, component, variable)
    return {"chargePointId": cp, "variables": [variable_view(row) for row in rows]}
