"""`/API/CostUpdated/{chargePointId}/{transactionId}`: tell a 2.x station what a running transaction
costs so far (CostUpdated), e.g. for its display. The station's own tariff, when it has one, also
reaches it as `totalCost` in the answer to its TransactionEvent Ended."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse

from chargegrid.api.auth import require_api_key
from chargegrid.api.command_http import bad_request, command_route, parse_int, run_command
from chargegrid.api.dependencies import ServicesDep
from chargegrid.ocpp.commands import CostUpdated
from chargegrid.store import transactions as tx_store

router = APIRouter(tags=["Cost"], dependencies=[Depends(require_api_key)])


def _cost(text: str | None) -> float:
    try:
        value = float(text or "")
    except ValueError:
        raise bad_request(f"totalCost {text!r} is not a number: give e.g. ?totalCost=12.34") from None
    if not value >= 0:  # also refuses nan
        raise bad_request(f"totalCost {text} must be 0 or more")
    return value


@command_route(
    router,
    "CostUpdated",
    ["/{chargePointId}/{transactionId}"],
    summary="Send a 2.x station the running cost of a transaction",
    description="`transactionId`: the transaction's id in `/API/Transactions`. Query: `totalCost` "
    '(required, in the station\'s currency, taxes included). Answer: {"status": "Accepted"} (the station '
    "answers nothing else). 400 for a 1.6 charger or a transaction without a 2.x transaction id; 404 "
    "for a transaction of another charger.",
)
async def cost_updated(
    request: Request,
    services: ServicesDep,
    cp: str = Path(alias="chargePointId"),
    transaction_id: str = Path(alias="transactionId"),
    total_cost: str | None = Query(None, alias="totalCost"),
) -> JSONResponse:
    tx_id = parse_int("transactionId", transaction_id, minimum=1)
    cost = _cost(total_cost)
    async with services.db() as db:
        tx = await tx_store.get(db, tx_id)
    if tx is None or tx.charge_point_id != cp:
        raise HTTPException(404, f"transaction {tx_id} of charge point {cp!r} does not exist")
    if tx.charger_transaction_id is None:
        raise bad_request(f"transaction {tx_id} has no OCPP 2.x transaction id: CostUpdated is 2.x only")
    return await run_command(
        request, cp, CostUpdated(total_cost=cost, charger_transaction_id=tx.charger_transaction_id)
    )
