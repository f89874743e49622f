"""Log in and log out."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from starlette.responses import RedirectResponse

from chargegrid.api.dependencies import ServicesDep
from chargegrid.domain.credentials import hash_password, verify_password
from chargegrid.store import users as users_store
from chargegrid.ui import auth
from chargegrid.ui.rendering import render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)

# Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


def _local_target(next_url: str) -> str:
    """Only paths on this site: never send a user elsewhere after login."""
    if next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return "/"


@router.get("/ui/login")
async def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"title": N_("Log in"), "next": _local_target(next), "name": ""})


@router.post("/ui/login")
async def login(request: Request, services: ServicesDep) -> Response:
    form = await auth.checked_form(request)
    name = str(form.get("name", "")).strip()
    password = str(form.get("password", ""))
    target = _local_target(str(form.get("next", "/")))
    async with services.db() as db:
        user = await users_store.by_name(db, name) if name else None
    stored = user.password_hash if user is not None else _DUMMY_HASH
    ok = await asyncio.to_thread(verify_password, stored, password)
    if user is None or not ok:
        return render(
            request,
            "login.html",
            {
                "title": N_("Log in"),
                "next": target,
                "name": name,
                "error": "Wrong user name or password. Check both and try again "
                "(an administrator can create users with `chargegrid user add`).",
            },
            status_code=401,
        )
    auth.start_login(request, user.id)
    return RedirectResponse(target, status_code=303)


@router.post("/ui/logout")
async def logout(request: Request) -> Response:
    await auth.checked_form(request)
    auth.logout(request)
    return RedirectResponse("/ui/login", status_code=303)
