"""Slow down repeated Basic-auth failures from one address (password guessing on the OCPP port)."""

from __future__ import annotations

import time
from collections import OrderedDict


class AuthThrottle:
    """Failures per address decay after `window` seconds; each further failure doubles the delay."""

    def __init__(
        self,
        base_delay: float = 0.25,
        max_delay: float = 5.0,
        window: float = 300.0,
        max_addresses: int = 10_000,
    ) -> None:
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.window = window
        self.max_addresses = max_addresses
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def failed(self, address: str) -> float:
        """Record a failure; return how long to hold the answer back."""
        now = time.monotonic()
        count, last = self._failures.pop(address, (0, now))
        if now - last > self.window:
            count = 0
        count += 1
        self._failures[address] = (count, now)
        while len(self._failures) > self.max_addresses:
            self._failures.popitem(last=False)
        if count <= 2:
            return 0.0
        return float(min(self.max_delay, self.base_delay * 2 ** (count - 3)))

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)
