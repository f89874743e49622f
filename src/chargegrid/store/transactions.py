"""Queries on transactions, their 2.x events and meter values."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, exists, insert, select

from chargegrid.store import Db
from chargegrid.store.models import MeterValue, Transaction, TransactionEvent
from chargegrid.store.writer import defer


async def get(db: Db, transaction_id: int) -> Transaction | None:
    return await db.get(Transaction, transaction_id)


async def by_charger_id(db: Db, charge_point_id: str, charger_transaction_id: str) -> Transaction | None:
    query = select(Transaction).where(
        Transaction.charge_point_id == charge_point_id,
        Transaction.charger_transaction_id == charger_transaction_id,
    )
    return (await db.scalars(query)).first()


async def find_start(
    db: Db, charge_point_id: str, connector_id: int, tag_id: str, start_time: datetime
) -> Transaction | None:
    """The transaction a repeated 1.6 StartTransaction already created, if any."""
    query = select(Transaction).where(
        Transaction.charge_point_id == charge_point_id,
        Transaction.connector_id == connector_id,
        Transaction.start_tag_id == tag_id,
        Transaction.start_time == start_time,
    )
    return (await db.scalars(query)).first()


async def open_on_connector(db: Db, charge_point_id: str, connector_id: int) -> Transaction | None:
    query = (
        select(Transaction)
        .where(
            Transaction.charge_point_id == charge_point_id,
            Transaction.connector_id == connector_id,
            Transaction.stop_time.is_(None),
        )
        .order_by(Transaction.start_time.desc(), Transaction.id.desc())
    )
    return (await db.scalars(query)).first()


async def tag_has_open(db: Db, tag_id: str) -> bool:
    query = select(exists().where(Transaction.start_tag_id == tag_id, Transaction.stop_time.is_(None)))
    return bool(await db.scalar(query))


async def event(
    db: Db, charge_point_id: str, charger_transaction_id: str, seq_no: int
) -> TransactionEvent | None:
    query = select(TransactionEvent).where(
        TransactionEvent.charge_point_id == charge_point_id,
        TransactionEvent.charger_transaction_id == charger_transaction_id,
        TransactionEvent.seq_no == seq_no,
    )
    return (await db.scalars(query)).first()


_INSERT_METER_VALUE = insert(cast(Table, MeterValue.__table__))


def add_meter_values(db: Db, rows: list[dict[str, Any]]) -> None:
    """Queue sampled values (MeterValue column → value, all columns in every row) for the batch insert."""
    for row in rows:
        defer(db, _INSERT_METER_VALUE, row)
