"""Which node runs a site's load management: one allocator per site in the whole network.

A site's allocation runs only on the node holding the site's lock in Redis (`P:site:<id>`, set only if
absent, with an expiry; renewed while held, so a node that dies hands the site on within one lease).
Without a cluster every site is this node's. A node that cannot reach Redis does not allocate: two
allocators sending limits for the same site could exceed its limit together, while a site whose
allocator pauses keeps the limits its chargers hold.
"""

from __future__ import annotations

import logging

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("chargegrid.cluster")

# Renew only our own hold; take it when nobody holds it. ARGV: node id, expiry ms.
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SiteLocks:
    """Per-site locks with expiry in Redis (or none: a single node holds every site)."""

    def __init__(
        self, redis: aioredis.Redis | None = None, prefix: str = "", node_id: str = "", lease_ms: int = 10_000
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.node_id = node_id
        self.lease_ms = lease_ms
        self._hold = redis.register_script(_HOLD) if redis is not None else None
        self._release = redis.register_script(_RELEASE) if redis is not None else None

    def _key(self, site_id: str) -> str:
        return f"{self.prefix}:site:{site_id}"

    async def hold(self, site_id: str) -> bool:
        """Take or renew this node's hold on the site: True while this node runs its allocation."""
        if self._hold is None:
            return True
        try:
            return bool(await self._hold(keys=[self._key(site_id)], args=[self.node_id, self.lease_ms]))
        except RedisError as exc:
            log.warning("cannot hold site %s in Redis (%s): not allocating it here", site_id, exc)
            return False

    async def release(self, site_id: str) -> None:
        """Let another node take the site at once (this node stops or the site was deleted)."""
        if self._release is None:
            return
        try:
            await self._release(keys=[self._key(site_id)], args=[self.node_id])
        except RedisError as exc:
            log.warning("cannot release site %s in Redis (%s): it expires by itself", site_id, exc)
