"""Queries on charge tags (id tags / id tokens)."""

from __future__ import annotations

from sqlalchemy import select

from chargegrid.store import Db
from chargegrid.store.models import ChargeTag


async def get(db: Db, tag_id: str) -> ChargeTag | None:
    return await db.get(ChargeTag, tag_id)


async def get_case_insensitive(db: Db, tag_id: str) -> ChargeTag | None:
    """OCPP id tags are case-insensitive (CiString); exact match first, then any case."""
    tag = await db.get(ChargeTag, tag_id)
    if tag is None:
        from sqlalchemy import func

        tag = (
            await db.scalars(select(ChargeTag).where(func.lower(ChargeTag.tag_id) == tag_id.lower()))
        ).first()
    return tag


async def group_of(db: Db, tag_id: str) -> str | None:
    """The tag's group (parent tag), sent with reservations as 1.6 parentIdTag / 2.x groupIdToken."""
    tag = await get_case_insensitive(db, tag_id)
    return tag.parent_tag_id if tag is not None else None
