"""Monitoring (2.x) end to end: monitors set (per-entry results), base and level, cleared, reported back
in NotifyMonitoringReport parts and stored; NotifyEvent queryable per component/variable; a station's
answer that breaks the schema."""

from __future__ import annotations

from typing import Any

from ocpp.v201 import call as call201

from tests.api.helpers import check_failure_kinds
from tests.support.chargers import now_text
from tests.support.server import RunningServer

POWER_MONITOR = {
    "component": "EVSE",
    "evse": 1,
    "variable": "Power",
    "type": "UpperThreshold",
    "value": 22000,
    "severity": 4,
}


async def test_set_report_and_clear_monitors(server: RunningServer, station: Any) -> None:
    async with server.api() as api:
        station.rec.answers["SetVariableMonitoring:Current"] = "UnknownVariable"
        monitors = [POWER_MONITOR, {**POWER_MONITOR, "variable": "Current", "type": "Delta", "value": 2}]
        answer = await api.post("/API/SetVariableMonitoring/CP1", json={"monitors": monitors})
        assert answer.status_code == 200
        results = answer.json()["results"]
        assert [(r["variable"]["name"], r["status"]) for r in results] == [
            ("Power", "Accepted"),
            ("Current", "UnknownVariable"),
        ]
        assert station.rec.last("SetVariableMonitoring")["set_monitoring_data"][0] == {
            "transaction": False,
            "value": 22000,
            "type": "UpperThreshold",
            "severity": 4,
            "component": {"name": "EVSE", "evse": {"id": 1}},
            "variable": {"name": "Power"},
        }
        monitor_id = results[0]["id"]
        bad = await api.post(
            "/API/SetVariableMonitoring/CP1", json={"monitors": [{**POWER_MONITOR, "severity": 12}]}
        )
        assert bad.status_code == 400 and "monitors.0.severity" in bad.json()["detail"]

        asked = await api.post("/API/GetMonitoringReport/CP1", json={"criteria": ["ThresholdMonitoring"]})
        request_id = asked.json()["requestId"]
        assert asked.json() == {"status": "Accepted", "requestId": request_id}
        assert station.rec.last("GetMonitoringReport") == {
            "request_id": request_id,
            "monitoring_criteria": ["ThresholdMonitoring"],
        }

        async def reported() -> bool:
            shown = await api.get("/API/Monitoring/CP1")
            return shown.status_code == 200 and shown.json()["complete"]

        await server.wait_for(reported)
        shown = (await api.get("/API/Monitoring/CP1")).json()
        assert shown["requestId"] == request_id
        assert shown["monitors"][0]["variableMonitoring"][0]["id"] == monitor_id
        assert shown["monitors"][0]["variable"] == {"name": "Power"}

        assert (await api.post("/API/SetMonitoringBase/CP1/factorydefault")).json() == {"status": "Accepted"}
        assert station.rec.last("SetMonitoringBase") == {"monitoring_base": "FactoryDefault"}
        station.rec.answers["SetMonitoringBase"] = "NotSupported"
        assert (await api.post("/API/SetMonitoringBase/CP1/All")).json() == {"status": "NotSupported"}
        assert (await api.post("/API/SetMonitoringLevel/CP1/6")).json() == {"status": "Accepted"}
        assert station.rec.last("SetMonitoringLevel") == {"severity": 6}
        too_high = await api.post("/API/SetMonitoringLevel/CP1/10")
        assert too_high.status_code == 400 and "severity" in too_high.json()["detail"]

        cleared = await api.post("/API/ClearVariableMonitoring/CP1", json={"ids": [monitor_id, 999]})
        assert cleared.json() == {
            "status": "Accepted",
            "results": [{"id": monitor_id, "status": "Accepted"}, {"id": 999, "status": "NotFound"}],
        }
        assert (await api.post("/API/GetMonitoringReport/CP1")).json()["status"] == "EmptyResultSet"


async def test_events_per_component_and_variable(server: RunningServer, station: Any) -> None:
    def event(event_id: int, component: str, variable: str) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "timestamp": now_text(),
            "trigger": "Alerting",
            "actual_value": "23000",
            "event_notification_type": "CustomMonitor",
            "component": {"name": component, "evse": {"id": 1}},
            "variable": {"name": variable},
        }

    await station.call(
        call201.NotifyEvent(
            generated_at=now_text(),
            seq_no=0,
            event_data=[event(1, "EVSE", "Power"), event(2, "EVSE", "Current")],
        )
    )
    await station.call(
        call201.NotifyEvent(generated_at=now_text(), seq_no=0, event_data=[event(3, "Connector", "Power")])
    )
    async with server.api() as api:
        everything = (await api.get("/API/DeviceEvents/CP1")).json()["events"]
        assert sorted(e["eventId"] for e in everything) == [1, 2, 3]
        power = (await api.get("/API/DeviceEvents/CP1", params={"variable": "Power"})).json()["events"]
        assert sorted(e["eventId"] for e in power) == [1, 3]
        evse_power = await api.get("/API/DeviceEvents/CP1", params={"component": "EVSE", "variable": "Power"})
        assert [e["eventId"] for e in evse_power.json()["events"]] == [1]
        assert evse_power.json()["events"][0]["actualValue"] == "23000"


async def test_failures_of_the_monitoring_routes(impatient: tuple[RunningServer, Any]) -> None:
    server, station = impatient
    async with server.api() as api:
        send = lambda: api.post("/API/SetVariableMonitoring/CP1", json={"monitors": [POWER_MONITOR]})  # noqa: E731
        await check_failure_kinds(station, "SetVariableMonitoring", send, garbage="Maybe")
        assert (await api.get("/API/Monitoring/CP1")).status_code == 404
