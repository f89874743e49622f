"""Customer information (2.x): ask a station to report and/or clear what it keeps about one customer
(by customer identifier, id token or certificate); the NotifyCustomerInformation parts that follow
are kept and read back, put together, with `GET /API/CustomerInformation/{cp}/{requestId}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from chargegrid.api.auth import UNAUTHORIZED_RESPONSE, require_api_key, require_scope
from chargegrid.api.command_http import COMMAND_RESPONSES, send_command
from chargegrid.api.dependencies import ServicesDep
from chargegrid.api.reports_view import requested, stored_report
from chargegrid.api.request_bodies import CAMEL, CamelBody, body_doc, read_body
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import CertificateHash, CustomerInformation
from chargegrid.ocpp.commands.customer import TokenType

router = APIRouter(tags=["Customer information"], dependencies=[Depends(require_api_key)])

CP = Path(alias="chargePointId", description="The charge point id")


class CertificateBody(CertificateHash):
    model_config = CAMEL


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
    dependencies=[require_scope(Scope.command)],
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
    return requested(cp, await send_command(request, cp, command), command.request_id)


@router.get(
    "/API/CustomerInformation/{chargePointId}/{requestId}",
    dependencies=[require_scope(Scope.read)],
    summary="What a 2.x station reported about a customer",
    description='The NotifyCustomerInformation parts of that request, put together: {"requestId", '
    '"complete", "parts", "receivedAt", "data": the parts\' data joined in seqNo order}. 404 when none.',
    responses=UNAUTHORIZED_RESPONSE,
)
async def stored_customer_information(
    services: ServicesDep, cp: str = CP, request_id: str = Path(alias="requestId")
) -> dict[str, Any]:
    kind, what = "NotifyCustomerInformation", "customer information"
    view, found = await stored_report(services, cp, kind, request_id, what)
    return {**view, "data": "".join(part.payload.get("data", "") for part in found.parts)}
