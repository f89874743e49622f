"""Queries on operator command records."""

from __future__ import annotations

from typing import Any

from chargegrid.store import Db
from chargegrid.store.command_models import CommandRecord
from chargegrid.store.models import utcnow

PENDING = "Pending"


def add(db: Db, record_id: str, charge_point_id: str, name: str, payload: dict[str, Any]) -> CommandRecord:
    record = CommandRecord(
        id=record_id, charge_point_id=charge_point_id, name=name, payload=payload, status=PENDING
    )
    db.add(record)
    return record


async def get(db: Db, record_id: str) -> CommandRecord | None:
    return await db.get(CommandRecord, record_id)


async def finish(
    db: Db, record_id: str, status: str, answer: dict[str, Any] | None, message: str | None
) -> CommandRecord | None:
    record = await db.get(CommandRecord, record_id)
    if record is not None:
        record.status, record.answer, record.message = status, answer, message
        record.completed_at = utcnow()
    return record
