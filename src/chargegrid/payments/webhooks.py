"""Stripe webhooks: verify the signature, apply each event once, never move a reservation backwards.

The event id is recorded in the same database transaction as the event's effect, so a redelivered
event (Stripe delivers at least once, sometimes concurrently) finds its id and changes nothing; if two
deliveries race, the primary key makes the second one roll back. Stripe work an event makes necessary
(releasing a hold that arrived for a reservation that already ended) runs after the commit.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from chargegrid.domain.payments import HOLD_STATES, TERMINAL_STATES, ReservationState
from chargegrid.payments.gateway import WebhookEvent, WebhookSignatureError
from chargegrid.payments.settlement import block_tag, settle
from chargegrid.store import Db
from chargegrid.store import payments as store
from chargegrid.store.models import utcnow
from chargegrid.store.payment_models import PaymentReservation

if TYPE_CHECKING:
    from chargegrid.payments.service import PaymentService

log = logging.getLogger("chargegrid.payments")
S = ReservationState

HANDLED = (
    "checkout.session.completed",
    "checkout.session.expired",
    "payment_intent.canceled",
    "payment_intent.payment_failed",
)


class WebhookRefused(Exception):
    """The delivery cannot be accepted; the message says why (never the secret)."""

    def __init__(self, http_status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.message = message


def _reservation_id(obj: dict[str, Any]) -> str | None:
    metadata = obj.get("metadata") or {}
    value = metadata.get("reservation_id") if isinstance(metadata, dict) else None
    return str(value) if value else None


def _object_id(value: Any) -> str | None:
    """A Stripe reference: an id string, or an expanded object with an id."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


async def receive(service: PaymentService, body: bytes, signature: str | None) -> dict[str, Any]:
    """Verify and apply one delivery; answers what happened (for Stripe's dashboard)."""
    secret = service.settings.stripe.webhook_secret
    if not secret:
        raise WebhookRefused(503, "webhooks are off: set CHARGEGRID_STRIPE__WEBHOOK_SECRET")
    try:
        event = service.gateway.parse_webhook(body, signature, secret)
    except WebhookSignatureError as e:
        raise WebhookRefused(400, f"{e} ({e.reason}): check the endpoint's signing secret") from None
    reservation_id = _reservation_id(event.object)
    settle_after = False
    try:
        async with service.services.db.begin() as db:
            if await store.webhook_seen(db, event.id):
                return {"received": True, "duplicate": True}
            res = await store.get(db, reservation_id) if reservation_id else None
            if res is not None and event.type in HANDLED:
                settle_after = await _apply(service, db, event, res)
            store.add_webhook_event(db, event.id, event.type, res.id if res is not None else None)
    except IntegrityError:
        return {"received": True, "duplicate": True}
    if settle_after and reservation_id is not None:
        service.spawn(settle(service, reservation_id))
    return {"received": True, "duplicate": False}


async def _apply(service: PaymentService, db: Db, event: WebhookEvent, res: PaymentReservation) -> bool:
    """The event's effect on the reservation; True when a hold must be released afterwards."""
    obj = event.object
    state = S(res.state)
    if event.type == "checkout.session.completed":
        if _object_id(obj.get("id")) != res.checkout_session_id:
            log.warning("webhook %s: session is not reservation %s's", event.id, res.id)
            return False
        pi_id = _object_id(obj.get("payment_intent"))
        amount = int(obj.get("amount_total") or 0)
        if (
            obj.get("status") != "complete"
            or amount != res.max_amount_cents
            or obj.get("currency") != res.currency
        ):
            log.warning(
                "webhook %s: completed session does not hold reservation %s's amount", event.id, res.id
            )
            return False
        if state == S.PENDING_PAYMENT:
            await service.authorise(db, res.id, pi_id, amount)
            return False
        if state in TERMINAL_STATES and res.payment_intent_id is None and pi_id is not None:
            # Paid just as the reservation ended (cancelled, expired): the new hold must go back.
            await store.set_fields(db, res.id, payment_intent_id=pi_id, settlement="release")
            return True
        return False
    if event.type == "checkout.session.expired":
        if state == S.PENDING_PAYMENT:
            await store.move(db, res.id, S.EXPIRED, reason="the Checkout Session expired unpaid")
        return False
    if event.type == "payment_intent.canceled":
        if res.settlement == "release":
            await store.set_fields(db, res.id, settlement=None, amount_captured_cents=0, settled_at=utcnow())
        elif state in HOLD_STATES - {S.CHARGING}:
            await store.move(db, res.id, S.CANCELLED, reason="the payment was cancelled at Stripe")
            await block_tag(db, res.id_tag)
        elif state == S.CHARGING:
            await store.move(db, res.id, S.FAILED, reason="the hold was cancelled at Stripe while charging")
            await block_tag(db, res.id_tag)
        return False
    if event.type == "payment_intent.payment_failed" and state == S.PENDING_PAYMENT:
        error = obj.get("last_payment_error") or {}
        detail = error.get("message") or error.get("code") or "declined"
        # The Checkout Session stays open and the customer may try another card: note, do not fail.
        await store.set_fields(db, res.id, reason=f"a payment attempt failed: {detail}")
    return False
