"""Charging profiles over HTTP: set, list, clear, and the composite schedule (all version-neutral).

- `POST /API/ChargingProfiles/{cp}/{connector}`: body = the profile (camelCase JSON, see the OpenAPI
  schema). A TxProfile without `transactionId` is for the transaction running on that connector.
- `GET /API/ChargingProfiles/{cp}`: what the server installed (per connector) and, on 2.x, what the
  station reported (`?refresh=true` asks it again with GetChargingProfiles first).
- `DELETE /API/ChargingProfiles/{cp}?id=|connector=&purpose=&stackLevel=`: ClearChargingProfile.
- `GET /API/CompositeSchedule/{cp}/{connector}?duration=&unit=`.
A bad profile, or one the charger cannot take (unit, transaction), is a 400 naming the field; nothing is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from chargegrid.api.auth import scoped_by_method
from chargegrid.api.command_http import (
    COMMAND_RESPONSES,
    actor_of,
    bad_request,
    parse_choice,
    parse_int,
    run_command,
    send_command,
)
from chargegrid.api.dependencies import ServicesDep
from chargegrid.api.outcomes import outcome_response
from chargegrid.api.profile_bodies import profile_in_body
from chargegrid.domain.charging_profiles import ChargingProfile, ProfileRefused, Purpose, check_placement
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import (
    ClearChargingProfile,
    GetChargingProfiles,
    GetCompositeSchedule,
    OutcomeStatus,
)
from chargegrid.services import Services
from chargegrid.smart_charging.profiles import ProfileKeeper

router = APIRouter(tags=["Smart charging"], route_class=scoped_by_method(Scope.command))

CP = Path(alias="chargePointId", description="The charge point id")
CONNECTOR = Path(alias="connectorId", description="Connector (2.x: EVSE id); 0: the whole station")
PURPOSES = {p.value.lower(): p for p in Purpose} | {
    "chargepointmaxprofile": Purpose.ChargingStationMaxProfile
}
REPORT_WAIT = 3.0  # seconds GET ?refresh=true waits for the station's ReportChargingProfiles


def keeper_of(services: ServicesDep) -> ProfileKeeper:
    keeper = services.profiles
    if keeper is None:
        raise RuntimeError("the smart charging face was not started")
    return keeper


KeeperDep = Annotated[ProfileKeeper, Depends(keeper_of)]


def refused(exc: ProfileRefused) -> JSONResponse:
    return JSONResponse({"detail": f"cannot send the charging profile: {exc}", "field": exc.field}, 400)


@router.post(
    "/API/ChargingProfiles/{chargePointId}/{connectorId}",
    summary="Install a charging profile (SetChargingProfile)",
    responses=COMMAND_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ChargingProfile.model_json_schema(by_alias=True)}},
        }
    },
)
async def set_profile(request: Request, keeper: KeeperDep, cp: str = CP, connector: str = CONNECTOR) -> Any:
    connector_id = parse_int("connectorId", connector)
    profile = await profile_in_body(request)
    if profile is None:
        raise bad_request("the body must be the charging profile (JSON)")
    if (
        profile.charging_profile_purpose is Purpose.TxProfile
        and profile.transaction_id is None
        and connector_id
    ):
        tx = await keeper.open_transaction(cp, connector_id)
        if tx is not None:
            profile = profile.model_copy(update={"transaction_id": tx.id})
    try:
        check_placement(profile, connector_id)
        outcome = await keeper.set(cp, connector_id, profile, actor=actor_of(request))
    except ProfileRefused as exc:
        return refused(exc)
    body = {"status": outcome.status.value, "chargingProfileId": profile.id}
    return outcome_response(cp, outcome, body)


@router.get("/API/ChargingProfiles/{chargePointId}", summary="Charging profiles of a charger")
async def list_profiles(
    request: Request,
    keeper: KeeperDep,
    cp: str = CP,
    refresh: bool = Query(False, description="2.x: ask the station (GetChargingProfiles) before answering"),
) -> Any:
    body: dict[str, Any] = {"chargePointId": cp}
    if refresh:
        outcome = await send_command(request, cp, GetChargingProfiles())
        if not outcome.status.answered:
            return outcome_response(cp, outcome)
        body["refresh"] = outcome.status.value
        if outcome.status is OutcomeStatus.Accepted:
            await _wait_for_report(keeper, cp, outcome.payload["requestId"])
    body["installed"] = await keeper.installed(cp)
    body["reported"] = await keeper.reported(cp)
    return body


async def _wait_for_report(keeper: ProfileKeeper, cp: str, request_id: int) -> None:
    """Until the station's report for `request_id` stopped growing (or REPORT_WAIT passed)."""
    seen, steady = -1, 0
    for _ in range(int(REPORT_WAIT / 0.1)):
        count = len(await keeper.reported_for(cp, request_id))
        steady = steady + 1 if count == seen and count > 0 else 0
        if steady >= 2:
            return
        seen = count
        await asyncio.sleep(0.1)


@router.delete("/API/ChargingProfiles/{chargePointId}", summary="Clear charging profiles (by id or criteria)")
async def clear_profiles(
    request: Request,
    cp: str = CP,
    profile_id: str | None = Query(None, alias="id"),
    connector: str | None = Query(None),
    purpose: str | None = Query(None),
    stack_level: str | None = Query(None, alias="stackLevel"),
) -> Any:
    command = ClearChargingProfile(
        profile_id=parse_int("id", profile_id) if profile_id else None,
        connector=parse_int("connector", connector) if connector else None,
        purpose=parse_choice("purpose", purpose, PURPOSES) if purpose else None,
        stack_level=parse_int("stackLevel", stack_level) if stack_level else None,
    )
    return await run_command(request, cp, command)


@router.get(
    "/API/CompositeSchedule/{chargePointId}/{connectorId}", summary="The schedule the charger will apply"
)
async def composite_schedule(
    request: Request,
    cp: str = CP,
    connector: str = CONNECTOR,
    duration: str | None = Query(None, description="Seconds (default 86400)"),
    unit: str | None = Query(None, description="W or A"),
) -> Any:
    command = GetCompositeSchedule(
        connector=parse_int("connectorId", connector),
        duration=parse_int("duration", duration, minimum=1, default=86400),
        unit=parse_choice("unit", unit, {"w": "W", "a": "A"}) if unit else None,
    )
    return await run_command(request, cp, command, full=True)


async def start(services: Services) -> Callable[[], Awaitable[None]]:
    keeper = ProfileKeeper(services)
    services.profiles = keeper
    services.commands.listeners.append(keeper.on_command)
    services.hooks.transaction_ended.append(keeper.on_transaction_ended)
    services.hooks.booted.append(keeper.on_boot)

    async def stop() -> None:
        await keeper.stop()
        services.profiles = None

    return stop
