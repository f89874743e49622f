"""The seed's commands end to end: what the API answers and what a 1.6 / 2.0.1 charger receives."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import is16, report_meter, report_status, start_transaction
from tests.support.server import RunningServer


async def test_status_shows_connected_chargers_and_numeric_states(
    server: RunningServer, charger: Any
) -> None:
    await report_status(charger, 0, "Available", "Available")
    await report_status(charger, 1, "Charging", "Occupied")
    await report_status(charger, 2, "Faulted", "Faulted")
    await report_status(charger, 3, "Unavailable", "Unavailable")
    await report_status(charger, 4, "SuspendedEV", "Reserved")
    await report_status(charger, 5, "Available", "Available")
    stamp = await report_meter(charger, 1, 12345, 7400, 55)
    async with server.api() as api:
        answer = (await api.get("/API/Status")).json()
    protocol = "ocpp1.6" if is16(charger) else "ocpp2.0.1"
    assert [(c["id"], c["name"], c["protocol"]) for c in answer] == [("CP1", "Wallbox one", protocol)]
    connectors = answer[0]["OnlineConnectors"]
    assert set(connectors) == {"1", "2", "3", "4", "5"}  # connector 0 is the station itself
    assert {k: v["Status"] for k, v in connectors.items()} == {"1": 2, "2": 4, "3": 3, "4": 2, "5": 1}
    one = connectors["1"]
    assert one["ChargeRateKW"] == pytest.approx(7.4)
    assert one["MeterKWH"] == pytest.approx(12.345)
    assert one["SoC"] == pytest.approx(55)
    assert one["MeterValueDate"][:19] == stamp[:19]
    assert connectors["5"] == {
        "Status": 1,
        "ChargeRateKW": None,
        "MeterKWH": None,
        "SoC": None,
        "MeterValueDate": None,
    }
    await charger._connection.close()
    await server.wait_for(lambda: "CP1" not in server.services.registry)
    async with server.api() as api:
        assert (await api.get("/API/Status")).json() == []


async def test_reset_soft_by_default_hard_on_request(server: RunningServer, charger: Any) -> None:
    soft, hard = ("Soft", "Hard") if is16(charger) else ("OnIdle", "Immediate")
    async with server.api() as api:
        assert (await api.get("/API/Reset/CP1")).json() == {"status": "Accepted"}
        assert charger.rec.last("Reset") == {"type": soft}
        assert (await api.post("/API/Reset/CP1/hard")).json() == {"status": "Accepted"}
        assert charger.rec.last("Reset") == {"type": hard}
        charger.rec.answers["Reset"] = "Rejected"
        answer = await api.get("/API/Reset/CP1")
        assert (answer.status_code, answer.json()) == (200, {"status": "Rejected"})
        bad = await api.get("/API/Reset/CP1/Sideways")
        assert bad.status_code == 400 and "reset kind 'Sideways'" in bad.json()["detail"]
    assert len(charger.rec.received) == 3


async def test_unlock_connector(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        assert (await api.get("/API/UnlockConnector/CP1/2")).json() == {"status": "Unlocked"}
        wire = charger.rec.last("UnlockConnector")
        assert wire == ({"connector_id": 2} if is16(charger) else {"evse_id": 2, "connector_id": 1})
        charger.rec.answers["UnlockConnector"] = "UnlockFailed"
        assert (await api.get("/API/UnlockConnector/CP1/1")).json() == {"status": "UnlockFailed"}
        for bad, named in (("x", "connectorId 'x'"), ("0", "connectorId 0")):
            answer = await api.get(f"/API/UnlockConnector/CP1/{bad}")
            assert answer.status_code == 400 and named in answer.json()["detail"]
        missing = await api.get("/API/UnlockConnector/CP1")
        assert (
            missing.status_code == 400
            and "/API/UnlockConnector/{chargePointId}/{connectorId}" in missing.text
        )
    assert len(charger.rec.received) == 2


def _profile(charger: Any) -> tuple[int, dict[str, Any], dict[str, Any]]:
    wire = charger.rec.last("SetChargingProfile")
    if is16(charger):
        profile = wire["cs_charging_profiles"]
        return wire["connector_id"], profile, profile["charging_schedule"]
    profile = wire["charging_profile"]
    return wire["evse_id"], profile, profile["charging_schedule"][0]


async def test_set_charging_limit_sends_a_daily_tx_default_profile(
    server: RunningServer, charger: Any
) -> None:
    async with server.api() as api:
        assert (await api.get("/API/SetChargingLimit/CP1/1/2000W")).json() == {"status": "Accepted"}
        connector, profile, schedule = _profile(charger)
        assert connector == 1
        assert profile["charging_profile_purpose"] == "TxDefaultProfile"
        assert profile["charging_profile_kind"] == "Recurring"
        assert profile["recurrency_kind"] == "Daily"
        assert schedule["charging_rate_unit"] == "W"
        assert schedule["charging_schedule_period"] == [{"start_period": 0, "limit": 2000}]

        assert (await api.get("/API/SetChargingLimit/CP1/0/16a")).json() == {"status": "Accepted"}
        connector, profile, schedule = _profile(charger)
        assert connector == 0  # all connectors
        assert schedule["charging_rate_unit"] == "A"
        assert schedule["charging_schedule_period"][0]["limit"] == 16

        charger.rec.answers["SetChargingProfile"] = "Rejected"
        assert (await api.get("/API/SetChargingLimit/CP1/1/16A")).json() == {"status": "Rejected"}
        for bad in ("16", "16X", "-5W", "0A", "lots"):
            answer = await api.get(f"/API/SetChargingLimit/CP1/1/{bad}")
            assert answer.status_code == 400, bad
            assert "limit" in answer.json()["detail"]
    assert len(charger.rec.received) == 3


async def test_clear_charging_limit(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        assert (await api.get("/API/ClearChargingLimit/CP1/2")).json() == {"status": "Accepted"}
        wire = charger.rec.last("ClearChargingProfile")
        if is16(charger):
            assert wire["connector_id"] == 2 and wire["charging_profile_purpose"] == "TxDefaultProfile"
        else:
            criteria = wire["charging_profile_criteria"]
            assert criteria["evse_id"] == 2 and criteria["charging_profile_purpose"] == "TxDefaultProfile"
        charger.rec.answers["ClearChargingProfile"] = "Unknown"
        assert (await api.post("/API/ClearChargingLimit/CP1/0")).json() == {"status": "Unknown"}


async def test_get_configuration_returns_the_raw_payload(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        if is16(charger):
            everything = (await api.get("/API/GetConfiguration/CP1")).json()
            assert {k["key"] for k in everything["configurationKey"]} == {
                "HeartbeatInterval",
                "EVConnectionTimeOut",
            }
            assert charger.rec.last("GetConfiguration") == {}
            one = (await api.get("/API/GetConfiguration/CP1/EVConnectionTimeOut")).json()
            assert one == {
                "configurationKey": [{"key": "EVConnectionTimeOut", "readonly": False, "value": "120"}],
                "unknownKey": [],
            }
            assert charger.rec.last("GetConfiguration") == {"key": ["EVConnectionTimeOut"]}
            unknown = (await api.get("/API/GetConfiguration/CP1/Nope")).json()
            assert unknown == {"configurationKey": [], "unknownKey": ["Nope"]}
        else:
            one = (await api.get("/API/GetConfiguration/CP1/OCPPCommCtrlr.HeartbeatInterval")).json()
            assert one["configurationKey"] == [
                {"key": "OCPPCommCtrlr.HeartbeatInterval", "readonly": False, "value": "300"}
            ]
            assert one["unknownKey"] == []
            item = charger.rec.last("GetVariables")["get_variable_data"][0]
            assert item == {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
            unknown = (await api.get("/API/GetConfiguration/CP1/Foo.Bar")).json()
            assert unknown["unknownKey"] == ["Foo.Bar"]
            for bad in ("/API/GetConfiguration/CP1", "/API/GetConfiguration/CP1/NoDot"):
                answer = await api.get(bad)
                assert answer.status_code == 400 and "Component.Variable" in answer.json()["detail"]


async def test_change_configuration(server: RunningServer, charger: Any) -> None:
    key = "EVConnectionTimeOut" if is16(charger) else "OCPPCommCtrlr.HeartbeatInterval"
    async with server.api() as api:
        assert (await api.get(f"/API/ChangeConfiguration/CP1/{key}/90")).json() == {"status": "Accepted"}
        if is16(charger):
            assert charger.rec.last("ChangeConfiguration") == {"key": key, "value": "90"}
        else:
            item = charger.rec.last("SetVariables")["set_variable_data"][0]
            assert item == {
                "attribute_value": "90",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            }
        read = (await api.get(f"/API/GetConfiguration/CP1/{key}")).json()
        assert read["configurationKey"][0]["value"] == "90"
        charger.rec.answers["ChangeConfiguration" if is16(charger) else "SetVariables"] = "Rejected"
        assert (await api.get(f"/API/ChangeConfiguration/CP1/{key}/91")).json() == {"status": "Rejected"}


@pytest.mark.parametrize("command", ["RemoteStartTransaction", "StartTransaction"])
async def test_remote_start(server: RunningServer, charger: Any, command: str) -> None:
    async with server.api() as api:
        assert (await api.get(f"/API/{command}/CP1/2/tag1234")).json() == {"status": "Accepted"}
        if is16(charger):
            assert charger.rec.last("RemoteStartTransaction") == {"connector_id": 2, "id_tag": "tag1234"}
        else:
            wire = charger.rec.last("RequestStartTransaction")
            assert wire["evse_id"] == 2 and wire["id_token"] == {"id_token": "tag1234", "type": "Central"}
            assert isinstance(wire["remote_start_id"], int)
        charger.rec.answers["RemoteStartTransaction" if is16(charger) else "RequestStartTransaction"] = (
            "Rejected"
        )
        assert (await api.post(f"/API/{command}/CP1/1/tag1234")).json() == {"status": "Rejected"}
        too_long = await api.get(f"/API/{command}/CP1/1/{'x' * 40}")
        assert too_long.status_code == 400 and "cannot send" in too_long.json()["detail"]


@pytest.mark.parametrize("command", ["RemoteStopTransaction", "StopTransaction"])
async def test_remote_stop_stops_the_open_transaction(
    server: RunningServer, charger: Any, command: str
) -> None:
    await server.add_tag("tag1234")
    async with server.api() as api:
        none_open = await api.get(f"/API/{command}/CP1/1")
        assert none_open.status_code == 424 and "no open transaction" in none_open.json()["detail"]
        tx_id = await start_transaction(charger, 1, "tag1234")
        assert (await api.get(f"/API/{command}/CP1/1")).json() == {"status": "Accepted"}
        if is16(charger):
            assert charger.rec.last("RemoteStopTransaction") == {"transaction_id": tx_id}
        else:
            assert charger.rec.last("RequestStopTransaction") == {"transaction_id": tx_id}
        charger.rec.answers["RemoteStopTransaction" if is16(charger) else "RequestStopTransaction"] = (
            "Rejected"
        )
        assert (await api.get(f"/API/{command}/CP1/1")).json() == {"status": "Rejected"}
        other_connector = await api.get(f"/API/{command}/CP1/2")
        assert other_connector.status_code == 424
