"""The simulator's profile book: which profile limits a connector now, in both versions' shapes."""

from __future__ import annotations

import time

from chargegrid.sim.profiles import ProfileBook


def p16(
    pid: int, purpose: str, limit: float, unit: str = "A", stack: int = 0, **extra: object
) -> dict[str, object]:
    return {
        "chargingProfileId": pid,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
        **extra,
    }


def p2x(pid: int, purpose: str, periods: list[dict[str, float]], start: str) -> dict[str, object]:
    return {
        "id": pid,
        "stackLevel": 0,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {"id": 1, "startSchedule": start, "chargingRateUnit": "W", "chargingSchedulePeriod": periods}
        ],
    }


def test_tx_profile_over_default_bounded_by_station_max() -> None:
    book = ProfileBook()
    started = time.time()
    assert book.limit_w(1, started) is None
    book.set(0, p16(1, "TxDefaultProfile", 10))
    assert book.limit_w(1, started) == 10 * 230 * 3
    book.set(1, p16(2, "TxProfile", 16, numberPhases=1))
    assert book.limit_w(1, started) == 16 * 230 * 3
    book.set(0, p16(3, "ChargePointMaxProfile", 5000, unit="W"))
    assert book.limit_w(1, started) == 5000
    book.end_transaction(1)
    assert book.limit_w(1, started) == 5000  # the default (6900 W) under the station maximum
    assert book.clear(purpose="ChargePointMaxProfile")
    assert book.limit_w(1, started) == 6900
    assert not book.clear(profile_id=99)


def test_same_purpose_and_stack_level_replaces_and_periods_follow_the_clock() -> None:
    book = ProfileBook()
    book.set(1, p16(1, "TxDefaultProfile", 10))
    book.set(1, p16(2, "TxDefaultProfile", 8))
    assert book.limit_w(1) == 8 * 690
    an_hour_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    book.set(
        2,
        p2x(
            5,
            "TxDefaultProfile",
            [{"startPeriod": 0, "limit": 1000}, {"startPeriod": 1800, "limit": 2000}],
            an_hour_ago,
        ),
    )
    assert book.limit_w(2) == 2000
    in_an_hour = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    book.set(2, p2x(5, "TxDefaultProfile", [{"startPeriod": 0, "limit": 1000}], in_an_hour))
    assert book.limit_w(2) is None  # not started yet
