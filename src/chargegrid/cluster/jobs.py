"""Work that must happen once per network, not once per node (payment hold expiry, message-log retention).

Each pass of such a job first claims it for its interval: a Redis key set only if absent (`SET NX PX`),
expiring a little before the next pass is due, so one node of the cluster runs each pass. Without a
cluster every pass runs. The jobs are safe to run twice anyway (they work from the database's state),
so a node that cannot reach Redis runs its pass rather than skip the work.
"""

from __future__ import annotations

import logging

import redis.asyncio as aioredis
from prometheus_client import Counter
from redis.exceptions import RedisError

from chargegrid.metrics import REGISTRY

log = logging.getLogger("chargegrid.cluster")

JOB_RUNS = Counter(
    "chargegrid_network_job_runs_total",
    "Passes of once-per-network jobs this node ran (skipped: another node had the pass)",
    ["job", "ran"],
    registry=REGISTRY,
)


class NetworkJobs:
    """Decides which node runs a pass of a once-per-network job."""

    def __init__(self, redis: aioredis.Redis | None = None, prefix: str = "", node_id: str = "") -> None:
        self.redis = redis
        self.prefix = prefix
        self.node_id = node_id

    async def claim(self, job: str, interval_seconds: float) -> bool:
        """True when this node should run this pass of `job` (which runs every `interval_seconds`)."""
        ran = True
        if self.redis is not None:
            # Expire a little early so the next pass (whoever's) is not skipped by a slow clock.
            hold_ms = max(1, int(interval_seconds * 900))
            try:
                ran = bool(
                    await self.redis.set(f"{self.prefix}:job:{job}", self.node_id, nx=True, px=hold_ms)
                )
            except RedisError as exc:
                log.warning(
                    "cannot claim job %s in Redis (%s): running it here; it is safe to repeat", job, exc
                )
        JOB_RUNS.labels(job, "yes" if ran else "skipped").inc()
        return ran
