"""The OCPP.Core-compatible REST API: `/API/<command>[/chargePointId[/connectorId[/parameter]]]`.

This file holds the seed's commands (Status, Reset, UnlockConnector, SetChargingLimit,
ClearChargingLimit, GetConfiguration, ChangeConfiguration, RemoteStart/StopTransaction);
`station_operations.py` adds the commands beyond the seed to the same router. Every route needs the
X-API-Key header, answers GET and POST, and sends to chargers only through `services.commands`, so
the 1.6 / 2.x differences stay in `chargegrid.ocpp.commands`. How answers and errors look is decided
once, in `command_http.py`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from chargegrid.api import station_operations
from chargegrid.api.auth import UNAUTHORIZED_RESPONSE, require_api_key, require_scope
from chargegrid.api.command_http import (
    UnknownCommandRoute,
    bad_request,
    command_route,
    is_reachable,
    offline_response,
    parse_choice,
    parse_int,
    run_command,
    send_command,
    services_of,
)
from chargegrid.api.connectors import check_reported
from chargegrid.api.device_model import store_variables
from chargegrid.api.outcomes import outcome_response
from chargegrid.api.profile_bodies import profile_in_body
from chargegrid.domain import device_model
from chargegrid.domain.limits import LimitError, parse_limit
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import (
    ChangeConfiguration,
    ClearLimit,
    GetConfiguration,
    RemoteStart,
    RemoteStop,
    Reset,
    SetLimit,
    UnlockConnector,
)
from chargegrid.ocpp.wire import format_time
from chargegrid.store import transactions as tx_store

router = APIRouter(tags=["OCPP.Core API"], dependencies=[Depends(require_api_key)])

# Appended by app.py after every face's routes: unknown /API paths get a 404 listing the commands.
fallback_routes = [UnknownCommandRoute()]

CP = Path(alias="chargePointId", description="The charge point id, as in /OCPP/{chargePointId}")
CONNECTOR = Path(alias="connectorId", description="Connector number (for OCPP 2.x chargers: the EVSE id)")

# OCPP.Core's numeric connector states. 2.x reports Occupied where 1.6 tells the phase apart.
STATUS_NUMBERS = {
    "Available": 1,
    "Preparing": 2,
    "Charging": 2,
    "SuspendedEV": 2,
    "SuspendedEVSE": 2,
    "Finishing": 2,
    "Reserved": 2,
    "Occupied": 2,
    "Unavailable": 3,
    "Faulted": 4,
}


@router.get(
    "/API/Status",
    summary="Connected chargers and their connectors",
    description="One entry per charger connected to this node: `id`, `name`, `protocol` and "
    "`OnlineConnectors` keyed by connector number (2.x: EVSE id) with `Status` "
    "(0 Undefined, 1 Available, 2 Occupied — Preparing/Charging/SuspendedEV/SuspendedEVSE/"
    "Finishing/Reserved —, 3 Unavailable, 4 Faulted), `ChargeRateKW`, `MeterKWH`, `SoC` and "
    "`MeterValueDate` (null when unknown). A charger that disconnects leaves the list.",
    responses=UNAUTHORIZED_RESPONSE,
    dependencies=[require_scope(Scope.read)],
)
async def status(request: Request) -> list[dict[str, Any]]:
    answer = []
    for session in services_of(request).registry:  # live state only: no database query
        connectors = {
            str(number): {
                "Status": STATUS_NUMBERS.get(live.status or "", 0),
                "ChargeRateKW": live.power_kw,
                "MeterKWH": live.energy_kwh,
                "SoC": live.soc,
                "MeterValueDate": format_time(live.meter_time) if live.meter_time else None,
            }
            for number, live in sorted(session.connectors.items())
            if number != 0  # connector 0 is the station itself
        }
        answer.append(
            {
                "id": session.charge_point_id,
                "name": session.name,
                "protocol": session.version.value,
                "OnlineConnectors": connectors,
            }
        )
    return answer


@command_route(
    router,
    "Reset",
    ["/{chargePointId}", "/{chargePointId}/{kind}"],
    summary="Reset (reboot) the charger",
    description="OCPP 1.6 sends Reset Soft, 2.x Reset OnIdle. `/Hard` (or `/Immediate`) asks for a hard "
    "(immediate) reset, `/Soft` (or `/OnIdle`) is the default. On 2.x, `?evse=n` resets one EVSE (an "
    "EVSE the station never reported is 400; 1.6: 400). Answer: "
    '{"status": "Accepted" | "Rejected" | "Scheduled" (2.x)}.',
)
async def reset(
    request: Request,
    cp: str = CP,
    kind: str = "Soft",
    evse: str | None = Query(None, description="2.x: reset only this EVSE"),
) -> JSONResponse:
    hard = parse_choice("reset kind", kind, {"soft": False, "onidle": False, "hard": True, "immediate": True})
    evse_id = parse_int("evse", evse, minimum=1) if evse is not None else None
    if evse_id is not None:
        await check_reported(request, cp, evse_id)
    return await run_command(request, cp, Reset(hard=hard, evse=evse_id))


@command_route(
    router,
    "UnlockConnector",
    ["/{chargePointId}/{connectorId}"],
    summary="Unlock a connector",
    description='Answer: {"status": "Unlocked" | "UnlockFailed" | "NotSupported" (1.6) | '
    '"OngoingAuthorizedTransaction" | "UnknownConnector" (2.x)}. For 2.x the connector number is the '
    "EVSE id (its connector 1 is unlocked).",
)
async def unlock_connector(request: Request, cp: str = CP, connector: str = CONNECTOR) -> JSONResponse:
    return await run_command(
        request, cp, UnlockConnector(connector=parse_int("connectorId", connector, minimum=1))
    )


@command_route(
    router,
    "SetChargingLimit",
    ["/{chargePointId}/{connectorId}/{limit}"],
    summary="Set a constant charging limit",
    description="`limit` is a number with a unit: `2000W`, `11kW` or `16A` (unit case-insensitive). "
    "Sent as a TxDefaultProfile, absolute, recurring daily with one period from 00:00 UTC (a constant "
    "limit) that replaces the previous limit of that connector. Connector 0 means all connectors "
    '(some chargers accept only that). Answer: {"status": "Accepted" | "Rejected" | "NotSupported"}.',
)
async def set_charging_limit(
    request: Request, cp: str = CP, connector: str = CONNECTOR, limit: str = Path()
) -> JSONResponse:
    connector_id = parse_int("connectorId", connector)
    try:
        parsed = parse_limit(limit)
    except LimitError as exc:
        raise bad_request(str(exc)) from None
    return await run_command(request, cp, SetLimit(connector=connector_id, limit=parsed))


@command_route(
    router,
    "ClearChargingLimit",
    ["/{chargePointId}/{connectorId}"],
    summary="Clear the charging limit",
    description="Clears the TxDefaultProfile limit that SetChargingLimit set on this connector "
    '(0 = the station-wide one). Answer: {"status": "Accepted" | "Unknown"}.',
)
async def clear_charging_limit(request: Request, cp: str = CP, connector: str = CONNECTOR) -> JSONResponse:
    return await run_command(request, cp, ClearLimit(connector=parse_int("connectorId", connector)))


@command_route(
    router,
    "GetConfiguration",
    ["/{chargePointId}", "/{chargePointId}/{key}"],
    summary="Read configuration keys",
    description="Answers the charger's raw payload: "
    '{"configurationKey": [{"key", "readonly", "value"}], "unknownKey": [...]}. Without a key a 1.6 '
    "charger returns every key it supports. OCPP 2.x chargers need a key written "
    "`Component.Variable` (e.g. `OCPPCommCtrlr.HeartbeatInterval`), read with GetVariables; the "
    "2.x answer also carries the charger's GetVariables answer under `raw`. A 1.6 answer is kept as "
    "the station's variables (`GET /API/Variables/{chargePointId}`: key, value, readonly).",
)
async def get_configuration(request: Request, cp: str = CP, key: str | None = None) -> JSONResponse:
    outcome = await send_command(request, cp, GetConfiguration(keys=(key,) if key else ()))
    configuration = outcome.raw.get("configurationKey") if outcome.raw else None
    if configuration:  # a 1.6 answer: kept as the station's variables (GET /API/Variables)
        await store_variables(request, cp, device_model.from_configuration(configuration))
    # The seed answers GetConfiguration with the charger's payload itself, not a status.
    return outcome_response(cp, outcome, outcome.payload)


@command_route(
    router,
    "ChangeConfiguration",
    ["/{chargePointId}/{key}/{value}"],
    summary="Change one configuration key",
    description='Answer: {"status": "Accepted" | "Rejected" | "RebootRequired" | "NotSupported"}. '
    "For OCPP 2.x the key is `Component.Variable`, sent with SetVariables (answer: its "
    "attributeStatus, e.g. Accepted, Rejected, UnknownComponent, UnknownVariable, RebootRequired).",
)
async def change_configuration(
    request: Request, cp: str = CP, key: str = Path(), value: str = Path()
) -> JSONResponse:
    return await run_command(request, cp, ChangeConfiguration(key=key, value=value))


@command_route(
    router,
    "RemoteStartTransaction",
    ["/{chargePointId}/{connectorId}/{idTag}"],
    aliases=("StartTransaction",),
    summary="Start a transaction remotely",
    description="Presents `idTag` to the charger on that connector (0: the charger picks one). 2.x: "
    'RequestStartTransaction on that EVSE with a Central id token. Answer: {"status": "Accepted" | '
    '"Rejected"}. A POST may carry `{"chargingProfile": {...}}`: a TxProfile (version-neutral, as for '
    "/API/ChargingProfiles) for the transaction it starts.",
)
async def remote_start(
    request: Request, cp: str = CP, connector: str = CONNECTOR, id_tag: str = Path(alias="idTag")
) -> JSONResponse:
    connector_id = parse_int("connectorId", connector)
    profile = await profile_in_body(request, "chargingProfile")
    command = RemoteStart(connector=connector_id or None, id_tag=id_tag, charging_profile=profile)
    return await run_command(request, cp, command)


@command_route(
    router,
    "RemoteStopTransaction",
    ["/{chargePointId}/{connectorId}"],
    aliases=("StopTransaction",),
    summary="Stop the open transaction on a connector",
    description="Looks up the open transaction on that connector (2.x: EVSE) and asks the charger to "
    "stop it (RemoteStopTransaction / RequestStopTransaction). HTTP 424 when no transaction is open "
    'there. Answer: {"status": "Accepted" | "Rejected"}.',
    responses={424: {"description": "No open transaction on that connector"}},
)
async def remote_stop(request: Request, cp: str = CP, connector: str = CONNECTOR) -> JSONResponse:
    connector_id = parse_int("connectorId", connector)
    services = services_of(request)
    if not is_reachable(services, cp):
        return offline_response(cp)
    async with services.db() as db:
        tx = await tx_store.open_on_connector(db, cp, connector_id)
    if tx is None:
        return JSONResponse(
            {"detail": f"no open transaction on connector {connector_id} of charge point {cp!r}"}, 424
        )
    stop = RemoteStop(transaction_id=tx.id, charger_transaction_id=tx.charger_transaction_id)
    return await run_command(request, cp, stop)


station_operations.register(router)
