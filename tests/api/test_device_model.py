"""Device model (2.x) and configuration (1.6) end to end: base reports and reports assembled from
NotifyReport parts into the stored inventory, Get/SetVariables in bulk, 1.6 GetConfiguration kept, and
the failure kinds of the command routes (CallError, a schema-breaking answer, no answer)."""

from __future__ import annotations

from typing import Any

from ocpp.exceptions import InternalError

from chargegrid.ocpp.commands import GetConfiguration
from tests.api.helpers import check_failure_kinds
from tests.support.chargers import connected
from tests.support.server import RunningServer

HEARTBEAT = {
    "component": {"name": "OCPPCommCtrlr"},
    "variable": {"name": "HeartbeatInterval"},
    "variable_attribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite", "persistent": True}],
    "variable_characteristics": {
        "unit": "s",
        "data_type": "integer",
        "min_limit": 1,
        "supports_monitoring": False,
    },
}
AVAILABILITY = {
    "component": {"name": "Connector", "evse": {"id": 1, "connector_id": 2}},
    "variable": {"name": "AvailabilityState"},
    "variable_attribute": [{"value": "Available", "mutability": "ReadOnly"}],
    "variable_characteristics": {
        "data_type": "OptionList",
        "values_list": "Available,Occupied,Reserved,Unavailable,Faulted",
        "supports_monitoring": True,
    },
}
POWER = {
    "component": {"name": "EVSE", "evse": {"id": 1}},
    "variable": {"name": "Power"},
    "variable_attribute": [
        {"type": "Actual", "value": "0", "mutability": "ReadOnly"},
        {"type": "MaxSet", "value": "22000", "mutability": "ReadWrite"},
    ],
    "variable_characteristics": {
        "unit": "W",
        "data_type": "decimal",
        "max_limit": 22000,
        "supports_monitoring": True,
    },
}


async def variables(api: Any, **filters: str) -> list[dict[str, Any]]:
    answer = await api.get("/API/Variables/CP1", params=filters)
    assert answer.status_code == 200
    found: list[dict[str, Any]] = answer.json()["variables"]
    return found


async def test_base_report_parts_are_assembled_into_the_inventory(
    server: RunningServer, station: Any
) -> None:
    station.report_parts = [[HEARTBEAT], [AVAILABILITY, POWER]]
    station.report_order = [1, 0]  # the last part first: seqNo decides, not the order of arrival
    async with server.api() as api:
        answer = await api.post("/API/GetBaseReport/CP1", params={"reportBase": "configurationinventory"})
        assert answer.status_code == 200
        request_id = answer.json()["requestId"]
        assert answer.json() == {"status": "Accepted", "requestId": request_id}
        assert station.rec.last("GetBaseReport") == {
            "request_id": request_id,
            "report_base": "ConfigurationInventory",
        }

        async def all_parts() -> bool:
            return len(await variables(api)) == 3

        await server.wait_for(all_parts)
        connector = await variables(api, component="Connector", variable="AvailabilityState")
        assert [(v["evse"], v["connector"]) for v in connector] == [(1, 2)]
        assert connector[0]["attributes"] == {
            "Actual": {"value": "Available", "mutability": "ReadOnly", "persistent": False, "constant": False}
        }
        assert connector[0]["characteristics"]["valuesList"].startswith("Available,")
        power = (await variables(api, component="EVSE"))[0]
        assert power["attributes"]["MaxSet"]["value"] == "22000"
        assert power["characteristics"]["unit"] == "W"
        heartbeat = (await variables(api, variable="HeartbeatInterval"))[0]
        assert heartbeat["attributes"]["Actual"]["persistent"] is True

        station.rec.answers["GetBaseReport"] = "NotSupported"
        refused = (await api.post("/API/GetBaseReport/CP1")).json()
        assert (
            refused["status"] == "NotSupported"
            and station.rec.last("GetBaseReport")["report_base"] == "FullInventory"
        )
        bad = await api.post("/API/GetBaseReport/CP1", params={"reportBase": "Everything"})
        assert bad.status_code == 400 and "reportBase 'Everything'" in bad.json()["detail"]


async def test_report_with_criteria_and_components(server: RunningServer, station: Any) -> None:
    station.report_parts = [[POWER]]
    body = {
        "criteria": ["Problem", "Available"],
        "components": [{"component": "EVSE", "evse": 1, "variable": "Power"}],
        "requestId": 4242,
    }
    async with server.api() as api:
        answer = await api.post("/API/GetReport/CP1", json=body)
        assert answer.json() == {"status": "Accepted", "requestId": 4242}
        assert station.rec.last("GetReport") == {
            "request_id": 4242,
            "component_criteria": ["Problem", "Available"],
            "component_variable": [
                {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}}
            ],
        }

        async def stored() -> bool:
            return len(await variables(api, component="EVSE")) == 1

        await server.wait_for(stored)
        station.rec.answers["GetReport"] = "EmptyResultSet"
        assert (await api.post("/API/GetReport/CP1", json={})).json()["status"] == "EmptyResultSet"
        bad = await api.post("/API/GetReport/CP1", json={"criteria": ["Broken"]})
        assert bad.status_code == 400 and "criteria.0" in bad.json()["detail"]
        assert len(station.rec.actions()) == 2


async def test_get_and_set_many_variables_store_each_result(server: RunningServer, station: Any) -> None:
    station.variables = {"OCPPCommCtrlr.HeartbeatInterval": "300", "AuthCtrlr.Enabled": "true"}
    async with server.api() as api:
        read = await api.post(
            "/API/GetVariables/CP1",
            json={
                "variables": [
                    {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
                    {"component": "AuthCtrlr", "variable": "Enabled", "attribute": "Actual"},
                    {"component": "Nope", "variable": "Missing"},
                ]
            },
        )
        assert read.status_code == 200
        results = read.json()["results"]
        assert [(r["variable"], r["attributeStatus"], r["value"]) for r in results] == [
            ("HeartbeatInterval", "Accepted", "300"),
            ("Enabled", "Accepted", "true"),
            ("Missing", "UnknownVariable", None),
        ]
        wire = station.rec.last("GetVariables")["get_variable_data"]
        assert wire[1] == {
            "component": {"name": "AuthCtrlr"},
            "variable": {"name": "Enabled"},
            "attribute_type": "Actual",
        }

        station.rec.answers["SetVariables:AuthCtrlr.Enabled"] = "Rejected"
        written = await api.post(
            "/API/SetVariables/CP1",
            json={
                "variables": [
                    {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "60"},
                    {"component": "AuthCtrlr", "variable": "Enabled", "value": "false"},
                ]
            },
        )
        assert [(r["variable"], r["attributeStatus"]) for r in written.json()["results"]] == [
            ("HeartbeatInterval", "Accepted"),
            ("Enabled", "Rejected"),
        ]
        assert station.variables["OCPPCommCtrlr.HeartbeatInterval"] == "60"
        stored = {v["variable"]: v["attributes"]["Actual"] for v in await variables(api)}
        assert stored["HeartbeatInterval"] == {"value": "60", "status": "Accepted"}
        assert stored["Enabled"] == {"value": "true", "status": "Rejected"}  # the value read before stays
        assert stored["Missing"] == {"status": "UnknownVariable"}

        bad = await api.post(
            "/API/SetVariables/CP1", json={"variables": [{"component": "A", "variable": "B"}]}
        )
        assert bad.status_code == 400 and "variables.0.value" in bad.json()["detail"]
        empty = await api.post("/API/GetVariables/CP1")
        assert empty.status_code == 400 and "JSON body" in empty.json()["detail"]


async def test_configuration_of_a_16_charger_is_kept(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    async with connected(server, "CP1", "ocpp1.6") as charger, server.api() as api:
        charger.config = {"HeartbeatInterval": "300", "ChargePointModel": "X"}
        answer = await api.get("/API/GetConfiguration/CP1")
        assert len(answer.json()["configurationKey"]) == 2
        stored = await variables(api)
        assert {(v["key"], v["value"], v["readonly"]) for v in stored} == {
            ("HeartbeatInterval", "300", False),
            ("ChargePointModel", "X", False),
        }
        charger.config = {"HeartbeatInterval": "60"}
        await api.get("/API/GetConfiguration/CP1/HeartbeatInterval")
        assert [v["value"] for v in await variables(api, variable="HeartbeatInterval")] == ["60"]


async def test_a_16_charge_point_is_asked_no_more_keys_at_once_than_its_get_configuration_max_keys(
    server: RunningServer,
) -> None:
    await server.add_charge_point("CP1")
    async with connected(server, "CP1", "ocpp1.6") as charger, server.api() as api:
        charger.config = {"GetConfigurationMaxKeys": "2", "A": "1", "B": "2", "C": "3"}
        await api.get("/API/GetConfiguration/CP1")  # all keys, the limit among them, are stored
        charger.rec.received.clear()
        outcome = await server.services.commands.execute("CP1", GetConfiguration(keys=("A", "B", "C", "Z")))
        assert [k["key"] for k in outcome.payload["configurationKey"]] == ["A", "B", "C"]
        assert outcome.payload["unknownKey"] == ["Z"]
        assert [p["key"] for _, p in charger.rec.received] == [["A", "B"], ["C", "Z"]]


TWO_X_ONLY = [
    ("/API/GetBaseReport/CP1", None, "GetBaseReport is 2.x only"),
    ("/API/GetReport/CP1", {}, "GetReport is 2.x only"),
    (
        "/API/GetVariables/CP1",
        {"variables": [{"component": "A", "variable": "B"}]},
        "GetVariables is 2.x only",
    ),
    ("/API/SetVariables/CP1", {"variables": [{"component": "A", "variable": "B", "value": "1"}]}, "2.x only"),
    ("/API/GetTransactionStatus/CP1", None, "GetTransactionStatus is 2.x only"),
    ("/API/SetDisplayMessage/CP1", {"id": 1, "text": "hi"}, "SetDisplayMessage is 2.x only"),
    ("/API/GetDisplayMessages/CP1", None, "GetDisplayMessages is 2.x only"),
    ("/API/ClearDisplayMessage/CP1/1", None, "ClearDisplayMessage is 2.x only"),
    ("/API/SetMonitoringLevel/CP1/3", None, "SetMonitoringLevel is 2.x only"),
    ("/API/GetMonitoringReport/CP1", None, "GetMonitoringReport is 2.x only"),
    ("/API/ClearVariableMonitoring/CP1", {"ids": [1]}, "ClearVariableMonitoring is 2.x only"),
    ("/API/CustomerInformation/CP1", {"idToken": "T1"}, "CustomerInformation is 2.x only"),
    ("/API/Reset/CP1?evse=1", None, "Reset of one EVSE is 2.x only"),
    ("/API/ChangeAvailability/CP1/1/Operative?connector=1", None, "2.x only"),
    ("/API/TriggerMessage/CP1/StatusNotification/1?connector=1", None, "2.x only"),
]


async def test_a_16_charger_asked_for_a_2x_operation_gets_400_naming_the_version(
    server: RunningServer,
) -> None:
    await server.add_charge_point("CP1")
    async with connected(server, "CP1", "ocpp1.6") as charger, server.api() as api:
        for path, body, words in TWO_X_ONLY:
            answer = await api.post(path, json=body)
            assert answer.status_code == 400, path
            assert words in answer.json()["detail"], (path, answer.json())
        assert charger.rec.received == []


async def test_failures_of_the_device_model_routes(impatient: tuple[RunningServer, Any]) -> None:
    server, station = impatient
    async with server.api() as api:
        await check_failure_kinds(station, "GetBaseReport", lambda: api.post("/API/GetBaseReport/CP1"))
        body = {"variables": [{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}]}
        station.rec.errors["GetVariables"] = InternalError(description="device model locked")
        failed = await api.post("/API/GetVariables/CP1", json=body)
        assert (failed.status_code, failed.json()["errorCode"]) == (502, "InternalError")
        assert await variables(api) == []  # nothing stored from failed answers
        offline = await api.post("/API/GetBaseReport/NOPE")
        assert offline.status_code == 404


def _limit(variable: str, instance: str, value: str) -> dict[str, Any]:
    return {
        "component": {"name": "DeviceDataCtrlr"},
        "variable": {"name": variable, "instance": instance},
        "variable_attribute": [{"type": "Actual", "value": value, "mutability": "ReadOnly"}],
        "variable_characteristics": {"data_type": "integer", "supports_monitoring": False},
    }


async def test_get_and_set_variables_are_split_to_the_stations_items_per_message(
    server: RunningServer, station: Any
) -> None:
    station.variables = {f"Ctrlr{n}.Value": str(n) for n in range(5)}
    asked = {"variables": [{"component": f"Ctrlr{n}", "variable": "Value"} for n in range(5)]}
    async with server.api() as api:
        # The limit is not known yet: one message with every entry.
        whole = await api.post("/API/GetVariables/CP1", json=asked)
        assert [r["value"] for r in whole.json()["results"]] == ["0", "1", "2", "3", "4"]
        assert station.rec.actions().count("GetVariables") == 1

        station.report_parts = [
            [_limit("ItemsPerMessage", "GetVariables", "2"), _limit("ItemsPerMessage", "SetVariables", "3")]
        ]
        await api.post("/API/GetBaseReport/CP1")

        async def limits_known() -> bool:
            return len(await variables(api, component="DeviceDataCtrlr")) == 2

        await server.wait_for(limits_known)
        station.rec.received.clear()
        read = await api.post("/API/GetVariables/CP1", json=asked)
        assert read.status_code == 200
        assert [(r["component"], r["value"]) for r in read.json()["results"]] == [
            (f"Ctrlr{n}", str(n)) for n in range(5)
        ]
        sent = [
            [item["component"]["name"] for item in payload["get_variable_data"]]
            for action, payload in station.rec.received
        ]
        assert sent == [["Ctrlr0", "Ctrlr1"], ["Ctrlr2", "Ctrlr3"], ["Ctrlr4"]]

        station.rec.received.clear()
        station.rec.answers["SetVariables:Ctrlr3.Value"] = "Rejected"
        written = await api.post(
            "/API/SetVariables/CP1",
            json={
                "variables": [{"component": f"Ctrlr{n}", "variable": "Value", "value": "x"} for n in range(5)]
            },
        )
        assert [r["attributeStatus"] for r in written.json()["results"]] == [
            "Accepted",
            "Accepted",
            "Accepted",
            "Rejected",
            "Accepted",
        ]
        assert [len(p["set_variable_data"]) for _, p in station.rec.received] == [3, 2]
        stored = {v["component"]: v["attributes"]["Actual"] for v in await variables(api, variable="Value")}
        assert stored["Ctrlr4"] == {"value": "x", "status": "Accepted"}
        assert stored["Ctrlr3"]["status"] == "Rejected"


async def test_get_variables_are_split_to_the_stations_bytes_per_message(
    server: RunningServer, station: Any
) -> None:
    station.variables = {f"Ctrlr{n}.Value": str(n) for n in range(4)}
    # A GetVariables CALL of two such entries is 195 bytes, of three 255.
    station.report_parts = [[_limit("BytesPerMessage", "GetVariables", "200")]]
    async with server.api() as api:
        await api.post("/API/GetBaseReport/CP1")

        async def limit_known() -> bool:
            return len(await variables(api, component="DeviceDataCtrlr")) == 1

        await server.wait_for(limit_known)
        station.rec.received.clear()
        read = await api.post(
            "/API/GetVariables/CP1",
            json={"variables": [{"component": f"Ctrlr{n}", "variable": "Value"} for n in range(4)]},
        )
        assert [r["value"] for r in read.json()["results"]] == ["0", "1", "2", "3"]
        assert [len(p["get_variable_data"]) for _, p in station.rec.received] == [2, 2]


def _heartbeat(value: str) -> dict[str, Any]:
    attribute = {**HEARTBEAT["variable_attribute"][0], "value": value}
    return {**HEARTBEAT, "variable_attribute": [attribute]}


async def test_a_full_inventory_removes_what_the_station_no_longer_reports_a_partial_one_does_not(
    server: RunningServer, station: Any
) -> None:
    async with server.api() as api:

        async def heartbeat_is(value: str) -> bool:
            found = await variables(api, variable="HeartbeatInterval")
            return [v["attributes"]["Actual"]["value"] for v in found] == [value]

        station.report_parts = [[_heartbeat("300")], [AVAILABILITY, POWER]]
        await api.post("/API/GetBaseReport/CP1")
        await server.wait_for(lambda: heartbeat_is("300"))

        async def count_is(n: int) -> bool:
            return len(await variables(api)) == n

        await server.wait_for(lambda: count_is(3))

        # Partial reports name one variable: the two they leave out stay.
        station.report_parts = [[_heartbeat("301")]]
        await api.post("/API/GetBaseReport/CP1", params={"reportBase": "ConfigurationInventory"})
        await server.wait_for(lambda: heartbeat_is("301"))
        station.report_parts = [[_heartbeat("302")]]
        await api.post("/API/GetReport/CP1", json={"components": [{"component": "OCPPCommCtrlr"}]})
        await server.wait_for(lambda: heartbeat_is("302"))
        assert len(await variables(api)) == 3

        # A full inventory without the connector's AvailabilityState: it is gone once every part is in
        # (the last part arrives first here).
        station.report_parts = [[_heartbeat("303")], [POWER]]
        station.report_order = [1, 0]
        await api.post("/API/GetBaseReport/CP1", params={"reportBase": "FullInventory"})
        await server.wait_for(lambda: count_is(2))
        assert await heartbeat_is("303")
        assert [v["variable"] for v in await variables(api)] == ["Power", "HeartbeatInterval"]

        # The same through the raw route.
        station.report_parts = [[_heartbeat("304")]]
        station.report_order = None
        raw = await api.post(
            "/API/Ocpp/CP1/GetBaseReport", json={"requestId": 9100, "reportBase": "FullInventory"}
        )
        assert raw.json()["status"] == "Accepted"
        await server.wait_for(lambda: count_is(1))
        assert await heartbeat_is("304")


async def test_a_part_refused_midway_says_how_far_it_got_and_keeps_what_was_answered(
    server: RunningServer, station: Any
) -> None:
    station.variables = {f"Ctrlr{n}.Value": str(n) for n in range(5)}
    station.report_parts = [[_limit("ItemsPerMessage", "GetVariables", "2")]]
    received = station.rec.got

    async def second_part_fails(action: str, payload: dict[str, Any], default: str) -> str:
        answer: str = await received(action, payload, default)
        if action == "GetVariables" and station.rec.actions().count("GetVariables") == 2:
            raise InternalError(description="device model busy")
        return answer

    station.rec.got = second_part_fails
    async with server.api() as api:
        await api.post("/API/GetBaseReport/CP1")

        async def limit_known() -> bool:
            return len(await variables(api, component="DeviceDataCtrlr")) == 1

        await server.wait_for(limit_known)
        read = await api.post(
            "/API/GetVariables/CP1",
            json={"variables": [{"component": f"Ctrlr{n}", "variable": "Value"} for n in range(5)]},
        )
        assert read.status_code == 502
        assert read.json()["errorCode"] == "InternalError"
        assert "answered 2 of 5 entries" in read.json()["description"]
        assert station.rec.actions().count("GetVariables") == 2  # nothing sent after the failure
        kept = {
            v["component"]: v["attributes"]["Actual"]["value"] for v in await variables(api, variable="Value")
        }
        assert kept == {"Ctrlr0": "0", "Ctrlr1": "1"}
