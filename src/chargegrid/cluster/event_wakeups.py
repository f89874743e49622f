"""Live event streams across the cluster: a wake-up on Redis pub/sub when new events got their positions.

One node numbers the events of the whole cluster (the sequencer's lease holder, `events/sequencer.py`);
its own SSE streams (`GET /API/Events`) wake at once, the other nodes' streams would only find the new
positions at their next poll. So the numbering node publishes "new positions" on `P:events-numbered`,
and every node that hears it wakes its streams and its webhook worker.

The outbox stays the source of truth: a wake-up carries nothing but the publisher's node id, each stream
reads the events from the database as before, and streams still poll (`events.stream_poll_seconds`).
Pub/sub is fire-and-forget, so a lost wake-up (Redis down, a node reconnecting) costs latency, never an
event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from chargegrid.background import raise_if_stopping

log = logging.getLogger("chargegrid.cluster")

RESUBSCRIBE_SECONDS = 1.0  # after losing Redis, try again this often (the polls cover the gap)
STOP_SECONDS = 3.0


class EventWakeups:
    """Publishes "new positions" when this node numbered events; wakes this node when another did."""

    def __init__(self, redis: aioredis.Redis, prefix: str, node_id: str, wake: Callable[[], None]) -> None:
        self.redis = redis
        self.channel = f"{prefix}:events-numbered"
        self.node_id = node_id
        self._wake = wake
        self._publisher: asyncio.Task[None] | None = None
        self._again = False
        self._listener: asyncio.Task[None] | None = None
        self._stopped = False

    def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="cluster-event-wakeups")

    async def stop(self) -> None:
        self._stopped = True  # the sequencer may still number a last round; Redis is closing
        tasks = [task for task in (self._listener, self._publisher) if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:  # bounded, as the node's leaving: a stuck Redis call must not hold up a hand-over
            await asyncio.wait(tasks, timeout=STOP_SECONDS)
        self._listener = self._publisher = None

    def numbered(self) -> None:
        """The sequencer's listener: this node just gave events their positions."""
        if self._stopped:
            return
        if self._publisher is not None and not self._publisher.done():
            # One publish at a time; a round numbered meanwhile gets one more, so no stream that read
            # before this round's commit is left waiting for its poll.
            self._again = True
            return
        self._publisher = asyncio.create_task(self._publish(), name="cluster-event-wakeup")

    async def _publish(self) -> None:
        while True:
            self._again = False
            try:
                await self.redis.publish(self.channel, self.node_id)
            except (RedisError, OSError) as exc:  # the other nodes' streams find the events at their poll
                log.debug("could not publish an events wake-up: %s", exc)
                return
            if not self._again:
                return

    async def _listen(self) -> None:
        while True:
            pubsub: Any = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                while True:
                    message = await pubsub.get_message(timeout=RESUBSCRIBE_SECONDS)
                    if message is not None and message.get("data") != self.node_id:
                        self._wake()
            except (RedisError, OSError) as exc:
                raise_if_stopping()
                log.debug("events wake-ups from other nodes interrupted (%s); streams poll meanwhile", exc)
                await asyncio.sleep(RESUBSCRIBE_SECONDS)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()
