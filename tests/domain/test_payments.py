"""Payment reservation rules: amounts, caps, Stripe minimums, transitions, id tags."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest

from chargegrid.domain.payments import (
    HOLD_STATES,
    TERMINAL_STATES,
    InvalidTransition,
    ReservationState,
    Settlement,
    can_transition,
    check_transition,
    energy_kwh,
    final_amount_cents,
    id_tag_matches,
    is_behind,
    is_reservation_id_tag,
    max_amount_cents,
    minimum_charge_cents,
    reservation_id_tag,
    settle,
    should_release_instead_of_capture,
    should_stop_charging,
)

S = ReservationState


# ----------------------------------------------------------------------- amounts
@pytest.mark.parametrize(
    ("kwh", "price", "fee", "expected"),
    [
        (80, Decimal("0.49"), 0, 3920),  # the seed example
        (80, "0.49", "0", 3920),
        (80, 0.49, 0, 3920),  # floats must not leak binary error (80 * 0.49 == 39.199999...)
        (80, Decimal("0.49"), Decimal("1.50"), 4070),
        (Decimal("22.5"), Decimal("0.333"), 0, 749),  # 749.25 -> 749
        (1, Decimal("0.005"), 0, 1),  # half a cent rounds up, not to even
        (3, Decimal("0.005"), 0, 2),  # 1.5 -> 2
        (10, Decimal("0.485"), Decimal("0.004"), 485),  # energy and fee rounded separately
    ],
)
def test_max_amount_cents(kwh: object, price: object, fee: object, expected: int) -> None:
    assert max_amount_cents(kwh, price, fee) == expected  # type: ignore[arg-type]


def test_max_amount_fee_defaults_to_zero() -> None:
    assert max_amount_cents(80, "0.49") == 3920


def test_final_amount_is_energy_times_price_plus_fee() -> None:
    assert final_amount_cents(Decimal("12.345"), Decimal("0.49"), Decimal("0.50"), 3920) == 605 + 50


def test_final_amount_is_capped_at_the_hold() -> None:
    assert final_amount_cents(Decimal("81.2"), Decimal("0.49"), 0, 3920) == 3920
    assert final_amount_cents(80, Decimal("0.49"), Decimal("1.00"), 3920) == 3920


def test_final_amount_never_negative() -> None:
    assert final_amount_cents(Decimal("-3"), Decimal("0.49"), 0, 3920) == 0


def test_final_amount_charges_the_fee_for_zero_energy() -> None:
    assert final_amount_cents(0, Decimal("0.49"), Decimal("1.00"), 3920) == 100


def test_energy_from_meter_values_in_wh() -> None:
    assert energy_kwh(1_000, 13_345) == Decimal("12.345")
    assert energy_kwh(5_000, 4_000) == 0  # a meter reset is not negative energy


def test_stop_when_paid_energy_reached() -> None:
    assert not should_stop_charging(Decimal("79.999"), 80)
    assert should_stop_charging(80, 80)
    assert should_stop_charging(Decimal("80.2"), 80)


@pytest.mark.parametrize(
    ("currency", "minimum"), [("eur", 50), ("usd", 50), ("gbp", 30), ("chf", 50), ("EUR", 50), ("sek", 50)]
)
def test_stripe_minimums(currency: str, minimum: int) -> None:
    assert minimum_charge_cents(currency) == minimum


@pytest.mark.parametrize(
    ("amount", "currency", "release"),
    [
        (0, "eur", True),
        (-5, "eur", True),
        (49, "eur", True),
        (50, "eur", False),
        (30, "gbp", False),
        (29, "gbp", True),
        (40, "gbp", False),
        (40, "usd", True),
    ],
)
def test_release_instead_of_capture(amount: int, currency: str, release: bool) -> None:
    assert should_release_instead_of_capture(amount, currency) is release


def test_settle() -> None:
    assert settle(Decimal("10"), Decimal("0.49"), 0, 3920, "eur") == Settlement("capture", 490)
    assert settle(Decimal("0.5"), Decimal("0.49"), 0, 3920, "eur") == Settlement("release", 0)  # 25 cents
    assert settle(0, Decimal("0.49"), 0, 3920, "eur") == Settlement("release", 0)
    assert settle(100, Decimal("0.49"), 0, 3920, "eur") == Settlement("capture", 3920)


# ------------------------------------------------------------------- transitions
HAPPY_PATH = [S.PENDING_PAYMENT, S.AUTHORIZED, S.START_REQUESTED, S.CHARGING, S.COMPLETED]


def test_happy_path_is_allowed() -> None:
    for current, target in pairwise(HAPPY_PATH):
        assert can_transition(current, target)
        assert check_transition(current, target) is target


def test_no_transition_goes_backwards_or_stays() -> None:
    for i, current in enumerate(HAPPY_PATH):
        for earlier in HAPPY_PATH[: i + 1]:
            assert not can_transition(current, earlier), (current, earlier)
            assert is_behind(current, earlier)


def test_terminal_states_are_final() -> None:
    assert {S.COMPLETED, S.CANCELLED, S.FAILED, S.START_REJECTED, S.EXPIRED} == TERMINAL_STATES
    for terminal in TERMINAL_STATES:
        for target in S:
            assert not can_transition(terminal, target)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (S.PENDING_PAYMENT, S.CANCELLED, True),  # checkout cancelled
        (S.PENDING_PAYMENT, S.EXPIRED, True),  # checkout.session.expired
        (S.AUTHORIZED, S.CANCELLED, True),  # hold released by Cancel
        (S.AUTHORIZED, S.EXPIRED, True),  # start window passed
        (S.START_REQUESTED, S.START_REJECTED, True),  # charger rejected / timed out
        (S.START_REQUESTED, S.EXPIRED, True),  # accepted but never started
        (S.CHARGING, S.CANCELLED, False),  # energy is flowing: settle, don't cancel
        (S.CHARGING, S.EXPIRED, False),
        (S.PENDING_PAYMENT, S.CHARGING, False),  # no skipping the payment
        (S.CANCELLED, S.AUTHORIZED, False),  # a cancelled reservation cannot be confirmed
        (S.EXPIRED, S.AUTHORIZED, False),  # late checkout.session.completed
        (S.COMPLETED, S.CANCELLED, False),  # late payment_intent.canceled
    ],
)
def test_transitions(current: ReservationState, target: ReservationState, allowed: bool) -> None:
    assert can_transition(current, target) is allowed


def test_check_transition_raises() -> None:
    with pytest.raises(InvalidTransition, match="from Cancelled to Authorized"):
        check_transition(S.CANCELLED, S.AUTHORIZED)


def test_state_values_are_the_contract_names() -> None:
    assert [s.value for s in S] == [
        "PendingPayment",
        "Authorized",
        "StartRequested",
        "Charging",
        "Completed",
        "Cancelled",
        "Failed",
        "StartRejected",
        "Expired",
    ]
    assert S("StartRejected") is S.START_REJECTED
    assert frozenset({S.AUTHORIZED, S.START_REQUESTED, S.CHARGING}) == HOLD_STATES


# ------------------------------------------------------------------------ id tags
RID = "3f2c8a4e-9b1d-4c6f-8e2a-7d5b1c0e9f43"


def test_reservation_id_tag_fits_ocpp16_idtag() -> None:
    tag = reservation_id_tag(RID)
    assert len(tag) == 20
    assert tag.isascii() and tag.isprintable() and tag == tag.upper()
    assert tag.startswith("CGPAY")


def test_reservation_id_tag_is_deterministic_and_distinct() -> None:
    assert reservation_id_tag(RID) == reservation_id_tag(RID.upper())
    tags = {reservation_id_tag(f"00000000-0000-4000-8000-{i:012d}") for i in range(10_000)}
    assert len(tags) == 10_000


def test_id_tag_recognised_case_insensitively() -> None:
    tag = reservation_id_tag(RID)
    assert is_reservation_id_tag(tag)
    assert is_reservation_id_tag(tag.lower())  # CiString: chargers may change the case
    assert id_tag_matches(tag.lower(), RID)
    assert not id_tag_matches(tag, "another-reservation")


@pytest.mark.parametrize(
    "tag", ["tag1234", "04A2B3C4D5E6F7", "CGPAY", "CGPAY" + "0" * 16, "CGPAYUUUUUUUUUUUUUUU"]
)
def test_other_tags_are_not_reservation_tags(tag: str) -> None:
    assert not is_reservation_id_tag(tag)  # "U" is not Crockford base32
