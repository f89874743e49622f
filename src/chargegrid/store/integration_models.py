"""Tables of the integrations: the events outbox, webhook subscriptions and their deliveries, API keys,
the audit log, and the leases that let one node at a time run a network-wide job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargegrid.store.models import Base, utcnow


class OutboxEvent(Base):
    """One event, written in the same transaction as the change it describes.

    `position` is given by the sequencer (`events.sequencer`) after the row is committed: rows of
    concurrent transactions can commit in another order than their `seq`, so consumers follow
    `position`, which only grows in the order rows became visible and therefore never skips one.
    """

    __tablename__ = "events_outbox"
    __table_args__ = (
        Index("ix_outbox_position", "position", unique=True),
        Index("ix_outbox_time", "time"),
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(50))
    time: Mapped[datetime] = mapped_column(default=utcnow)
    charge_point_id: Mapped[str | None] = mapped_column(String(48))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int | None] = mapped_column(BigInteger)


class WebhookSubscription(Base):
    """Where to POST which events; `position` is how far this subscription has been delivered."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[Any]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    # The head event's failures: when the first one happened, how many, when to try again.
    failing_since: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    # Which node delivers it right now (lease), so each event goes out once per subscription.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(120))


class WebhookDelivery(Base):
    """One attempt to deliver one event to one subscription."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_delivery_sub_time", "subscription_id", "time"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(36))
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(50))
    time: Mapped[datetime] = mapped_column(default=utcnow)
    attempt: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # delivered / failed
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)


class ApiKey(Base):
    """A named key with scopes; only a hash of the key is stored (see `api.auth`)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(JSON)
    # Restrictions (None = every charge point / site).
    charge_points: Mapped[list[Any] | None] = mapped_column(JSON)
    sites: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(120))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what: an admin change or a command, by a UI user, an API key or the bootstrap key."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_time", "time"),
        Index("ix_audit_cp_time", "charge_point_id", "time"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    time: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80))
    charge_point_id: Mapped[str | None] = mapped_column(String(48))
    target: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class WorkerLease(Base):
    """A network-wide job (the outbox sequencer) runs on the node that holds its lease."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime]
