"""Malformed, invalid and oversized frames get answers in the version's own terms; the connection stays."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.frames import Frame, Opcode

from tests.support.server import RunningServer


async def exchange(ws: websockets.ClientConnection, frame: str) -> list[object]:
    await ws.send(frame)
    answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert isinstance(answer, list)
    return answer


CASES_16 = [
    ("not json", [4, "-1", "FormationViolation"]),
    ('{"a": 1}', [4, "-1", "FormationViolation"]),
    ('[2, "m1", "Heartbeat"]', [4, "m1", "FormationViolation"]),
    ('[7, "m2", "Heartbeat", {}]', [4, "m2", "NotSupported"]),
    ('[2, "m3", "NoSuchAction", {}]', [4, "m3", "NotImplemented"]),
    ('[2, "m4", "Reset", {"type": "Hard"}]', [4, "m4", "NotSupported"]),
    ('[2, "m5", "BootNotification", {"chargePointModel": "M"}]', [4, "m5", "OccurenceConstraintViolation"]),
    (
        '[2, "m6", "BootNotification", {"chargePointVendor": 5, "chargePointModel": "M"}]',
        [4, "m6", "TypeConstraintViolation"],
    ),
    (
        '[2, "m7", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Dancing"}]',
        [4, "m7", "PropertyConstraintViolation"],
    ),
    ('[2, "m8", "Heartbeat", []]', [4, "m8", "FormationViolation"]),
    ('[2, "m9", "Heartbeat", {"extra": 1}]', [4, "m9", "FormationViolation"]),
]

CASES_201 = [
    ("not json", [4, "-1", "RpcFrameworkError"]),
    ('[2, "m1", "Heartbeat"]', [4, "m1", "RpcFrameworkError"]),
    ('[7, "m2", "Heartbeat", {}]', [4, "m2", "MessageTypeNotSupported"]),
    ('[2, "m3", "NoSuchAction", {}]', [4, "m3", "NotImplemented"]),
    ('[2, "m5", "BootNotification", {"reason": "PowerUp"}]', [4, "m5", "OccurrenceConstraintViolation"]),
    ('[2, "m9", "Heartbeat", {"extra": 1}]', [4, "m9", "FormatViolation"]),
]


@pytest.mark.parametrize(("protocol", "cases"), [("ocpp1.6", CASES_16), ("ocpp2.0.1", CASES_201)])
async def test_bad_frames_get_callerrors_and_the_connection_stays_up(
    server: RunningServer, protocol: str, cases: list[tuple[str, list[object]]]
) -> None:
    await server.add_charge_point("FRAMES")
    async with await server.connect("FRAMES", protocol) as ws:
        for frame, expected in cases:
            answer = await exchange(ws, frame)
            assert answer[:3] == expected, frame
            assert isinstance(answer[3], str) and answer[3], "a CallError must say what was wrong"
        ok = await exchange(ws, '[2, "fine", "Heartbeat", {}]')
        assert ok[0] == 3 and ok[1] == "fine"


async def test_pending_2x_station_gets_security_error_until_accepted(server_factory) -> None:  # type: ignore[no-untyped-def]
    async with server_factory(unknown_chargers="pending") as srv:
        async with await srv.connect("PEND-2X", "ocpp2.0.1") as ws:
            boot = await exchange(
                ws,
                json.dumps(
                    [
                        2,
                        "b",
                        "BootNotification",
                        {"chargingStation": {"vendorName": "V", "model": "M"}, "reason": "PowerUp"},
                    ]
                ),
            )
            assert boot[2]["status"] == "Pending"  # type: ignore[index]
            answer = await exchange(ws, '[2, "h", "Heartbeat", {}]')
            assert answer[:3] == [4, "h", "SecurityError"]


async def test_oversized_frame_closes_only_that_connection(server_factory) -> None:  # type: ignore[no-untyped-def]
    async with server_factory(max_message_size=4096) as srv:
        await srv.add_charge_point("BIG")
        await srv.add_charge_point("SMALL")
        small = await srv.connect("SMALL")
        big = await srv.connect("BIG", max_size=None)
        await big.send(json.dumps([2, "x", "DataTransfer", {"vendorId": "v", "data": "x" * 10_000}]))
        with pytest.raises(websockets.ConnectionClosed) as info:
            await asyncio.wait_for(big.recv(), 5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1009
        answer = await exchange(small, '[2, "ok", "Heartbeat", {}]')
        assert answer[0] == 3
        await small.close()


async def test_late_answer_after_timeout_is_not_taken_by_the_next_call(server_factory) -> None:  # type: ignore[no-untyped-def]
    from chargegrid.ocpp.rpc import CallTimeout

    async with server_factory(call_timeout=1.0) as srv:
        await srv.add_charge_point("LATE")
        async with await srv.connect("LATE") as ws:
            session = srv.services.registry.get("LATE")
            assert session is not None
            first = asyncio.create_task(session.rpc.call("ClearCache", {}))
            call1 = json.loads(await ws.recv())
            with pytest.raises(CallTimeout):
                await first
            second = asyncio.create_task(session.rpc.call("ClearCache", {}))
            call2 = json.loads(await ws.recv())
            await ws.send(json.dumps([3, call1[1], {"status": "Rejected"}]))  # the late answer
            await ws.send(json.dumps([3, call2[1], {"status": "Accepted"}]))
            assert (await second) == {"status": "Accepted"}


async def test_frames_outside_the_direct_path_are_still_served_in_order(server: RunningServer) -> None:
    """Complete text frames go from the transport straight to the session; binary frames, a message sent
    in fragments and the text frame right behind it go websockets' own way, and are answered all the same."""
    await server.add_charge_point("PARTS")
    async with await server.connect("PARTS") as ws:
        await ws.send(b'[2, "bin", "Heartbeat", {}]')
        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answer[:3] == [4, "-1", "FormationViolation"] and "text" in answer[3]
        await ws.send(['[2, "frag", "Heart', 'beat", {}]'])  # one message, two frames
        await ws.send('[2, "next", "Heartbeat", {}]')
        answers = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(2)]
        assert [a[:2] for a in answers] == [[3, "frag"], [3, "next"]]


async def test_text_frame_that_is_not_utf8_closes_the_connection(server: RunningServer) -> None:
    await server.add_charge_point("BYTES")
    async with await server.connect("BYTES") as ws:
        ws.protocol.send_frame(Frame(Opcode.TEXT, b'[2, "x", "Heartbeat", {"a": "\xff"}]'))
        ws.send_data()
        with pytest.raises(websockets.ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1007
