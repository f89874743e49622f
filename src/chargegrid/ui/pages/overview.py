"""The overview: a live tile per connector, refreshed in the background."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter, Request, Response

from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import reports
from chargegrid.store.models import ConnectorStatus, Transaction, utcnow
from chargegrid.ui import auth
from chargegrid.ui.rendering import render, render_fragment

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)

REFRESH_SECONDS = 2

_CHARGING = {"Charging", "SuspendedEV", "SuspendedEVSE"}
_FAULT = {"Faulted", "Unavailable"}


def colour(status: str | None, online: bool, running: bool) -> str:
    """The tile colour class: available / charging / occupied / fault / offline / unknown."""
    if not online:
        return "offline"
    if status in _FAULT:
        return "fault"
    if status in _CHARGING or (running and status in ("Occupied", None)):
        return "charging"
    if status == "Available":
        return "available"
    return "occupied" if status else "unknown"


@dataclass
class Tile:
    label: str
    charge_point_id: str
    connector_id: int
    colour: str
    status_text: str
    running: bool
    duration: timedelta | None
    power_kw: float | None
    energy_kwh: float | None
    soc: float | None


async def tiles(services: Services) -> list[Tile]:
    async with services.db() as db:
        stations = [cp for cp in await cp_store.list_all(db) if cp.registration_status == "Accepted"]
        stored = await cp_store.connectors(db, [cp.id for cp in stations])
        latest = await reports.latest_per_connector(db)
    by_station: dict[str, dict[int, ConnectorStatus | None]] = {cp.id: {} for cp in stations}
    for row in stored:
        if row.connector_id > 0:
            by_station[row.charge_point_id][row.connector_id] = row
    last_tx: dict[tuple[str, int], Transaction] = {(t.charge_point_id, t.connector_id): t for t in latest}
    for cp_id, connector_id in last_tx:
        if cp_id in by_station:
            by_station[cp_id].setdefault(connector_id, None)
    now = utcnow()
    out: list[Tile] = []
    elsewhere = await services.connected_elsewhere(cp.id for cp in stations)  # other cluster nodes
    for cp in stations:
        session = services.registry.get(cp.id)
        connector_ids = set(by_station[cp.id])
        if session is not None:
            connector_ids |= {n for n in session.connectors if n > 0}
        if not connector_ids:
            connector_ids = {1}
        name = cp.name or cp.id
        for n in sorted(connector_ids):
            live = session.connectors.get(n) if session is not None else None
            known = by_station[cp.id].get(n)
            status = live.status if live is not None else (known.status if known is not None else None)
            tx = last_tx.get((cp.id, n))
            running = tx is not None and tx.stop_time is None
            energy = reports.energy_kwh(tx) if tx is not None else None
            if running and tx is not None and live is not None and live.energy_kwh is not None:
                if tx.meter_start is not None:
                    energy = max(live.energy_kwh - tx.meter_start, 0.0)
            online = session is not None or cp.id in elsewhere
            if live is None and known is not None and cp.id in elsewhere:
                live_power = known.power_kw
            else:
                live_power = live.power_kw if live is not None else None
            out.append(
                Tile(
                    label=f"{name}:{n}" if len(connector_ids) > 1 else name,
                    charge_point_id=cp.id,
                    connector_id=n,
                    colour=colour(status, online, running),
                    status_text=(status or "Unknown") if online else "Offline",
                    running=running,
                    duration=now - tx.start_time if running and tx is not None else None,
                    power_kw=live_power if online else None,
                    energy_kwh=energy,
                    soc=live.soc if live is not None and running else None,
                )
            )
    return out


@router.get("/")
async def overview(request: Request) -> Response:
    viewer = await auth.viewer(request)
    services = auth.services_of(request)
    context = {"title": "Overview", "tiles": await tiles(services), "refresh_seconds": REFRESH_SECONDS}
    return render(request, "overview.html", context, viewer=viewer)


@router.get("/ui/overview/tiles")
async def overview_tiles(request: Request) -> Response:
    viewer = await auth.viewer(request)
    return render_fragment("_tiles.html", {"tiles": await tiles(auth.services_of(request)), "viewer": viewer})
