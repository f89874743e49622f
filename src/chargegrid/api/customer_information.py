"""Customer information (2.x): ask a station to report and/or clear what it keeps about one customer
(by customer identifier, id token or certificate); the NotifyCustomerInformation parts that follow
are kept and read back, put together, with `GET /API/CustomerInformation/{cp}/{requestId}`."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from chargegrid.api.auth import UNAUTHORIZED_RESPONSE, require_api_key
from chargegrid.api.command_http import COMMAND_RESPONSES, parse_int, send_command, services_of
from chargegrid.api.outcomes import outcome_response
from chargegrid.api.reports_view import not_reported, report_view
from chargegrid.api.request_bodies import CamelBody, body_doc, read_body
from chargegrid.ocpp.commands import CertificateHash, CustomerInformation
from chargegrid.ocpp.commands.customer import TokenType
from chargegrid.store import report_parts

router = APIRouter(tags=["Customer information"], dependencies=[Depends(require_api_key)])

CP = Path(alias="chargePointId", description="The charge point id")


class CertificateBody(CamelBody):
    hash_algorithm: Literal["SHA256", "SHA384", "SHA512"]
    issuer_name_hash: str = Field(min_length=1, max_length=128)
    issuer_key_hash: str = Field(min_length=1, max_length=128)
    serial_number: str = Field(min_length=1, max_length=40)


class CustomerInformationBody(CamelBody):
    report: bool = True
    clear: bool = False
    customer_identifier: str | None = Field(default=None, min_length=1, max_length=64)
    id_token: str | None = Field(default=None, min_length=1, max_length=36)
    id_token_type: TokenType = "ISO14443"
    certificate: CertificateBody | None = None


_EXAMPLE = {"report": True, "clear": False, "idToken": "04A2B3C4", "idTokenType": "ISO14443"}


@router.post(
    "/API/CustomerInformation/{chargePointId}",
    summary="Ask a 2.x station to report and/or clear a customer's data",
    description='JSON body: {"report": true, "clear": false, and exactly one of "customerIdentifier", '
    '"idToken" (with "idTokenType", default ISO14443) or "certificate" ({"hashAlgorithm", '
    '"issuerNameHash", "issuerKeyHash", "serialNumber"})}. Answer: {"status": "Accepted" | "Rejected" | '
    '"Invalid", "requestId": n}. The data the station sends follows in NotifyCustomerInformation parts: '
    "`GET /API/CustomerInformation/{chargePointId}/{requestId}`. OCPP 1.6: 400.",
    responses=COMMAND_RESPONSES,
    response_model=None,
    openapi_extra=body_doc(CustomerInformationBody, _EXAMPLE),
)
async def customer_information(request: Request, cp: str = CP) -> JSONResponse:
    body = await read_body(request, CustomerInformationBody, "CustomerInformation", str(_EXAMPLE))
    certificate = CertificateHash(**body.certificate.model_dump()) if body.certificate else None
    command = CustomerInformation(
        report=body.report,
        clear=body.clear,
        customer_identifier=body.customer_identifier,
        id_token=body.id_token,
        id_token_type=body.id_token_type,
        certificate=certificate,
    )
    outcome = await send_command(request, cp, command)
    return outcome_response(cp, outcome, {"status": outcome.status.value, "requestId": command.request_id})


@router.get(
    "/API/CustomerInformation/{chargePointId}/{requestId}",
    summary="What a 2.x station reported about a customer",
    description='The NotifyCustomerInformation parts of that request, put together: {"requestId", '
    '"complete", "parts", "receivedAt", "data": the parts\' data joined in seqNo order}. 404 when none.',
    responses=UNAUTHORIZED_RESPONSE,
)
async def stored_customer_information(
    request: Request, cp: str = CP, request_id: str = Path(alias="requestId")
) -> dict[str, Any]:
    rid = parse_int("requestId", request_id)
    async with services_of(request).db() as db:
        found = await report_parts.report(db, cp, "NotifyCustomerInformation", rid)
    if found is None:
        raise not_reported(cp, "customer information")
    return {**report_view(found), "data": "".join(p.payload.get("data", "") for p in found.parts)}
