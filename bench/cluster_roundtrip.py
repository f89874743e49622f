"""Cluster round trip: REST → another node → charger → REST, p50/p99 at 1 and at N chargers, against the
same call answered by the node that holds the charger; and what it costs Redis.

Needs PostgreSQL (127.0.0.1:5432, admin database "test") and Redis (127.0.0.1:6379, database 9, keys
under a prefix of this run). Creates and drops its own PostgreSQL database, migrates it once, then
starts nodes A and B (`chargegrid serve`, their logs in a temporary directory) and connects light OCPP 1.6
chargers to B that answer every CALL at once. `/API/Reset/{cp}` is sent one call at a time to A (which
forwards it through Redis to B) and to B itself, first with 1 charger connected, then with N.

Every figure is measured twice: with the events sequencer's lease placed on A, then on B (the bench
writes the lease's row; the holder numbers each command's event, which is most of what placement changes),
and its line names the holder and the CPU each node spent per call (/proc, user + system).

Redis work is read from `INFO commandstats` (the whole Redis server: run it when nothing else uses
Redis) around the forwarded calls, the local calls and an idle window: commands per forwarded call,
per local call, and per connected charger per second while idle (lease refreshes).

Last, the live stream across nodes: SSE streams at A and at B, commands at B (each makes a
command.finished event there): how long after the REST answer each stream shows the event, with the
lease on B (B numbers at once, A is woken through Redis pub/sub) and on A (the event waits for A's round).

Every wait is bounded (start, connect, each call, the whole run: --deadline seconds); progress lines go
to stderr. `serve --workers 2` against one worker (throughput, boot storm) is measured by
`bench/run.py --targets chargegrid-pg-w1,chargegrid-pg-w2`.

    .venv/bin/python bench/cluster_roundtrip.py [--chargers 1000] [--calls 500] [--deadline 600]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).parent))
from api_roundtrip import API_KEY, connect_fleet, free_port, percentiles, timed_calls

REDIS_URL = "redis://127.0.0.1:6379/9"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
START_TIMEOUT = 90.0  # a node that is not healthy by then failed to start (its log is shown)
IDLE_SECONDS = 6.0  # longer than one lease refresh (a third of the default 15 s lease)
SEQUENCER_LEASE = "events-sequencer"
PLACED_SECONDS = 60  # a placed lease outlives a figure; its holder renews it at each round


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Node:
    def __init__(self, name: str, workdir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.log = workdir / f"node-{name}.log"
        self.env = {**env, "CHARGEGRID_NODE_ID": name}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "chargegrid", "serve", "--port", str(self.port)]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT)

    @property
    def cpu(self) -> float:
        assert self.process is not None
        return cpu_seconds(self.process.pid)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else "(no log)"

    async def healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"node {self.name} exited; its log ends:\n{self.tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.http}/health")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError(
            f"node {self.name} not healthy in {START_TIMEOUT:.0f} s; its log ends:\n{self.tail()}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            progress(
                f"node {self.name} still running 30 s after SIGTERM: killed; its log ends:\n{self.tail()}"
            )
            self.process.kill()
            self.process.wait()


async def redis_calls(client: Any) -> dict[str, int]:
    stats = await client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(row["calls"]) for name, row in stats.items()}


def redis_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    delta = {name: calls - before.get(name, 0) for name, calls in after.items()}
    delta.pop("info", None)  # our own reads
    return {name: calls for name, calls in sorted(delta.items(), key=lambda kv: -kv[1]) if calls}


async def measure_calls(
    redis: Any, base: str, label: str, ids: list[str], calls: int, nodes: list[Node]
) -> dict[str, Any]:
    """`calls` sequential Reset calls at `base` (after 20 warm-up calls): latencies, Redis commands, and
    each node's CPU per call."""
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": API_KEY}, timeout=30) as api:
        await timed_calls(api, ids, 20, 1)
        before = await redis_calls(redis)
        cpu_before = [node.cpu for node in nodes]
        samples = await timed_calls(api, ids, calls, 1)
        cpu = [(node.cpu - start) / calls * 1000 for node, start in zip(nodes, cpu_before, strict=True)]
        delta = redis_delta(before, await redis_calls(redis))
    total = sum(delta.values())
    result = {
        "line": percentiles(samples),
        "cpu_ms_per_call": {node.name: round(ms, 2) for node, ms in zip(nodes, cpu, strict=True)},
        "redis_per_call": round(total / calls, 2),
        "redis_top": list(delta.items())[:6],
    }
    cpu_text = ", ".join(f"{name} {ms:.2f}" for name, ms in result["cpu_ms_per_call"].items())
    progress(
        f"  {label}: {result['line']}; CPU ms/call {cpu_text}; Redis {result['redis_per_call']} "
        f"commands/call {result['redis_top']}"
    )
    return result


async def place_lease(database_url: str, owner: str) -> None:
    """Give the events sequencer's lease to `owner` for PLACED_SECONDS; the other node finds it held at
    its next round and leaves the numbering to `owner`."""
    db = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"), timeout=10)
    try:
        await db.execute(
            "UPDATE worker_leases SET owner = $1,"
            f" until = (now() AT TIME ZONE 'utc') + interval '{PLACED_SECONDS} seconds' WHERE name = $2",
            owner,
            SEQUENCER_LEASE,
        )
    finally:
        await db.close()


async def lease_holder(database_url: str) -> str:
    db = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"), timeout=10)
    try:
        owner: str = await db.fetchval("SELECT owner FROM worker_leases WHERE name = $1", SEQUENCER_LEASE)
    finally:
        await db.close()
    return owner


async def follow(node: Node, cp_id: str, ready: asyncio.Event, arrivals: asyncio.Queue[float]) -> None:
    """Node's live stream of cp_id's command.finished events: the arrival time of each."""
    params = {"chargePointId": cp_id, "type": "command.finished"}
    async with (
        httpx.AsyncClient(base_url=node.http, headers={"X-API-Key": API_KEY}, timeout=60) as api,
        api.stream("GET", "/API/Events", params=params) as answer,
    ):
        async for line in answer.aiter_lines():
            if line.startswith(": connected"):
                ready.set()
            elif line.startswith("data: "):
                arrivals.put_nowait(time.perf_counter())


async def stream_latency(nodes: list[Node], database_url: str, cp_id: str, calls: int) -> None:
    """A command at B makes a command.finished event on B; how long after the REST answer each node's
    live stream shows it. One node numbers events (the sequencer's lease holder) and wakes its own
    streams; the other's stream is woken through Redis pub/sub."""
    queues: list[asyncio.Queue[float]] = [asyncio.Queue() for _ in nodes]
    ready = [asyncio.Event() for _ in nodes]
    streams = [
        asyncio.create_task(follow(n, cp_id, r, q)) for n, r, q in zip(nodes, ready, queues, strict=True)
    ]
    samples: list[list[float]] = [[] for _ in nodes]
    try:
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 30)
        async with httpx.AsyncClient(
            base_url=nodes[1].http, headers={"X-API-Key": API_KEY}, timeout=30
        ) as api:
            for _ in range(calls):
                answer = await api.get(f"/API/Reset/{cp_id}")
                answered = time.perf_counter()
                assert answer.status_code == 200, answer.text
                for queue, got in zip(queues, samples, strict=True):
                    got.append(await asyncio.wait_for(queue.get(), 10) - answered)
    finally:
        for task in streams:
            task.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
    owner = await lease_holder(database_url)
    for node, got in zip(nodes, samples, strict=True):
        how = "numbers events itself" if node.name == owner else "woken through Redis"
        progress(f"  stream at {node.name} ({how}): event after the REST answer: {percentiles(got)}")


async def round_trip(env: dict[str, str], workdir: Path, chargers: int, calls: int) -> None:
    node_a, node_b = Node("A", workdir, env), Node("B", workdir, env)
    tasks: list[asyncio.Task[None]] = []
    redis: Any = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        node_a.start()
        node_b.start()
        await asyncio.gather(node_a.healthy(), node_b.healthy())
        progress(f"nodes A (:{node_a.port}) and B (:{node_b.port}) up; chargers connect to B")
        url = f"ws://127.0.0.1:{node_b.port}/OCPP"
        ids = [f"RT-{i}" for i in range(chargers)]
        database_url = env["CHARGEGRID_DATABASE_URL"]
        for count in sorted({1, chargers}):
            started = time.perf_counter()
            await connect_fleet(url, ids[len(tasks) : count], tasks)
            progress(f"{count} chargers on node B (connected in {time.perf_counter() - started:.1f} s)")
            for holder in (node_a, node_b):
                await place_lease(database_url, holder.name)
                for label, node in (
                    ("other node: REST at A → B → charger", node_a),
                    ("same node: REST at B", node_b),
                ):
                    await measure_calls(
                        redis,
                        node.http,
                        f"{label} @ {count}, lease at {holder.name}",
                        ids[:count],
                        calls,
                        [node_a, node_b],
                    )
                if (held := await lease_holder(database_url)) != holder.name:
                    progress(f"  (the lease moved to {held!r} during these figures)")
        before = await redis_calls(redis)
        await asyncio.sleep(IDLE_SECONDS)
        delta = redis_delta(before, await redis_calls(redis))
        per = sum(delta.values()) / IDLE_SECONDS / chargers
        progress(
            f"idle, {chargers} chargers: {per:.3f} Redis commands per charger per second "
            f"({sum(delta.values()) / IDLE_SECONDS:.0f}/s: {list(delta.items())[:6]})"
        )
        for holder in (node_b, node_a):
            await place_lease(database_url, holder.name)
            progress(
                f"live stream (SSE) at A and at B; the command (its event) at B; lease at {holder.name}:"
            )
            await stream_latency([node_a, node_b], database_url, ids[0], min(calls, 100))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
        node_a.stop()
        node_b.stop()
        await redis.aclose()


async def main(options: argparse.Namespace) -> None:
    raise_nofile()
    database = f"cg_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**PG, database="test", timeout=10)
    await admin.execute(f'CREATE DATABASE "{database}"')
    prefix = f"cgbench-{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="cg-cluster-bench-"))
    env = {
        **os.environ,
        "CHARGEGRID_DATABASE_URL": f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{database}",
        "CHARGEGRID_REDIS_URL": REDIS_URL,
        "CHARGEGRID_REDIS__KEY_PREFIX": prefix,
        "CHARGEGRID_API_KEY": API_KEY,
        "CHARGEGRID_DATA_DIR": str(workdir),
        "CHARGEGRID_UNKNOWN_CHARGERS": "accept",
        "CHARGEGRID_MESSAGE_LOG": "off",
        "CHARGEGRID_LOG_LEVEL": "warning",
    }
    progress(f"load average {os.getloadavg()}; node logs in {workdir}")
    try:
        # Migrate once: two nodes starting on an empty database would otherwise wait on each other.
        migrate = await asyncio.create_subprocess_exec(
            *[
                sys.executable,
                "-m",
                "chargegrid",
                "migrate",
                "--database-url",
                env["CHARGEGRID_DATABASE_URL"],
            ],
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(migrate.communicate(), 120)
        if migrate.returncode != 0:
            raise RuntimeError(f"chargegrid migrate failed:\n{output.decode(errors='replace')[-2000:]}")
        await asyncio.wait_for(round_trip(env, workdir, options.chargers, options.calls), options.deadline)
    finally:
        progress(f"load average {os.getloadavg()}")
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
    parser.add_argument("--calls", type=int, default=500, help="sequential calls per figure")
    parser.add_argument("--deadline", type=float, default=600, help="the whole run ends (fails) after this")
    asyncio.run(main(parser.parse_args()))
