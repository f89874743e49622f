"""The audit log page (admins): who did what — UI users, API keys, the operator API — to which charge
point, with what outcome; filtered like `GET /API/Audit` and paged."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.store import console
from chargegrid.ui import auth
from chargegrid.ui.pages.messages import local_time
from chargegrid.ui.paging import read as paging_of
from chargegrid.ui.rendering import reader_of, render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


@router.get("/ui/audit")
async def audit_page(
    request: Request,
    services: ServicesDep,
    actor: str = "",
    action: str = "",
    cp: str = "",
    since: str = "",
    until: str = "",
    page: str = "1",
    per: str = "",
) -> Response:
    viewer = await auth.viewer(request, need="admin")
    reader = reader_of(request, viewer)
    problems: list[str] = []
    where = console.AuditQuery(
        actor=actor.strip(),
        action=action.strip(),
        charge_point_id=cp.strip(),
        since=local_time(since, reader.zone, "From", problems),
        until=local_time(until, reader.zone, "To", problems),
    )
    paging = paging_of(page, per, "time", "desc", {"time": None}, "time", desc=True)
    if services.events is not None:  # commands answered just before are in the log too
        await services.events.recorded()
    async with services.db() as db:
        found = await console.audit_entries(db, where, (paging.page - 1) * paging.per_page, paging.per_page)
    paging = paging.with_total(found.total)
    filters = {"actor": actor, "action": action, "cp": cp, "since": since, "until": until}
    rows = [
        (entry, json.dumps(entry.details, ensure_ascii=False)[:1000] if entry.details else "")
        for entry in found.rows
    ]
    context = {
        "title": N_("Audit log"),
        "rows": rows,
        "filters": filters,
        "paging": paging,
        "params": {**filters, "page": paging.page, "per": paging.per_page},
        "zone": reader.zone.key,
        "error": " ".join(problems) or None,
    }
    return render(request, "audit.html", context, viewer=viewer)
