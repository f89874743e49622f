"""Read-only queries behind the management UI: transaction lists, energy reports, the message log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from chargegrid.store import Db
from chargegrid.store.models import ChargePoint, ChargeTag, MessageLogEntry, Transaction


@dataclass(frozen=True)
class TransactionFilter:
    charge_point_id: str | None = None
    connector_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def energy_kwh(tx: Transaction) -> float | None:
    """Energy charged so far (running) or in total (finished); None when the charger sent no readings."""
    end = tx.meter_stop if tx.meter_stop is not None else tx.last_meter_kwh
    if end is None or tx.meter_start is None:
        return None
    return max(end - tx.meter_start, 0.0)


async def transactions(db: Db, where: TransactionFilter, limit: int = 5000) -> Sequence[Transaction]:
    """Transactions that started in the period, newest first."""
    query = select(Transaction)
    if where.charge_point_id:
        query = query.where(Transaction.charge_point_id == where.charge_point_id)
    if where.connector_id is not None:
        query = query.where(Transaction.connector_id == where.connector_id)
    if where.since is not None:
        query = query.where(Transaction.start_time >= where.since)
    if where.until is not None:
        query = query.where(Transaction.start_time < where.until)
    query = query.order_by(Transaction.start_time.desc(), Transaction.id.desc()).limit(limit)
    return (await db.scalars(query)).all()


async def latest_per_connector(db: Db) -> Sequence[Transaction]:
    """The newest transaction of every connector (running or finished): what a tile shows."""
    newest = select(func.max(Transaction.id)).group_by(Transaction.charge_point_id, Transaction.connector_id)
    return (await db.scalars(select(Transaction).where(Transaction.id.in_(newest)))).all()


async def open_transactions(db: Db) -> Sequence[Transaction]:
    query = select(Transaction).where(Transaction.stop_time.is_(None)).order_by(Transaction.start_time)
    return (await db.scalars(query)).all()


async def tags(db: Db, search: str = "", limit: int = 1000) -> Sequence[ChargeTag]:
    """Tags whose id, name or group contains `search` (any case)."""
    query = select(ChargeTag).order_by(ChargeTag.tag_id).limit(limit)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(ChargeTag.tag_id).like(pattern),
                func.lower(func.coalesce(ChargeTag.name, "")).like(pattern),
                func.lower(func.coalesce(ChargeTag.parent_tag_id, "")).like(pattern),
            )
        )
    return (await db.scalars(query)).all()


async def charge_points_with_status(db: Db, registration_status: str) -> Sequence[ChargePoint]:
    query = select(ChargePoint).where(ChargePoint.registration_status == registration_status)
    return (await db.scalars(query.order_by(ChargePoint.created_at))).all()


async def messages(db: Db, charge_point_id: str | None, limit: int = 200) -> Sequence[MessageLogEntry]:
    """The newest OCPP frames, of one charger or of all."""
    query = select(MessageLogEntry)
    if charge_point_id:
        query = query.where(MessageLogEntry.charge_point_id == charge_point_id)
    query = query.order_by(MessageLogEntry.timestamp.desc(), MessageLogEntry.id.desc()).limit(limit)
    return (await db.scalars(query)).all()
