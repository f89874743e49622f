"""How stations, transactions and command records look in the operator API (camelCase JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chargegrid.ocpp.sessions import SessionRegistry
from chargegrid.ocpp.wire import format_time
from chargegrid.security import profiles
from chargegrid.store.command_models import CommandRecord
from chargegrid.store.models import ChargePoint, ConnectorStatus, Transaction


def _time(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


def station(
    cp: ChargePoint, rows: Sequence[ConnectorStatus], registry: SessionRegistry, elsewhere: bool = False
) -> dict[str, Any]:
    """A station with its registration, identity from the last boot, configuration and live state
    (`elsewhere`: another node of the cluster holds its connection)."""
    session = registry.get(cp.id)
    connectors: dict[int, dict[str, Any]] = {}
    for row in rows:
        connectors[row.connector_id] = {
            "connectorId": row.connector_id,
            "status": row.status,
            "errorCode": row.error_code,
            "statusTime": _time(row.status_time),
            "energyKwh": row.meter_kwh,
            "powerKw": row.power_kw,
        }
    if session is not None:  # this node holds the websocket: its live view is the freshest
        for connector_id, live in session.connectors.items():
            entry = connectors.setdefault(connector_id, {"connectorId": connector_id, "statusTime": None})
            entry.update(
                status=live.status or entry.get("status"),
                errorCode=live.error_code or entry.get("errorCode"),
                energyKwh=live.energy_kwh,
                powerKw=live.power_kw,
            )
    configuration = cp.configuration or {}
    return {
        "id": cp.id,
        "registrationStatus": cp.registration_status,
        "accepted": cp.registration_status == "Accepted",
        "online": session is not None or elsewhere,
        "protocol": session.version.value if session is not None else cp.protocol,
        "vendor": cp.vendor,
        "model": cp.model,
        "serialNumber": cp.serial_number,
        "firmwareVersion": cp.firmware_version,
        "lastBoot": _time(cp.last_boot),
        "lastHeartbeat": _time(cp.last_heartbeat),
        "evses": configuration.get("evses", []),
        "settings": cp.settings or {},
        "settingResults": cp.setting_results or {},
        "connectors": [connectors[k] for k in sorted(connectors)],
        "location": cp.location,
        "openingTimes": cp.opening_times or [],
        "reservable": cp.reservable if cp.reservable is not None else True,
        "securityProfile": profiles.effective(cp.security_profile or 0, bool(cp.password_hash)),
    }


def transaction_ref(tx: Transaction) -> str:
    """What StopTransaction takes back: the 1.6 integer id, or the 2.x charger's own id."""
    return tx.charger_transaction_id or str(tx.id)


def transaction(tx: Transaction) -> dict[str, Any]:
    energy = None
    if tx.meter_start is not None:
        end = tx.meter_stop if tx.meter_stop is not None else tx.last_meter_kwh
        energy = round(end - tx.meter_start, 4) if end is not None else None
    return {
        "id": tx.id,
        "transactionId": transaction_ref(tx),
        "chargingStationId": tx.charge_point_id,
        "connectorId": tx.connector_id,
        "evseId": tx.evse_id if tx.evse_id is not None else tx.connector_id,
        "idTag": tx.start_tag_id,
        "startTime": _time(tx.start_time),
        "meterStartKwh": tx.meter_start,
        "stopTime": _time(tx.stop_time),
        "meterStopKwh": tx.meter_stop,
        "stopReason": tx.stop_reason,
        "energyKwh": energy,
        "open": tx.stop_time is None,
    }


def command(record: CommandRecord) -> dict[str, Any]:
    return {
        "command": record.name,
        "id": record.id,
        "chargingStationId": record.charge_point_id,
        "status": record.status,
        "answer": record.answer,
        "message": record.message,
        "payload": record.payload,
        "createdAt": _time(record.created_at),
        "completedAt": _time(record.completed_at),
    }
