"""Queries on sites (chargers behind one grid connection)."""

from __future__ import annotations

from sqlalchemy import select

from chargegrid.domain.sites import SiteDefinition
from chargegrid.store import Db
from chargegrid.store.models import Transaction, utcnow
from chargegrid.store.smart_charging_models import Site


async def all_sites(db: Db) -> list[SiteDefinition]:
    rows = (await db.scalars(select(Site).order_by(Site.id))).all()
    return [SiteDefinition.model_validate(row.definition) for row in rows]


async def get(db: Db, site_id: str) -> SiteDefinition | None:
    row = await db.get(Site, site_id)
    return SiteDefinition.model_validate(row.definition) if row is not None else None


async def put(db: Db, site: SiteDefinition) -> bool:
    """Create or replace; True when it was created."""
    row = await db.get(Site, site.id)
    if row is None:
        db.add(Site(id=site.id, name=site.name, definition=site.to_json()))
        return True
    row.name, row.definition, row.updated_at = site.name, site.to_json(), utcnow()
    return False


async def delete(db: Db, site_id: str) -> bool:
    row = await db.get(Site, site_id)
    if row is None:
        return False
    await db.delete(row)
    return True


async def open_transactions(db: Db, charge_point_ids: list[str]) -> list[Transaction]:
    """The running transactions on these chargers, the longest-running first."""
    if not charge_point_ids:
        return []
    query = (
        select(Transaction)
        .where(Transaction.charge_point_id.in_(charge_point_ids), Transaction.stop_time.is_(None))
        .order_by(Transaction.start_time, Transaction.id)
    )
    return list((await db.scalars(query)).all())
