"""The certificates each charger reports as installed (and those it accepted from us)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select

from chargegrid.store import Db
from chargegrid.store.models import utcnow
from chargegrid.store.operation_models import InstalledCertificate

KEY_FIELDS = ("hashAlgorithm", "issuerNameHash", "issuerKeyHash", "serialNumber")


def _key(entry: dict[str, Any]) -> tuple[str, str, str, str]:
    return (entry["hashAlgorithm"], entry["issuerNameHash"], entry["issuerKeyHash"], entry["serialNumber"])


async def replace(
    db: Db, charge_point_id: str, types: Iterable[str] | None, listed: Sequence[dict[str, Any]]
) -> None:
    """The charger's answer to GetInstalledCertificateIds: what it listed is all it has of `types`
    (None: of every type)."""
    query = delete(InstalledCertificate).where(InstalledCertificate.charge_point_id == charge_point_id)
    if types is not None:
        query = query.where(InstalledCertificate.certificate_type.in_(list(types)))
    await db.execute(query)
    for entry in listed:
        await add(db, charge_point_id, entry)


async def add(db: Db, charge_point_id: str, entry: dict[str, Any], subject: str | None = None) -> None:
    key = _key(entry)
    row = await db.get(InstalledCertificate, (charge_point_id, *key))
    if row is None:
        row = InstalledCertificate(
            charge_point_id=charge_point_id,
            hash_algorithm=key[0],
            issuer_name_hash=key[1],
            issuer_key_hash=key[2],
            serial_number=key[3],
        )
        db.add(row)
    row.certificate_type = entry.get("certificateType") or row.certificate_type
    row.child_certificates = entry.get("childCertificates")
    row.subject = subject or row.subject
    row.seen_at = utcnow()


async def remove(db: Db, charge_point_id: str, entry: dict[str, Any]) -> None:
    row = await db.get(InstalledCertificate, (charge_point_id, *_key(entry)))
    if row is not None:
        await db.delete(row)


async def listing(db: Db, charge_point_id: str) -> Sequence[InstalledCertificate]:
    query = (
        select(InstalledCertificate)
        .where(InstalledCertificate.charge_point_id == charge_point_id)
        .order_by(InstalledCertificate.certificate_type, InstalledCertificate.serial_number)
    )
    return (await db.scalars(query)).all()
