"""GET /API/Audit: who did what — admin changes and commands, by UI users and API keys (admin scope)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import or_, select

from chargegrid.api.admin_common import RESPONSES, as_utc
from chargegrid.api.auth import require_scope
from chargegrid.api.dependencies import ServicesDep
from chargegrid.events import audit
from chargegrid.events.actors import Scope
from chargegrid.store.integration_models import AuditEntry

router = APIRouter(tags=["Audit log"], dependencies=[require_scope(Scope.admin)])


@router.get(
    "/API/Audit",
    summary="The audit log, newest first",
    description="Filters: `actor` (a key id, key name or user name), `action` (exact, e.g. "
    "`charge_tag.update`, or a prefix ending in `*`, e.g. `command.*`), `chargePointId`, `from`/`to` "
    "(ISO 8601). Paging: `limit` (≤ 500) and `before` = the `next` of the previous page.",
    responses=RESPONSES,
)
async def list_audit(
    services: ServicesDep,
    actor: str | None = None,
    action: str | None = None,
    chargePointId: str | None = None,
    from_: datetime | None = Query(default=None, alias="from"),
    to: datetime | None = None,
    limit: int = Query(default=100, ge=1, le=500),
    before: int | None = Query(default=None, ge=1, description="Entries older than this id"),
) -> dict[str, Any]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if actor:
        query = query.where(or_(AuditEntry.actor_id == actor, AuditEntry.actor_name == actor))
    if action:
        if action.endswith("*"):
            query = query.where(AuditEntry.action.startswith(action[:-1], autoescape=True))
        else:
            query = query.where(AuditEntry.action == action)
    if chargePointId:
        query = query.where(AuditEntry.charge_point_id == chargePointId)
    if from_ is not None:
        query = query.where(AuditEntry.time >= as_utc(from_))
    if to is not None:
        query = query.where(AuditEntry.time < as_utc(to))
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if services.events is not None:  # commands answered just before are in the log too
        await services.events.recorded()
    async with services.db() as db:
        rows = (await db.scalars(query)).all()
    page = rows[:limit]
    return {
        "entries": [audit.as_json(row) for row in page],
        "next": page[-1].id if len(rows) > limit else None,
    }
