"""The load allocator: how a site's grid connection is shared among the sessions charging behind it.

Plain functions on plain data. Everything is in amperes per phase: a site of 100 A on three phases
gives at most 100 A on each phase, and a session's limit is what its charger may draw on each phase
it uses. A session is counted on every phase of the site (a single-phase car is counted as if it drew
on all three): conservative, so the site limit holds whichever phase a car is wired to.

The rules, in order:
1. Sessions are served by priority (higher first), then in the order given (the longest-waiting first).
2. Each session gets its minimum (6 A unless its charger says otherwise) while the remaining capacity
   and its charger's maximum allow; a session that cannot get its minimum waits at 0 A.
3. What remains is shared equally among the admitted sessions of the highest priority, up to each one's
   cap (its maximum, and what it is measured to take: a car that draws less than it was given keeps
   only what it takes plus a margin), then among the next priority, and so on.
4. A charger's own maximum bounds the sum of its sessions.
5. Limits are rounded down to 0.1 A, so the sum never exceeds the site limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import groupby

DEFAULT_MIN_A = 6.0  # IEC 61851: the least current a car can charge with
UNDERDRAW_MARGIN_A = 2.0  # headroom above a car's measured draw, so it can ask for more next round
STEP_A = 0.1

Key = tuple[str, int]  # (charge point id, connector)


@dataclass(frozen=True)
class Session:
    key: Key
    max_a: float  # the most this connector may draw per phase (charger/connector rating, external limit)
    min_a: float = DEFAULT_MIN_A
    priority: int = 0
    measured_a: float | None = None  # per phase, from the latest meter values
    previous_a: float | None = None  # the limit it had until now


@dataclass(frozen=True)
class Allocation:
    limits: dict[Key, float]  # per phase, 0: waits
    capacity_a: float

    @property
    def total_a(self) -> float:
        return round(sum(self.limits.values()), 1)

    def waiting(self) -> list[Key]:
        return [key for key, limit in self.limits.items() if limit == 0]


def _floor(value: float) -> float:
    return math.floor(round(value / STEP_A, 6)) * STEP_A


def cap_of(session: Session) -> float:
    """The most worth giving a session: its maximum, or less when it draws clearly less than it had."""
    cap = session.max_a
    if (
        session.measured_a is not None
        and session.previous_a is not None
        and session.measured_a + UNDERDRAW_MARGIN_A < session.previous_a
    ):
        cap = min(cap, max(session.min_a, session.measured_a + UNDERDRAW_MARGIN_A))
    return cap


def allocate(
    capacity_a: float, sessions: Sequence[Session], charger_max_a: dict[str, float] | None = None
) -> Allocation:
    """Share `capacity_a` (per phase) among `sessions` by the rules above."""
    charger_max_a = charger_max_a or {}
    capacity = max(0.0, capacity_a)
    order = sorted(range(len(sessions)), key=lambda i: -sessions[i].priority)  # stable: keeps given order
    given: dict[int, float] = {}
    charger_left = dict(charger_max_a)
    left = capacity
    # 2. minimums, by priority then arrival
    for i in order:
        s = sessions[i]
        cp = s.key[0]
        room = min(left, charger_left.get(cp, math.inf))
        if s.min_a <= room and s.min_a <= s.max_a and s.max_a > 0:
            given[i] = s.min_a
            left -= s.min_a
            if cp in charger_left:
                charger_left[cp] -= s.min_a
        else:
            given[i] = 0.0
    # 3. the rest, tier by tier, shared equally up to each cap (water filling)
    admitted = [i for i in order if given[i] > 0]
    for _, tier_iter in groupby(admitted, key=lambda i: -sessions[i].priority):
        tier = list(tier_iter)
        left = _fill(tier, sessions, given, left, charger_left)
        if left <= 1e-9:
            break
    limits = {sessions[i].key: _floor(given[i]) for i in range(len(sessions))}
    return Allocation(limits, capacity)


def _fill(
    tier: list[int],
    sessions: Sequence[Session],
    given: dict[int, float],
    left: float,
    charger_left: dict[str, float],
) -> float:
    """Raise the sessions of `tier` equally until each reaches its cap or `left` runs out; what is left."""
    active = list(tier)
    while active and left > 1e-9:
        share = left / len(active)
        spent, still = 0.0, []
        # A charger's remaining maximum is split equally among its active sessions, round by round.
        per_charger: dict[str, int] = {}
        for i in active:
            per_charger[sessions[i].key[0]] = per_charger.get(sessions[i].key[0], 0) + 1
        charger_share = {cp: charger_left[cp] / n for cp, n in per_charger.items() if cp in charger_left}
        for i in active:
            cp = sessions[i].key[0]
            room = max(0.0, min(cap_of(sessions[i]) - given[i], charger_share.get(cp, math.inf)))
            add = min(share, room)
            given[i] += add
            spent += add
            if cp in charger_left:
                charger_left[cp] -= add
            if room - add > 1e-9:
                still.append(i)
        left -= spent
        if spent <= 1e-9:
            break
        active = still
    return left


# ---- a site's limit over the day -----------------------------------------------------------------


@dataclass(frozen=True)
class LimitPeriod:
    """A lower (or higher) limit between two times of day, e.g. 17:00–20:00 (`until` before `start`
    wraps past midnight)."""

    start: time
    until: time
    limit_a: float

    def covers(self, moment: time) -> bool:
        if self.start <= self.until:
            return self.start <= moment < self.until
        return moment >= self.start or moment < self.until


@dataclass(frozen=True)
class SiteLimit:
    limit_a: float  # per phase
    periods: tuple[LimitPeriod, ...] = field(default=())

    def at(self, moment: datetime) -> float:
        """The limit in force at `moment` (local time of the site): the first period covering it wins."""
        now = moment.time()
        for period in self.periods:
            if period.covers(now):
                return period.limit_a
        return self.limit_a

    def boundaries(self) -> list[time]:
        return sorted({p.start for p in self.periods} | {p.until for p in self.periods})


def amps_per_phase(power_kw: float, phases: int, voltage: float) -> float:
    """A power limit as the current per phase it means (phase-to-neutral `voltage`)."""
    return power_kw * 1000 / (voltage * phases)


def watts_for(amps: float, phases: int, voltage: float) -> float:
    return amps * phases * voltage
