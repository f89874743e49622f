"""Per charger: the local authorization list the server last sent, what the charger accepted, and the
version the charger reports."""

from __future__ import annotations

from typing import Any

from chargegrid.store import Db
from chargegrid.store.models import utcnow
from chargegrid.store.operation_models import LocalListState


async def get(db: Db, charge_point_id: str) -> LocalListState | None:
    return await db.get(LocalListState, charge_point_id)


async def _row(db: Db, charge_point_id: str) -> LocalListState:
    row = await db.get(LocalListState, charge_point_id)
    if row is None:
        row = LocalListState(charge_point_id=charge_point_id)
        db.add(row)
    return row


async def sent(
    db: Db,
    charge_point_id: str,
    *,
    version: int,
    update_type: str,
    status: str,
    entries: dict[str, dict[str, Any] | None],
) -> None:
    """Record a SendLocalList and its answer. `entries` maps tag id → entry (None: removed); on
    Accepted it replaces (Full) or updates (Differential) the list the charger holds."""
    row = await _row(db, charge_point_id)
    row.sent_version, row.sent_update_type, row.sent_status, row.sent_at = (
        version,
        update_type,
        status,
        utcnow(),
    )
    if status != "Accepted":
        return
    held: dict[str, Any] = {} if update_type == "Full" else dict(row.entries or {})
    for tag, entry in entries.items():
        if entry is None:
            held.pop(tag, None)
        else:
            held[tag] = entry
    row.entries = held  # a new object: SQLAlchemy sees the change
    row.accepted_version = version


async def reported(db: Db, charge_point_id: str, version: int) -> None:
    row = await _row(db, charge_point_id)
    row.reported_version, row.reported_at = version, utcnow()
