"""Sites over HTTP: chargers behind one grid connection, and what load management gives each of them.

`POST /API/Sites` (create; 409 if the id exists), `GET /API/Sites`, `GET /API/Sites/{id}` (the definition
plus `limitA` now, `allocatedA` and `measuredA` in total and per charger and connector, and the
allocator's figures), `PUT /API/Sites/{id}` (replace), `DELETE /API/Sites/{id}`. Currents are amperes
per phase. A bad field is a 422 naming it (as for every admin resource); a charger already in another
site is a 409.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse

from chargegrid.api.auth import scoped_by_method
from chargegrid.api.dependencies import ServicesDep
from chargegrid.domain.sites import SiteDefinition
from chargegrid.events.actors import Scope
from chargegrid.services import Services
from chargegrid.smart_charging.load_manager import LoadManager
from chargegrid.store import sites as site_store

router = APIRouter(tags=["Sites (load management)"], route_class=scoped_by_method(Scope.admin))


def manager_of(services: ServicesDep) -> LoadManager:
    manager = services.load_manager
    if manager is None:
        raise RuntimeError("the sites face was not started")
    return manager


ManagerDep = Annotated[LoadManager, Depends(manager_of)]


def _conflict(manager: LoadManager, site: SiteDefinition) -> None:
    for member in site.charge_points:
        other = manager.site_of.get(member.charge_point_id)
        if other is not None and other != site.id:
            raise HTTPException(
                409, f"charge point {member.charge_point_id!r} already belongs to site {other!r}"
            )


async def _save(services: Services, manager: LoadManager, site: SiteDefinition, *, create: bool) -> bool:
    _conflict(manager, site)
    async with services.db() as db:
        exists = await site_store.get(db, site.id) is not None
        if create and exists:
            raise HTTPException(409, f"site {site.id!r} exists: PUT /API/Sites/{site.id} replaces it")
        if not create and not exists:
            raise HTTPException(404, f"no site {site.id!r}: POST /API/Sites creates it")
        await site_store.put(db, site)
        await db.commit()
    await manager.put_site(site)
    return not exists


def _shown(manager: LoadManager, site: SiteDefinition) -> dict[str, Any]:
    return {**site.to_json(), **(manager.view(site.id) or {})}


@router.post("/API/Sites", status_code=201, summary="Create a site")
async def create_site(services: ServicesDep, site: SiteDefinition, manager: ManagerDep) -> Any:
    await _save(services, manager, site, create=True)
    return JSONResponse(_shown(manager, site), 201)


@router.get("/API/Sites", summary="Every site")
async def list_sites(services: ServicesDep, manager: ManagerDep) -> Any:
    async with services.db() as db:
        sites = await site_store.all_sites(db)
    return [_shown(manager, site) for site in sites]


@router.get("/API/Sites/{site_id}", summary="A site: its limit now, the allocation and the measured draw")
async def get_site(services: ServicesDep, site_id: str, manager: ManagerDep) -> Any:
    async with services.db() as db:
        site = await site_store.get(db, site_id)
    if site is None:
        raise HTTPException(404, f"no site {site_id!r}")
    return _shown(manager, site)


@router.put("/API/Sites/{site_id}", summary="Replace a site's definition (re-allocates at once)")
async def replace_site(services: ServicesDep, site_id: str, site: SiteDefinition, manager: ManagerDep) -> Any:
    if site.id != site_id:
        raise HTTPException(400, f"id: the body's id {site.id!r} differs from the path's {site_id!r}")
    await _save(services, manager, site, create=False)
    return _shown(manager, site)


@router.delete(
    "/API/Sites/{site_id}", status_code=204, summary="Delete a site (its chargers keep their limits)"
)
async def delete_site(services: ServicesDep, site_id: str, manager: ManagerDep) -> None:
    async with services.db() as db:
        if not await site_store.delete(db, site_id):
            raise HTTPException(404, f"no site {site_id!r}")
        await db.commit()
    await manager.delete_site(site_id)


async def start(services: Services) -> Callable[[], Awaitable[None]]:
    if services.profiles is None:
        raise RuntimeError("start the charging profiles face before the sites face")
    manager = LoadManager(services, services.profiles)
    services.load_manager = manager
    await manager.start()

    async def stop() -> None:
        await manager.stop()
        services.load_manager = None

    return stop
