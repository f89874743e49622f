"""Small pieces the admin resources share: camelCase JSON models, ISO times, error answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict

from chargegrid.api.auth import UNAUTHORIZED_RESPONSE


class StrictModel(BaseModel):
    """A request body: unknown fields are an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def as_utc(value: datetime | None) -> datetime | None:
    """A time without zone is taken as UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def not_found(kind: str, key: str) -> HTTPException:
    return HTTPException(404, f"{kind} {key!r} does not exist: check the id (GET the list to see them)")


def conflict(kind: str, key: str) -> HTTPException:
    return HTTPException(409, f"{kind} {key!r} already exists: choose another id or PUT to change it")


RESPONSES: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED_RESPONSE,
    404: {"description": "No such id"},
    422: {"description": "A field breaks its rule; `detail[].loc` names it"},
}
