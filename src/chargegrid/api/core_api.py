"""The OCPP.Core-compatible REST API: `/API/<command>[/chargePointId[/connectorId[/parameter]]]`.

This file holds the seed's commands (Status, Reset, UnlockConnector, SetChargingLimit,
ClearChargingLimit, GetConfiguration, ChangeConfiguration, RemoteStart/StopTransaction);
`station_operations.py` adds the commands beyond the seed to the same router. Every route needs the
X-API-Key header, answers GET and POST, and sends to chargers only through `services.commands`, so
the 1.6 / 2.x differences stay in `chargegrid.ocpp.commands`. How answers and errors look is decided
once, in `command_http.py`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from redis.exceptions import RedisError

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
)
from chargegrid.api.connectors import check_reported
from chargegrid.api.dependencies import ServicesDep
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
from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import transactions as tx_store

log = logging.getLogger("chargegrid.api")

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
    description="One entry per charger connected to the network (every node of a cluster): `id`, "
    "`name`, `protocol`, `node` (the cluster node holding it; when Redis is unreachable only this node's "
    "chargers, with header X-Chargegrid-Partial) and "
    "`OnlineConnectors` keyed by connector number (2.x: EVSE id) with `Status` "
    "(0 Undefined, 1 Available, 2 Occupied — Preparing/Charging/SuspendedEV/SuspendedEVSE/"
    "Finishing/Reserved —, 3 Unavailable, 4 Faulted), `ChargeRateKW`, `MeterKWH`, `SoC` and "
    "`MeterValueDate` (null when unknown). A charger that disconnects leaves the list.",
    responses=UNAUTHORIZED_RESPONSE,
    dependencies=[require_scope(Scope.read)],
)
async def status(services: ServicesDep, response: Response) -> list[dict[str, Any]]:
    node = services.node_id
    answer = []
    for session in services.registry:  # live state only: no database query
        connectors = {
            str(number): _connector_entry(
                live.status, live.power_kw, live.energy_kwh, live.soc, live.meter_time
            )
            for number, live in sorted(session.connectors.items())
            if number != 0  # connector 0 is the station itself
        }
        answer.append(
            {
                "id": session.charge_point_id,
                "name": session.name,
                "protocol": session.version.value,
                "OnlineConnectors": connectors,
                "node": node,
            }
        )
    if services.cluster is not None:
        try:
            answer += await _other_nodes_status(services)
        except (RedisError, OSError) as exc:
            # This node keeps serving its own chargers; say that the list lacks the other nodes'.
            response.headers["X-Chargegrid-Partial"] = f"only node {node}'s chargers: Redis unreachable"
            log.warning("Status lists only this node's chargers: Redis unreachable (%s)", exc)
    return answer


def _connector_entry(
    status: str | None, power_kw: float | None, energy_kwh: float | None, soc: float | None, when: Any
) -> dict[str, Any]:
    return {
        "Status": STATUS_NUMBERS.get(status or "", 0),
        "ChargeRateKW": power_kw,
        "MeterKWH": energy_kwh,
        "SoC": soc,
        "MeterValueDate": format_time(when) if when else None,
    }


async def _other_nodes_status(services: Services) -> list[dict[str, Any]]:
    """Chargers held by other nodes. Their connectors come from the database's connector rows, which
    the holder writes anyway (group commits): no extra Redis traffic per status change or meter value."""
    assert services.cluster is not None
    found = await services.cluster.chargers()
    remote = {cp_id: held for cp_id, held in found.items() if cp_id not in services.registry}
    if not remote:
        return []
    ids = sorted(remote)
    async with services.db() as db:
        names = {cp_id: cp.name for cp_id, cp in (await cp_store.get_many(db, ids)).items()}
        rows = await cp_store.connectors(db, ids)
    entries = []
    for cp_id in ids:
        node, version = remote[cp_id]
        connectors = {
            str(row.connector_id): _connector_entry(
                row.status, row.power_kw, row.meter_kwh, row.soc, row.meter_value_time
            )
            for row in rows
            if row.charge_point_id == cp_id and row.connector_id != 0
        }
        entries.append(
            {
                "id": cp_id,
                "name": names.get(cp_id),
                "protocol": version,
                "OnlineConnectors": connectors,
                "node": node,
            }
        )
    return entries


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
    services: ServicesDep,
    cp: str = CP,
    kind: str = "Soft",
    evse: str | None = Query(None, description="2.x: reset only this EVSE"),
) -> JSONResponse:
    hard = parse_choice("reset kind", kind, {"soft": False, "onidle": False, "hard": True, "immediate": True})
    evse_id = parse_int("evse", evse, minimum=1) if evse is not None else None
    if evse_id is not None:
        await check_reported(services, cp, evse_id)
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
async def get_configuration(
    request: Request, services: ServicesDep, cp: str = CP, key: str | None = None
) -> JSONResponse:
    outcome = await send_command(request, cp, GetConfiguration(keys=(key,) if key else ()))
    configuration = outcome.raw.get("configurationKey") if outcome.raw else None
    if configuration:  # a 1.6 answer: kept as the station's variables (GET /API/Variables)
        await store_variables(services, cp, device_model.from_configuration(configuration))
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
async def remote_stop(
    request: Request, services: ServicesDep, cp: str = CP, connector: str = CONNECTOR
) -> JSONResponse:
    connector_id = parse_int("connectorId", connector)
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
