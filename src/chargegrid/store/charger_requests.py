"""Log uploads and firmware requests sent to chargers, with the status notifications that follow each.

Notifications carry the request's id (2.x, 1.6 GetLog/SignedUpdateFirmware) or none (1.6
DiagnosticsStatusNotification/FirmwareStatusNotification): those belong to the charger's latest
request of that topic. A notification for a request we do not know still gets a row, so nothing the
charger reported is lost; an answer arriving after its first notification adopts that row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from chargegrid.store import Db
from chargegrid.store.models import utcnow
from chargegrid.store.operation_models import ChargerRequest

# What a charger reports when triggered with no upload/update in progress (no request id).
IDLE = "Idle"

# How long a notification without a known request waits to be adopted by the request's answer.
_ADOPT_WINDOW = timedelta(minutes=2)


async def find(db: Db, charge_point_id: str, topic: str, request_id: int | None) -> ChargerRequest | None:
    """The charger's request of `topic` with `request_id` (None: its latest of that topic)."""
    query = select(ChargerRequest).where(
        ChargerRequest.charge_point_id == charge_point_id, ChargerRequest.topic == topic
    )
    if request_id is not None:
        query = query.where(ChargerRequest.request_id == request_id)
    query = query.order_by(ChargerRequest.id.desc()).limit(1)
    return (await db.scalars(query)).first()


async def sent(
    db: Db,
    charge_point_id: str,
    topic: str,
    *,
    request_id: int | None,
    action: str,
    parameters: dict[str, Any],
    answer_status: str,
    answer: dict[str, Any],
) -> None:
    row = await find(db, charge_point_id, topic, request_id)
    recent = utcnow() - _ADOPT_WINDOW
    if row is None or row.action is not None or row.created_at < recent:
        row = ChargerRequest(charge_point_id=charge_point_id, topic=topic, request_id=request_id, history=[])
        db.add(row)
    row.action, row.parameters, row.answer_status, row.answer = action, parameters, answer_status, answer


async def notified(
    db: Db,
    charge_point_id: str,
    topic: str,
    *,
    request_id: int | None,
    status: str,
    when: datetime | None,
    details: dict[str, Any],
) -> None:
    row = await find(db, charge_point_id, topic, request_id)
    if row is None:
        row = ChargerRequest(charge_point_id=charge_point_id, topic=topic, request_id=request_id, history=[])
        db.add(row)
    when = when or utcnow()
    entry = {"status": status, "timestamp": when.isoformat(), **details}
    row.history = [*(row.history or []), entry]
    if status == IDLE and row.status is not None:
        return  # a triggered "nothing going on" report must not hide how the last request ended
    if row.status_time is None or when >= row.status_time:
        row.status, row.status_time = status, when


async def listing(
    db: Db, charge_point_id: str, topics: Sequence[str], limit: int = 100
) -> Sequence[ChargerRequest]:
    query = (
        select(ChargerRequest)
        .where(ChargerRequest.charge_point_id == charge_point_id, ChargerRequest.topic.in_(topics))
        .order_by(ChargerRequest.id.desc())
        .limit(limit)
    )
    return (await db.scalars(query)).all()
