"""Charger events: the reports chargers send on their own (security events, firmware, diagnostics and
log status, NotifyEvent, DataTransfer...), paged and filtered by charger and kind."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.store import charge_points as cp_store
from chargegrid.store import console
from chargegrid.ui import auth
from chargegrid.ui.paging import read as paging_of
from chargegrid.ui.rendering import render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)

KINDS = {"security": N_("security events"), "firmware": N_("firmware and diagnostics")}


@router.get("/ui/events")
async def events_page(
    request: Request, services: ServicesDep, cp: str = "", kind: str = "", page: str = "1", per: str = ""
) -> Response:
    viewer = await auth.viewer(request)
    paging = paging_of(page, per, "time", "desc", {"time": None}, "time", desc=True)
    kinds = console.EVENT_GROUPS.get(kind)
    async with services.db() as db:
        found = await console.event_list(
            db, (paging.page - 1) * paging.per_page, paging.per_page, charge_point_id=cp or None, kinds=kinds
        )
        stations = await cp_store.list_all(db)
    paging = paging.with_total(found.total)
    filters = {"cp": cp, "kind": kind}
    rows = [(event, json.dumps(event.payload, ensure_ascii=False)[:2000]) for event in found.rows]
    context = {
        "title": N_("Charger events"),
        "rows": rows,
        "charge_points": stations,
        "kinds": KINDS,
        "filters": filters,
        "paging": paging,
        "params": {**filters, "page": paging.page, "per": paging.per_page},
    }
    return render(request, "events.html", context, viewer=viewer)
