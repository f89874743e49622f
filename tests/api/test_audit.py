"""GET /API/Audit: every admin change leaves an entry naming who made it (bootstrap key or named key),
with filters and paging; secrets never appear in it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from tests.support.chargers import connected
from tests.support.server import RunningServer


async def test_admin_changes_are_attributed_filtered_and_paged(server: RunningServer) -> None:
    async with server.api() as boot:
        made = (await boot.post("/API/Keys", json={"name": "ops-script", "scopes": ["admin"]})).json()
        assert (await boot.post("/API/ChargeTags", json={"tagId": "BOOT1"})).status_code == 201
    async with httpx.AsyncClient(base_url=server.http_url, headers={"X-API-Key": made["key"]}) as ops:
        created = await ops.post(
            "/API/ChargePoints", json={"id": "CP9", "name": "Yard", "password": "s3cret-pass-0123456789"}
        )
        assert created.status_code == 201, created.text
        assert (await ops.put("/API/ChargePoints/CP9", json={"name": "Yard 2"})).status_code == 200
        assert (await ops.post("/API/ChargeTags", json={"tagId": "T1"})).status_code == 201
        assert (await ops.put("/API/ChargeTags/T1", json={"blocked": True})).status_code == 200
        assert (await ops.delete("/API/ChargeTags/T1")).status_code == 204
        hook = await ops.post("/API/Webhooks", json={"url": "http://127.0.0.1:9/h", "events": ["*"]})
        assert (await ops.delete(f"/API/Webhooks/{hook.json()['id']}")).status_code == 204
        assert (await ops.delete("/API/ChargePoints/CP9")).status_code == 204

        everything = (await ops.get("/API/Audit")).json()["entries"]
        actions = [e["action"] for e in everything]
        assert actions == [
            "charge_point.delete",
            "webhook.delete",
            "webhook.create",
            "charge_tag.delete",
            "charge_tag.update",
            "charge_tag.create",
            "charge_point.update",
            "charge_point.create",
            "charge_tag.create",
            "api_key.create",
        ]
        mine = (await ops.get("/API/Audit", params={"actor": made["id"]})).json()["entries"]
        assert len(mine) == 8 and all(
            e["actor"] == {"kind": "key", "id": made["id"], "name": "ops-script"} for e in mine
        )
        bootstrap = [e for e in everything if e["actor"]["kind"] == "bootstrap"]
        assert [e["action"] for e in bootstrap] == ["charge_tag.create", "api_key.create"]
        created_entry = next(e for e in everything if e["action"] == "charge_point.create")
        assert created_entry["chargePointId"] == "CP9"
        assert created_entry["details"]["password"] == "(changed)" and "s3cret" not in str(everything)
        assert next(e for e in everything if e["action"] == "charge_tag.update")["details"] == {
            "blocked": True
        }

        tags = (await ops.get("/API/Audit", params={"action": "charge_tag.*"})).json()["entries"]
        assert [e["action"] for e in tags] == [
            "charge_tag.delete",
            "charge_tag.update",
            "charge_tag.create",
            "charge_tag.create",
        ]
        cp9 = (await ops.get("/API/Audit", params={"chargePointId": "CP9"})).json()["entries"]
        assert {e["action"] for e in cp9} == {
            "charge_point.create",
            "charge_point.update",
            "charge_point.delete",
        }
        newest = everything[0]["time"]
        later: dict[str, Any] = (await ops.get("/API/Audit", params={"from": newest})).json()
        assert next(e["action"] for e in later["entries"]) == "charge_point.delete"
        assert (await ops.get("/API/Audit", params={"to": "2000-01-01T00:00:00Z"})).json()["entries"] == []

        pages, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": 4, **({"before": cursor} if cursor else {})}
            page = (await ops.get("/API/Audit", params=params)).json()
            pages.append([e["id"] for e in page["entries"]])
            cursor = page["next"]
            if cursor is None:
                break
        assert [len(p) for p in pages] == [4, 4, 2]
        assert [i for page in pages for i in page] == [e["id"] for e in everything]
        bad = await ops.get("/API/Audit", params={"from": "last tuesday"})
        assert bad.status_code == 422 and "from" in bad.text


async def test_commands_from_each_face_are_attributed_to_the_caller(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    async with server.api() as boot:
        made = (await boot.post("/API/Keys", json={"name": "dispatch", "scopes": ["command", "read"]})).json()
    key_actor = {"kind": "key", "id": made["id"], "name": "dispatch"}
    async with (
        connected(server, "CP1"),
        httpx.AsyncClient(base_url=server.http_url, headers={"X-API-Key": made["key"]}) as api,
    ):
        assert (await api.post("/API/UnlockConnector/CP1/1")).json()["status"] == "Unlocked"
        operator = await api.post(
            "/charging-stations/CP1/commands",
            params={"wait": "true"},
            json=["RequestResetChargingStation", {"type": "HARD"}],
        )
        assert operator.status_code == 200, operator.text
        reservable = await api.post(
            "/charging-stations/CP1/commands", json=["UpdateChargingStationReservable", {"reservable": False}]
        )
        assert reservable.status_code in (200, 202), reservable.text
        async with server.api() as boot:
            entries = (await boot.get("/API/Audit", params={"chargePointId": "CP1"})).json()["entries"]
    by_action = {e["action"]: e for e in entries}
    assert by_action["command.UnlockConnector"]["outcome"] == "Unlocked"
    assert by_action["command.Reset"]["outcome"] == "Accepted"
    assert by_action["command.Reset"]["details"]["parameters"]["hard"] is True
    assert by_action["operator.UpdateChargingStationReservable"]["details"]["reservable"] is False
    for action in ("command.UnlockConnector", "command.Reset", "operator.UpdateChargingStationReservable"):
        assert by_action[action]["actor"] == key_actor, action


@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_commands_answered_right_before_a_clean_shutdown_are_all_in_the_log(
    server_factory: Callable[..., AbstractAsyncContextManager[RunningServer]],
) -> None:
    # The answer does not wait for the audit entry's commit; stopping the node must not lose it, even
    # when the database is slow to take it (here: its write lock held by someone else meanwhile).
    running = server_factory()
    server = await running.__aenter__()
    path = server.settings.database_url.split("///", 1)[1]
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        await server.add_charge_point("CP1")
        async with connected(server, "CP1"), server.api() as api:
            blocker.execute("BEGIN IMMEDIATE")
            answers = await asyncio.gather(*(api.post("/API/UnlockConnector/CP1/1") for _ in range(5)))
            assert [a.json()["status"] for a in answers] == ["Unlocked"] * 5
            stopping = asyncio.create_task(running.__aexit__(None, None, None))
            await asyncio.wait({stopping}, timeout=1.0)  # a stop that dropped them would be done by now
            blocker.execute("ROLLBACK")
            await stopping
    finally:
        blocker.close()
    async with server_factory() as again, again.api() as api:
        entries = (await api.get("/API/Audit", params={"chargePointId": "CP1", "action": "command.*"})).json()
    assert [e["outcome"] for e in entries["entries"]] == ["Unlocked"] * 5


@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_the_answer_does_not_wait_for_the_audit_commit_and_a_read_after_it_sees_the_entry(
    server: RunningServer,
) -> None:
    await server.add_charge_point("CP1")
    path = server.settings.database_url.split("///", 1)[1]
    async with connected(server, "CP1"), server.api() as api:
        blocker = sqlite3.connect(path, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")  # the database's write lock: no commit gets through now
            answer = await api.post("/API/UnlockConnector/CP1/1")
            assert answer.json()["status"] == "Unlocked"  # answered, though the audit entry is not in yet
            reading = asyncio.create_task(api.get("/API/Audit", params={"action": "command.*"}))
            # A read that did not wait for the entry would come back now, without it.
            await asyncio.wait({reading}, timeout=1.0)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        entries = (await reading).json()["entries"]
    assert [(e["action"], e["outcome"]) for e in entries] == [("command.UnlockConnector", "Unlocked")]
