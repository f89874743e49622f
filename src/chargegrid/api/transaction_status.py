"""`/API/GetTransactionStatus/{cp}[/{transactionId}]` (2.x): is a transaction still going on, and does
the station still hold transaction messages to send."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from chargegrid.api.auth import require_api_key
from chargegrid.api.command_http import command_route, send_command
from chargegrid.api.outcomes import outcome_response
from chargegrid.ocpp.commands import GetTransactionStatus

router = APIRouter(tags=["Transactions"], dependencies=[Depends(require_api_key)])


@command_route(
    router,
    "GetTransactionStatus",
    ["/{chargePointId}", "/{chargePointId}/{transactionId}"],
    summary="Ask a 2.x station about a transaction and its queued messages",
    description="`transactionId` is the station's own transaction id (as in TransactionEvent); without "
    "it the station says whether it holds any queued transaction messages. Answer: "
    '{"status": "Accepted", "messagesInQueue": bool, "ongoingIndicator": bool | null (only with a '
    "transactionId)}. OCPP 1.6: 400.",
)
async def get_transaction_status(
    request: Request,
    cp: str = Path(alias="chargePointId"),
    transactionId: str | None = None,  # a path segment on the long route
) -> JSONResponse:
    outcome = await send_command(request, cp, GetTransactionStatus(charger_transaction_id=transactionId))
    answer = outcome.raw or {}
    body = {
        "status": outcome.status.value,
        "messagesInQueue": answer.get("messagesInQueue"),
        "ongoingIndicator": answer.get("ongoingIndicator"),
    }
    return outcome_response(cp, outcome, body)
