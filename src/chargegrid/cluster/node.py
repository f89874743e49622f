"""This node's place in a cluster: who holds which charger (Redis leases), and the node's life in it.

Keys (all under the `redis.key_prefix` setting, `P`):
- `P:node:<node>`: the node's liveness, a key that expires after `redis.lease_seconds` unless the node
  refreshes it (every third of the lease). A node killed with -9 drops out of routing when it expires.
- `P:nodes`: the set of node ids that ever joined (pruned of dead ones when read).
- `P:cp:<id>`: the node holding charger `<id>`, with the same lease, refreshed by the holder.
- `P:held:<node>`: hash charger id → OCPP version of the chargers a node holds (for `/API/Status`).
- `P:inbox:<node>`, `P:replies:<node>`: commands carried between nodes (`cluster/forwarding.py`).

Losing Redis does not stop the node: it keeps serving its own chargers, re-claims them when Redis is
back, and commands for other nodes fail with `ClusterUnavailable` (503).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from chargegrid.background import raise_if_stopping
from chargegrid.cluster.forwarding import Forwarding
from chargegrid.config import Settings
from chargegrid.ocpp.commands import Command
from chargegrid.ocpp.commands.outcome import Outcome
from chargegrid.ocpp.sessions import SessionRegistry

log = logging.getLogger("chargegrid.cluster")

# Redis connections per node: two stay in BLPOP (inbox, replies), one subscribed (event wake-ups), the
# rest serve short commands.
REDIS_CONNECTIONS = 32
LEAVE_SECONDS = 3.0  # how long a stopping node waits for its Redis work before going on

# Claim a charger: become its holder, return the previous holder (nil when none).
_CLAIM = """
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
return old
"""
# Release chargers unless another node holds them by now. KEYS: charger keys; ARGV: node, held-hash key,
# then the ids in KEYS' order.
_RELEASE = """
for i, key in ipairs(KEYS) do
  redis.call('HDEL', ARGV[2], ARGV[2 + i])
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 1
"""
# Refresh the leases of the chargers this node holds; return the ids another node took meanwhile.
# KEYS: the charger keys; ARGV: node, lease ms, held-hash key, then id/version pairs in KEYS' order.
_REFRESH = """
local lost = {}
for i, key in ipairs(KEYS) do
  local id, version = ARGV[2 + 2 * i], ARGV[3 + 2 * i]
  local holder = redis.call('GET', key)
  if holder == false or holder == ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    redis.call('HSET', ARGV[3], id, version)
  else
    redis.call('HDEL', ARGV[3], id)
    table.insert(lost, id)
  end
end
return lost
"""


# The live holder of a charger (nil when none or its node's lease ran out). KEYS: the charger's key;
# ARGV: the node-key prefix. (Keys built in Lua: fine on one Redis, which is what the cluster uses.)
_HOLDER = """
local node = redis.call('GET', KEYS[1])
if node and redis.call('EXISTS', ARGV[1] .. node) == 1 then return node end
return false
"""


def default_node_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ClusterNode:
    """Joins the cluster, keeps this node's chargers registered, serves other nodes' requests."""

    def __init__(self, settings: Settings, registry: SessionRegistry) -> None:
        assert settings.redis.url, "a cluster node needs redis.url"
        self.settings = settings
        self.registry = registry
        self.node_id = settings.node_id or default_node_id()
        self.prefix = settings.redis.key_prefix
        self.lease_ms = int(settings.redis.lease_seconds * 1000)
        # A blocking pool: a boot storm's claims wait for a free connection instead of failing.
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.redis.url,
            decode_responses=True,
            socket_connect_timeout=2,
            health_check_interval=5,
            max_connections=REDIS_CONNECTIONS,
            timeout=5,
        )
        self.redis: aioredis.Redis = aioredis.Redis(connection_pool=pool)
        self._claim = self.redis.register_script(_CLAIM)
        self._release = self.redis.register_script(_RELEASE)
        self._refresh = self.redis.register_script(_REFRESH)
        self._holder = self.redis.register_script(_HOLDER)
        self._tasks: list[asyncio.Task[None]] = []
        self.forwarding = Forwarding(self)
        self.redis_problem: str | None = None  # why Redis is unreachable, None when it is fine
        self._left = False

    # ---- keys -------------------------------------------------------------------------------------

    def node_key(self, node: str) -> str:
        return f"{self.prefix}:node:{node}"

    def cp_key(self, cp_id: str) -> str:
        return f"{self.prefix}:cp:{cp_id}"

    def held_key(self, node: str) -> str:
        return f"{self.prefix}:held:{node}"

    def inbox_key(self, node: str) -> str:
        return f"{self.prefix}:inbox:{node}"

    def replies_key(self, node: str) -> str:
        return f"{self.prefix}:replies:{node}"

    # ---- life cycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self.registry.listeners.append(self._on_connection)
        try:
            await self._heartbeat()
        except RedisError as exc:
            self.lost_redis(exc)
        self._tasks = [
            asyncio.create_task(self._keep_alive(), name="cluster-lease"),
            asyncio.create_task(self.forwarding.serve_inbox(), name="cluster-inbox"),
            asyncio.create_task(self.forwarding.serve_replies(), name="cluster-replies"),
        ]
        log.info("node %s joined the cluster (lease %.1f s)", self.node_id, self.lease_ms / 1000)

    async def leave(self) -> None:
        """Stop serving requests and drop out of the registry at once (clean stop, SIGTERM)."""
        if self._left:
            return
        self._left = True
        log.info("node %s leaving the cluster", self.node_id)
        for task in self._tasks:
            task.cancel()
        # Bounded: a hand-over must finish even if a Redis call is stuck (the lease expires anyway).
        if self._tasks:
            _done, stuck = await asyncio.wait(self._tasks, timeout=LEAVE_SECONDS)
            if stuck:
                log.warning("node %s: %s did not stop in time", self.node_id, [t.get_name() for t in stuck])
        self._tasks = []
        try:
            async with asyncio.timeout(LEAVE_SECONDS):
                await self.redis.delete(self.node_key(self.node_id))
                await self.redis.srem(f"{self.prefix}:nodes", self.node_id)
                ids = [session.charge_point_id for session in self.registry]
                for start in range(0, len(ids), 500):
                    await self._release_all(ids[start : start + 500])
                await self.redis.delete(self.held_key(self.node_id))
            log.info("node %s left the cluster", self.node_id)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning(
                "node %s could not leave the registry (%s); its leases expire by themselves",
                self.node_id,
                exc,
            )

    async def stop(self) -> None:
        await self.leave()
        self.forwarding.cancel_handlers()
        if self._on_connection in self.registry.listeners:
            self.registry.listeners.remove(self._on_connection)
        await self.redis.aclose()

    def lost_redis(self, exc: BaseException) -> None:
        problem = f"Redis unreachable: {exc}"[:200]
        if self.redis_problem is None:
            log.warning(
                "node %s: %s; serving only this node's chargers until it is back", self.node_id, problem
            )
        self.redis_problem = problem

    def _redis_back(self) -> None:
        if self.redis_problem is not None:
            log.info("node %s: Redis reachable again", self.node_id)
        self.redis_problem = None

    # ---- registry ---------------------------------------------------------------------------------

    async def _on_connection(self, cp_id: str, connected: bool) -> None:
        try:
            if connected:
                await self._claim_charger(cp_id)
            else:
                await self._release_all([cp_id])
        except RedisError as exc:  # the lease refresh re-claims when Redis is back
            self.lost_redis(exc)

    async def _release_all(self, ids: list[str]) -> None:
        await self._release(
            keys=[self.cp_key(cp_id) for cp_id in ids],
            args=[self.node_id, self.held_key(self.node_id), *ids],
        )

    async def _claim_charger(self, cp_id: str) -> None:
        session = self.registry.get(cp_id)
        version = session.version.value if session is not None else ""
        previous = await self._claim(
            keys=[self.cp_key(cp_id), self.held_key(self.node_id)],
            args=[self.node_id, self.lease_ms, cp_id, version],
        )
        if previous and previous != self.node_id:
            # Never two live sessions for one id: the node that held it closes its old socket now.
            log.info(
                "charge point %r moved here from node %s: asking it to close its session", cp_id, previous
            )
            await self.forwarding.send(previous, {"type": "close", "cp": cp_id, "by": self.node_id})

    async def _heartbeat(self) -> None:
        """Refresh the node's liveness and its chargers' leases; close sessions another node took."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(self.node_key(self.node_id), str(time.time()), px=self.lease_ms)
        pipe.sadd(f"{self.prefix}:nodes", self.node_id)
        pipe.pexpire(self.inbox_key(self.node_id), self.lease_ms * 4)
        await pipe.execute()
        sessions = list(self.registry)
        lost: list[str] = []
        for start in range(0, len(sessions), 500):  # bounded Lua runs: Redis is single-threaded
            chunk = sessions[start : start + 500]
            args: list[Any] = [self.node_id, self.lease_ms, self.held_key(self.node_id)]
            for session in chunk:
                args += [session.charge_point_id, session.version.value]
            lost += await self._refresh(keys=[self.cp_key(s.charge_point_id) for s in chunk], args=args)
        held = await self.redis.hkeys(self.held_key(self.node_id))
        stale = [cp_id for cp_id in held if cp_id not in self.registry]
        if stale:
            await self.redis.hdel(self.held_key(self.node_id), *stale)
        for cp_id in lost:
            await self.close_local(cp_id, "connected to another node")
        self._redis_back()

    async def _keep_alive(self) -> None:
        interval = self.lease_ms / 3000
        while True:
            await asyncio.sleep(interval)
            try:
                await self._heartbeat()
            except RedisError as exc:
                raise_if_stopping()
                self.lost_redis(exc)

    async def holder(self, cp_id: str) -> str | None:
        """The live node holding `cp_id`, or None when it is connected nowhere (or its node died)."""
        node = await self._holder(keys=[self.cp_key(cp_id)], args=[self.node_key("")])
        return str(node) if node else None

    async def held_elsewhere(self, ids: list[str]) -> set[str]:
        """Which of `ids` another live node of the cluster holds."""
        if not ids:
            return set()
        holders = await self.redis.mget([self.cp_key(cp_id) for cp_id in ids])
        nodes = sorted({str(node) for node in holders if node and node != self.node_id})
        if not nodes:
            return set()
        alive = await self.redis.mget([self.node_key(node) for node in nodes])
        live = {node for node, up in zip(nodes, alive, strict=True) if up}
        return {cp_id for cp_id, node in zip(ids, holders, strict=True) if node in live}

    async def chargers(self) -> dict[str, tuple[str, str]]:
        """Every charger connected to a live node of the cluster: id → (node, OCPP version)."""
        nodes = sorted(str(node) for node in await self.redis.smembers(f"{self.prefix}:nodes"))
        pipe = self.redis.pipeline(transaction=False)
        for node in nodes:
            pipe.exists(self.node_key(node))
        alive = [node for node, up in zip(nodes, await pipe.execute(), strict=True) if up]
        if dead := [node for node in nodes if node not in alive]:
            await self.redis.srem(f"{self.prefix}:nodes", *dead)
        found: dict[str, tuple[str, str]] = {}
        for node in alive:
            held = {str(k): str(v) for k, v in (await self.redis.hgetall(self.held_key(node))).items()}
            if not held:
                continue
            ids = sorted(held)
            holders = await self.redis.mget([self.cp_key(cp_id) for cp_id in ids])
            for cp_id, holder in zip(ids, holders, strict=True):
                if holder == node:  # a charger that just moved is listed once, at its new node
                    found[cp_id] = (node, held[cp_id])
        return found

    async def ping(self) -> str | None:
        """None when Redis answers, else why not."""
        try:
            await asyncio.wait_for(self.redis.ping(), timeout=2)
        except (RedisError, OSError, TimeoutError) as exc:
            return f"unreachable: {exc or type(exc).__name__}"[:200]
        return None

    async def remote(self, cp_id: str, command: Command, actor: str | None) -> Outcome:
        """`Commands.remote`: run `command` on the node that holds `cp_id` and return its outcome."""
        return await self.forwarding.remote(cp_id, command, actor)

    async def close_local(self, cp_id: str, why: str) -> None:
        session = self.registry.get(cp_id)
        if session is None:
            return
        log.warning("charge point %r %s: closing its session on node %s", cp_id, why, self.node_id)
        session.rpc.close()
        await session.close(1000, why[:120])
