"""GET /API/Events (Server-Sent Events) over real HTTP: filters, and resuming with Last-Event-ID."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call

from tests.api.helpers import start_transaction
from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.support.sse import read_events


async def status(cp: Any, state: str) -> None:
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status=state))


async def test_the_stream_filters_and_resumes_after_the_last_event_id(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    await server.add_charge_point("CP2")
    params = {"type": "connector.*", "chargePointId": "CP1"}
    async with connected(server, "CP1") as cp1, connected(server, "CP2") as cp2, server.api() as api:
        async with api.stream("GET", "/API/Events", params=params) as live:
            assert live.status_code == 200
            assert live.headers["content-type"].startswith("text/event-stream")
            await status(cp2, "Charging")  # another charger: not for this stream
            for state in ("Preparing", "Charging", "Finishing"):
                await status(cp1, state)
            first = await read_events(live, 3)
        assert [m["data"]["data"]["status"] for m in first] == ["Preparing", "Charging", "Finishing"]
        assert all(m["event"] == "connector.status_changed" for m in first)
        assert all(m["data"]["chargePointId"] == "CP1" for m in first)
        ids = [int(m["id"]) for m in first]
        assert ids == sorted(ids)

        # While nobody listens, two more; a reconnect with Last-Event-ID gets exactly those.
        await status(cp1, "Available")
        await status(cp1, "Unavailable")
        headers = {"Last-Event-ID": first[-1]["id"]}
        async with api.stream("GET", "/API/Events", params=params, headers=headers) as resumed:
            missed = await read_events(resumed, 2)
        assert [m["data"]["data"]["status"] for m in missed] == ["Available", "Unavailable"]
        assert {m["data"]["id"] for m in missed}.isdisjoint({m["data"]["id"] for m in first})

        # From the start of the outbox: everything of CP1, once, in order.
        async with api.stream("GET", "/API/Events", params={**params, "lastEventId": "0"}) as replay:
            everything = await read_events(replay, 5)
        assert [m["data"]["id"] for m in everything] == [m["data"]["id"] for m in first + missed]

        bad = await api.get("/API/Events", headers={"Last-Event-ID": "yesterday"})
        assert bad.status_code == 400 and "Last-Event-ID" in bad.json()["detail"]
        unknown = await api.get("/API/Events", params={"type": "transactoin.*"})
        assert unknown.status_code == 400 and "transactoin.*" in unknown.json()["detail"]


async def test_the_load_manager_reports_each_new_allocation(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    await server.add_tag("TAG1")
    async with connected(server, "CP1") as cp1, server.api() as api:
        async with api.stream("GET", "/API/Events", params={"type": "site.*"}) as live:
            site = {"id": "depot", "maxCurrentA": 16, "chargePoints": ["CP1"]}
            assert (await api.post("/API/Sites", json=site)).status_code == 201
            tx = await start_transaction(cp1, 1, "TAG1")
            (seen,) = await read_events(live, 1)
    assert seen["event"] == "site.allocation_changed"
    event = seen["data"]
    assert event["chargePointId"] is None and event["data"]["siteId"] == "depot"
    assert event["data"]["limitA"] == 16 and event["data"]["allocatedA"] == 16
    (member,) = event["data"]["chargePoints"]
    assert member["chargePointId"] == "CP1"
    assert member["connectors"] == [
        {"connectorId": 1, "transactionId": tx, "allocatedA": 16, "measuredA": None}
    ]
