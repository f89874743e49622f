"""Edge throughput with webhook receivers down: does a dead receiver slow the OCPP edge?

    python bench/events_receiver_down.py [--chargers 50] [--seconds 5] [--rounds 2]

Starts `chargegrid serve` (SQLite in a temp dir) and one bench/loadgen.py worker (OCPP 1.6 clients,
closed loop: Heartbeat / StatusNotification / MeterValues). Alternates rounds without subscriptions and
with two subscriptions to every event: one to a receiver that accepts TCP connections and never answers
(each attempt waits the full webhook timeout), one to a closed port (refused at once). Prints messages/s
and p99 per round. A small script for one figure, not part of bench/run.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).parent
KEY = "bench-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def silent_receiver(held: list[asyncio.StreamWriter]) -> tuple[asyncio.Server, int]:
    """Accepts connections and never answers: the worst receiver (every attempt waits the full timeout)."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # read nothing, answer nothing; closed at the end

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


class LoadGen:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "loadgen.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return answer


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chargers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    port = free_port()
    held: list[asyncio.StreamWriter] = []
    silent, silent_port = await silent_receiver(held)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "CHARGEGRID_API_KEY": KEY,
            "CHARGEGRID_UNKNOWN_CHARGERS": "accept",
            "CHARGEGRID_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
            "CHARGEGRID_DATA_DIR": tmp,
            "CHARGEGRID_EVENTS__WEBHOOK_TIMEOUT": "10",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "chargegrid", "serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": KEY})
        try:
            for _ in range(200):
                try:
                    if (await api.get("/health")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            gen = LoadGen()
            connected = await asyncio.to_thread(
                gen.ask,
                cmd="connect",
                url=f"ws://127.0.0.1:{port}/OCPP",
                prefix="ev-",
                first=0,
                count=args.chargers,
                concurrency=50,
                timeout=60,
            )
            print(f"connected {connected['accepted']} chargers", file=sys.stderr)
            await asyncio.to_thread(gen.ask, cmd="load", rate=0, duration=2)  # warm-up
            results: dict[str, list[dict[str, Any]]] = {"no subscriptions": [], "receivers down": []}
            hooks: list[str] = []
            for _round in range(args.rounds):
                for phase in results:
                    if phase == "receivers down" and not hooks:
                        for url in (
                            f"http://127.0.0.1:{silent_port}/hook",
                            f"http://127.0.0.1:{free_port()}/",
                        ):
                            made = await api.post("/API/Webhooks", json={"url": url, "events": ["*"]})
                            hooks.append(made.json()["id"])
                    if phase == "no subscriptions" and hooks:
                        for hook in hooks:
                            await api.delete(f"/API/Webhooks/{hook}")
                        hooks.clear()
                    out = await asyncio.to_thread(gen.ask, cmd="load", rate=0, duration=args.seconds)
                    results[phase].append(out)
                    print(f"{phase:18} {out['rate']:8.0f} msg/s  p99 {out['p99_ms']:.1f} ms", file=sys.stderr)
            await asyncio.to_thread(gen.ask, cmd="close")
            deliveries = 0
            for hook in hooks:
                deliveries += len((await api.get(f"/API/Webhooks/{hook}/deliveries")).json())
            print(f"failed delivery attempts recorded meanwhile: {deliveries}", file=sys.stderr)
            for phase, runs in results.items():
                rate = statistics.median(r["rate"] for r in runs)
                p99 = statistics.median(r["p99_ms"] for r in runs)
                print(f"{phase}: median {rate:.0f} msg/s, p99 {p99:.1f} ms ({args.chargers} chargers)")
        finally:
            await api.aclose()
            server.terminate()
            server.wait(timeout=20)
            for writer in held:
                writer.close()
            silent.close()


if __name__ == "__main__":
    asyncio.run(main())
