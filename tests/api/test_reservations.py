"""Reservations end to end: what ReserveNow carries, what is kept, and how its state moves on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.exceptions import InternalError
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.api.helpers import is16, now
from tests.api.operator.helpers import command
from tests.support.chargers import connected
from tests.support.server import RunningServer

FUTURE = "2030-01-31T18:00:00Z"


async def _listed(api: Any, **params: str) -> list[dict[str, Any]]:
    answer = await api.get("/API/Reservations", params=params)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()
    return rows


async def test_reservation_carries_the_group_and_is_kept_until_used(
    server: RunningServer, charger: Any
) -> None:
    await server.add_tag("tag42", parent="fleet")
    async with server.api() as api:
        params = {"expiry": FUTURE, "reservationId": "77"}
        if not is16(charger):
            params["connectorType"] = "cType2"
        answer = await api.get("/API/ReserveNow/CP1/1/tag42", params=params)
        assert answer.json() == {"status": "Accepted", "reservationId": 77}
        wire = charger.rec.last("ReserveNow")
        if is16(charger):
            assert wire["parent_id_tag"] == "fleet"
            refused = await api.get("/API/ReserveNow/CP1/1/tag42", params={"connectorType": "cType2"})
            assert refused.status_code == 400 and "connectorType is 2.x only" in refused.json()["detail"]
        else:
            assert wire["group_id_token"] == {"id_token": "fleet", "type": "Central"}
            assert wire["connector_type"] == "cType2"
        [row] = await _listed(api, chargePointId="CP1")
        assert row["reservationId"] == 77 and row["state"] == "Accepted"
        assert (row["connectorId"], row["idTag"], row["groupIdTag"]) == (1, "tag42", "fleet")
        assert row["expiry"] == "2030-01-31T18:00:00Z"
        assert row["connectorType"] == (None if is16(charger) else "cType2")

        # the charger refuses a second one: kept with its answer
        charger.rec.answers["ReserveNow"] = "Occupied"
        occupied = await api.get(
            "/API/ReserveNow/CP1/2/other", params={"expiry": FUTURE, "reservationId": "78"}
        )
        assert occupied.json() == {"status": "Occupied", "reservationId": 78}
        assert [r["reservationId"] for r in await _listed(api, state="Occupied")] == [78]
        assert charger.rec.last("ReserveNow").get("parent_id_tag") is None  # an unknown tag has no group

        # a transaction started on reservation 77 uses it up
        if is16(charger):
            await charger.call(
                call16.StartTransaction(
                    connector_id=1, id_tag="tag42", meter_start=0, timestamp=now(), reservation_id=77
                )
            )
        else:
            await charger.call(
                call201.TransactionEvent(
                    event_type="Started",
                    timestamp=now(),
                    trigger_reason="Authorized",
                    seq_no=0,
                    transaction_info={"transaction_id": "tx-77"},
                    evse={"id": 1, "connector_id": 1},
                    id_token={"id_token": "tag42", "type": "ISO14443"},
                    reservation_id=77,
                )
            )
        assert [r["state"] for r in await _listed(api, chargePointId="CP1")] == ["Occupied", "Used"]
        bad = await api.get("/API/Reservations", params={"state": "Sometimes"})
        assert bad.status_code == 400 and "state 'Sometimes'" in bad.json()["detail"]


async def test_cancel_expiry_and_status_updates_move_the_state(server: RunningServer, charger: Any) -> None:
    async with server.api() as api:
        await api.get("/API/ReserveNow/CP1/1/tagA", params={"expiry": FUTURE, "reservationId": "1"})
        soon = (datetime.now(UTC) + timedelta(seconds=0.3)).isoformat()
        await api.get("/API/ReserveNow/CP1/2/tagB", params={"expiry": soon, "reservationId": "2"})
        await api.get("/API/ReserveNow/CP1/0/tagC", params={"expiry": FUTURE, "reservationId": "3"})
        assert (await api.get("/API/CancelReservation/CP1/1")).json() == {"status": "Accepted"}
        charger.rec.answers["CancelReservation"] = "Rejected"
        assert (await api.get("/API/CancelReservation/CP1/3")).json() == {"status": "Rejected"}
        await server.wait_for(lambda: datetime.now(UTC).isoformat() > soon, timeout=2)
        states = {r["reservationId"]: r["state"] for r in await _listed(api)}
        # an accepted reservation past its expiry counts as expired (1.6 sends no update)
        assert states == {1: "Cancelled", 2: "Expired", 3: "Accepted"}
        assert [r["reservationId"] for r in await _listed(api, state="Expired")] == [2]
        assert [r["reservationId"] for r in await _listed(api, state="Accepted")] == [3]
        if not is16(charger):
            await charger.call(
                call201.ReservationStatusUpdate(reservation_id=3, reservation_update_status="Removed")
            )
            assert [r["state"] for r in await _listed(api, state="Removed")] == ["Removed"]


async def test_no_usable_answer_is_kept_as_unconfirmed_and_a_call_error_not_at_all(
    server_factory: Any,
) -> None:
    async with server_factory(call_timeout=1.0) as server:
        await server.add_charge_point("CP1")
        async with connected(server, "CP1") as charger, server.api() as api:
            charger.rec.delays["ReserveNow"] = 2.0
            late = await api.get(
                "/API/ReserveNow/CP1/1/tagA", params={"expiry": FUTURE, "reservationId": "5"}
            )
            assert late.json() == {"status": "Timeout"}
            await asyncio.sleep(1.2)  # the charger answers its calls in turn: let the late answer go
            charger.rec.delays.clear()
            charger.rec.errors["ReserveNow"] = InternalError(description="reservations broken")
            failed = await api.get(
                "/API/ReserveNow/CP1/1/tagA", params={"expiry": FUTURE, "reservationId": "6"}
            )
            assert failed.status_code == 502 and failed.json()["status"] == "CallError"
            rows = await _listed(api)
            assert [(r["reservationId"], r["state"]) for r in rows] == [(5, "Unconfirmed")]


async def test_operator_api_reservations_are_kept_the_same_way(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    await server.add_tag("tag42", parent="fleet")
    async with connected(server, "CP1") as charger, server.api() as api:
        payload = {"evseId": 1, "identifyingToken": {"token": "tag42", "type": "RFID"}, "expiryDate": FUTURE}
        posted = await command(server, "CP1", "RequestReserveNow", payload)
        assert posted.status_code < 300, posted.text
        await server.wait_for(lambda: "ReserveNow" in charger.rec.actions())
        assert charger.rec.last("ReserveNow")["parent_id_tag"] == "fleet"
        rows: list[dict[str, Any]] = []

        async def kept() -> bool:
            rows[:] = await _listed(api, chargePointId="CP1")
            return bool(rows)

        await server.wait_for(kept)
        assert rows[0]["reservationId"] == charger.rec.last("ReserveNow")["reservation_id"]
        assert (rows[0]["idTag"], rows[0]["groupIdTag"], rows[0]["state"]) == ("tag42", "fleet", "Accepted")
