"""Log uploads: `/API/GetLog/{chargePointId}` asks for one, `GET /API/Logs/{chargePointId}` shows them.

GetLog goes out as GetLog on both versions (1.6 through the Security Extension, DiagnosticsLog or
SecurityLog); `/API/GetDiagnostics` still sends 1.6 GetDiagnostics. Every request is kept with the
LogStatusNotification / DiagnosticsStatusNotification reports that followed it, per request id.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from chargegrid.api.auth import require_api_key, require_scope
from chargegrid.api.command_http import (
    bad_request,
    command_route,
    parse_choice,
    parse_int,
    parse_time,
    send_command,
)
from chargegrid.api.operation_common import DbSession, charger_request_json
from chargegrid.api.outcomes import outcome_response
from chargegrid.domain.operation_reports import LOG
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import GetLog
from chargegrid.store import charger_requests

router = APIRouter(tags=["Logs"], dependencies=[Depends(require_api_key)])

CP = Path(alias="chargePointId", description="The charge point id")


@command_route(
    router,
    "GetLog",
    ["/{chargePointId}"],
    summary="Ask the charger to upload a log (GetLog, 1.6 Security Extension and 2.x)",
    description="Query: `location` (required, the upload URL), `logType` (DiagnosticsLog, default, or "
    "SecurityLog), `oldest`/`latest` (ISO 8601), `retries`, `retryInterval` (seconds). Answer: "
    '{"status": "Accepted" | "Rejected" | "AcceptedCanceled", "filename": ..., "requestId": n}; '
    "follow the upload with `GET /API/Logs/{chargePointId}`.",
)
async def get_log(
    request: Request,
    cp: str = CP,
    location: str | None = Query(None, description="Upload URL"),
    log_type: str = Query("DiagnosticsLog", alias="logType"),
    oldest: str | None = Query(None),
    latest: str | None = Query(None),
    retries: str | None = Query(None),
    retry_interval: str | None = Query(None, alias="retryInterval"),
) -> JSONResponse:
    if not location:
        raise bad_request("location is missing: add ?location=<upload URL>")
    command = GetLog(
        log_type=parse_choice(
            "logType", log_type, {"diagnosticslog": "DiagnosticsLog", "securitylog": "SecurityLog"}
        ),
        location=location,
        oldest=parse_time("oldest", oldest) if oldest else None,
        latest=parse_time("latest", latest) if latest else None,
        retries=parse_int("retries", retries) if retries else None,
        retry_interval=parse_int("retryInterval", retry_interval) if retry_interval else None,
    )
    outcome = await send_command(request, cp, command)
    body = {"status": outcome.status.value, **outcome.payload, "requestId": command.request_id}
    return outcome_response(cp, outcome, body)


@router.get(
    "/API/Logs/{chargePointId}",
    dependencies=[require_scope(Scope.read)],
    summary="The charger's log uploads and their progress",
    description="Newest first: each GetLog/GetDiagnostics request with its parameters, the charger's "
    "answer, the latest status (Uploading, Uploaded, UploadFailure, ...) and every status report in order.",
)
async def logs(db: DbSession, cp: str = CP) -> JSONResponse:
    rows = await charger_requests.listing(db, cp, [LOG])
    return JSONResponse({"chargePointId": cp, "requests": [charger_request_json(r) for r in rows]})
