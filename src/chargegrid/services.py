"""The node's shared services, built once at start-up (kept in `app.state.services`); every face reaches
them through `chargegrid.api.dependencies` (`ServicesDep` in a route's signature)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chargegrid.cluster.jobs import NetworkJobs
from chargegrid.config import Settings
from chargegrid.domain.hooks import Hooks
from chargegrid.ocpp.commands import Commands
from chargegrid.ocpp.context import EdgeContext
from chargegrid.ocpp.sessions import SessionRegistry

if TYPE_CHECKING:
    from chargegrid.cluster.node import ClusterNode
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
    # This node's place in the cluster (None: a single node, no Redis configured).
    cluster: ClusterNode | None = None
    # Which node runs a pass of a once-per-network job (every pass runs without a cluster).
    jobs: NetworkJobs = field(default_factory=NetworkJobs)

    async def connected_elsewhere(self, charge_point_ids: Iterable[str]) -> set[str]:
        """Which of these chargers another node of the cluster holds (none without a cluster, or when
        Redis is unreachable: then only this node's chargers are known to be online)."""
        if self.cluster is None:
            return set()
        ids = [cp_id for cp_id in charge_point_ids if cp_id not in self.registry]
        try:
            return await self.cluster.held_elsewhere(ids)
        except (RedisError, OSError):
            return set()

    @property
    def node_id(self) -> str:
        from chargegrid.cluster.node import default_node_id

        return (
            self.cluster.node_id if self.cluster is not None else self.settings.node_id or default_node_id()
        )
