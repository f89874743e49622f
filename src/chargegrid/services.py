"""The node's shared services, built once at start-up; every face reaches them as `app.state.services`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chargegrid.config import Settings
from chargegrid.domain.hooks import Hooks
from chargegrid.ocpp.commands import Commands
from chargegrid.ocpp.context import EdgeContext
from chargegrid.ocpp.sessions import SessionRegistry

if TYPE_CHECKING:
    from chargegrid.events.service import Events
    from chargegrid.payments.service import PaymentService
    from chargegrid.smart_charging.load_manager import LoadManager
    from chargegrid.smart_charging.profiles import ProfileKeeper
    from chargegrid.store.api_keys import KeyUsage


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    db: async_sessionmaker[AsyncSession]
    registry: SessionRegistry
    commands: Commands
    hooks: Hooks
    edge: EdgeContext
    api_key: str
    # Set by the payments face at start-up when Stripe is configured; None means payments are off.
    payments: PaymentService | None = None
    # Events out (outbox sequencer, webhooks, live stream) and API keys' last-use times; set at start-up.
    events: Events | None = None
    key_usage: KeyUsage | None = None
    # Set by the smart charging face at start-up.
    profiles: ProfileKeeper | None = None
    load_manager: LoadManager | None = None
