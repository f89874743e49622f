"""Read queries of the operator's console: paged, sorted, searched lists and a charger's history.

Every list is counted and cut in the database (LIMIT/OFFSET on an indexed order), so a page costs
the same with ten rows or a million.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from chargegrid.store import Db
from chargegrid.store.integration_models import AuditEntry
from chargegrid.store.models import (
    ChargePoint,
    ChargerEvent,
    ChargeTag,
    ConnectorStatus,
    MessageLogEntry,
    MeterValue,
    Transaction,
)
from chargegrid.store.payment_models import PaymentReservation

T = TypeVar("T")

FIRMWARE_KINDS = (
    "FirmwareStatusNotification",
    "SignedFirmwareStatusNotification",
    "PublishFirmwareStatusNotification",
    "DiagnosticsStatusNotification",
    "LogStatusNotification",
)
SECURITY_KINDS = ("SecurityEventNotification",)


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of a list, and how many rows the whole list has."""

    rows: Sequence[T]
    total: int


@dataclass(frozen=True)
class Order:
    """Which page, how big, sorted by which column and which way."""

    offset: int
    limit: int
    column: Any
    descending: bool
    tie: Any  # a unique column, so equal sort values keep a stable order across pages


async def _slice(db: Db, query: Select[Any], order: Order) -> Slice[Any]:
    """One page; a page beyond the end (the list shrank meanwhile) gives the last page instead."""
    total = int(await db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)
    offset = order.offset
    if offset >= total > 0:
        offset = (total - 1) // order.limit * order.limit
    direction = (order.column.desc(), order.tie.desc()) if order.descending else (order.column, order.tie)
    rows = (await db.scalars(query.order_by(*direction).offset(offset).limit(order.limit))).all()
    return Slice(rows, total)


def _contains(search: str, *columns: Any) -> ColumnElement[bool]:
    pattern = f"%{search.lower()}%"
    return or_(*(func.lower(func.coalesce(column, "")).like(pattern) for column in columns))


# ---- charge points ----------------------------------------------------------------------------


CHARGE_POINT_SORTS = {
    "id": ChargePoint.id,
    "name": ChargePoint.name,
    "protocol": ChargePoint.protocol,
    "vendor": ChargePoint.vendor,
    "registration": ChargePoint.registration_status,
    "heartbeat": ChargePoint.last_heartbeat,
}


async def charge_points(
    db: Db,
    order: Order,
    *,
    search: str = "",
    registration: str = "",
    online_ids: set[str] | None = None,
    online: bool | None = None,
) -> Slice[ChargePoint]:
    query = select(ChargePoint)
    if search:
        query = query.where(
            _contains(search, ChargePoint.id, ChargePoint.name, ChargePoint.vendor, ChargePoint.model)
        )
    if registration:
        query = query.where(ChargePoint.registration_status == registration)
    if online is not None and online_ids is not None:
        ids = sorted(online_ids)
        query = query.where(ChargePoint.id.in_(ids) if online else ChargePoint.id.not_in(ids))
    return await _slice(db, query, order)


# ---- charge tags ------------------------------------------------------------------------------

TAG_SORTS = {
    "id": ChargeTag.tag_id,
    "name": ChargeTag.name,
    "group": ChargeTag.parent_tag_id,
    "expiry": ChargeTag.expiry,
}


async def tags(db: Db, order: Order, *, search: str = "", state: str = "", now: datetime) -> Slice[ChargeTag]:
    """`state`: "" (all), "usable" (not blocked, not expired), "blocked", "expired"."""
    query = select(ChargeTag)
    if search:
        query = query.where(_contains(search, ChargeTag.tag_id, ChargeTag.name, ChargeTag.parent_tag_id))
    expired = and_(ChargeTag.expiry.is_not(None), ChargeTag.expiry < now)
    if state == "blocked":
        query = query.where(ChargeTag.blocked.is_(True))
    elif state == "expired":
        query = query.where(expired)
    elif state == "usable":
        query = query.where(ChargeTag.blocked.is_(False), ~expired)
    return await _slice(db, query, order)


# ---- transactions -----------------------------------------------------------------------------

TRANSACTION_SORTS = {
    "start": Transaction.start_time,
    "stop": Transaction.stop_time,
    "cp": Transaction.charge_point_id,
    "tag": Transaction.start_tag_id,
    "id": Transaction.id,
}


@dataclass(frozen=True)
class TransactionQuery:
    charge_point_id: str | None = None
    connector_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    tag: str = ""
    running: bool | None = None


def _transactions(where: TransactionQuery) -> Select[Any]:
    query = select(Transaction)
    if where.charge_point_id:
        query = query.where(Transaction.charge_point_id == where.charge_point_id)
    if where.connector_id is not None:
        query = query.where(Transaction.connector_id == where.connector_id)
    if where.since is not None:
        query = query.where(Transaction.start_time >= where.since)
    if where.until is not None:
        query = query.where(Transaction.start_time < where.until)
    if where.tag:
        query = query.where(_contains(where.tag, Transaction.start_tag_id, Transaction.stop_tag_id))
    if where.running is not None:
        stop = Transaction.stop_time
        query = query.where(stop.is_(None) if where.running else stop.is_not(None))
    return query


async def transactions(db: Db, order: Order, where: TransactionQuery) -> Slice[Transaction]:
    return await _slice(db, _transactions(where), order)


async def recent_sessions(db: Db, charge_point_id: str, limit: int = 10) -> Sequence[Transaction]:
    query = (
        select(Transaction)
        .where(Transaction.charge_point_id == charge_point_id)
        .order_by(Transaction.start_time.desc(), Transaction.id.desc())
        .limit(limit)
    )
    return (await db.scalars(query)).all()


async def meter_values(db: Db, transaction_id: int, limit: int = 5000) -> Sequence[MeterValue]:
    """A transaction's readings in time order (the chart and the table of the transaction page)."""
    query = (
        select(MeterValue)
        .where(MeterValue.transaction_id == transaction_id)
        .order_by(MeterValue.timestamp, MeterValue.id)
        .limit(limit)
    )
    return (await db.scalars(query)).all()


async def payment_of(db: Db, transaction_id: int) -> PaymentReservation | None:
    query = select(PaymentReservation).where(PaymentReservation.transaction_id == transaction_id)
    return (await db.scalars(query)).first()


# ---- what a charger said ----------------------------------------------------------------------


EVENT_GROUPS = {"security": SECURITY_KINDS, "firmware": FIRMWARE_KINDS}


async def event_list(
    db: Db, offset: int, limit: int, *, charge_point_id: str | None, kinds: Sequence[str] | None
) -> Slice[ChargerEvent]:
    """Reports chargers sent (security events, firmware and diagnostics status...), newest first."""
    query = select(ChargerEvent)
    if charge_point_id:
        query = query.where(ChargerEvent.charge_point_id == charge_point_id)
    if kinds is not None:
        query = query.where(ChargerEvent.kind.in_(kinds))
    return await _slice(db, query, Order(offset, limit, ChargerEvent.timestamp, True, ChargerEvent.id))


async def events(
    db: Db, charge_point_id: str, kinds: Sequence[str], limit: int = 20
) -> Sequence[ChargerEvent]:
    query = (
        select(ChargerEvent)
        .where(ChargerEvent.charge_point_id == charge_point_id, ChargerEvent.kind.in_(kinds))
        .order_by(ChargerEvent.timestamp.desc(), ChargerEvent.id.desc())
        .limit(limit)
    )
    return (await db.scalars(query)).all()


async def last_seen(db: Db, charge_point_ids: Sequence[str]) -> dict[str, datetime]:
    """When each charger last sent anything: its newest logged frame, status, reading or heartbeat."""
    if not charge_point_ids:
        return {}
    ids = list(charge_point_ids)
    seen: dict[str, datetime] = {}

    def keep(cp_id: str, when: datetime | None) -> None:
        if when is not None and (cp_id not in seen or when > seen[cp_id]):
            seen[cp_id] = when

    frames = (
        select(MessageLogEntry.charge_point_id, func.max(MessageLogEntry.timestamp))
        .where(MessageLogEntry.charge_point_id.in_(ids), MessageLogEntry.direction == "in")
        .group_by(MessageLogEntry.charge_point_id)
    )
    for cp_id, when in (await db.execute(frames)).all():
        keep(cp_id, _aware(when))
    stations = select(ChargePoint.id, ChargePoint.last_heartbeat, ChargePoint.last_boot).where(
        ChargePoint.id.in_(ids)
    )
    for cp_id, heartbeat, boot in (await db.execute(stations)).all():
        keep(cp_id, heartbeat)
        keep(cp_id, boot)
    connectors = (
        select(
            ConnectorStatus.charge_point_id,
            func.max(ConnectorStatus.status_time),
            func.max(ConnectorStatus.meter_value_time),
        )
        .where(ConnectorStatus.charge_point_id.in_(ids))
        .group_by(ConnectorStatus.charge_point_id)
    )
    for cp_id, status_time, meter_time in (await db.execute(connectors)).all():
        keep(cp_id, _aware(status_time))
        keep(cp_id, _aware(meter_time))
    return seen


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates skip the column type: make their naive UTC aware again."""
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# ---- the message log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageQuery:
    charge_point_id: str | None = None
    action: str = ""
    direction: str = ""  # "in": the charger asked, "out": we asked
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Exchange:
    """A request and the answer to it (None while unanswered or not logged)."""

    call: MessageLogEntry
    answer: MessageLogEntry | None


async def message_actions(db: Db) -> list[str]:
    query = select(MessageLogEntry.action).where(MessageLogEntry.message_type == 2).distinct()
    return sorted(a for a in (await db.scalars(query)).all() if a)


async def exchanges(db: Db, where: MessageQuery, offset: int, limit: int) -> Slice[Exchange]:
    """Requests (CALLs) newest first, each with its answer from the other side."""
    query = select(MessageLogEntry).where(MessageLogEntry.message_type == 2)
    if where.charge_point_id:
        query = query.where(MessageLogEntry.charge_point_id == where.charge_point_id)
    if where.action:
        query = query.where(MessageLogEntry.action == where.action)
    if where.direction in ("in", "out"):
        query = query.where(MessageLogEntry.direction == where.direction)
    if where.since is not None:
        query = query.where(MessageLogEntry.timestamp >= where.since)
    if where.until is not None:
        query = query.where(MessageLogEntry.timestamp < where.until)
    order = Order(offset, limit, MessageLogEntry.timestamp, True, MessageLogEntry.id)
    calls = await _slice(db, query, order)
    answers: dict[tuple[str, str], MessageLogEntry] = {}
    if calls.rows:
        answer = aliased(MessageLogEntry)
        found = await db.scalars(
            select(answer).where(
                answer.message_type.in_((3, 4)),
                answer.message_id.in_([c.message_id for c in calls.rows]),
            )
        )
        for row in found:
            answers[(row.charge_point_id, row.message_id)] = row
    return Slice(
        [Exchange(c, answers.get((c.charge_point_id, c.message_id))) for c in calls.rows], calls.total
    )


START_ACTIONS = ("Authorize", "StartTransaction", "TransactionEvent")


async def start_exchanges(db: Db, charge_point_id: str, since: datetime, tag: str) -> list[Exchange]:
    """What the charger asked about `tag` since `since` (Authorize, StartTransaction, TransactionEvent),
    oldest first, with the server's answers: how a remote start really went."""
    query = (
        select(MessageLogEntry)
        .where(
            MessageLogEntry.charge_point_id == charge_point_id,
            MessageLogEntry.message_type == 2,
            MessageLogEntry.direction == "in",
            MessageLogEntry.action.in_(START_ACTIONS),
            MessageLogEntry.timestamp >= since,
            MessageLogEntry.payload.contains(f'"{tag}"'),
        )
        .order_by(MessageLogEntry.timestamp, MessageLogEntry.id)
        .limit(20)
    )
    calls = (await db.scalars(query)).all()
    if not calls:
        return []
    answers = await db.scalars(
        select(MessageLogEntry).where(
            MessageLogEntry.charge_point_id == charge_point_id,
            MessageLogEntry.message_type.in_((3, 4)),
            MessageLogEntry.message_id.in_([c.message_id for c in calls]),
        )
    )
    by_id = {a.message_id: a for a in answers}
    return [Exchange(c, by_id.get(c.message_id)) for c in calls]


async def transactions_started(
    db: Db, charge_point_id: str, since: datetime, tag: str
) -> Sequence[Transaction]:
    """Transactions of `charge_point_id` stored since `since` that started with `tag` (any case)."""
    query = select(Transaction).where(
        Transaction.charge_point_id == charge_point_id,
        Transaction.created_at >= since,
        func.lower(func.coalesce(Transaction.start_tag_id, "")) == tag.lower(),
    )
    return (await db.scalars(query.order_by(Transaction.id).limit(5))).all()


# ---- the audit log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    actor: str = ""  # a user or key name, or a key id
    action: str = ""  # exact ("charge_tag.update") or a prefix ending in "*" ("command.*")
    charge_point_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


async def audit_entries(db: Db, where: AuditQuery, offset: int, limit: int) -> Slice[AuditEntry]:
    """Who did what, newest first (the same filters as `GET /API/Audit`, paged by page number)."""
    query = select(AuditEntry)
    if where.actor:
        query = query.where(or_(AuditEntry.actor_id == where.actor, AuditEntry.actor_name == where.actor))
    if where.action.endswith("*"):
        query = query.where(AuditEntry.action.startswith(where.action[:-1], autoescape=True))
    elif where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.charge_point_id:
        query = query.where(AuditEntry.charge_point_id == where.charge_point_id)
    if where.since is not None:
        query = query.where(AuditEntry.time >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.time < where.until)
    return await _slice(db, query, Order(offset, limit, AuditEntry.time, True, AuditEntry.id))
