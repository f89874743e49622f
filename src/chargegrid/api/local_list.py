"""`/API/LocalList/{chargePointId}`: the charger's local authorization list, built from the stored tags.

`POST` sends SendLocalList made from the charge tags (`updateType=Full`: all of them; `Differential`:
the tags added or changed since the list the charger last accepted, and removals of the tags deleted
since). `GET` shows what the server knows: the version it last sent and the charger's answer, the
version the charger accepted, the version it last reported (GetLocalListVersion) and the entries it
holds. The body form of `/API/SendLocalList` stays for lists written by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from chargegrid.api.admin_common import iso
from chargegrid.api.auth import scoped_by_method
from chargegrid.api.command_http import (
    COMMAND_RESPONSES,
    parse_choice,
    parse_int,
    send_command,
)
from chargegrid.api.operation_common import DbSession
from chargegrid.api.outcomes import outcome_response
from chargegrid.domain.operation_records import local_list_entry
from chargegrid.events.actors import Scope
from chargegrid.ocpp.commands import LocalListEntry, SendLocalList
from chargegrid.store import listings
from chargegrid.store import local_lists as local_list_store
from chargegrid.store.models import ChargeTag, utcnow
from chargegrid.store.operation_models import LocalListState

router = APIRouter(tags=["Local authorization list"], route_class=scoped_by_method(Scope.command))

CP = Path(alias="chargePointId", description="The charge point id")


def _entry(tag: ChargeTag, now: datetime) -> LocalListEntry:
    status: Literal["Accepted", "Blocked", "Expired"]
    if tag.blocked:
        status = "Blocked"
    elif tag.expiry is not None and tag.expiry <= now:
        status = "Expired"
    else:
        status = "Accepted"
    return LocalListEntry(id_tag=tag.tag_id, status=status, expiry=tag.expiry, group_id_tag=tag.parent_tag_id)


def _changes(
    current: list[LocalListEntry], held: dict[str, Any] | None, update_type: str
) -> tuple[LocalListEntry, ...]:
    if update_type == "Full":
        return tuple(current)
    held = held or {}
    changed = [e for e in current if held.get(e.id_tag) != local_list_entry(e)]
    present = {e.id_tag for e in current}
    removed = [LocalListEntry(id_tag=tag, status=None) for tag in sorted(held) if tag not in present]
    return (*changed, *removed)


@router.post(
    "/API/LocalList/{chargePointId}",
    summary="Send the local authorization list built from the stored charge tags",
    description="Query: `updateType` (Full, default, or Differential), `listVersion` (default: one above "
    "every version sent or reported). Blocked tags go as Blocked, expired ones as Expired, each with its "
    'group. Answer: {"status": "Accepted" | "Failed" | "NotSupported" | "VersionMismatch", '
    '"listVersion": n, "updateType": ..., "entries": <tags sent>}.',
    responses=COMMAND_RESPONSES,
)
async def send_built_list(
    request: Request,
    db: DbSession,
    cp: str = CP,
    update_type: str = Query("Full", alias="updateType"),
    list_version: str | None = Query(None, alias="listVersion"),
) -> JSONResponse:
    kind = parse_choice("updateType", update_type, {"full": "Full", "differential": "Differential"})
    state = await local_list_store.get(db, cp) or LocalListState(charge_point_id=cp)
    known = [v for v in (state.sent_version, state.accepted_version, state.reported_version) if v]
    version = parse_int("listVersion", list_version, minimum=1, default=max(known, default=0) + 1)
    now = utcnow()
    current = [_entry(tag, now) for tag in await listings.charge_tags(db)]
    command = SendLocalList(
        list_version=version, update_type=kind, entries=_changes(current, state.entries, kind)
    )
    await db.rollback()  # nothing held open while the charger answers
    outcome = await send_command(request, cp, command)
    body = {
        "status": outcome.status.value,
        "listVersion": version,
        "updateType": kind,
        "entries": len(command.entries),
    }
    return outcome_response(cp, outcome, body)


@router.get(
    "/API/LocalList/{chargePointId}",
    summary="What the server knows of the charger's local authorization list",
    description="`sentVersion`/`sentStatus`: the last SendLocalList and the charger's answer; "
    "`acceptedVersion` and `entries`: the list the charger accepted; `reportedVersion`: its last "
    "answer to GetLocalListVersion. All null when nothing was sent or asked yet.",
)
async def local_list_state(db: DbSession, cp: str = CP) -> JSONResponse:
    # Nothing sent or asked yet: every field null.
    state = await local_list_store.get(db, cp) or LocalListState(charge_point_id=cp)
    return JSONResponse(
        {
            "chargePointId": cp,
            "sentVersion": state.sent_version,
            "sentUpdateType": state.sent_update_type,
            "sentStatus": state.sent_status,
            "sentAt": iso(state.sent_at),
            "acceptedVersion": state.accepted_version,
            "reportedVersion": state.reported_version,
            "reportedAt": iso(state.reported_at),
            "entries": [{"idTag": tag, **entry} for tag, entry in sorted((state.entries or {}).items())],
        }
    )
