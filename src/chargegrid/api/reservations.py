"""`GET /API/Reservations`: the reservations sent to chargers and what became of them.

Reservations are made with `/API/ReserveNow/...` (or the operator API) and kept whichever face made
them; their state is the charger's answer (Accepted, Occupied, Faulted, Rejected, Unavailable),
Unconfirmed when the charger gave no usable answer, then Cancelled, Expired (2.x
ReservationStatusUpdate, or an accepted reservation past its expiry), Removed (2.x), NoTransaction
(2.1) or Used (a transaction started on it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from chargegrid.api.admin_common import RESPONSES, iso
from chargegrid.api.auth import CallerDep, filters_by_caller, scoped_by_method
from chargegrid.api.command_http import bad_request
from chargegrid.api.operation_common import DbSession
from chargegrid.events.actors import Scope
from chargegrid.store import reservations as reservations_store
from chargegrid.store.models import utcnow
from chargegrid.store.operation_models import Reservation

router = APIRouter(tags=["Reservations"], route_class=scoped_by_method(Scope.command))

STATES = (
    "Accepted",
    "Occupied",
    "Faulted",
    "Rejected",
    "Unavailable",
    "Unconfirmed",
    "Cancelled",
    "Expired",
    "Removed",
    "NoTransaction",  # 2.1 ReservationStatusUpdate: the reservation ended without a transaction
    "Used",
)


def _json(row: Reservation, now: Any) -> dict[str, Any]:
    return {
        "chargePointId": row.charge_point_id,
        "reservationId": row.reservation_id,
        "connectorId": row.connector_id,
        "idTag": row.id_tag,
        "groupIdTag": row.group_id_tag,
        "connectorType": row.connector_type,
        "expiry": iso(row.expiry),
        "state": reservations_store.shown_state(row, now),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


@router.get(
    "/API/Reservations",
    summary="List reservations",
    description="Newest first. Query: `chargePointId`, `state` (one of " + ", ".join(STATES) + ").",
    responses=RESPONSES,
)
@filters_by_caller
async def list_reservations(
    db: DbSession,
    caller: CallerDep,
    chargePointId: str | None = Query(None),
    state: str | None = Query(None),
) -> JSONResponse:
    if state is not None and state not in STATES:
        raise bad_request(f"state {state!r} is not a reservation state: use one of {', '.join(STATES)}")
    rows = await reservations_store.listing(db, charge_point_id=chargePointId, state=state)
    now = utcnow()
    # A key restricted to some charge points sees their reservations only.
    return JSONResponse([_json(row, now) for row in rows if caller.may_access(row.charge_point_id)])
