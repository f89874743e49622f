"""/API/ChargePoints: the chargers this central system admits, with their payment overrides.

The password (HTTP Basic key of security profile 1) is stored argon2-hashed and never returned; the
answer only says `hasPassword`. What the charger reports about itself (vendor, model, serial,
firmware, protocol) and whether it is online are read-only.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import Field, model_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from chargegrid.api.admin_common import RESPONSES, StrictModel, conflict, iso, not_found
from chargegrid.api.auth import CallerDep, scoped_by_method
from chargegrid.api.dependencies import ServicesDep
from chargegrid.api.outcomes import command_error_response, outcome_response
from chargegrid.domain.credentials import hash_password
from chargegrid.domain.registration import CHARGE_POINT_ID_PATTERN, CHARGE_POINT_ID_RULE
from chargegrid.events import audit
from chargegrid.events.actors import Scope
from chargegrid.ocpp import password_commands, profile_commands
from chargegrid.ocpp.commands import Command, CommandError, Outcome, OutcomeStatus
from chargegrid.security import profiles
from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store.models import ChargePoint, Transaction

router = APIRouter(tags=["Admin: charge points"], route_class=scoped_by_method(Scope.admin))

READ_ONLY = frozenset(
    {
        "hasPassword",
        "securityWarning",
        "securityProfilePending",
        "registrationStatus",
        "protocol",
        "online",
        "vendor",
        "model",
        "serialNumber",
        "firmwareVersion",
        "lastBoot",
        "lastHeartbeat",
        "createdAt",
    }
)


class ChargePointFields(StrictModel):
    name: str | None = Field(default=None, max_length=100)
    comment: str | None = Field(default=None, max_length=2000)
    password: str | None = Field(
        default=None,
        min_length=16,
        max_length=40,
        description="HTTP Basic password the charger must send (OCPP security profile 1: 16-40 "
        "characters). Write-only; null removes it.",
    )
    securityProfile: int | None = Field(
        default=None,
        ge=0,
        le=3,
        description="OCPP security profile the charger must meet on every connection: 0 no credentials "
        "(anyone knowing the id can connect as it), 1 HTTP Basic password, 2 TLS + password, 3 TLS + client "
        "certificate with CN = id. Default: 1 with a password, else 0. Lowering needs downgrade=true.",
    )
    # Payment overrides; null = use the node's setting (CHARGEGRID_PAYMENTS__...).
    pricePerKwh: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    maxSessionKwh: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    sessionFee: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _drop_read_only(cls, data: Any) -> Any:
        # A client may PUT back what it GOT: read-only fields are ignored rather than refused.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in READ_ONLY}
        return data


class ChargePointCreate(ChargePointFields):
    id: str = Field(pattern=CHARGE_POINT_ID_PATTERN, description=CHARGE_POINT_ID_RULE)


class ChargePointUpdate(ChargePointFields):
    id: str | None = Field(default=None, description="If given, must equal the id in the path")


def _view(cp: ChargePoint, services: Services) -> dict[str, Any]:
    session = services.registry.get(cp.id)
    profile = profiles.effective(cp.security_profile or 0, bool(cp.password_hash))
    return {
        "id": cp.id,
        "name": cp.name,
        "comment": cp.comment,
        "hasPassword": bool(cp.password_hash),
        "securityProfile": profile,
        "securityProfilePending": cp.security_profile_pending,
        "securityWarning": profiles.warning(profile, services.settings.security.allow_no_credentials),
        "pricePerKwh": cp.price_per_kwh,
        "maxSessionKwh": cp.max_session_kwh,
        "sessionFee": cp.session_fee,
        "registrationStatus": cp.registration_status,
        "online": session is not None,
        "protocol": session.version.value if session is not None else cp.protocol,
        "vendor": cp.vendor,
        "model": cp.model,
        "serialNumber": cp.serial_number,
        "firmwareVersion": cp.firmware_version,
        "lastBoot": iso(cp.last_boot),
        "lastHeartbeat": iso(cp.last_heartbeat),
        "createdAt": iso(cp.created_at),
    }


_COLUMNS = {
    "name": "name",
    "comment": "comment",
    "pricePerKwh": "price_per_kwh",
    "maxSessionKwh": "max_session_kwh",
    "sessionFee": "session_fee",
}


async def _apply(cp: ChargePoint, body: ChargePointFields, *, downgrade: bool = False) -> None:
    current = profiles.effective(cp.security_profile or 0, bool(cp.password_hash))
    given = body.model_fields_set
    if "securityProfile" in given:
        if body.securityProfile is None:
            raise HTTPException(422, "securityProfile: must be 0, 1, 2 or 3, not null")
        new = body.securityProfile
    elif "password" in given and body.password and current == 0:
        new = 1  # giving a charger a password means it must use it
    elif "password" in given and not body.password and current in (1, 2):
        if not downgrade:
            raise HTTPException(
                422,
                f"password: removing it would lower securityProfile {current} to 0 (no credentials); "
                "set securityProfile too, or pass downgrade=true",
            )
        new = 0
    else:
        new = current
    has_password = bool(body.password) if "password" in given else bool(cp.password_hash)
    problem = profiles.change_problem(current, new, has_password, allow_downgrade=downgrade or new >= current)
    if problem is not None:
        raise HTTPException(422, f"securityProfile: {problem}")
    for field in given & _COLUMNS.keys():
        setattr(cp, _COLUMNS[field], getattr(body, field))
    if "password" in given:
        # argon2 costs tens of ms of CPU on purpose: keep it off the event loop.
        cp.password_hash = await asyncio.to_thread(hash_password, body.password) if body.password else None
        cp.password_hash_next = None  # an operator's password replaces any rotation under way
    if "securityProfile" in given:
        cp.security_profile_pending = None  # an operator's explicit profile replaces a raise under way
    cp.security_profile = new


CP_ID = Path(alias="id", description="The charge point id")


def _changes(body: StrictModel) -> dict[str, Any]:
    return audit.changes(body.model_dump(mode="json", exclude_unset=True, exclude={"id"}))


@router.get("/API/ChargePoints", summary="List charge points", responses=RESPONSES)
async def list_charge_points(services: ServicesDep) -> list[dict[str, Any]]:
    async with services.db() as db:
        return [_view(cp, services) for cp in await cp_store.list_all(db)]


@router.post(
    "/API/ChargePoints",
    status_code=201,
    summary="Add a charge point",
    description="Body: `id` (required), `name`, `comment`, `password` (write-only, stored hashed), "
    "`securityProfile` (0-3; default 1 with a password, else 0), "
    "`pricePerKwh`, `maxSessionKwh`, `sessionFee` (numbers ≥ 0 or null = use the global setting). "
    "409 when the id exists.",
    responses={**RESPONSES, 409: {"description": "The id already exists"}},
)
async def create_charge_point(
    services: ServicesDep, body: ChargePointCreate, caller: CallerDep
) -> dict[str, Any]:
    async with services.db() as db:
        if await cp_store.get(db, body.id) is not None:
            raise conflict("charge point", body.id)
        cp = cp_store.add(db, body.id, "Accepted")
        await _apply(cp, body)
        audit.record(db, caller, "charge_point.create", charge_point_id=body.id, details=_changes(body))
        try:
            await db.commit()
        except IntegrityError:  # created by someone else a moment ago
            raise conflict("charge point", body.id) from None
        return _view(cp, services)


@router.get("/API/ChargePoints/{id}", summary="Read one charge point", responses=RESPONSES)
async def get_charge_point(services: ServicesDep, cp_id: str = CP_ID) -> dict[str, Any]:
    async with services.db() as db:
        cp = await cp_store.get(db, cp_id)
        if cp is None:
            raise not_found("charge point", cp_id)
        return _view(cp, services)


@router.put(
    "/API/ChargePoints/{id}",
    summary="Change a charge point",
    description="Only the fields present in the body change (`password: null` removes the password). "
    "Read-only fields (registrationStatus, online, protocol, vendor, ...) are ignored.",
    responses=RESPONSES,
)
async def update_charge_point(
    services: ServicesDep,
    body: ChargePointUpdate,
    caller: CallerDep,
    cp_id: str = CP_ID,
    downgrade: bool = Query(
        False, description="allow lowering securityProfile (the charger is then accepted at the lower level)"
    ),
) -> dict[str, Any]:
    if body.id is not None and body.id != cp_id:
        raise HTTPException(
            422, f"id {body.id!r} in the body differs from {cp_id!r} in the path: ids cannot change"
        )
    async with services.db() as db:
        cp = await cp_store.get(db, cp_id)
        if cp is None:
            raise not_found("charge point", cp_id)
        await _apply(cp, body, downgrade=downgrade)
        audit.record(db, caller, "charge_point.update", charge_point_id=cp_id, details=_changes(body))
        await db.commit()
        session = services.registry.get(cp_id)
        if session is not None and "name" in body.model_fields_set:
            session.name = cp.name  # /API/Status shows the new name at once
        return _view(cp, services)


@router.delete(
    "/API/ChargePoints/{id}",
    status_code=204,
    summary="Remove a charge point",
    description="Deletes the charge point with its connector states. A charge point with recorded "
    "transactions is refused (409) so billing history is not lost by accident; pass "
    "`deleteTransactions=true` to delete them too. A connected charger is disconnected (under the default "
    "`reject` policy it cannot come back).",
    responses=RESPONSES,
)
async def delete_charge_point(
    services: ServicesDep,
    caller: CallerDep,
    cp_id: str = CP_ID,
    delete_transactions: bool = Query(
        False, alias="deleteTransactions", description="also delete the charge point's transactions"
    ),
) -> Response:
    async with services.db() as db:
        cp = await cp_store.get(db, cp_id)
        if cp is None:
            raise not_found("charge point", cp_id)
        count = await db.scalar(
            select(func.count()).select_from(Transaction).where(Transaction.charge_point_id == cp_id)
        )
        if count and not delete_transactions:
            raise HTTPException(
                status_code=409,
                detail=f"charge point {cp_id!r} has {count} recorded transaction(s); deleting it "
                "would delete them too. Pass deleteTransactions=true to do so anyway.",
            )
        await db.delete(cp)
        audit.record(
            db, caller, "charge_point.delete", charge_point_id=cp_id, details={"transactions": count or 0}
        )
        await db.commit()
    session = services.registry.get(cp_id)
    if session is not None:
        session.rpc.close()
        await session.close(1000, "charge point removed by an operator")
    return Response(status_code=204)


@router.post(
    "/API/ChargePoints/{id}/RotatePassword",
    summary="Give a connected charger a new Basic password",
    description="Generates a strong password and sends it to the charger (1.6 ChangeConfiguration "
    "AuthorizationKey, 2.x SetVariables SecurityCtrlr.BasicAuthPassword). When the charger accepts it, "
    "the old and the new password are both valid until it first connects with the new one; the new one "
    "is never shown (only the charger needs it). Answer: `{status, rotated}` with the charger's status; "
    "404 offline, 409 when the charger's security profile uses no password.",
    responses={**RESPONSES, 409: {"description": "The charger does not use a password"}},
)
async def rotate_password(services: ServicesDep, caller: CallerDep, cp_id: str = CP_ID) -> Response:
    async with services.db() as db:
        cp = await cp_store.get(db, cp_id)
        if cp is None:
            raise not_found("charge point", cp_id)
        profile = profiles.effective(cp.security_profile or 0, bool(cp.password_hash))
    if not profiles.needs_password(profile):
        raise HTTPException(
            409, f"charge point {cp_id!r} is at security profile {profile}, which uses no password"
        )
    session = services.registry.get(cp_id)
    if session is None:
        return outcome_response(cp_id, Outcome(OutcomeStatus.Offline))
    password = password_commands.generate_password()
    try:
        outcome = await services.commands.execute(
            cp_id, password_commands.set_password(session.version, password), actor=caller.token()
        )
    except CommandError as exc:
        return command_error_response(exc)
    rotated = outcome.status.value in password_commands.ACCEPTED
    if rotated:
        new_hash = await asyncio.to_thread(hash_password, password)
        async with services.db.begin() as db:
            stored = await cp_store.get(db, cp_id)
            if stored is not None:
                stored.password_hash_next = new_hash
            audit.record(db, caller, "charge_point.rotate_password", charge_point_id=cp_id, details={})
    return outcome_response(cp_id, outcome, {"status": outcome.status.value, "rotated": rotated})


@router.post(
    "/API/ChargePoints/{id}/RaiseSecurityProfile",
    summary="Raise a connected charger to security profile 2 or 3",
    description="1.6: ChangeConfiguration SecurityProfile. 2.x: SetNetworkProfile (this server's wss:// URL "
    "at the new level on a free configuration slot), SetVariables OCPPCommCtrlr.NetworkConfigurationPriority "
    "with that slot first, Reset OnIdle. When the charger accepts, the new level is kept as "
    "`securityProfilePending`; the stored `securityProfile` becomes it only when the charger connects at "
    "that level. Answer: `{status, raised, pendingProfile, steps: [{action, status}]}`; 404 offline, "
    "409 when the raise is not possible (not above the current level, no password for profile 2).",
    responses={**RESPONSES, 409: {"description": "The charger cannot be raised to that profile"}},
)
async def raise_security_profile(
    request: Request,
    services: ServicesDep,
    caller: CallerDep,
    cp_id: str = CP_ID,
    profile: int = Query(description="The new security profile: 2 or 3"),
) -> Response:
    if profile not in (2, 3):
        raise HTTPException(400, f"profile: must be 2 or 3, not {profile}")
    async with services.db() as db:
        cp = await cp_store.get(db, cp_id)
        if cp is None:
            raise not_found("charge point", cp_id)
        current = profiles.effective(cp.security_profile or 0, bool(cp.password_hash))
        problem = profiles.raise_problem(current, profile, bool(cp.password_hash))
    if problem is not None:
        raise HTTPException(409, f"charge point {cp_id!r}: {problem}")
    session = services.registry.get(cp_id)
    if session is None:
        return outcome_response(cp_id, Outcome(OutcomeStatus.Offline))
    csms_url = services.settings.security.csms_url or f"wss://{request.url.netloc}/OCPP/"

    async def execute(command: Command) -> Outcome:
        return await services.commands.execute(cp_id, command, actor=caller.token())

    try:
        steps = await profile_commands.raise_profile(execute, session.version, profile, csms_url)
    except CommandError as exc:
        return command_error_response(exc)
    raised = profile_commands.configured(steps)
    if raised:
        async with services.db.begin() as db:
            stored = await cp_store.get(db, cp_id)
            if stored is not None:
                stored.security_profile_pending = profile
            audit.record(
                db,
                caller,
                "charge_point.raise_security_profile",
                charge_point_id=cp_id,
                details={"profile": profile},
            )
    last = steps[-1].outcome
    body = {
        "status": last.status.value,
        "raised": raised,
        "pendingProfile": profile if raised else None,
        "steps": [{"action": step.action, "status": step.outcome.status.value} for step in steps],
    }
    return outcome_response(cp_id, last, body)
