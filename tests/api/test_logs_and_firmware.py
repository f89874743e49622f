"""Log uploads and firmware updates: what goes on the wire per version, and the kept histories."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.api.helpers import is16
from tests.support.chargers import connected
from tests.support.server import RunningServer

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


async def test_get_log_on_both_versions_with_its_history(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.post(
            "/API/GetLog/CP1",
            params={
                "location": "https://logs.example/up",
                "logType": "securitylog",
                "oldest": "2030-01-01T00:00:00Z",
            },
        )
        body = answer.json()
        assert answer.status_code == 200 and body["status"] == "Accepted"
        request_id = body["requestId"]
        wire = charger.rec.last("GetLog")  # GetLog for 1.6 too (Security Extension)
        assert wire["log_type"] == "SecurityLog" and wire["request_id"] == request_id
        assert wire["log"]["remote_location"] == "https://logs.example/up"
        assert wire["log"]["oldest_timestamp"].startswith("2030-01-01T00:00:00")
        assert body["filename"] == ("log-16.zip" if is16(charger) else "log-1.zip")
        call = call16 if is16(charger) else call201
        await charger.call(call.LogStatusNotification(status="Uploading", request_id=request_id))
        await charger.call(call.LogStatusNotification(status="Uploaded", request_id=request_id))

        # GetDiagnostics keeps its meaning (1.6 GetDiagnostics), and is kept in the same history
        diagnostics = await api.get("/API/GetDiagnostics/CP1", params={"location": "ftp://d.example/"})
        assert diagnostics.status_code == 200
        assert charger.rec.actions()[-1] == ("GetDiagnostics" if is16(charger) else "GetLog")
        if is16(charger):
            await charger.call(call16.DiagnosticsStatusNotification(status="UploadFailed"))
        logs = (await api.get("/API/Logs/CP1")).json()
        newest, first = logs["requests"]
        assert first["requestId"] == request_id and first["action"] == "GetLog"
        assert first["parameters"]["log_type"] == "SecurityLog" and first["answerStatus"] == "Accepted"
        assert first["status"] == "Uploaded"
        assert [h["status"] for h in first["history"]] == ["Uploading", "Uploaded"]
        assert newest["action"] == "GetDiagnostics"
        if is16(charger):
            assert newest["status"] == "UploadFailed"
            assert newest["history"][0]["message"] == "DiagnosticsStatusNotification"

        missing = await api.get("/API/GetLog/CP1")
        assert missing.status_code == 400 and "location" in missing.json()["detail"]


async def test_get_log_failures_leave_no_request_behind(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    async with connected(server, "CP1") as charger, server.api() as api:
        charger.rec.answers["GetLog"] = "Perhaps"  # not a GetLog status
        answer = await api.get("/API/GetLog/CP1", params={"location": "https://logs.example/up"})
        assert answer.status_code == 502 and answer.json()["status"] == "InvalidResponse"
        assert (await api.get("/API/Logs/CP1")).json()["requests"] == []
        # a status report nobody asked for is still kept
        await charger.call(call16.DiagnosticsStatusNotification(status="Idle"))
        [row] = (await api.get("/API/Logs/CP1")).json()["requests"]
        assert (row["action"], row["status"]) == (None, "Idle")


async def test_signed_firmware_update_and_firmware_state(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        answer = await api.post(
            "/API/UpdateFirmware/CP1",
            params={"location": "https://fw.example/2.0.bin", "retrieveDate": "2030-01-01T00:00:00Z"},
            json={"signingCertificate": PEM, "signature": "c2lnbmF0dXJl"},
        )
        body = answer.json()
        assert body["status"] == "Accepted"
        request_id = body["requestId"]
        if is16(charger):
            wire = charger.rec.last("SignedUpdateFirmware")
            await charger.call(
                call16.SignedFirmwareStatusNotification(status="Downloading", request_id=request_id)
            )
            await charger.call(
                call16.SignedFirmwareStatusNotification(status="InvalidSignature", request_id=request_id)
            )
        else:
            wire = charger.rec.last("UpdateFirmware")
            await charger.call(
                call201.FirmwareStatusNotification(status="Downloading", request_id=request_id)
            )
            await charger.call(
                call201.FirmwareStatusNotification(status="InvalidSignature", request_id=request_id)
            )
        assert wire["request_id"] == request_id
        assert (
            wire["firmware"]["signing_certificate"] == PEM and wire["firmware"]["signature"] == "c2lnbmF0dXJl"
        )
        assert wire["firmware"]["location"] == "https://fw.example/2.0.bin"

        # unsigned: 1.6 UpdateFirmware (its FirmwareStatusNotification has no request id)
        plain = await api.get("/API/UpdateFirmware/CP1", params={"location": "https://fw.example/2.1.bin"})
        assert plain.json()["status"] == "Accepted"
        if is16(charger):
            assert charger.rec.actions()[-1] == "UpdateFirmware"
            await charger.call(call16.FirmwareStatusNotification(status="Installed"))
        else:
            rid = plain.json()["requestId"]
            await charger.call(call201.FirmwareStatusNotification(status="Installed", request_id=rid))
        # a triggered Idle report (no request id) is kept but does not hide how the update ended
        idle = call16.FirmwareStatusNotification if is16(charger) else call201.FirmwareStatusNotification
        await charger.call(idle(status="Idle"))
        state = (await api.get("/API/Firmware/CP1")).json()
        assert state["state"] == "Installed"
        assert state["updates"][0]["history"][-1]["status"] == "Idle"
        newest, signed = state["updates"]
        assert signed["requestId"] == request_id and signed["status"] == "InvalidSignature"
        assert [h["status"] for h in signed["history"]] == ["Downloading", "InvalidSignature"]
        assert signed["parameters"]["signature"] == "c2lnbmF0dXJl"
        assert newest["parameters"]["location"] == "https://fw.example/2.1.bin"

        if is16(charger):  # SignedUpdateFirmware needs both (2.x makes each optional)
            half = await api.get("/API/UpdateFirmware/CP1", params={"location": "x", "signature": "c2ln"})
            assert half.status_code == 400 and "signingCertificate" in half.json()["detail"]
        assert (await api.get("/API/Firmware/NOPE")).status_code == 404


async def test_publish_and_unpublish_firmware(server: RunningServer, charger: Any) -> None:
    checksum = "0123456789abcdef0123456789abcdef"
    async with server.api() as api:
        publish = await api.post(
            "/API/PublishFirmware/CP1", params={"location": "https://fw.example/lc.bin", "checksum": checksum}
        )
        unpublish = await api.post("/API/UnpublishFirmware/CP1", params={"checksum": checksum})
        if is16(charger):
            for refused in (publish, unpublish):
                assert refused.status_code == 400 and "2.x only" in refused.json()["detail"]
            assert "PublishFirmware" not in charger.rec.actions()
            return
        request_id = publish.json()["requestId"]
        assert publish.json() == {"status": "Accepted", "requestId": request_id}
        assert charger.rec.last("PublishFirmware") == {
            "location": "https://fw.example/lc.bin",
            "checksum": checksum,
            "request_id": request_id,
        }
        assert unpublish.json() == {"status": "Unpublished"}
        assert charger.rec.last("UnpublishFirmware") == {"checksum": checksum}
        await charger.call(
            call201.PublishFirmwareStatusNotification(
                status="Published", location=["http://lc.local/fw.bin"], request_id=request_id
            )
        )
        state = (await api.get("/API/Firmware/CP1")).json()
        unpublished, published = state["publications"]
        assert unpublished["action"] == "UnpublishFirmware" and unpublished["answerStatus"] == "Unpublished"
        assert published["status"] == "Published"
        assert published["history"][0]["location"] == ["http://lc.local/fw.bin"]
        assert state["state"] is None  # no update was asked for
        missing = await api.post("/API/UnpublishFirmware/CP1")
        assert missing.status_code == 400 and "checksum" in missing.json()["detail"]
