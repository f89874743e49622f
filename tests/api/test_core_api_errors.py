"""How commands fail: 401, 404, 400, Timeout, CallError, disconnects; and one CALL at a time per charger."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from ocpp.exceptions import NotSupportedError

from tests.support.chargers import connected
from tests.support.server import RunningServer


@pytest.mark.parametrize(
    "path",
    [
        "/API/Status",
        "/API/Reset/CP1",
        "/API/ChargePoints",
        "/API/ChargeTags",
        "/API/Transactions",
        "/API/Bogus/x",
    ],
)
async def test_missing_or_wrong_api_key_is_401(server: RunningServer, path: str) -> None:
    async with server.api(headers={"X-API-Key": ""}) as api:
        missing = await api.get(path)
    async with server.api(headers={"X-API-Key": "test-api-keY"}) as api:
        wrong = await api.get(path)
    for answer in (missing, wrong):
        assert answer.status_code == 401
        assert "X-API-Key" in answer.json()["detail"]
        assert "test-api-key" not in answer.text
    assert "Missing" in missing.json()["detail"]


async def test_unknown_or_offline_charger_is_404(server: RunningServer) -> None:
    await server.add_charge_point("SLEEPING")
    async with server.api() as api:
        for path in ("/API/Reset/NOBODY", "/API/Reset/SLEEPING", "/API/RemoteStopTransaction/SLEEPING/1"):
            answer = await api.get(path)
            assert answer.status_code == 404, path
            assert "not connected" in answer.json()["detail"]


async def test_unknown_command_is_404_listing_the_known_ones(server: RunningServer) -> None:
    async with server.api() as api:
        answer = await api.get("/API/Explode/CP1")
        assert answer.status_code == 404
        assert "unknown command 'Explode'" in answer.json()["detail"]
        assert "Reset" in answer.json()["detail"] and "SetChargingLimit" in answer.json()["detail"]
        wrong_case = await api.get("/API/reset/CP1")
        assert wrong_case.status_code == 404 and "did you mean Reset" in wrong_case.json()["detail"]
        missing_cp = await api.get("/API/Reset")
        assert missing_cp.status_code == 400 and "/API/Reset/{chargePointId}" in missing_cp.json()["detail"]
        # other faces' /API routes are not taken over by the catch-all (405 stays 405)
        assert (await api.patch("/API/ChargeTags")).status_code == 405


async def test_timeout_answers_timeout_and_leaves_nothing_behind(server_factory: Any, protocol: str) -> None:
    async with server_factory(call_timeout=1.0) as server:
        await server.add_charge_point("CP1")
        async with connected(server, "CP1", protocol) as charger, server.api() as api:
            charger.rec.delays["Reset"] = 2.0
            answer = await api.get("/API/Reset/CP1")
            assert (answer.status_code, answer.json()) == (200, {"status": "Timeout"})
            rpc = server.services.registry.get("CP1").rpc  # type: ignore[union-attr]
            assert rpc._pending == {} and not rpc._call_lock.locked()
            await asyncio.sleep(1.2)  # the late answer arrives now and must be dropped, not reused
            charger.rec.delays.clear()
            charger.rec.answers["UnlockConnector"] = "UnlockFailed"
            assert (await api.get("/API/UnlockConnector/CP1/1")).json() == {"status": "UnlockFailed"}
            assert rpc._pending == {}


async def test_call_error_is_502_with_code_and_description(server: RunningServer, charger: Any) -> None:
    charger.rec.errors["Reset"] = NotSupportedError(description="resets are disabled here")
    async with server.api() as api:
        answer = await api.get("/API/Reset/CP1")
    assert answer.status_code == 502
    assert answer.json() == {
        "status": "CallError",
        "errorCode": "NotSupported",
        "description": "resets are disabled here",
    }


async def test_message_breaking_the_schema_is_400_and_not_sent(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.get("/API/TriggerMessage/CP1/NoSuchMessage")
    assert answer.status_code == 400 and "TriggerMessage" in answer.json()["detail"]
    assert "TriggerMessage" not in charger.rec.actions()


async def test_disconnect_during_a_call_is_502_disconnected(server: RunningServer, charger: Any) -> None:
    charger.rec.delays["Reset"] = 5
    async with server.api() as api:
        pending = asyncio.create_task(api.get("/API/Reset/CP1"))
        await server.wait_for(lambda: charger.rec.received)
        await charger._connection.close()
        answer = await asyncio.wait_for(pending, 5)
    assert answer.status_code == 502 and answer.json()["status"] == "Disconnected"


async def test_concurrent_calls_to_one_charger_are_sent_one_after_the_other(
    server: RunningServer, protocol: str
) -> None:
    """A raw websocket charger notes when each CALL arrives and answers it 0.3 s later, concurrently."""
    await server.add_charge_point("RAW")
    ws = await server.connect("RAW", protocol)
    await server.wait_for(lambda: "RAW" in server.services.registry)
    loop = asyncio.get_running_loop()
    log: list[tuple[str, str, float]] = []

    async def answer_later(message_id: str) -> None:
        await asyncio.sleep(0.3)
        log.append(("answered", message_id, loop.time()))
        await ws.send(json.dumps([3, message_id, {"status": "Accepted"}]))

    async def charger_side() -> None:
        tasks = []
        async for text in ws:
            frame = json.loads(text)
            if frame[0] == 2:
                log.append(("received", frame[1], loop.time()))
                tasks.append(asyncio.create_task(answer_later(frame[1])))

    reader = asyncio.create_task(charger_side())
    try:
        async with server.api() as api:
            first, second = await asyncio.gather(api.get("/API/Reset/RAW"), api.get("/API/Reset/RAW"))
        assert first.json() == second.json() == {"status": "Accepted"}
        kinds = [kind for kind, _, _ in log]
        assert kinds == ["received", "answered", "received", "answered"]  # never two CALLs in flight
        assert log[0][1] == log[1][1] and log[2][1] == log[3][1] != log[0][1]
    finally:
        reader.cancel()
        await ws.close()
