"""/API/ChargeTags: the id tags (RFID cards, app tokens) the central system authorizes.

Id tags are case-insensitive in OCPP, so "ABC" and "abc" are the same tag: creating one when the other
exists is a 409, and lookups by id ignore case like the charger-facing authorization does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Response
from pydantic import Field
from sqlalchemy.exc import IntegrityError

from chargegrid.api.admin_common import RESPONSES, StrictModel, as_utc, conflict, iso, not_found
from chargegrid.api.auth import CallerDep, scoped_by_method
from chargegrid.api.dependencies import ServicesDep
from chargegrid.events import audit
from chargegrid.events.actors import Scope
from chargegrid.store import charge_tags as tags_store
from chargegrid.store import listings
from chargegrid.store.models import ChargeTag

router = APIRouter(tags=["Admin: charge tags"], route_class=scoped_by_method(Scope.admin))

# Printable ASCII without spaces: what fits an OCPP idTag (1.6: ≤ 20, 2.x idToken: ≤ 36; we keep ≤ 50).
TAG_PATTERN = r"^[\x21-\x7e]{1,50}$"


class ChargeTagFields(StrictModel):
    tagName: str | None = Field(default=None, max_length=200)
    parentTagId: str | None = Field(
        default=None, pattern=TAG_PATTERN, description="Group (parent) tag; need not exist as a tag"
    )
    expiryDate: datetime | None = Field(default=None, description="ISO 8601; without zone = UTC")
    blocked: bool = False


class ChargeTagCreate(ChargeTagFields):
    tagId: str = Field(pattern=TAG_PATTERN, description="1-50 printable ASCII characters, no spaces")


class ChargeTagUpdate(ChargeTagFields):
    tagId: str | None = Field(default=None, description="If given, must equal the id in the path")


def _view(tag: ChargeTag) -> dict[str, Any]:
    return {
        "tagId": tag.tag_id,
        "tagName": tag.name,
        "parentTagId": tag.parent_tag_id,
        "expiryDate": iso(tag.expiry),
        "blocked": bool(tag.blocked),
    }


def _apply(tag: ChargeTag, body: ChargeTagFields) -> None:
    fields = body.model_fields_set
    if "tagName" in fields:
        tag.name = body.tagName
    if "parentTagId" in fields:
        tag.parent_tag_id = body.parentTagId
    if "expiryDate" in fields:
        tag.expiry = as_utc(body.expiryDate)
    if "blocked" in fields:
        tag.blocked = body.blocked


TAG_ID = Path(alias="tagId", description="The id tag (case-insensitive)")


def _changes(body: StrictModel) -> dict[str, Any]:
    return audit.changes(body.model_dump(mode="json", exclude_unset=True, exclude={"tagId"}))


@router.get("/API/ChargeTags", summary="List charge tags", responses=RESPONSES)
async def list_charge_tags(services: ServicesDep) -> list[dict[str, Any]]:
    async with services.db() as db:
        return [_view(tag) for tag in await listings.charge_tags(db)]


@router.post(
    "/API/ChargeTags",
    status_code=201,
    summary="Add a charge tag",
    description="Body: `tagId` (required), `tagName`, `parentTagId`, `expiryDate` (ISO 8601), "
    "`blocked`. 409 when the tag exists (in any letter case).",
    responses={**RESPONSES, 409: {"description": "The tag already exists"}},
)
async def create_charge_tag(
    services: ServicesDep, body: ChargeTagCreate, caller: CallerDep
) -> dict[str, Any]:
    async with services.db() as db:
        if await tags_store.get_case_insensitive(db, body.tagId) is not None:
            raise conflict("charge tag", body.tagId)
        tag = ChargeTag(tag_id=body.tagId, blocked=False)
        _apply(tag, body)
        db.add(tag)
        audit.record(db, caller, "charge_tag.create", target=body.tagId, details=_changes(body))
        try:
            await db.commit()
        except IntegrityError:
            raise conflict("charge tag", body.tagId) from None
        return _view(tag)


@router.get("/API/ChargeTags/{tagId}", summary="Read one charge tag", responses=RESPONSES)
async def get_charge_tag(services: ServicesDep, tag_id: str = TAG_ID) -> dict[str, Any]:
    async with services.db() as db:
        tag = await tags_store.get_case_insensitive(db, tag_id)
        if tag is None:
            raise not_found("charge tag", tag_id)
        return _view(tag)


@router.put(
    "/API/ChargeTags/{tagId}",
    summary="Change a charge tag",
    description="Only the fields present in the body change; `expiryDate: null` removes the expiry.",
    responses=RESPONSES,
)
async def update_charge_tag(
    services: ServicesDep, body: ChargeTagUpdate, caller: CallerDep, tag_id: str = TAG_ID
) -> dict[str, Any]:
    if body.tagId is not None and body.tagId.lower() != tag_id.lower():
        raise HTTPException(
            422, f"tagId {body.tagId!r} in the body differs from {tag_id!r} in the path: ids cannot change"
        )
    async with services.db() as db:
        tag = await tags_store.get_case_insensitive(db, tag_id)
        if tag is None:
            raise not_found("charge tag", tag_id)
        _apply(tag, body)
        audit.record(db, caller, "charge_tag.update", target=tag.tag_id, details=_changes(body))
        await db.commit()
        return _view(tag)


@router.delete("/API/ChargeTags/{tagId}", status_code=204, summary="Remove a charge tag", responses=RESPONSES)
async def delete_charge_tag(services: ServicesDep, caller: CallerDep, tag_id: str = TAG_ID) -> Response:
    async with services.db() as db:
        tag = await tags_store.get_case_insensitive(db, tag_id)
        if tag is None:
            raise not_found("charge tag", tag_id)
        await db.delete(tag)
        audit.record(db, caller, "charge_tag.delete", target=tag.tag_id)
        await db.commit()
    return Response(status_code=204)
