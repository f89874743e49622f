"""Queries on charge points and their connectors' last known state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql import Executable

from chargegrid.store import Db
from chargegrid.store.models import ChargePoint, ConnectorStatus, utcnow
from chargegrid.store.writer import defer, defer_many

# Core tables for the hot-path statements (no ORM unit of work per OCPP message).
_CHARGE_POINTS = cast(Table, ChargePoint.__table__)
_CONNECTORS = cast(Table, ConnectorStatus.__table__)


async def get(db: Db, charge_point_id: str) -> ChargePoint | None:
    return await db.get(ChargePoint, charge_point_id)


async def get_many(db: Db, charge_point_ids: Sequence[str]) -> dict[str, ChargePoint]:
    """The stored charge points among `charge_point_ids`, by id (one query)."""
    if not charge_point_ids:
        return {}
    found = await db.scalars(select(ChargePoint).where(ChargePoint.id.in_(charge_point_ids)))
    return {cp.id: cp for cp in found}


@dataclass(frozen=True, slots=True)
class AdmissionRecord:
    """What admitting a charger's connection reads of its record: not the whole ORM object, which with
    its instance state is ~2 KB, of which a boot storm holds thousands at once."""

    id: str
    name: str | None
    registration_status: str
    security_profile: int
    security_profile_pending: int | None
    password_hash: str | None
    password_hash_next: str | None


_ADMISSION_COLUMNS = tuple(_CHARGE_POINTS.c[name] for name in AdmissionRecord.__slots__)


async def admission_records(db: Db, charge_point_ids: Sequence[str]) -> dict[str, AdmissionRecord]:
    """The stored charge points among `charge_point_ids` as admission reads them, by id (one query)."""
    if not charge_point_ids:
        return {}
    rows = await db.execute(select(*_ADMISSION_COLUMNS).where(_CHARGE_POINTS.c.id.in_(charge_point_ids)))
    return {row[0]: AdmissionRecord(*row) for row in rows}


async def admission_record(db: Db, charge_point_id: str) -> AdmissionRecord | None:
    return (await admission_records(db, [charge_point_id])).get(charge_point_id)


async def settings_of(
    db: Db, charge_point_ids: Sequence[str]
) -> dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """The operator's settings and their pushed outcomes of each stored charge point among the ids."""
    c = _CHARGE_POINTS.c
    rows = await db.execute(select(c.id, c.settings, c.setting_results).where(c.id.in_(charge_point_ids)))
    return {cp_id: (settings, results) for cp_id, settings, results in rows}


async def list_all(db: Db) -> Sequence[ChargePoint]:
    return (await db.scalars(select(ChargePoint).order_by(ChargePoint.id))).all()


def add(db: Db, charge_point_id: str, registration_status: str, **fields: Any) -> ChargePoint:
    cp = ChargePoint(id=charge_point_id, registration_status=registration_status, **fields)
    db.add(cp)
    return cp


_REGISTRATION = select(_CHARGE_POINTS.c.registration_status).where(_CHARGE_POINTS.c.id == bindparam("cp"))
_BOOT_FIELDS = (
    "vendor",
    "model",
    "serial_number",
    "firmware_version",
    "iccid",
    "imsi",
    "meter_type",
    "meter_serial_number",
    "protocol",
    "last_boot",
    "last_heartbeat",
)
_RECORD_BOOT = (
    update(_CHARGE_POINTS)
    .where(_CHARGE_POINTS.c.id == bindparam("cp"))
    .values({field: bindparam(field, type_=_CHARGE_POINTS.c[field].type) for field in _BOOT_FIELDS})
)


async def registration_status(db: Db, charge_point_id: str) -> str | None:
    """Accepted / Pending / Rejected, or None for an unknown charge point."""
    status: str | None = await db.scalar(_REGISTRATION, {"cp": charge_point_id})
    return status


def record_boot(db: Db, charge_point_id: str, **fields: Any) -> None:
    """What a BootNotification says (the `_BOOT_FIELDS`), written with the batch's commit."""
    defer(db, _RECORD_BOOT, {"cp": charge_point_id, **{f: fields.get(f) for f in _BOOT_FIELDS}})


async def register(db: Db, charge_point_id: str, registration_status: str) -> None:
    """Store the charge point with `registration_status` unless it exists already, with the batch's
    commit (a deferred `INSERT ... ON CONFLICT DO NOTHING`): in a boot storm of new chargers the ORM's
    get-then-flush, a round trip each inside the single writer, was what the storm waited for.
    Read the record back afterwards: it may be one an operator or another node stored meanwhile."""
    values: dict[str, Any] = {
        "id": charge_point_id,
        "registration_status": registration_status,
        "security_profile": 0,
        "reservable": True,
        "created_at": utcnow(),
    }
    defer(db, _register_statement(db.get_bind().dialect.name), values)


@cache
def _register_statement(dialect: str) -> Executable:
    insert_ = sqlite_insert(_CHARGE_POINTS) if dialect == "sqlite" else pg_insert(_CHARGE_POINTS)
    return insert_.on_conflict_do_nothing(index_elements=[_CHARGE_POINTS.c.id])


async def connectors(db: Db, charge_point_ids: Sequence[str]) -> Sequence[ConnectorStatus]:
    if not charge_point_ids:
        return []
    query = (
        select(ConnectorStatus)
        .where(ConnectorStatus.charge_point_id.in_(charge_point_ids))
        .order_by(ConnectorStatus.charge_point_id, ConnectorStatus.connector_id)
    )
    return (await db.scalars(query)).all()


_SET_HEARTBEAT = (
    update(_CHARGE_POINTS)
    .where(_CHARGE_POINTS.c.id == bindparam("cp_id"))
    .values(last_heartbeat=bindparam("when"))
)


async def set_heartbeats(db: Db, seen: dict[str, datetime]) -> None:
    """Record last-heartbeat times of many charge points in one statement, as deferred rows of the
    transaction (`store.writer.defer`): up to one row per connected charger every few seconds, which
    through the ORM's executemany cost a dict per row and, on SQLite, a GIL hand-off per row."""
    if seen:
        defer_many(db, _SET_HEARTBEAT, [{"cp_id": cp_id, "when": when} for cp_id, when in seen.items()])


def _connector_upsert(dialect: str, stamp: str, columns: tuple[str, ...]) -> Executable:
    """INSERT a connector's row, or UPDATE `columns` (a NULL keeps the stored value) unless the stored row
    holds newer data of that kind (`stamp`): offline-queued reports never overwrite fresher ones."""
    t = _CONNECTORS
    insert_ = sqlite_insert(t) if dialect == "sqlite" else pg_insert(t)
    excluded = insert_.excluded
    return insert_.on_conflict_do_update(
        index_elements=[t.c.charge_point_id, t.c.connector_id],
        set_={stamp: excluded[stamp], **{c: func.coalesce(excluded[c], t.c[c]) for c in columns}},
        where=or_(t.c[stamp].is_(None), t.c[stamp] <= excluded[stamp]),
    )


@cache
def _upsert(dialect: str, stamp: str) -> Executable:
    return _connector_upsert(dialect, stamp, _COLUMNS[stamp])


def upsert_connector(
    db: Db, charge_point_id: str, connector_id: int, stamp: str, when: datetime, values: dict[str, Any]
) -> None:
    """Record a connector's status (`stamp` "status_time": status, error_code, info, vendor_error_code,
    evse_id) or reading ("meter_value_time": meter_kwh, power_kw, soc, evse_id), written with the rest of
    the batch just before it commits (see `store.writer.defer`)."""
    row = {"charge_point_id": charge_point_id, "connector_id": connector_id, stamp: when}
    row.update({column: values.get(column) for column in _COLUMNS[stamp]})
    defer(db, _upsert(db.get_bind().dialect.name, stamp), row)


_COLUMNS = {
    "status_time": ("status", "error_code", "info", "vendor_error_code", "evse_id"),
    "meter_value_time": ("meter_kwh", "power_kw", "soc", "evse_id"),
}


async def promote_password(db: Db, charge_point_id: str, next_hash: str) -> None:
    """The charger connected with its rotated password: that one is now the only valid one."""
    await db.execute(
        update(_CHARGE_POINTS)
        .where(_CHARGE_POINTS.c.id == charge_point_id, _CHARGE_POINTS.c.password_hash_next == next_hash)
        .values(password_hash=next_hash, password_hash_next=None)
    )


async def promote_security_profile(db: Db, charge_point_id: str, reached: int) -> None:
    """The charger connected at `reached`, at least its pending profile: that profile is now its floor."""
    t = _CHARGE_POINTS
    await db.execute(
        update(t)
        .where(
            t.c.id == charge_point_id,
            t.c.security_profile_pending.is_not(None),
            t.c.security_profile_pending <= reached,
        )
        .values(security_profile=t.c.security_profile_pending, security_profile_pending=None)
    )
