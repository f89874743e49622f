"""OCPP 2.0.1 charger sessions end to end: TransactionEvent Started/Updated/Ended, idempotent seqNo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.v201 import call
from sqlalchemy import select

from chargegrid.store.models import ConnectorStatus, MeterValue, Transaction, TransactionEvent
from tests.support.chargers import connected
from tests.support.server import RunningServer

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def meter(t: datetime, wh: float, context: str = "Sample.Periodic", **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": iso(t),
            "sampled_value": [
                {
                    "value": wh,
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unit_of_measure": {"unit": "Wh"},
                },
                *extra.get("more", []),
            ],
        }
    ]


def event(kind: str, seq: int, t: datetime, tx: str = "tx-1", **kw: Any) -> call.TransactionEvent:
    return call.TransactionEvent(
        event_type=kind,
        timestamp=iso(t),
        trigger_reason=kw.pop("trigger", "Authorized"),
        seq_no=seq,
        transaction_info={"transaction_id": tx, **kw.pop("info", {})},
        **kw,
    )


async def test_full_transaction(server: RunningServer) -> None:
    await server.add_charge_point("CS201")
    await server.add_tag("TOKEN1")
    async with connected(server, "CS201", "ocpp2.0.1") as cs:
        await cs.call(
            call.StatusNotification(timestamp=iso(T0), connector_status="Occupied", evse_id=1, connector_id=1)
        )
        auth = await cs.call(call.Authorize(id_token={"id_token": "TOKEN1", "type": "ISO14443"}))
        assert auth.id_token_info["status"] == "Accepted"
        started = await cs.call(
            event(
                "Started",
                0,
                T0,
                evse={"id": 1, "connector_id": 1},
                id_token={"id_token": "TOKEN1", "type": "ISO14443"},
                meter_value=meter(T0, 1000, "Transaction.Begin"),
            )
        )
        assert started.id_token_info["status"] == "Accepted"
        await cs.call(
            event(
                "Updated",
                1,
                T0 + timedelta(minutes=30),
                trigger="MeterValuePeriodic",
                meter_value=meter(
                    T0 + timedelta(minutes=30),
                    6.5e3,
                    more=[
                        {"value": 11, "measurand": "Power.Active.Import", "unit_of_measure": {"unit": "kW"}},
                        {"value": 55, "measurand": "SoC", "unit_of_measure": {"unit": "Percent"}},
                    ],
                ),
            )
        )
        live = server.services.registry.get("CS201")
        assert live is not None and live.connectors[1].power_kw == 11 and live.connectors[1].soc == 55
        await cs.call(
            event(
                "Ended",
                2,
                T0 + timedelta(hours=1),
                trigger="StopAuthorized",
                info={"stopped_reason": "Local"},
                meter_value=meter(T0 + timedelta(hours=1), 12_000, "Transaction.End"),
            )
        )
    async with server.services.db() as db:
        tx = (await db.scalars(select(Transaction).where(Transaction.charger_transaction_id == "tx-1"))).one()
        assert (tx.charge_point_id, tx.connector_id, tx.evse_id, tx.start_tag_id) == ("CS201", 1, 1, "TOKEN1")
        assert tx.meter_start == 1.0 and tx.meter_stop == 12.0 and tx.stop_reason == "Local"
        assert tx.stop_time == T0 + timedelta(hours=1)
        values = (await db.scalars(select(MeterValue).where(MeterValue.transaction_id == tx.id))).all()
        assert {v.measurand for v in values} == {
            "Energy.Active.Import.Register",
            "Power.Active.Import",
            "SoC",
        }
        status = await db.get(ConnectorStatus, ("CS201", 1))
        assert status is not None and status.status == "Occupied"


async def test_repeated_event_is_answered_like_the_first_and_applied_once(server: RunningServer) -> None:
    await server.add_charge_point("REPEAT")
    await server.add_tag("TOK")
    async with connected(server, "REPEAT", "ocpp2.0.1") as cs:
        ev = event(
            "Started",
            0,
            T0,
            tx="tx-r",
            evse={"id": 2},
            id_token={"id_token": "TOK", "type": "Central"},
            meter_value=meter(T0, 500, "Transaction.Begin"),
        )
        first = await cs.call(ev)
        second = await cs.call(ev)
        assert first.id_token_info == second.id_token_info == {"status": "Accepted"}
        end = event(
            "Ended", 1, T0 + timedelta(hours=1), tx="tx-r", meter_value=meter(T0, 900, "Transaction.End")
        )
        await cs.call(end)
        await cs.call(end)
    async with server.services.db() as db:
        assert (
            len((await db.scalars(select(Transaction).where(Transaction.charge_point_id == "REPEAT"))).all())
            == 1
        )
        events = (
            await db.scalars(select(TransactionEvent).where(TransactionEvent.charge_point_id == "REPEAT"))
        ).all()
        assert sorted(e.seq_no for e in events) == [0, 1]


async def test_updated_before_started_starts_the_transaction(server: RunningServer) -> None:
    await server.add_charge_point("OOO")
    async with connected(server, "OOO", "ocpp2.0.1") as cs:
        await cs.call(
            event(
                "Updated",
                1,
                T0 + timedelta(minutes=5),
                tx="tx-o",
                evse={"id": 1},
                trigger="MeterValuePeriodic",
                meter_value=meter(T0, 2000),
            )
        )
        await cs.call(event("Started", 0, T0, tx="tx-o", evse={"id": 1}))
    async with server.services.db() as db:
        tx = (await db.scalars(select(Transaction).where(Transaction.charger_transaction_id == "tx-o"))).one()
        assert tx.start_time == T0 and tx.stop_time is None


async def test_same_transaction_id_on_two_stations_are_two_transactions(server: RunningServer) -> None:
    await server.add_charge_point("A201")
    await server.add_charge_point("B201")
    for cp_id in ("A201", "B201"):
        async with connected(server, cp_id, "ocpp2.0.1") as cs:
            await cs.call(event("Started", 0, T0, tx="same", evse={"id": 1}))
    async with server.services.db() as db:
        rows = (
            await db.scalars(select(Transaction).where(Transaction.charger_transaction_id == "same"))
        ).all()
        assert sorted(r.charge_point_id for r in rows) == ["A201", "B201"]


async def test_reports_are_stored(server: RunningServer) -> None:
    await server.add_charge_point("REPORT")
    async with connected(server, "REPORT", "ocpp2.0.1") as cs:
        await cs.call(
            call.NotifyEvent(
                generated_at=iso(T0),
                seq_no=0,
                event_data=[
                    {
                        "event_id": 1,
                        "timestamp": iso(T0),
                        "trigger": "Alerting",
                        "actual_value": "1",
                        "event_notification_type": "HardWiredNotification",
                        "component": {"name": "EVSE"},
                        "variable": {"name": "Problem"},
                    }
                ],
            )
        )
        await cs.call(call.SecurityEventNotification(type="StartupOfTheDevice", timestamp=iso(T0)))
        await cs.call(call.NotifyReport(request_id=1, generated_at=iso(T0), seq_no=0))
        needs = await cs.call(
            call.NotifyEVChargingNeeds(
                evse_id=1, charging_needs={"requested_energy_transfer": "AC_three_phase"}
            )
        )
        assert needs.status == "Rejected"
    from chargegrid.store.device_model_tables import ReportPart
    from chargegrid.store.models import ChargerEvent

    async with server.services.db() as db:
        kinds = set(
            (
                await db.scalars(select(ChargerEvent.kind).where(ChargerEvent.charge_point_id == "REPORT"))
            ).all()
        )
        # NotifyReport is kept as a part of its request's report (the device-model inventory's source)
        parts = (await db.scalars(select(ReportPart).where(ReportPart.charge_point_id == "REPORT"))).all()
    assert {"NotifyEvent", "SecurityEventNotification", "NotifyEVChargingNeeds"} <= kinds
    assert [(p.kind, p.request_id, p.seq_no, p.tbc) for p in parts] == [("NotifyReport", 1, 0, False)]
