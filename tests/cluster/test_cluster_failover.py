"""Nodes that go away: killed (-9) or stopped (SIGTERM). Each test starts its own extra node, n4."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
from ocpp.v16 import call as call16

from tests.cluster.conftest import LEASE_SECONDS, REDIS_URL, Cluster, charger_at, eventually, status_of

pytestmark = pytest.mark.timeout(90)


async def _start_transactions(charger: Any, acknowledged: list[int], stop: asyncio.Event) -> None:
    """Light traffic: StartTransactions one after the other; an answered one counts as acknowledged."""
    meter = 0
    while not stop.is_set():
        meter += 10
        try:
            answer = await charger.call(
                call16.StartTransaction(
                    connector_id=1,
                    id_tag="TAG-K",
                    meter_start=meter,
                    timestamp=datetime.now(UTC).isoformat(),
                )
            )
        except Exception:  # the node died under it
            return
        acknowledged.append(answer.transaction_id)
        await asyncio.sleep(0.05)


async def _stored_transactions(database_url: str, cp_id: str) -> set[int]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch("SELECT id FROM transactions WHERE charge_point_id = $1", cp_id)
    finally:
        await conn.close()
    return {row["id"] for row in rows}


async def test_kill_9_of_a_node_under_traffic(cluster: Cluster) -> None:
    victim = cluster.start("n4")
    asker = cluster.nodes["n1"]
    assert cluster.balancer is not None
    acknowledged: list[int] = []
    stop_traffic = asyncio.Event()
    async with charger_at(victim, "KILL-1") as busy, charger_at(victim, "KILL-2") as idle:
        assert (await status_of(asker))["KILL-1"]["node"] == "n4"
        traffic = asyncio.create_task(_start_transactions(idle, acknowledged, stop_traffic))
        await eventually(lambda: len(acknowledged) >= 3)
        busy.rec.delays["Reset"] = 30  # the charger holds the command: it is in flight when the node dies
        async with asker.api() as api:
            in_flight = asyncio.create_task(api.post("/API/Reset/KILL-1"))
            await eventually(lambda: busy.rec.actions() == ["Reset"])
            started = asyncio.get_running_loop().time()
            assert victim.process is not None
            victim.process.send_signal(signal.SIGKILL)
            victim.process.wait(timeout=10)
            answer = await asyncio.wait_for(in_flight, timeout=LEASE_SECONDS + 5)
            took = asyncio.get_running_loop().time() - started
            # Disconnected (502) or Offline (404), as on one node.
            assert (answer.status_code, answer.json().get("status")) in ((502, "Disconnected"), (404, None))
            assert took < LEASE_SECONDS + 2
            # Within the lease the cluster stops routing to the dead node: Offline, not a hang.
            offline = await asyncio.wait_for(api.post("/API/Reset/KILL-2"), timeout=LEASE_SECONDS + 5)
            assert offline.status_code == 404 and "is not connected" in offline.json()["detail"]
            stop_traffic.set()
            await traffic

    # The chargers reconnect through nginx, which skips the dead node; commands reach them from every node.
    async with charger_at(cluster.balancer, "KILL-1") as back1, charger_at(cluster.balancer, "KILL-2"):
        listed = await status_of(asker)
        assert listed["KILL-1"]["node"] != "n4" and listed["KILL-2"]["node"] != "n4"
        for name in ("n1", "n2", "n3"):
            async with cluster.nodes[name].api() as api:
                assert (await api.post("/API/Reset/KILL-1")).json()["status"] == "Accepted"
        assert back1.rec.actions() == ["Reset"] * 3
    # Nothing the dead node had acknowledged is lost: the store is shared (and written before answering).
    assert acknowledged and set(acknowledged) <= await _stored_transactions(cluster.database_url, "KILL-2")


async def test_sigterm_hands_over(cluster: Cluster) -> None:
    leaving = cluster.start("n4")
    asker = cluster.nodes["n2"]
    assert cluster.balancer is not None
    async with charger_at(leaving, "TERM-1", "ocpp2.0.1") as charger:
        assert (await status_of(asker))["TERM-1"]["node"] == "n4"
        assert leaving.process is not None
        leaving.process.send_signal(signal.SIGTERM)
        # The node closes the charger's websocket with 1001 (going away) so it reconnects elsewhere.
        try:
            await asyncio.wait_for(charger._connection.wait_closed(), timeout=15)
        except TimeoutError:
            raise AssertionError(
                f"n4 did not close on SIGTERM; its log ends:\n{leaving.log_tail()}"
            ) from None
        assert charger._connection.close_code == 1001
        # It left the registry at once (not after the lease): nobody lists it or routes to it.
        assert "TERM-1" not in await status_of(asker)
        client = aioredis.Redis.from_url(REDIS_URL)
        try:
            assert not await client.exists(f"{cluster.prefix}:node:n4", f"{cluster.prefix}:cp:TERM-1")
        finally:
            await client.aclose()
        # uvicorn ends by re-raising the signal it caught, after the app's orderly shutdown.
        assert await asyncio.to_thread(leaving.process.wait, 20) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in leaving.log.read_text()
    async with charger_at(cluster.balancer, "TERM-1", "ocpp2.0.1"):
        async with asker.api() as api:
            assert (await api.post("/API/Reset/TERM-1")).json()["status"] == "Accepted"
