"""`POST /API/Ocpp/{cp}/{Action}`: any CSMS message as written, end to end for 1.6 and 2.0.1 chargers."""

from __future__ import annotations

from typing import Any

from ocpp import exceptions as ocpp_errors
from tests.api.helpers import is16
from tests.support.chargers import connected
from tests.support.server import RunningServer


async def test_raw_reset_goes_out_as_written_and_answers_status_and_payload(
    server: RunningServer, charger: Any
) -> None:
    body = {"type": "Hard"} if is16(charger) else {"type": "Immediate", "evseId": 1}
    async with server.api() as api:
        answer = await api.post("/API/Ocpp/CP1/Reset", json=body)
        assert (answer.status_code, answer.json()) == (
            200,
            {"status": "Accepted", "payload": {"status": "Accepted"}},
        )
        charger.rec.answers["Reset"] = "Rejected"
        answer = await api.post("/API/Ocpp/CP1/Reset", json=body)
        assert answer.json()["status"] == "Rejected"
    wire = charger.rec.last("Reset")
    assert wire == ({"type": "Hard"} if is16(charger) else {"type": "Immediate", "evse_id": 1})


async def test_answers_without_status_say_null(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.post("/API/Ocpp/CP1/GetLocalListVersion", json={})
    version_field = "listVersion" if is16(charger) else "versionNumber"
    assert answer.status_code == 200
    assert answer.json()["status"] is None and version_field in answer.json()["payload"]


async def test_bad_requests_send_nothing_and_say_what_to_fix(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        wrong_type = await api.post("/API/Ocpp/CP1/Reset", json={"type": "Sometimes"})
        assert wrong_type.status_code == 400 and "type" in wrong_type.json()["detail"]
        unknown = await api.post("/API/Ocpp/CP1/FlyToTheMoon", json={})
        assert (
            unknown.status_code == 400 and "not a message a central system sends" in unknown.json()["detail"]
        )
        lower = await api.post("/API/Ocpp/CP1/reset", json={"type": "Soft"})
        assert lower.status_code == 400 and "did you mean Reset" in lower.json()["detail"]
        not_object = await api.post("/API/Ocpp/CP1/Reset", content=b"[1, 2]")
        assert not_object.status_code == 400 and "JSON object" in not_object.json()["detail"]
        not_json = await api.post("/API/Ocpp/CP1/Reset", content=b"{type")
        assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["detail"]
        # a message of the other generation: named with the charger's version
        other = "GetBaseReport" if is16(charger) else "GetDiagnostics"
        wrong_version = await api.post(f"/API/Ocpp/CP1/{other}", json={})
        detail = wrong_version.json()["detail"]
        assert wrong_version.status_code == 400 and charger_version(charger) in detail
        offline = await api.post("/API/Ocpp/NOPE/Reset", json={"type": "Soft"})
        assert offline.status_code == 404
    assert charger.rec.received == []


def charger_version(charger: Any) -> str:
    return "ocpp1.6" if is16(charger) else "ocpp2.0.1"


async def test_call_error_and_invalid_answers_are_told_apart(server: RunningServer, charger: Any) -> None:
    # The charger answers a CALLERROR NotImplemented (as the library does without a handler).
    action, body = (
        ("GetInstalledCertificateIds", {"certificateType": "CentralSystemRootCertificate"})
        if is16(charger)
        else (
            "SetNetworkProfile",
            {
                "configurationSlot": 1,
                "connectionData": {
                    "ocppVersion": "OCPP20",
                    "ocppTransport": "JSON",
                    "ocppCsmsUrl": "wss://csms.example.com/ocpp",
                    "messageTimeout": 30,
                    "securityProfile": 1,
                    "ocppInterface": "Wired0",
                },
            },
        )
    )
    charger.rec.errors[action] = ocpp_errors.NotImplementedError(description=f"no {action} here")
    async with server.api() as api:
        answer = await api.post(f"/API/Ocpp/CP1/{action}", json=body)
        assert answer.status_code == 502
        assert answer.json()["status"] == "CallError" and answer.json()["errorCode"] == "NotImplemented"
        charger.rec.answers["ClearCache"] = "Garbage"  # not a ClearCache status: breaks the schema
        garbage = await api.post("/API/Ocpp/CP1/ClearCache", json={})
        assert garbage.status_code == 502 and garbage.json()["status"] == "InvalidResponse"
        assert "status" in garbage.json()["description"]
        # the friendly route tells it the same way (it used to call this a CallError)
        friendly = await api.post("/API/ClearCache/CP1")
        assert (friendly.status_code, friendly.json()["status"]) == (502, "InvalidResponse")


async def test_raw_timeout_is_the_seeds_timeout(server_factory: Any, protocol: str) -> None:
    async with server_factory(call_timeout=0.3) as server:
        await server.add_charge_point("CP1")
        async with connected(server, "CP1", protocol) as charger, server.api() as api:
            charger.rec.delays["ClearCache"] = 0.8
            answer = await api.post("/API/Ocpp/CP1/ClearCache", json={})
            assert (answer.status_code, answer.json()) == (200, {"status": "Timeout"})


async def test_openapi_lists_the_actions_per_version(server: RunningServer) -> None:
    async with server.api() as api:
        spec = (await api.get("/openapi.json")).json()
    text = spec["paths"]["/API/Ocpp/{chargePointId}/{action}"]["post"]["description"]
    assert "ocpp1.6**: CancelReservation" in text and "ExtendedTriggerMessage" in text
    assert "UsePriorityCharging" in text.split("ocpp2.1**")[1]
