"""The integrations face: API keys, webhook subscriptions, the live event stream and the audit log."""

from __future__ import annotations

from fastapi import APIRouter

from chargegrid.api import audit, events_stream, keys, webhooks

router = APIRouter()
for _module in (keys, webhooks, events_stream, audit):
    router.include_router(_module.router)
