"""REST → charger → REST round trip of `/API/Reset/{cp}`: p50/p99 with 1 and with 1,000 connected chargers.

Starts `python -m chargegrid serve` in a subprocess (own SQLite file, random port, unknown chargers
accepted), connects light raw-websocket OCPP 1.6 chargers from this process that answer Reset at once,
and times N sequential API calls (then N calls 20 at a time over the fleet). Bounded to well under 2 min.

    /work/venv/bin/python bench/api_roundtrip.py [--chargers 1000] [--calls 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

API_KEY = "bench-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def light_charger(url: str, cp_id: str, ready: asyncio.Event) -> None:
    """Boots, then answers every CALL it gets with {"status": "Accepted"}, immediately. (A charger that
    never sends BootNotification is closed by the edge after `edge.boot_timeout_seconds`, mid-run.)"""
    async with websockets.connect(f"{url}/{cp_id}", subprotocols=["ocpp1.6"], open_timeout=30) as ws:  # type: ignore[list-item]
        boot = {"chargePointVendor": "Bench", "chargePointModel": "Light"}
        await ws.send(json.dumps([2, "boot", "BootNotification", boot]))
        async for text in ws:
            frame = json.loads(text)
            if frame[0] == 2:
                await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
            elif frame[1] == "boot":
                ready.set()


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"n={len(ordered)} p50={p50 * 1000:.2f} ms p99={p99 * 1000:.2f} ms"


async def timed_calls(api: httpx.AsyncClient, ids: list[str], calls: int, parallel: int) -> list[float]:
    samples: list[float] = []
    queue = [random.choice(ids) for _ in range(calls)]

    async def worker() -> None:
        while queue:
            cp_id = queue.pop()
            start = time.perf_counter()
            answer = await api.get(f"/API/Reset/{cp_id}")
            samples.append(time.perf_counter() - start)
            assert answer.json() == {"status": "Accepted"}, answer.text

    await asyncio.gather(*(worker() for _ in range(parallel)))
    return samples


async def connect_fleet(url: str, ids: list[str], tasks: list[asyncio.Task[None]]) -> None:
    for batch_start in range(0, len(ids), 50):
        events = []
        for cp_id in ids[batch_start : batch_start + 50]:
            ready = asyncio.Event()
            events.append(ready)
            tasks.append(asyncio.create_task(light_charger(url, cp_id, ready)))
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 60)


async def main(chargers: int, calls: int) -> None:
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    env = {
        **os.environ,
        "CHARGEGRID_API_KEY": API_KEY,
        "CHARGEGRID_DATA_DIR": str(workdir),
        "CHARGEGRID_MESSAGE_LOG": "off",
    }
    server = await asyncio.create_subprocess_exec(
        *[
            sys.executable,
            "-m",
            "chargegrid",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--unknown-chargers",
            "accept",
            "--database-url",
            f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        ],
        env=env,
    )
    tasks: list[asyncio.Task[None]] = []
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": API_KEY}, timeout=30) as api:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if (await api.get("/health")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            url = f"ws://127.0.0.1:{port}/OCPP"
            await connect_fleet(url, ["BENCH-0"], tasks)
            await timed_calls(api, ["BENCH-0"], 50, 1)  # warm-up
            print("1 charger, sequential:      ", percentiles(await timed_calls(api, ["BENCH-0"], calls, 1)))
            ids = [f"BENCH-{i}" for i in range(chargers)]
            started = time.perf_counter()
            await connect_fleet(url, ids[1:], tasks)
            print(f"connected {chargers} chargers in {time.perf_counter() - started:.1f} s")
            print(f"{chargers} chargers, sequential: ", percentiles(await timed_calls(api, ids, calls, 1)))
            started = time.perf_counter()
            samples = await timed_calls(api, ids, calls, 20)
            rate = len(samples) / (time.perf_counter() - started)
            print(f"{chargers} chargers, 20 at once: ", percentiles(samples), f"({rate:.0f} calls/s)")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.terminate()
        await asyncio.wait_for(server.wait(), 15)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chargers", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=1000)
    options = parser.parse_args()
    asyncio.run(main(options.chargers, options.calls))
