"""Counters shared by every simulated charger of one process (plain ints: one event loop, no locks)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

_RESERVOIR = 50_000


@dataclass(slots=True)
class SimStats:
    """What the fleet has done so far; read by the progress line and the final summary."""

    chargers: int = 0
    connecting: int = 0
    connected: int = 0
    booted: int = 0
    ever_booted: int = 0
    sent: int = 0
    received: int = 0
    answered: int = 0  # server CALLs answered by the chargers
    errors: int = 0
    reconnects: int = 0
    tx_started: int = 0
    tx_stopped: int = 0
    auth_rejected: int = 0  # Authorize (or the transaction start) refused the id tag
    last_error: str = ""
    latencies: list[float] = field(default_factory=list)  # seconds, reservoir sample of CALL round trips
    _seen: int = 0

    def error(self, what: str) -> None:
        self.errors += 1
        self.last_error = what

    def latency(self, seconds: float) -> None:
        """Keep a bounded uniform sample of round-trip times (reservoir sampling)."""
        self._seen += 1
        if len(self.latencies) < _RESERVOIR:
            self.latencies.append(seconds)
        else:
            j = random.randrange(self._seen)
            if j < _RESERVOIR:
                self.latencies[j] = seconds

    def percentile(self, q: float) -> float | None:
        """The q-th percentile (0..100) of sampled round trips in milliseconds, None without samples."""
        if not self.latencies:
            return None
        data = sorted(self.latencies)
        k = min(len(data) - 1, max(0, round(q / 100 * (len(data) - 1))))
        return data[k] * 1000.0
