"""Register, AcceptChargingStation and Configure against real library chargers (OCPP 1.6 and 2.0.1)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from ocpp.v201 import call as call201

from tests.api.operator.helpers import command, station
from tests.support.chargers import connected
from tests.support.server import RunningServer

PROTOCOLS = ["ocpp1.6", "ocpp2.0.1"]
# 2.x settings are Component.Variable; 1.6 keys are plain names.
SETTING = {"ocpp1.6": "HeartbeatInterval", "ocpp2.0.1": "OCPPCommCtrlr.HeartbeatInterval"}
OTHER = {"ocpp1.6": "MeterValueSampleInterval", "ocpp2.0.1": "SampledDataCtrlr.TxUpdatedInterval"}
EVSES = [
    {
        "evseId": 1,
        "connectors": [
            {
                "maxAmp": 32,
                "phase": 3,
                "voltage": 230,
                "chargingProtocol": "MODE3",
                "current": "AC",
                "connectorType": "TESLA",
            }
        ],
    },
    {"evseId": 2, "connectors": [{"maxAmp": 16, "connectorType": "Type2"}]},
]


def pushed(charger: Any, protocol: str) -> dict[str, str]:
    """Every setting the charger received, as key → value, whatever message carried it."""
    out = {}
    for action, payload in charger.rec.received:
        if action == "ChangeConfiguration":
            out[payload["key"]] = payload["value"]
        elif action == "SetVariables":
            for item in payload["set_variable_data"]:
                key = f"{item['component']['name']}.{item['variable']['name']}"
                out[key] = item["attribute_value"]
    return out


async def setting_status(server: RunningServer, station_id: str, key: str, status: str) -> bool:
    return bool((await station(server, station_id))["settingResults"][key]["status"] == status)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_register_accepts_a_pending_station_that_is_online(server_factory: Any, protocol: str) -> None:
    async with server_factory(unknown_chargers="pending") as srv:
        async with connected(srv, "PEND-1", protocol, boot=False) as charger:
            assert (await charger.boot()).status == "Pending"
            assert (await station(srv, "PEND-1"))["registrationStatus"] == "Pending"

            answer = await command(
                srv,
                "PEND-1",
                "Register",
                {"configuration": {"evses": EVSES, "settings": {SETTING[protocol]: 60}}},
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["command"] == "Register" and body["status"] == "Accepted"
            assert body["answer"]["triggerBootNotification"] == "Accepted"
            assert charger.rec.last("TriggerMessage")["requested_message"] == "BootNotification"

            # The station learns it is accepted at its next boot, and gets its settings.
            assert (await charger.boot()).status == "Accepted"
            await srv.wait_for(lambda: pushed(charger, protocol) == {SETTING[protocol]: "60"})
            view = await station(srv, "PEND-1")
            assert view["registrationStatus"] == "Accepted" and view["online"] is True
            assert view["protocol"] == protocol and view["vendor"] == "TestVendor"
            assert view["evses"] == EVSES
            assert view["settings"] == {SETTING[protocol]: "60"}
            await srv.wait_for(lambda: setting_status(srv, "PEND-1", SETTING[protocol], "Accepted"))
            if protocol == "ocpp2.0.1":  # no longer gated: the accepted station may send anything
                assert (await charger.call(call201.Heartbeat())).current_time


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_register_creates_a_new_station_and_settings_wait_for_its_boot(
    server: RunningServer, protocol: str
) -> None:
    answer = await command(
        server, "NEW-1", "Register", {"configuration": {"evses": EVSES, "settings": {SETTING[protocol]: 30}}}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "Accepted"
    assert answer.json()["answer"] == {"registrationStatus": "Accepted", "created": True, "online": False}
    view = await station(server, "NEW-1")
    assert view["registrationStatus"] == "Accepted" and view["online"] is False
    assert view["evses"] == EVSES
    assert view["settingResults"][SETTING[protocol]]["status"] == "Pending"

    # Unknown chargers are refused by default; a registered one is let in and answered Accepted.
    async with connected(server, "NEW-1", protocol, boot=False) as charger:
        assert (await charger.boot()).status == "Accepted"
        await server.wait_for(lambda: pushed(charger, protocol) == {SETTING[protocol]: "30"})

        await server.wait_for(lambda: setting_status(server, "NEW-1", SETTING[protocol], "Accepted"))


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_configure_pushes_settings_and_keeps_each_outcome(server: RunningServer, protocol: str) -> None:
    await server.add_charge_point("CONF-1")
    async with connected(server, "CONF-1", protocol) as charger:
        rejected_key = OTHER[protocol]
        answer_key = "ChangeConfiguration" if protocol == "ocpp1.6" else "SetVariables"
        charger.rec.answers[f"{answer_key}:{rejected_key}"] = "Rejected"
        answer = await command(
            server,
            "CONF-1",
            "Configure",
            {
                "connectors": [{"connectorId": 1, "connectorType": "Type2", "maxAmp": 16}],
                "settings": {SETTING[protocol]: 120, rejected_key: "10"},
            },
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["answer"]["settings"] == {
            SETTING[protocol]: "Accepted",
            rejected_key: "Rejected",
        }
        assert pushed(charger, protocol) == {SETTING[protocol]: "120", rejected_key: "10"}

    view = await station(server, "CONF-1")
    assert view["evses"] == [{"evseId": 1, "connectors": [{"connectorType": "Type2", "maxAmp": 16}]}]
    assert {k: v["status"] for k, v in view["settingResults"].items()} == {
        SETTING[protocol]: "Accepted",
        rejected_key: "Rejected",
    }

    refused = await command(server, "CONF-1", "Configure", {"connectors": [{"connectorId": 0, "maxAmp": 8}]})
    assert refused.status_code == 400
    assert "connectorId" in refused.json()["detail"] and "all connectors" in refused.json()["detail"]
    assert (await station(server, "CONF-1"))["evses"] == view["evses"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_settings_configured_while_offline_arrive_at_the_next_boot(
    server: RunningServer, protocol: str
) -> None:
    await server.add_charge_point("OFF-1", protocol=protocol)
    answer = await command(server, "OFF-1", "Configure", {"settings": {SETTING[protocol]: 45}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["answer"]["settings"] == {SETTING[protocol]: "Pending"}

    async with connected(server, "OFF-1", protocol, boot=False) as charger:
        assert not charger.rec.received
        await charger.boot()
        await server.wait_for(lambda: pushed(charger, protocol) == {SETTING[protocol]: "45"})

        await server.wait_for(lambda: setting_status(server, "OFF-1", SETTING[protocol], "Accepted"))
        # A second boot pushes nothing again: the station has it.
        received = len(charger.rec.received)
        await charger.boot()
        await asyncio.sleep(0.3)
        assert len(charger.rec.received) == received


async def test_a_2x_setting_key_must_name_component_and_variable(server: RunningServer) -> None:
    await server.add_charge_point("KEYS-2", protocol="ocpp2.0.1")
    answer = await command(server, "KEYS-2", "Configure", {"settings": {"HeartbeatInterval": 60}})
    assert answer.status_code == 400
    assert "Component.Variable" in answer.json()["detail"]
