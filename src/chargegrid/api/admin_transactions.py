"""/API/Transactions: charging sessions as JSON rows or CSV, filtered by charger, connector and time.

Energy is in kWh whatever the charger sent. `energyKwh` of an open transaction is what was metered so
far. CSV comes with `Accept: text/csv` or from `/API/Transactions.csv`.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from chargegrid.api.admin_common import RESPONSES, as_utc, iso
from chargegrid.api.auth import scoped_by_method
from chargegrid.api.dependencies import ServicesDep
from chargegrid.events.actors import Scope
from chargegrid.services import Services
from chargegrid.store import listings
from chargegrid.store.models import Transaction

router = APIRouter(tags=["Admin: transactions"], route_class=scoped_by_method(Scope.admin))

COLUMNS = [
    "transactionId",
    "chargePointId",
    "connectorId",
    "chargerTransactionId",
    "startTagId",
    "startTime",
    "meterStart",
    "stopTagId",
    "stopTime",
    "meterStop",
    "stopReason",
    "energyKwh",
    "implausible",
]


def _row(tx: Transaction) -> dict[str, Any]:
    end = tx.meter_stop if tx.stop_time is not None else tx.last_meter_kwh
    energy = round(end - tx.meter_start, 4) if end is not None and tx.meter_start is not None else None
    return {
        "transactionId": tx.id,
        "chargePointId": tx.charge_point_id,
        "connectorId": tx.connector_id,
        "chargerTransactionId": tx.charger_transaction_id,
        "startTagId": tx.start_tag_id,
        "startTime": iso(tx.start_time),
        "meterStart": tx.meter_start,
        "stopTagId": tx.stop_tag_id,
        "stopTime": iso(tx.stop_time),
        "meterStop": tx.meter_stop if tx.stop_time is not None else None,
        "stopReason": tx.stop_reason,
        "energyKwh": energy,
        # Why the meter data cannot be right (domain.plausibility), null when it is plausible.
        "implausible": tx.implausible,
    }


def _csv(rows: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="transactions.csv"'},
    )


async def _rows(
    services: Services,
    charge_point_id: str | None,
    connector_id: int | None,
    started_from: datetime | None,
    started_before: datetime | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    async with services.db() as db:
        found = await listings.transactions(
            db,
            charge_point_id=charge_point_id,
            connector_id=connector_id,
            started_from=as_utc(started_from),
            started_before=as_utc(started_before),
            limit=limit,
            offset=offset,
        )
    return [_row(tx) for tx in found]


DESCRIPTION = (
    "Newest first. Filters: `chargePointId`, `connectorId` (2.x: EVSE id), `from` ≤ start time < `to` "
    "(ISO 8601, without zone = UTC), `limit` (1-10000, default 1000), `offset`. Rows: "
    + ", ".join(f"`{c}`" for c in COLUMNS)
    + " (meter values and energy in kWh; `energyKwh` of an open transaction = metered so far). "
    "Send `Accept: text/csv` (or use /API/Transactions.csv) for CSV."
)
CSV_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {}}, "description": "Rows as JSON or CSV"}
}


@router.get(
    "/API/Transactions",
    summary="List transactions (JSON or CSV)",
    description=DESCRIPTION,
    responses={**RESPONSES, **CSV_CONTENT},
)
async def list_transactions(
    request: Request,
    services: ServicesDep,
    chargePointId: str | None = Query(None),
    connectorId: int | None = Query(None, ge=0),
    from_: datetime | None = Query(None, alias="from"),
    to: datetime | None = Query(None),
    limit: int = Query(1000, ge=1, le=10000),
    offset: int = Query(0, ge=0),
) -> Response:
    rows = await _rows(services, chargePointId, connectorId, from_, to, limit, offset)
    if "text/csv" in request.headers.get("accept", ""):
        return _csv(rows)
    return JSONResponse(rows)


@router.get(
    "/API/Transactions.csv",
    summary="List transactions as CSV",
    description=DESCRIPTION,
    responses={**RESPONSES, 200: {"content": {"text/csv": {}}, "description": "CSV rows"}},
)
async def list_transactions_csv(
    services: ServicesDep,
    chargePointId: str | None = Query(None),
    connectorId: int | None = Query(None, ge=0),
    from_: datetime | None = Query(None, alias="from"),
    to: datetime | None = Query(None),
    limit: int = Query(1000, ge=1, le=10000),
    offset: int = Query(0, ge=0),
) -> Response:
    return _csv(await _rows(services, chargePointId, connectorId, from_, to, limit, offset))
