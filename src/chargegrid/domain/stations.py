"""Charging stations as the edge reports them: boots, heartbeats, connector status, free-form events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chargegrid.domain.registration import boot_status
from chargegrid.events import outbox
from chargegrid.store import Db
from chargegrid.store import charge_points as cp_store
from chargegrid.store import events as events_store
from chargegrid.store.models import utcnow


@dataclass
class BootInfo:
    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None
    reason: str | None = None


async def boot(
    db: Db, charge_point_id: str, protocol: str, info: BootInfo, known_status: str | None = None
) -> str:
    """Store what the station says about itself; answer its registration status (`known_status`: read
    just before, at this connection's handshake; otherwise read now)."""
    status = known_status or await cp_store.registration_status(db, charge_point_id)
    if status is None:  # deleted by an operator while connected
        return "Rejected"
    now = utcnow()
    fields = {
        name: getattr(info, name)
        for name in (
            "vendor",
            "model",
            "serial_number",
            "firmware_version",
            "iccid",
            "imsi",
            "meter_type",
            "meter_serial_number",
        )
    }
    cp_store.record_boot(db, charge_point_id, protocol=protocol, last_boot=now, last_heartbeat=now, **fields)
    events_store.add_event(
        db, charge_point_id, "BootNotification", {"reason": info.reason} if info.reason else {}
    )
    answer = boot_status(status)
    outbox.emit(
        db,
        outbox.EventType.charger_booted,
        charge_point_id,
        {
            "protocol": protocol,
            "vendor": info.vendor,
            "model": info.model,
            "serialNumber": info.serial_number,
            "firmwareVersion": info.firmware_version,
            "reason": info.reason,
            "registrationStatus": answer,
        },
    )
    return answer


async def heartbeats(db: Db, seen: dict[str, datetime]) -> None:
    """Last-heartbeat times, recorded in bulk (see `ocpp.last_seen`)."""
    await cp_store.set_heartbeats(db, seen)


def is_newer(stored: datetime | None, reported: datetime) -> bool:
    """An offline-queued report older than what we hold must not overwrite it."""
    return stored is None or reported >= stored


async def connector_status(
    db: Db,
    charge_point_id: str,
    connector_id: int,
    status: str,
    *,
    timestamp: datetime,
    error_code: str | None = None,
    info: str | None = None,
    vendor_error_code: str | None = None,
    evse_id: int | None = None,
) -> None:
    """Record a status; the store keeps a newer stored one (`is_newer`) when reports arrive out of order."""
    values: dict[str, Any] = {
        "status": status,
        "error_code": error_code,
        "info": info,
        "vendor_error_code": vendor_error_code,
        "evse_id": evse_id,
    }
    cp_store.upsert_connector(db, charge_point_id, connector_id, "status_time", timestamp, values)
    outbox.connector_status(db, charge_point_id, connector_id, status, timestamp, values)


async def event(
    db: Db, charge_point_id: str, kind: str, payload: dict[str, Any], when: datetime | None = None
) -> None:
    events_store.add_event(db, charge_point_id, kind, payload, when)
    event_type = outbox.NOTIFICATION_TYPES.get(kind)
    if event_type is not None:
        outbox.emit(db, event_type, charge_point_id, {"message": kind, **payload}, when)


async def own_tariff(db: Db, charge_point_id: str, default_fee: float) -> tuple[float, float] | None:
    """(price per kWh, session fee) when the station has a price of its own; the fee falls back to the
    global setting as payments do."""
    cp = await cp_store.get(db, charge_point_id)
    if cp is None or cp.price_per_kwh is None:
        return None
    return cp.price_per_kwh, cp.session_fee if cp.session_fee is not None else default_fee
