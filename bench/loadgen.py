"""Load generator worker for bench/run.py: light OCPP 1.6 clients driven over stdin/stdout JSON lines.

Runs in its own process (never inside the server under test). Commands, one JSON object per line on stdin,
each answered with one JSON line on stdout:

  {"cmd": "connect", "url": ..., "prefix": "lg0-", "first": 0, "count": 1000, "concurrency": 500,
   "source": "127.0.1.1", "timeout": 60, "any_result": false}
      open ``count`` websockets (subprotocol ocpp1.6), send BootNotification, then a StatusNotification;
      answer: connected, accepted (Boot status Accepted — or any CALLRESULT when any_result), failures,
      elapsed_s (until the last one was accepted or failed).
  {"cmd": "load", "rate": 2000, "duration": 5}
      send a Heartbeat / StatusNotification / MeterValues mix (20/20/60) at ``rate`` messages/s in total over
      the open connections, at most one outstanding CALL per connection (as OCPP-J requires); rate 0 means
      closed loop (every connection sends its next CALL as soon as the previous one is answered).
      answer: sent, completed, errors, missed (due but no idle connection), rate, p50_ms, p99_ms, samples.
  {"cmd": "close"}   close every connection and exit.

A server CALL (e.g. UnlockConnector from the REST API) is answered at once with a canned CALLRESULT.
Clients are kept light: no deflate, no pings, pre-encoded frames with only the message id spliced in.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import resource
import ssl
import sys
import time
from collections import deque
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

TS = "2026-01-01T00:00:00.000Z"
BOOT = b'"BootNotification",{"chargePointVendor":"Bench","chargePointModel":"LG-1"}]'
STATUS = (
    b'"StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available","timestamp":"'
    + TS.encode()
    + b'"}]'
)
HEARTBEAT = b'"Heartbeat",{}]'
METER = (
    b'"MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"'
    + TS.encode()
    + b'","sampledValue":[{"value":"1234","measurand":"Energy.Active.Import.Register","unit":"Wh"},'
    b'{"value":"11000","measurand":"Power.Active.Import","unit":"W"}]}]}]'
)
MIX = [HEARTBEAT, STATUS, METER, METER, METER] * 2  # 20 % / 20 % / 60 %
ANSWERS: dict[str, bytes] = {
    "UnlockConnector": b'{"status":"Unlocked"}',
    "GetConfiguration": b'{"configurationKey":[]}',
    "TriggerMessage": b'{"status":"Accepted"}',
    "DataTransfer": b'{"status":"Accepted"}',
}
RESERVOIR = 100_000


class Conn:
    __slots__ = ("busy", "closed_loop", "cp_id", "n", "sent_at", "waiter", "ws")

    def __init__(self, cp_id: str) -> None:
        self.cp_id = cp_id
        self.ws: ClientConnection | None = None
        self.n = 0
        self.busy = False
        self.sent_at = 0.0
        self.waiter: asyncio.Future[str] | None = None
        self.closed_loop = False


class Worker:
    def __init__(self) -> None:
        self.conns: list[Conn] = []
        self.idle: deque[Conn] = deque()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.completed = 0
        self.errors = 0
        self.lat: list[float] = []
        self.seen = 0
        self.recording = False
        self.closed_loop = False
        self.mix_i = 0

    # ---------------------------------------------------------------- frames
    def frame(self, c: Conn, body: bytes) -> bytes:
        c.n += 1
        return b'[2,"%d",' % c.n + body

    async def send(self, c: Conn, body: bytes) -> None:
        ws = c.ws
        if ws is None:
            return
        c.busy = True
        c.sent_at = time.perf_counter()
        try:
            await ws.send(self.frame(c, body), text=True)
        except ConnectionClosed:
            c.busy = False
            self.errors += 1

    def next_body(self) -> bytes:
        self.mix_i = (self.mix_i + 1) % len(MIX)
        return MIX[self.mix_i]

    # ---------------------------------------------------------------- reader
    async def reader(self, c: Conn) -> None:
        ws = c.ws
        assert ws is not None
        try:
            async for raw in ws:
                text = raw if isinstance(raw, str) else raw.decode()
                kind = text[1]
                if kind == "2":
                    msg = orjson.loads(text)
                    answer = ANSWERS.get(msg[2], b'{"status":"Accepted"}')
                    await ws.send(b'[3,"%s",%s]' % (msg[1].encode(), answer), text=True)
                    continue
                now = time.perf_counter()
                if c.waiter is not None:
                    c.busy = False
                    if not c.waiter.done():
                        c.waiter.set_result(text)
                    continue
                if kind == "4":
                    self.errors += 1
                elif self.recording:
                    self.completed += 1
                    self.seen += 1
                    d = now - c.sent_at
                    if len(self.lat) < RESERVOIR:
                        self.lat.append(d)
                    else:
                        j = random.randrange(self.seen)
                        if j < RESERVOIR:
                            self.lat[j] = d
                if self.closed_loop and self.recording:
                    await self.send(c, self.next_body())
                else:
                    c.busy = False
                    self.idle.append(c)
        except ConnectionClosed:
            pass
        finally:
            c.ws = None
            if c.waiter is not None and not c.waiter.done():
                c.waiter.set_exception(ConnectionError("closed"))

    async def call_and_wait(self, c: Conn, body: bytes, timeout: float) -> str:
        loop = asyncio.get_running_loop()
        c.waiter = loop.create_future()
        try:
            await self.send(c, body)
            return await asyncio.wait_for(c.waiter, timeout)
        finally:
            c.waiter = None

    # ---------------------------------------------------------------- commands
    async def connect(self, a: dict[str, Any]) -> dict[str, Any]:
        count, first = int(a["count"]), int(a.get("first", 0))
        gate = asyncio.Semaphore(int(a.get("concurrency", 500)))
        timeout = float(a.get("timeout", 60))
        any_result = bool(a.get("any_result", False))
        source = a.get("source")
        url = a["url"].rstrip("/")
        cafile = a.get("cafile")
        tls = ssl.create_default_context(cafile=cafile) if cafile else None
        t0 = time.perf_counter()
        result: dict[str, Any] = {"connected": 0, "accepted": 0, "failures": 0, "last_error": ""}
        deadline = t0 + timeout

        async def one(c: Conn) -> None:
            try:
                async with gate:
                    kw: dict[str, Any] = {"local_addr": (source, 0)} if source else {}
                    if tls is not None:
                        kw["ssl"] = tls
                    ws = await connect(
                        f"{url}/{c.cp_id}",
                        subprotocols=[Subprotocol("ocpp1.6")],
                        compression=None,
                        ping_interval=None,
                        open_timeout=max(1.0, deadline - time.perf_counter()),
                        close_timeout=1,
                        max_queue=4,
                        **kw,
                    )
                c.ws = ws
                result["connected"] += 1
                t = asyncio.get_running_loop().create_task(self.reader(c))
                self.tasks.add(t)
                t.add_done_callback(self.tasks.discard)
                answer = await self.call_and_wait(c, BOOT, max(1.0, deadline - time.perf_counter()))
                msg = orjson.loads(answer)
                ok = msg[0] == 3 and (any_result or msg[2].get("status") == "Accepted")
                if not ok:
                    raise RuntimeError(f"boot answer {answer[:120]}")
                result["accepted"] += 1
                await self.call_and_wait(c, STATUS, max(1.0, deadline - time.perf_counter()))
                self.conns.append(c)
                self.idle.append(c)
            except Exception as exc:
                result["failures"] += 1
                result["last_error"] = f"{c.cp_id}: {exc!r}"[:300]
                if c.ws is not None:
                    with contextlib.suppress(Exception):
                        await c.ws.close()

        prefix = a.get("prefix", "lg-")
        await asyncio.gather(*(one(Conn(f"{prefix}{i}")) for i in range(first, first + count)))
        result["elapsed_s"] = time.perf_counter() - t0
        result["open"] = sum(1 for c in self.conns if c.ws is not None)
        return result

    async def load(self, a: dict[str, Any]) -> dict[str, Any]:
        rate, duration = float(a.get("rate", 0)), float(a["duration"])
        self.completed = self.errors = self.seen = 0
        self.lat = []
        live = [c for c in self.conns if c.ws is not None]
        self.idle = deque(c for c in live if not c.busy)
        self.recording = True
        sent = missed = 0
        t0 = time.perf_counter()
        end = t0 + duration
        if rate <= 0:
            self.closed_loop = True
            for c in list(self.idle):
                await self.send(c, self.next_body())
                sent += 1
            self.idle.clear()
            await asyncio.sleep(duration)
            self.closed_loop = False
        else:
            while True:
                now = time.perf_counter()
                if now >= end:
                    break
                due = int((now - t0) * rate) - sent - missed
                while due > 0 and self.idle:
                    c = self.idle.popleft()
                    if c.ws is None:
                        continue
                    await self.send(c, self.next_body())
                    sent += 1
                    due -= 1
                if due > rate * 0.2:  # more than 200 ms behind: count as missed, don't burst later
                    missed += due
                await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - t0
        completed = self.completed
        self.recording = False
        # let outstanding calls finish (bounded) so the next phase starts clean
        t1 = time.perf_counter()
        while any(c.busy and c.ws is not None for c in live) and time.perf_counter() - t1 < 5:
            await asyncio.sleep(0.01)
        for c in live:
            c.busy = False
        self.idle = deque(c for c in live if c.ws is not None)
        lat = sorted(self.lat)

        def pct(q: float) -> float | None:
            if not lat:
                return None
            return lat[min(len(lat) - 1, round(q / 100 * (len(lat) - 1)))] * 1000

        return {
            "sent": sent if rate > 0 else completed,
            "completed": completed,
            "errors": self.errors,
            "missed": missed,
            "rate": completed / elapsed,
            "p50_ms": pct(50),
            "p99_ms": pct(99),
            "samples": [round(x * 1000, 3) for x in lat[:: max(1, len(lat) // 5000)]],
            "open": len(self.idle),
        }

    async def close(self) -> dict[str, Any]:
        closing = [c.ws.close() for c in self.conns if c.ws is not None]
        if closing:
            await asyncio.wait([asyncio.ensure_future(x) for x in closing], timeout=10)
        return {"closed": len(closing)}


async def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    w = Worker()
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        a = orjson.loads(line)
        cmd = a["cmd"]
        if cmd == "connect":
            out = await w.connect(a)
        elif cmd == "load":
            out = await w.load(a)
        elif cmd == "close":
            out = await w.close()
        else:
            out = {"error": f"unknown command {cmd}"}
        sys.stdout.write(orjson.dumps(out).decode() + "\n")
        sys.stdout.flush()
        if cmd == "close":
            break


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:  # pragma: no cover
        asyncio.run(main())
