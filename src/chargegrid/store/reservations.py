"""Stored reservations: written when a ReserveNow is answered, moved on by cancellations, the charger's
ReservationStatusUpdate and transactions that use them; read by `GET /API/Reservations`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select

from chargegrid.store import Db
from chargegrid.store.models import utcnow
from chargegrid.store.operation_models import Reservation

# A reservation the charger accepted counts as Expired once its expiry passed, even if no
# ReservationStatusUpdate (2.x) came: 1.6 has no such message.
ACCEPTED = "Accepted"
EXPIRED = "Expired"


def shown_state(reservation: Reservation, now: datetime) -> str:
    if reservation.state == ACCEPTED and reservation.expiry <= now:
        return EXPIRED
    return reservation.state


async def save(
    db: Db,
    charge_point_id: str,
    reservation_id: int,
    *,
    connector_id: int,
    id_tag: str,
    group_id_tag: str | None,
    connector_type: str | None,
    expiry: datetime,
    state: str,
) -> None:
    """A new reservation, or a ReserveNow that replaced one with the same id (OCPP allows that)."""
    row = await db.get(Reservation, (charge_point_id, reservation_id))
    if row is None:
        row = Reservation(charge_point_id=charge_point_id, reservation_id=reservation_id)
        db.add(row)
    row.connector_id, row.id_tag, row.group_id_tag = connector_id, id_tag, group_id_tag
    row.connector_type, row.expiry, row.state, row.updated_at = connector_type, expiry, state, utcnow()


async def set_state(db: Db, charge_point_id: str, reservation_id: int, state: str) -> bool:
    """Move a known reservation to `state`; False when there is no such reservation."""
    row = await db.get(Reservation, (charge_point_id, reservation_id))
    if row is None:
        return False
    row.state, row.updated_at = state, utcnow()
    return True


async def listing(
    db: Db, *, charge_point_id: str | None = None, state: str | None = None, limit: int = 1000
) -> Sequence[Reservation]:
    """Newest first; `state` as `shown_state` reports it."""
    query = select(Reservation)
    if charge_point_id is not None:
        query = query.where(Reservation.charge_point_id == charge_point_id)
    now = utcnow()
    if state == EXPIRED:
        query = query.where(
            or_(Reservation.state == EXPIRED, and_(Reservation.state == ACCEPTED, Reservation.expiry <= now))
        )
    elif state == ACCEPTED:
        query = query.where(Reservation.state == ACCEPTED, Reservation.expiry > now)
    elif state is not None:
        query = query.where(Reservation.state == state)
    query = query.order_by(Reservation.created_at.desc(), Reservation.reservation_id.desc()).limit(limit)
    return (await db.scalars(query)).all()
