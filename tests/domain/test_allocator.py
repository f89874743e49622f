"""The load allocator: examples of each rule, and random sites that never break the invariants."""

from __future__ import annotations

import random
from datetime import datetime, time

import pytest

from chargegrid.domain.allocator import (
    LimitPeriod,
    Session,
    SiteLimit,
    allocate,
    amps_per_phase,
    cap_of,
)


def s(cp: str, max_a: float = 32, **kw: float) -> Session:
    return Session(key=(cp, 1), max_a=max_a, **kw)  # type: ignore[arg-type]


def test_equal_share_up_to_each_maximum() -> None:
    result = allocate(100, [s("a"), s("b"), s("c")])
    assert result.limits == {("a", 1): 32, ("b", 1): 32, ("c", 1): 32}
    result = allocate(60, [s("a"), s("b"), s("c")])
    assert result.limits == {("a", 1): 20, ("b", 1): 20, ("c", 1): 20}
    result = allocate(60, [s("a", 10), s("b"), s("c")])
    assert result.limits == {("a", 1): 10, ("b", 1): 25, ("c", 1): 25}  # a's unused share goes on


def test_priority_first_then_equal_share() -> None:
    result = allocate(50, [s("low"), s("high", priority=1), s("low2")])
    assert result.limits == {("high", 1): 32, ("low", 1): 9, ("low2", 1): 9}


def test_a_session_that_cannot_get_its_minimum_waits() -> None:
    result = allocate(16, [s("a"), s("b"), s("c")])
    assert result.limits == {("a", 1): 8, ("b", 1): 8, ("c", 1): 0}
    assert result.waiting() == [("c", 1)]
    # a charger that needs more than 6 A to charge
    result = allocate(20, [s("a", min_a=10), s("b", min_a=10), s("c")])
    assert result.limits[("c", 1)] == 0


def test_under_drawing_sessions_hand_on_the_rest() -> None:
    # b was given 30 A but takes 5 A: it keeps 7 A (5 + margin), a gets the rest.
    result = allocate(60, [s("a", previous_a=30, measured_a=30), s("b", previous_a=30, measured_a=5)])
    assert result.limits == {("a", 1): 32, ("b", 1): 7}
    # a car taking all it is given is not capped
    result = allocate(40, [s("a", previous_a=20, measured_a=19.5), s("b", previous_a=20, measured_a=19.9)])
    assert result.limits == {("a", 1): 20, ("b", 1): 20}


def test_a_chargers_maximum_bounds_its_sessions_together() -> None:
    sessions = [Session(("cp", 1), 32), Session(("cp", 2), 32), Session(("other", 1), 32)]
    result = allocate(100, sessions, charger_max_a={"cp": 40})
    assert result.limits == {("cp", 1): 20, ("cp", 2): 20, ("other", 1): 32}


def test_limits_are_rounded_down() -> None:
    result = allocate(20, [s("a"), s("b"), s("c")])
    assert all(v == pytest.approx(6.6) for v in result.limits.values())
    assert result.total_a <= 20


@pytest.mark.parametrize("seed", range(300))
def test_random_sites_never_exceed_the_limit(seed: int) -> None:
    rnd = random.Random(seed)
    capacity = rnd.choice([0, 5, 16, 32, 63, 100, 250])
    chargers = [f"cp{i}" for i in range(rnd.randint(1, 12))]
    charger_max = {cp: rnd.choice([16.0, 32.0, 48.0]) for cp in chargers if rnd.random() < 0.3}
    sessions = []
    for n, cp in enumerate(chargers):
        for connector in range(1, rnd.randint(1, 2) + 1):
            previous = rnd.choice([None, rnd.uniform(0, 32)])
            measured = rnd.choice([None, rnd.uniform(0, 32)])
            sessions.append(
                Session(
                    key=(cp, connector),
                    max_a=rnd.choice([0, 10, 16, 32]),
                    min_a=rnd.choice([6, 6, 8, 10]),
                    priority=rnd.choice([0, 0, 1, 2]),
                    measured_a=measured,
                    previous_a=previous,
                )
            )
        del n
    result = allocate(capacity, sessions, charger_max_a=charger_max)
    limits = result.limits
    assert sum(limits.values()) <= capacity + 1e-6
    for cp, most in charger_max.items():
        assert sum(v for (c, _), v in limits.items() if c == cp) <= most + 1e-6
    for session in sessions:
        got = limits[session.key]
        assert got == 0 or session.min_a - 1e-6 <= got <= session.max_a + 1e-6
    # Every session gets its minimum when the site (and its charger) could give everyone theirs.
    fits = sum(x.min_a for x in sessions) <= capacity and all(
        sum(x.min_a for x in sessions if x.key[0] == cp) <= most for cp, most in charger_max.items()
    )
    if fits:
        assert all(limits[x.key] >= x.min_a - 1e-6 for x in sessions if x.max_a >= x.min_a)
    # Freed capacity is handed on: while an admitted session is below its cap, nothing is left over
    # (but the 0.1 A rounding of each limit).
    if not charger_max and any(0 < limits[x.key] < cap_of(x) - 0.2 for x in sessions):
        assert sum(limits.values()) >= capacity - 0.1 * len(sessions) - 1e-6


def test_time_of_day_limit() -> None:
    site = SiteLimit(100, (LimitPeriod(time(17), time(20), 60), LimitPeriod(time(23), time(6), 120)))
    assert site.at(datetime(2030, 1, 1, 16, 59)) == 100
    assert site.at(datetime(2030, 1, 1, 17, 0)) == 60
    assert site.at(datetime(2030, 1, 1, 20, 0)) == 100
    assert site.at(datetime(2030, 1, 1, 2, 0)) == 120
    assert site.boundaries() == [time(6), time(17), time(20), time(23)]
    assert amps_per_phase(69, 3, 230) == pytest.approx(100)
