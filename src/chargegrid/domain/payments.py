"""Payment reservations: states, transitions, amounts and the reservation id tag.

Plain Python, no framework and no Stripe: the rules the payment flow and its tests share.

Lifecycle::

    PendingPayment -> Authorized -> StartRequested -> Charging -> Completed
          |               |              |               |
          +-> Cancelled   +-> Cancelled  +-> StartRejected +-> Failed
          +-> Expired     +-> Expired    +-> Expired
          +-> Failed      +-> Failed     +-> Cancelled / Failed

Transitions only go forward, so an event that arrives late or twice (a webhook after the
customer already came back, a repeated StopTransaction) can never move a reservation back.

Amounts are in the currency's smallest unit (cents), computed with :class:`~decimal.Decimal`
and rounded half-up, so 80 kWh x 0.49 EUR/kWh is exactly 3920.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

Number = Decimal | int | str | float


class ReservationState(StrEnum):
    """Stored reservation states; the values are what the API and the database show."""

    PENDING_PAYMENT = "PendingPayment"  # Checkout Session created, customer has not paid yet
    AUTHORIZED = "Authorized"  # the hold exists (PaymentIntent requires_capture)
    START_REQUESTED = "StartRequested"  # RemoteStartTransaction sent / accepted, no transaction yet
    CHARGING = "Charging"  # the charger started the transaction
    COMPLETED = "Completed"  # the session ended and the payment was settled (captured or released)
    CANCELLED = "Cancelled"  # cancelled by the customer or an operator; any hold released
    FAILED = "Failed"  # payment failed or could not be settled
    START_REJECTED = "StartRejected"  # the charger rejected or ignored the remote start; hold released
    EXPIRED = "Expired"  # payment or start window passed; any hold released


S = ReservationState

TRANSITIONS: Mapping[ReservationState, frozenset[ReservationState]] = {
    S.PENDING_PAYMENT: frozenset({S.AUTHORIZED, S.CANCELLED, S.EXPIRED, S.FAILED}),
    S.AUTHORIZED: frozenset({S.START_REQUESTED, S.CANCELLED, S.EXPIRED, S.FAILED}),
    S.START_REQUESTED: frozenset({S.CHARGING, S.START_REJECTED, S.CANCELLED, S.EXPIRED, S.FAILED}),
    S.CHARGING: frozenset({S.COMPLETED, S.FAILED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
    S.START_REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
}

TERMINAL_STATES: frozenset[ReservationState] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)

# States in which Stripe may hold an authorisation for the reservation that must eventually be
# captured or released. (PendingPayment has no hold yet, but may have an open Checkout Session.)
HOLD_STATES: frozenset[ReservationState] = frozenset({S.AUTHORIZED, S.START_REQUESTED, S.CHARGING})

# Progress order, for "is this event behind the reservation?" questions.
_RANK: Mapping[ReservationState, int] = {
    S.PENDING_PAYMENT: 0,
    S.AUTHORIZED: 1,
    S.START_REQUESTED: 2,
    S.CHARGING: 3,
    **{s: 4 for s in TERMINAL_STATES},
}


class InvalidTransition(ValueError):
    def __init__(self, current: ReservationState, target: ReservationState) -> None:
        super().__init__(f"reservation cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


def can_transition(current: ReservationState, target: ReservationState) -> bool:
    """Whether an event may move a reservation from ``current`` to ``target``.

    False for staying in the same state and for any step backwards, so callers can simply
    ignore out-of-order or repeated events when this says no.
    """
    return target in TRANSITIONS[current]


def check_transition(current: ReservationState, target: ReservationState) -> ReservationState:
    """Return ``target`` if the transition is allowed, else raise :class:`InvalidTransition`."""
    if not can_transition(current, target):
        raise InvalidTransition(current, target)
    return target


def is_behind(current: ReservationState, target: ReservationState) -> bool:
    """True when ``target`` is not further along than ``current`` (a stale or repeated event)."""
    return _RANK[target] <= _RANK[current]


# ---------------------------------------------------------------------------- amounts
_CENT = Decimal(1)
_HUNDRED = Decimal(100)


def to_decimal(value: Number) -> Decimal:
    """A Decimal for settings and meter values; floats go through ``str`` so 0.49 stays 0.49."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def to_cents(amount: Number) -> int:
    """Currency units to the smallest unit, rounded half-up (0.005 -> 1 cent)."""
    return int((to_decimal(amount) * _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP))


def max_amount_cents(max_kwh: Number, price_per_kwh: Number, fee: Number = 0) -> int:
    """The hold: round(max_kwh x price x 100) + round(fee x 100). 80 kWh at 0.49 -> 3920."""
    return to_cents(to_decimal(max_kwh) * to_decimal(price_per_kwh)) + to_cents(fee)


def energy_kwh(meter_start_wh: Number, meter_stop_wh: Number) -> Decimal:
    """Energy of a transaction from OCPP meter values in Wh; never negative (meter resets)."""
    wh = to_decimal(meter_stop_wh) - to_decimal(meter_start_wh)
    return max(wh, Decimal(0)) / Decimal(1000)


def final_amount_cents(energy_kwh: Number, price_per_kwh: Number, fee: Number, hold_cents: int) -> int:
    """What the session costs: round(energy x price x 100) + round(fee x 100), capped at the hold.

    Negative energy counts as zero. The fee is charged even for zero energy (that is the tariff);
    whether the result is worth capturing is :func:`should_release_instead_of_capture`'s call.
    """
    return max(0, min(session_cost_cents(energy_kwh, price_per_kwh, fee), hold_cents))


def session_cost_cents(energy_kwh: Number, price_per_kwh: Number, fee: Number) -> int:
    """What a session costs at the tariff, uncapped: round(energy x price x 100) + round(fee x 100);
    negative energy counts as zero. Payments cap it at the hold; 2.x stations are told it as totalCost."""
    energy = max(to_decimal(energy_kwh), Decimal(0))
    return to_cents(energy * to_decimal(price_per_kwh)) + to_cents(fee)


def should_stop_charging(energy_kwh: Number, max_kwh: Number) -> bool:
    """The server stops the transaction once the paid-for energy is reached."""
    return to_decimal(energy_kwh) >= to_decimal(max_kwh)


# Stripe's minimum charge amounts (smallest currency unit) for the currencies we expect.
STRIPE_MINIMUM_CENTS: Mapping[str, int] = {"eur": 50, "usd": 50, "gbp": 30, "chf": 50}
DEFAULT_MINIMUM_CENTS = 50


def minimum_charge_cents(currency: str) -> int:
    return STRIPE_MINIMUM_CENTS.get(currency.lower(), DEFAULT_MINIMUM_CENTS)


def should_release_instead_of_capture(amount_cents: int, currency: str) -> bool:
    """Stripe cannot capture zero or less than its minimum charge: release the hold instead."""
    return amount_cents <= 0 or amount_cents < minimum_charge_cents(currency)


@dataclass(frozen=True)
class Settlement:
    """How to settle a finished session: capture ``amount_cents`` or release the hold (amount 0)."""

    action: Literal["capture", "release"]
    amount_cents: int


def settle(
    energy_kwh: Number, price_per_kwh: Number, fee: Number, hold_cents: int, currency: str
) -> Settlement:
    amount = final_amount_cents(energy_kwh, price_per_kwh, fee, hold_cents)
    if should_release_instead_of_capture(amount, currency):
        return Settlement("release", 0)
    return Settlement("capture", amount)


# ------------------------------------------------------------------------- id tags
# OCPP 1.6 idTag is CiString20: at most 20 printable ASCII characters, compared case-insensitively.
# A paid session runs under its own id tag: "CGPAY" + 15 Crockford-base32 characters (75 bits)
# derived from the reservation id. "P", "Y" and "G" are not hex digits, so the prefix cannot be a
# card UID as chargers report them. The tag is deterministic, so it is stored with the reservation
# and looked up by its canonical (upper-case) form.
ID_TAG_PREFIX = "CGPAY"
ID_TAG_LENGTH = 20
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_B32_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD)
_ID_TAG_RE = re.compile(rf"^{ID_TAG_PREFIX}[{_CROCKFORD}]{{{ID_TAG_LENGTH - len(ID_TAG_PREFIX)}}}$")


def reservation_id_tag(reservation_id: str) -> str:
    """The id tag the server uses for the remote start of this reservation (20 chars, upper case)."""
    digest = hashlib.sha256(str(reservation_id).strip().lower().encode()).digest()
    body = base64.b32encode(digest).decode().translate(_B32_TO_CROCKFORD)
    return ID_TAG_PREFIX + body[: ID_TAG_LENGTH - len(ID_TAG_PREFIX)]


def normalise_id_tag(id_tag: str) -> str:
    """The canonical form of an id tag for lookups (OCPP compares idTags case-insensitively)."""
    return id_tag.strip().upper()


def is_reservation_id_tag(id_tag: str) -> bool:
    """Whether a charger-reported id tag is one of ours, so it must map to a reservation."""
    return bool(_ID_TAG_RE.match(normalise_id_tag(id_tag)))


def id_tag_matches(id_tag: str, reservation_id: str) -> bool:
    return normalise_id_tag(id_tag) == reservation_id_tag(reservation_id)
