"""The paid session while it runs and after it ends: link it to its transaction, stop it at the paid-for
energy, and settle the hold - capture exactly what was charged, or release it.

The edge calls the listeners here after it committed (see `domain.hooks`); they never wait for a charger
or for Stripe, but hand that work to background tasks, so the charger's answer is not delayed. Settling
is idempotent: a capture uses one idempotency key per reservation, and a reservation's `settlement`
column says what is still owed, so a repeated StopTransaction or a retry after an outage cannot capture
twice. When Stripe is unavailable the work stays owed and the sweeper retries it with growing delays.
A session with implausible meter data is held (`settlement = "held"`) until an operator settles or
releases it (`resolve_hold`, `POST /API/Payments/{id}/Settle` or `/Release`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from chargegrid.domain import payments as rules
from chargegrid.domain.meter_values import Reading
from chargegrid.domain.payments import ReservationState, is_reservation_id_tag, to_decimal
from chargegrid.ocpp.commands import CommandError, RemoteStop
from chargegrid.payments.gateway import PaymentGatewayError, capture_idempotency_key
from chargegrid.store import Db
from chargegrid.store import charge_tags as tags_store
from chargegrid.store import payments as store
from chargegrid.store.models import Transaction, utcnow
from chargegrid.store.payment_models import PaymentReservation

if TYPE_CHECKING:
    from chargegrid.payments.service import PaymentService

log = logging.getLogger("chargegrid.payments")
S = ReservationState
MAX_RETRY_DELAY = timedelta(hours=1)
HELD = "held"  # `settlement` of a session an operator must settle or release (implausible meter data)


async def block_tag(db: Db, id_tag: str) -> None:
    """The reservation's id tag can no longer start or authorise anything."""
    tag = await tags_store.get(db, id_tag)
    if tag is not None:
        tag.blocked = True


def session_energy_kwh(tx: Transaction, meter_kwh: float | None) -> Decimal:
    start = to_decimal(tx.meter_start or 0.0)
    end = to_decimal(meter_kwh if meter_kwh is not None else start)
    return max(end - start, Decimal(0))


async def reservation_for(db: Db, tx: Transaction) -> PaymentReservation | None:
    """The reservation a transaction was started for: by transaction, id tag, or 2.x remoteStartId."""
    res = await store.by_transaction(db, tx.id)
    if res is None and tx.start_tag_id and is_reservation_id_tag(tx.start_tag_id):
        res = await store.by_id_tag(db, tx.start_tag_id)
    if res is None and tx.remote_start_id is not None:
        res = await store.by_remote_start_id(db, tx.charge_point_id, tx.remote_start_id)
    if res is not None and res.charge_point_id != tx.charge_point_id:
        return None
    return res


def _paid(tx: Transaction) -> bool:
    """Cheap check so unpaid sessions cost no query: the start tag or the remoteStartId is ours."""
    return bool(tx.start_tag_id and is_reservation_id_tag(tx.start_tag_id)) or tx.remote_start_id is not None


# ------------------------------------------------------------------------------------ hooks
async def on_transaction_started(service: PaymentService, tx: Transaction) -> None:
    if not _paid(tx):
        return
    async with service.services.db.begin() as db:
        res = await reservation_for(db, tx)
        if res is not None and res.transaction_id is None:
            await store.move(db, res.id, S.CHARGING, transaction_id=tx.id, charging_at=utcnow())


async def on_meter_reading(service: PaymentService, tx: Transaction, reading: Reading) -> None:
    if not _paid(tx) or tx.stop_time is not None:
        return
    async with service.services.db.begin() as db:
        res = await store.by_transaction(db, tx.id)
        if res is None or res.state != S.CHARGING.value or res.stop_requested_at is not None:
            return
        energy = session_energy_kwh(tx, tx.last_meter_kwh)
        if not rules.should_stop_charging(energy, res.max_energy_kwh):
            return
        await store.set_fields(db, res.id, stop_requested_at=utcnow())
    log.info("reservation %s reached its %s kWh: stopping transaction %s", res.id, res.max_energy_kwh, tx.id)
    service.spawn(_remote_stop(service, tx))


async def _remote_stop(service: PaymentService, tx: Transaction) -> None:
    command = RemoteStop(transaction_id=tx.id, charger_transaction_id=tx.charger_transaction_id)
    try:
        outcome = await service.services.commands.execute(tx.charge_point_id, command, actor="payments")
        log.info("remote stop of transaction %s: %s", tx.id, outcome.status)
    except CommandError as e:
        log.warning("remote stop of transaction %s at the paid-for energy failed: %s", tx.id, e)


async def on_transaction_ended(service: PaymentService, tx: Transaction) -> None:
    if not _paid(tx):
        return
    async with service.services.db.begin() as db:
        res = await reservation_for(db, tx)
        if res is None:
            return
        if res.transaction_id is None:  # the start was never seen (or seen out of order)
            await store.move(db, res.id, S.CHARGING, transaction_id=tx.id, charging_at=utcnow())
            res = await store.get(db, res.id)
            assert res is not None
        if res.state != S.CHARGING.value or res.final_amount_cents is not None:
            return  # already settled or being settled: a repeated stop changes nothing
        energy = session_energy_kwh(tx, tx.meter_stop)
        plan = rules.settle(
            energy,
            res.price_per_kwh,
            res.session_fee,
            res.amount_authorized_cents or 0,
            res.currency,
        )
        # Implausible meter data (domain.plausibility) is not charged on its own: an operator looks first.
        held = bool(tx.implausible)
        await store.set_fields(
            db,
            res.id,
            energy_kwh=float(energy),
            final_amount_cents=plan.amount_cents,
            settlement=HELD if held else plan.action,
            capture_error=f"held for an operator: implausible meter data ({tx.implausible})"
            if held
            else None,
        )
        await block_tag(db, res.id_tag)
    if held:
        log.warning("reservation %s held: transaction %s has implausible meter data", res.id, tx.id)
        return
    service.spawn(settle(service, res.id))


async def resolve_hold(service: PaymentService, reservation_id: str, release: bool) -> PaymentReservation:
    """An operator's decision on a held reservation: settle it as computed (capture, or release when
    nothing is owed) or release the whole hold. Raises PaymentError if it is not held."""
    from chargegrid.payments.service import PaymentError  # here: the service module imports this one

    async with service.lock(reservation_id):
        async with service.services.db.begin() as db:
            res = await store.get(db, reservation_id)
            if res is None:
                raise PaymentError(404, "NotFound", f"no payment reservation {reservation_id!r}")
            if res.settlement != HELD:
                raise PaymentError(
                    409, "NotHeld", f"reservation {reservation_id!r} is not held for an operator"
                )
            if release or not res.final_amount_cents:
                await store.set_fields(
                    db, res.id, settlement="release", final_amount_cents=0, capture_error=None
                )
            else:
                await store.set_fields(db, res.id, settlement="capture", capture_error=None)
    await settle(service, reservation_id)
    return await service.get(reservation_id)


# ------------------------------------------------------------------------------- settling
async def settle(service: PaymentService, reservation_id: str) -> None:
    """Do the Stripe work the reservation still owes (capture or release); on failure note it for later."""
    async with service.lock(reservation_id):
        async with service.services.db() as db:
            res = await store.get(db, reservation_id)
        if res is None or res.settlement is None or res.settlement == HELD:
            return
        try:
            captured = (
                await _capture(service, res) if res.settlement == "capture" else await _release(service, res)
            )
        except PaymentGatewayError as e:
            await _failed(service, res, e)
            return
        async with service.services.db.begin() as db:
            await store.set_fields(
                db,
                reservation_id,
                settlement=None,
                settled_at=utcnow(),
                amount_captured_cents=captured,
                capture_error=None,
                next_attempt_at=None,
            )
            if res.state == S.CHARGING.value:
                await store.move(db, reservation_id, S.COMPLETED)


async def _capture(service: PaymentService, res: PaymentReservation) -> int:
    assert res.payment_intent_id is not None and res.final_amount_cents is not None
    amount = min(res.final_amount_cents, res.amount_authorized_cents or 0)  # never above the hold
    try:
        pi = await service.gateway.capture(res.payment_intent_id, amount, capture_idempotency_key(res.id))
        return pi.amount_received
    except PaymentGatewayError as e:
        if e.kind != "rejected":
            raise
        # Refused as is: maybe an earlier attempt went through and its answer was lost.
        pi = await service.gateway.retrieve_payment_intent(res.payment_intent_id)
        if pi.status == "succeeded":
            return pi.amount_received
        raise


async def _release(service: PaymentService, res: PaymentReservation) -> int:
    """Release the hold, or make an unpaid Checkout Session unpayable. Answers the captured amount (0)."""
    gateway = service.gateway
    if res.payment_intent_id is None and res.checkout_session_id is not None:
        try:
            await gateway.expire_checkout_session(res.checkout_session_id)
            return 0
        except PaymentGatewayError as e:
            if e.kind != "rejected":
                raise
        info = await gateway.retrieve_checkout_session(res.checkout_session_id)
        if info.payment_intent_id is None or info.pi_status != "requires_capture":
            return 0  # expired or never paid: nothing is held
        pi_id = info.payment_intent_id
    elif res.payment_intent_id is not None:
        pi_id = res.payment_intent_id
    else:
        return 0
    try:
        await gateway.cancel_payment_intent(pi_id, "abandoned")
    except PaymentGatewayError as e:
        if e.kind != "rejected":
            raise
        pi = await gateway.retrieve_payment_intent(pi_id)
        if pi.status != "canceled":
            raise
    return 0


async def _failed(service: PaymentService, res: PaymentReservation, e: PaymentGatewayError) -> None:
    attempts = res.capture_attempts + 1
    async with service.services.db.begin() as db:
        if e.kind == "rejected":
            # Stripe will not do this as asked: retrying changes nothing, an operator has to look.
            log.error("reservation %s: Stripe refused to %s: %s", res.id, res.settlement, e.message)
            await store.set_fields(
                db, res.id, settlement=None, capture_attempts=attempts, capture_error=e.message
            )
            await store.move(db, res.id, S.FAILED, reason=f"could not {res.settlement}: {e.message}")
            return
        base = timedelta(seconds=service.settings.payments.retry_delay_seconds)
        delay = min(base * 2 ** min(attempts - 1, 16), MAX_RETRY_DELAY)
        log.warning("reservation %s: %s failed (%s); retry in %s", res.id, res.settlement, e.message, delay)
        await store.set_fields(
            db,
            res.id,
            capture_attempts=attempts,
            capture_error=e.message,
            next_attempt_at=utcnow() + delay,
        )
