"""/API/Webhooks: subscriptions that receive events as signed POSTs, and their delivery attempts (admin).

A new subscription receives the events that happen after it was made. Each delivery is one event as
JSON, signed in the `Chargegrid-Signature` header (see `events.signing` and the README).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field, field_validator
from sqlalchemy import func, select

from chargegrid.api.admin_common import RESPONSES, StrictModel, iso, not_found
from chargegrid.api.auth import CallerDep, require_scope
from chargegrid.api.dependencies import ServicesDep
from chargegrid.events import audit, outbox, signing
from chargegrid.events.actors import Scope
from chargegrid.store.integration_models import OutboxEvent, WebhookDelivery, WebhookSubscription

router = APIRouter(tags=["Webhooks"], dependencies=[require_scope(Scope.admin)])

SUB_ID = Path(alias="webhookId", description="The subscription's id")
KNOWN = ", ".join(str(t) for t in outbox.EventType)


def _check_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def _check_events(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    for pattern in value:
        if not outbox.is_known_pattern(pattern):
            raise ValueError(
                f"{pattern!r} is not an event type or prefix (e.g. 'transaction.*'); known: {KNOWN}"
            )
    return value


class WebhookCreate(StrictModel):
    url: str = Field(max_length=2000, description="Where to POST each event (http or https)")
    events: list[str] = Field(min_length=1, description="Event types or prefixes: 'transaction.*', '*'")
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="Generated if omitted"
    )

    _url = field_validator("url")(_check_url)
    _events = field_validator("events")(_check_events)


class WebhookUpdate(StrictModel):
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, min_length=1)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    active: bool | None = Field(
        default=None, description="true resumes a paused subscription where it stopped"
    )

    _url = field_validator("url")(_check_url)
    _events = field_validator("events")(_check_events)


def view(sub: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "url": sub.url,
        "events": sub.events,
        "active": sub.active,
        "state": "active" if sub.active else "paused",
        "pausedReason": sub.paused_reason,
        "failures": sub.failures,
        "failingSince": iso(sub.failing_since),
        "nextAttemptAt": iso(sub.next_attempt_at),
        "createdAt": iso(sub.created_at),
        "createdBy": sub.created_by,
    }


@router.post(
    "/API/Webhooks",
    status_code=201,
    summary="Subscribe a URL to events",
    description="Answers the subscription with its `secret` (shown only here). Event types: " + KNOWN + ".",
    responses=RESPONSES,
)
async def create_webhook(services: ServicesDep, body: WebhookCreate, caller: CallerDep) -> dict[str, Any]:
    secret = body.secret or signing.new_secret()
    async with services.db.begin() as db:
        top = await db.scalar(select(func.max(OutboxEvent.position))) or 0
        sub = WebhookSubscription(
            id=f"wh_{uuid.uuid4().hex[:12]}",
            url=body.url,
            events=body.events,
            secret=secret,
            active=True,
            position=top,
            failures=0,
            created_by=caller.describe(),
        )
        db.add(sub)
        audit.record(
            db, caller, "webhook.create", target=sub.id, details={"url": body.url, "events": body.events}
        )
    if services.events is not None:  # the worker looks for subscriptions only now and then otherwise
        services.events.worker.poke()
    return {**view(sub), "secret": secret}


@router.get("/API/Webhooks", summary="List webhook subscriptions", responses=RESPONSES)
async def list_webhooks(services: ServicesDep) -> list[dict[str, Any]]:
    async with services.db() as db:
        rows = (await db.scalars(select(WebhookSubscription).order_by(WebhookSubscription.created_at))).all()
    return [view(sub) for sub in rows]


@router.get("/API/Webhooks/{webhookId}", summary="One webhook subscription", responses=RESPONSES)
async def get_webhook(services: ServicesDep, sub_id: str = SUB_ID) -> dict[str, Any]:
    async with services.db() as db:
        sub = await db.get(WebhookSubscription, sub_id)
    if sub is None:
        raise not_found("webhook", sub_id)
    return view(sub)


@router.put(
    "/API/Webhooks/{webhookId}",
    summary="Change a webhook subscription",
    description="Only the fields present change. `active: true` resumes a paused subscription from the "
    "event that failed; `active: false` pauses it.",
    responses=RESPONSES,
)
async def update_webhook(
    services: ServicesDep, body: WebhookUpdate, caller: CallerDep, sub_id: str = SUB_ID
) -> dict[str, Any]:
    async with services.db.begin() as db:
        sub = await db.get(WebhookSubscription, sub_id)
        if sub is None:
            raise not_found("webhook", sub_id)
        changed = body.model_dump(exclude_unset=True)
        if body.url is not None:
            sub.url = body.url
        if body.events is not None:
            sub.events = body.events
        if body.secret is not None:
            sub.secret = body.secret
        if body.active is True and not sub.active:
            sub.active, sub.paused_reason = True, None
            sub.failures, sub.failing_since, sub.next_attempt_at = 0, None, None
        elif body.active is False:
            sub.active, sub.paused_reason = False, "paused by an operator"
        details = {k: v for k, v in changed.items() if k != "secret"}
        if "secret" in changed:
            details["secret"] = "changed"
        audit.record(db, caller, "webhook.update", target=sub_id, details=details)
    events = services.events
    if events is not None:
        events.worker.poke()
    return view(sub)


@router.delete(
    "/API/Webhooks/{webhookId}", status_code=204, summary="Delete a subscription", responses=RESPONSES
)
async def delete_webhook(services: ServicesDep, caller: CallerDep, sub_id: str = SUB_ID) -> Response:
    async with services.db.begin() as db:
        sub = await db.get(WebhookSubscription, sub_id)
        if sub is None:
            raise not_found("webhook", sub_id)
        await db.delete(sub)
        audit.record(db, caller, "webhook.delete", target=sub_id, details={"url": sub.url})
    return Response(status_code=204)


@router.get(
    "/API/Webhooks/{webhookId}/deliveries",
    summary="Recent delivery attempts, newest first",
    description="Each attempt: event id and type, time, attempt number, `delivered` or `failed`, the "
    "receiver's HTTP status (`responseCode`) or the error, and how long it took.",
    responses=RESPONSES,
)
async def list_deliveries(
    services: ServicesDep, sub_id: str = SUB_ID, limit: int = Query(default=100, ge=1, le=1000)
) -> list[dict[str, Any]]:
    async with services.db() as db:
        if await db.get(WebhookSubscription, sub_id) is None:
            raise not_found("webhook", sub_id)
        rows = (
            await db.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.subscription_id == sub_id)
                .order_by(WebhookDelivery.id.desc())
                .limit(limit)
            )
        ).all()
    return [
        {
            "eventId": row.event_id,
            "eventType": row.event_type,
            "time": iso(row.time),
            "attempt": row.attempt,
            "status": row.status,
            "responseCode": row.response_code,
            "error": row.error,
            "durationMs": row.duration_ms,
        }
        for row in rows
    ]
