"""The version-neutral half of a simulated charging station: websocket, OCPP-J framing, timers.

One :class:`SimCharger` is one station. It is kept light so that one process holds thousands:

* one asyncio task per station, parked in ``recv()`` on its websocket — it only wakes when a frame arrives;
* periodic work (heartbeats) uses ``loop.call_later`` handles, not sleeping tasks; a short-lived task is
  spawned only when there is something to send;
* outgoing frames are assembled from pre-encoded byte pieces and orjson, sent as text frames;
* no permessage-deflate and no websocket keepalive pings (OCPP Heartbeat does that job).

Version subclasses (:mod:`chargegrid.sim.v16`, :mod:`chargegrid.sim.v201`) supply the payloads and the
handlers for CALLs from the server. A handler is synchronous: it returns the CALLRESULT payload and,
optionally, a follow-up (e.g. the StartTransaction that a remote start causes) that runs after the answer
was sent — never inside the reader, which must stay free to receive the answers to those follow-ups.
"""

from __future__ import annotations

import asyncio
import base64
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

from chargegrid.sim.profiles import ProfileBook
from chargegrid.sim.stats import SimStats

CALL, CALLRESULT, CALLERROR = 2, 3, 4

Payload = dict[str, Any]
FollowUp = Callable[[], Awaitable[None]] | None
Handler = Callable[[Any, Payload], tuple[Payload, FollowUp]]

_background: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Start a short-lived task and keep a reference until it ends (asyncio holds tasks weakly)."""
    task = asyncio.get_running_loop().create_task(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


def utcnow() -> str:
    """An OCPP timestamp: UTC, millisecond precision, with a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class CallFailed(Exception):
    """The server answered our CALL with a CALLERROR, or did not answer in time."""


class CallRefused(Exception):
    """A handler's way to answer with a CALLERROR of its choosing (e.g. too many entries)."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(slots=True)
class ChargerOptions:
    """How a simulated station behaves; one instance is shared by many stations."""

    url: str = "ws://127.0.0.1:8081/OCPP"
    password: str | None = None
    scenario: str = "idle"  # idle | charging
    connectors: int = 1
    heartbeat_interval: float | None = None  # None: use the interval from BootNotification's answer
    meter_interval: float = 5.0
    session_seconds: float = 60.0  # scenario charging: length of one charging session
    pause_seconds: float = 15.0  # scenario charging: idle time between sessions
    id_tag: str = "SIMTAG01"
    power_w: float = 11_000.0
    call_timeout: float = 30.0
    open_timeout: float = 30.0
    reconnect: bool = True
    vendor: str = "Chargegrid"
    model: str = "Sim-1"


@dataclass(slots=True)
class Connector:
    """One connector (1.6) or EVSE with one connector (2.0.1) and its running transaction, if any."""

    id: int
    status: str = "Available"
    available: bool = True
    transaction_id: int | str | None = None
    id_tag: str | None = None
    meter_wh: float = 0.0  # energy register; sent rounded down to whole Wh
    seq_no: int = 0
    remote_start_id: int | None = None
    stop_reason: str | None = None
    stop_event: asyncio.Event | None = None
    started_at: float = 0.0
    starting: bool = False
    profiles: int = 0
    started_wall: float | None = None  # wall-clock start of the transaction (Relative profiles count from it)
    ending: bool = False  # the transaction has ended here; the charger is still reporting it


class SimCharger:
    """A charging station: connect, boot, report status, heartbeat; answer the server's CALLs."""

    __slots__ = (
        "_call_lock",
        "_hb_handle",
        "_next_id",
        "_pending",
        "_rebooting",
        "booted",
        "config",
        "connectors",
        "cp_id",
        "heartbeat_interval",
        "opts",
        "profile_book",
        "stats",
        "ws",
    )

    subprotocol: ClassVar[str] = ""
    version: ClassVar[str] = ""
    handlers: ClassVar[dict[str, Handler]] = {}

    def __init__(self, cp_id: str, opts: ChargerOptions, stats: SimStats) -> None:
        self.cp_id = cp_id
        self.opts = opts
        self.stats = stats
        self.ws: ClientConnection | None = None
        self._next_id = 0
        self._pending: tuple[str, asyncio.Future[Any], float] | None = None
        self._call_lock: asyncio.Lock | None = None
        self._hb_handle: asyncio.TimerHandle | None = None
        self._rebooting = False
        self.booted = False
        self.heartbeat_interval = opts.heartbeat_interval or 300.0
        self.connectors = [Connector(i) for i in range(1, opts.connectors + 1)]
        self.config: dict[str, str] = {}
        self.profile_book = ProfileBook()

    # ------------------------------------------------------------------ life cycle
    async def run(self, stop: asyncio.Event, gate: asyncio.Semaphore | None = None) -> None:
        """Stay connected until ``stop`` is set: connect, boot, serve; reconnect with backoff on loss."""
        backoff = 1.0
        first = True
        while not stop.is_set():
            if not first:
                self.stats.reconnects += 1
            first = False
            ws = await self._connect(gate)
            if ws is not None:
                backoff = 1.0
                await self._serve(ws)
            if stop.is_set() or not (self.opts.reconnect or self._rebooting):
                break
            delay = 0.5 if self._rebooting else backoff * (0.5 + random.random())
            self._rebooting = False
            backoff = min(backoff * 2, 60.0)
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass

    async def _connect(self, gate: asyncio.Semaphore | None) -> ClientConnection | None:
        headers = {}
        if self.opts.password is not None:
            token = base64.b64encode(f"{self.cp_id}:{self.opts.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        self.stats.connecting += 1
        try:
            if gate is not None:
                async with gate:
                    return await self._open(headers)
            return await self._open(headers)
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            self.stats.error(f"{self.cp_id}: connect: {exc!r}")
            return None
        finally:
            self.stats.connecting -= 1

    async def _open(self, headers: dict[str, str]) -> ClientConnection:
        ws = await connect(
            f"{self.opts.url.rstrip('/')}/{self.cp_id}",
            subprotocols=[Subprotocol(self.subprotocol)],
            additional_headers=headers,
            compression=None,
            ping_interval=None,
            open_timeout=self.opts.open_timeout,
            close_timeout=2,
            max_queue=4,
        )
        if ws.subprotocol != self.subprotocol:
            await ws.close()
            raise InvalidHandshake(f"server chose subprotocol {ws.subprotocol!r}")
        return ws

    async def _serve(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.stats.connected += 1
        spawn(self._boot_sequence())
        try:
            async for raw in ws:
                self.stats.received += 1
                self._on_frame(raw)
        except ConnectionClosed:
            pass
        finally:
            self.stats.connected -= 1
            if self.booted:
                self.stats.booted -= 1
            self.booted = False
            self.ws = None
            if self._hb_handle is not None:
                self._hb_handle.cancel()
                self._hb_handle = None
            if self._pending is not None and not self._pending[1].done():
                self._pending[1].set_exception(CallFailed("connection closed"))
            for c in self.connectors:
                if c.stop_event is not None:
                    c.stop_reason = c.stop_reason or "PowerLoss"
                    c.stop_event.set()

    async def close(self) -> None:
        """Close the websocket (the run loop then ends if its stop event is set)."""
        ws = self.ws
        if ws is not None:
            try:
                await ws.close()
            except Exception:  # closing is best effort
                pass

    def reboot(self, delay: float = 0.5) -> None:
        """Simulate a reset: drop the connection after ``delay``; the run loop reconnects and boots."""
        self._rebooting = True

        async def _later() -> None:
            await asyncio.sleep(delay)
            for c in self.connectors:
                if c.transaction_id is not None and c.stop_event is not None:
                    c.stop_reason = "HardReset" if self.version == "1.6" else "ImmediateReset"
                    c.stop_event.set()
            await asyncio.sleep(0.2)
            await self.close()

        spawn(_later())

    # ------------------------------------------------------------------ framing
    def _on_frame(self, raw: str | bytes) -> None:
        try:
            msg = orjson.loads(raw)
            kind = msg[0]
            msg_id = msg[1]
        except (orjson.JSONDecodeError, IndexError, KeyError, TypeError):
            self.stats.error(f"{self.cp_id}: malformed frame {raw[:80]!r}")
            return
        if kind == CALL:
            self._on_call(msg_id, msg[2] if len(msg) > 2 else "", msg[3] if len(msg) > 3 else {})
        elif kind in (CALLRESULT, CALLERROR):
            pending = self._pending
            if pending is None or pending[0] != msg_id or pending[1].done():
                self.stats.error(f"{self.cp_id}: unexpected answer {msg_id!r}")
                return
            self.stats.latency(time.perf_counter() - pending[2])
            if kind == CALLRESULT:
                pending[1].set_result(msg[2] if len(msg) > 2 else {})
            else:
                pending[1].set_exception(CallFailed(f"{msg[2:4]}"))
        else:
            self.stats.error(f"{self.cp_id}: unknown message type {kind!r}")

    def _on_call(self, msg_id: str, action: str, payload: Payload) -> None:
        handler = self.handlers.get(action)
        follow: FollowUp = None
        if handler is None:
            frame = orjson.dumps([CALLERROR, msg_id, "NotImplemented", f"{action} is not simulated", {}])
        else:
            try:
                result, follow = handler(self, payload)
                frame = orjson.dumps([CALLRESULT, msg_id, result])
            except CallRefused as exc:
                frame = orjson.dumps([CALLERROR, msg_id, exc.code, exc.description, {}])
            except Exception as exc:  # a bad payload from the server must not kill the station
                self.stats.error(f"{self.cp_id}: {action}: {exc!r}")
                frame = orjson.dumps([CALLERROR, msg_id, "FormationViolation", str(exc)[:200], {}])
                follow = None
        self.stats.answered += 1
        spawn(self._answer(frame, follow))

    async def _answer(self, frame: bytes, follow: FollowUp) -> None:
        await self._send(frame)
        if follow is not None:
            try:
                await follow()
            except CallFailed as exc:
                self.stats.error(f"{self.cp_id}: {exc}")

    async def _send(self, frame: bytes) -> bool:
        ws = self.ws
        if ws is None:
            return False
        try:
            await ws.send(frame, text=True)
        except ConnectionClosed:
            return False
        self.stats.sent += 1
        return True

    async def call(self, action: str, payload: Payload) -> Payload:
        """Send a CALL and wait for its CALLRESULT (one outstanding CALL at a time, as OCPP-J requires)."""
        if self._call_lock is None:
            self._call_lock = asyncio.Lock()
        async with self._call_lock:
            if self.ws is None:
                raise CallFailed(f"{action}: not connected")
            self._next_id += 1
            msg_id = str(self._next_id)
            fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._pending = (msg_id, fut, time.perf_counter())
            frame = b'[2,"%s","%s",%s]' % (msg_id.encode(), action.encode(), orjson.dumps(payload))
            if not await self._send(frame):
                self._pending = None
                raise CallFailed(f"{action}: connection closed")
            try:
                result: Payload = await asyncio.wait_for(fut, self.opts.call_timeout)
                return result
            except TimeoutError:
                raise CallFailed(f"{action}: no answer in {self.opts.call_timeout:g} s") from None
            finally:
                self._pending = None

    # ------------------------------------------------------------------ boot & heartbeat
    async def _boot_sequence(self) -> None:
        try:
            while self.ws is not None:
                answer = await self.call("BootNotification", self.boot_payload())
                status = answer.get("status")
                interval = float(answer.get("interval") or 0)
                if status == "Accepted":
                    if self.opts.heartbeat_interval is None and interval > 0:
                        self.heartbeat_interval = interval
                    break
                await asyncio.sleep(interval if interval > 0 else 10.0)
            else:
                return
            self.booted = True
            self.stats.booted += 1
            self.stats.ever_booted += 1
            await self.send_all_status()
            self.schedule_heartbeat()
            if self.opts.scenario == "charging":
                for c in self.connectors:
                    spawn(self.charging_cycle(c))
        except CallFailed as exc:
            if self.ws is not None:
                self.stats.error(f"{self.cp_id}: boot: {exc}")
                await self.close()

    def schedule_heartbeat(self) -> None:
        """(Re)arm the heartbeat timer; it spawns a task only when a Heartbeat is due."""
        if self._hb_handle is not None:
            self._hb_handle.cancel()
        if self.ws is None or self.heartbeat_interval <= 0:
            return
        self._hb_handle = asyncio.get_running_loop().call_later(self.heartbeat_interval, self._heartbeat_due)

    def _heartbeat_due(self) -> None:
        self._hb_handle = None
        spawn(self._heartbeat())

    async def _heartbeat(self) -> None:
        try:
            await self.call("Heartbeat", {})
        except CallFailed as exc:
            if self.ws is not None:
                self.stats.error(f"{self.cp_id}: {exc}")
        self.schedule_heartbeat()

    # ------------------------------------------------------------------ transactions
    def free_connector(self, connector_id: int | None) -> Connector | None:
        """The connector a remote start should use: the one named, or the first idle one."""
        for c in self.connectors:
            if connector_id not in (None, 0) and c.id != connector_id:
                continue
            if c.transaction_id is None and c.available and not c.starting:
                return c
        return None

    def find_transaction(self, transaction_id: Any) -> Connector | None:
        for c in self.connectors:
            if c.transaction_id is not None and str(c.transaction_id) == str(transaction_id):
                return c
        return None

    def accept_remote_start(
        self, connector_id: int | None, id_tag: str, remote_start_id: int | None
    ) -> tuple[Payload, FollowUp]:
        """Answer a remote start; if a connector is free, run a real transaction on it after the answer."""
        c = self.free_connector(connector_id)
        if c is None:
            return {"status": "Rejected"}, None
        c.starting = True

        async def go() -> None:
            try:
                await self.run_transaction(c, id_tag, remote_start_id, None)
            except CallFailed as exc:
                self.stats.error(f"{self.cp_id}: remote start: {exc}")

        async def detach() -> None:  # the whole transaction runs as its own task; the answer goes out now
            spawn(go())

        return {"status": "Accepted"}, detach

    def change_availability(self, connector_id: int, operative: bool) -> tuple[Payload, FollowUp]:
        """Connector 0 means all; a connector in a transaction changes after it (Scheduled)."""
        targets = [c for c in self.connectors if connector_id in (0, c.id)]
        if not targets:
            return {"status": "Rejected"}, None
        busy = any(c.transaction_id is not None for c in targets)
        for c in targets:
            c.available = operative
        if busy:
            return {"status": "Scheduled"}, None

        async def report() -> None:
            for c in targets:
                await self.set_status(c, "Available" if operative else "Unavailable")

        return {"status": "Accepted"}, report

    def accept_remote_stop(self, transaction_id: Any) -> tuple[Payload, FollowUp]:
        c = self.find_transaction(transaction_id)
        if c is None or c.stop_event is None:
            return {"status": "Rejected"}, None
        c.stop_reason = "Remote"
        c.stop_event.set()
        return {"status": "Accepted"}, None

    async def charging_cycle(self, c: Connector) -> None:
        """Scenario ``charging``: authorise, charge for a while, stop, pause, again — while connected."""
        await asyncio.sleep(random.uniform(0, max(self.opts.meter_interval, 1.0)))
        while self.ws is not None and self.opts.scenario == "charging":
            if c.transaction_id is None and c.available and not c.starting:
                try:
                    if await self.authorize(self.opts.id_tag):
                        await self.run_transaction(c, self.opts.id_tag, None, self.opts.session_seconds)
                    else:
                        self.stats.auth_rejected += 1
                except CallFailed as exc:
                    if self.ws is None:
                        return
                    self.stats.error(f"{self.cp_id}: {exc}")
            await asyncio.sleep(self.opts.pause_seconds)

    async def run_transaction(
        self, c: Connector, id_tag: str, remote_start_id: int | None, duration: float | None
    ) -> None:
        """Start a transaction on ``c``, send meter values until it is stopped (or ``duration``), stop it."""
        c.starting = True
        c.stop_reason = None
        c.stop_event = asyncio.Event()
        c.remote_start_id = remote_start_id
        c.id_tag = id_tag
        try:
            if not await self.start_transaction(c, id_tag, remote_start_id):
                self.stats.auth_rejected += 1
                c.stop_event = None
                return
        except CallFailed:
            c.stop_event = None
            c.transaction_id = None
            raise
        finally:
            c.starting = False
        self.stats.tx_started += 1
        c.started_at = time.monotonic()
        c.started_wall = time.time()
        deadline = None if duration is None else c.started_at + duration
        while self.ws is not None and not c.stop_event.is_set():
            wait = self.opts.meter_interval
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    c.stop_reason = "Local"
                    break
            try:
                await asyncio.wait_for(c.stop_event.wait(), wait)
            except TimeoutError:
                c.meter_wh += self.draw_w(c) * wait / 3600
                if deadline is None or time.monotonic() < deadline:
                    try:
                        await self.transaction_meter(c)
                    except CallFailed as exc:
                        if self.ws is None:
                            break
                        self.stats.error(f"{self.cp_id}: {exc}")
        # The car stops drawing when the transaction ends, before the charger reports it: its TxProfiles
        # end with it and the connector is back on its default limit.
        c.ending = True
        self.profile_book.end_transaction(c.id)
        c.started_wall = None
        if self.ws is not None:
            try:
                await self.stop_transaction(c, c.stop_reason or "Local")
            except CallFailed as exc:
                self.stats.error(f"{self.cp_id}: {exc}")
        self.stats.tx_stopped += 1
        c.ending = False
        c.transaction_id = None
        c.stop_event = None
        c.id_tag = None
        c.remote_start_id = None

    def tx_profile_fits(self, connector: int, profile: Payload) -> bool:
        """A TxProfile needs a running transaction on its connector, the one it names (if it names one)."""
        c = next((c for c in self.connectors if c.id == connector), None)
        if c is None or c.transaction_id is None or c.ending:
            return False
        named = profile.get("transactionId")
        return named is None or str(named) == str(c.transaction_id)

    def draw_w(self, c: Connector) -> float:
        """What the car on `c` draws now: its power, held to the limit of the profiles (0 when idle)."""
        if c.transaction_id is None or c.started_wall is None:
            return 0.0
        limit = self.profile_book.limit_w(c.id, c.started_wall)
        return self.opts.power_w if limit is None else max(0.0, min(self.opts.power_w, limit))

    # ------------------------------------------------------------------ per version
    def boot_payload(self) -> Payload:
        raise NotImplementedError

    async def send_all_status(self) -> None:
        raise NotImplementedError

    async def set_status(self, c: Connector, status: str) -> None:
        raise NotImplementedError

    async def authorize(self, id_tag: str) -> bool:
        raise NotImplementedError

    async def start_transaction(self, c: Connector, id_tag: str, remote_start_id: int | None) -> bool:
        raise NotImplementedError

    async def transaction_meter(self, c: Connector) -> None:
        raise NotImplementedError

    async def stop_transaction(self, c: Connector, reason: str) -> None:
        raise NotImplementedError
