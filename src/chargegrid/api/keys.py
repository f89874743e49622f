"""/API/Keys: named API keys with scopes (admin scope). The key is shown once, when it is made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Path, Response
from pydantic import Field, field_validator

from chargegrid.api.admin_common import RESPONSES, StrictModel, as_utc, iso, not_found
from chargegrid.api.auth import CallerDep, require_scope
from chargegrid.api.dependencies import ServicesDep
from chargegrid.events import audit
from chargegrid.events.actors import Scope
from chargegrid.store import api_keys
from chargegrid.store.integration_models import ApiKey
from chargegrid.store.models import utcnow

router = APIRouter(tags=["API keys"], dependencies=[require_scope(Scope.admin)])


class KeyCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100, description="What the key is for, e.g. 'billing'")
    scopes: list[Scope] = Field(min_length=1, description="Any of read, command, admin, payments")
    chargePoints: list[str] | None = Field(
        default=None, description="Only these charge points (omit for all)", min_length=1
    )
    sites: list[str] | None = Field(default=None, description="Only these sites (omit for all)", min_length=1)
    expiresAt: datetime | None = Field(default=None, description="ISO 8601; without zone = UTC")

    @field_validator("expiresAt")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        value = as_utc(value)
        if value is not None and value <= utcnow():
            raise ValueError("must be in the future")
        return value


def view(row: ApiKey) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "scopes": row.scopes,
        "chargePoints": row.charge_points,
        "sites": row.sites,
        "createdAt": iso(row.created_at),
        "createdBy": row.created_by,
        "expiresAt": iso(row.expires_at),
        "revokedAt": iso(row.revoked_at),
        "lastUsedAt": iso(row.last_used_at),
    }


@router.post(
    "/API/Keys",
    status_code=201,
    summary="Make an API key",
    description="Answers the key itself in `key`, once: only its hash is stored. Send it as X-API-Key.",
    responses=RESPONSES,
)
async def create_key(services: ServicesDep, body: KeyCreate, caller: CallerDep) -> dict[str, Any]:
    async with services.db.begin() as db:
        row, key = await api_keys.create(
            db,
            body.name,
            [s.value for s in body.scopes],
            charge_points=body.chargePoints,
            sites=body.sites,
            expires_at=body.expiresAt,
            created_by=caller.describe(),
        )
        audit.record(
            db, caller, "api_key.create", target=row.id, details={"name": row.name, "scopes": row.scopes}
        )
        return {**view(row), "key": key}


@router.get("/API/Keys", summary="List API keys (without secrets)", responses=RESPONSES)
async def list_keys(services: ServicesDep, includeRevoked: bool = False) -> list[dict[str, Any]]:
    async with services.db() as db:
        return [view(row) for row in await api_keys.listing(db, include_revoked=includeRevoked)]


@router.delete(
    "/API/Keys/{keyId}",
    status_code=204,
    summary="Revoke an API key",
    description="Takes effect at once on every node: keys are checked against the database on each request.",
    responses=RESPONSES,
)
async def revoke_key(services: ServicesDep, caller: CallerDep, key_id: str = Path(alias="keyId")) -> Response:
    async with services.db.begin() as db:
        row = await api_keys.revoke(db, key_id)
        if row is None:
            raise not_found("API key", key_id)
        audit.record(db, caller, "api_key.revoke", target=key_id, details={"name": row.name})
    return Response(status_code=204)
