"""2.x transactions and availability end to end: GetTransactionStatus, ChangeAvailability per EVSE and per
connector, Reset of one EVSE, TriggerMessage StatusNotification of an EVSE's connector (F06.FR.13), and a
400 naming an EVSE/connector the station never reported (nothing sent)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.v201 import call as call201

from tests.api.helpers import check_failure_kinds, now
from tests.support.chargers import connected
from tests.support.server import RunningServer


@pytest.fixture
async def station(server: RunningServer) -> AsyncIterator[Any]:
    """A 2.0.1 station that reported EVSE 1 with connectors 1 and 2."""
    await server.add_charge_point("CP1")
    async with connected(server, "CP1", "ocpp2.0.1") as cp:
        for connector in (1, 2):
            await cp.call(
                call201.StatusNotification(
                    timestamp=now(), connector_status="Available", evse_id=1, connector_id=connector
                )
            )
        yield cp


async def test_transaction_status_with_and_without_a_transaction(server: RunningServer, station: Any) -> None:
    async with server.api() as api:
        answer = await api.get("/API/GetTransactionStatus/CP1/tx-live")
        assert answer.json() == {"status": "Accepted", "messagesInQueue": False, "ongoingIndicator": True}
        assert station.rec.last("GetTransactionStatus") == {"transaction_id": "tx-live"}
        answer = await api.post("/API/GetTransactionStatus/CP1")
        assert answer.json() == {"status": "Accepted", "messagesInQueue": False, "ongoingIndicator": None}
        assert station.rec.last("GetTransactionStatus") == {}


async def test_availability_of_an_evse_and_of_one_connector(server: RunningServer, station: Any) -> None:
    async with server.api() as api:
        answer = await api.post("/API/ChangeAvailability/CP1/1/Inoperative", params={"connector": "2"})
        assert answer.json() == {"status": "Accepted"}
        assert station.rec.last("ChangeAvailability") == {
            "operational_status": "Inoperative",
            "evse": {"id": 1, "connector_id": 2},
        }
        station.rec.answers["ChangeAvailability"] = "Scheduled"
        answer = await api.post("/API/ChangeAvailability/CP1/1/Operative")
        assert answer.json() == {"status": "Scheduled"}
        assert station.rec.last("ChangeAvailability") == {
            "operational_status": "Operative",
            "evse": {"id": 1},
        }
        sent = len(station.rec.received)
        unknown = await api.post("/API/ChangeAvailability/CP1/1/Operative", params={"connector": "3"})
        assert unknown.status_code == 400
        assert unknown.json()["detail"].startswith("connector 3 of EVSE 1 was never reported")
        assert "known connectors of EVSE 1: 1, 2" in unknown.json()["detail"]
        other_evse = await api.post("/API/ChangeAvailability/CP1/7/Operative", params={"connector": "1"})
        assert other_evse.status_code == 400 and "EVSE 7 was never reported" in other_evse.json()["detail"]
        assert len(station.rec.received) == sent


async def test_reset_of_one_evse(server: RunningServer, station: Any) -> None:
    async with server.api() as api:
        answer = await api.post("/API/Reset/CP1/Immediate", params={"evse": "1"})
        assert answer.json() == {"status": "Accepted"}
        assert station.rec.last("Reset") == {"type": "Immediate", "evse_id": 1}
        station.rec.answers["Reset"] = "Scheduled"
        assert (await api.post("/API/Reset/CP1", params={"evse": "1"})).json() == {"status": "Scheduled"}
        unknown = await api.post("/API/Reset/CP1", params={"evse": "4"})
        assert unknown.status_code == 400 and "EVSE 4 was never reported" in unknown.json()["detail"]
        assert station.rec.actions() == ["Reset", "Reset"]


async def test_trigger_status_notification_of_an_evse_connector(server: RunningServer, station: Any) -> None:
    async with server.api() as api:
        answer = await api.post("/API/TriggerMessage/CP1/StatusNotification/1", params={"connector": "2"})
        assert answer.json() == {"status": "Accepted"}
        assert station.rec.last("TriggerMessage") == {
            "requested_message": "StatusNotification",
            "evse": {"id": 1, "connector_id": 2},
        }
        station.rec.answers["TriggerMessage"] = "NotImplemented"
        answer = await api.post("/API/TriggerMessage/CP1/StatusNotification/1", params={"connector": "1"})
        assert answer.json() == {"status": "NotImplemented"}
        unknown = await api.post("/API/TriggerMessage/CP1/StatusNotification/1", params={"connector": "9"})
        assert unknown.status_code == 400 and "connector 9 of EVSE 1" in unknown.json()["detail"]
        no_evse = await api.post("/API/TriggerMessage/CP1/StatusNotification", params={"connector": "1"})
        assert no_evse.status_code == 400 and "needs the EVSE" in no_evse.json()["detail"]
        assert station.rec.actions() == ["TriggerMessage", "TriggerMessage"]


async def test_connectors_named_by_the_device_model_count_as_reported(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    async with connected(server, "CP1", "ocpp2.0.1") as station, server.api() as api:
        station.report_parts = [
            [
                {
                    "component": {"name": "Connector", "evse": {"id": 2, "connector_id": 1}},
                    "variable": {"name": "AvailabilityState"},
                    "variable_attribute": [{"value": "Available"}],
                }
            ]
        ]
        before = await api.post("/API/ChangeAvailability/CP1/2/Inoperative", params={"connector": "1"})
        assert before.status_code == 400 and "known EVSEs: none yet" in before.json()["detail"]
        await api.post("/API/GetBaseReport/CP1")

        async def reported() -> bool:
            return len((await api.get("/API/Variables/CP1")).json()["variables"]) == 1

        await server.wait_for(reported)
        after = await api.post("/API/ChangeAvailability/CP1/2/Inoperative", params={"connector": "1"})
        assert after.json() == {"status": "Accepted"}


async def test_failures_of_the_transaction_status_route(impatient: tuple[RunningServer, Any]) -> None:
    server, station = impatient
    async with server.api() as api:
        send = lambda: api.get("/API/GetTransactionStatus/CP1/tx-1")  # noqa: E731
        await check_failure_kinds(station, "GetTransactionStatus", send, garbage="perhaps")
        station.rec.answers["GetTransactionStatus"] = "yes"
        answer = await send()
        assert answer.json() == {"status": "Accepted", "messagesInQueue": True, "ongoingIndicator": False}
