"""Charger events (firmware/diagnostics/log status, security events, reports...) and the message log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select

from chargegrid.store import Db
from chargegrid.store.models import ChargerEvent, MessageLogEntry, utcnow
from chargegrid.store.writer import defer, defer_many

_INSERT_EVENT = insert(cast(Table, ChargerEvent.__table__))
# The table's own insert, not the ORM entity's: an ORM bulk insert walks every row through the mapper
# (measured: ~8 % of the server's CPU under load went to the message log's rows alone).
_INSERT_LOG_ENTRY = insert(cast(Table, MessageLogEntry.__table__))


def add_event(
    db: Db, charge_point_id: str, kind: str, payload: dict[str, Any], when: datetime | None = None
) -> None:
    """Queue a charger event for the batch's insert (written just before the commit)."""
    defer(
        db,
        _INSERT_EVENT,
        {"charge_point_id": charge_point_id, "kind": kind, "payload": payload, "timestamp": when or utcnow()},
    )


async def add_log_entries(db: Db, rows: Sequence[dict[str, Any]]) -> None:
    """Insert message log rows (every column in every row) in one executemany."""
    if rows:
        await db.execute(_INSERT_LOG_ENTRY, list(rows))


def queue_log_entries(db: Db, rows: list[dict[str, Any]]) -> None:
    """Queue message log rows for the batch's insert (written just before the commit)."""
    defer_many(db, _INSERT_LOG_ENTRY, rows)


async def prune_log(db: Db, before: datetime) -> None:
    await db.execute(delete(MessageLogEntry).where(MessageLogEntry.timestamp < before))


async def events_of(db: Db, charge_point_id: str, kind: str, limit: int = 5000) -> Sequence[ChargerEvent]:
    """A charger's stored events of one kind, newest first."""
    query = (
        select(ChargerEvent)
        .where(ChargerEvent.charge_point_id == charge_point_id, ChargerEvent.kind == kind)
        .order_by(ChargerEvent.timestamp.desc(), ChargerEvent.id.desc())
        .limit(limit)
    )
    return (await db.scalars(query)).all()
