"""Security: the security events (the chargers' SecurityEventNotification and the refusals the edge
recorded), filtered by charger, type and time and paged, and the issued certificates that expire within
the configured window."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.store import charge_points as cp_store
from chargegrid.store import security as security_store
from chargegrid.store.models import utcnow
from chargegrid.ui import auth
from chargegrid.ui.pages.messages import local_time
from chargegrid.ui.paging import read as paging_of
from chargegrid.ui.rendering import reader_of, render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


@router.get("/ui/security")
async def security_page(
    request: Request,
    services: ServicesDep,
    cp: str = "",
    type: str = "",
    since: str = "",
    until: str = "",
    page: str = "1",
    per: str = "",
) -> Response:
    viewer = await auth.viewer(request)
    paging = paging_of(page, per, "time", "desc", {"time": None}, "time", desc=True)
    reader = reader_of(request, viewer)
    problems: list[str] = []
    start = local_time(since, reader.zone, "From", problems)
    end = local_time(until, reader.zone, "To", problems)
    window = services.settings.security.certificate_expiry_window_days
    async with services.db() as db:
        total, rows = await security_store.list_events(
            db,
            charge_point_id=cp or None,
            event_type=type or None,
            since=start,
            until=end,
            offset=(paging.page - 1) * paging.per_page,
            limit=paging.per_page,
        )
        expiring = await security_store.expiring(db, utcnow() + timedelta(days=window))
        stations = await cp_store.list_all(db)
    paging = paging.with_total(total)
    filters = {"cp": cp, "type": type, "since": since, "until": until}
    context = {
        "title": N_("Security"),
        "rows": rows,
        "expiring": expiring,
        "window_days": window,
        "error": " ".join(problems) or None,
        "zone": reader.zone.key,
        "charge_points": stations,
        "filters": filters,
        "paging": paging,
        "params": {**filters, "page": paging.page, "per": paging.per_page},
    }
    return render(request, "security.html", context, viewer=viewer)
