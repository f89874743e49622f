"""The per-site lock of load management on the test Redis: one holder at a time, renewed while held,
handed on when released or when the holder stops renewing."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from chargegrid.cluster.site_locks import SiteLocks
from tests.cluster.conftest import REDIS_URL, redis_prefix


async def test_one_node_holds_a_site_until_it_lets_go_or_stops_renewing() -> None:
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        with redis_prefix() as prefix:
            one = SiteLocks(client, prefix, "n1", lease_ms=300)
            two = SiteLocks(client, prefix, "n2", lease_ms=300)
            assert await one.hold("depot")
            assert not await two.hold("depot")
            assert await two.hold("yard")  # another site: its own lock
            for _ in range(4):  # renewed while held: held past several leases
                await asyncio.sleep(0.15)
                assert await one.hold("depot")
                assert not await two.hold("depot")
            await two.release("depot")  # not its lock: nothing happens
            assert not await two.hold("depot")
            await one.release("depot")
            assert await two.hold("depot")
            await asyncio.sleep(0.4)  # n2 stopped renewing: the lease ran out
            assert await one.hold("depot")
    finally:
        await client.aclose()


async def test_without_a_cluster_every_site_is_this_nodes() -> None:
    alone = SiteLocks()
    assert await alone.hold("depot")
    await alone.release("depot")
