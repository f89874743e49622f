"""The payments' background task: expire what waited too long, start what was paid but never confirmed,
and retry Stripe work that failed (a capture during an outage is retried, never forgotten).

Every pass works from the database, so a restart or another node picks up where this one stopped.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from chargegrid.background import raise_if_stopping
from chargegrid.domain.payments import ReservationState
from chargegrid.payments.settlement import settle
from chargegrid.store import payments as store
from chargegrid.store.models import utcnow

if TYPE_CHECKING:
    from chargegrid.payments.service import PaymentService

log = logging.getLogger("chargegrid.payments")
S = ReservationState


async def sweep_once(service: PaymentService) -> None:
    now = utcnow()
    grace = timedelta(seconds=service.settings.payments.confirm_grace_seconds)
    async with service.services.db() as db:
        expired = await store.expired(db, now)
        unconfirmed = await store.authorized_before(db, now - grace)
        owed = await store.settlement_due(db, now)
    for res in expired:
        window = "payment" if res.state == S.PENDING_PAYMENT.value else "start"
        await service.end(res.id, S.EXPIRED, f"the {window} window passed")
    for res in unconfirmed:
        # Paid (Stripe told us) but the customer's browser never came back to confirm: start anyway.
        # The remote start waits for the charger, so it must not hold up the rest of the pass.
        service.spawn(service.start(res.id))
    for res in owed:
        await settle(service, res.id)


async def run(service: PaymentService) -> None:
    interval = service.settings.payments.sweep_interval_seconds
    while True:
        try:
            if await service.services.jobs.claim("payment-sweep", interval):  # once per network
                await sweep_once(service)
        except asyncio.CancelledError:
            raise
        except Exception:
            raise_if_stopping()
            log.exception("payment sweep failed; trying again in %s s", interval)
        await asyncio.sleep(interval)
