"""Queries on charge points and their connectors' last known state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from chargegrid.store import Db
from chargegrid.store.models import ChargePoint, ConnectorStatus


async def get(db: Db, charge_point_id: str) -> ChargePoint | None:
    return await db.get(ChargePoint, charge_point_id)


async def list_all(db: Db) -> Sequence[ChargePoint]:
    return (await db.scalars(select(ChargePoint).order_by(ChargePoint.id))).all()


def add(db: Db, charge_point_id: str, registration_status: str, **fields: Any) -> ChargePoint:
    cp = ChargePoint(id=charge_point_id, registration_status=registration_status, **fields)
    db.add(cp)
    return cp


async def connector(db: Db, charge_point_id: str, connector_id: int) -> ConnectorStatus:
    """The connector's row, created on first use."""
    row = await db.get(ConnectorStatus, (charge_point_id, connector_id))
    if row is None:
        row = ConnectorStatus(charge_point_id=charge_point_id, connector_id=connector_id)
        db.add(row)
    return row


async def connectors(db: Db, charge_point_ids: Sequence[str]) -> Sequence[ConnectorStatus]:
    if not charge_point_ids:
        return []
    query = (
        select(ConnectorStatus)
        .where(ConnectorStatus.charge_point_id.in_(charge_point_ids))
        .order_by(ConnectorStatus.charge_point_id, ConnectorStatus.connector_id)
    )
    return (await db.scalars(query)).all()


async def set_heartbeat(db: Db, charge_point_id: str, when: datetime) -> None:
    cp = await db.get(ChargePoint, charge_point_id)
    if cp is not None:
        cp.last_heartbeat = when
