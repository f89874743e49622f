"""People: the Users page (admins: add, remove, change role, reset password) and My account
(everyone: change one's own password, language and time zone)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

from chargegrid.api.dependencies import ServicesDep
from chargegrid.domain.credentials import hash_password, verify_password
from chargegrid.events import audit
from chargegrid.services import Services
from chargegrid.store import users as users_store
from chargegrid.store.models import User
from chargegrid.ui import auth, forms, i18n
from chargegrid.ui.rendering import gettext_for, render
from chargegrid.ui.users_cli import MIN_PASSWORD
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


def _password(form: FormData, _: Callable[[str], str]) -> str:
    password = str(form.get("password") or "")
    if len(password) < MIN_PASSWORD:
        raise forms.FormError(_("The password must have at least %d characters.") % MIN_PASSWORD)
    if password != str(form.get("password_again") or ""):
        raise forms.FormError(_("The two passwords differ: type the same password twice."))
    return password


async def _users_page(
    request: Request,
    services: Services,
    viewer: auth.Viewer,
    *,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    async with services.db() as db:
        users = await users_store.list_all(db)
    context = {
        "title": N_("Users"),
        "users": users,
        "roles": users_store.ROLES,
        "message": message,
        "error": error,
        "min_password": MIN_PASSWORD,
    }
    return render(request, "users.html", context, viewer=viewer, status_code=400 if error else 200)


@router.get("/ui/users")
async def users_page(request: Request, services: ServicesDep, done: str = "") -> Response:
    viewer = await auth.viewer(request, need="admin")
    return await _users_page(request, services, viewer, message=done or None)


def _done(text: str) -> Response:
    return RedirectResponse("/ui/users?" + urlencode({"done": text}), status_code=303)


@router.post("/ui/users/new")
async def add_user(request: Request, services: ServicesDep) -> Response:
    viewer = await auth.viewer(request, need="admin")
    form = await auth.checked_form(request)
    _ = gettext_for(request, viewer)
    try:
        name = forms.text(form, "name", _("User name"), 100, required=True, _=_) or ""
        role = str(form.get("role") or "viewer")
        if role not in users_store.ROLES:
            raise forms.FormError(_("Pick a role: admin, operator or viewer."))
        password = _password(form, _)
        hashed = await asyncio.to_thread(hash_password, password)
        async with services.db.begin() as db:
            if await users_store.by_name(db, name) is not None:
                raise forms.FormError(_("A user named %s already exists: pick another name.") % name)
            users_store.add(db, name, hashed, role)
            audit.record(db, viewer.caller, "user.create", target=name, details={"role": role})
    except forms.FormError as exc:
        return await _users_page(request, services, viewer, error=str(exc))
    return _done(_("User %(name)s added as %(role)s.") % {"name": name, "role": _(role)})


async def _admin_form(request: Request) -> tuple[auth.Viewer, FormData]:
    viewer = await auth.viewer(request, need="admin")
    form = await auth.checked_form(request)
    return viewer, form


@router.post("/ui/users/{user_id}/role")
async def change_role(request: Request, services: ServicesDep, user_id: int) -> Response:
    viewer, form = await _admin_form(request)
    _ = gettext_for(request, viewer)
    role = str(form.get("role") or "")
    async with services.db.begin() as db:
        user = await users_store.get(db, user_id)
        if user is None:
            return await _users_page(request, services, viewer, error=_("That user no longer exists."))
        if role not in users_store.ROLES:
            return await _users_page(
                request, services, viewer, error=_("Pick a role: admin, operator or viewer.")
            )
        if await users_store.would_leave_no_admin(db, user, role):
            return await _users_page(
                request,
                services,
                viewer,
                error=_("%s is the last admin: make another user admin first.") % user.name,
            )
        audit.record(
            db, viewer.caller, "user.role", target=user.name, details={"from": user.role, "to": role}
        )
        user.role = role
        name = user.name
    return _done(_("%(name)s is now %(role)s.") % {"name": name, "role": _(role)})


@router.post("/ui/users/{user_id}/password")
async def reset_password(request: Request, services: ServicesDep, user_id: int) -> Response:
    viewer, form = await _admin_form(request)
    _ = gettext_for(request, viewer)
    try:
        hashed = await asyncio.to_thread(hash_password, _password(form, _))
    except forms.FormError as exc:
        return await _users_page(request, services, viewer, error=str(exc))
    async with services.db.begin() as db:
        user = await users_store.get(db, user_id)
        if user is None:
            return await _users_page(request, services, viewer, error=_("That user no longer exists."))
        user.password_hash = hashed
        name = user.name
        audit.record(db, viewer.caller, "user.password", target=name)
    return _done(_("New password set for %s.") % name)


@router.get("/ui/users/{user_id}/delete")
async def confirm_remove(request: Request, services: ServicesDep, user_id: int) -> Response:
    viewer = await auth.viewer(request, need="admin")
    _ = gettext_for(request, viewer)
    async with services.db() as db:
        user = await users_store.get(db, user_id)
    if user is None:
        return await _users_page(request, services, viewer, error=_("That user no longer exists."))
    context = {
        "title": N_("Remove user"),
        "question": _("Remove user %s? They can no longer log in.") % user.name,
        "action": f"/ui/users/{user_id}/delete",
        "back": "/ui/users",
        "confirm_label": N_("Remove"),
    }
    return render(request, "confirm.html", context, viewer=viewer)


@router.post("/ui/users/{user_id}/delete")
async def remove(request: Request, services: ServicesDep, user_id: int) -> Response:
    viewer, _form = await _admin_form(request)
    _ = gettext_for(request, viewer)
    async with services.db.begin() as db:
        user = await users_store.get(db, user_id)
        if user is None:
            return await _users_page(request, services, viewer, error=_("That user no longer exists."))
        if await users_store.would_leave_no_admin(db, user, None):
            return await _users_page(
                request,
                services,
                viewer,
                error=_("%s is the last admin: make another user admin first.") % user.name,
            )
        name = user.name
        await db.delete(user)
        audit.record(db, viewer.caller, "user.delete", target=name, details={"role": user.role})
    return _done(_("User %s removed.") % name)


# ---- my account -------------------------------------------------------------------------------


async def _account_page(
    request: Request, viewer: auth.Viewer, *, message: str | None = None, error: str | None = None
) -> Response:
    context = {
        "title": N_("My account"),
        "languages": i18n.LANGUAGES,
        "zones": i18n.zone_choices(),
        "message": message,
        "error": error,
        "min_password": MIN_PASSWORD,
    }
    return render(request, "account.html", context, viewer=viewer, status_code=400 if error else 200)


@router.get("/ui/account")
async def account_page(request: Request, saved: int = 0) -> Response:
    viewer = await auth.viewer(request)
    _ = gettext_for(request, viewer)
    return await _account_page(request, viewer, message=_("Saved.") if saved else None)


@router.post("/ui/account/password")
async def change_my_password(request: Request, services: ServicesDep) -> Response:
    viewer = await auth.viewer(request)
    form = await auth.checked_form(request)
    _ = gettext_for(request, viewer)
    async with services.db() as db:
        me = await users_store.get(db, viewer.id)
    assert me is not None  # auth.viewer found this user a moment ago
    current = str(form.get("current") or "")
    if not await asyncio.to_thread(verify_password, me.password_hash, current):
        return await _account_page(
            request, viewer, error=_("Your current password is not right: nothing changed.")
        )
    try:
        hashed = await asyncio.to_thread(hash_password, _password(form, _))
    except forms.FormError as exc:
        return await _account_page(request, viewer, error=str(exc))
    async with services.db.begin() as db:
        user = await db.get(User, viewer.id)
        if user is not None:
            user.password_hash = hashed
            audit.record(db, viewer.caller, "user.password", target=user.name, details={"own": True})
    return await _account_page(request, viewer, message=_("Your password is changed."))


@router.post("/ui/account/preferences")
async def save_preferences(request: Request, services: ServicesDep) -> Response:
    viewer = await auth.viewer(request)
    form = await auth.checked_form(request)
    language = str(form.get("language") or "")
    zone = str(form.get("time_zone") or "")
    if language and language not in i18n.LANGUAGES:
        language = ""
    if zone and i18n.zone_named(zone) is None:
        _ = gettext_for(request, viewer)
        return await _account_page(
            request, viewer, error=_("Unknown time zone %s: pick one from the list.") % zone
        )
    async with services.db.begin() as db:
        user = await db.get(User, viewer.id)
        if user is not None:
            user.language, user.time_zone = language or None, zone or None
    return RedirectResponse("/ui/account?saved=1", status_code=303)
