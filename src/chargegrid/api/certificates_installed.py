"""The root certificates installed on a charger (1.6 Security Extension and 2.x):
`POST /API/Certificates/{cp}/Install`, `GET /API/Certificates/{cp}/Installed` (asks the charger and
keeps its answer) and `DELETE /API/Certificates/{cp}/Installed?hashAlgorithm=...`.

Certificate types use the 2.x names (CSMSRootCertificate, ManufacturerRootCertificate,
V2GRootCertificate, MORootCertificate, V2GCertificateChain; 2.1 also OEMRootCertificate); a 1.6 charger
knows the first two and lists one type per request. Certificates this server issues to chargers are
another resource (`GET /API/Certificates/{cp}`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from chargegrid.api.admin_common import StrictModel, iso
from chargegrid.api.auth import require_scope
from chargegrid.api.command_http import (
    COMMAND_RESPONSES,
    bad_request,
    json_body_doc,
    parse_json_body,
    run_command,
    send_command,
)
from chargegrid.api.operation_common import DbSession
from chargegrid.api.outcomes import outcome_response
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import (
    CertificateHash,
    DeleteCertificate,
    GetInstalledCertificateIds,
    InstallCertificate,
)
from chargegrid.store import installed_certificates
from chargegrid.store.operation_models import InstalledCertificate

# Every route here sends to the charger (the listing asks it), so each needs the command scope.
router = APIRouter(tags=["Installed certificates"], dependencies=[require_scope(Scope.command)])

CP = Path(alias="chargePointId", description="The charge point id")


class Installation(StrictModel):
    certificateType: str = Field(description="e.g. CSMSRootCertificate, ManufacturerRootCertificate")
    certificate: str = Field(description="The certificate, PEM")


def _json(row: InstalledCertificate) -> dict[str, Any]:
    return {
        "certificateType": row.certificate_type,
        "hashAlgorithm": row.hash_algorithm,
        "issuerNameHash": row.issuer_name_hash,
        "issuerKeyHash": row.issuer_key_hash,
        "serialNumber": row.serial_number,
        "childCertificates": row.child_certificates or [],
        "seenAt": iso(row.seen_at),
    }


@router.post(
    "/API/Certificates/{chargePointId}/Install",
    summary="Install a root certificate on the charger",
    description='Body: {"certificateType": "CSMSRootCertificate", "certificate": "<PEM>"}. Answer: '
    '{"status": "Accepted" | "Rejected" | "Failed"}. Refresh the list with GET .../Installed.',
    responses=COMMAND_RESPONSES,
    openapi_extra=json_body_doc(Installation),
)
async def install(request: Request, cp: str = CP) -> JSONResponse:
    raw = await request.body()
    if not raw:
        raise bad_request(
            'the body is missing: {"certificateType": "CSMSRootCertificate", "certificate": "<PEM>"}'
        )
    body = parse_json_body(Installation, raw, "InstallCertificate")
    command = InstallCertificate.model_validate(
        {"certificate_type": body.certificateType, "certificate": body.certificate}
    )
    return await run_command(request, cp, command)


@router.get(
    "/API/Certificates/{chargePointId}/Installed",
    summary="The charger's installed certificates (asks the charger)",
    description="Query: `certificateType` (repeatable; none: every type — a 1.6 charger needs exactly "
    "one), `cached=true` to show what was kept from the last answer without asking. Answer: "
    '{"status": "Accepted" | "NotFound", "certificates": [...]} — the list kept for the charger after '
    "its answer.",
    responses=COMMAND_RESPONSES,
)
async def installed(
    request: Request,
    db: DbSession,
    cp: str = CP,
    certificate_type: list[str] = Query(default_factory=list, alias="certificateType"),
    cached: bool = Query(False),
) -> JSONResponse:
    if not cached:
        command = GetInstalledCertificateIds.model_validate({"certificate_types": tuple(certificate_type)})
        await db.rollback()  # nothing held open while the charger answers
        outcome = await send_command(request, cp, command)
        if not outcome.status.answered:
            return outcome_response(cp, outcome)
        status: str | None = outcome.status.value
    else:
        status = None
    rows = await installed_certificates.listing(db, cp)
    return JSONResponse({"status": status, "certificates": [_json(r) for r in rows]})


@router.delete(
    "/API/Certificates/{chargePointId}/Installed",
    summary="Delete an installed certificate from the charger",
    description="Query: `hashAlgorithm` (SHA256, SHA384, SHA512), `issuerNameHash`, `issuerKeyHash`, "
    "`serialNumber` — as GET .../Installed lists them. Answer: "
    '{"status": "Accepted" | "Failed" | "NotFound"}.',
    responses=COMMAND_RESPONSES,
)
async def delete(
    request: Request,
    cp: str = CP,
    hash_algorithm: str | None = Query(None, alias="hashAlgorithm"),
    issuer_name_hash: str | None = Query(None, alias="issuerNameHash"),
    issuer_key_hash: str | None = Query(None, alias="issuerKeyHash"),
    serial_number: str | None = Query(None, alias="serialNumber"),
) -> JSONResponse:
    certificate = CertificateHash.model_validate(
        {
            "hash_algorithm": hash_algorithm,
            "issuer_name_hash": issuer_name_hash,
            "issuer_key_hash": issuer_key_hash,
            "serial_number": serial_number,
        }
    )
    return await run_command(request, cp, DeleteCertificate(certificate=certificate))
