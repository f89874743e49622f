"""What the operation routes (reservations, local list, logs, firmware, installed certificates) share:
a typed database session dependency and the stored request histories as JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from chargegrid.api.admin_common import iso
from chargegrid.api.dependencies import ServicesDep
from chargegrid.store.operation_models import ChargerRequest


async def _db(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with services.db() as db:
        yield db


DbSession = Annotated[AsyncSession, Depends(_db)]


def charger_request_json(row: ChargerRequest) -> dict[str, Any]:
    """A log/firmware request and what the charger reported about it, oldest report first."""
    return {
        "requestId": row.request_id,
        "action": row.action,  # null: the charger reported on a request this server has no record of
        "parameters": row.parameters or {},
        "answerStatus": row.answer_status,
        "answer": row.answer or {},
        "status": row.status,
        "statusTime": iso(row.status_time),
        "history": row.history or [],
        "createdAt": iso(row.created_at),
    }
