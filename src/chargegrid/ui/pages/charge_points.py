"""Charge points (admin): list, create, edit, delete, and the per-connector commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import delete
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from chargegrid.domain.credentials import hash_password
from chargegrid.domain.registration import CHARGE_POINT_ID_RULE, is_valid_charge_point_id
from chargegrid.security import profiles
from chargegrid.store import charge_points as cp_store
from chargegrid.store import reports
from chargegrid.store import transactions as tx_store
from chargegrid.store.models import ChargePoint
from chargegrid.ui import auth, forms
from chargegrid.ui.pages.commands import CommandResult, run_command
from chargegrid.ui.pages.overview import colour
from chargegrid.ui.rendering import path_part, render

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)

# What a websocket path segment can carry and OCPP.Core accepts: no '/', no spaces.


@router.get("/ui/chargepoints")
async def list_page(request: Request) -> Response:
    viewer = await auth.viewer(request, admin=True)
    services = auth.services_of(request)
    async with services.db() as db:
        stations = await cp_store.list_all(db)
    rows = [{"cp": cp, "online": cp.id in services.registry} for cp in stations]
    return render(request, "chargepoints.html", {"title": "Charge points", "rows": rows}, viewer=viewer)


def _form_values(cp: ChargePoint | None, form: FormData | None = None) -> dict[str, Any]:
    if form is not None:
        return {k: str(form.get(k) or "") for k in _FIELDS}
    if cp is None:
        return dict.fromkeys(_FIELDS, "")
    return {k: "" if getattr(cp, k) is None else str(getattr(cp, k)) for k in _FIELDS}


_FIELDS = ("id", "name", "comment", "price_per_kwh", "max_session_kwh", "session_fee")


def _apply(cp: ChargePoint, form: FormData) -> None:
    """Copy the form onto the charge point; raises FormError before changing anything."""
    name = forms.text(form, "name", "Name", 100)
    comment = forms.text(form, "comment", "Comment", 2000)
    password = str(form.get("password") or "")
    if password and not 8 <= len(password) <= 40:
        raise forms.FormError("The password must be 8 to 40 characters long (OCPP security profile 1).")
    prices = {
        "price_per_kwh": forms.number(form, "price_per_kwh", "Price per kWh"),
        "max_session_kwh": forms.number(form, "max_session_kwh", "Max kWh per session"),
        "session_fee": forms.number(form, "session_fee", "Session fee"),
    }
    current = profiles.effective(cp.security_profile or 0, bool(cp.password_hash))
    clear = not password and forms.checkbox(form, "clear_password")
    has_password = bool(password) or (bool(cp.password_hash) and not clear)
    chosen = str(form.get("security_profile") or "")
    if chosen in ("0", "1", "2", "3"):
        profile = int(chosen)
    else:
        profile = 1 if current == 0 and has_password else current
    problem = profiles.change_problem(
        current,
        profile,
        has_password,
        allow_downgrade=forms.checkbox(form, "allow_downgrade"),
        how_to_downgrade="tick “Allow lowering the security profile” if that is really meant",
    )
    if problem is not None:
        raise forms.FormError(f"Security profile: {problem}.")
    cp.name, cp.comment = name, comment
    for key, value in prices.items():
        setattr(cp, key, value)
    if password:
        cp.password_hash = hash_password(password)
    elif clear:
        cp.password_hash = None
    cp.security_profile = profile


@router.get("/ui/chargepoints/new")
async def new_page(request: Request) -> Response:
    viewer = await auth.viewer(request, admin=True)
    context = {
        "title": "New charge point",
        "is_new": True,
        "form": _form_values(None),
        "cp_id": "",
        "result": None,
    }
    return render(request, "chargepoint.html", context, viewer=viewer)


@router.post("/ui/chargepoints/new")
async def create(request: Request) -> Response:
    viewer = await auth.viewer(request, admin=True)
    form = await auth.checked_form(request)
    cp_id = str(form.get("id") or "").strip()
    try:
        if not is_valid_charge_point_id(cp_id):
            raise forms.FormError(
                f"The charge point id must be {CHARGE_POINT_ID_RULE} "
                "(it is the last part of the charger's OCPP URL)."
            )
        async with auth.services_of(request).db.begin() as db:
            if await cp_store.get(db, cp_id) is not None:
                raise forms.FormError(f"A charge point with id {cp_id!r} already exists: pick another id.")
            cp = ChargePoint(id=cp_id, registration_status="Accepted")
            _apply(cp, form)
            db.add(cp)
    except forms.FormError as exc:
        context = {
            "title": "New charge point",
            "is_new": True,
            "form": _form_values(None, form),
            "cp_id": "",
            "result": None,
            "error": str(exc),
        }
        return render(request, "chargepoint.html", context, viewer=viewer, status_code=400)
    return RedirectResponse(f"/ui/chargepoints/{path_part(cp_id)}?saved=1", status_code=303)


@dataclass
class ConnectorView:
    id: int
    status: str
    colour: str
    open_tx: Any


async def _edit_page(
    request: Request,
    viewer: auth.Viewer,
    cp_id: str,
    *,
    form: FormData | None = None,
    message: str | None = None,
    error: str | None = None,
    result: CommandResult | None = None,
    status_code: int = 200,
) -> Response:
    services = auth.services_of(request)
    async with services.db() as db:
        cp = await cp_store.get(db, cp_id)
        if cp is None:
            return _missing(request, viewer, cp_id)
        stored = {row.connector_id: row for row in await cp_store.connectors(db, [cp_id]) if row.connector_id}
        tags = await reports.tags(db)
        session = services.registry.get(cp_id)
        ids = set(stored) | ({n for n in session.connectors if n > 0} if session else set()) or {1}
        connectors = []
        for n in sorted(ids):
            live = session.connectors.get(n) if session else None
            status = (live.status if live else None) or (stored[n].status if n in stored else None)
            open_tx = await tx_store.open_on_connector(db, cp_id, n)
            online = session is not None
            connectors.append(
                ConnectorView(
                    n,
                    (status or "Unknown") if online else "Offline",
                    colour(status, online, open_tx is not None),
                    open_tx,
                )
            )
    profile = profiles.effective(cp.security_profile or 0, bool(cp.password_hash))
    context = {
        "title": f"Charge point {cp.name or cp.id}",
        "is_new": False,
        "cp": cp,
        "cp_id": cp.id,
        "form": _form_values(cp, form),
        "has_password": cp.password_hash is not None,
        "security_profile": profile,
        "security_warning": profiles.warning(profile, services.settings.security.allow_no_credentials),
        "online": session is not None,
        "connected_at": session.connected_at if session else None,
        "connectors": connectors,
        "tags": tags,
        "message": message,
        "error": error,
        "result": result,
    }
    return render(request, "chargepoint.html", context, viewer=viewer, status_code=status_code)


def _missing(request: Request, viewer: auth.Viewer, cp_id: str) -> Response:
    context = {"title": "Not found", "text": f"There is no charge point {cp_id!r}: it may have been deleted."}
    return render(request, "error.html", context, viewer=viewer, status_code=404)


@router.get("/ui/chargepoints/{cp_id}")
async def edit_page(request: Request, cp_id: str, saved: int = 0) -> Response:
    viewer = await auth.viewer(request, admin=True)
    return await _edit_page(request, viewer, cp_id, message="Saved." if saved else None)


@router.post("/ui/chargepoints/{cp_id}")
async def save(request: Request, cp_id: str) -> Response:
    viewer = await auth.viewer(request, admin=True)
    form = await auth.checked_form(request)
    try:
        async with auth.services_of(request).db.begin() as db:
            cp = await cp_store.get(db, cp_id)
            if cp is None:
                return _missing(request, viewer, cp_id)
            _apply(cp, form)
    except forms.FormError as exc:
        return await _edit_page(request, viewer, cp_id, form=form, error=str(exc), status_code=400)
    return RedirectResponse(f"/ui/chargepoints/{path_part(cp_id)}?saved=1", status_code=303)


@router.get("/ui/chargepoints/{cp_id}/delete")
async def confirm_delete(request: Request, cp_id: str) -> Response:
    viewer = await auth.viewer(request, admin=True)
    context = {
        "title": "Delete charge point",
        "question": f"Delete charge point {cp_id} with its connectors and transactions? "
        "This cannot be undone.",
        "action": f"/ui/chargepoints/{path_part(cp_id)}/delete",
        "back": f"/ui/chargepoints/{path_part(cp_id)}",
    }
    return render(request, "confirm.html", context, viewer=viewer)


@router.post("/ui/chargepoints/{cp_id}/delete")
async def delete_cp(request: Request, cp_id: str) -> Response:
    await auth.viewer(request, admin=True)
    await auth.checked_form(request)
    async with auth.services_of(request).db.begin() as db:
        await db.execute(delete(ChargePoint).where(ChargePoint.id == cp_id))
    return RedirectResponse("/ui/chargepoints", status_code=303)


@router.post("/ui/chargepoints/{cp_id}/command")
async def command(request: Request, cp_id: str) -> Response:
    viewer = await auth.viewer(request, admin=True)
    form = await auth.checked_form(request)
    result = await run_command(
        auth.services_of(request),
        cp_id,
        action=str(form.get("action") or ""),
        connector=str(form.get("connector") or "0"),
        tag=str(form.get("tag") or ""),
        limit=str(form.get("limit") or ""),
        actor=f"ui:{viewer.name}",
    )
    return await _edit_page(request, viewer, cp_id, result=result)
