"""Creating a payment reservation: check the connector and the tag, compute the hold, open Checkout.

The hold is computed here only - `round(maxSessionKwh x pricePerKwh x 100) + round(sessionFee x 100)`,
with the charge point's own prices when it has them - never taken from the client.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from chargegrid.domain import authorization
from chargegrid.domain.authorization import AuthStatus
from chargegrid.domain.payments import ReservationState, max_amount_cents, reservation_id_tag, to_decimal
from chargegrid.payments.gateway import PaymentGatewayError
from chargegrid.payments.service import PaymentError, PaymentService, gateway_error
from chargegrid.store import Db
from chargegrid.store import charge_points as cp_store
from chargegrid.store import payments as store
from chargegrid.store import transactions as tx_store
from chargegrid.store.models import utcnow
from chargegrid.store.payment_models import PaymentReservation

S = ReservationState

# Connector states a driver can pay at: free, or plugged in and waiting (the usual order). "Occupied"
# (OCPP 2.x's word for plugged in) counts too: a running transaction is refused separately below.
PAYABLE = frozenset({"Available", "Preparing", "Occupied"})


async def create(
    service: PaymentService, charge_point_id: str, connector_id: int, tag_id: str
) -> PaymentReservation:
    """A reservation and its Checkout Session for the hold; refused unless the connector is free."""
    pay = service.settings.payments
    reservation_id = str(uuid.uuid4())
    now = utcnow()
    try:
        async with service.services.db.begin() as db:
            cp = await cp_store.get(db, charge_point_id)
            if cp is None:
                raise PaymentError(404, "NotFound", f"charge point {charge_point_id!r} is unknown")
            await check_connector(service, db, charge_point_id, connector_id)
            decision = await authorization.authorize(db, tag_id, deny_concurrent=False)
            if decision.status != AuthStatus.accepted:
                raise PaymentError(
                    403,
                    decision.status.value,
                    f"charge tag {tag_id!r} is {decision.status.value.lower()}: use a valid tag",
                )
            price = to_decimal(cp.price_per_kwh if cp.price_per_kwh is not None else pay.price_per_kwh)
            max_kwh = to_decimal(
                cp.max_session_kwh if cp.max_session_kwh is not None else pay.max_session_kwh
            )
            fee = to_decimal(cp.session_fee if cp.session_fee is not None else pay.session_fee)
            res = PaymentReservation(
                id=reservation_id,
                charge_point_id=charge_point_id,
                connector_id=connector_id,
                charge_tag_id=tag_id,
                id_tag=reservation_id_tag(reservation_id),
                remote_start_id=secrets.randbelow(2**31 - 2) + 1,
                open_connector=store.connector_key(charge_point_id, connector_id),
                state=S.PENDING_PAYMENT.value,
                currency=service.gateway.currency,
                price_per_kwh=str(price),
                session_fee=str(fee),
                max_energy_kwh=str(max_kwh),
                max_amount_cents=max_amount_cents(max_kwh, price, fee),
                capture_attempts=0,
                created_at=now,
                updated_at=now,
                payment_deadline=now + timedelta(minutes=pay.pending_timeout_minutes),
            )
            db.add(res)
            name = cp.name or charge_point_id
    except IntegrityError:
        raise PaymentError(
            409,
            "Busy",
            f"connector {connector_id} of {charge_point_id!r} was just reserved by someone else",
        ) from None
    base = service.settings.stripe.return_base_url.rstrip("/")
    # Stripe wants 30 minutes to 24 hours; our own (shorter) payment window is enforced by the sweeper.
    stripe_expiry = now + timedelta(minutes=min(max(pay.pending_timeout_minutes, 31), 24 * 60 - 1))
    try:
        checkout = await service.gateway.create_checkout_session(
            reservation_id,
            res.max_amount_cents,
            f"Charging at {name}, connector {connector_id} (up to {max_kwh} kWh)",
            f"{base}/success?reservationId={reservation_id}&session_id={{CHECKOUT_SESSION_ID}}",
            f"{base}/cancel?reservationId={reservation_id}",
            expires_at=int(stripe_expiry.timestamp()),
        )
    except PaymentGatewayError as e:
        async with service.services.db.begin() as db:
            await store.move(db, reservation_id, S.FAILED, reason=f"Stripe: {e.message}")
        raise gateway_error(e) from None
    async with service.services.db.begin() as db:
        await store.set_fields(db, reservation_id, checkout_session_id=checkout.id, checkout_url=checkout.url)
        saved = await store.get(db, reservation_id)
    assert saved is not None
    return saved


async def check_connector(service: PaymentService, db: Db, charge_point_id: str, connector_id: int) -> None:
    session = service.services.registry.get(charge_point_id)
    elsewhere = session is None and bool(await service.services.connected_elsewhere([charge_point_id]))
    if session is None and not elsewhere:
        raise PaymentError(
            404,
            "Offline",
            f"charge point {charge_point_id!r} is offline: payments need a connected charger",
        )
    where = f"connector {connector_id} of {charge_point_id!r}"
    if await tx_store.open_on_connector(db, charge_point_id, connector_id) is not None:
        raise PaymentError(409, "Busy", f"{where} has a transaction running: choose another connector")
    if session is not None:
        live = session.connectors.get(connector_id)
        status = live.status if live is not None else None
    else:  # held by another node of the cluster: the status it stored
        stored = [
            row
            for row in await cp_store.connectors(db, [charge_point_id])
            if row.connector_id == connector_id
        ]
        status = stored[0].status if stored else None
    if status is None:
        raise PaymentError(
            409, "Busy", f"{where} has not reported its status: check the connector number or try later"
        )
    if status not in PAYABLE:
        raise PaymentError(409, "Busy", f"{where} is {status}: it can be paid for once it is Available")
    if await store.open_on_connector(db, charge_point_id, connector_id) is not None:
        raise PaymentError(409, "Busy", f"{where} is already reserved for another payment")
