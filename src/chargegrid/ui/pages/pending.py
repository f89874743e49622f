"""Pending stations (operators): accept or reject a station that connected under the `pending` policy."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.events import audit
from chargegrid.ocpp.commands import CommandError, TriggerMessage
from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import reports
from chargegrid.ui import auth
from chargegrid.ui.rendering import gettext_for, render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


async def _page(
    request: Request, services: Services, viewer: auth.Viewer, message: str | None = None
) -> Response:
    async with services.db() as db:
        pending = await reports.charge_points_with_status(db, "Pending")
    rows = [{"cp": cp, "online": cp.id in services.registry} for cp in pending]
    context = {
        "title": N_("Pending stations"),
        "rows": rows,
        "policy": services.settings.unknown_chargers.value,
        "message": message,
    }
    return render(request, "pending.html", context, viewer=viewer)


@router.get("/ui/pending")
async def pending_page(request: Request, services: ServicesDep) -> Response:
    return await _page(request, services, await auth.viewer(request, need="operator"))


@router.post("/ui/pending/{cp_id}")
async def decide(request: Request, services: ServicesDep, cp_id: str) -> Response:
    viewer = await auth.viewer(request, need="operator")
    form = await auth.checked_form(request)
    accept = form.get("decision") == "accept"
    _ = gettext_for(request, viewer)
    async with services.db.begin() as db:
        cp = await cp_store.get(db, cp_id)
        if cp is None or cp.registration_status != "Pending":
            return await _page(
                request, services, viewer, _("%s is no longer pending: nothing changed.") % cp_id
            )
        cp.registration_status = "Accepted" if accept else "Rejected"
        verdict = "charge_point.accept" if accept else "charge_point.reject"
        audit.record(db, viewer.caller, verdict, charge_point_id=cp_id)
    if accept and cp_id in services.registry:
        # Ask it to boot again now rather than at its next retry, so it is Accepted at once.
        # Best effort: whatever the charger answers, it boots again at its own retry otherwise.
        with contextlib.suppress(CommandError):
            await services.commands.execute(
                cp_id, TriggerMessage(message="BootNotification"), actor=f"ui:{viewer.name}"
            )
    if accept:
        return await _page(request, services, viewer, _("%s accepted: it may charge now.") % cp_id)
    return await _page(request, services, viewer, _("%s rejected: its boots will be refused.") % cp_id)
