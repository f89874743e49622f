"""Admin resources: ChargePoints, ChargeTags and Transactions — CRUD, validation, CSV, OpenAPI."""

from __future__ import annotations

import csv
import io
from typing import Any

from ocpp.v16 import call as call16
from sqlalchemy import select

from chargegrid.store.models import ChargePoint
from tests.api.helpers import now, start_transaction
from tests.support.chargers import connected
from tests.support.server import RunningServer

PASSWORD = "a-long-charger-key-42"


async def test_charge_point_crud(server: RunningServer) -> None:
    async with server.api() as api:
        created = await api.post(
            "/API/ChargePoints",
            json={
                "id": "CP-A",
                "name": "Garage",
                "comment": "left",
                "password": PASSWORD,
                "pricePerKwh": 0.3,
            },
        )
        assert created.status_code == 201
        body = created.json()
        assert (body["id"], body["name"], body["hasPassword"], body["pricePerKwh"]) == (
            "CP-A",
            "Garage",
            True,
            0.3,
        )
        assert body["online"] is False and body["registrationStatus"] == "Accepted"
        assert PASSWORD not in created.text and "password" not in body
        assert (await api.post("/API/ChargePoints", json={"id": "CP-A"})).status_code == 409
        assert [cp["id"] for cp in (await api.get("/API/ChargePoints")).json()] == ["CP-A"]

        # the stored password is hashed, and the charger can use it
        async with server.services.db() as db:
            stored = (await db.scalars(select(ChargePoint.password_hash))).one()
        assert stored and PASSWORD not in stored
        async with connected(server, "CP-A", "ocpp2.0.1", password=PASSWORD):
            live = (await api.get("/API/ChargePoints/CP-A")).json()
            assert (live["online"], live["protocol"], live["vendor"]) == (True, "ocpp2.0.1", "TestVendor")
            changed = await api.put(
                "/API/ChargePoints/CP-A",
                json={**live, "name": "Carport", "sessionFee": 1.5, "maxSessionKwh": None},
            )
            assert changed.status_code == 200
            assert (changed.json()["name"], changed.json()["sessionFee"], changed.json()["comment"]) == (
                "Carport",
                1.5,
                "left",
            )
            assert (await api.get("/API/Status")).json()[0]["name"] == "Carport"
            assert (await api.delete("/API/ChargePoints/CP-A")).status_code == 204
            await server.wait_for(lambda: "CP-A" not in server.services.registry)
        assert (await api.get("/API/ChargePoints/CP-A")).status_code == 404
        assert (await api.put("/API/ChargePoints/CP-A", json={"name": "x"})).status_code == 404
        assert (await api.delete("/API/ChargePoints/CP-A")).status_code == 404


def _field_errors(answer: Any) -> set[str]:
    assert answer.status_code == 422, answer.text
    return {str(e["loc"][-1]) for e in answer.json()["detail"]}


async def test_charge_point_validation_names_the_field(server: RunningServer) -> None:
    async with server.api() as api:
        cases = [
            ({"name": "no id"}, "id"),
            ({"id": "has:colon"}, "id"),
            ({"id": "x" * 49}, "id"),
            ({"id": "ok", "password": "short"}, "password"),
            ({"id": "ok", "pricePerKwh": -0.1}, "pricePerKwh"),
            ({"id": "ok", "maxSessionKwh": "lots"}, "maxSessionKwh"),
            ({"id": "ok", "sessionFee": -1}, "sessionFee"),
            ({"id": "ok", "colour": "red"}, "colour"),
        ]
        for body, field in cases:
            assert field in _field_errors(await api.post("/API/ChargePoints", json=body)), body
        await api.post("/API/ChargePoints", json={"id": "ok", "name": "kept"})
        assert "pricePerKwh" in _field_errors(await api.put("/API/ChargePoints/ok", json={"pricePerKwh": -2}))
        other_id = await api.put("/API/ChargePoints/ok", json={"id": "other"})
        assert other_id.status_code == 422 and "ids cannot change" in other_id.json()["detail"]
        assert (await api.get("/API/ChargePoints/ok")).json()["name"] == "kept"  # bad input changed nothing
        assert [cp["id"] for cp in (await api.get("/API/ChargePoints")).json()] == ["ok"]


async def test_charge_tag_crud_and_validation(server: RunningServer) -> None:
    async with server.api() as api:
        body = {
            "tagId": "TAG1",
            "tagName": "Alice",
            "parentTagId": "FAMILY",
            "expiryDate": "2030-01-01T12:00:00+01:00",
        }
        created = await api.post("/API/ChargeTags", json=body)
        assert created.status_code == 201
        assert created.json() == {
            "tagId": "TAG1",
            "tagName": "Alice",
            "parentTagId": "FAMILY",
            "expiryDate": "2030-01-01T11:00:00Z",
            "blocked": False,
        }
        assert (await api.post("/API/ChargeTags", json={"tagId": "tag1"})).status_code == 409
        assert (await api.get("/API/ChargeTags/tag1")).json()["tagId"] == "TAG1"
        changed = await api.put("/API/ChargeTags/TAG1", json={"blocked": True, "expiryDate": None})
        assert changed.json()["blocked"] is True and changed.json()["expiryDate"] is None
        assert changed.json()["tagName"] == "Alice"
        for bad, field in (
            ({"tagId": ""}, "tagId"),
            ({"tagId": "has space"}, "tagId"),
            ({"tagId": "T2", "expiryDate": "soon"}, "expiryDate"),
            ({"tagId": "T2", "blocked": "perhaps"}, "blocked"),
            ({"tagId": "T2", "tagName": "x" * 201}, "tagName"),
        ):
            assert field in _field_errors(await api.post("/API/ChargeTags", json=bad)), bad
        assert [t["tagId"] for t in (await api.get("/API/ChargeTags")).json()] == ["TAG1"]
        assert (await api.delete("/API/ChargeTags/TAG1")).status_code == 204
        assert (await api.get("/API/ChargeTags/TAG1")).status_code == 404
        assert (await api.delete("/API/ChargeTags/TAG1")).status_code == 404


async def test_transactions_json_csv_and_filters(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    await server.add_charge_point("CP2")
    await server.add_tag("tagA")
    async with connected(server, "CP1", "ocpp1.6") as one, connected(server, "CP2", "ocpp2.0.1") as two:
        tx1 = await start_transaction(one, 1, "tagA")
        await start_transaction(one, 2, "tagA")
        await start_transaction(two, 1, "tagA")
        await one.call(
            call16.StopTransaction(meter_stop=13500, timestamp=now(), transaction_id=tx1, reason="Local")
        )
    async with server.api() as api:
        rows = (await api.get("/API/Transactions")).json()
        assert len(rows) == 3
        stopped = next(r for r in rows if r["transactionId"] == tx1)
        assert (stopped["meterStart"], stopped["meterStop"], stopped["energyKwh"]) == (1.0, 13.5, 12.5)
        assert (stopped["stopReason"], stopped["startTagId"], stopped["connectorId"]) == ("Local", "tagA", 1)
        assert stopped["startTime"].endswith("Z") and stopped["stopTime"].endswith("Z")
        only_cp1 = (await api.get("/API/Transactions", params={"chargePointId": "CP1"})).json()
        assert {r["chargePointId"] for r in only_cp1} == {"CP1"} and len(only_cp1) == 2
        one_connector = (
            await api.get("/API/Transactions", params={"chargePointId": "CP1", "connectorId": 2})
        ).json()
        assert [r["connectorId"] for r in one_connector] == [2] and one_connector[0]["stopTime"] is None
        assert (await api.get("/API/Transactions", params={"from": "2099-01-01T00:00:00Z"})).json() == []
        assert len((await api.get("/API/Transactions", params={"to": "2099-01-01T00:00:00"})).json()) == 3
        paged = (await api.get("/API/Transactions", params={"limit": 2, "offset": 2})).json()
        assert len(paged) == 1
        for query, field in (
            ({"limit": 0}, "limit"),
            ({"from": "yesterday"}, "from"),
            ({"connectorId": "x"}, "connectorId"),
        ):
            assert field in _field_errors(await api.get("/API/Transactions", params=query))

        by_header = await api.get("/API/Transactions", headers={"Accept": "text/csv"})
        by_path = await api.get("/API/Transactions.csv", params={"chargePointId": "CP2"})
    assert by_header.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(by_header.text)))
    assert len(table) == 3 and table[0].keys() >= {"transactionId", "energyKwh", "meterStart", "stopReason"}
    assert next(r for r in table if r["transactionId"] == str(tx1))["energyKwh"] == "12.5"
    assert [r["chargePointId"] for r in csv.DictReader(io.StringIO(by_path.text))] == ["CP2"]


async def test_openapi_documents_every_route_with_the_api_key_and_its_scope(server: RunningServer) -> None:
    async with server.api() as api:
        spec = (await api.get("/openapi.json")).json()
        assert (await api.get("/docs")).status_code == 200
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": spec["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    paths = spec["paths"]
    for path in (
        "/API/Status",
        "/API/Reset/{chargePointId}",
        "/API/SetChargingLimit/{chargePointId}/{connectorId}/{limit}",
        "/API/RemoteStopTransaction/{chargePointId}/{connectorId}",
        "/API/StopTransaction/{chargePointId}/{connectorId}",
        "/API/SendLocalList/{chargePointId}",
        "/API/ChargePoints",
        "/API/ChargePoints/{id}",
        "/API/ChargeTags/{tagId}",
        "/API/Transactions",
        "/API/Transactions.csv",
    ):
        assert path in paths, path
    for path, operations in paths.items():
        if not path.startswith(("/API/", "/charging-stations", "/transactions")):
            continue
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            if path == "/API/Payments/Webhook":  # Stripe signs its deliveries; it has no API key
                assert "security" not in operation
                continue
            scopes = {
                s for requirement in operation.get("security", []) for s in requirement.get("ApiKey", [])
            }
            assert len(scopes) == 1 and scopes <= {"read", "command", "admin", "payments"}, (
                method,
                path,
                scopes,
            )


async def test_deleting_a_charge_point_with_transactions_needs_confirmation(server: RunningServer) -> None:
    from datetime import UTC, datetime

    from chargegrid.store.models import Transaction

    await server.add_charge_point("BILLED")
    async with server.services.db.begin() as db:
        db.add(
            Transaction(charge_point_id="BILLED", connector_id=1, start_time=datetime.now(UTC), meter_start=0)
        )
    async with server.api() as api:
        refused = await api.delete("/API/ChargePoints/BILLED")
        assert refused.status_code == 409 and "deleteTransactions=true" in refused.json()["detail"]
        assert (await api.get("/API/ChargePoints/BILLED")).status_code == 200
        assert len((await api.get("/API/Transactions", params={"chargePointId": "BILLED"})).json()) == 1
        assert (await api.delete("/API/ChargePoints/BILLED?deleteTransactions=true")).status_code == 204
        assert (await api.get("/API/ChargePoints/BILLED")).status_code == 404


async def test_a_charge_point_id_the_edge_would_refuse_cannot_be_created(server: RunningServer) -> None:
    async with server.api() as api:
        for bad in ("a/b", "a:b", "has space"):
            answer = await api.post("/API/ChargePoints", json={"id": bad, "name": "x"})
            assert answer.status_code in (400, 422), bad
            assert "id" in answer.text
        assert (await api.get("/API/ChargePoints")).json() == []
