"""Tables of the Stripe payment flow: payment reservations and the webhook events already applied.

A reservation is one paid charging session: what was held on the customer's card, what the charger
answered, and what was finally captured. Amounts are integers in the currency's smallest unit (cents);
prices are kept as the decimal text they were computed from so a captured amount can be recomputed
exactly. Money owed to or by Stripe after a failure (a capture or a release that could not be done
yet) is recorded in `settlement` until the background task manages it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models import Base, utcnow


class PaymentReservation(Base):
    __tablename__ = "payment_reservations"
    __table_args__ = (
        Index("ix_pay_res_state", "state"),
        Index("ix_pay_res_settlement", "settlement"),
        Index("ix_pay_res_cp_connector", "charge_point_id", "connector_id"),
        Index("ix_pay_res_transaction", "transaction_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID, the API's reservationId
    charge_point_id: Mapped[str] = mapped_column(String(48))
    connector_id: Mapped[int] = mapped_column(Integer)
    charge_tag_id: Mapped[str] = mapped_column(String(50))  # the driver's tag
    id_tag: Mapped[str] = mapped_column(String(20), unique=True)  # the reservation's own tag (CGPAY...)
    remote_start_id: Mapped[int] = mapped_column(Integer, unique=True)  # 2.x RequestStart remoteStartId
    # "<charge point>#<connector>" while the reservation is open, NULL once it ended: the unique
    # constraint lets the database refuse a second open reservation for the same connector.
    open_connector: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20))

    currency: Mapped[str] = mapped_column(String(3))
    price_per_kwh: Mapped[str] = mapped_column(String(20))  # decimal text, e.g. "0.49"
    session_fee: Mapped[str] = mapped_column(String(20))
    max_energy_kwh: Mapped[str] = mapped_column(String(20))
    max_amount_cents: Mapped[int] = mapped_column(Integer)

    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    amount_authorized_cents: Mapped[int | None] = mapped_column(Integer)
    amount_captured_cents: Mapped[int | None] = mapped_column(Integer)
    final_amount_cents: Mapped[int | None] = mapped_column(Integer)  # what the session cost
    energy_kwh: Mapped[float | None] = mapped_column(Float)

    charger_status: Mapped[str | None] = mapped_column(String(40))  # the answer to the remote start
    transaction_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was cancelled, rejected, expired, failed

    # Stripe work still owed: "capture" or "release" (NULL when nothing is), retried by the sweeper.
    settlement: Mapped[str | None] = mapped_column(String(10))
    capture_attempts: Mapped[int] = mapped_column(Integer, default=0)
    capture_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    payment_deadline: Mapped[datetime]  # PendingPayment expires after this
    start_deadline: Mapped[datetime | None]  # Authorized / StartRequested expire after this
    authorized_at: Mapped[datetime | None]
    start_requested_at: Mapped[datetime | None]
    charging_at: Mapped[datetime | None]
    stop_requested_at: Mapped[datetime | None]  # the server asked the charger to stop (max energy)
    ended_at: Mapped[datetime | None]  # reached a final state
    settled_at: Mapped[datetime | None]  # the hold was captured or released


class ProcessedWebhookEvent(Base):
    """A Stripe event already applied; its id is the key, so a redelivery changes nothing."""

    __tablename__ = "processed_webhook_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    reservation_id: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
