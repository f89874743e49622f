"""`serve --workers N` on one port, the refusals at start, and a node that cannot reach Redis."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster.conftest import Cluster, charger_at, redis_prefix, status_of
from tests.support.chargers import connected
from tests.support.databases import temporary_database
from tests.support.server import run_server

pytestmark = pytest.mark.timeout(90)


async def test_two_workers_share_one_port(cluster_db: str, tmp_path: Path) -> None:
    with redis_prefix() as prefix:
        workers = Cluster(cluster_db, prefix, tmp_path)
        try:
            node = workers.start("wk", "--workers", "2")
            # Both workers answer on the one port (the kernel spreads connections over them). The second
            # worker may come up seconds after the first on a loaded machine: wait for it, boundedly.
            answered: set[str] = set()
            for _ in range(300):
                async with httpx.AsyncClient(base_url=node.http_url) as client:
                    answered.add((await client.get("/health")).json()["node"])
                if answered == {"wk-w1", "wk-w2"}:
                    break
                await asyncio.sleep(0.1)
            assert answered == {"wk-w1", "wk-w2"}

            async with contextlib.AsyncExitStack() as stack:
                chargers: dict[str, Any] = {}
                holders: set[str] = set()
                for number in range(12):  # until each worker holds a charger
                    cp_id = f"WK-{number}"
                    chargers[cp_id] = await stack.enter_async_context(charger_at(node, cp_id))
                    holders = {entry["node"] for entry in (await status_of(node)).values()}
                    if holders == {"wk-w1", "wk-w2"}:
                        break
                assert holders == {"wk-w1", "wk-w2"}
                # Whichever worker takes the request, every charger gets its command.
                async with node.api() as api:
                    for cp_id, charger in chargers.items():
                        answer = await api.post(f"/API/Reset/{cp_id}")
                        assert answer.json()["status"] == "Accepted", answer.text
                        assert charger.rec.actions() == ["Reset"]
                # (in a thread: this loop must keep serving the chargers' closing handshakes meanwhile)
                assert await asyncio.to_thread(workers.stop, "wk", signal.SIGTERM) == 0
                for charger in chargers.values():
                    await asyncio.wait_for(charger._connection.wait_closed(), timeout=5)
                    assert charger._connection.close_code == 1001
        finally:
            workers.close()


def test_a_cluster_without_postgresql_or_redis_is_refused_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chargegrid.cli import main

    for name in [k for k in os.environ if k.startswith("CHARGEGRID_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CHARGEGRID_DATA_DIR", str(tmp_path))
    sqlite = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    needs_postgres = "the cluster needs PostgreSQL: set CHARGEGRID_DATABASE_URL=postgresql+asyncpg://"
    monkeypatch.setenv("CHARGEGRID_REDIS_URL", "redis://127.0.0.1:6379/0")
    for args in (["--workers", "2"], []):  # a Redis URL with SQLite, with or without workers
        assert main(["serve", "--port", "1", "--database-url", sqlite, *args]) == 2
        assert needs_postgres in capsys.readouterr().err
    monkeypatch.delenv("CHARGEGRID_REDIS_URL")
    assert main(["serve", "--port", "1", "--database-url", sqlite, "--workers", "2"]) == 2
    assert needs_postgres in capsys.readouterr().err
    postgres = "postgresql+asyncpg://u@127.0.0.1/x"
    assert main(["serve", "--port", "1", "--database-url", postgres, "--workers", "2"]) == 2
    refused = capsys.readouterr().err
    assert "--workers > 1 needs Redis" in refused and "CHARGEGRID_REDIS_URL=redis://" in refused
    assert not (tmp_path / "x.db").exists()  # refused before touching anything


@contextlib.asynccontextmanager
async def _node_without_redis(tmp_path: Path) -> AsyncIterator[Any]:
    async with temporary_database("postgresql", tmp_path) as url:
        # Nothing listens on port 1: Redis is down from the start.
        async with run_server(
            url, tmp_path, redis={"url": "redis://127.0.0.1:1/0"}, node_id="lonely"
        ) as server:
            yield server


async def test_a_node_that_loses_redis_keeps_serving_its_own_chargers(tmp_path: Path) -> None:
    async with _node_without_redis(tmp_path) as server:
        await server.add_charge_point("OWN-1")
        async with connected(server, "OWN-1") as charger, server.api() as api:
            health = await api.get("/health")
            assert health.status_code == 200
            assert health.json()["status"] == "degraded" and health.json()["node"] == "lonely"
            assert health.json()["redis"].startswith("unreachable")
            assert (await api.post("/API/Reset/OWN-1")).json()["status"] == "Accepted"
            assert charger.rec.actions() == ["Reset"]
            status = await api.get("/API/Status")
            assert [entry["id"] for entry in status.json()] == ["OWN-1"]
            assert "Redis unreachable" in status.headers["X-Chargegrid-Partial"]
            # A charger that may be on another node: 503 with the reason, not a wrong "Offline".
            elsewhere = await api.post("/API/Reset/ELSEWHERE")
            assert elsewhere.status_code == 503
            assert "Redis" in elsewhere.json()["detail"] and "lonely" in elsewhere.json()["detail"]
