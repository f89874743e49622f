"""Firmware: `GET /API/Firmware/{chargePointId}` shows the charger's firmware state; 2.x local controllers
publish files to the stations behind them with `/API/PublishFirmware` and `/API/UnpublishFirmware`.

Updates themselves are sent with `/API/UpdateFirmware` (signed or not). Every request is kept with the
FirmwareStatusNotification / SignedFirmwareStatusNotification / PublishFirmwareStatusNotification
reports that followed it, per request id.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse

from chargegrid.api.auth import require_api_key, require_scope
from chargegrid.api.command_http import bad_request, command_route, parse_int, run_command, send_command
from chargegrid.api.operation_common import DbSession, charger_request_json
from chargegrid.api.outcomes import outcome_response
from chargegrid.domain.operation_reports import FIRMWARE, PUBLISH
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import PublishFirmware, UnpublishFirmware
from chargegrid.store import charge_points as cp_store
from chargegrid.store import charger_requests

router = APIRouter(tags=["Firmware"], dependencies=[Depends(require_api_key)])

CP = Path(alias="chargePointId", description="The charge point id")


def _checksum(text: str | None) -> str:
    if not text:
        raise bad_request("checksum is missing: add ?checksum=<MD5 of the file, 32 hex digits>")
    return text


@command_route(
    router,
    "PublishFirmware",
    ["/{chargePointId}"],
    summary="Ask a 2.x local controller to publish a firmware file to its stations",
    description="Query: `location` (required, the file's URL), `checksum` (required, its MD5 as hex), "
    '`retries`, `retryInterval` (seconds). Answer: {"status": "Accepted" | "Rejected", "requestId": n}. '
    "OCPP 1.6 has no local controllers: 400.",
)
async def publish_firmware(
    request: Request,
    cp: str = CP,
    location: str | None = Query(None, description="Firmware URL"),
    checksum: str | None = Query(None, description="MD5 of the file, hex"),
    retries: str | None = Query(None),
    retry_interval: str | None = Query(None, alias="retryInterval"),
) -> JSONResponse:
    if not location:
        raise bad_request("location is missing: add ?location=<firmware URL>")
    command = PublishFirmware(
        location=location,
        checksum=_checksum(checksum),
        retries=parse_int("retries", retries) if retries else None,
        retry_interval=parse_int("retryInterval", retry_interval) if retry_interval else None,
    )
    outcome = await send_command(request, cp, command)
    return outcome_response(cp, outcome, {"status": outcome.status.value, "requestId": command.request_id})


@command_route(
    router,
    "UnpublishFirmware",
    ["/{chargePointId}"],
    summary="Ask a 2.x local controller to stop publishing a firmware file",
    description='Query: `checksum` (required, the MD5 the file was published with). Answer: {"status": '
    '"Unpublished" | "NoFirmware" | "DownloadOngoing"}.',
)
async def unpublish_firmware(
    request: Request, cp: str = CP, checksum: str | None = Query(None, description="MD5 of the file, hex")
) -> JSONResponse:
    return await run_command(request, cp, UnpublishFirmware(checksum=_checksum(checksum)))


@router.get(
    "/API/Firmware/{chargePointId}",
    dependencies=[require_scope(Scope.read)],
    summary="The charger's firmware: version, the state of its latest update, every request",
    description="`firmwareVersion` as the charger last booted with it; `state`: the latest status of "
    "the newest update (Downloading, Downloaded, Installing, Installed, InstallationFailed, "
    "InvalidSignature, ...; null before any report); `updates` and `publications` newest first, each "
    "with its parameters, the charger's answer and every status report in order.",
)
async def firmware(db: DbSession, cp: str = CP) -> JSONResponse:
    station = await cp_store.get(db, cp)
    if station is None:
        raise HTTPException(404, f"charge point {cp!r} does not exist: check the id")
    updates = await charger_requests.listing(db, cp, [FIRMWARE])
    publications = await charger_requests.listing(db, cp, [PUBLISH])
    return JSONResponse(
        {
            "chargePointId": cp,
            "firmwareVersion": station.firmware_version,
            "state": updates[0].status if updates else None,
            "updates": [charger_request_json(r) for r in updates],
            "publications": [charger_request_json(r) for r in publications],
        }
    )
