"""End to end: the 2.x operations an operator can send, answered by the simulator through the real server.

What an operator trying the product with `chargegrid sim` sees: each operation answered as a station
would (the server checks every answer and every follow-up message against the OCPP schemas; a broken
one would show as InvalidResponse or as a simulator error), the reports that follow (NotifyReport,
NotifyMonitoringReport, NotifyDisplayMessages, NotifyCustomerInformation, PublishFirmware status) stored
and readable, and a GetVariables longer than the station's ItemsPerMessage split to fit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from chargegrid.sim import Fleet
from tests.sim.test_e2e import ServerFactory, simulated
from tests.support.server import RunningServer
from tests.support.tls_certs import make_ca

WAIT = 20.0  # generous: the machine running the suite is shared


@asynccontextmanager
async def one_station(
    server_factory: ServerFactory, version: str
) -> AsyncIterator[tuple[RunningServer, Fleet, str, httpx.AsyncClient]]:
    """A server with one simulated station of `version` connected, and an API client."""
    async with server_factory(unknown_chargers="accept") as srv, simulated(srv, version) as fleet:
        cp = fleet.opts.ids()[0]
        await srv.wait_for(lambda: cp in srv.services.registry, timeout=WAIT)
        async with srv.api() as api:
            yield srv, fleet, cp, api


async def raw(api: httpx.AsyncClient, cp: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    answer = await api.post(f"/API/Ocpp/{cp}/{action}", json=payload)
    assert answer.status_code == 200, (action, answer.status_code, answer.text)
    body: dict[str, Any] = answer.json()
    return body


async def stored(api: httpx.AsyncClient, path: str) -> dict[str, Any] | None:
    answer = await api.get(path)
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, (path, answer.text)
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_device_model_and_split_variables(server_factory: ServerFactory, version: str) -> None:
    async with one_station(server_factory, version) as (srv, fleet, cp, api):
        report = await api.post(f"/API/GetBaseReport/{cp}")
        assert report.json()["status"] == "Accepted"

        async def inventory() -> list[dict[str, Any]]:
            variables: list[dict[str, Any]] = (await api.get(f"/API/Variables/{cp}")).json()["variables"]
            return variables

        async def limits_reported() -> bool:  # the EVSE comes in the last part
            return any(v["component"] == "EVSE" for v in await inventory())

        await srv.wait_for(limits_reported, timeout=WAIT)
        names = {(v["component"], v["variable"], v["variableInstance"]) for v in await inventory()}
        assert ("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables") in names
        assert ("EVSE", "AvailabilityState", None) in names

        # 10 entries; the station takes 8 per message and refuses more with a CallError.
        wanted = [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}] * 5 + [
            {"component": "ChargingStation", "variable": "Model"}
        ] * 5
        read = await api.post(f"/API/GetVariables/{cp}", json={"variables": wanted})
        assert read.status_code == 200, read.text
        results = read.json()["results"]
        assert [r["variable"] for r in results] == [w["variable"] for w in wanted]
        assert {r["attributeStatus"] for r in results} == {"Accepted"}
        assert results[-1]["value"] == "Sim-1"

        partial = await api.post(f"/API/GetReport/{cp}", json={"components": [{"component": "EVSE"}]})
        assert partial.json()["status"] == "Accepted"
        problems = await api.post(f"/API/GetReport/{cp}", json={"criteria": ["Problem"]})
        assert problems.json()["status"] == "EmptyResultSet"
    assert fleet.stats.errors == 0, fleet.stats.last_error


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_display_messages_monitoring_and_customer_information(
    server_factory: ServerFactory, version: str
) -> None:
    async with one_station(server_factory, version) as (srv, fleet, cp, api):
        await check_display_messages(srv, api, cp)
        await check_monitoring(srv, api, cp)
        asked = await api.post(f"/API/CustomerInformation/{cp}", json={"idToken": "TAG1", "report": True})
        assert asked.json()["status"] == "Accepted", asked.text
        request_id = asked.json()["requestId"]

        async def told() -> dict[str, Any] | None:
            return await stored(api, f"/API/CustomerInformation/{cp}/{request_id}")

        await srv.wait_for(told, timeout=WAIT)
        info = await told()
        assert info is not None and info["complete"] and "customer TAG1" in info["data"]
    assert fleet.stats.errors == 0, fleet.stats.last_error


async def check_display_messages(srv: RunningServer, api: httpx.AsyncClient, cp: str) -> None:
    message = {"id": 7, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hello"}}
    assert (await raw(api, cp, "SetDisplayMessage", {"message": message}))["status"] == "Accepted"
    asked = await raw(api, cp, "GetDisplayMessages", {"requestId": 501})
    assert asked["status"] == "Accepted"

    async def reported() -> dict[str, Any] | None:
        return await stored(api, f"/API/DisplayMessages/{cp}?requestId=501")

    await srv.wait_for(reported, timeout=WAIT)
    shown = await reported()
    assert shown is not None and [m["message"]["content"] for m in shown["messages"]] == ["Hello"]
    assert (await raw(api, cp, "ClearDisplayMessage", {"id": 7}))["status"] == "Accepted"
    assert (await raw(api, cp, "ClearDisplayMessage", {"id": 7}))["status"] == "Unknown"
    assert (await raw(api, cp, "GetDisplayMessages", {"requestId": 502}))["status"] == "Unknown"


async def check_monitoring(srv: RunningServer, api: httpx.AsyncClient, cp: str) -> None:
    monitor = {
        "value": 400,
        "type": "UpperThreshold",
        "severity": 4,
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "HeartbeatInterval"},
    }
    unknown = {**monitor, "component": {"name": "NoSuchCtrlr"}}
    answer = await raw(api, cp, "SetVariableMonitoring", {"setMonitoringData": [monitor, unknown]})
    results = answer["payload"]["setMonitoringResult"]
    assert [r["status"] for r in results] == ["Accepted", "UnknownComponent"]
    monitor_id = results[0]["id"]
    assert (await raw(api, cp, "SetMonitoringLevel", {"severity": 5}))["status"] == "Accepted"
    assert (await raw(api, cp, "SetMonitoringBase", {"monitoringBase": "All"}))["status"] == "Accepted"
    assert (await raw(api, cp, "GetMonitoringReport", {"requestId": 601}))["status"] == "Accepted"

    async def reported() -> dict[str, Any] | None:
        return await stored(api, f"/API/Monitoring/{cp}?requestId=601")

    await srv.wait_for(reported, timeout=WAIT)
    shown = await reported()
    assert shown is not None
    assert [m["variableMonitoring"][0]["id"] for m in shown["monitors"]] == [monitor_id]
    cleared = await raw(api, cp, "ClearVariableMonitoring", {"id": [monitor_id, 999]})
    assert [r["status"] for r in cleared["payload"]["clearMonitoringResult"]] == ["Accepted", "NotFound"]


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_profiles_firmware_network_and_certificates(
    server_factory: ServerFactory, version: str
) -> None:
    async with one_station(server_factory, version) as (srv, fleet, cp, api):
        profile = {
            "id": 31,
            "stackLevel": 1,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": [
                {
                    "id": 1,
                    "startSchedule": "2026-01-01T00:00:00Z",
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7000}],
                }
            ],
        }
        set_profile = await raw(api, cp, "SetChargingProfile", {"evseId": 1, "chargingProfile": profile})
        assert set_profile["status"] == "Accepted"
        got = await raw(api, cp, "GetChargingProfiles", {"requestId": 701, "chargingProfile": {}})
        assert got["status"] == "Accepted"
        none = await raw(
            api, cp, "GetChargingProfiles", {"requestId": 702, "chargingProfile": {"stackLevel": 9}}
        )
        assert none["status"] == "NoProfiles"
        schedule = await raw(api, cp, "GetCompositeSchedule", {"evseId": 1, "duration": 600})
        assert schedule["payload"]["schedule"]["chargingSchedulePeriod"][0]["limit"] == 7000

        status = await raw(api, cp, "GetTransactionStatus", {})
        assert status["payload"] == {"messagesInQueue": False}

        network = {
            "configurationSlot": 2,
            "connectionData": {
                "ocppVersion": "OCPP20",
                "ocppTransport": "JSON",
                "ocppCsmsUrl": "wss://csms.example/ocpp",
                "messageTimeout": 30,
                "securityProfile": 2,
                "ocppInterface": "Wired0",
            },
        }
        assert (await raw(api, cp, "SetNetworkProfile", network))["status"] == "Accepted"

        publish = {"location": "https://fw.example/sim-2.0.bin", "checksum": "a" * 32, "requestId": 801}
        assert (await raw(api, cp, "PublishFirmware", publish))["status"] == "Accepted"

        async def published() -> bool:
            firmware = (await api.get(f"/API/Firmware/{cp}")).json()
            return any(p["status"] == "Published" for p in firmware["publications"])

        await srv.wait_for(published, timeout=WAIT)
        assert (await raw(api, cp, "UnpublishFirmware", {"checksum": "a" * 32}))["status"] == "Unpublished"
        assert (await raw(api, cp, "UnpublishFirmware", {"checksum": "a" * 32}))["status"] == "NoFirmware"

        root = make_ca("Sim test root").cert_pem().decode()
        install = {"certificateType": "CSMSRootCertificate", "certificate": root}
        assert (await raw(api, cp, "InstallCertificate", install))["status"] == "Accepted"
        listed = await raw(api, cp, "GetInstalledCertificateIds", {})
        chain = listed["payload"]["certificateHashDataChain"]
        assert [c["certificateType"] for c in chain] == ["CSMSRootCertificate"]
        hash_data = chain[0]["certificateHashData"]
        deleted = await raw(api, cp, "DeleteCertificate", {"certificateHashData": hash_data})
        assert deleted["status"] == "Accepted"
        assert (await raw(api, cp, "GetInstalledCertificateIds", {}))["status"] == "NotFound"
    assert fleet.stats.errors == 0, fleet.stats.last_error
