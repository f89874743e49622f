"""Display messages (2.x) end to end: SetDisplayMessage with every field on the wire, each status,
GetDisplayMessages with the NotifyDisplayMessages parts put together and stored, ClearDisplayMessage."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import check_failure_kinds
from tests.support.server import RunningServer


async def test_set_read_back_and_clear_messages(server: RunningServer, station: Any) -> None:
    async with server.api() as api:
        full = {
            "id": 1,
            "text": "<b>Welcome</b>",
            "format": "HTML",
            "language": "en",
            "priority": "InFront",
            "state": "Charging",
            "start": "2030-01-01T08:00:00Z",
            "end": "2030-01-01T20:00:00+01:00",
            "transactionId": "tx-9",
        }
        assert (await api.post("/API/SetDisplayMessage/CP1", json=full)).json() == {"status": "Accepted"}
        message = station.rec.last("SetDisplayMessage")["message"]
        assert message == {
            "id": 1,
            "priority": "InFront",
            "state": "Charging",
            "start_date_time": "2030-01-01T08:00:00.000Z",
            "end_date_time": "2030-01-01T19:00:00.000Z",
            "transaction_id": "tx-9",
            "message": {"format": "HTML", "language": "en", "content": "<b>Welcome</b>"},
        }
        plain = {"id": 2, "text": "Out of order soon"}
        assert (await api.post("/API/SetDisplayMessage/CP1", json=plain)).json() == {"status": "Accepted"}
        assert station.rec.last("SetDisplayMessage")["message"] == {
            "id": 2,
            "priority": "NormalCycle",
            "message": {"format": "UTF8", "content": "Out of order soon"},
        }
        for status in ("NotSupportedMessageFormat", "NotSupportedPriority", "UnknownTransaction"):
            station.rec.answers["SetDisplayMessage"] = status
            refused = await api.post("/API/SetDisplayMessage/CP1", json={"id": 3, "text": "x"})
            assert refused.json() == {"status": status}
        bad = await api.post("/API/SetDisplayMessage/CP1", json={"id": 3, "text": "x", "priority": "Urgent"})
        assert bad.status_code == 400 and "priority" in bad.json()["detail"]

        asked = await api.post("/API/GetDisplayMessages/CP1")
        request_id = asked.json()["requestId"]
        assert asked.json() == {"status": "Accepted", "requestId": request_id}
        assert station.rec.last("GetDisplayMessages") == {"request_id": request_id}

        async def both_parts() -> bool:
            shown = await api.get("/API/DisplayMessages/CP1")
            return shown.status_code == 200 and shown.json()["complete"]

        await server.wait_for(both_parts)
        shown = (await api.get("/API/DisplayMessages/CP1")).json()
        assert (shown["requestId"], shown["parts"]) == (request_id, 2)
        assert [m["id"] for m in shown["messages"]] == [1, 2]
        assert shown["messages"][0]["message"]["content"] == "<b>Welcome</b>"

        assert (await api.post("/API/ClearDisplayMessage/CP1/1")).json() == {"status": "Accepted"}
        assert station.rec.last("ClearDisplayMessage") == {"id": 1}
        assert (await api.post("/API/ClearDisplayMessage/CP1/1")).json() == {"status": "Unknown"}

        filtered = await api.post(
            "/API/GetDisplayMessages/CP1", json={"ids": [2], "priority": "NormalCycle", "state": "Idle"}
        )
        assert station.rec.last("GetDisplayMessages") == {
            "request_id": filtered.json()["requestId"],
            "id": [2],
            "priority": "NormalCycle",
            "state": "Idle",
        }

        async def filtered_part() -> bool:
            shown = (await api.get("/API/DisplayMessages/CP1")).json()
            return bool(shown["requestId"] == filtered.json()["requestId"] and shown["complete"])

        await server.wait_for(filtered_part)
        latest = (await api.get("/API/DisplayMessages/CP1")).json()
        assert [m["id"] for m in latest["messages"]] == [2]
        earlier = await api.get("/API/DisplayMessages/CP1", params={"requestId": str(request_id)})
        assert len(earlier.json()["messages"]) == 2


async def test_no_messages_and_failures(impatient: tuple[RunningServer, Any]) -> None:
    server, station = impatient
    async with server.api() as api:
        assert (await api.post("/API/GetDisplayMessages/CP1")).json()["status"] == "Unknown"
        missing = await api.get("/API/DisplayMessages/CP1")
        assert missing.status_code == 404 and "no display messages" in missing.json()["detail"]
        send = lambda: api.post("/API/SetDisplayMessage/CP1", json={"id": 1, "text": "hi"})  # noqa: E731
        await check_failure_kinds(station, "SetDisplayMessage", send)
