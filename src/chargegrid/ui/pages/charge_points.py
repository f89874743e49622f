"""Charge points: the paged list, each station's page (status first, then its history and log, the
edit form last), and create, edit, delete and the per-connector commands (operators and admins)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from sqlalchemy import delete
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from chargegrid.api.dependencies import ServicesDep
from chargegrid.domain.credentials import hash_password
from chargegrid.domain.registration import CHARGE_POINT_ID_RULE, is_valid_charge_point_id
from chargegrid.events import audit
from chargegrid.security import profiles
from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import charge_tags as tag_store
from chargegrid.store import console, inventory, reports
from chargegrid.store import security as security_store
from chargegrid.store.console import Order
from chargegrid.store.device_model_tables import DeviceVariable
from chargegrid.store.models import ChargePoint, ChargeTag, Transaction, utcnow
from chargegrid.ui import auth, forms
from chargegrid.ui.charger_status import chart_of, station_state
from chargegrid.ui.pages.commands import CommandResult, run_command
from chargegrid.ui.pages.messages import exchange_row
from chargegrid.ui.paging import read as paging_of
from chargegrid.ui.rendering import gettext_for, path_part, reader_of, render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


@router.get("/ui/chargepoints")
async def list_page(
    request: Request,
    services: ServicesDep,
    q: str = "",
    registration: str = "",
    connection: str = "",
    page: str = "1",
    per: str = "",
    sort: str = "",
    dir: str = "",
) -> Response:
    viewer = await auth.viewer(request)
    paging = paging_of(page, per, sort, dir, console.CHARGE_POINT_SORTS, "id", desc=False)
    online = {"online": True, "offline": False}.get(connection)
    async with services.db() as db:
        found = await console.charge_points(
            db,
            paging.order(console.CHARGE_POINT_SORTS, ChargePoint.id),
            search=q.strip(),
            registration=registration,
            online_ids={s.charge_point_id for s in services.registry},
            online=online,
        )
        seen = await console.last_seen(db, [cp.id for cp in found.rows])
    elsewhere = await services.connected_elsewhere(cp.id for cp in found.rows)  # other cluster nodes
    rows = [
        {"cp": cp, "online": cp.id in services.registry or cp.id in elsewhere, "seen": seen.get(cp.id)}
        for cp in found.rows
    ]
    filters = {"q": q, "registration": registration, "connection": connection}
    paging = paging.with_total(found.total)
    context = {
        "title": N_("Charge points"),
        "rows": rows,
        "paging": paging,
        "filters": filters,
        "params": {**filters, **paging.params()},
    }
    return render(request, "chargepoints.html", context, viewer=viewer)


def _form_values(cp: ChargePoint | None, form: FormData | None = None) -> dict[str, Any]:
    if form is not None:
        return {k: str(form.get(k) or "") for k in _FIELDS}
    if cp is None:
        return dict.fromkeys(_FIELDS, "")
    return {k: "" if getattr(cp, k) is None else str(getattr(cp, k)) for k in _FIELDS}


_FIELDS = ("id", "name", "comment", "price_per_kwh", "max_session_kwh", "session_fee")


def _changes(form: FormData) -> dict[str, Any]:
    """The submitted fields for the audit log; a new password shows only as "(changed)"."""
    fields: dict[str, Any] = {k: str(form.get(k) or "") for k in _FIELDS if k != "id"}
    if form.get("password"):
        fields["password"] = "set"
    if forms.checkbox(form, "clear_password"):
        fields["clear_password"] = True
    return audit.changes(fields)


def _apply(cp: ChargePoint, form: FormData, _: Callable[[str], str]) -> None:
    """Copy the form onto the charge point; raises FormError before changing anything."""
    name = forms.text(form, "name", _("Name"), 100, _=_)
    comment = forms.text(form, "comment", _("Comment"), 2000, _=_)
    password = str(form.get("password") or "")
    if password and not 8 <= len(password) <= 40:
        raise forms.FormError(_("The password must be 8 to 40 characters long (OCPP security profile 1)."))
    prices = {
        "price_per_kwh": forms.number(form, "price_per_kwh", _("Price per kWh"), _),
        "max_session_kwh": forms.number(form, "max_session_kwh", _("Max kWh per session"), _),
        "session_fee": forms.number(form, "session_fee", _("Session fee"), _),
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
    viewer = await auth.viewer(request, need="operator")
    context = {
        "title": N_("New charge point"),
        "is_new": True,
        "form": _form_values(None),
        "cp_id": "",
        "result": None,
    }
    return render(request, "chargepoint.html", context, viewer=viewer)


@router.post("/ui/chargepoints/new")
async def create(request: Request, services: ServicesDep) -> Response:
    viewer = await auth.viewer(request, need="operator")
    form = await auth.checked_form(request)
    _ = gettext_for(request, viewer)
    cp_id = str(form.get("id") or "").strip()
    try:
        if not is_valid_charge_point_id(cp_id):
            raise forms.FormError(
                _("The charge point id must be %s (it is the last part of the charger's OCPP URL).")
                % CHARGE_POINT_ID_RULE
            )
        async with services.db.begin() as db:
            if await cp_store.get(db, cp_id) is not None:
                raise forms.FormError(_("A charge point with id %r already exists: pick another id.") % cp_id)
            cp = ChargePoint(id=cp_id, registration_status="Accepted")
            _apply(cp, form, _)
            db.add(cp)
            audit.record(
                db, viewer.caller, "charge_point.create", charge_point_id=cp_id, details=_changes(form)
            )
    except forms.FormError as exc:
        context = {
            "title": N_("New charge point"),
            "is_new": True,
            "form": _form_values(None, form),
            "cp_id": "",
            "result": None,
            "error": str(exc),
        }
        return render(request, "chargepoint.html", context, viewer=viewer, status_code=400)
    return RedirectResponse(f"/ui/chargepoints/{path_part(cp_id)}?saved=1", status_code=303)


async def _edit_page(
    request: Request,
    services: Services,
    viewer: auth.Viewer,
    cp_id: str,
    *,
    form: FormData | None = None,
    message: str | None = None,
    error: str | None = None,
    result: CommandResult | None = None,
    follow: str | None = None,
    follow_tag: str = "",
    status_code: int = 200,
) -> Response:
    reader = reader_of(request, viewer)
    async with services.db() as db:
        cp = await cp_store.get(db, cp_id)
        if cp is None:
            return _missing(request, viewer, cp_id)
        state = await station_state(services, db, cp_id)
        by_id = Order(0, 500, ChargeTag.tag_id, False, ChargeTag.tag_id)
        tags = await console.tags(db, by_id, state="usable", now=utcnow())
        blocked = await console.tags(db, by_id, state="blocked", now=utcnow())
        expired = await console.tags(db, by_id, state="expired", now=utcnow())
        sessions = await console.recent_sessions(db, cp_id)
        running = next((c.open_tx for c in state.connectors if c.open_tx is not None), None)
        shown = running or (sessions[0] if sessions else None)
        values = await console.meter_values(db, shown.id) if shown is not None else []
        firmware = await console.events(db, cp_id, console.FIRMWARE_KINDS)
        security = await console.events(db, cp_id, console.SECURITY_KINDS)
        certificates = await security_store.certificates(db, cp_id)
        reported = await inventory.variables(db, cp_id)
        log = await console.exchanges(db, console.MessageQuery(charge_point_id=cp_id), 0, 20)
    profile = profiles.effective(cp.security_profile or 0, bool(cp.password_hash))
    context = {
        "title": f"{cp.name or cp.id}",
        "is_new": False,
        "cp": cp,
        "cp_id": cp.id,
        "form": _form_values(cp, form),
        "has_password": cp.password_hash is not None,
        "state": state,
        "security_profile": profile,
        "certificates": certificates,
        "expiry_before": utcnow() + timedelta(days=services.settings.security.certificate_expiry_window_days),
        "security_warning": profiles.warning(profile, services.settings.security.allow_no_credentials),
        "online": state.online,
        "tags": tags.rows,
        "unusable": [(t, "blocked") for t in blocked.rows]
        + [(t, "expired") for t in expired.rows if not t.blocked],
        "sessions": [(tx, reports.energy_kwh(tx)) for tx in sessions],
        "chart_tx": shown,
        "chart": chart_of(values, shown.meter_start if shown else None, lambda t: reader.clock(t)),
        "settings_rows": _settings_rows(cp, reported),
        "firmware": firmware,
        "security": security,
        "log": [exchange_row(x) for x in log.rows],
        "log_level": services.settings.message_log.value,
        "message": message,
        "error": error,
        "result": result,
        "follow": follow,
        "steps": [],
        "tag": follow_tag,
        "gave_up": False,
    }
    return render(request, "chargepoint.html", context, viewer=viewer, status_code=status_code)


def _settings_rows(cp: ChargePoint, stored: Sequence[DeviceVariable]) -> list[tuple[str, str, str]]:
    """(key, value, what the charger answered / how it may be changed) for this station's stored
    configuration: the settings pushed through the operator API, then the configuration keys (1.6) and
    device model variables (2.x) the station reported."""
    values = cp.settings or {}
    results = cp.setting_results or {}
    rows = [(str(k), str(values.get(k, "")), str(results.get(k, ""))) for k in sorted({*values, *results})]
    for row in stored:
        where = "".join(
            f"[{part}]"
            for part in (row.component_instance, row.evse_id, row.connector_id)
            if part not in ("", None)
        )
        name = row.variable + (f"[{row.variable_instance}]" if row.variable_instance else "")
        key = f"{row.component}{where}.{name}" if row.component else name
        actual = (row.attributes or {}).get("Actual") or {}
        rows.append((key, str(actual.get("value", "")), str(actual.get("mutability", ""))))
    return rows


def _missing(request: Request, viewer: auth.Viewer, cp_id: str) -> Response:
    context = {
        "title": N_("Not found"),
        "text": f"There is no charge point {cp_id!r}: it may have been deleted.",
    }
    return render(request, "error.html", context, viewer=viewer, status_code=404)


@router.get("/ui/chargepoints/{cp_id}")
async def edit_page(request: Request, services: ServicesDep, cp_id: str, saved: int = 0) -> Response:
    viewer = await auth.viewer(request)
    _ = gettext_for(request, viewer)
    return await _edit_page(request, services, viewer, cp_id, message=_("Saved.") if saved else None)


@router.post("/ui/chargepoints/{cp_id}")
async def save(request: Request, services: ServicesDep, cp_id: str) -> Response:
    viewer = await auth.viewer(request, need="operator")
    form = await auth.checked_form(request)
    try:
        async with services.db.begin() as db:
            cp = await cp_store.get(db, cp_id)
            if cp is None:
                return _missing(request, viewer, cp_id)
            _apply(cp, form, gettext_for(request, viewer))
            audit.record(
                db, viewer.caller, "charge_point.update", charge_point_id=cp_id, details=_changes(form)
            )
    except forms.FormError as exc:
        return await _edit_page(request, services, viewer, cp_id, form=form, error=str(exc), status_code=400)
    return RedirectResponse(f"/ui/chargepoints/{path_part(cp_id)}?saved=1", status_code=303)


@router.get("/ui/chargepoints/{cp_id}/delete")
async def confirm_delete(request: Request, cp_id: str) -> Response:
    viewer = await auth.viewer(request, need="operator")
    context = {
        "title": N_("Delete charge point"),
        "question": f"Delete charge point {cp_id} with its connectors and transactions? "
        "This cannot be undone.",
        "action": f"/ui/chargepoints/{path_part(cp_id)}/delete",
        "back": f"/ui/chargepoints/{path_part(cp_id)}",
    }
    return render(request, "confirm.html", context, viewer=viewer)


@router.post("/ui/chargepoints/{cp_id}/delete")
async def delete_cp(request: Request, services: ServicesDep, cp_id: str) -> Response:
    viewer = await auth.viewer(request, need="operator")
    await auth.checked_form(request)
    async with services.db.begin() as db:
        gone = await db.execute(delete(ChargePoint).where(ChargePoint.id == cp_id))
        if gone.rowcount:  # type: ignore[attr-defined]
            audit.record(db, viewer.caller, "charge_point.delete", charge_point_id=cp_id)
    return RedirectResponse("/ui/chargepoints", status_code=303)


@router.post("/ui/chargepoints/{cp_id}/command")
async def command(request: Request, services: ServicesDep, cp_id: str) -> Response:
    viewer = await auth.viewer(request, need="operator")
    form = await auth.checked_form(request)
    action, tag = str(form.get("action") or ""), str(form.get("tag") or "").strip()
    sent_at = utcnow()
    refusal = await _tag_refusal(services, tag, gettext_for(request, viewer)) if action == "start" else None
    if refusal is not None:
        return await _edit_page(request, services, viewer, cp_id, result=CommandResult(False, refusal))
    hard = form.get("reset_type") == "Hard"
    if action == "reset" and not forms.checkbox(form, "confirmed"):
        running = await _running_sessions(services, cp_id)
        if running:
            return _confirm_reset(request, viewer, cp_id, hard, running)
    result = await run_command(
        services,
        cp_id,
        action=action,
        connector=str(form.get("connector") or "0"),
        tag=tag,
        limit=str(form.get("limit") or ""),
        actor=f"ui:{viewer.name}",
        hard=hard,
        gettext=gettext_for(request, viewer),
    )
    follow = None
    if action == "start" and result.ok:
        # The charger's Accepted only means it will try: follow what it does with the tag.
        query = urlencode({"tag": tag, "since": sent_at.isoformat()})
        follow = f"/ui/chargepoints/{path_part(cp_id)}/start-outcome?{query}"
    return await _edit_page(request, services, viewer, cp_id, result=result, follow=follow, follow_tag=tag)


async def _running_sessions(services: Services, cp_id: str) -> list[Transaction]:
    async with services.db() as db:
        state = await station_state(services, db, cp_id)
    return [c.open_tx for c in state.connectors if c.open_tx is not None]


def _confirm_reset(
    request: Request, viewer: auth.Viewer, cp_id: str, hard: bool, running: list[Transaction]
) -> Response:
    """A reset ends the running sessions (a Soft one once they stop, a Hard one at once): ask first."""
    _ = gettext_for(request, viewer)
    sessions = ", ".join(
        _("transaction %(id)s on connector %(n)s") % {"id": tx.id, "n": tx.connector_id} for tx in running
    )
    kind = "Hard" if hard else "Soft"
    effect = (
        _("A Hard reset stops them at once.")
        if hard
        else _("A Soft reset stops them and then restarts the charger.")
    )
    context = {
        "title": N_("Reset charge point"),
        "question": _("A session is running on %(cp)s: %(sessions)s. %(effect)s Reset (%(kind)s) anyway?")
        % {"cp": cp_id, "sessions": sessions, "effect": effect, "kind": kind},
        "action": f"/ui/chargepoints/{path_part(cp_id)}/command",
        "back": f"/ui/chargepoints/{path_part(cp_id)}",
        "confirm_label": N_("Reset anyway"),
        "hidden": {"action": "reset", "connector": "0", "reset_type": kind, "confirmed": "1"},
    }
    return render(request, "confirm.html", context, viewer=viewer)


async def _tag_refusal(services: Services, tag: str, _: Callable[[str], str]) -> str | None:
    """Why a remote start with `tag` would be refused anyway (the page offers only usable tags)."""
    if not tag:
        return None
    async with services.db() as db:
        found = await tag_store.get_case_insensitive(db, tag)
    if found is None:
        why = _("there is no such tag (create it under Charge tags)")
    elif found.blocked:
        why = _("the tag is blocked")
    elif found.expiry is not None and found.expiry < utcnow():
        why = _("the tag expired")
    else:
        return None
    return _("Start transaction with tag %(tag)s: not sent, %(why)s.") % {"tag": tag, "why": why}
