"""Queries on security events and on certificates issued to chargers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, insert, select

from chargegrid.store import Db
from chargegrid.store.models import utcnow
from chargegrid.store.security_models import IssuedCertificate, SecurityEvent
from chargegrid.store.time_window import within
from chargegrid.store.writer import defer

_INSERT_EVENT = insert(cast(Table, SecurityEvent.__table__))


def add_event(
    db: Db,
    charge_point_id: str,
    event_type: str,
    *,
    origin: str,
    critical: bool,
    tech_info: str | None = None,
    when: datetime | None = None,
    address: str | None = None,
) -> None:
    """Queue a security event for the batch's insert (written just before the commit)."""
    defer(
        db,
        _INSERT_EVENT,
        {
            "charge_point_id": charge_point_id[:48],
            "type": event_type[:50],
            "tech_info": tech_info[:500] if tech_info else None,
            "origin": origin,
            "critical": critical,
            "timestamp": when or utcnow(),
            "address": address[:64] if address else None,
        },
    )


async def list_events(
    db: Db,
    *,
    charge_point_id: str | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[int, Sequence[SecurityEvent]]:
    """(total matching, one page newest first)."""
    query = within(
        select(SecurityEvent),
        [(SecurityEvent.charge_point_id, charge_point_id), (SecurityEvent.type, event_type)],
        SecurityEvent.timestamp,
        since,
        until,
    )
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(SecurityEvent.timestamp.desc(), SecurityEvent.id.desc()).offset(offset).limit(limit)
    return total, (await db.scalars(page)).all()


def add_certificate(
    db: Db,
    charge_point_id: str,
    *,
    serial: str,
    subject: str,
    certificate_type: str,
    not_before: datetime,
    not_after: datetime,
    pem: str,
) -> IssuedCertificate:
    cert = IssuedCertificate(
        charge_point_id=charge_point_id,
        serial=serial,
        subject=subject,
        certificate_type=certificate_type,
        not_before=not_before,
        not_after=not_after,
        pem=pem,
    )
    db.add(cert)
    return cert


async def certificates(db: Db, charge_point_id: str) -> Sequence[IssuedCertificate]:
    query = (
        select(IssuedCertificate)
        .where(IssuedCertificate.charge_point_id == charge_point_id)
        .order_by(IssuedCertificate.created_at.desc(), IssuedCertificate.id.desc())
    )
    return (await db.scalars(query)).all()


async def expiring(db: Db, before: datetime) -> Sequence[IssuedCertificate]:
    """Certificates still valid now that end before `before`, soonest first."""
    query = (
        select(IssuedCertificate)
        .where(IssuedCertificate.not_after >= utcnow(), IssuedCertificate.not_after < before)
        .order_by(IssuedCertificate.not_after)
    )
    return (await db.scalars(query)).all()
