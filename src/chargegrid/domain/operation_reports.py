"""What chargers report about the operations the server sent: log/firmware status notifications (kept
as a history per request) and 2.x reservation updates. Called by the OCPP edge inside its group commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chargegrid.domain import stations
from chargegrid.store import Db
from chargegrid.store import charger_requests as requests_store
from chargegrid.store import reservations as reservations_store

LOG, FIRMWARE, PUBLISH = "log", "firmware", "publish"


# notification → the request topic it reports on
REQUEST_NOTIFICATIONS = {
    "LogStatusNotification": LOG,
    "DiagnosticsStatusNotification": LOG,
    "FirmwareStatusNotification": FIRMWARE,
    "SignedFirmwareStatusNotification": FIRMWARE,
    "PublishFirmwareStatusNotification": PUBLISH,
}


async def request_status_reported(
    db: Db, charge_point_id: str, kind: str, payload: dict[str, Any], when: datetime | None
) -> None:
    """A log/firmware status notification: kept as a charger event and in its request's history."""
    await stations.event(db, charge_point_id, kind, payload, when)
    details = {k: v for k, v in payload.items() if k not in ("status", "requestId", "customData")}
    await requests_store.notified(
        db,
        charge_point_id,
        REQUEST_NOTIFICATIONS[kind],
        request_id=payload.get("requestId"),
        status=payload["status"],
        when=when,
        details={"message": kind, **details},
    )


async def reservation_status_reported(db: Db, charge_point_id: str, payload: dict[str, Any]) -> None:
    """2.x ReservationStatusUpdate (Expired / Removed): kept as an event and as the reservation's state."""
    await stations.event(db, charge_point_id, "ReservationStatusUpdate", payload)
    await reservations_store.set_state(
        db, charge_point_id, payload["reservationId"], payload["reservationUpdateStatus"]
    )
