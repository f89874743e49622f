"""Sites (read-only): each site's limit now, what the load manager allocated per charger and connector,
and the measured draw — the figures of `GET /API/Sites/{id}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.store import sites as site_store
from chargegrid.ui import auth
from chargegrid.ui.rendering import render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


@router.get("/ui/sites")
async def sites_page(request: Request, services: ServicesDep) -> Response:
    viewer = await auth.viewer(request)
    async with services.db() as db:
        sites = await site_store.all_sites(db)
    manager = services.load_manager
    shown: list[dict[str, Any]] = []
    for site in sites:
        view = manager.view(site.id) if manager is not None else None
        shown.append({"site": site, "view": view or {}})
    context = {"title": N_("Sites"), "sites": shown}
    return render(request, "sites.html", context, viewer=viewer)
