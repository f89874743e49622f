"""The simulated chargers against a schema-validating fake central system (1.6 and 2.0.1)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest

from chargegrid.sim import ChargerOptions, Fleet, FleetOptions

from .fake_csms import FakeCSMS

VERSIONS = ["1.6", "2.0.1"]


def fleet_for(csms: FakeCSMS, count: int = 1, **charger: Any) -> Fleet:
    scenario = charger.pop("scenario", "idle")
    opts = FleetOptions(
        count=count,
        version=csms.version,
        scenario=scenario,
        rate=1000,
        charger=ChargerOptions(url=csms.url, **charger),
    )
    return Fleet(opts)


class Running:
    """A fake CSMS plus a started fleet, torn down cleanly."""

    def __init__(self, csms: FakeCSMS, fleet: Fleet) -> None:
        self.csms, self.fleet = csms, fleet
        self.task: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> Running:
        self.task = asyncio.create_task(self.fleet.run())
        assert await self.fleet.wait_booted(5)
        n = self.fleet.opts.count * self.fleet.opts.charger.connectors
        await self.csms.wait_for(lambda: len(self.csms.messages("StatusNotification")) >= n)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.fleet.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, 10)


@pytest.fixture(params=VERSIONS)
async def csms(request: pytest.FixtureRequest) -> AsyncIterator[FakeCSMS]:
    async with FakeCSMS(request.param) as server:
        yield server
        assert server.violations == []


async def test_boot_status_heartbeat(csms: FakeCSMS) -> None:
    async with Running(csms, fleet_for(csms, count=3, heartbeat_interval=0.1)) as r:
        for cp in r.fleet.opts.ids():
            await csms.wait_for(lambda cp=cp: csms.actions(cp).count("Heartbeat") >= 2)
            assert csms.actions(cp)[0] == "BootNotification"
        assert r.fleet.stats.booted == 3
        assert r.fleet.stats.errors == 0
    assert r.fleet.stats.connected == 0


async def test_heartbeat_interval_comes_from_the_server() -> None:
    async with FakeCSMS("1.6", interval=1) as csms, Running(csms, fleet_for(csms)):
        await asyncio.sleep(0.5)
        assert "Heartbeat" not in csms.actions()
        await csms.wait_for(lambda: "Heartbeat" in csms.actions(), within=2)
        assert csms.violations == []


async def test_pending_boot_is_retried() -> None:
    async with FakeCSMS("1.6", boot_status="Pending", interval=1) as csms:
        fleet = fleet_for(csms)
        task = asyncio.create_task(fleet.run())
        await csms.wait_for(lambda: csms.actions().count("BootNotification") >= 1)
        assert fleet.stats.booted == 0
        csms.boot_status = "Accepted"
        assert await fleet.wait_booted(3)
        assert csms.actions().count("BootNotification") == 2
        fleet.stop()
        await task
        assert csms.violations == []


async def test_password_is_sent_as_basic_auth() -> None:
    async with FakeCSMS("1.6") as csms, Running(csms, fleet_for(csms, password="s3cret")) as r:
        cp = r.fleet.opts.ids()[0]
        assert csms.headers[cp] == "Basic " + base64.b64encode(f"{cp}:s3cret".encode()).decode()


async def test_remote_start_and_stop_v16() -> None:
    async with FakeCSMS("1.6") as csms, Running(csms, fleet_for(csms, meter_interval=0.1)) as r:
        cp = r.fleet.opts.ids()[0]
        answer = await csms.call(cp, "RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG42"})
        assert answer[2] == {"status": "Accepted"}
        await csms.wait_for(lambda: len(csms.messages("MeterValues")) >= 2)
        start = csms.messages("StartTransaction")[0]
        assert start["idTag"] == "TAG42" and start["connectorId"] == 1
        tx = csms.messages("MeterValues")[0]["transactionId"]
        assert tx == 100
        statuses = [m["status"] for m in csms.messages("StatusNotification")]
        assert statuses[-2:] == ["Preparing", "Charging"]
        # a second remote start on the busy connector is refused
        busy = await csms.call(cp, "RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG43"})
        assert busy[2] == {"status": "Rejected"}
        assert (await csms.call(cp, "RemoteStopTransaction", {"transactionId": 999}))[2][
            "status"
        ] == "Rejected"
        stop = await csms.call(cp, "RemoteStopTransaction", {"transactionId": tx})
        assert stop[2] == {"status": "Accepted"}
        await csms.wait_for(lambda: csms.messages("StopTransaction"))
        stopped = csms.messages("StopTransaction")[0]
        assert stopped["transactionId"] == tx and stopped["reason"] == "Remote"
        assert stopped["meterStop"] >= start["meterStart"]
        await csms.wait_for(lambda: csms.messages("StatusNotification")[-1]["status"] == "Available")
        assert r.fleet.stats.tx_started == 1 and r.fleet.stats.tx_stopped == 1
        assert csms.violations == []


async def test_request_start_and_stop_v201() -> None:
    async with FakeCSMS("2.0.1") as csms, Running(csms, fleet_for(csms, meter_interval=0.1)) as r:
        cp = r.fleet.opts.ids()[0]
        req = {"idToken": {"idToken": "TAG42", "type": "Central"}, "remoteStartId": 7, "evseId": 1}
        answer = await csms.call(cp, "RequestStartTransaction", req)
        assert answer[2] == {"status": "Accepted"}
        await csms.wait_for(lambda: len(csms.messages("TransactionEvent")) >= 3)
        events = csms.messages("TransactionEvent")
        started = events[0]
        assert started["eventType"] == "Started" and started["triggerReason"] == "RemoteStart"
        assert started["transactionInfo"]["remoteStartId"] == 7
        assert started["idToken"]["idToken"] == "TAG42"
        tx = started["transactionInfo"]["transactionId"]
        assert events[1]["eventType"] == "Updated" and events[1]["seqNo"] == 1
        stop = await csms.call(cp, "RequestStopTransaction", {"transactionId": tx})
        assert stop[2] == {"status": "Accepted"}
        await csms.wait_for(lambda: csms.messages("TransactionEvent")[-1]["eventType"] == "Ended")
        ended = csms.messages("TransactionEvent")[-1]
        assert ended["transactionInfo"] == {
            "transactionId": tx,
            "chargingState": "Idle",
            "stoppedReason": "Remote",
        }
        assert ended["triggerReason"] == "RemoteStop"
        assert csms.violations == []


async def test_charging_scenario_runs_whole_sessions(csms: FakeCSMS) -> None:
    fleet = fleet_for(
        csms, count=2, scenario="charging", meter_interval=0.1, session_seconds=0.35, pause_seconds=0.1
    )
    async with Running(csms, fleet) as r:
        await r.csms.wait_for(lambda: r.fleet.stats.tx_stopped >= 4, within=10)
    acts = csms.actions()
    assert "Authorize" in acts
    if csms.version == "1.6":
        assert {"StartTransaction", "MeterValues", "StopTransaction"} <= set(acts)
    else:
        kinds = {m["eventType"] for m in csms.messages("TransactionEvent")}
        assert kinds == {"Started", "Updated", "Ended"}


COMMANDS_16: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("UnlockConnector", {"connectorId": 1}, {"status": "Unlocked"}),
    ("UnlockConnector", {"connectorId": 9}, {"status": "NotSupported"}),
    ("ClearChargingProfile", {}, {"status": "Unknown"}),
    (
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 2000}],
                },
            },
        },
        {"status": "Accepted"},
    ),
    ("ClearChargingProfile", {"connectorId": 1}, {"status": "Accepted"}),
    ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"}, {"status": "Accepted"}),
    ("ChangeConfiguration", {"key": "NoSuchKey", "value": "1"}, {"status": "NotSupported"}),
    ("ChangeConfiguration", {"key": "NumberOfConnectors", "value": "3"}, {"status": "Rejected"}),
    (
        "GetConfiguration",
        {"key": ["HeartbeatInterval", "Nope"]},
        {
            "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "120"}],
            "unknownKey": ["Nope"],
        },
    ),
    ("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}, {"status": "Accepted"}),
    ("ChangeAvailability", {"connectorId": 1, "type": "Operative"}, {"status": "Accepted"}),
    ("ClearCache", {}, {"status": "Accepted"}),
    ("DataTransfer", {"vendorId": "acme"}, {"status": "UnknownVendorId"}),
    ("TriggerMessage", {"requestedMessage": "Heartbeat"}, {"status": "Accepted"}),
    ("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}, {"status": "Accepted"}),
    ("TriggerMessage", {"requestedMessage": "MeterValues"}, {"status": "Accepted"}),
    ("TriggerMessage", {"requestedMessage": "DiagnosticsStatusNotification"}, {"status": "NotImplemented"}),
]

COMP = {"name": "OCPPCommCtrlr"}
HB = {"name": "HeartbeatInterval"}
COMMANDS_201: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("UnlockConnector", {"evseId": 1, "connectorId": 1}, {"status": "Unlocked"}),
    ("UnlockConnector", {"evseId": 5, "connectorId": 1}, {"status": "UnknownConnector"}),
    (
        "SetChargingProfile",
        {
            "evseId": 1,
            "chargingProfile": {
                "id": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "chargingRateUnit": "W",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 2000.0}],
                    }
                ],
            },
        },
        {"status": "Accepted"},
    ),
    ("ClearChargingProfile", {"chargingProfileCriteria": {"evseId": 1}}, {"status": "Accepted"}),
    ("ClearChargingProfile", {}, {"status": "Unknown"}),
    (
        "SetVariables",
        {"setVariableData": [{"attributeValue": "60", "component": COMP, "variable": HB}]},
        {"setVariableResult": [{"attributeStatus": "Accepted", "component": COMP, "variable": HB}]},
    ),
    (
        "GetVariables",
        {
            "getVariableData": [
                {"component": COMP, "variable": HB},
                {"component": {"name": "X"}, "variable": HB},
            ]
        },
        {
            "getVariableResult": [
                {"attributeStatus": "Accepted", "attributeValue": "60", "component": COMP, "variable": HB},
                {"attributeStatus": "UnknownComponent", "component": {"name": "X"}, "variable": HB},
            ]
        },
    ),
    ("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}, {"status": "Accepted"}),
    ("ChangeAvailability", {"operationalStatus": "Operative"}, {"status": "Accepted"}),
    ("ClearCache", {}, {"status": "Accepted"}),
    ("DataTransfer", {"vendorId": "acme"}, {"status": "UnknownVendorId"}),
    ("TriggerMessage", {"requestedMessage": "Heartbeat"}, {"status": "Accepted"}),
    ("TriggerMessage", {"requestedMessage": "StatusNotification", "evse": {"id": 1}}, {"status": "Accepted"}),
    ("TriggerMessage", {"requestedMessage": "MeterValues"}, {"status": "Accepted"}),
    ("TriggerMessage", {"requestedMessage": "BootNotification"}, {"status": "Accepted"}),
    ("TriggerMessage", {"requestedMessage": "LogStatusNotification"}, {"status": "NotImplemented"}),
    ("GetTransactionStatus", {}, {"messagesInQueue": False}),
    ("GetTransactionStatus", {"transactionId": "t1"}, {"ongoingIndicator": False, "messagesInQueue": False}),
    # the operations beyond charging (`sim/v201_operations.py`): answers a station would give
    ("GetBaseReport", {"requestId": 1, "reportBase": "SummaryInventory"}, {"status": "Accepted"}),
    ("GetReport", {"requestId": 2, "componentCriteria": ["Problem"]}, {"status": "EmptyResultSet"}),
    (
        "SetDisplayMessage",
        {"message": {"id": 1, "priority": "AlwaysFront", "message": {"format": "ASCII", "content": "Hi"}}},
        {"status": "Accepted"},
    ),
    ("GetDisplayMessages", {"requestId": 3, "id": [2]}, {"status": "Unknown"}),
    ("ClearDisplayMessage", {"id": 1}, {"status": "Accepted"}),
    ("SetMonitoringLevel", {"severity": 3}, {"status": "Accepted"}),
    ("GetMonitoringReport", {"requestId": 4}, {"status": "EmptyResultSet"}),
    ("ClearVariableMonitoring", {"id": [5]}, {"clearMonitoringResult": [{"id": 5, "status": "NotFound"}]}),
    (
        "CustomerInformation",
        {"requestId": 5, "report": True, "clear": False, "customerIdentifier": "C1"},
        {"status": "Accepted"},
    ),
    ("CustomerInformation", {"requestId": 6, "report": True, "clear": False}, {"status": "Invalid"}),
    ("GetChargingProfiles", {"requestId": 7, "chargingProfile": {"stackLevel": 3}}, {"status": "NoProfiles"}),
    ("SendLocalList", {"versionNumber": 4, "updateType": "Full"}, {"status": "Accepted"}),
    ("GetLocalListVersion", {}, {"versionNumber": 4}),
    (
        "ReserveNow",
        {"id": 9, "expiryDateTime": "2030-01-01T00:00:00Z", "idToken": {"idToken": "T", "type": "Central"}},
        {"status": "Accepted"},
    ),
    ("CancelReservation", {"reservationId": 9}, {"status": "Accepted"}),
    ("CancelReservation", {"reservationId": 9}, {"status": "Rejected"}),
    ("UnpublishFirmware", {"checksum": "b" * 32}, {"status": "NoFirmware"}),
    ("GetInstalledCertificateIds", {}, {"status": "NotFound"}),
    ("CostUpdated", {"totalCost": 1.5, "transactionId": "t1"}, {}),
]


@pytest.mark.parametrize("version", VERSIONS)
async def test_server_commands_get_valid_answers(version: str) -> None:
    commands = COMMANDS_16 if version == "1.6" else COMMANDS_201
    async with FakeCSMS(version) as csms, Running(csms, fleet_for(csms)) as r:
        cp = r.fleet.opts.ids()[0]
        for action, request, expected in commands:
            answer = await csms.call(cp, action, request)
            assert answer[0] == 3 and answer[2] == expected, (action, request, answer)
        await asyncio.sleep(0.2)  # let triggered messages arrive (and be validated)
        acts = csms.actions(cp)
        assert acts.count("Heartbeat") >= 1 and "MeterValues" in acts
        unknown = await csms.call(cp, "FlyToTheMoon", {}, validate=False)
        assert unknown[0] == 4 and unknown[2] == "NotImplemented"
        assert r.fleet.stats.answered == len(commands) + 1
        assert csms.violations == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_reset_reboots_and_boots_again(version: str) -> None:
    async with FakeCSMS(version) as csms, Running(csms, fleet_for(csms)) as r:
        cp = r.fleet.opts.ids()[0]
        kind = "Hard" if version == "1.6" else "Immediate"
        answer = await csms.call(cp, "Reset", {"type": kind})
        assert answer[2] == {"status": "Accepted"}
        await csms.wait_for(
            lambda: csms.connects[cp] == 2 and csms.actions(cp).count("BootNotification") == 2
        )
        assert await r.fleet.wait_booted(3)
        assert r.fleet.stats.reconnects == 1


async def test_reset_during_a_transaction_stops_it_first() -> None:
    async with FakeCSMS("1.6") as csms, Running(csms, fleet_for(csms, meter_interval=0.1)) as r:
        cp = r.fleet.opts.ids()[0]
        await csms.call(cp, "RemoteStartTransaction", {"idTag": "T1"})
        await csms.wait_for(lambda: csms.messages("MeterValues"))
        await csms.call(cp, "Reset", {"type": "Hard"})
        await csms.wait_for(lambda: csms.messages("StopTransaction"))
        assert csms.messages("StopTransaction")[0]["reason"] == "HardReset"
        await csms.wait_for(lambda: csms.actions(cp).count("BootNotification") == 2)


async def test_reconnects_after_server_drops_connection() -> None:
    async with FakeCSMS("1.6") as csms, Running(csms, fleet_for(csms)) as r:
        cp = r.fleet.opts.ids()[0]
        await csms.conns[cp].close()
        await csms.wait_for(lambda: csms.connects.get(cp) == 2, within=5)
        assert await r.fleet.wait_booted(3)


async def test_unreachable_server_counts_errors_and_stops_in_time() -> None:
    fleet = Fleet(FleetOptions(count=2, charger=ChargerOptions(url="ws://127.0.0.1:9/OCPP", reconnect=False)))
    stats = await asyncio.wait_for(fleet.run(duration=1.0), 10)
    assert stats.errors == 2 and stats.ever_booted == 0
