"""The event model and the functions that put events into the outbox.

An event is `{"id", "type", "time", "chargePointId", "data"}`. Each `emit` queues its row with the
group-commit writer's deferred inserts (`store.writer.defer`), so it is committed in the same transaction
as the change it describes, whether that is an edge batch or an API route's own transaction — and it
costs one row in an executemany, not a round trip. Nothing here waits for a receiver.
"""

from __future__ import annotations

import enum
import time
import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert

from chargegrid.store import Db
from chargegrid.store.integration_models import OutboxEvent
from chargegrid.store.models import Transaction, utcnow
from chargegrid.store.writer import defer


class EventType(enum.StrEnum):
    charger_connected = "charger.connected"
    charger_disconnected = "charger.disconnected"
    charger_booted = "charger.booted"
    connector_status = "connector.status_changed"
    transaction_started = "transaction.started"
    transaction_updated = "transaction.updated"
    transaction_ended = "transaction.ended"
    authorization_refused = "authorization.refused"
    command_finished = "command.finished"
    security_event = "security.event"
    firmware_status = "firmware.status"
    diagnostics_status = "diagnostics.status"
    reservation_changed = "reservation.changed"
    payment_changed = "payment.state_changed"
    site_allocation = "site.allocation_changed"


# Charger notifications stored as charger events, and the event type each becomes.
NOTIFICATION_TYPES: dict[str, EventType] = {
    "SecurityEventNotification": EventType.security_event,
    "FirmwareStatusNotification": EventType.firmware_status,
    "SignedFirmwareStatusNotification": EventType.firmware_status,
    "PublishFirmwareStatusNotification": EventType.firmware_status,
    "DiagnosticsStatusNotification": EventType.diagnostics_status,
    "LogStatusNotification": EventType.diagnostics_status,
    "ReservationStatusUpdate": EventType.reservation_changed,
}

_INSERT = insert(cast(Table, OutboxEvent.__table__))


def emit(
    db: Db,
    type_: EventType | str,
    charge_point_id: str | None,
    data: dict[str, Any],
    when: datetime | None = None,
) -> str:
    """Queue one event for this transaction's commit; returns its id (stable across every delivery)."""
    event_id = str(uuid.uuid4())
    defer(
        db,
        _INSERT,
        {
            "event_id": event_id,
            "type": str(type_),
            "time": when or utcnow(),
            "charge_point_id": charge_point_id,
            "data": data,
            "position": None,
        },
    )
    return event_id


def as_json(row: OutboxEvent) -> dict[str, Any]:
    """The event as receivers see it."""
    return {
        "id": row.event_id,
        "type": row.type,
        "time": _iso(row.time),
        "chargePointId": row.charge_point_id,
        "data": row.data,
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def matches(patterns: list[str], event_type: str) -> bool:
    """`"transaction.*"` matches every transaction event, `"*"` everything, else the exact type."""
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def is_known_pattern(pattern: str) -> bool:
    types = {str(t) for t in EventType}
    if pattern == "*" or pattern in types:
        return True
    return pattern.endswith(".*") and any(t.startswith(pattern[:-1]) for t in types)


# ---- the events the edge and the domain emit ------------------------------------------------------


def transaction_data(tx: Transaction) -> dict[str, Any]:
    data: dict[str, Any] = {
        "transactionId": tx.id,
        "chargerTransactionId": tx.charger_transaction_id,
        "connectorId": tx.connector_id,
        "idTag": tx.start_tag_id,
        "startTime": _iso(tx.start_time),
        "meterStartKWh": tx.meter_start,
    }
    return data


def transaction_started(db: Db, tx: Transaction, auth_status: str | None) -> None:
    emit(
        db,
        EventType.transaction_started,
        tx.charge_point_id,
        {**transaction_data(tx), "authorization": auth_status},
    )


def transaction_ended(db: Db, tx: Transaction) -> None:
    energy = None
    if tx.meter_stop is not None and tx.meter_start is not None:
        energy = round(tx.meter_stop - tx.meter_start, 4)
    emit(
        db,
        EventType.transaction_ended,
        tx.charge_point_id,
        {
            **transaction_data(tx),
            "stopTime": _iso(tx.stop_time),
            "meterStopKWh": tx.meter_stop,
            "energyKWh": energy,
            "stopReason": tx.stop_reason,
            "stopIdTag": tx.stop_tag_id,
        },
    )


def authorization_refused(db: Db, charge_point_id: str, id_tag: str, status: str, during: str) -> None:
    emit(
        db,
        EventType.authorization_refused,
        charge_point_id,
        {"idTag": id_tag, "status": status, "during": during},
    )


def connector_status(
    db: Db, charge_point_id: str, connector_id: int, status: str, when: datetime, details: dict[str, Any]
) -> None:
    emit(
        db,
        EventType.connector_status,
        charge_point_id,
        {
            "connectorId": connector_id,
            "status": status,
            "errorCode": details.get("error_code"),
            "info": details.get("info"),
            "vendorErrorCode": details.get("vendor_error_code"),
            "statusTime": _iso(when),
        },
    )


class TransactionUpdates:
    """At most one `transaction.updated` per transaction every `interval` seconds (per node).

    Meter values can arrive every second; receivers want a heartbeat of the session, not every sample.
    """

    def __init__(self, interval: float = 30.0) -> None:
        self.interval = interval
        self._last: dict[tuple[str, int], float] = {}

    def emit_if_due(
        self, db: Db, tx: Transaction, energy_kwh: float | None, power_kw: float | None, soc: float | None
    ) -> bool:
        key = (tx.charge_point_id, tx.id)
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            return False
        if len(self._last) > 100_000:  # ended transactions are forgotten in `forget`; this is a backstop
            self._last.clear()
        self._last[key] = now
        data = {
            **transaction_data(tx),
            "energyKWh": None
            if energy_kwh is None or tx.meter_start is None
            else round(energy_kwh - tx.meter_start, 4),
            "meterKWh": energy_kwh,
            "powerKW": power_kw,
            "soc": soc,
        }
        emit(db, EventType.transaction_updated, tx.charge_point_id, data)
        return True

    def forget(self, tx: Transaction) -> None:
        self._last.pop((tx.charge_point_id, tx.id), None)
