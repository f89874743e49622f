"""Listing queries for the admin API (and the UI): charge tags, and transactions filtered and paged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from chargegrid.store import Db
from chargegrid.store.models import ChargeTag, Transaction
from chargegrid.store.time_window import within


async def charge_tags(db: Db) -> Sequence[ChargeTag]:
    return (await db.scalars(select(ChargeTag).order_by(ChargeTag.tag_id))).all()


async def transactions(
    db: Db,
    *,
    charge_point_id: str | None = None,
    connector_id: int | None = None,
    started_from: datetime | None = None,
    started_before: datetime | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> Sequence[Transaction]:
    """Newest first; `started_from` ≤ start time < `started_before`."""
    query = within(
        select(Transaction),
        [(Transaction.charge_point_id, charge_point_id), (Transaction.connector_id, connector_id)],
        Transaction.start_time,
        started_from,
        started_before,
    )
    query = query.order_by(Transaction.start_time.desc(), Transaction.id.desc()).limit(limit).offset(offset)
    return (await db.scalars(query)).all()
