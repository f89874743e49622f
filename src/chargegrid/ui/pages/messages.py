"""Message log and diagnostics: OCPP requests paired with their answers (paged, filtered by charger,
action, direction and time), and anomalies worth a look."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo

from fastapi import APIRouter, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.services import Services
from chargegrid.store import charge_points as cp_store
from chargegrid.store import console, reports
from chargegrid.store.models import MessageLogEntry
from chargegrid.ui import auth
from chargegrid.ui.paging import read as paging_of
from chargegrid.ui.rendering import reader_of, render
from chargegrid.ui.words import N_

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)


@dataclass(frozen=True)
class Anomaly:
    charge_point_id: str
    connector_id: int | None
    kind: str  # "offline-open", "idle-open", "faulted": the page words each
    transaction_id: int | None = None
    started: datetime | None = None
    error: str | None = None


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
            found.append(Anomaly(tx.charge_point_id, tx.connector_id, "offline-open", tx.id, tx.start_time))
            continue
        live = session.connectors.get(tx.connector_id)
        if live is not None and live.status == "Available":
            found.append(Anomaly(tx.charge_point_id, tx.connector_id, "idle-open", tx.id, tx.start_time))
    for row in stored:
        session = services.registry.get(row.charge_point_id)
        live = session.connectors.get(row.connector_id) if session else None
        status, error = (live.status, live.error_code) if live else (row.status, row.error_code)
        if status == "Faulted":
            found.append(Anomaly(row.charge_point_id, row.connector_id or None, "faulted", error=error))
    return found


@dataclass(frozen=True)
class ExchangeRow:
    """A request and its answer as the log table shows them."""

    call: MessageLogEntry
    answer: MessageLogEntry | None
    result: str
    failed: bool
    latency_ms: int | None


def answer_result(answer: MessageLogEntry | None) -> tuple[str, bool]:
    """The answer in a word: its status (Accepted, Rejected, Invalid...), the CallError code, or why none."""
    if answer is None:
        return "no answer logged", True
    if answer.message_type == 4:
        try:
            frame = json.loads(answer.payload)
            code = str(frame[2])
        except (ValueError, IndexError, TypeError):
            code = answer.result or "CallError"
        return f"CallError {code}", True
    try:
        payload = json.loads(answer.payload)[2]
    except (ValueError, IndexError, TypeError):
        return answer.result or "", False
    if not isinstance(payload, dict):
        return "", False
    status = payload.get("status")
    if status is None:
        # Authorize, StartTransaction (1.6) and TransactionEvent/Authorize (2.x) answer with the tag's state.
        info = payload.get("idTagInfo") or payload.get("idTokenInfo") or {}
        status = info.get("status") if isinstance(info, dict) else None
    if status is None:
        return "OK", False
    return str(status), str(status) not in _GOOD


_GOOD = {"Accepted", "Unlocked", "Scheduled", "Success", "Idle", "Installed", "Downloaded", "Uploaded"}


def exchange_row(exchange: console.Exchange) -> ExchangeRow:
    result, failed = answer_result(exchange.answer)
    latency = None
    if exchange.answer is not None:
        latency = int((exchange.answer.timestamp - exchange.call.timestamp).total_seconds() * 1000)
    return ExchangeRow(exchange.call, exchange.answer, result, failed, latency)


def local_time(text: str, zone: tzinfo, label: str, problems: list[str]) -> datetime | None:
    """A `datetime-local` field, read in the reader's time zone."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"{label} {text!r} is not a date and time like 2026-01-31T08:00: ignored.")
        return None
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


@router.get("/ui/messages")
async def messages_page(
    request: Request,
    services: ServicesDep,
    cp: str = "",
    action: str = "",
    direction: str = "",
    since: str = "",
    until: str = "",
    page: str = "1",
    per: str = "",
) -> Response:
    viewer = await auth.viewer(request)
    reader = reader_of(request, viewer)
    problems: list[str] = []
    query = console.MessageQuery(
        charge_point_id=cp or None,
        action=action,
        direction=direction,
        since=local_time(since, reader.zone, "From", problems),
        until=local_time(until, reader.zone, "To", problems),
    )
    paging = paging_of(page, per, "time", "desc", {"time": None}, "time", desc=True)
    async with services.db() as db:
        found = await console.exchanges(db, query, (paging.page - 1) * paging.per_page, paging.per_page)
        stations = await cp_store.list_all(db)
        actions = await console.message_actions(db)
    paging = paging.with_total(found.total)
    filters = {"cp": cp, "action": action, "direction": direction, "since": since, "until": until}
    context = {
        "title": N_("Messages and diagnostics"),
        "rows": [exchange_row(x) for x in found.rows],
        "charge_points": stations,
        "actions": actions,
        "filters": filters,
        "paging": paging,
        "params": {**filters, "page": paging.page, "per": paging.per_page},
        "anomalies": await anomalies(services),
        "log_level": services.settings.message_log.value,
        "error": " ".join(problems) or None,
        "zone": reader.zone.key,
    }
    return render(request, "messages.html", context, viewer=viewer)
