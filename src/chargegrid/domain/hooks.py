"""Things other parts of the system want to hear about after the edge committed them.

Payments listen for meter readings and ended transactions; listeners run after the commit, so a slow
or failing listener never delays or undoes what the charger was told.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from chargegrid.domain.meter_values import Reading
from chargegrid.store.models import Transaction

log = logging.getLogger("chargegrid.hooks")

TxListener = Callable[[Transaction], Awaitable[None]]
ReadingListener = Callable[[Transaction, Reading], Awaitable[None]]
BootListener = Callable[[str], Awaitable[None]]


@dataclass
class Hooks:
    transaction_started: list[TxListener] = field(default_factory=list)
    transaction_ended: list[TxListener] = field(default_factory=list)
    meter_reading: list[ReadingListener] = field(default_factory=list)
    booted: list[BootListener] = field(default_factory=list)

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


async def _safely(awaitable: Awaitable[None]) -> None:
    try:
        await awaitable
    except Exception:
        log.exception("a listener failed")
