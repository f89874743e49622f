"""Pending stations (admin): accept or reject a station that connected under the `pending` policy."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request, Response

from chargegrid.ocpp.commands import CommandError, TriggerMessage
from chargegrid.store import charge_points as cp_store
from chargegrid.store import reports
from chargegrid.ui import auth
from chargegrid.ui.rendering import render

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


async def _page(request: Request, viewer: auth.Viewer, message: str | None = None) -> Response:
    services = auth.services_of(request)
    async with services.db() as db:
        pending = await reports.charge_points_with_status(db, "Pending")
    rows = [{"cp": cp, "online": cp.id in services.registry} for cp in pending]
    context = {
        "title": "Pending stations",
        "rows": rows,
        "policy": services.settings.unknown_chargers.value,
        "message": message,
    }
    return render(request, "pending.html", context, viewer=viewer)


@router.get("/ui/pending")
async def pending_page(request: Request) -> Response:
    return await _page(request, await auth.viewer(request, admin=True))


@router.post("/ui/pending/{cp_id}")
async def decide(request: Request, cp_id: str) -> Response:
    viewer = await auth.viewer(request, admin=True)
    form = await auth.checked_form(request)
    accept = form.get("decision") == "accept"
    services = auth.services_of(request)
    async with services.db.begin() as db:
        cp = await cp_store.get(db, cp_id)
        if cp is None or cp.registration_status != "Pending":
            return await _page(request, viewer, f"{cp_id} is no longer pending: nothing changed.")
        cp.registration_status = "Accepted" if accept else "Rejected"
    if accept and cp_id in services.registry:
        # Ask it to boot again now rather than at its next retry, so it is Accepted at once.
        # Best effort: whatever the charger answers, it boots again at its own retry otherwise.
        with contextlib.suppress(CommandError):
            await services.commands.execute(
                cp_id, TriggerMessage(message="BootNotification"), actor=f"ui:{viewer.name}"
            )
    verdict = "accepted: it may charge now" if accept else "rejected: its boots will be refused"
    return await _page(request, viewer, f"{cp_id} {verdict}.")
