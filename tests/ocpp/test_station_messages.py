"""What stations send beyond transactions: vendor DataTransfer against the registry, totalCost on a
2.x TransactionEvent Ended (and CostUpdated to a running one), and 2.1's own messages."""

from __future__ import annotations

from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v21 import call as call21
from ocpp.v201 import call as call201
from sqlalchemy import select

from chargegrid.config import load_settings
from chargegrid.store.models import ChargerEvent
from tests.api.helpers import now
from tests.support.chargers import connected
from tests.support.server import RunningServer

VENDORS = {"com.example": ["ping"], "org.open": ["*"]}


async def _events(server: RunningServer, cp_id: str) -> list[tuple[str, dict[str, Any]]]:
    async with server.services.db() as db:
        rows = await db.execute(
            select(ChargerEvent.kind, ChargerEvent.payload)
            .where(ChargerEvent.charge_point_id == cp_id)
            .order_by(ChargerEvent.id)
        )
        return [(kind, payload) for kind, payload in rows.all()]


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_data_transfer_answers_from_the_vendor_registry(server_factory: Any, protocol: str) -> None:
    call = call16 if protocol == "ocpp1.6" else call201
    async with server_factory(data_transfer={"vendors": VENDORS}) as server:
        await server.add_charge_point("DT")
        async with connected(server, "DT", protocol) as cp:
            asked = [
                ("com.example", "ping", "Accepted"),
                ("COM.Example", "ping", "Accepted"),  # vendor ids are case-insensitive
                ("com.example", None, "Accepted"),
                ("com.example", "pong", "UnknownMessageId"),
                ("org.open", "anything", "Accepted"),
                ("com.other", "ping", "UnknownVendorId"),
            ]
            for vendor, message, expected in asked:
                answer = await cp.call(call.DataTransfer(vendor_id=vendor, message_id=message, data="x"))
                assert answer.status == expected, (vendor, message)
        kept = [p for kind, p in await _events(server, "DT") if kind == "DataTransfer"]
        assert [(p["vendorId"], p["answeredStatus"]) for p in kept] == [(v, s) for v, _, s in asked]


def test_vendor_registry_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARGEGRID_DATA_TRANSFER__VENDORS", '{"com.example": ["ping", "pong"]}')
    assert load_settings().data_transfer.vendors == {"com.example": ["ping", "pong"]}


def _tx_event(kind: str, seq: int, wh: float, context: str) -> Any:
    return call201.TransactionEvent(
        event_type=kind,
        timestamp=now(),
        trigger_reason="Authorized" if kind == "Started" else "EVCommunicationLost",
        seq_no=seq,
        transaction_info={"transaction_id": "tx-cost"},
        evse={"id": 1, "connector_id": 1},
        id_token={"id_token": "tag1", "type": "ISO14443"},
        meter_value=[
            {
                "timestamp": now(),
                "sampled_value": [
                    {"value": wh, "context": context, "measurand": "Energy.Active.Import.Register"}
                ],
            }
        ],
    )


async def test_total_cost_when_the_station_has_a_price_and_cost_updated(server: RunningServer) -> None:
    await server.add_charge_point("PRICED", price_per_kwh=0.3, session_fee=1.0)
    await server.add_charge_point("FREE")
    async with connected(server, "PRICED", "ocpp2.0.1") as cp, server.api() as api:
        await cp.call(_tx_event("Started", 0, 1000, "Transaction.Begin"))
        [tx] = (await api.get("/API/Transactions", params={"chargePointId": "PRICED"})).json()
        answer = await api.post(f"/API/CostUpdated/PRICED/{tx['transactionId']}", params={"totalCost": "2.5"})
        assert answer.json() == {"status": "Accepted"}
        assert cp.rec.last("CostUpdated") == {"total_cost": 2.5, "transaction_id": "tx-cost"}
        bad = await api.post(f"/API/CostUpdated/PRICED/{tx['transactionId']}", params={"totalCost": "-1"})
        assert bad.status_code == 400 and "totalCost" in bad.json()["detail"]
        other = await api.post("/API/CostUpdated/FREE/" + str(tx["transactionId"]), params={"totalCost": "1"})
        assert other.status_code == 404
        ended = await cp.call(_tx_event("Ended", 1, 11000, "Transaction.End"))
        assert ended.total_cost == 4.0  # 10 kWh x 0.30 + 1.00 fee, as payments compute it
        again = await cp.call(_tx_event("Ended", 1, 11000, "Transaction.End"))
        assert again.total_cost == 4.0  # a repeated event gets the first answer
    async with connected(server, "FREE", "ocpp2.0.1") as cp:
        await cp.call(_tx_event("Started", 0, 1000, "Transaction.Begin"))
        ended = await cp.call(_tx_event("Ended", 1, 11000, "Transaction.End"))
        assert ended.total_cost is None  # no price of its own: no cost told


async def test_cost_updated_is_2x_only(server: RunningServer) -> None:
    await server.add_charge_point("OLD")
    async with connected(server, "OLD") as cp, server.api() as api:
        started = await cp.call(
            call16.StartTransaction(connector_id=1, id_tag="t", meter_start=0, timestamp=now())
        )
        answer = await api.post(f"/API/CostUpdated/OLD/{started.transaction_id}", params={"totalCost": "1"})
        assert answer.status_code == 400 and "2.x" in answer.json()["detail"]


async def test_21_station_messages_are_answered_and_kept(server: RunningServer) -> None:
    await server.add_charge_point("NEW")
    hash_data = {
        "hash_algorithm": "SHA256",
        "issuer_name_hash": "aa",
        "issuer_key_hash": "bb",
        "serial_number": "1",
    }
    async with connected(server, "NEW", "ocpp2.1") as cp:
        # the library checks every answer against the 2.1 schema
        settled = await cp.call(
            call21.NotifySettlement(
                psp_ref="psp-1", status="Settled", settlement_amount=12.5, settlement_time=now()
            )
        )
        assert settled.receipt_url is None
        pulled = await cp.call(call21.PullDynamicScheduleUpdate(charging_profile_id=5))
        assert pulled.status == "Rejected" and pulled.status_info["reason_code"] == "NoSchedule"
        await cp.call(call21.NotifyPriorityCharging(transaction_id="tx-1", activated=True))
        await cp.call(call21.NotifyDERAlarm(control_type="FreqDroop", timestamp=now()))
        await cp.call(call21.NotifyDERStartStop(control_id="c1", started=True, timestamp=now()))
        await cp.call(call21.ReportDERControl(request_id=3))
        await cp.call(
            call21.BatterySwap(
                battery_data=[{"evse_id": 1, "serial_number": "B1", "so_c": 80, "so_h": 95}],
                event_type="BatteryIn",
                id_token={"id_token": "tag1", "type": "ISO14443"},
                request_id=4,
            )
        )
        vat = await cp.call(call21.VatNumberValidation(vat_number="NL123", evse_id=1))
        assert (vat.vat_number, vat.evse_id, vat.status) == ("NL123", 1, "Rejected")
        stream = await cp.call(
            call21.OpenPeriodicEventStream(
                constant_stream_data={"id": 1, "params": {}, "variable_monitoring_id": 2}
            )
        )
        assert stream.status == "Rejected"
        await cp.call(call21.ClosePeriodicEventStream(id=1))
        chain = await cp.call(
            call21.GetCertificateChainStatus(
                certificate_status_requests=[
                    {"certificate_hash_data": hash_data, "source": "OCSP", "urls": ["http://o"]}
                ]
            )
        )
        [status] = chain.certificate_status
        assert status["status"] == "Failed" and status["certificate_hash_data"] == hash_data
    kinds = [kind for kind, _ in await _events(server, "NEW")]
    assert kinds[1:] == [
        "NotifySettlement",
        "PullDynamicScheduleUpdate",
        "NotifyPriorityCharging",
        "NotifyDERAlarm",
        "NotifyDERStartStop",
        "ReportDERControl",
        "BatterySwap",
        "VatNumberValidation",
        "OpenPeriodicEventStream",
        "ClosePeriodicEventStream",
        "GetCertificateChainStatus",
    ]
