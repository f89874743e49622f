"""Chargegrid benchmark: one command, figures printed as a table and saved as JSON.

    python bench/run.py [--quick] [--out bench/results/latest.json] [--targets echo,ocpp-lib,...]

Servers under test (each started here as its own process on 127.0.0.1, one at a time):
  echo               bench/baselines/echo_server.py — bare websockets, answers [3,id,{}]: the ceiling
  ocpp-lib           bench/baselines/ocpp_lib_server.py — the `ocpp` library's README-style server
  ocpp-rpc           bench/baselines/ocpp_rpc_server.mjs — Node `ocpp-rpc` RPCServer (`npm ci` in bench/)
  chargegrid-sqlite  `python -m chargegrid serve`, default SQLite in a temp dir
  chargegrid-pg      the same on PostgreSQL (a database created for the run and dropped afterwards)
Cluster targets (only when named in --targets; PostgreSQL and Redis at 127.0.0.1:6379, database 9):
  chargegrid-pg-w1   `serve --workers 1` on PostgreSQL with Redis: one cluster node (leases, inbox)
  chargegrid-pg-w2   `serve --workers 2`: two nodes sharing the port (SO_REUSEPORT); compare with -w1,
                     e.g. --targets chargegrid-pg-w1,chargegrid-pg-w2 --phases throughput,boot
  For these the Redis commands (INFO commandstats) and PostgreSQL commits and rows written
  (pg_stat_database) are counted around the closed loop and the boot storm: per message, per charger.

The load comes from bench/loadgen.py worker processes (OCPP 1.6 clients). The echo server runs first: its
figures are the harness's own ceiling, and the CPU time of the server and of the load generator is recorded
for every throughput run so one can see which side was saturated. Phases per server:
  1. connections: server RSS (VmRSS of the process tree) per idle booted charger at several counts
  2. throughput at a fixed number of chargers: closed loop (max), then open-loop rates as fractions of that
     max; p50/p99 from the charger's side; the best rate with p99 < 50 ms; where p99 crosses 100 ms
  3. API round trip REST → charger → REST (chargegrid only) at 1 and at N chargers
  4. boot storm: after a fresh server start, N chargers connect and boot at once; time to all Accepted
  api (only when named in --phases): phase 3 alone, on a fresh server with no closed loop before it
Every figure is the median of ``--repeats`` runs (RSS: of several samples). All traffic stays on loopback,
every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/9"
# A database of this run's own: two runs at once (a bench and the harness's test) must not drop each
# other's database mid-phase.
PG_DB = f"cg_bench_{os.getpid()}"
API_KEY = "bench-key"
_source_counter = 0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def next_source() -> str:
    """A fresh loopback source address per load-generator worker, so that TIME_WAIT never runs us out
    of ephemeral ports across phases."""
    global _source_counter
    _source_counter += 1
    return f"127.0.{1 + _source_counter // 250}.{1 + _source_counter % 250}"


def median(values: list[float]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


# --------------------------------------------------------------------------------------------- processes
def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kib(pid: int) -> int:
    """VmRSS of a process and all its descendants, KiB."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                kids = (task / "children").read_text().split()
                todo.extend(int(k) for k in kids)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its descendants (seconds)."""
    total = 0.0
    todo = [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(k) for k in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Target:
    name: str
    kind: str  # echo | ocpp-lib | ocpp-rpc | chargegrid
    any_result: bool = False
    db_url: str | None = None
    api: bool = False
    phases: tuple[str, ...] = ("connections", "throughput", "boot")
    tls: bool = False  # chargegrid over wss:// / https:// with a certificate made for the run
    workers: int = 0  # > 0: a cluster target, `serve --workers N` with Redis (its own key prefix)
    redis_prefix: str = ""


@dataclass
class Server:
    target: Target
    workdir: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"ws{'s' if self.target.tls else ''}://127.0.0.1:{self.port}/OCPP"

    @property
    def http(self) -> str:
        return f"http{'s' if self.target.tls else ''}://127.0.0.1:{self.port}"

    @property
    def cafile(self) -> Path | None:
        return self.workdir / "bench-tls.crt" if self.target.tls else None

    def command(self) -> tuple[list[str], dict[str, str]]:
        env = dict(os.environ)
        p = str(self.port)
        kind = self.target.kind
        if kind == "echo":
            return [PY, str(BENCH / "baselines" / "echo_server.py"), "--port", p], env
        if kind == "ocpp-lib":
            return [PY, str(BENCH / "baselines" / "ocpp_lib_server.py"), "--port", p], env
        if kind == "ocpp-rpc":
            return ["node", str(BENCH / "baselines" / "ocpp_rpc_server.mjs"), "--port", p], env
        env.update(
            {
                "PYTHONPATH": str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", ""),
                "CHARGEGRID_UNKNOWN_CHARGERS": "accept",
                "CHARGEGRID_API_KEY": API_KEY,
                "CHARGEGRID_DATABASE_URL": self.target.db_url or "",
                "CHARGEGRID_DATA_DIR": str(self.workdir),
                "CHARGEGRID_LOG_LEVEL": "warning",
            }
        )
        cmd = [PY, "-m", "chargegrid", "serve", "--host", "127.0.0.1", "--port", p]
        if self.target.workers:
            env["CHARGEGRID_REDIS_URL"] = REDIS_URL
            env["CHARGEGRID_REDIS__KEY_PREFIX"] = self.target.redis_prefix
            env["CHARGEGRID_NODE_ID"] = f"{self.target.name}-{self.starts}"
            cmd += ["--workers", str(self.target.workers)]
        if self.target.tls:
            cert, key = make_certificate(self.workdir)
            cmd += ["--tls-cert", str(cert), "--tls-key", str(key)]
        return cmd, env

    async def start(self) -> None:
        self.port = free_port()
        cmd, env = self.command()
        self.starts += 1
        self.log_path = self.workdir / f"{self.target.name}-{self.starts}.log"
        out = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT), preexec_fn=raise_nofile
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.target.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                _r, w = await asyncio.open_connection("127.0.0.1", self.port)
                w.close()
                if self.target.workers > 1:
                    await self.wait_for_workers(deadline)
                await asyncio.sleep(0.3)
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.target.name} did not listen within 60 s")

    async def wait_for_workers(self, deadline: float) -> None:
        """Every worker listens: the kernel hands a connection only to workers already listening, so a
        fleet connected before the second one is up would all land on the first."""
        seen: set[str] = set()
        while len(seen) < self.target.workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.target.name}: only workers {sorted(seen)} answered within 60 s")
            with contextlib.suppress(httpx.HTTPError, ValueError):
                async with httpx.AsyncClient(timeout=2) as client:  # a new connection: any worker
                    seen.add(str((await client.get(f"{self.http}/health")).json().get("node")))
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        for _ in range(100):
            if self.proc.poll() is not None:
                break
            await asyncio.sleep(0.1)
        else:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def rss(self) -> int:
        assert self.proc is not None
        return rss_kib(self.proc.pid)

    def cpu(self) -> float:
        assert self.proc is not None
        return cpu_seconds(self.proc.pid)


# --------------------------------------------------------------------------------------------- cluster load
PG_FLUSH_S = 2.0  # PostgreSQL's backends publish their counters at most once a second when idle
IDLE_WINDOW_S = 6.0


async def counters(target: Target) -> dict[str, float]:
    """Redis commands so far (INFO commandstats: the whole Redis server, Lua scripts' inner commands
    included) and the bench database's commits and rows written (pg_stat_database)."""
    import asyncpg
    import redis.asyncio as aioredis

    out: dict[str, float] = {"t": time.perf_counter()}
    client: Any = aioredis.Redis.from_url(REDIS_URL)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    for name, row in stats.items():
        out[f"redis.{name.removeprefix('cmdstat_')}"] = float(row["calls"])
    out["redis"] = sum(v for k, v in out.items() if k.startswith("redis."))
    db = await asyncpg.connect(PG_ADMIN)
    try:
        row = await db.fetchrow(
            "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database "
            f"WHERE datname = '{PG_DB}'"
        )
    finally:
        await db.close()
    if row is not None:
        out["pg_commits"] = float(row["xact_commit"])
        out["pg_rows_written"] = float(row["tup_inserted"] + row["tup_updated"] + row["tup_deleted"])
    return out


def cost(before: dict[str, float], after: dict[str, float], units: float, seconds: float) -> dict[str, Any]:
    """What happened between two `counters`: per unit (message, charger) and per second."""
    delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after if k != "t"}
    top = sorted(
        ((k[6:], v) for k, v in delta.items() if k.startswith("redis.") and v), key=lambda kv: -kv[1]
    )
    return {
        "units": units,
        "seconds": round(seconds, 2),
        **{
            f"{k}_per_unit": round(delta.get(k, 0.0) / max(units, 1), 3)
            for k in ("redis", "pg_commits", "pg_rows_written")
        },
        **{
            f"{k}_per_s": round(delta.get(k, 0.0) / max(seconds, 1e-9), 1)
            for k in ("redis", "pg_commits", "pg_rows_written")
        },
        "redis_top": [[name, int(calls)] for name, calls in top[:8]],
    }


async def cluster_costs(server: Server, fleet: Fleet, plan: Plan) -> dict[str, Any]:
    """Redis and PostgreSQL work with the fleet idle (a window longer than one lease refresh, 5 s with
    the default 15 s lease), then under the closed loop; per message: the loaded window's work minus
    the idle rate over the same time."""
    await asyncio.sleep(PG_FLUSH_S)  # the counters of what ran before settle first
    before = await counters(server.target)
    await asyncio.sleep(IDLE_WINDOW_S)
    after = await counters(server.target)
    idle = cost(before, after, fleet.total, after["t"] - before["t"])
    before = await counters(server.target)
    run = await fleet.load(0, plan.step_s)
    await asyncio.sleep(PG_FLUSH_S)
    after = await counters(server.target)
    window = after["t"] - before["t"]
    loaded = cost(before, after, run["completed"], plan.step_s)
    for key in ("redis", "pg_commits", "pg_rows_written"):
        extra = max(loaded[f"{key}_per_unit"] * run["completed"] - idle[f"{key}_per_s"] * window, 0.0)
        loaded[f"{key}_per_unit"] = round(extra / max(run["completed"], 1), 3)
        loaded[f"{key}_per_s"] = round(extra / plan.step_s + idle[f"{key}_per_s"], 1)
    loaded["rate"] = run["rate"]
    return {"idle": idle, "closed_loop": loaded}


# --------------------------------------------------------------------------------------------- load
class Worker:
    """One bench/loadgen.py process."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.source = next_source()

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            PY,
            str(BENCH / "loadgen.py"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            preexec_fn=raise_nofile,
            limit=64 * 1024 * 1024,
        )

    async def ask(self, cmd: dict[str, Any], timeout: float = 300) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(orjson.dumps(cmd) + b"\n")
        await self.proc.stdin.drain()
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError("load generator died")
        out: dict[str, Any] = orjson.loads(line)
        return out

    async def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(Exception):
            await self.ask({"cmd": "close"}, timeout=20)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        await self.proc.wait()

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid) if self.proc is not None else 0.0


class Fleet:
    """A set of load generator workers holding chargers on one server."""

    def __init__(self, server: Server, per_worker: int = 10_000) -> None:
        self.server = server
        self.per_worker = per_worker
        self.workers: list[tuple[Worker, int]] = []  # worker, chargers it holds
        self.total = 0
        self.prefix = f"b{random.randrange(36**4):x}-"

    async def grow(self, n: int, concurrency: int = 500, timeout: float = 120) -> dict[str, Any]:
        """Connect and boot chargers until ``n`` are held (new ones spread over new/free workers)."""
        want = n - self.total
        jobs: list[tuple[Worker, int, int]] = []
        for i, (w, held) in enumerate(self.workers):
            room = min(self.per_worker - held, want)
            if room > 0:
                jobs.append((w, self.total, room))
                self.workers[i] = (w, held + room)
                self.total += room
                want -= room
        while want > 0:
            w = Worker()
            await w.start()
            take = min(self.per_worker, want)
            self.workers.append((w, take))
            jobs.append((w, self.total, take))
            self.total += take
            want -= take
        t0 = time.perf_counter()
        answers = await asyncio.gather(
            *(
                w.ask(
                    {
                        "cmd": "connect",
                        "url": self.server.url,
                        "prefix": self.prefix,
                        "first": first,
                        "count": count,
                        "concurrency": concurrency,
                        "source": w.source,
                        "timeout": timeout,
                        "any_result": self.server.target.any_result,
                        "cafile": str(self.server.cafile) if self.server.cafile else None,
                    },
                    timeout=timeout + 60,
                )
                for w, first, count in jobs
            )
        )
        elapsed = time.perf_counter() - t0
        out = {
            "connected": sum(a["connected"] for a in answers),
            "accepted": sum(a["accepted"] for a in answers),
            "failures": sum(a["failures"] for a in answers),
            "elapsed_s": elapsed,
            "last_error": next((a["last_error"] for a in answers if a["last_error"]), ""),
        }
        return out

    async def load(self, rate: float, duration: float) -> dict[str, Any]:
        """Drive the load over every worker (rate split evenly); merge the answers."""
        ws = [w for w, held in self.workers if held > 0]
        s_cpu0, l_cpu0 = self.server.cpu(), sum(w.cpu() for w in ws)
        t0 = time.perf_counter()
        answers = await asyncio.gather(
            *(w.ask({"cmd": "load", "rate": rate / len(ws), "duration": duration}) for w in ws)
        )
        wall = time.perf_counter() - t0
        samples = sorted(x for a in answers for x in a["samples"])

        def pct(q: float) -> float | None:
            if not samples:
                return None
            return samples[min(len(samples) - 1, round(q / 100 * (len(samples) - 1)))]

        return {
            "target_rate": rate,
            "rate": sum(a["rate"] for a in answers),
            "completed": sum(a["completed"] for a in answers),
            "errors": sum(a["errors"] for a in answers),
            "missed": sum(a["missed"] for a in answers),
            "p50_ms": pct(50) if len(ws) > 1 else answers[0]["p50_ms"],
            "p99_ms": pct(99) if len(ws) > 1 else answers[0]["p99_ms"],
            "server_cpu": (self.server.cpu() - s_cpu0) / wall,
            "loadgen_cpu": (sum(w.cpu() for w in ws) - l_cpu0) / wall,
        }

    async def close(self) -> None:
        await asyncio.gather(*(w.stop() for w, _ in self.workers))
        self.workers = []
        self.total = 0


# --------------------------------------------------------------------------------------------- phases
@dataclass
class Plan:
    quick: bool
    levels: list[int]
    tp_chargers: int
    step_s: float
    repeats: int
    fractions: list[float]
    storm: int
    api_requests: int
    settle_s: float = 2.0
    extra_steps: int = 5
    profile_s: float = 0.0  # > 0: py-spy the server for this long under the closed loop
    step_timeout_s: float = 90.0  # a connection level or a boot storm that takes longer counts as failed
    results: dict[str, Any] = field(default_factory=dict)


def plan_for(quick: bool, repeats: int | None) -> Plan:
    if quick:
        return Plan(
            quick=True,
            levels=[100, 200],
            tp_chargers=200,
            step_s=1.0,
            repeats=repeats or 1,
            fractions=[0.5, 1.0],
            storm=200,
            api_requests=20,
            settle_s=0.5,
            step_timeout_s=30.0,
            extra_steps=1,
        )
    return Plan(
        quick=False,
        levels=[1000, 5000, 10000, 19900],
        tp_chargers=1000,
        step_s=1.5,
        repeats=repeats or 3,
        fractions=[0.25, 0.5, 0.75, 0.9, 1.0, 1.2],
        storm=10000,
        api_requests=200,
        settle_s=2.0,
        step_timeout_s=75.0,
        extra_steps=5,
    )


async def phase_connections(server: Server, plan: Plan) -> list[dict[str, Any]]:
    await server.start()
    await asyncio.sleep(plan.settle_s)
    base = median([float(server.rss()) for _ in range(3)]) or 0.0
    fleet = Fleet(server)
    rows: list[dict[str, Any]] = []
    failed = 0
    try:
        for n in plan.levels:
            got = await fleet.grow(n, concurrency=1000, timeout=plan.step_timeout_s)
            await asyncio.sleep(plan.settle_s)
            samples = []
            for _ in range(3):
                samples.append(float(server.rss()))
                await asyncio.sleep(0.5)
            rss = median(samples) or 0.0
            failed += got["failures"]
            held = fleet.total - failed
            row = {
                "chargers": n,
                "held": held,
                "connect_s": round(got["elapsed_s"], 2),
                "failures": got["failures"],
                "rss_mib": round(rss / 1024, 1),
                "kib_per_charger": round((rss - base) / max(held, 1), 2),
                "last_error": got["last_error"],
            }
            rows.append(row)
            log(
                f"  {server.target.name}: {n} chargers → {row['kib_per_charger']} KiB each "
                f"(RSS {row['rss_mib']} MiB, failures {got['failures']}, {got['elapsed_s']:.1f} s)"
            )
            if got["failures"] > max(10, n // 100) or (server.proc and server.proc.poll() is not None):
                log(f"  {server.target.name}: stopping at {n} (the machine stops here)")
                break
    finally:
        await fleet.close()
        await server.stop()
    return rows


async def api_round_trip(server: Server, fleet: Fleet, requests: int, repeats: int) -> dict[str, Any]:
    runs = []
    errors = 0
    statuses: dict[str, int] = {}
    verify: Any = str(server.cafile) if server.cafile else True
    async with httpx.AsyncClient(
        base_url=server.http, headers={"X-API-Key": API_KEY}, timeout=30, verify=verify
    ) as client:
        for _ in range(repeats):
            lat = []
            for _ in range(requests):
                cp = f"{fleet.prefix}{random.randrange(fleet.total)}"
                t0 = time.perf_counter()
                try:
                    r = await client.get(f"/API/UnlockConnector/{cp}/1")
                    dt = (time.perf_counter() - t0) * 1000
                    body = (
                        r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
                    )
                    st = (
                        str(body.get("status", r.status_code))
                        if isinstance(body, dict)
                        else str(r.status_code)
                    )
                    statuses[st] = statuses.get(st, 0) + 1
                    if r.status_code != 200:
                        errors += 1
                    else:
                        lat.append(dt)
                except httpx.HTTPError:
                    errors += 1
            lat.sort()
            if lat:
                runs.append((lat[len(lat) // 2], lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]))
    return {
        "p50_ms": median([r[0] for r in runs]),
        "p99_ms": median([r[1] for r in runs]),
        "errors": errors,
        "statuses": statuses,
        "requests": requests * repeats,
        "unavailable": set(statuses) == {"404"},
    }


async def phase_api(server: Server, plan: Plan) -> dict[str, Any]:
    """The API round trip alone (`--phases api`): at 1 charger, then with the throughput fleet connected
    and idle, without the minutes of closed-loop load the throughput phase puts around it."""
    await server.start()
    fleet = Fleet(server)
    res: dict[str, Any] = {"chargers": plan.tp_chargers}
    try:
        await fleet.grow(1)
        res["api_1"] = await api_round_trip(server, fleet, plan.api_requests, plan.repeats)
        log(f"  {server.target.name}: API round trip at 1 charger: {res['api_1']}")
        res["connect"] = await fleet.grow(plan.tp_chargers, concurrency=500)
        res["api_n"] = await api_round_trip(server, fleet, plan.api_requests, plan.repeats)
        log(f"  {server.target.name}: API round trip at {fleet.total} chargers: {res['api_n']}")
    finally:
        await fleet.close()
        await server.stop()
    return res


async def measure(fleet: Fleet, rate: float, plan: Plan) -> dict[str, Any]:
    runs = [await fleet.load(rate, plan.step_s) for _ in range(plan.repeats)]
    out: dict[str, Any] = {"target_rate": round(rate)}
    for k in ("rate", "p50_ms", "p99_ms", "server_cpu", "loadgen_cpu"):
        m = median([r[k] for r in runs])
        out[k] = None if m is None else round(m, 3 if k.endswith("cpu") else 1)
    out["errors"] = sum(r["errors"] for r in runs)
    out["missed"] = sum(r["missed"] for r in runs)
    return out


async def phase_throughput(server: Server, plan: Plan) -> dict[str, Any]:
    await server.start()
    fleet = Fleet(server)
    res: dict[str, Any] = {"chargers": plan.tp_chargers}
    try:
        if server.target.api:
            await fleet.grow(1)
            res["api_1"] = await api_round_trip(server, fleet, plan.api_requests, plan.repeats)
            log(f"  {server.target.name}: API round trip at 1 charger: {res['api_1']}")
        got = await fleet.grow(plan.tp_chargers, concurrency=500)
        res["connect"] = got
        if server.target.api:
            res["api_n"] = await api_round_trip(server, fleet, plan.api_requests, plan.repeats)
            log(f"  {server.target.name}: API round trip at {fleet.total} chargers: {res['api_n']}")
        await fleet.load(0, 1.0)  # warm-up
        res["max"] = await measure(fleet, 0, plan)
        log(f"  {server.target.name}: closed loop {res['max']}")
        if server.target.workers:
            res["cluster_costs"] = await cluster_costs(server, fleet, plan)
            log(f"  {server.target.name}: Redis/PostgreSQL work {res['cluster_costs']}")
        if plan.profile_s and server.target.kind == "chargegrid":
            res["profile"] = await profile(server, fleet, plan.profile_s)
            log(f"  {server.target.name}: profile {res['profile']['self'][:5]}")
        top = res["max"]["rate"] or 1.0
        sweep = []
        rates = [max(50.0, round(top * f, -1)) for f in plan.fractions]
        extra = 0
        while rates:
            row = await measure(fleet, rates.pop(0), plan)
            sweep.append(row)
            log(f"  {server.target.name}: rate {row['target_rate']}/s → {row}")
            saturated = row["p99_ms"] is None or row["p99_ms"] > 100 or row["rate"] < 0.9 * row["target_rate"]
            if saturated and (row["p99_ms"] is None or row["p99_ms"] > 1000):
                break
            if not rates and not saturated and extra < plan.extra_steps:
                # a closed loop with every charger in flight can under-state what the server sustains
                # (queues, lock contention): keep raising the offered rate until p99 crosses 100 ms
                extra += 1
                rates.append(round(row["target_rate"] * 1.3, -1))
        res["sweep"] = sweep
        ok = [
            r
            for r in sweep
            if r["p99_ms"] is not None and r["p99_ms"] < 50 and r["rate"] >= 0.95 * r["target_rate"]
        ]
        best = max(ok, key=lambda r: r["rate"]) if ok else None
        res["best_p99_lt_50"] = best
        cross = next((r for r in sweep if r["p99_ms"] is None or r["p99_ms"] > 100), None)
        res["p99_crosses_100ms_at"] = cross["target_rate"] if cross else None
    finally:
        await fleet.close()
        await server.stop()
    return res


async def profile(server: Server, fleet: Fleet, seconds: float) -> dict[str, Any]:
    """py-spy the server under the closed loop: the frames where its time goes (self and inclusive %)."""
    assert server.proc is not None
    out = server.workdir / f"{server.target.name}-profile.txt"
    spy = await asyncio.create_subprocess_exec(
        str(Path(PY).with_name("py-spy")) if Path(PY).with_name("py-spy").exists() else "py-spy",
        "record", "--pid", str(server.proc.pid), "--duration", str(int(seconds)), "--rate", "250",
        "--format", "raw", "--nonblocking", "--output", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    load = await fleet.load(0, seconds)
    await spy.wait()
    if not out.exists():
        return {"error": "py-spy wrote nothing (not installed, or no ptrace permission)", "self": []}
    # The event loop's thread is where per-frame cost shows; the database driver's thread (aiosqlite runs
    # every statement in one) is counted apart, as a share.
    self_time: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = loop_total = 0
    for line in out.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        if "_connection_worker_thread" in stack or ("Runner.run" not in stack and "run_forever" not in stack):
            continue
        loop_total += count
        # "func (path/to/file.py:123)" → "func (file.py)": one entry per function, not per line
        frames = [re.sub(r" \((?:.*/)?([^/:]+)(?::\d+)?\)$", r" (\1)", f) for f in stack.split(";")]
        self_time[frames[-1]] = self_time.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count

    def top(counts: dict[str, int], n: int) -> list[list[Any]]:
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:n]
        return [[frame, round(100 * c / max(1, loop_total), 1)] for frame, c in ranked]

    return {
        "samples": total,
        "event_loop_share": round(100 * loop_total / max(1, total), 1),
        "rate": load["rate"],
        "server_cpu": load["server_cpu"],
        "self": top(self_time, 15),
        "inclusive": top(inclusive, 30),
    }


async def phase_boot_storm(server: Server, plan: Plan) -> dict[str, Any]:
    runs = []
    prefix = None
    for _ in range(plan.repeats):
        await server.start()  # a fresh process: "after a server restart" (the database is kept)
        fleet = Fleet(server, per_worker=max(1, (plan.storm + 1) // 2))
        if prefix is not None:
            fleet.prefix = prefix  # the same chargers come back after the restart
        prefix = fleet.prefix
        try:
            # start the workers first so that their start-up is not part of the storm
            for _w in range(2 if plan.storm > 1 else 1):
                w = Worker()
                await w.start()
                fleet.workers.append((w, 0))
            before = await counters(server.target) if server.target.workers else None
            got = await fleet.grow(plan.storm, concurrency=plan.storm, timeout=plan.step_timeout_s)
            if before is not None:
                await asyncio.sleep(PG_FLUSH_S)
                got["costs"] = cost(before, await counters(server.target), got["accepted"], got["elapsed_s"])
        finally:
            await fleet.close()
            await server.stop()
        runs.append(got)
        log(
            f"  {server.target.name}: boot storm {plan.storm}: {got['elapsed_s']:.2f} s, "
            f"accepted {got['accepted']}, failures {got['failures']} {got['last_error'][:100]}"
        )
        if got["failures"] or got["elapsed_s"] > 30:
            break  # far off target: one run says enough, and repeating would blow the time budget
    return {
        "chargers": plan.storm,
        "seconds": median([r["elapsed_s"] for r in runs]),
        "accepted": median([r["accepted"] for r in runs]),
        "failures": max(r["failures"] for r in runs),
        "runs": [
            {k: r[k] for k in ("elapsed_s", "accepted", "failures", "last_error", "costs") if k in r}
            for r in runs
        ],
    }


# --------------------------------------------------------------------------------------------- targets
def chargegrid_available() -> bool:
    sys.path.insert(0, str(ROOT / "src"))
    try:
        if importlib.util.find_spec("chargegrid.cli") is None:
            return False
    finally:
        sys.path.pop(0)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    r = subprocess.run([PY, "-m", "chargegrid", "serve", "--help"], capture_output=True, env=env, timeout=60)
    return r.returncode == 0


def postgres_available() -> bool:
    return (
        shutil.which("psql") is not None
        and subprocess.run(["psql", PG_ADMIN, "-c", "select 1"], capture_output=True, timeout=20).returncode
        == 0
    )


def make_targets(names: list[str] | None, workdir: Path) -> tuple[list[Target], list[str]]:
    skipped: list[str] = []
    all_names = ["echo", "ocpp-lib", "ocpp-rpc", "chargegrid-sqlite", "chargegrid-pg", "chargegrid-wss"]
    cluster_names = ["chargegrid-pg-w1", "chargegrid-pg-w2"]  # run only when asked for
    want = names or all_names
    targets: list[Target] = []
    cg = chargegrid_available() if any(n.startswith("chargegrid") for n in want) else False
    for n in want:
        if n == "echo":
            targets.append(Target("echo", "echo", any_result=True))
        elif n == "ocpp-lib":
            targets.append(Target("ocpp-lib", "ocpp-lib"))
        elif n == "ocpp-rpc":
            if shutil.which("node") and (BENCH / "node_modules" / "ocpp-rpc").exists():
                targets.append(Target("ocpp-rpc", "ocpp-rpc"))
            else:
                skipped.append("ocpp-rpc: run `npm ci` in bench/ first")
        elif n == "chargegrid-sqlite":
            if cg:
                targets.append(
                    Target(n, "chargegrid", db_url=f"sqlite+aiosqlite:///{workdir}/bench.db", api=True)
                )
            else:
                skipped.append(f"{n}: `python -m chargegrid serve` is not available in this tree")
        elif n == "chargegrid-pg" or n in cluster_names:
            cluster = n in cluster_names
            if cg and postgres_available() and (not cluster or redis_available()):
                targets.append(
                    Target(
                        n,
                        "chargegrid",
                        db_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_DB}",
                        api=True,
                        # memory is the edge's figure, measured on the default SQLite; PostgreSQL is
                        # measured where the database matters: throughput, API round trips, boot storm
                        phases=("throughput", "boot"),
                        workers=int(n.rsplit("-w", 1)[1]) if cluster else 0,
                        redis_prefix=f"cgbench-{random.randrange(36**6):x}" if cluster else "",
                    )
                )
            else:
                needs = f" or Redis ({REDIS_URL})" if cluster else ""
                skipped.append(f"{n}: chargegrid, PostgreSQL (127.0.0.1:5432){needs} not available")
        elif n == "chargegrid-wss":
            if cg:
                # TLS costs per message (encryption) and per connection: the throughput mix over wss://
                targets.append(
                    Target(
                        n,
                        "chargegrid",
                        db_url=f"sqlite+aiosqlite:///{workdir}/bench-tls.db",
                        api=True,
                        phases=("throughput",),
                        tls=True,
                    )
                )
            else:
                skipped.append(f"{n}: `python -m chargegrid serve` is not available in this tree")
        else:
            raise SystemExit(f"unknown target {n}; choose from {', '.join(all_names + cluster_names)}")
    return targets, skipped


def redis_available() -> bool:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def drop_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed EC certificate for 127.0.0.1 (the load generator trusts exactly this one)."""
    cert_path, key_path = directory / "bench-tls.crt", directory / "bench-tls.key"
    if cert_path.exists():
        return cert_path, key_path
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def pg_db(action: str) -> None:
    sql = f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)" if action == "drop" else f"CREATE DATABASE {PG_DB}"
    subprocess.run(["psql", PG_ADMIN, "-c", sql], capture_output=True, timeout=60)


def machine() -> dict[str, Any]:
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    node = (
        subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
        if shutil.which("node")
        else None
    )
    import websockets

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "node": node,
        "kernel": platform.release(),
        "websockets": websockets.__version__,
        "nofile_hard": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
    }


# --------------------------------------------------------------------------------------------- report
def fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}×"


def table(report: dict[str, Any]) -> str:
    t = report["targets"]
    names = list(t)
    lines = []

    def row(label: str, values: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    lines.append("| figure | " + " | ".join(names) + " |")
    lines.append("|---|" + "---|" * len(names))
    levels = sorted({r["chargers"] for n in names for r in t[n].get("connections", [])})
    for lv in levels:
        vals = []
        for n in names:
            r = next((r for r in t[n].get("connections", []) if r["chargers"] == lv), None)
            vals.append(
                "—"
                if r is None
                else f"{fmt(r['kib_per_charger'])}" + (f" ({r['failures']} failed)" if r["failures"] else "")
            )
        row(f"KiB RSS per idle charger @ {lv:,}", vals)
    tp = {n: t[n].get("throughput", {}) for n in names}
    api = {n: {**t[n].get("api", {}), **tp[n]} for n in names}  # the throughput phase's figures win
    row(
        f"max msgs/s (closed loop, {report['plan']['tp_chargers']:,} chargers)",
        [fmt(tp[n].get("max", {}).get("rate"), 0) for n in names],
    )
    row(
        "  p50 / p99 ms at max",
        [
            f"{fmt(tp[n].get('max', {}).get('p50_ms'))} / {fmt(tp[n].get('max', {}).get('p99_ms'))}"
            for n in names
        ],
    )
    row(
        "  server / loadgen CPU at max (cores)",
        [
            f"{fmt(tp[n].get('max', {}).get('server_cpu'), 2)} / "
            f"{fmt(tp[n].get('max', {}).get('loadgen_cpu'), 2)}"
            for n in names
        ],
    )
    row(
        "highest msgs/s achieved (closed loop or any offered rate)",
        [
            fmt(
                max(
                    [
                        r["rate"]
                        for r in [tp[n].get("max") or {}, *(tp[n].get("sweep") or [])]
                        if r.get("rate")
                    ],
                    default=None,
                ),
                0,
            )
            for n in names
        ],
    )
    row(
        "best msgs/s with p99 < 50 ms",
        [fmt((tp[n].get("best_p99_lt_50") or {}).get("rate"), 0) for n in names],
    )
    row(
        "  p50 / p99 ms there",
        [
            f"{fmt((tp[n].get('best_p99_lt_50') or {}).get('p50_ms'))} / "
            f"{fmt((tp[n].get('best_p99_lt_50') or {}).get('p99_ms'))}"
            for n in names
        ],
    )
    row(
        "p99 crosses 100 ms at (msgs/s offered)",
        [fmt(tp[n].get("p99_crosses_100ms_at")) if tp[n] else "—" for n in names],
    )
    for key, label in (
        ("api_1", "API round trip p50 / p99 ms @ 1"),
        ("api_n", "API round trip p50 / p99 ms @ N"),
    ):
        row(
            label,
            [
                "n/a"
                if key not in api[n]
                else "no /API route yet"
                if api[n][key].get("unavailable")
                else f"{fmt(api[n][key]['p50_ms'], 2)} / {fmt(api[n][key]['p99_ms'], 2)}"
                for n in names
            ],
        )
    bs = {n: t[n].get("boot_storm", {}) for n in names}
    row(
        f"boot storm {report['plan']['storm']:,}: seconds to all Accepted",
        [fmt(bs[n].get("seconds"), 2) for n in names],
    )
    row("  failures (worst run)", [fmt(bs[n].get("failures")) for n in names])
    if any("cluster_costs" in tp[n] for n in names):
        costs = {n: tp[n].get("cluster_costs") or {} for n in names}
        boots = {n: next((r["costs"] for r in bs[n].get("runs", []) if "costs" in r), {}) for n in names}

        def each(source: dict[str, dict[str, Any]], phase: str | None, key: str) -> list[str]:
            return [
                fmt((source[n].get(phase) if phase else source[n]).get(key) if source[n] else None, 2)
                for n in names
            ]

        row(
            "Redis commands per message (closed loop, idle work taken out)",
            each(costs, "closed_loop", "redis_per_unit"),
        )
        row("Redis commands/s with the fleet idle (leases)", each(costs, "idle", "redis_per_s"))
        row(
            "PostgreSQL commits / rows written per message",
            [
                f"{a} / {b}"
                for a, b in zip(
                    each(costs, "closed_loop", "pg_commits_per_unit"),
                    each(costs, "closed_loop", "pg_rows_written_per_unit"),
                    strict=True,
                )
            ],
        )
        row("Redis commands per booted charger (boot storm)", each(boots, None, "redis_per_unit"))
        row(
            "PostgreSQL commits / rows written per booted charger",
            [
                f"{a} / {b}"
                for a, b in zip(
                    each(boots, None, "pg_commits_per_unit"),
                    each(boots, None, "pg_rows_written_per_unit"),
                    strict=True,
                )
            ],
        )
    out = "\n".join(lines)
    if report.get("ratios"):
        out += (
            "\n\n| Chargegrid vs | highest msgs/s | best rate with p99 < 50 ms | boot storm speed | "
            "KiB/charger (largest common count) |\n|---|---|---|---|---|\n"
        )
        for k, v in report["ratios"].items():
            out += f"| {k} | {v['max_rate']} | {v['best_rate']} | {v['boot_speed']} | {v['mem']} |\n"
    return out


def ratios(t: dict[str, Any]) -> dict[str, Any]:
    ours = next((n for n in ("chargegrid-sqlite", "chargegrid-pg", "chargegrid-pg-w1") if n in t), None)
    if ours is None:
        return {}
    out = {}

    def peak(tp: dict[str, Any]) -> float | None:
        rates = [r["rate"] for r in [tp.get("max") or {}, *(tp.get("sweep") or [])] if r.get("rate")]
        return max(rates) if rates else None

    def mem_at(n: str, level: int) -> float | None:
        return next(
            (r["kib_per_charger"] for r in t[n].get("connections") or [] if r["chargers"] == level), None
        )

    def common_level(a: str, b: str) -> int | None:
        la = {r["chargers"] for r in t[a].get("connections") or [] if not r["failures"]}
        lb = {r["chargers"] for r in t[b].get("connections") or [] if not r["failures"]}
        both = la & lb
        return max(both) if both else None

    if "chargegrid-pg-w1" in t and "chargegrid-pg-w2" in t:
        one, two = t["chargegrid-pg-w1"], t["chargegrid-pg-w2"]
        a, b = two.get("throughput", {}), one.get("throughput", {})
        out["chargegrid-pg-w2 / chargegrid-pg-w1"] = {
            "max_rate": ratio(peak(a), peak(b)),
            "best_rate": ratio(
                (a.get("best_p99_lt_50") or {}).get("rate"), (b.get("best_p99_lt_50") or {}).get("rate")
            ),
            "boot_speed": ratio(
                one.get("boot_storm", {}).get("seconds"), two.get("boot_storm", {}).get("seconds")
            ),
            "mem": "—",
        }
    for n in t:
        if n.startswith("chargegrid"):
            continue
        for mine in [m for m in ("chargegrid-sqlite", "chargegrid-pg") if m in t]:
            a, b = t[mine].get("throughput", {}), t[n].get("throughput", {})
            level = common_level(mine, n)
            sa, sb = t[mine].get("boot_storm", {}).get("seconds"), t[n].get("boot_storm", {}).get("seconds")
            out[f"{mine} / {n}"] = {
                "max_rate": ratio(peak(a), peak(b)),
                "best_rate": ratio(
                    (a.get("best_p99_lt_50") or {}).get("rate"), (b.get("best_p99_lt_50") or {}).get("rate")
                ),
                "boot_speed": ratio(sb, sa),
                "mem": "—"
                if level is None
                else f"{ratio(mem_at(mine, level), mem_at(n, level))} @ {level:,}",
            }
    return out


# --------------------------------------------------------------------------------------------- main
async def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile()
    plan = plan_for(args.quick, args.repeats)
    if args.storm:
        plan.storm = args.storm
    plan.profile_s = args.profile
    started = time.time()
    workdir = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    targets, skipped = make_targets(args.targets.split(",") if args.targets else None, workdir)
    for s in skipped:
        log(f"skipping {s}")
    report: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "quick": plan.quick,
        "machine": machine(),
        "skipped": skipped,
        "plan": {k: v for k, v in plan.__dict__.items() if k != "results"},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "targets": {},
    }
    phases = args.phases.split(",")
    try:
        for tgt in targets:
            if tgt.name.startswith("chargegrid-pg"):
                pg_db("drop")
                pg_db("create")
            server = Server(tgt, workdir)
            res: dict[str, Any] = {}
            report["targets"][tgt.name] = res
            res["load_avg_before"] = [round(x, 2) for x in os.getloadavg()]
            log(f"== {tgt.name} (load average {res['load_avg_before']})")
            try:
                if "connections" in phases and "connections" in tgt.phases:
                    res["connections"] = await phase_connections(server, plan)
                if "throughput" in phases and "throughput" in tgt.phases:
                    res["throughput"] = await phase_throughput(server, plan)
                if "api" in phases and tgt.api:
                    res["api"] = await phase_api(server, plan)
                if "boot" in phases and "boot" in tgt.phases:
                    res["boot_storm"] = await phase_boot_storm(server, plan)
            except Exception as exc:  # one broken server must not lose the others' figures
                res["error"] = repr(exc)[:500]
                log(f"  {tgt.name} failed: {exc!r}\n{traceback.format_exc()}")
            finally:
                res["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
                await server.stop()
                if tgt.name.startswith("chargegrid-pg"):
                    pg_db("drop")
                if tgt.redis_prefix:
                    drop_redis_keys(tgt.redis_prefix)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report["ratios"] = ratios(report["targets"])
    report["duration_s"] = round(time.time() - started, 1)
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small counts and short phases (< 2 min; for CI)")
    ap.add_argument("--out", default=str(BENCH / "results" / "latest.json"), help="JSON output path")
    ap.add_argument(
        "--targets", default=None, help="comma-separated subset of servers (default: all available)"
    )
    ap.add_argument(
        "--phases",
        default="connections,throughput,boot",
        help="comma-separated subset of phases: connections, throughput, boot, api (the round trip alone)",
    )
    ap.add_argument("--repeats", type=int, default=None, help="runs per figure (default 3; quick: 2)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir with server logs")
    ap.add_argument(
        "--storm", type=int, default=None, help="chargers in the boot storm (default 10000; quick: 200)"
    )
    ap.add_argument(
        "--profile",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="py-spy each Chargegrid server this long under the closed loop (needs py-spy; 0: off)",
    )
    ap.add_argument("--table", metavar="JSON", help="only print the table of a saved run")
    args = ap.parse_args()
    if args.table:
        saved = json.loads(Path(args.table).read_text())
        saved["ratios"] = ratios(saved["targets"])
        print(table(saved))
        return 0
    report = asyncio.run(run(args))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(table(report))
    print(f"\n{'quick ' if report['quick'] else ''}run took {report['duration_s']} s; JSON in {out}")
    errors = {n: r["error"] for n, r in report["targets"].items() if "error" in r}
    for n, e in errors.items():
        print(f"ERROR {n}: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
