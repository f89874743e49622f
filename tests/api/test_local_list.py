"""The local authorization list built from the stored tags (Full and Differential), and what is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.exceptions import InternalError
from sqlalchemy import delete

from chargegrid.store.models import ChargeTag
from tests.api.helpers import is16
from tests.support.server import RunningServer

LATER = datetime(2030, 1, 1, tzinfo=UTC)


def _sent(charger: Any) -> dict[str, dict[str, Any]]:
    """The last SendLocalList's entries, by tag, in a version-neutral shape (None info: removed)."""
    wire = charger.rec.last("SendLocalList")
    if is16(charger):
        return {e["id_tag"]: e.get("id_tag_info") for e in wire.get("local_authorization_list", [])}
    out = {}
    for e in wire.get("local_authorization_list", []):
        info = e.get("id_token_info")
        out[e["id_token"]["id_token"]] = info
    return out


async def test_full_then_differential_from_the_stored_tags(server: RunningServer, charger: Any) -> None:
    await server.add_tag("alice", parent="fleet", expiry=LATER)
    await server.add_tag("bob", blocked=True)
    await server.add_tag("carol", expiry=datetime.now(UTC) - timedelta(days=1))
    async with server.api() as api:
        answer = await api.post("/API/LocalList/CP1")
        assert answer.json() == {"status": "Accepted", "listVersion": 1, "updateType": "Full", "entries": 3}
        sent = _sent(charger)
        assert {tag: info["status"] for tag, info in sent.items()} == {
            "alice": "Accepted",
            "bob": "Blocked",
            "carol": "Expired",
        }
        if is16(charger):
            assert charger.rec.last("SendLocalList")["list_version"] == 1
            assert sent["alice"]["parent_id_tag"] == "fleet"
            assert sent["alice"]["expiry_date"].startswith("2030-01-01T00:00:00")
        else:
            assert charger.rec.last("SendLocalList")["version_number"] == 1
            assert sent["alice"]["group_id_token"] == {"id_token": "fleet", "type": "Central"}
        state = (await api.get("/API/LocalList/CP1")).json()
        assert (state["sentVersion"], state["sentStatus"], state["acceptedVersion"]) == (1, "Accepted", 1)
        assert [e["idTag"] for e in state["entries"]] == ["alice", "bob", "carol"]

        # bob is deleted, dave is added, alice changes group: a Differential carries only that
        async with server.services.db.begin() as db:
            await db.execute(delete(ChargeTag).where(ChargeTag.tag_id == "bob"))
            alice = await db.get(ChargeTag, "alice")
            assert alice is not None
            alice.parent_tag_id = "staff"
        await server.add_tag("dave")
        answer = await api.post("/API/LocalList/CP1", params={"updateType": "differential"})
        assert answer.json() == {
            "status": "Accepted",
            "listVersion": 2,
            "updateType": "Differential",
            "entries": 3,
        }
        sent = _sent(charger)
        assert set(sent) == {"alice", "bob", "dave"} and sent["bob"] is None
        assert sent["dave"]["status"] == "Accepted"
        state = (await api.get("/API/LocalList/CP1")).json()
        assert [e["idTag"] for e in state["entries"]] == ["alice", "carol", "dave"]
        assert state["entries"][0]["groupIdTag"] == "staff"

        # the charger refuses version 7: kept as sent, not as what it holds
        charger.rec.answers["SendLocalList"] = "VersionMismatch"
        answer = await api.post("/API/LocalList/CP1", params={"listVersion": "7"})
        assert answer.json()["status"] == "VersionMismatch"
        state = (await api.get("/API/LocalList/CP1")).json()
        assert (state["sentVersion"], state["sentStatus"], state["acceptedVersion"]) == (
            7,
            "VersionMismatch",
            2,
        )

        # what the charger reports is kept too (the test charger says 7)
        assert (await api.get("/API/GetLocalListVersion/CP1")).json() == {
            "status": "Accepted",
            "listVersion": 7,
        }
        state = (await api.get("/API/LocalList/CP1")).json()
        assert state["reportedVersion"] == 7 and state["reportedAt"] is not None
        # the next version goes above every version seen
        await api.post("/API/LocalList/CP1")
        assert (await api.get("/API/LocalList/CP1")).json()["sentVersion"] == 8

        bad = await api.post("/API/LocalList/CP1", params={"updateType": "Partial"})
        assert bad.status_code == 400 and "updateType 'Partial'" in bad.json()["detail"]


async def test_empty_full_list_and_version_limits(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        fresh = (await api.get("/API/LocalList/CP1")).json()
        assert fresh["sentVersion"] is None and fresh["entries"] == []
        answer = await api.post("/API/LocalList/CP1")
        assert answer.json() == {"status": "Accepted", "listVersion": 1, "updateType": "Full", "entries": 0}
        wire = charger.rec.last("SendLocalList")
        if is16(charger):
            assert wire["local_authorization_list"] == []
        else:  # 2.x: an empty Full list omits the list
            assert "local_authorization_list" not in wire
        # the body form stays
        body = {"listVersion": 3, "entries": [{"idTag": "x"}]}
        assert (await api.post("/API/SendLocalList/CP1", json=body)).json() == {"status": "Accepted"}
        assert (await api.get("/API/LocalList/CP1")).json()["acceptedVersion"] == 3
        # a CallError leaves the kept state alone
        charger.rec.errors["SendLocalList"] = InternalError(description="list storage full")
        failed = await api.post("/API/LocalList/CP1")
        assert failed.status_code == 502 and failed.json()["errorCode"] == "InternalError"
        assert (await api.get("/API/LocalList/CP1")).json()["sentVersion"] == 3
        if is16(charger):
            await server.add_tag("a-tag-longer-than-twenty")
            long_tag = await api.post("/API/LocalList/CP1")
            assert long_tag.status_code == 400 and "20 characters" in long_tag.json()["detail"]
