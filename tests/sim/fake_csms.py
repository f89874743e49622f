"""A tiny in-test central system that validates every frame against the OCPP JSON schemas.

It answers the charger's CALLs with canned, valid answers, records them, and lets a test send CALLs to a
connected charger. Any frame that breaks its schema is recorded in ``violations`` (tests assert it stays
empty), so the simulator is checked against the schemas the ``ocpp`` package ships.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from jsonschema.validators import validator_for
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

import ocpp

SCHEMAS = Path(ocpp.__file__).parent


@cache
def validator(version: str, action: str, response: bool) -> Any:
    if version == "1.6":
        path = SCHEMAS / "v16" / "schemas" / f"{action}{'Response' if response else ''}.json"
    else:
        path = SCHEMAS / "v201" / "schemas" / f"{action}{'Response' if response else 'Request'}.json"
    schema = json.loads(path.read_text())
    cls = validator_for(schema)
    return cls(schema)


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class FakeCSMS:
    """Accepts chargers on ``ws://127.0.0.1:<port>/OCPP/<id>``; one instance per test."""

    def __init__(self, version: str, boot_status: str = "Accepted", interval: int = 300) -> None:
        self.version = version
        self.subprotocol = "ocpp1.6" if version == "1.6" else "ocpp2.0.1"
        self.boot_status = boot_status
        self.interval = interval
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.violations: list[str] = []
        self.conns: dict[str, ServerConnection] = {}
        self.connects: dict[str, int] = {}
        self.headers: dict[str, str | None] = {}
        self.pending: dict[str, tuple[str, asyncio.Future[Any]]] = {}
        self._ids = itertools.count(1)
        self._tx = itertools.count(100)
        self.server: Server | None = None
        self.url = ""

    async def __aenter__(self) -> FakeCSMS:
        self.server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            subprotocols=[self.subprotocol],
            compression=None,  # type: ignore[list-item]
        )
        port = next(iter(self.server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/OCPP"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    def check(self, action: str, payload: Any, response: bool) -> None:
        try:
            errors = list(validator(self.version, action, response).iter_errors(payload))
        except FileNotFoundError:
            self.violations.append(f"no schema for {action}")
            return
        for e in errors:
            self.violations.append(f"{action}{' response' if response else ''}: {e.message} in {payload}")

    def answer(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        v16 = self.version == "1.6"
        if action == "BootNotification":
            return {"status": self.boot_status, "currentTime": now(), "interval": self.interval}
        if action == "Heartbeat":
            return {"currentTime": now()}
        if action == "Authorize":
            return {"idTagInfo": {"status": "Accepted"}} if v16 else {"idTokenInfo": {"status": "Accepted"}}
        if action == "StartTransaction":
            return {"transactionId": next(self._tx), "idTagInfo": {"status": "Accepted"}}
        if action == "TransactionEvent" and payload.get("eventType") == "Started":
            return {"idTokenInfo": {"status": "Accepted"}}
        return {}

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        cp_id = ws.request.path.rsplit("/", 1)[-1]
        self.headers[cp_id] = ws.request.headers.get("Authorization")
        self.conns[cp_id] = ws
        self.connects[cp_id] = self.connects.get(cp_id, 0) + 1
        try:
            async for raw in ws:
                if not isinstance(raw, str):
                    self.violations.append("binary frame")
                    continue
                msg = orjson.loads(raw)
                if msg[0] == 2:
                    _, msg_id, action, payload = msg
                    self.check(action, payload, response=False)
                    self.received.append((cp_id, action, payload))
                    answer = self.answer(action, payload)
                    self.check(action, answer, response=True)
                    await ws.send(orjson.dumps([3, msg_id, answer]).decode())
                elif msg[0] in (3, 4):
                    action, fut = self.pending.pop(msg[1])
                    if msg[0] == 3:
                        self.check(action, msg[2], response=True)
                    fut.set_result(msg)
                else:
                    self.violations.append(f"bad frame {raw}")
        except ConnectionClosed:
            pass
        finally:
            if self.conns.get(cp_id) is ws:
                del self.conns[cp_id]

    async def call(
        self, cp_id: str, action: str, payload: dict[str, Any], validate: bool = True
    ) -> list[Any]:
        """Send a CALL to a charger; return its raw answer frame ([3, id, payload] or [4, id, ...])."""
        if validate:
            self.check(action, payload, response=False)
        msg_id = f"srv-{next(self._ids)}"
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = (action, fut)
        await self.conns[cp_id].send(orjson.dumps([2, msg_id, action, payload]).decode())
        result: list[Any] = await asyncio.wait_for(fut, 5)
        return result

    def actions(self, cp_id: str | None = None) -> list[str]:
        return [a for c, a, _ in self.received if cp_id is None or c == cp_id]

    def messages(self, action: str, cp_id: str | None = None) -> list[dict[str, Any]]:
        return [p for c, a, p in self.received if a == action and (cp_id is None or c == cp_id)]

    async def wait_for(self, predicate: Any, within: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        while not predicate():
            if loop.time() > end:
                raise AssertionError(f"condition not met in {within} s; received {self.received[-10:]}")
            await asyncio.sleep(0.02)
