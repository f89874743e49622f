"""Webhook delivery: each subscription gets its events POSTed one at a time, in order, at least once.

A subscription is worked on by one node at a time (a lease on its row, taken with a conditional UPDATE),
which follows the outbox `position` from the subscription's cursor. The cursor moves only after the
receiver answered 2xx, so a crash or a lost lease means a redelivery (the event `id` lets the receiver
drop it), never a loss. A failing event blocks the ones behind it (per-subscription order is kept) and
is retried with exponential back-off; when it has failed for longer than the retry window (a day by
default) the subscription is paused, shown with its reason, and resumes from the same event when an
operator sets it active again.

The worker has its own database sessions and HTTP client with timeouts: a slow or dead receiver costs
this task time, never the OCPP edge's writer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx
import orjson
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chargegrid import __version__
from chargegrid.background import raise_if_stopping
from chargegrid.events import outbox, signing
from chargegrid.store.integration_models import OutboxEvent, WebhookDelivery, WebhookSubscription
from chargegrid.store.models import utcnow

log = logging.getLogger("chargegrid.webhooks")

BATCH = 100


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout: float = 10.0
    backoff_base: float = 1.0
    backoff_max: float = 3600.0
    retry_window: timedelta = timedelta(hours=24)
    lease_ttl: float = 60.0
    concurrency: int = 16

    def backoff(self, failures: int) -> float:
        return float(min(self.backoff_base * 2 ** max(0, failures - 1), self.backoff_max))


@dataclass(frozen=True)
class Attempt:
    ok: bool
    code: int | None
    error: str | None
    duration_ms: int


class WebhookWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        owner: str,
        policy: DeliveryPolicy,
        *,
        poll_interval: float = 1.0,
        wake: asyncio.Event | None = None,
    ) -> None:
        self._sessions = sessions
        self._owner = owner
        self._policy = policy
        self._poll = poll_interval
        self._running: dict[str, asyncio.Task[None]] = {}
        self._wake = wake or asyncio.Event()
        self._stopping = False
        # Whether any subscription is active, as of the last look (every poll) or a change made here.
        # New positions wake the worker only then: with no subscriber, a look per numbered round (per
        # command on a busy network, on every node) would be a query and a transaction for nothing.
        self._subscribed = True
        self._changes = 0  # subscription changes made here, so a look racing one does not undo it
        self._client = httpx.AsyncClient(
            timeout=policy.timeout,
            follow_redirects=False,
            headers={"User-Agent": f"Chargegrid/{__version__} webhooks"},
        )

    def poke(self) -> None:
        """A subscription was created, changed or resumed here: look now."""
        self._subscribed = True
        self._changes += 1
        self._wake.set()

    def new_events(self) -> None:
        """Events got their positions (here or on another node): look now if anyone subscribes."""
        if self._subscribed:
            self._wake.set()

    def stop(self) -> None:
        """Claim nothing more; deliveries in flight end after their current attempt."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        try:
            ticked = True  # the first round and every poll look whether anyone subscribes
            while not self._stopping:
                try:
                    # A tick always looks (is anyone subscribed now?); a wake-up only while someone is.
                    if ticked or self._subscribed:
                        changes = self._changes
                        subscribed, claimed = await self._claim()
                        if changes == self._changes:
                            self._subscribed = subscribed
                        for sub_id in claimed:
                            self._running[sub_id] = asyncio.create_task(
                                self._work(sub_id), name=f"webhook-{sub_id}"
                            )
                except asyncio.CancelledError:
                    raise
                except Exception:
                    raise_if_stopping()
                    log.exception("claiming webhook subscriptions failed; trying again")
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._poll)
                    ticked = False
                except TimeoutError:
                    ticked = True
        finally:
            running = list(self._running.values())
            if running:  # let in-flight attempts finish (bounded), then cancel what is left
                _done, pending = await asyncio.wait(running, timeout=2.0)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            await self._client.aclose()

    async def _claim(self) -> tuple[bool, list[str]]:
        """Whether any subscription is active, and the leases taken of every due one with something to
        deliver that no node works on. One read: the active subscriptions, each with whether it is due."""
        now = utcnow()
        top = select(func.max(OutboxEvent.position)).scalar_subquery()
        due = and_(
            WebhookSubscription.position < top,
            or_(WebhookSubscription.next_attempt_at.is_(None), WebhookSubscription.next_attempt_at <= now),
            or_(WebhookSubscription.lease_until.is_(None), WebhookSubscription.lease_until < now),
        )
        claimed: list[str] = []
        async with self._sessions.begin() as db:
            looked = select(WebhookSubscription.id, due.label("due"))
            active = (await db.execute(looked.where(WebhookSubscription.active.is_(True)))).all()
            free = self._policy.concurrency - len(self._running)
            for sub_id, is_due in active:
                if not is_due or sub_id in self._running or len(claimed) >= free:
                    continue
                result = await db.execute(
                    update(WebhookSubscription)
                    .where(
                        WebhookSubscription.id == sub_id,
                        or_(WebhookSubscription.lease_until.is_(None), WebhookSubscription.lease_until < now),
                    )
                    .values(
                        lease_owner=self._owner, lease_until=now + timedelta(seconds=self._policy.lease_ttl)
                    )
                    .execution_options(synchronize_session=False)
                )
                if isinstance(result, CursorResult) and result.rowcount == 1:
                    claimed.append(sub_id)
        return bool(active), claimed

    async def _work(self, sub_id: str) -> None:
        try:
            while await self._deliver_batch(sub_id):
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivering to webhook subscription %s failed", sub_id)
        finally:
            self._running.pop(sub_id, None)
            try:
                await self._update(sub_id, lease_owner=None, lease_until=None)
            except Exception:
                log.exception("could not release the lease of webhook subscription %s", sub_id)

    async def _deliver_batch(self, sub_id: str) -> bool:
        """Deliver the next events in order; True when there may be more right away."""
        if self._stopping:
            return False
        async with self._sessions() as db:
            sub = await db.get(WebhookSubscription, sub_id)
            if sub is None or not sub.active or sub.lease_owner != self._owner:
                return False
            rows = (
                await db.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.position > sub.position)
                    .order_by(OutboxEvent.position)
                    .limit(BATCH)
                )
            ).all()
        if not rows:
            return False
        cursor = persisted = sub.position
        for row in rows:
            assert row.position is not None
            if not outbox.matches(list(sub.events), row.type):
                cursor = row.position  # not for this subscription: step over it
                continue
            if self._stopping:
                break
            attempt = await self._post(sub, row)
            if not await self._record(sub, row, attempt, skipped_to=cursor):
                return False
            cursor = persisted = row.position
        if cursor != persisted and not await self._update(sub_id, position=cursor):
            return False
        return True

    async def _post(self, sub: WebhookSubscription, row: OutboxEvent) -> Attempt:
        body = orjson.dumps(outbox.as_json(row))
        headers = {
            "Content-Type": "application/json",
            signing.HEADER: signing.signature(sub.secret, body),
            "Chargegrid-Event-Id": row.event_id,
            "Chargegrid-Event-Type": row.type,
        }
        started = time.perf_counter()
        try:
            response = await self._client.post(sub.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Attempt(False, None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))
        ok = 200 <= response.status_code < 300
        return Attempt(ok, response.status_code, None if ok else f"HTTP {response.status_code}", _ms(started))

    async def _record(
        self, sub: WebhookSubscription, row: OutboxEvent, attempt: Attempt, *, skipped_to: int
    ) -> bool:
        """Store the attempt and move the cursor (success) or schedule the retry (failure).

        False: stop working on this subscription now (it failed, was paused, or the lease was lost)."""
        now = utcnow()
        number = sub.failures + 1
        sub.failures = 0 if attempt.ok else number
        async with self._sessions.begin() as db:
            db.add(
                WebhookDelivery(
                    subscription_id=sub.id,
                    event_id=row.event_id,
                    event_type=row.type,
                    time=now,
                    attempt=number,
                    status="delivered" if attempt.ok else "failed",
                    response_code=attempt.code,
                    error=attempt.error,
                    duration_ms=attempt.duration_ms,
                )
            )
            values: dict[str, object]
            if attempt.ok:
                assert row.position is not None
                values = {
                    "position": row.position,
                    "failures": 0,
                    "failing_since": None,
                    "next_attempt_at": None,
                    "lease_until": now + timedelta(seconds=self._policy.lease_ttl),
                }
            else:
                since = sub.failing_since or now
                sub.failing_since = since
                values = {
                    "position": skipped_to,
                    "failures": sub.failures,
                    "failing_since": since,
                    "next_attempt_at": now + timedelta(seconds=self._policy.backoff(sub.failures)),
                }
                if now - since >= self._policy.retry_window:
                    values["active"] = False
                    values["paused_reason"] = (
                        f"paused at {now.isoformat(timespec='seconds')}: event {row.event_id} failed "
                        f"{sub.failures} times since {since.isoformat(timespec='seconds')} "
                        f"(last: {attempt.error}); set active to resume from it"
                    )
                    log.warning("webhook subscription %s paused after failing since %s", sub.id, since)
            moved = await db.execute(
                update(WebhookSubscription)
                .where(WebhookSubscription.id == sub.id, WebhookSubscription.lease_owner == self._owner)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        if attempt.ok:
            sub.failing_since = None
        owned = isinstance(moved, CursorResult) and moved.rowcount == 1
        return owned and attempt.ok

    async def _update(self, sub_id: str, **values: object) -> bool:
        async with self._sessions.begin() as db:
            result = await db.execute(
                update(WebhookSubscription)
                .where(WebhookSubscription.id == sub_id, WebhookSubscription.lease_owner == self._owner)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return isinstance(result, CursorResult) and result.rowcount == 1


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
