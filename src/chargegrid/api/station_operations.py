"""Station operations beyond the OCPP.Core seed, in the same `/API/<command>/<chargePointId>/...` style.

Path segments carry what identifies the target; optional details travel as query parameters and bulk
data as the request body, each documented on its route. Answers keep the seed's `{"status": ...}` and
add what else the charger answered (e.g. `listVersion`, `fileName`, `schedule`).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from chargegrid.api.command_http import (
    bad_request,
    command_route,
    json_body_doc,
    parse_choice,
    parse_int,
    parse_json_body,
    parse_time,
    run_command,
    send_command,
)
from chargegrid.api.connectors import connector_of_evse
from chargegrid.api.dependencies import ServicesDep
from chargegrid.api.outcomes import outcome_response
from chargegrid.ocpp.commands import (
    CancelReservation,
    ChangeAvailability,
    ClearCache,
    DataTransfer,
    GetCompositeSchedule,
    GetDiagnostics,
    GetLocalListVersion,
    ReserveNow,
    SendLocalList,
    TriggerMessage,
    UpdateFirmware,
)
from chargegrid.ocpp.commands import LocalListEntry as CommandListEntry
from chargegrid.store import charge_tags
from chargegrid.store.models import utcnow

CP = Path(alias="chargePointId", description="The charge point id")
CONNECTOR = Path(alias="connectorId", description="Connector number (OCPP 2.x: EVSE id); 0 = whole station")


class LocalListEntry(BaseModel):
    idTag: str = Field(min_length=1, max_length=36)
    status: Literal["Accepted", "Blocked", "Expired", "Invalid"] | None = Field(
        default="Accepted", description="Omit (null) in a Differential update to remove the tag"
    )


class LocalList(BaseModel):
    listVersion: int = Field(ge=1)
    updateType: Literal["Full", "Differential"] = "Full"
    entries: list[LocalListEntry] = Field(default_factory=list)


class FirmwareBody(BaseModel):
    location: str | None = None
    signingCertificate: str | None = None
    signature: str | None = None


def register(router: APIRouter) -> None:
    @command_route(
        router,
        "TriggerMessage",
        ["/{chargePointId}/{message}", "/{chargePointId}/{message}/{connectorId}"],
        summary="Ask the charger to send a message now",
        description="`message` as the charger's OCPP version names it, e.g. BootNotification, "
        "Heartbeat, StatusNotification, MeterValues (2.x also TransactionEvent, LogStatusNotification, "
        "...). An optional connector (2.x: EVSE) narrows it; on 2.x, `?connector=n` names a connector "
        "of that EVSE (e.g. StatusNotification of EVSE 1 connector 2: `/StatusNotification/1?connector=2`; "
        "an EVSE or connector the station never reported is 400). A name the version does not know is 400.",
    )
    async def trigger_message(
        request: Request,
        services: ServicesDep,
        cp: str = CP,
        message: str = Path(),
        connectorId: str | None = None,
        connector: str | None = Query(None, description="2.x: connector within the EVSE"),
    ) -> JSONResponse:
        # camelCase: a path parameter on the long route, an (undocumented) query one on the short
        connector_id = parse_int("connectorId", connectorId) if connectorId is not None else None
        evse_connector = await connector_of_evse(services, cp, connector_id, connector)
        command = TriggerMessage(message=message, connector=connector_id, evse_connector=evse_connector)
        return await run_command(request, cp, command)

    @command_route(
        router,
        "ChangeAvailability",
        ["/{chargePointId}/{connectorId}/{availability}"],
        summary="Make a connector (or the station) operative or inoperative",
        description="`availability` is `Operative` or `Inoperative` (case-insensitive); connector 0 is "
        "the whole station (2.x: the connector number is the EVSE id). On 2.x, `?connector=n` narrows it "
        "to one connector of that EVSE; an EVSE or connector the station never reported is 400, nothing "
        'sent (1.6: 400, no such field). Answer: {"status": "Accepted" | "Rejected" | "Scheduled"}.',
    )
    async def change_availability(
        request: Request,
        services: ServicesDep,
        cp: str = CP,
        connector: str = CONNECTOR,
        availability: str = Path(),
        evse_connector: str | None = Query(None, alias="connector", description="2.x: connector of the EVSE"),
    ) -> JSONResponse:
        connector_id = parse_int("connectorId", connector)
        operative = parse_choice("availability", availability, {"operative": True, "inoperative": False})
        within = await connector_of_evse(services, cp, connector_id, evse_connector)
        command = ChangeAvailability(connector=connector_id, operative=operative, evse_connector=within)
        return await run_command(request, cp, command)

    @command_route(
        router,
        "ClearCache",
        ["/{chargePointId}"],
        summary="Clear the charger's authorization cache",
        description='Answer: {"status": "Accepted" | "Rejected"}.',
    )
    async def clear_cache(request: Request, cp: str = CP) -> JSONResponse:
        return await run_command(request, cp, ClearCache())

    @command_route(
        router,
        "DataTransfer",
        ["/{chargePointId}/{vendorId}", "/{chargePointId}/{vendorId}/{messageId}"],
        summary="Send a vendor-specific DataTransfer",
        description="The request body (text, sent as is; empty = no data) is the `data`. Answer: "
        '{"status": "Accepted" | "Rejected" | "UnknownMessageId" | "UnknownVendorId", "data": ...}.',
    )
    async def data_transfer(
        request: Request, cp: str = CP, vendor_id: str = Path(alias="vendorId"), messageId: str | None = None
    ) -> JSONResponse:
        raw = await request.body()
        try:
            data = raw.decode("utf-8") if raw else None
        except UnicodeDecodeError:
            raise bad_request("the DataTransfer body (data) must be UTF-8 text") from None
        command = DataTransfer(vendor_id=vendor_id, message_id=messageId, data=data)
        return await run_command(request, cp, command, full=True)

    @command_route(
        router,
        "ReserveNow",
        ["/{chargePointId}/{connectorId}/{idTag}"],
        summary="Reserve a connector for an id tag",
        description="Query: `expiry` (ISO 8601, default 15 minutes from now), `reservationId` (whole "
        "number; default: a random one), `connectorType` (2.x only, e.g. cType2). The tag's group (its "
        "parent in the charge tags) goes along as 1.6 parentIdTag / 2.x groupIdToken. Connector 0 (1.6) / "
        "no EVSE (2.x) reserves any connector. The reservation is kept: `GET /API/Reservations`. "
        'Answer: {"status": "Accepted" | "Faulted" | "Occupied" | "Rejected" | "Unavailable", '
        '"reservationId": n} — keep the id to cancel it.',
    )
    async def reserve_now(
        request: Request,
        services: ServicesDep,
        cp: str = CP,
        connector: str = CONNECTOR,
        id_tag: str = Path(alias="idTag"),
        expiry: str | None = Query(None, description="ISO 8601 end of the reservation"),
        reservation_id: str | None = Query(None, alias="reservationId"),
        connector_type: str | None = Query(None, alias="connectorType", description="2.x only, e.g. cType2"),
    ) -> JSONResponse:
        async with services.db() as db:
            group = await charge_tags.group_of(db, id_tag)
        command = ReserveNow(
            connector=parse_int("connectorId", connector),
            id_tag=id_tag,
            expiry=parse_time("expiry", expiry, utcnow() + timedelta(minutes=15)),
            reservation_id=parse_int(
                "reservationId", reservation_id, minimum=1, default=secrets.randbelow(2**31 - 2) + 1
            ),
            group_id_tag=group,
            connector_type=connector_type or None,
        )
        outcome = await send_command(request, cp, command)
        body = {"status": outcome.status.value, "reservationId": command.reservation_id}
        return outcome_response(cp, outcome, body)

    @command_route(
        router,
        "CancelReservation",
        ["/{chargePointId}/{reservationId}"],
        summary="Cancel a reservation",
        description='Answer: {"status": "Accepted" | "Rejected"}.',
    )
    async def cancel_reservation(
        request: Request, cp: str = CP, reservation_id: str = Path(alias="reservationId")
    ) -> JSONResponse:
        rid = parse_int("reservationId", reservation_id, minimum=1)
        return await run_command(request, cp, CancelReservation(reservation_id=rid))

    @command_route(
        router,
        "SendLocalList",
        ["/{chargePointId}"],
        summary="Replace or update the charger's local authorization list",
        description='Body (JSON): {"listVersion": 3, "updateType": "Full" | "Differential", "entries": '
        '[{"idTag": "tag1", "status": "Accepted"}]}; in a Differential update a `status` of null '
        'removes the tag. Answer: {"status": "Accepted" | "Failed" | "NotSupported" | "VersionMismatch"}.',
        openapi_extra=json_body_doc(LocalList),
    )
    async def send_local_list(request: Request, cp: str = CP) -> JSONResponse:
        raw = await request.body()
        if not raw:
            raise bad_request('SendLocalList needs a JSON body: {"listVersion": 1, "entries": [...]}')
        local_list = parse_json_body(LocalList, raw, "SendLocalList")
        command = SendLocalList(
            list_version=local_list.listVersion,
            update_type=local_list.updateType,
            entries=tuple(CommandListEntry(id_tag=e.idTag, status=e.status) for e in local_list.entries),
        )
        return await run_command(request, cp, command)

    @command_route(
        router,
        "GetLocalListVersion",
        ["/{chargePointId}"],
        summary="Read the version of the charger's local authorization list",
        description='Answer: {"status": "Accepted", "listVersion": n} (-1: the charger has no list '
        "support, 0: no list yet).",
    )
    async def get_local_list_version(request: Request, cp: str = CP) -> JSONResponse:
        return await run_command(request, cp, GetLocalListVersion(), full=True)

    @command_route(
        router,
        "GetDiagnostics",
        ["/{chargePointId}"],
        summary="Ask the charger to upload its diagnostics / log",
        description="Query: `location` (required) — the URL the charger uploads to. 1.6 sends "
        "GetDiagnostics (answer: `fileName`), 2.x GetLog DiagnosticsLog (answer: `status`, `filename`). "
        "`/API/GetLog` sends GetLog on both versions; `GET /API/Logs/{chargePointId}` shows the uploads.",
    )
    async def get_diagnostics(
        request: Request, cp: str = CP, location: str | None = Query(None, description="Upload URL")
    ) -> JSONResponse:
        if not location:
            raise bad_request("location is missing: add ?location=<upload URL>")
        return await run_command(request, cp, GetDiagnostics(location=location), full=True)

    @command_route(
        router,
        "UpdateFirmware",
        ["/{chargePointId}"],
        summary="Ask the charger to install new firmware",
        description="Query: `location` (required, the firmware URL), `retrieveDate` (ISO 8601, default "
        "now), `installDate`, `retries`, `retryInterval` (seconds), and for a signed update "
        "`signingCertificate` (PEM) and `signature` (base64) — long values may come instead as a JSON "
        "body with these names. 1.6 sends UpdateFirmware (answer: only the receipt, status Accepted) "
        "or, when signed, the Security Extension's SignedUpdateFirmware; 2.x answers Accepted | Rejected "
        "| AcceptedCanceled | InvalidCertificate | RevokedCertificate. The answer carries the `requestId`; "
        "`GET /API/Firmware/{chargePointId}` follows the update.",
        openapi_extra=json_body_doc(FirmwareBody, required=False),
    )
    async def update_firmware(
        request: Request,
        cp: str = CP,
        location: str | None = Query(None, description="Firmware URL"),
        retrieve_date: str | None = Query(None, alias="retrieveDate"),
        install_date: str | None = Query(None, alias="installDate"),
        retries: str | None = Query(None),
        retry_interval: str | None = Query(None, alias="retryInterval"),
        signing_certificate: str | None = Query(None, alias="signingCertificate"),
        signature: str | None = Query(None),
    ) -> JSONResponse:
        raw = await request.body()
        body = parse_json_body(FirmwareBody, raw, "UpdateFirmware") if raw else FirmwareBody()
        location = location or body.location
        if not location:
            raise bad_request("location is missing: add ?location=<firmware URL>")
        command = UpdateFirmware(
            location=location,
            retrieve=parse_time("retrieveDate", retrieve_date, utcnow()),
            install=parse_time("installDate", install_date) if install_date else None,
            retries=parse_int("retries", retries) if retries else None,
            retry_interval=parse_int("retryInterval", retry_interval) if retry_interval else None,
            signing_certificate=signing_certificate or body.signingCertificate,
            signature=signature or body.signature,
        )
        outcome = await send_command(request, cp, command)
        answer = {"status": outcome.status.value, **outcome.payload, "requestId": command.request_id}
        return outcome_response(cp, outcome, answer)

    @command_route(
        router,
        "GetCompositeSchedule",
        ["/{chargePointId}/{connectorId}"],
        summary="Read the charging schedule the charger will apply",
        description="Query: `duration` (seconds, default 86400), `unit` (W or A, optional). Answer: "
        '{"status": "Accepted" | "Rejected", "chargingSchedule"/"schedule": ...}.',
    )
    async def get_composite_schedule(
        request: Request,
        cp: str = CP,
        connector: str = CONNECTOR,
        duration: str | None = Query(None, description="Seconds"),
        unit: str | None = Query(None, description="W or A"),
    ) -> JSONResponse:
        command = GetCompositeSchedule(
            connector=parse_int("connectorId", connector),
            duration=parse_int("duration", duration, minimum=1, default=86400),
            unit=parse_choice("unit", unit, {"w": "W", "a": "A"}) if unit else None,
        )
        return await run_command(request, cp, command, full=True)
