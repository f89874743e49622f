"""Things other parts of the system want to hear about after the edge committed them.

Payments listen for meter readings and ended transactions; listeners run after the commit, so a slow
or failing listener never delays or undoes what the charger was told.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from chargegrid.domain.meter_values import Reading
from chargegrid.store.models import Transaction

log = logging.getLogger("chargegrid.hooks")

TxListener = Callable[[Transaction], Awaitable[None]]
ReadingListener = Callable[[Transaction, Reading], Awaitable[None]]
BootListener = Callable[[str], Awaitable[None]]
# (charge point id, evse id or None, the notification's payload in the wire's camelCase; None: cleared)
ChargingLimitListener = Callable[[str, int | None, dict[str, Any] | None], Awaitable[None]]
# (charge point id, evse id, the EV's needs) → True when the listener will send a schedule for it
NeedsListener = Callable[[str, int, dict[str, Any]], Awaitable[bool]]


@dataclass
class Hooks:
    transaction_started: list[TxListener] = field(default_factory=list)
    transaction_ended: list[TxListener] = field(default_factory=list)
    meter_reading: list[ReadingListener] = field(default_factory=list)
    booted: list[BootListener] = field(default_factory=list)
    charging_limit: list[ChargingLimitListener] = field(default_factory=list)
    ev_charging_needs: list[NeedsListener] = field(default_factory=list)

    async def started(self, tx: Transaction) -> None:
        for listener in self.transaction_started:
            await _safely(listener(tx))

    async def ended(self, tx: Transaction) -> None:
        for listener in self.transaction_ended:
            await _safely(listener(tx))

    async def reading(self, tx: Transaction, reading: Reading) -> None:
        for listener in self.meter_reading:
            await _safely(listener(tx, reading))

    async def boot(self, charge_point_id: str) -> None:
        for listener in self.booted:
            await _safely(listener(charge_point_id))

    async def external_limit(
        self, charge_point_id: str, evse_id: int | None, limit: dict[str, Any] | None
    ) -> None:
        for listener in self.charging_limit:
            await _safely(listener(charge_point_id, evse_id, limit))

    async def ev_needs(self, charge_point_id: str, evse_id: int, needs: dict[str, Any]) -> bool:
        """True when some listener will answer the EV's needs with a charging schedule."""
        answered = False
        for listener in self.ev_charging_needs:
            try:
                answered = await listener(charge_point_id, evse_id, needs) or answered
            except Exception:
                log.exception("a listener failed")
        return answered


async def _safely(awaitable: Awaitable[None]) -> None:
    try:
        await awaitable
    except Exception:
        log.exception("a listener failed")
