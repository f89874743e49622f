"""What really happened after a remote start: the charger's Authorize / StartTransaction /
TransactionEvent for that tag and the server's authorization answer, followed live on the page.

A charger answers RequestStart/RemoteStart with Accepted before it knows whether the tag may charge;
the server's answer to its StartTransaction (1.6) or TransactionEvent (2.x) is what decides. This
reads both from the message log, so the operator sees "Blocked" instead of a misleading "Accepted".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from chargegrid.api.dependencies import ServicesDep
from chargegrid.store import console
from chargegrid.store.models import utcnow
from chargegrid.ui import auth
from chargegrid.ui.pages.messages import answer_result
from chargegrid.ui.rendering import render_fragment

router = APIRouter(route_class=auth.UiRoute, include_in_schema=False)

WAIT = timedelta(seconds=90)  # after this without a word from the charger, say it did not start


@dataclass(frozen=True)
class Step:
    when: datetime
    action: str
    detail: str
    result: str
    refused: bool


def _detail(action: str, payload: dict[str, Any], answer: dict[str, Any]) -> str:
    if action == "StartTransaction":
        return f"connector {payload.get('connectorId')}, transaction {answer.get('transactionId', '–')}"
    if action == "TransactionEvent":
        return f"{payload.get('eventType', '')} ({payload.get('triggerReason', '')})"
    return ""


def steps_of(exchanges: list[console.Exchange]) -> list[Step]:
    found = []
    for exchange in exchanges:
        try:
            payload = json.loads(exchange.call.payload)[3]
        except (ValueError, IndexError, TypeError):
            payload = {}
        answer: dict[str, Any] = {}
        if exchange.answer is not None and exchange.answer.message_type == 3:
            try:
                answer = json.loads(exchange.answer.payload)[2]
            except (ValueError, IndexError, TypeError):
                answer = {}
        result, failed = answer_result(exchange.answer)
        action = exchange.call.action or ""
        found.append(Step(exchange.call.timestamp, action, _detail(action, payload, answer), result, failed))
    return found


@router.get("/ui/chargepoints/{cp_id}/start-outcome")
async def start_outcome(
    request: Request, services: ServicesDep, cp_id: str, tag: str, since: str
) -> Response:
    viewer = await auth.viewer(request)
    try:
        begun = datetime.fromisoformat(since)
    except ValueError:
        begun = utcnow()
    async with services.db() as db:
        steps = steps_of(await console.start_exchanges(db, cp_id, begun, tag))
        if not steps:
            # The message log may be off: a stored transaction still tells that it started.
            steps = [
                Step(tx.start_time, "Transaction", f"#{tx.id}, connector {tx.connector_id}", "started", False)
                for tx in await console.transactions_started(db, cp_id, begun, tag)
            ]
    started = any(s.action in ("StartTransaction", "TransactionEvent", "Transaction") for s in steps)
    context = {
        "steps": steps,
        "tag": tag,
        "refused": any(s.refused for s in steps),
        "started": started,
        "gave_up": not steps and utcnow() - begun > WAIT,
    }
    return render_fragment(request, "_start_outcome.html", context, viewer)
