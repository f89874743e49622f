"""Commands that reach the station: the seed's StopTransaction/UnlockConnector and Motown's current set,
each arriving at a library charger (1.6 and 2.0.1) as the right OCPP message with the right ids."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.operator.helpers import command, start_transaction, station, stop_transaction
from tests.support.chargers import connected
from tests.support.server import RunningServer

PROTOCOLS = ["ocpp1.6", "ocpp2.0.1"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_stop_transaction_reaches_the_charger_with_its_id(server: RunningServer, protocol: str) -> None:
    await server.add_charge_point("STOP-1")
    await server.add_tag("TAG-1")
    async with connected(server, "STOP-1", protocol) as charger:
        ref = await start_transaction(charger)
        answer = await command(server, "STOP-1", "StopTransaction", {"transactionId": ref})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "Accepted"
        if protocol == "ocpp1.6":
            assert charger.rec.last("RemoteStopTransaction") == {"transaction_id": int(ref)}
        else:
            assert charger.rec.last("RequestStopTransaction") == {"transaction_id": ref}

        unknown = await command(server, "STOP-1", "StopTransaction", {"transactionId": "987654"})
        assert unknown.status_code == 400 and "no transaction '987654'" in unknown.json()["detail"]
        if protocol == "ocpp1.6":
            not_a_number = await command(server, "STOP-1", "StopTransaction", {"transactionId": "abc"})
            assert not_a_number.status_code == 400 and "integer" in not_a_number.json()["detail"]

        await stop_transaction(charger, ref)
        closed = await command(server, "STOP-1", "StopTransaction", {"transactionId": ref})
        assert closed.status_code == 400 and "already ended" in closed.json()["detail"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_unlock_connector_one_or_every_connector(server: RunningServer, protocol: str) -> None:
    await server.add_charge_point(
        "UNL-1", configuration={"evses": [{"evseId": 1, "connectors": []}, {"evseId": 2, "connectors": []}]}
    )
    async with connected(server, "UNL-1", protocol) as charger:
        one = await command(server, "UNL-1", "UnlockConnector", {"connectorId": 2})
        assert one.status_code == 200 and one.json()["status"] == "Unlocked"
        expected_two = {"connector_id": 2} if protocol == "ocpp1.6" else {"evse_id": 2, "connector_id": 1}
        assert charger.rec.received == [("UnlockConnector", expected_two)]

        charger.rec.received.clear()
        every = await command(server, "UNL-1", "UnlockConnector", {"connectorId": 0})
        assert every.status_code == 200, every.text
        assert every.json()["status"] == "Unlocked"
        assert every.json()["answer"] == {"connectors": {"1": "Unlocked", "2": "Unlocked"}}
        key = "connector_id" if protocol == "ocpp1.6" else "evse_id"
        assert [payload[key] for action, payload in charger.rec.received if action == "UnlockConnector"] == [
            1,
            2,
        ]


async def test_unlock_every_connector_of_a_station_without_known_connectors_is_refused(
    server: RunningServer,
) -> None:
    await server.add_charge_point("UNL-0")
    answer = await command(server, "UNL-0", "UnlockConnector", {"connectorId": 0})
    assert answer.status_code == 400 and "no known connectors" in answer.json()["detail"]


def _motown_cases(protocol: str, tx_id: Any) -> list[tuple[str, dict[str, Any], str, dict[str, Any]]]:
    """(command, payload, OCPP action the charger must receive, fields it must carry)."""
    v16 = protocol == "ocpp1.6"
    token = {"token": "TAG-1"}
    return [
        (
            "RequestStartTransaction",
            {"evseId": 1, "identifyingToken": token},
            "RemoteStartTransaction" if v16 else "RequestStartTransaction",
            {"connector_id": 1, "id_tag": "TAG-1"}
            if v16
            else {"evse_id": 1, "id_token": {"id_token": "TAG-1", "type": "Central"}},
        ),
        (
            "RequestStopTransaction",
            {"id": tx_id},
            "RemoteStopTransaction" if v16 else "RequestStopTransaction",
            {"transaction_id": tx_id},
        ),
        (
            "RequestUnlockEvse",
            {"evseId": 2},
            "UnlockConnector",
            {"connector_id": 2} if v16 else {"evse_id": 2},
        ),
        ("RequestResetChargingStation", {"type": "hard"}, "Reset", {"type": "Hard" if v16 else "Immediate"}),
        (
            "RequestChangeAvailability",
            {"evseId": 1, "availability": "inoperative"},
            "ChangeAvailability",
            {"connector_id": 1, "type": "Inoperative"}
            if v16
            else {"operational_status": "Inoperative", "evse": {"id": 1}},
        ),
        (
            "RequestChangeConfigurationItem",
            {"key": "HeartbeatInterval" if v16 else "OCPPCommCtrlr.HeartbeatInterval", "value": "90"},
            "ChangeConfiguration" if v16 else "SetVariables",
            {"key": "HeartbeatInterval", "value": "90"} if v16 else {},
        ),
        (
            "RequestConfigurationItems",
            {"keys": ["HeartbeatInterval" if v16 else "OCPPCommCtrlr.HeartbeatInterval"]},
            "GetConfiguration" if v16 else "GetVariables",
            {"key": ["HeartbeatInterval"]} if v16 else {},
        ),
        (
            "RequestDataTransfer",
            {"vendorId": "acme", "messageId": "hello", "data": "payload"},
            "DataTransfer",
            {"vendor_id": "acme", "message_id": "hello", "data": "payload"},
        ),
        (
            "RequestDiagnostics",
            {"targetLocation": "ftp://logs.example.com/"},
            "GetDiagnostics" if v16 else "GetLog",
            {"location": "ftp://logs.example.com/"}
            if v16
            else {"log_type": "DiagnosticsLog", "log": {"remote_location": "ftp://logs.example.com/"}},
        ),
        (
            "RequestFirmwareUpdate",
            {
                "location": "https://fw.example.com/v2.bin",
                "retrieveDate": "2030-01-02T03:04:05Z",
                "numRetries": 3,
                "retryInterval": 60,
            },
            "UpdateFirmware",
            {"location": "https://fw.example.com/v2.bin", "retries": 3, "retry_interval": 60}
            if v16
            else {"retries": 3, "retry_interval": 60},
        ),
        ("RequestClearCache", {}, "ClearCache", {}),
        ("RequestAuthorizationListVersion", {}, "GetLocalListVersion", {}),
        (
            "RequestSendAuthorizationList",
            {"items": [{"token": "TAG-9", "status": "blocked"}], "listVersion": 3, "updateType": "full"},
            "SendLocalList",
            {"list_version": 3, "update_type": "Full"}
            if v16
            else {"version_number": 3, "update_type": "Full"},
        ),
        (
            "RequestReserveNow",
            {"evseId": 1, "identifyingToken": token, "expiryDate": "2030-01-01T00:00:00Z"},
            "ReserveNow",
            {"connector_id": 1, "id_tag": "TAG-1"}
            if v16
            else {"evse_id": 1, "id_token": {"id_token": "TAG-1", "type": "Central"}},
        ),
    ]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_motowns_current_commands_reach_the_charger(server: RunningServer, protocol: str) -> None:
    await server.add_charge_point("MOT-1")
    await server.add_tag("TAG-1")
    async with connected(server, "MOT-1", protocol) as charger:
        ref = await start_transaction(charger)
        tx_id: Any = int(ref) if protocol == "ocpp1.6" else ref
        for name, payload, action, fields in _motown_cases(protocol, tx_id):
            charger.rec.received.clear()
            answer = await command(server, "MOT-1", name, payload)
            assert answer.status_code == 200, f"{name}: {answer.text}"
            body = answer.json()
            assert body["command"] == name and body["status"] not in ("Failed", "Timeout", "Offline"), body
            assert [a for a, _ in charger.rec.received] == [action], name
            received = charger.rec.last(action)
            for field, value in fields.items():
                assert received[field] == value, f"{name}: {field} = {received.get(field)!r}"
            if name == "RequestAuthorizationListVersion":
                assert body["answer"]["listVersion"] == 7
            if name == "RequestReserveNow":
                reservation_id = body["answer"]["reservationId"]
                assert received["reservation_id" if protocol == "ocpp1.6" else "id"] == reservation_id

        charger.rec.received.clear()
        cancel = await command(server, "MOT-1", "RequestCancelReservation", {"reservationId": reservation_id})
        assert cancel.json()["status"] == "Accepted"
        assert charger.rec.last("CancelReservation") == {"reservation_id": reservation_id}


async def test_location_opening_times_and_reservable_are_kept_on_the_station(server: RunningServer) -> None:
    await server.add_charge_point("LOC-1")
    place = {
        "coordinates": {"latitude": 52.37, "longitude": 4.89},
        "address": {"addressLine1": "Damrak 1", "city": "Amsterdam", "country": "NL"},
        "accessibility": "PUBLIC",
    }
    assert (await command(server, "LOC-1", "PlaceChargingStation", place)).json()["status"] == "Accepted"
    assert (await station(server, "LOC-1"))["location"] == place
    moved = {**place, "coordinates": {"latitude": 52.0, "longitude": 4.0}}
    await command(server, "LOC-1", "MoveChargingStation", moved)
    await command(server, "LOC-1", "ImproveChargingStationLocation", {"accessibility": "PAYING"})
    assert (await station(server, "LOC-1"))["location"] == {**moved, "accessibility": "PAYING"}

    monday = {"day": "MONDAY", "timeStart": "08:00", "timeStop": "18:00"}
    await command(server, "LOC-1", "SetChargingStationOpeningTimes", {"openingTimes": [monday]})
    await command(
        server,
        "LOC-1",
        "AddChargingStationOpeningTimes",
        {"openingTimes": [{"day": 2, "timeStart": "09:00", "timeStop": "17:00"}]},
    )
    assert (await station(server, "LOC-1"))["openingTimes"] == [
        {"day": "Monday", "timeStart": "08:00", "timeStop": "18:00"},
        {"day": "Tuesday", "timeStart": "09:00", "timeStop": "17:00"},
    ]
    bad = await command(
        server,
        "LOC-1",
        "AddChargingStationOpeningTimes",
        {"openingTimes": [{"day": "Funday", "timeStart": "18:00", "timeStop": "08:00"}]},
    )
    assert bad.status_code == 400 and "openingTimes.0.day" in bad.json()["detail"]

    await command(server, "LOC-1", "UpdateChargingStationReservable", {"reservable": False})
    assert (await station(server, "LOC-1"))["reservable"] is False


async def test_a_command_without_wait_is_pending_then_answered(server: RunningServer) -> None:
    await server.add_charge_point("ASYNC-1")
    async with connected(server, "ASYNC-1") as charger:
        charger.rec.delays["UnlockConnector"] = 0.5
        posted = await command(server, "ASYNC-1", "UnlockConnector", {"connectorId": 1}, wait=False)
        assert posted.status_code == 202
        body = posted.json()
        assert body["command"] == "UnlockConnector" and body["status"] == "Pending"
        url = f"/charging-stations/ASYNC-1/commands/{body['id']}"
        assert posted.headers["location"] == url
        async with server.api() as api:
            assert (await api.get(url)).json()["status"] == "Pending"

            async def answered() -> bool:
                return bool((await api.get(url)).json()["status"] == "Unlocked")

            await server.wait_for(answered)
            assert (await api.get("/charging-stations/OTHER/commands/" + body["id"])).status_code == 404


async def test_offline_and_timeout_are_reported(server_factory: Any) -> None:
    async with server_factory(call_timeout=0.5) as srv:
        await srv.add_charge_point("GONE-1")
        offline = await command(srv, "GONE-1", "RequestResetChargingStation", {"type": "soft"})
        assert offline.json()["status"] == "Offline" and "not connected" in offline.json()["message"]
        async with connected(srv, "GONE-1") as charger:
            charger.rec.delays["Reset"] = 2
            slow = await command(srv, "GONE-1", "RequestResetChargingStation", {"type": "soft"})
            assert slow.json()["status"] == "Timeout"
            await asyncio.sleep(0)
