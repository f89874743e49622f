"""The commands beyond the seed, end to end for a 1.6 and a 2.0.1 charger."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import is16
from tests.support.server import RunningServer


async def test_trigger_message(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        assert (await api.get("/API/TriggerMessage/CP1/StatusNotification/2")).json() == {
            "status": "Accepted"
        }
        wire = charger.rec.last("TriggerMessage")
        assert wire["requested_message"] == "StatusNotification"
        assert wire.get("connector_id" if is16(charger) else "evse") == (2 if is16(charger) else {"id": 2})
        charger.rec.answers["TriggerMessage"] = "Rejected"
        assert (await api.post("/API/TriggerMessage/CP1/Heartbeat")).json() == {"status": "Rejected"}
        assert charger.rec.last("TriggerMessage") == {"requested_message": "Heartbeat"}


async def test_change_availability(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        assert (await api.get("/API/ChangeAvailability/CP1/1/inoperative")).json() == {"status": "Accepted"}
        wire = charger.rec.last("ChangeAvailability")
        if is16(charger):
            assert wire == {"connector_id": 1, "type": "Inoperative"}
        else:
            assert wire == {"operational_status": "Inoperative", "evse": {"id": 1}}
        charger.rec.answers["ChangeAvailability"] = "Scheduled"
        assert (await api.get("/API/ChangeAvailability/CP1/0/Operative")).json() == {"status": "Scheduled"}
        bad = await api.get("/API/ChangeAvailability/CP1/1/Sometimes")
        assert bad.status_code == 400 and "availability 'Sometimes'" in bad.json()["detail"]


async def test_clear_cache(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        assert (await api.get("/API/ClearCache/CP1")).json() == {"status": "Accepted"}
        charger.rec.answers["ClearCache"] = "Rejected"
        assert (await api.get("/API/ClearCache/CP1")).json() == {"status": "Rejected"}
    assert charger.rec.actions() == ["ClearCache", "ClearCache"]


async def test_data_transfer_sends_the_body_as_data(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.post("/API/DataTransfer/CP1/com.example/ping", content="hello")
        assert answer.json() == {"status": "Accepted", "data": "echo:hello"}
        assert charger.rec.last("DataTransfer") == {
            "vendor_id": "com.example",
            "message_id": "ping",
            "data": "hello",
        }
        charger.rec.answers["DataTransfer"] = "UnknownVendorId"
        answer = await api.get("/API/DataTransfer/CP1/other")
        assert answer.json()["status"] == "UnknownVendorId"
        assert charger.rec.last("DataTransfer") == {"vendor_id": "other"}


async def test_reserve_now_and_cancel(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.get(
            "/API/ReserveNow/CP1/1/tag42", params={"expiry": "2030-01-31T18:00:00Z", "reservationId": "77"}
        )
        assert answer.json() == {"status": "Accepted", "reservationId": 77}
        wire = charger.rec.last("ReserveNow")
        if is16(charger):
            assert (wire["connector_id"], wire["id_tag"], wire["reservation_id"]) == (1, "tag42", 77)
            assert wire["expiry_date"].startswith("2030-01-31T18:00:00")
        else:
            assert (wire["evse_id"], wire["id"], wire["id_token"]["id_token"]) == (1, 77, "tag42")
            assert wire["expiry_date_time"].startswith("2030-01-31T18:00:00")
        generated = (await api.get("/API/ReserveNow/CP1/1/tag42")).json()["reservationId"]
        assert isinstance(generated, int) and generated > 0
        bad = await api.get("/API/ReserveNow/CP1/1/tag42", params={"expiry": "tomorrow"})
        assert bad.status_code == 400 and "expiry" in bad.json()["detail"]
        assert (await api.get("/API/CancelReservation/CP1/77")).json() == {"status": "Accepted"}
        assert charger.rec.last("CancelReservation") == {"reservation_id": 77}
        charger.rec.answers["CancelReservation"] = "Rejected"
        assert (await api.get("/API/CancelReservation/CP1/78")).json() == {"status": "Rejected"}


async def test_local_list(server: RunningServer, charger: Any) -> None:
    body = {
        "listVersion": 3,
        "updateType": "Full",
        "entries": [{"idTag": "a1"}, {"idTag": "b2", "status": "Blocked"}],
    }
    async with server.api() as api:
        assert (await api.post("/API/SendLocalList/CP1", json=body)).json() == {"status": "Accepted"}
        wire = charger.rec.last("SendLocalList")
        assert wire["update_type"] == "Full"
        if is16(charger):
            assert wire["list_version"] == 3
            assert wire["local_authorization_list"] == [
                {"id_tag": "a1", "id_tag_info": {"status": "Accepted"}},
                {"id_tag": "b2", "id_tag_info": {"status": "Blocked"}},
            ]
        else:
            assert wire["version_number"] == 3
            assert [e["id_token"]["id_token"] for e in wire["local_authorization_list"]] == ["a1", "b2"]
        bad = await api.post("/API/SendLocalList/CP1", json={"updateType": "Sometimes"})
        assert bad.status_code == 400
        assert "listVersion" in bad.json()["detail"] and "updateType" in bad.json()["detail"]
        assert (await api.post("/API/SendLocalList/CP1")).status_code == 400
        answer = await api.get("/API/GetLocalListVersion/CP1")
        assert answer.json() == {"status": "Accepted", "listVersion": 7}
    assert charger.rec.actions() == ["SendLocalList", "GetLocalListVersion"]


async def test_diagnostics_and_firmware(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        # (/API/GetLog is its own command now: tests/api/test_logs_and_firmware.py)
        answer = await api.get("/API/GetDiagnostics/CP1", params={"location": "ftp://logs.example/up"})
        assert answer.status_code == 200 and answer.json()["status"] == "Accepted"
        if is16(charger):
            assert answer.json()["fileName"] == "diag-1.zip"
            assert charger.rec.last("GetDiagnostics") == {"location": "ftp://logs.example/up"}
        else:
            assert answer.json()["filename"] == "log-1.zip"
            wire = charger.rec.last("GetLog")
            assert wire["log"] == {"remote_location": "ftp://logs.example/up"}
            assert wire["log_type"] == "DiagnosticsLog"
        missing = await api.get("/API/GetDiagnostics/CP1")
        assert missing.status_code == 400 and "location" in missing.json()["detail"]

        answer = await api.get(
            "/API/UpdateFirmware/CP1",
            params={
                "location": "https://fw.example/1.2.bin",
                "retrieveDate": "2030-02-01T00:00:00Z",
                "retries": 2,
            },
        )
        assert answer.json()["status"] == "Accepted"
        wire = charger.rec.last("UpdateFirmware")
        if is16(charger):
            assert wire["location"] == "https://fw.example/1.2.bin" and wire["retries"] == 2
            assert wire["retrieve_date"].startswith("2030-02-01T00:00:00")
        else:
            assert wire["firmware"]["location"] == "https://fw.example/1.2.bin" and wire["retries"] == 2
        bad = await api.get("/API/UpdateFirmware/CP1", params={"location": "x", "retries": "many"})
        assert bad.status_code == 400 and "retries" in bad.json()["detail"]


async def test_get_composite_schedule(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.get("/API/GetCompositeSchedule/CP1/1", params={"duration": 3600, "unit": "a"})
        assert answer.json()["status"] == "Accepted"
        wire = charger.rec.last("GetCompositeSchedule")
        key = "connector_id" if is16(charger) else "evse_id"
        assert (wire[key], wire["duration"], wire["charging_rate_unit"]) == (1, 3600, "A")
        charger.rec.answers["GetCompositeSchedule"] = "Rejected"
        assert (await api.get("/API/GetCompositeSchedule/CP1/1")).json()["status"] == "Rejected"
        assert charger.rec.last("GetCompositeSchedule")["duration"] == 86400
        bad = await api.get("/API/GetCompositeSchedule/CP1/1", params={"unit": "kW"})
        assert bad.status_code == 400 and "unit" in bad.json()["detail"]
