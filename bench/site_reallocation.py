"""Load management at scale: the time to re-allocate a 200-charger site after a session starts, and the
profile messages it takes.

Starts `python -m chargegrid serve` in a subprocess (own SQLite file, random port), connects N light raw-
websocket OCPP 1.6 chargers from this process (they answer every CALL Accepted at once and note when each
SetChargingProfile arrived), puts them all in one site, starts a session on N-1 of them and waits until the
allocation settles. Then one more session starts and the figures are taken from the chargers' side: the
time from that StartTransaction's answer to the last SetChargingProfile it caused, and how many arrived.
Two site limits: one where the newcomer changes everybody's equal share (every running session is
lowered), one where it changes nobody's (the site is short: the newcomer waits at 0 A).

    .venv/bin/python bench/site_reallocation.py [--chargers 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

API_KEY = "bench-key"
QUIET = 2.0  # seconds without a profile message (and the site's word) that mean "settled"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LightCharger:
    """An OCPP 1.6 charger that answers every CALL Accepted and records its SetChargingProfiles."""

    ids = itertools.count(1)

    def __init__(self, url: str, cp_id: str) -> None:
        self.url, self.cp_id = url, cp_id
        self.profiles: list[float] = []  # arrival times (perf_counter)
        self.pending: dict[str, asyncio.Future[Any]] = {}
        self.ws: Any = None

    async def run(self, ready: asyncio.Event) -> None:
        async with websockets.connect(
            f"{self.url}/{self.cp_id}", subprotocols=["ocpp1.6"], open_timeout=60
        ) as ws:  # type: ignore[list-item]
            self.ws = ws
            ready.set()
            async for text in ws:
                frame = json.loads(text)
                if frame[0] == 2:
                    if frame[2] == "SetChargingProfile":
                        self.profiles.append(time.perf_counter())
                    await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
                elif frame[0] in (3, 4) and frame[1] in self.pending:
                    self.pending.pop(frame[1]).set_result(frame[2] if frame[0] == 3 else None)

    async def call(self, action: str, payload: dict[str, Any]) -> Any:
        msg_id = str(next(self.ids))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        await self.ws.send(json.dumps([2, msg_id, action, payload]))
        return await asyncio.wait_for(future, 60)

    async def start_session(self) -> Any:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return await self.call(
            "StartTransaction", {"connectorId": 1, "idTag": "BENCH", "meterStart": 0, "timestamp": stamp}
        )


async def settle(api: httpx.AsyncClient, site_id: str, chargers: list[LightCharger], since: float) -> None:
    """Until the site says it is settled, no profile arrived for QUIET seconds, and (if any came) one
    arrived after `since` (bounded: 120 s)."""
    end = time.perf_counter() + 120
    while time.perf_counter() < end:
        last = max((c.profiles[-1] for c in chargers if c.profiles), default=0.0)
        quiet = time.perf_counter() - max(last, since)
        if quiet >= QUIET:
            stats = (await api.get(f"/API/Sites/{site_id}")).json()["stats"]
            if stats["settled"]:
                return
        await asyncio.sleep(0.05)


async def one_more_session(
    api: httpx.AsyncClient, site_id: str, chargers: list[LightCharger], newcomer: LightCharger
) -> tuple[float, int]:
    before = sum(len(c.profiles) for c in chargers)
    await newcomer.start_session()
    answered = time.perf_counter()
    await settle(api, site_id, chargers, answered)
    arrivals = [t for c in chargers for t in c.profiles if t > answered]
    took = (max(arrivals) - answered) if arrivals else 0.0
    return took, sum(len(c.profiles) for c in chargers) - before


async def main(count: int) -> None:
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    env = {
        **os.environ,
        "CHARGEGRID_API_KEY": API_KEY,
        "CHARGEGRID_DATA_DIR": str(workdir),
        "CHARGEGRID_MESSAGE_LOG": "off",
    }
    server = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "chargegrid", "serve", "--port", str(port), "--log-level", "warning"],
        *["--unknown-chargers", "accept", "--database-url", f"sqlite+aiosqlite:///{workdir / 'bench.db'}"],
        env=env,
    )
    tasks: list[asyncio.Task[None]] = []
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": API_KEY}, timeout=60
        ) as api:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if (await api.get("/health")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            await api.post("/API/ChargeTags", json={"tagId": "BENCH"})
            for limit, case in (
                (20.0 * count, "equal share changes for everyone"),
                (4.0 * count, "site short"),
            ):
                ids = [f"SITE{int(limit)}-{i:04d}" for i in range(count)]
                site = {"id": f"bench{int(limit)}", "maxCurrentA": limit, "chargePoints": ids}
                assert (await api.post("/API/Sites", json=site)).status_code == 201
                chargers = [LightCharger(f"ws://127.0.0.1:{port}/OCPP", cp) for cp in ids]
                for batch in range(0, count, 50):
                    events = []
                    for charger in chargers[batch : batch + 50]:
                        ready = asyncio.Event()
                        events.append(ready)
                        tasks.append(asyncio.create_task(charger.run(ready)))
                    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 60)
                boot = {"chargePointVendor": "Bench", "chargePointModel": "Light"}
                await asyncio.gather(*(c.call("BootNotification", boot) for c in chargers))
                started = time.perf_counter()
                await asyncio.gather(*(c.start_session() for c in chargers[:-1]))
                await settle(api, site["id"], chargers, started)
                warmup = time.perf_counter() - started - QUIET
                took, messages = await one_more_session(api, site["id"], chargers, chargers[-1])
                shown = (await api.get(f"/API/Sites/{site['id']}")).json()
                print(
                    f"{count} chargers, {limit:.0f} A ({case}): "
                    f"{count - 1} sessions settled in {warmup:.1f} s; "
                    f"one more session: all limits out in {took * 1000:.0f} ms (charger side), "
                    f"{messages} SetChargingProfile; server run {shown['stats']['lastLatencyMs']} ms, "
                    f"{shown['allocatedA']} A allocated"
                )
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
    parser.add_argument("--chargers", type=int, default=200, help="chargers in the site (default 200)")
    asyncio.run(main(parser.parse_args().chargers))
