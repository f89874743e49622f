"""Password guessing on the OCPP port must not starve the edge.

Checking a Basic password costs an argon2 verification (tens of ms of CPU, by design). An attacker who
can make us run one per handshake can keep both cores busy and delay every honest charger. So, in order:

1. a password this charger already proved is recognised by a keyed digest, with no argon2 at all
   (`domain.credentials.cached_charger_key`) - a known charger reconnecting is never throttled;
2. budgets are checked *before* any hashing, most even before the charge point is read: an address
   that failed recently has at most `pending_per_address` handshakes with unproven passwords in
   admission at once and one password check at a time; an address with `failures_per_address`
   failures in the window is refused at once (429); a charge point id with
   `failures_per_charge_point` failures is locked for the rest of the window (429); when failures
   network-wide exceed `global_failures` in the window (an attack from many addresses), an address
   that has failed even once is refused at once;
3. at most `concurrency` argon2 checks run, plus `reserved` more
   only for clean checks - address and id without recent failures, no other check for that id under
   way (an honest charger's first connection does not wait behind guessers), and at most `queue`
   wait. A free slot goes first to a clean check, then by arrival, and no suspect check starts while a
   clean one hashes; when the queue is full a clean check takes the place of a suspect one, and a check
   that finds no place is refused at once (503).

Refusals carry Retry-After. Counts decay after `window` seconds and the tables are bounded, so an
attack from millions of addresses costs memory that is capped.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refusal:
    status: int  # 429 (budget) or 503 (hash queue full)
    retry_after: int  # seconds
    reason: str


@dataclass(eq=False)
class _Waiter:
    address: str
    charge_point_id: str
    sequence: int
    turn: asyncio.Future[str | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class _Failures:
    """Failure counts per key within a window, oldest keys evicted past `limit` entries."""

    def __init__(self, window: float, limit: int) -> None:
        self.window = window
        self.limit = limit
        self._entries: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def count(self, key: str, now: float) -> tuple[int, float]:
        """(failures within the window, seconds until they expire)."""
        entry = self._entries.get(key)
        if entry is None:
            return 0, 0.0
        count, first = entry
        if now - first > self.window:
            del self._entries[key]
            return 0, 0.0
        return count, self.window - (now - first)

    def add(self, key: str, now: float) -> None:
        count, first = self._entries.pop(key, (0, now))
        if now - first > self.window:
            count, first = 0, now
        self._entries[key] = (count + 1, first)
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)


class AuthThrottle:
    def __init__(
        self,
        *,
        failures_per_address: int = 5,
        failures_per_charge_point: int = 20,
        window: float = 60.0,
        global_failures: int = 100,
        concurrency: int = 1,
        reserved: int = 1,
        queue: int = 32,
        pending_per_address: int = 4,
        max_entries: int = 100_000,
    ) -> None:
        self.failures_per_address = failures_per_address
        self.failures_per_charge_point = failures_per_charge_point
        self.global_failures = global_failures
        self.window = window
        self._addresses = _Failures(window, max_entries)
        self._charge_points = _Failures(window, max_entries)
        self._recent: list[float] = []  # times of recent failures anywhere (pruned to the window)
        self._concurrency = concurrency
        self._reserved = reserved
        self._queue = queue
        self._running = {"shared": 0, "clean": 0}
        self._waiters: list[_Waiter] = []
        self._in_flight: Counter[str] = Counter()  # address → checks waiting or hashing
        self._checking: Counter[str] = Counter()  # charge point id → checks running or waiting
        self.pending_per_address = pending_per_address
        self._admitting: dict[str, list[float]] = {}  # address → when its places lapse
        self._max_entries = max_entries
        self._sequence = itertools.count()

    def under_attack(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        cutoff = now - self.window
        if self._recent and self._recent[0] < cutoff:
            self._recent = [t for t in self._recent if t >= cutoff]
        return len(self._recent) >= self.global_failures

    def check(self, address: str, charge_point_id: str) -> Refusal | None:
        """May a password check for this address and charge point run? (No hashing happens here.)"""
        now = time.monotonic()
        failures, expires = self._addresses.count(address, now)
        limit = 1 if self.under_attack(now) else self.failures_per_address
        if failures >= limit:
            return Refusal(429, _seconds(expires), f"too many failed logins from {address}; try again later")
        failures, expires = self._charge_points.count(charge_point_id, now)
        if failures >= self.failures_per_charge_point:
            return Refusal(
                429,
                _seconds(expires),
                f"charge point {charge_point_id!r} is locked after {failures} failed logins; try again later",
            )
        return None

    def _suspect(self, address: str, charge_point_id: str, now: float) -> bool:
        """A check is suspect when its address or id failed recently, or when another check for the same
        id is running or waiting (an honest charger connects once at a time; guessers in parallel)."""
        return (
            self._checking[charge_point_id] > 1
            or self._addresses.count(address, now)[0] > 0
            or self._charge_points.count(charge_point_id, now)[0] > 0
        )

    def admit(self, address: str) -> Refusal | bool:
        """For an address that failed recently: take one of its `pending_per_address` places for a
        handshake that brings an unproven password, before the charge point is even read (True; `admitted`
        gives it back, or it lapses). False when the address needs none."""
        if not self._failing(address):
            return False  # no place needed (and none taken)
        now = time.monotonic()
        places = [t for t in self._admitting.get(address, ()) if t > now]
        if len(places) >= self.pending_per_address:
            self._admitting[address] = places
            return Refusal(429, 1, f"too many handshakes with credentials from {address} at once")
        places.append(now + _PLACE_LAPSES)
        self._admitting[address] = places
        while len(self._admitting) > self._max_entries:
            self._admitting.pop(next(iter(self._admitting)))
        return True

    def _failing(self, address: str) -> bool:
        return self._addresses.count(address, time.monotonic())[0] > 0

    def busy(self, address: str) -> Refusal | None:
        """An address that failed recently gets one password check at a time (an honest boot storm
        behind one NAT address, which never fails, is not limited here)."""
        if self._in_flight[address] and self._failing(address):
            return Refusal(429, 1, f"a password check for {address} is already running; one at a time")
        return None

    def admitted(self, address: str) -> None:
        places = self._admitting.get(address)
        if places:
            places.pop(0)
        if not places:
            self._admitting.pop(address, None)

    async def run(
        self, address: str, charge_point_id: str, verify: Callable[[], Awaitable[bool]]
    ) -> bool | Refusal:
        """Run one argon2 check within the concurrency bound, or a Refusal (429 when this address already
        has a check running, 503 when the queue is full of checks that have priority)."""
        refusal = self.busy(address)
        if refusal is not None:
            return refusal
        now = time.monotonic()
        self._checking[charge_point_id] += 1
        clean = not self._suspect(address, charge_point_id, now)
        slot = self._free_slot(clean)
        if slot is None and len(self._waiters) >= self._queue and not (clean and self._evict_suspect(now)):
            self._done_checking(charge_point_id)
            return Refusal(503, 1, BUSY)
        self._in_flight[address] += 1
        try:
            if slot is None:
                slot = await self._wait(_Waiter(address, charge_point_id, next(self._sequence)))
                if slot is None:
                    return Refusal(503, 1, BUSY)
            try:
                return await verify()
            finally:
                self._release(slot)
        finally:
            self._in_flight[address] -= 1
            if self._in_flight[address] <= 0:
                del self._in_flight[address]
            self._done_checking(charge_point_id)

    def _done_checking(self, charge_point_id: str) -> None:
        self._checking[charge_point_id] -= 1
        if self._checking[charge_point_id] <= 0:
            del self._checking[charge_point_id]

    async def _wait(self, waiter: _Waiter) -> str | None:
        self._waiters.append(waiter)
        try:
            return await waiter.turn
        except asyncio.CancelledError:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif waiter.turn.done() and not waiter.turn.cancelled():
                handed = waiter.turn.result()
                if handed is not None:
                    self._release(handed)  # our turn came as we were cancelled: pass it on
            raise

    def _free_slot(self, clean: bool) -> str | None:
        """Take a slot if one is free for this kind of check. While a clean check hashes, no suspect one
        starts: the honest charger's argon2 gets the cores to itself."""
        if self._running["shared"] < self._concurrency and (clean or self._running["clean"] == 0):
            self._running["shared"] += 1
            return "shared"
        if clean and self._running["clean"] < self._reserved:
            self._running["clean"] += 1
            return "clean"
        return None

    def _evict_suspect(self, now: float) -> bool:
        """Make room for a clean check by refusing the newest suspect waiter."""
        for waiter in reversed(self._waiters):
            if self._suspect(waiter.address, waiter.charge_point_id, now):
                self._waiters.remove(waiter)
                waiter.turn.set_result(None)
                return True
        return False

    def _release(self, slot: str) -> None:
        """Free the slot and hand free slots on: to clean waiters first, then by arrival."""
        self._running[slot] -= 1
        now = time.monotonic()
        while self._waiters:
            best = min(
                self._waiters, key=lambda w: (self._suspect(w.address, w.charge_point_id, now), w.sequence)
            )
            taken = self._free_slot(not self._suspect(best.address, best.charge_point_id, now))
            if taken is None:
                return
            self._waiters.remove(best)
            best.turn.set_result(taken)

    def failed(self, address: str, charge_point_id: str) -> None:
        now = time.monotonic()
        self._addresses.add(address, now)
        self._charge_points.add(charge_point_id, now)
        self._recent.append(now)
        if len(self._recent) > 4 * self.global_failures:
            self.under_attack(now)  # prunes
            del self._recent[: max(0, len(self._recent) - 4 * self.global_failures)]

    def succeeded(self, address: str, charge_point_id: str) -> None:
        self._addresses.forget(address)
        self._charge_points.forget(charge_point_id)


_PLACE_LAPSES = 10.0  # seconds: a handshake refused for another reason (unknown id) gives none back
BUSY = "the central system is busy checking passwords; retry in a second"


def _seconds(value: float) -> int:
    return max(1, int(value + 0.999))
