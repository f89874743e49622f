"""OCPP 1.6 charger sessions end to end: authorize, start, meter values, stop — all stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocpp.v16 import call
from sqlalchemy import select

from chargegrid.store.models import ChargerEvent, ConnectorStatus, MeterValue, Transaction
from tests.support.chargers import connected
from tests.support.server import RunningServer

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def energy(t: datetime, wh: float, unit: str = "Wh", **extra: str) -> dict[str, object]:
    value = {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": unit, **extra}
    return {"timestamp": iso(t), "sampledValue": [value]}


async def test_full_transaction_with_meter_values(server: RunningServer) -> None:
    await server.add_charge_point("CP16", name="Wallbox")
    await server.add_tag("TAG1", name="Driver")
    async with connected(server, "CP16") as cp:
        await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
        auth = await cp.call(call.Authorize(id_tag="TAG1"))
        assert auth.id_tag_info["status"] == "Accepted"
        start = await cp.call(
            call.StartTransaction(connector_id=1, id_tag="TAG1", meter_start=12_000, timestamp=iso(T0))
        )
        assert start.id_tag_info["status"] == "Accepted"
        tx_id = start.transaction_id
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=tx_id,
                meter_value=[
                    {
                        "timestamp": iso(T0 + timedelta(minutes=30)),
                        "sampledValue": [
                            {"value": "17.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
                            {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
                            {"value": "64", "measurand": "SoC", "unit": "Percent", "location": "EV"},
                            {"value": "230", "measurand": "Voltage", "unit": "V"},
                        ],
                    }
                ],
            )
        )
        live = server.services.registry.get("CP16")
        assert live is not None
        assert live.connectors[1].energy_kwh == 17.5 and live.connectors[1].power_kw == 11.0
        stop = await cp.call(
            call.StopTransaction(
                transaction_id=tx_id,
                meter_stop=23_000,
                timestamp=iso(T0 + timedelta(hours=1)),
                id_tag="TAG1",
                reason="Local",
                transaction_data=[energy(T0 + timedelta(hours=1), 23_000, context="Transaction.End")],
            )
        )
        assert stop.id_tag_info["status"] == "Accepted"
    async with server.services.db() as db:
        tx = await db.get(Transaction, tx_id)
        assert tx is not None
        assert (tx.charge_point_id, tx.connector_id, tx.start_tag_id) == ("CP16", 1, "TAG1")
        assert tx.meter_start == 12.0 and tx.meter_stop == 23.0 and tx.stop_reason == "Local"
        assert tx.start_time == T0 and tx.stop_time == T0 + timedelta(hours=1)
        rows = (await db.scalars(select(MeterValue).where(MeterValue.transaction_id == tx_id))).all()
        kept = sorted((r.measurand, r.value, r.unit) for r in rows)
        assert kept == [
            ("Energy.Active.Import.Register", 17.5, "kWh"),
            ("Energy.Active.Import.Register", 23.0, "kWh"),
            ("Power.Active.Import", 11.0, "kW"),
            ("SoC", 64.0, "Percent"),
        ]
        status = await db.get(ConnectorStatus, ("CP16", 1))
        assert status is not None and status.status == "Preparing"


async def test_repeated_start_returns_same_transaction_and_repeated_stop_changes_nothing(
    server: RunningServer,
) -> None:
    await server.add_charge_point("DUP")
    await server.add_tag("TAG")
    async with connected(server, "DUP") as cp:
        req = call.StartTransaction(connector_id=2, id_tag="TAG", meter_start=0, timestamp=iso(T0))
        first = await cp.call(req)
        again = await cp.call(req)
        assert first.transaction_id == again.transaction_id
        stop = call.StopTransaction(
            transaction_id=first.transaction_id, meter_stop=5000, timestamp=iso(T0 + timedelta(hours=1))
        )
        await cp.call(stop)
        await cp.call(
            call.StopTransaction(
                transaction_id=first.transaction_id, meter_stop=9999, timestamp=iso(T0 + timedelta(hours=2))
            )
        )
    async with server.services.db() as db:
        rows = (await db.scalars(select(Transaction).where(Transaction.charge_point_id == "DUP"))).all()
        assert len(rows) == 1 and rows[0].meter_stop == 5.0 and rows[0].stop_time == T0 + timedelta(hours=1)


async def test_charger_cannot_stop_another_chargers_transaction(server: RunningServer) -> None:
    await server.add_charge_point("OWNER")
    await server.add_charge_point("INTRUDER")
    await server.add_tag("TAG")
    async with connected(server, "OWNER") as owner:
        start = await owner.call(
            call.StartTransaction(connector_id=1, id_tag="TAG", meter_start=0, timestamp=iso(T0))
        )
    async with connected(server, "INTRUDER") as intruder:
        answer = await intruder.call(
            call.StopTransaction(transaction_id=start.transaction_id, meter_stop=1, timestamp=iso(T0))
        )
        assert answer.id_tag_info is None
        unknown = await intruder.call(
            call.StopTransaction(transaction_id=987654, meter_stop=1, timestamp=iso(T0))
        )
        assert unknown.id_tag_info is None
    async with server.services.db() as db:
        tx = await db.get(Transaction, start.transaction_id)
        assert tx is not None and tx.stop_time is None


async def test_offline_queued_messages_with_old_timestamps_are_accepted(server: RunningServer) -> None:
    await server.add_charge_point("OFFLINE")
    await server.add_tag("TAG")
    old = datetime(2025, 12, 24, 18, 0, tzinfo=UTC)
    async with connected(server, "OFFLINE") as cp:
        start = await cp.call(
            call.StartTransaction(connector_id=1, id_tag="TAG", meter_start=100, timestamp=iso(old))
        )
        await cp.call(
            call.StopTransaction(
                transaction_id=start.transaction_id, meter_stop=2100, timestamp=iso(old + timedelta(hours=2))
            )
        )
        await cp.call(
            call.StatusNotification(
                connector_id=1, error_code="NoError", status="Available", timestamp=iso(old)
            )
        )
    async with server.services.db() as db:
        tx = await db.get(Transaction, start.transaction_id)
        assert tx is not None and tx.start_time == old and tx.meter_stop == 2.1


async def test_notifications_are_stored(server: RunningServer) -> None:
    await server.add_charge_point("NOTIFY")
    async with connected(server, "NOTIFY") as cp:
        await cp.call(call.FirmwareStatusNotification(status="Downloading"))
        await cp.call(call.DiagnosticsStatusNotification(status="Uploaded"))
        await cp.call(
            call.SecurityEventNotification(type="SettingSystemTime", timestamp=iso(T0), tech_info="ntp")
        )
        answer = await cp.call(
            call.DataTransfer(vendor_id="acme", message_id="hello", data="<script>x</script>")
        )
        assert answer.status == "UnknownVendorId"  # no vendor is registered in this server's settings
        await cp.call(call.Heartbeat())
    async with server.services.db() as db:
        kinds = (
            await db.scalars(select(ChargerEvent.kind).where(ChargerEvent.charge_point_id == "NOTIFY"))
        ).all()
    assert {
        "FirmwareStatusNotification",
        "DiagnosticsStatusNotification",
        "SecurityEventNotification",
        "DataTransfer",
        "BootNotification",
    } <= set(kinds)
