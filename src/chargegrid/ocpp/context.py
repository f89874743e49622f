"""What the OCPP edge needs from the rest of the node, assembled once by `chargegrid.app`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chargegrid.config import Settings
from chargegrid.domain.hooks import Hooks
from chargegrid.domain.plausibility import Limits
from chargegrid.events.outbox import TransactionUpdates
from chargegrid.ocpp.auth_throttle import AuthThrottle
from chargegrid.ocpp.last_seen import LastSeen
from chargegrid.ocpp.message_log import MessageLog
from chargegrid.ocpp.security_gate import Trust
from chargegrid.ocpp.sessions import SessionRegistry
from chargegrid.security.certificate_authority import CertificateAuthority
from chargegrid.store.writer import BatchedWriter

if TYPE_CHECKING:  # the commands import the edge's modules, which import this one
    from chargegrid.ocpp.commands import Commands


@dataclass
class EdgeContext:
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    registry: SessionRegistry
    message_log: MessageLog
    writer: BatchedWriter
    last_seen: LastSeen
    # What the edge itself sends (CertificateSigned after a SignCertificate), the way every face does.
    commands: Commands
    hooks: Hooks = field(default_factory=Hooks)
    throttle: AuthThrottle = field(default_factory=AuthThrottle)
    trust: Trust = field(default_factory=Trust)
    ca: CertificateAuthority | None = None
    plausibility: Limits = field(default_factory=Limits)
    tx_updates: TransactionUpdates = field(default_factory=TransactionUpdates)
