"""Password guessing on the OCPP port must not starve the edge.

Checking a Basic password costs an argon2 verification (tens of ms of CPU, by design). An attacker who
can make us run one per handshake can keep both cores busy and delay every honest charger. So, in order:

1. a password this charger already proved is recognised by a keyed digest, with no argon2 at all
   (`domain.credentials.cached_charger_key`) - a known charger reconnecting is never throttled;
2. budgets are checked *before* any hashing: an address with `failures_per_address` failures in the
   window is refused at once (429); a charge point id with `failures_per_charge_point` failures is locked
   for the rest of the window (429); when failures network-wide exceed `global_failures` in the window
   (an attack from many addresses), an address that has failed even once is refused at once;
3. at most `concurrency` argon2 checks run at a time and at most `queue` wait; a check that finds the
   queue full is refused at once (503, retry shortly) instead of piling up.

Refusals carry Retry-After. Counts decay after `window` seconds and the tables are bounded, so an
attack from millions of addresses costs memory that is capped.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    status: int  # 429 (budget) or 503 (hash queue full)
    retry_after: int  # seconds
    reason: str


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
        concurrency: int = 2,
        queue: int = 8,
        max_entries: int = 100_000,
    ) -> None:
        self.failures_per_address = failures_per_address
        self.failures_per_charge_point = failures_per_charge_point
        self.global_failures = global_failures
        self.window = window
        self._addresses = _Failures(window, max_entries)
        self._charge_points = _Failures(window, max_entries)
        self._recent: list[float] = []  # times of recent failures anywhere (pruned to the window)
        self._slots = asyncio.Semaphore(concurrency)
        self._queue = queue
        self._waiting = 0

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

    async def run(self, verify: Callable[[], Awaitable[bool]]) -> bool | Refusal:
        """Run one argon2 check within the concurrency bound; a Refusal when too many are waiting."""
        if self._slots.locked() and self._waiting >= self._queue:
            return Refusal(503, 1, "the central system is busy checking passwords; retry in a second")
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            return await verify()
        finally:
            self._slots.release()

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


def _seconds(value: float) -> int:
    return max(1, int(value + 0.999))
