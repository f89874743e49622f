"""The outbox's order and the delivery workers in a cluster, on the real databases: a row that commits
late is never skipped, and two nodes' workers deliver each event once per subscription, in order."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chargegrid.events import outbox
from chargegrid.events.delivery import DeliveryPolicy, WebhookWorker
from chargegrid.events.sequencer import LEASE, Sequencer, sequence_once
from chargegrid.store import leases, migrate
from chargegrid.store.database import create_engine, session_factory
from chargegrid.store.integration_models import OutboxEvent, WebhookSubscription
from chargegrid.store.models import utcnow
from tests.support.receiver import running_receiver

SECRET = "cluster-test-secret-0123456789"


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def positions(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int | None]]:
    async with sessions() as db:
        rows = (
            await db.execute(select(OutboxEvent.event_id, OutboxEvent.position).order_by(OutboxEvent.seq))
        ).all()
    return [(r[0], r[1]) for r in rows]


@pytest.mark.parametrize("db_kind", ["postgresql"])  # SQLite has one writer: no transaction commits late
async def test_an_event_that_commits_late_gets_a_later_position_and_is_not_skipped(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await leases.ensure_row(sessions, LEASE)
    # A write lane inserted its row (taking the lower seq) but has not committed yet...
    slow = sessions()
    await slow.execute(
        insert(OutboxEvent).values(
            event_id="late", type="charger.booted", time=utcnow(), data={}, position=None
        )
    )
    # ...while another lane's row, with a higher seq, commits and is consumed.
    async with sessions.begin() as fast:
        early_id = outbox.emit(fast, "charger.booted", "CP-FAST", {})
    assert await sequence_once(sessions, "node-a", 15) == 1
    by_id = dict(await positions(sessions))
    consumer_cursor = by_id[early_id]
    assert consumer_cursor is not None and "late" not in by_id  # not visible yet

    await slow.commit()
    await slow.close()
    assert await sequence_once(sessions, "node-a", 15) == 1
    order = await positions(sessions)
    assert [event_id for event_id, _p in order] == ["late", early_id]  # the late one has the lower seq
    late_position = dict(order)["late"]
    assert late_position is not None and late_position > consumer_cursor  # a consumer at the cursor gets it


async def test_two_nodes_deliver_each_event_once_per_subscription_in_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with running_receiver() as receiver:
        async with sessions.begin() as db:
            db.add(
                WebhookSubscription(
                    id="wh_cluster",
                    url=receiver.url,
                    events=["*"],
                    secret=SECRET,
                    active=True,
                    position=0,
                    failures=0,
                )
            )
        policy = DeliveryPolicy(backoff_base=0.05, retry_window=timedelta(hours=1))
        nodes = [WebhookWorker(sessions, f"node-{n}", policy, poll_interval=0.05) for n in "ab"]
        sequencers = [Sequencer(sessions, f"node-{n}", interval=0.05, retention_days=7) for n in "ab"]
        tasks = [asyncio.create_task(x.run()) for x in (*nodes, *sequencers)]
        try:
            emitted = []
            for batch in range(6):
                async with sessions.begin() as db:
                    emitted += [
                        outbox.emit(db, "connector.status_changed", f"CP{batch}", {"n": i}) for i in range(5)
                    ]
                await asyncio.sleep(0.02)
            await receiver.wait_for(lambda: len(receiver.accepted()) >= len(emitted), timeout=20)
            await asyncio.sleep(0.3)  # would a second node send any again?
        finally:
            for x in (*nodes, *sequencers):
                x.stop()
            await asyncio.gather(*tasks)
        got = [e["id"] for e in receiver.accepted()]
        assert got == emitted  # once each, in commit order
        assert receiver.signatures_valid(SECRET)


@pytest.mark.parametrize("db_kind", ["postgresql"])  # SQLite has one writer: no transaction commits late
async def test_a_consumer_following_positions_misses_nothing_while_writers_race_and_the_lease_moves(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Writers hold their row (and its seq) open for random times, so rows commit out of seq order; two
    nodes' sequencers number them, and the first one stops halfway so the lease moves to the other. A
    consumer polling `position > cursor` as an SSE stream does must still see every event once, and an
    event committed before another one began must come first."""
    rng = random.Random(7)
    began: dict[str, float] = {}
    committed: dict[str, float] = {}
    seen: list[tuple[str, int]] = []
    numbered_all = asyncio.Event()

    async def writer(n: int) -> None:
        for i in range(25):
            event_id = f"w{n}-{i}"
            async with sessions.begin() as db:
                began[event_id] = time.monotonic()
                await db.execute(
                    insert(OutboxEvent).values(
                        event_id=event_id, type="charger.booted", time=utcnow(), data={}, position=None
                    )
                )
                await asyncio.sleep(rng.random() * 0.02)  # holds its seq while later ones commit
            committed[event_id] = time.monotonic()

    async def consumer() -> None:
        cursor = 0
        while True:
            last_pass = numbered_all.is_set()  # every row has its position: one more read, then stop
            async with sessions() as db:
                rows = (
                    await db.execute(
                        select(OutboxEvent.event_id, OutboxEvent.position)
                        .where(OutboxEvent.position > cursor)
                        .order_by(OutboxEvent.position)
                    )
                ).all()
            for event_id, position in rows:
                seen.append((event_id, position))
                cursor = position
            if last_pass:
                return
            await asyncio.sleep(0.003)

    sequencers = [
        Sequencer(sessions, f"node-{n}", interval=0.005, retention_days=7, lease_ttl=0.1) for n in "ab"
    ]
    running = [asyncio.create_task(s.run()) for s in sequencers]
    reader = asyncio.create_task(consumer())
    try:
        first_half = [asyncio.create_task(writer(n)) for n in range(6)]
        await asyncio.gather(*first_half)
        sequencers[0].stop()  # its lease expires; the other node takes over
        await running[0]
        await asyncio.gather(*(writer(n) for n in range(6, 12)))
        for _ in range(2000):  # up to ~20 s for the last rows to get their positions
            if all(p is not None for _e, p in await positions(sessions)):
                break
            await asyncio.sleep(0.01)
        numbered_all.set()
        await asyncio.wait_for(reader, 5)
    finally:
        for s in sequencers:
            s.stop()
        reader.cancel()
        await asyncio.gather(*running, reader, return_exceptions=True)

    got = [event_id for event_id, _p in seen]
    assert sorted(got) == sorted(committed)  # every event once: none skipped, none twice
    position = dict(seen)
    for first, done in committed.items():
        for second, start in began.items():
            if done < start:
                assert position[first] < position[second], (first, second)
