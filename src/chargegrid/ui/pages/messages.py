"""Message log and diagnostics (admin): recent OCPP frames per charger, and anomalies worth a look."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response

from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import reports
from chargegrid.ui import auth
from chargegrid.ui.rendering import render

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


@dataclass(frozen=True)
class Anomaly:
    charge_point_id: str
    connector_id: int | None
    text: str


async def anomalies(services: Services) -> list[Anomaly]:
    """Offline with an open transaction, faulted connectors, available with an open transaction."""
    async with services.db() as db:
        open_txs = await reports.open_transactions(db)
        stations = await cp_store.list_all(db)
        stored = await cp_store.connectors(db, [cp.id for cp in stations])
    found: list[Anomaly] = []
    for tx in open_txs:
        session = services.registry.get(tx.charge_point_id)
        if session is None:
            found.append(
                Anomaly(
                    tx.charge_point_id,
                    tx.connector_id,
                    f"offline with transaction {tx.id} still open (started {tx.start_time:%Y-%m-%d %H:%M})",
                )
            )
            continue
        live = session.connectors.get(tx.connector_id)
        if live is not None and live.status == "Available":
            found.append(
                Anomaly(
                    tx.charge_point_id, tx.connector_id, f"available but transaction {tx.id} is still open"
                )
            )
    for row in stored:
        session = services.registry.get(row.charge_point_id)
        live = session.connectors.get(row.connector_id) if session else None
        status, error = (live.status, live.error_code) if live else (row.status, row.error_code)
        if status == "Faulted":
            found.append(
                Anomaly(
                    row.charge_point_id,
                    row.connector_id or None,
                    f"faulted ({error or 'no error code'})",
                )
            )
    return found


@router.get("/ui/messages")
async def messages_page(request: Request, cp: str = "") -> Response:
    viewer = await auth.viewer(request, admin=True)
    services = auth.services_of(request)
    async with services.db() as db:
        entries = await reports.messages(db, cp or None)
        stations = await cp_store.list_all(db)
    context = {
        "title": "Messages and diagnostics",
        "entries": entries,
        "charge_points": stations,
        "selected": cp,
        "anomalies": await anomalies(services),
        "log_level": services.settings.message_log.value,
    }
    return render(request, "messages.html", context, viewer=viewer)
