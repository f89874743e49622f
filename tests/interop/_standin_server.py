"""Tiny stand-in OCPP CSMS, only for developing the third-party charger drivers.

It is NOT the Chargegrid server and no test suite is built on it: the interop tests in
test_third_party_chargers.py run against the real server. This exists so that the drivers in
runners.py (test-ocpp, ocpp-rpc strict mode) can be exercised before / without the server:

    python tests/interop/_standin_server.py --port 9100 [--password CP1=secret] [--poke]

Answers Boot/Heartbeat/Status/Authorize/StartTransaction/StopTransaction/MeterValues/
TransactionEvent with schema-valid payloads; checks HTTP Basic auth (user = charge point id)
for charge points given a password; with --poke it also sends the charger the calls a CSMS
typically makes after boot (GetConfiguration/GetVariables, TriggerMessage).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

SUBPROTOCOLS = ["ocpp2.0.1", "ocpp1.6"]
CALL, CALLRESULT, CALLERROR = 2, 3, 4


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class StandinState:
    passwords: dict[str, str] = field(default_factory=dict)
    known_tags: set[str] = field(default_factory=lambda: {"TAG1"})
    poke: bool = False
    boots: list[tuple[str, str]] = field(default_factory=list)
    authorizations: list[tuple[str, str, str]] = field(default_factory=list)
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_answers: list[tuple[str, str, Any]] = field(default_factory=list)
    _tx_ids: itertools.count = field(default_factory=lambda: itertools.count(1))


def _cp_id(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _check_auth(state: StandinState, conn: ServerConnection, request: Request) -> Response | None:
    if not request.path.startswith("/OCPP/"):
        return conn.respond(HTTPStatus.NOT_FOUND, "not found\n")
    cp_id = _cp_id(request.path)
    expected = state.passwords.get(cp_id)
    if expected is None:
        return None
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        if user == cp_id and password == expected:
            return None
    resp = conn.respond(HTTPStatus.UNAUTHORIZED, "unauthorized\n")
    resp.headers["WWW-Authenticate"] = 'Basic realm="OCPP"'
    return resp


def _handle(state: StandinState, cp_id: str, proto: str, action: str, p: dict[str, Any]) -> dict[str, Any]:
    if action == "BootNotification":
        state.boots.append((cp_id, proto))
        return {"status": "Accepted", "currentTime": _now(), "interval": 300}
    if action == "Heartbeat":
        return {"currentTime": _now()}
    if action in ("StatusNotification", "MeterValues", "NotifyReport"):
        if action == "MeterValues" and proto == "ocpp1.6" and "transactionId" in p:
            state.transactions[str(p["transactionId"])]["meter_values"].append(p["meterValue"])
        return {}
    if proto == "ocpp1.6":
        if action == "Authorize":
            st = "Accepted" if p["idTag"] in state.known_tags else "Invalid"
            state.authorizations.append((cp_id, p["idTag"], st))
            return {"idTagInfo": {"status": st}}
        if action == "StartTransaction":
            tx = next(state._tx_ids)
            st = "Accepted" if p["idTag"] in state.known_tags else "Invalid"
            state.transactions[str(tx)] = {
                "cp": cp_id,
                "meter_start": p["meterStart"],
                "meter_stop": None,
                "meter_values": [],
            }
            return {"transactionId": tx, "idTagInfo": {"status": st}}
        if action == "StopTransaction":
            state.transactions[str(p["transactionId"])]["meter_stop"] = p["meterStop"]
            return {"idTagInfo": {"status": "Accepted"}} if "idTag" in p else {}
    else:
        if action == "Authorize":
            st = "Accepted" if p["idToken"]["idToken"] in state.known_tags else "Invalid"
            state.authorizations.append((cp_id, p["idToken"]["idToken"], st))
            return {"idTokenInfo": {"status": st}}
        if action == "TransactionEvent":
            info = p["transactionInfo"]
            energy = [
                sv["value"]
                for mv in p.get("meterValue", [])
                for sv in mv["sampledValue"]
                if sv.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register"
            ]
            tx = state.transactions.setdefault(
                info["transactionId"],
                {"cp": cp_id, "meter_start": None, "meter_stop": None, "meter_values": []},
            )
            if p["eventType"] == "Started" and energy:
                tx["meter_start"] = energy[0]
            elif p["eventType"] == "Ended" and energy:
                tx["meter_stop"] = energy[-1]
            elif energy:
                tx["meter_values"].extend(energy)
            if "idToken" in p:
                st = "Accepted" if p["idToken"]["idToken"] in state.known_tags else "Invalid"
                return {"idTokenInfo": {"status": st}}
            return {}
    raise NotImplementedError(action)


async def _poke(
    state: StandinState, ws: ServerConnection, proto: str, pending: dict[str, asyncio.Future]
) -> None:
    calls: list[tuple[str, dict[str, Any]]]
    if proto == "ocpp1.6":
        calls = [
            ("GetConfiguration", {"key": ["HeartbeatInterval", "NoSuchKey"]}),
            ("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}),
        ]
    else:
        calls = [
            (
                "GetVariables",
                {
                    "getVariableData": [
                        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                    ]
                },
            ),
            ("TriggerMessage", {"requestedMessage": "Heartbeat"}),
        ]
    for action, payload in calls:
        msg_id = str(uuid.uuid4())
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        pending[msg_id] = fut
        await ws.send(json.dumps([CALL, msg_id, action, payload]))
        state.client_answers.append((action, "answer", await asyncio.wait_for(fut, 10)))


async def _session(state: StandinState, ws: ServerConnection) -> None:
    cp_id = _cp_id(ws.request.path)
    proto = ws.subprotocol or "ocpp1.6"
    pending: dict[str, asyncio.Future] = {}
    poke_task: asyncio.Task | None = None
    async for raw in ws:
        msg = json.loads(raw)
        if msg[0] in (CALLRESULT, CALLERROR):
            fut = pending.pop(msg[1], None)
            if fut and not fut.done():
                fut.set_result(msg[2:])
            continue
        _, msg_id, action, payload = msg
        try:
            result = _handle(state, cp_id, proto, action, payload)
        except NotImplementedError:
            await ws.send(json.dumps([CALLERROR, msg_id, "NotImplemented", action, {}]))
            continue
        await ws.send(json.dumps([CALLRESULT, msg_id, result]))
        if action == "BootNotification" and state.poke and poke_task is None:
            poke_task = asyncio.create_task(_poke(state, ws, proto, pending))


def _select_subprotocol(conn: ServerConnection, offered: list[str]) -> str | None:
    return next((proto for proto in SUBPROTOCOLS if proto in offered), None)


async def start(state: StandinState, host: str = "127.0.0.1", port: int = 0):
    """Start the stand-in; returns the websockets Server (use server.sockets for the port)."""
    return await serve(
        lambda ws: _session(state, ws),
        host,
        port,
        subprotocols=SUBPROTOCOLS,
        select_subprotocol=_select_subprotocol,
        process_request=lambda conn, req: _check_auth(state, conn, req),
    )


async def _main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=9100)
    ap.add_argument("--password", action="append", default=[], metavar="CP=PW")
    ap.add_argument("--tag", action="append", default=[])
    ap.add_argument("--poke", action="store_true")
    a = ap.parse_args()
    state = StandinState(poke=a.poke)
    state.passwords.update(dict(x.split("=", 1) for x in a.password))
    state.known_tags.update(a.tag)
    server = await start(state, port=a.port)
    print(f"stand-in OCPP server on ws://127.0.0.1:{a.port}/OCPP", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_main())
