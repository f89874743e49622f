"""Cluster figures: REST → other node → charger → REST round trip, and `serve --workers 2` against 1.

Needs PostgreSQL (127.0.0.1:5432, admin database "test") and Redis (127.0.0.1:6379, database 9, keys
under a prefix of this run). Creates and drops its own PostgreSQL database.

1. Round trip: nodes A and B (`chargegrid serve`), N light OCPP 1.6 chargers on B; `/API/Reset/{cp}`
   sent to A (forwarded through Redis to B) and, for comparison, to B itself: p50/p99.
2. Workers: `serve --workers W` for W = 1, 2 on one port: boot storm (M chargers connect and send
   BootNotification, 100 at a time) and Heartbeat throughput (every charger sends Heartbeats one after
   another for D seconds). The load generator is this one Python process, on the same machine.

    .venv/bin/python bench/cluster_roundtrip.py [--chargers 1000] [--calls 500] [--storm 1000]
        [--seconds 10] [--round-trip-only]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import redis.asyncio as aioredis
import websockets

sys.path.insert(0, str(Path(__file__).parent))
from api_roundtrip import API_KEY, connect_fleet, free_port, percentiles, timed_calls

REDIS_URL = "redis://127.0.0.1:6379/9"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


async def start_node(name: str, port: int, env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chargegrid",
        "serve",
        "--port",
        str(port),
        "--log-level",
        "warning",
        *args,
        env={**env, "CHARGEGRID_NODE_ID": name},
    )
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                    return process
            await asyncio.sleep(0.1)
    raise RuntimeError(f"node {name} did not start")


async def stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await asyncio.wait_for(process.wait(), 30)


async def round_trip(env: dict[str, str], chargers: int, calls: int) -> None:
    port_a, port_b = free_port(), free_port()
    node_a, node_b = await asyncio.gather(start_node("A", port_a, env), start_node("B", port_b, env))
    tasks: list[asyncio.Task[None]] = []
    try:
        ids = [f"RT-{i}" for i in range(chargers)]
        started = time.perf_counter()
        await connect_fleet(f"ws://127.0.0.1:{port_b}/OCPP", ids, tasks)
        print(f"round trip: {chargers} chargers on node B connected in {time.perf_counter() - started:.1f} s")
        for label, port in (("via node A (forwarded)", port_a), ("at node B (local)    ", port_b)):
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": API_KEY}, timeout=30) as api:
                await timed_calls(api, ids, 50, 1)  # warm-up
                print(f"  {label} sequential:", percentiles(await timed_calls(api, ids, calls, 1)))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(stop(node_a), stop(node_b))


async def boot_and_beat(
    url: str, cp_id: str, booted: list[float], beats: list[int], until: list[float]
) -> None:
    async with websockets.connect(f"{url}/{cp_id}", subprotocols=["ocpp1.6"], open_timeout=60) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps([2, "b", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}])
        )
        await ws.recv()
        booted.append(time.perf_counter())
        while not until:
            await asyncio.sleep(0.01)
        count = 0
        while time.perf_counter() < until[0]:
            await ws.send(json.dumps([2, str(count), "Heartbeat", {}]))
            await ws.recv()
            count += 1
        beats.append(count)


async def workers(env: dict[str, str], count: int, storm: int, seconds: float) -> dict[str, float]:
    port = free_port()
    server = await start_node(f"bench-{count}", port, env, "--workers", str(count))
    booted: list[float] = []
    beats: list[int] = []
    until: list[float] = []
    url = f"ws://127.0.0.1:{port}/OCPP"
    try:
        started = time.perf_counter()
        tasks = []
        for start in range(0, storm, 100):
            batch = [
                asyncio.create_task(boot_and_beat(url, f"W{count}-{i}", booted, beats, until))
                for i in range(start, min(storm, start + 100))
            ]
            tasks += batch
            while len(booted) < min(storm, start + 100):
                await asyncio.sleep(0.005)
        storm_seconds = time.perf_counter() - started
        until.append(time.perf_counter() + seconds)
        await asyncio.gather(*tasks)
        rate = sum(beats) / seconds
        print(
            f"--workers {count}: boot storm {storm} chargers in {storm_seconds:.2f} s "
            f"({storm / storm_seconds:.0f}/s); {rate:.0f} Heartbeats/s answered"
        )
        return {"storm": storm / storm_seconds, "rate": rate}
    finally:
        await stop(server)


async def main(options: argparse.Namespace) -> None:
    database = f"cg_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**PG, database="test")
    await admin.execute(f'CREATE DATABASE "{database}"')
    prefix = f"cgbench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CHARGEGRID_DATABASE_URL": f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{database}",
        "CHARGEGRID_REDIS_URL": REDIS_URL,
        "CHARGEGRID_REDIS__KEY_PREFIX": prefix,
        "CHARGEGRID_API_KEY": API_KEY,
        "CHARGEGRID_DATA_DIR": "/tmp",
        "CHARGEGRID_UNKNOWN_CHARGERS": "accept",
        "CHARGEGRID_MESSAGE_LOG": "off",
    }
    try:
        await round_trip(env, options.chargers, options.calls)
        if options.round_trip_only:
            return
        one = await workers(env, 1, options.storm, options.seconds)
        two = await workers(env, 2, options.storm, options.seconds)
        print(
            f"--workers 2 / 1: boot storm ×{two['storm'] / one['storm']:.2f}, "
            f"Heartbeat throughput ×{two['rate'] / one['rate']:.2f}"
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
        client: Any = aioredis.Redis.from_url(REDIS_URL)
        keys = [key async for key in client.scan_iter(f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chargers", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--storm", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--round-trip-only", action="store_true", help="skip the --workers comparison")
    asyncio.run(main(parser.parse_args()))
