"""Queries on payment reservations and processed webhook events.

State changes go through `move`, a conditional UPDATE (`... WHERE state IN (allowed sources)`): two
paths racing for the same reservation (the customer's Confirm and Stripe's webhook, a Cancel and a
remote start) cannot both win, on SQLite and PostgreSQL alike, without holding row locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import CursorResult

from chargegrid.domain.payments import TERMINAL_STATES, TRANSITIONS, ReservationState
from chargegrid.events import outbox
from chargegrid.store import Db
from chargegrid.store.models import utcnow
from chargegrid.store.payment_models import PaymentReservation, ProcessedWebhookEvent

OPEN_STATES = tuple(s.value for s in ReservationState if s not in TERMINAL_STATES)


def connector_key(charge_point_id: str, connector_id: int) -> str:
    return f"{charge_point_id}#{connector_id}"


async def get(db: Db, reservation_id: str) -> PaymentReservation | None:
    return await db.get(PaymentReservation, reservation_id)


async def _first(db: Db, *where: Any) -> PaymentReservation | None:
    return (await db.scalars(select(PaymentReservation).where(*where))).first()


async def by_id_tag(db: Db, id_tag: str) -> PaymentReservation | None:
    return await _first(db, PaymentReservation.id_tag == id_tag.strip().upper())


async def by_remote_start_id(db: Db, charge_point_id: str, remote_start_id: int) -> PaymentReservation | None:
    return await _first(
        db,
        PaymentReservation.charge_point_id == charge_point_id,
        PaymentReservation.remote_start_id == remote_start_id,
    )


async def by_transaction(db: Db, transaction_id: int) -> PaymentReservation | None:
    return await _first(db, PaymentReservation.transaction_id == transaction_id)


async def open_on_connector(db: Db, charge_point_id: str, connector_id: int) -> PaymentReservation | None:
    return await _first(db, PaymentReservation.open_connector == connector_key(charge_point_id, connector_id))


async def move(
    db: Db, reservation_id: str, target: ReservationState, **fields: Any
) -> ReservationState | None:
    """Move the reservation to `target` if its current state allows it; return the state it left.

    None means nothing changed (unknown reservation, or a state that may not go to `target`: a late or
    repeated event). Final states free the connector for the next reservation.
    """
    sources = [s.value for s, targets in TRANSITIONS.items() if target in targets]
    row = await get(db, reservation_id)
    if row is None or row.state not in sources:
        return None
    previous = ReservationState(row.state)
    values: dict[str, Any] = {"state": target.value, "updated_at": utcnow(), **fields}
    if target in TERMINAL_STATES:
        values["open_connector"] = None
        values.setdefault("ended_at", utcnow())
    result = await db.execute(
        update(PaymentReservation)
        .where(PaymentReservation.id == reservation_id, PaymentReservation.state == previous.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not isinstance(result, CursorResult) or result.rowcount != 1:
        return None  # another path moved it first
    await db.refresh(row)
    outbox.emit(
        db,
        outbox.EventType.payment_changed,
        row.charge_point_id,
        {
            "reservationId": reservation_id,
            "state": target.value,
            "previousState": previous.value,
            "connectorId": row.connector_id,
            "transactionId": row.transaction_id,
            "reason": row.reason,
            "amountCents": row.final_amount_cents,
            "currency": row.currency,
        },
    )
    return previous


async def set_fields(db: Db, reservation_id: str, **fields: Any) -> None:
    await db.execute(
        update(PaymentReservation)
        .where(PaymentReservation.id == reservation_id)
        .values(updated_at=utcnow(), **fields)
        .execution_options(synchronize_session=False)
    )


async def expired(db: Db, now: datetime) -> Sequence[PaymentReservation]:
    """Open reservations whose payment window or start window has passed."""
    query = select(PaymentReservation).where(
        or_(
            and_(
                PaymentReservation.state == ReservationState.PENDING_PAYMENT.value,
                PaymentReservation.payment_deadline <= now,
            ),
            and_(
                PaymentReservation.state.in_(
                    [ReservationState.AUTHORIZED.value, ReservationState.START_REQUESTED.value]
                ),
                PaymentReservation.start_deadline <= now,
            ),
        )
    )
    return (await db.scalars(query)).all()


async def settlement_due(db: Db, now: datetime) -> Sequence[PaymentReservation]:
    query = select(PaymentReservation).where(
        PaymentReservation.settlement.is_not(None),
        PaymentReservation.settlement != "held",  # waits for an operator (payments.settlement.HELD)
        or_(PaymentReservation.next_attempt_at.is_(None), PaymentReservation.next_attempt_at <= now),
    )
    return (await db.scalars(query)).all()


async def authorized_before(db: Db, cutoff: datetime) -> Sequence[PaymentReservation]:
    """Authorised (paid) reservations nobody confirmed since `cutoff`: the customer never came back."""
    query = select(PaymentReservation).where(
        PaymentReservation.state == ReservationState.AUTHORIZED.value,
        PaymentReservation.authorized_at <= cutoff,
    )
    return (await db.scalars(query)).all()


async def webhook_seen(db: Db, event_id: str) -> bool:
    return await db.get(ProcessedWebhookEvent, event_id) is not None


def add_webhook_event(db: Db, event_id: str, event_type: str, reservation_id: str | None) -> None:
    db.add(ProcessedWebhookEvent(event_id=event_id, event_type=event_type, reservation_id=reservation_id))


async def recent(db: Db, limit: int = 200) -> Sequence[PaymentReservation]:
    """The newest reservations first, for the UI's payments page."""
    query = select(PaymentReservation).order_by(PaymentReservation.created_at.desc()).limit(limit)
    return (await db.scalars(query)).all()
