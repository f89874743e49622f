"""The overview: a live tile per connector, refreshed in the background, with counts per state.

Faulted connectors and offline chargers that still have a session open come first: they are what an
operator has to act on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import console, reports
from chargegrid.store.models import ConnectorStatus, Transaction, utcnow
from chargegrid.ui import auth, words
from chargegrid.ui.rendering import render, render_fragment
from chargegrid.ui.words import N_

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
    ocpp_status: str = ""
    error_code: str | None = None
    offline_since: datetime | None = None

    @property
    def urgency(self) -> int:
        """0 faulted, 1 offline with a session open, 2 the rest (the overview's order)."""
        if self.colour == "fault":
            return 0
        if self.colour == "offline" and self.running:
            return 1
        return 2


async def tiles(services: Services) -> list[Tile]:
    async with services.db() as db:
        stations = [cp for cp in await cp_store.list_all(db) if cp.registration_status == "Accepted"]
        stored = await cp_store.connectors(db, [cp.id for cp in stations])
        latest = await reports.latest_per_connector(db)
        offline = [cp.id for cp in stations if cp.id not in services.registry]
        seen = await console.last_seen(db, offline)
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
            error = live.error_code if live is not None else (known.error_code if known is not None else None)
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
                    ocpp_status=(status or "Unknown") if online else "Offline",
                    error_code=error if error not in (None, "NoError") else None,
                    offline_since=None if online else seen.get(cp.id),
                )
            )
    out.sort(key=lambda tile: tile.urgency)  # stable: within a group, the stations' order stays
    return out


def counts(found: list[Tile]) -> list[tuple[str, str, int]]:
    """(colour, its word, how many) for the line at the top, in a fixed order."""
    tally = Counter(tile.colour for tile in found)
    return [
        (colour, words.COLOURS[colour], tally[colour])
        for colour in ("available", "charging", "fault", "offline")
    ]


def filtered(found: list[Tile], state: str, search: str) -> list[Tile]:
    needle = search.strip().lower()
    return [
        tile
        for tile in found
        if (not state or tile.colour == state)
        and (not needle or needle in tile.label.lower() or needle in tile.charge_point_id.lower())
    ]


@router.get("/")
async def overview(request: Request, services: ServicesDep, state: str = "", q: str = "") -> Response:
    viewer = await auth.viewer(request)
    found = await tiles(services)
    query = urlencode({"state": state, "q": q})
    context = {
        "title": N_("Overview"),
        "tiles": filtered(found, state, q),
        "counts": counts(found),
        "colours": words.COLOURS,
        "state": state,
        "q": q,
        "refresh_url": f"/ui/overview/tiles?{query}",
        "refresh_seconds": REFRESH_SECONDS,
    }
    return render(request, "overview.html", context, viewer=viewer)


@router.get("/ui/overview/tiles")
async def overview_tiles(request: Request, services: ServicesDep, state: str = "", q: str = "") -> Response:
    viewer = await auth.viewer(request)
    found = await tiles(services)
    return render_fragment(
        request, "_tiles.html", {"tiles": filtered(found, state, q), "counts": counts(found)}, viewer
    )
