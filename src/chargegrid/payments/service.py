"""The payment flow for the driver-facing API: confirm a reservation (→ remote start), cancel it.

A reservation's id tag (see `domain.payments.reservation_id_tag`) is what the charger is started with.
It becomes a row in `charge_tags` when the hold is authorised - child of the driver's tag, expiring at
the end of the start window - so the charger's Authorize / StartTransaction accept it, and it is blocked
when the reservation ends, so it can never start another charge.

What happens at the end of a session and what the background task does live in `settlement.py` and
`sweeper.py`; Stripe's webhooks in `webhooks.py`; creating a reservation in `checkout.py`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from chargegrid.domain.payments import (
    HOLD_STATES,
    TERMINAL_STATES,
    ReservationState,
)
from chargegrid.ocpp.commands import CommandError, OutcomeStatus, RemoteStart
from chargegrid.payments.gateway import PaymentGatewayError, StripeGateway
from chargegrid.payments.settlement import block_tag, settle
from chargegrid.services import Services
from chargegrid.store import Db
from chargegrid.store import payments as store
from chargegrid.store.models import ChargeTag, utcnow
from chargegrid.store.payment_models import PaymentReservation

log = logging.getLogger("chargegrid.payments")
S = ReservationState

# States in which a repeated Confirm answers what the charger said instead of starting again.
STARTED_STATES = frozenset({S.START_REQUESTED, S.CHARGING, S.COMPLETED, S.START_REJECTED})


class PaymentError(Exception):
    """A request the payment flow refuses; `http_status` and the message go back to the caller."""

    def __init__(self, http_status: int, status: str, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status = status
        self.message = message


def gateway_error(e: PaymentGatewayError) -> PaymentError:
    if e.kind == "unavailable":
        return PaymentError(
            503, "StripeUnavailable", f"Stripe is unavailable ({e.message}); try again shortly"
        )
    return PaymentError(502, "StripeError", f"Stripe refused the request ({e.message})")


class PaymentService:
    """The payment flow of one node. Background work it spawns is awaited by :meth:`aclose`."""

    def __init__(self, services: Services, gateway: StripeGateway) -> None:
        self.services = services
        self.gateway = gateway
        self.settings = services.settings
        self._tasks: set[asyncio.Task[Any]] = set()
        self._locks: dict[str, asyncio.Lock] = {}

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("payment background work failed", exc_info=task.exception())

    def lock(self, reservation_id: str) -> asyncio.Lock:
        return self._locks.setdefault(reservation_id, asyncio.Lock())

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.gateway.aclose()

    async def get(self, reservation_id: str) -> PaymentReservation:
        async with self.services.db() as db:
            res = await store.get(db, reservation_id)
        if res is None:
            raise PaymentError(404, "NotFound", f"no payment reservation {reservation_id!r}")
        return res

    # ----------------------------------------------------------------------------- confirm
    async def confirm(self, reservation_id: str, checkout_session_id: str) -> str:
        """Check the payment with Stripe and start the charge; answer the charger's status."""
        res = await self.get(reservation_id)
        if res.checkout_session_id is None or checkout_session_id != res.checkout_session_id:
            raise PaymentError(
                409, "Mismatch", "that checkout session does not belong to this reservation: use its own"
            )
        state = S(res.state)
        if state in STARTED_STATES:
            return await self.charger_answer(reservation_id)
        if state in TERMINAL_STATES:
            raise PaymentError(
                409, state.value, f"the reservation is {state.value} ({res.reason}): create a new one"
            )
        if state == S.PENDING_PAYMENT:
            try:
                info = await self.gateway.retrieve_checkout_session(checkout_session_id)
            except PaymentGatewayError as e:
                raise gateway_error(e) from None
            if not info.authorises(reservation_id, res.max_amount_cents) or info.currency != res.currency:
                if info.status == "open":
                    raise PaymentError(
                        402, "NotPaid", "the payment is not complete yet: finish Checkout first"
                    )
                raise PaymentError(
                    409,
                    "NotAuthorized",
                    f"the checkout session is {info.status} (payment {info.pi_status}): "
                    f"it does not hold {res.max_amount_cents} {res.currency} for this reservation",
                )
            async with self.services.db.begin() as db:
                await self.authorise(db, reservation_id, info.payment_intent_id, info.amount_capturable)
        return await self.start(reservation_id)

    async def authorise(
        self, db: Db, reservation_id: str, payment_intent_id: str | None, amount: int
    ) -> bool:
        """PendingPayment → Authorized; the reservation's id tag is valid until the start window ends."""
        deadline = utcnow() + timedelta(minutes=self.settings.payments.start_window_minutes)
        if (
            await store.move(
                db,
                reservation_id,
                S.AUTHORIZED,
                payment_intent_id=payment_intent_id,
                amount_authorized_cents=amount,
                authorized_at=utcnow(),
                start_deadline=deadline,
            )
            is None
        ):
            return False
        res = await store.get(db, reservation_id)
        assert res is not None
        db.add(
            ChargeTag(
                tag_id=res.id_tag,
                name=f"Payment reservation {reservation_id}",
                parent_tag_id=res.charge_tag_id,
                expiry=deadline,
            )
        )
        return True

    async def start(self, reservation_id: str) -> str:
        """Authorized → StartRequested and the remote start; a refusal releases the hold."""
        async with self.services.db.begin() as db:
            if await store.move(db, reservation_id, S.START_REQUESTED, start_requested_at=utcnow()) is None:
                return await self.charger_answer(reservation_id)
            res = await store.get(db, reservation_id)
            assert res is not None
        command = RemoteStart(
            connector=res.connector_id, id_tag=res.id_tag, remote_start_id=res.remote_start_id
        )
        try:
            outcome = await self.services.commands.execute(res.charge_point_id, command, actor="payments")
            status = outcome.status.value
            if outcome.status in (OutcomeStatus.CallError, OutcomeStatus.InvalidResponse):
                log.warning("remote start for reservation %s failed: %s", reservation_id, outcome.description)
                status = "Failed"
            elif outcome.status is OutcomeStatus.Disconnected:
                status = "Failed"
        except CommandError as e:
            log.warning("remote start for reservation %s failed: %s", reservation_id, e)
            status = "Failed"
        async with self.services.db.begin() as db:
            await store.set_fields(db, reservation_id, charger_status=status)
        if status != "Accepted":
            await self.end(
                reservation_id, S.START_REJECTED, f"the charger answered the remote start: {status}"
            )
        return status

    async def charger_answer(self, reservation_id: str) -> str:
        """The charger's answer to the remote start, waiting while another request is still asking."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.call_timeout + 5
        while True:
            res = await self.get(reservation_id)
            if res.charger_status is not None or loop.time() > deadline:
                return res.charger_status or "Pending"
            if S(res.state) not in STARTED_STATES:
                raise PaymentError(409, res.state, f"the reservation is {res.state} ({res.reason})")
            await asyncio.sleep(0.1)

    # ------------------------------------------------------------------------------ cancel
    async def cancel(self, reservation_id: str, reason: str | None) -> PaymentReservation:
        res = await self.get(reservation_id)
        state = S(res.state)
        if state == S.CHARGING:
            raise PaymentError(409, state.value, "the car is charging: stop the transaction instead")
        if state != S.CANCELLED and not await self.end(reservation_id, S.CANCELLED, reason or "cancelled"):
            res = await self.get(reservation_id)
            raise PaymentError(409, res.state, f"the reservation is {res.state} and cannot be cancelled")
        return await self.get(reservation_id)

    async def end(self, reservation_id: str, target: ReservationState, reason: str) -> bool:
        """Move to a final state, retire the id tag, release any hold (retried later if Stripe is down)."""
        async with self.services.db.begin() as db:
            res = await store.get(db, reservation_id)
            if res is None:
                return False
            owes = S(res.state) in HOLD_STATES or res.checkout_session_id is not None
            settlement = "release" if owes else None
            if await store.move(db, reservation_id, target, reason=reason, settlement=settlement) is None:
                return False
            await block_tag(db, res.id_tag)
        if settlement is not None:
            await settle(self, reservation_id)
        return True
