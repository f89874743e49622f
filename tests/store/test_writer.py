"""Group commit: concurrent writes share commits, a failing write harms nobody else, order per key holds."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from typing import cast

import pytest
from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from chargegrid.store import Db
from chargegrid.store.database import create_engine, session_factory
from chargegrid.store.migrate import upgrade
from chargegrid.store.models import ChargerEvent, ChargeTag
from chargegrid.store.writer import BatchedWriter, defer


@pytest.fixture
async def writer(database_url: str) -> AsyncIterator[BatchedWriter]:
    engine = create_engine(database_url)
    await upgrade(engine)
    writer = BatchedWriter(session_factory(engine), lanes=1 if database_url.startswith("sqlite") else 3)
    writer.start()
    try:
        yield writer
    finally:
        await writer.stop()
        await engine.dispose()


def add_tag(tag_id: str) -> object:
    async def work(db: Db) -> str:
        db.add(ChargeTag(tag_id=tag_id))
        await db.flush()
        return tag_id

    return work


async def stored_tags(writer: BatchedWriter) -> list[str]:
    async with writer._sessions() as db:
        return list((await db.scalars(select(ChargeTag.tag_id).order_by(ChargeTag.tag_id))).all())


async def test_concurrent_writes_share_commits(writer: BatchedWriter) -> None:
    results = await asyncio.gather(*(writer.run(f"cp{i % 50}", add_tag(f"T{i:04}")) for i in range(400)))  # type: ignore[arg-type]
    assert sorted(results) == [f"T{i:04}" for i in range(400)]
    assert len(await stored_tags(writer)) == 400
    assert writer.writes == 400 and writer.batches < 400


async def test_a_failing_write_does_not_cost_others_their_data(writer: BatchedWriter) -> None:
    await writer.run("x", add_tag("DUP"))  # type: ignore[arg-type]

    async def boom(db: Db) -> None:
        raise RuntimeError("handler bug")

    outcomes = await asyncio.gather(
        writer.run("a", add_tag("OK1")),  # type: ignore[arg-type]
        writer.run("b", add_tag("DUP")),  # type: ignore[arg-type]
        writer.run("c", boom),
        writer.run("d", add_tag("OK2")),  # type: ignore[arg-type]
        return_exceptions=True,
    )
    assert outcomes[0] == "OK1" and outcomes[3] == "OK2"
    assert isinstance(outcomes[1], IntegrityError) and isinstance(outcomes[2], RuntimeError)
    assert await stored_tags(writer) == ["DUP", "OK1", "OK2"]


async def test_writes_of_one_key_keep_their_order(writer: BatchedWriter) -> None:
    async def event(n: int) -> object:
        async def work(db: Db) -> None:
            db.add(ChargerEvent(charge_point_id="ORDER", kind=f"k{n:03}", payload={}))

        return work

    works = [await event(n) for n in range(100)]
    await asyncio.gather(*(writer.run("ORDER", w) for w in works))  # type: ignore[arg-type]
    async with writer._sessions() as db:
        kinds = (await db.scalars(select(ChargerEvent.kind).order_by(ChargerEvent.id))).all()
    assert list(kinds) == [f"k{n:03}" for n in range(100)]


async def test_rows_queued_on_a_plain_session_are_written_by_its_commit(database_url: str) -> None:
    from chargegrid.store import events as events_store

    engine = create_engine(database_url)
    await upgrade(engine)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as db:
            events_store.add_event(db, "PLAIN", "Test", {"x": 1})
        async with sessions() as db:
            kinds = (
                await db.scalars(select(ChargerEvent.kind).where(ChargerEvent.charge_point_id == "PLAIN"))
            ).all()
        assert list(kinds) == ["Test"]
    finally:
        await engine.dispose()


async def test_the_message_log_joins_the_group_commit_and_writes_alone_once_it_stopped(
    writer: BatchedWriter,
) -> None:
    from chargegrid.config import MessageLogLevel
    from chargegrid.ocpp.message_log import MessageLog
    from chargegrid.store.models import MessageLogEntry

    log = MessageLog(MessageLogLevel.all, writer._sessions, 0, writer)
    record = log.recorder("LOGGED")
    assert record is not None
    record("in", 2, "m1", "Heartbeat", '[2,"m1","Heartbeat",{}]', None)
    writes = writer.writes
    await log.flush()
    assert writer.writes == writes + 1  # one more write in a group commit, not a transaction of its own
    await writer.stop()
    record("out", 3, "m1", "Heartbeat", '[3,"m1",{}]', None)
    await log.flush()  # the writer is gone (shutdown): the log still keeps what it holds
    entry = MessageLogEntry
    async with writer._sessions() as db:
        kept = await db.execute(
            select(entry.direction, entry.message_id, entry.payload).filter_by(charge_point_id="LOGGED")
        )
    assert sorted(tuple(row) for row in kept) == [
        ("in", "m1", '[2,"m1","Heartbeat",{}]'),
        ("out", "m1", '[3,"m1",{}]'),
    ]


async def test_deferred_rows_read_back_exactly_as_queued(writer: BatchedWriter) -> None:
    # Deferred rows skip SQLAlchemy's per-row parameter building: times, JSON and NULLs must survive.
    from datetime import UTC, datetime, timedelta

    from chargegrid.events import outbox
    from chargegrid.store.integration_models import OutboxEvent

    when = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)

    async def work(db: Db) -> None:
        outbox.emit(db, "test.prepared", "PREP", {"a": [1, "x"], "b": None, "c": "é"}, when)
        outbox.emit(db, "test.prepared", None, {"a": 2}, when + timedelta(seconds=1))

    await writer.run("PREP", work)
    async with writer._sessions() as db:
        rows = (
            await db.scalars(
                select(OutboxEvent).where(OutboxEvent.type == "test.prepared").order_by(OutboxEvent.time)
            )
        ).all()
    assert [(r.time, r.charge_point_id, r.data, r.position) for r in rows] == [
        (when, "PREP", {"a": [1, "x"], "b": None, "c": "é"}, None),
        (when + timedelta(seconds=1), None, {"a": 2}, None),
    ]


_INSERT_TAG = insert(cast(Table, ChargeTag.__table__))


def defer_tag(tag_id: str) -> object:
    async def work(db: Db) -> str:
        defer(db, _INSERT_TAG, {"tag_id": tag_id, "name": None, "blocked": False})
        return tag_id

    return work


async def test_a_bad_deferred_row_fails_its_own_write_only(writer: BatchedWriter) -> None:
    await writer.run("x", defer_tag("DUP"))  # type: ignore[arg-type]
    outcomes = await asyncio.gather(
        writer.run("a", defer_tag("OK1")),  # type: ignore[arg-type]
        writer.run("b", defer_tag("DUP")),  # type: ignore[arg-type]
        writer.run("c", defer_tag("OK2")),  # type: ignore[arg-type]
        return_exceptions=True,
    )
    assert outcomes[0] == "OK1" and outcomes[2] == "OK2"
    assert isinstance(outcomes[1], IntegrityError)  # as SQLAlchemy raises it, on either store
    assert await stored_tags(writer) == ["DUP", "OK1", "OK2"]


async def test_a_rider_joins_batches_and_is_retried_alone_when_its_batch_fails(writer: BatchedWriter) -> None:
    pending: list[str] = []
    landed: list[asyncio.Future[None]] = []

    def rider() -> tuple[object, asyncio.Future[None]] | None:
        if not pending:
            return None
        tags = pending[:]
        pending.clear()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        landed.append(future)

        async def work(db: Db) -> None:
            for tag in tags:
                defer(db, _INSERT_TAG, {"tag_id": tag, "name": "rider", "blocked": False})

        return work, future

    writer.add_rider(rider)  # type: ignore[arg-type]
    pending.append("R1")
    batches = writer.batches
    await writer.run("a", defer_tag("OK1"))  # type: ignore[arg-type]
    assert writer.batches == batches + 1  # the rider's rows took no commit of their own
    await writer.run("x", defer_tag("DUP"))  # type: ignore[arg-type]
    pending.append("R2")
    outcomes = await asyncio.gather(
        writer.run("b", defer_tag("DUP")),  # type: ignore[arg-type]
        writer.run("c", defer_tag("OK2")),  # type: ignore[arg-type]
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], IntegrityError) and outcomes[1] == "OK2"
    await asyncio.gather(*landed)
    assert await stored_tags(writer) == ["DUP", "OK1", "OK2", "R1", "R2"]


@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_sqlite_deferred_rows_wait_for_the_write_lock_without_blocking_the_event_loop(
    writer: BatchedWriter, database_url: str
) -> None:
    # The deferred rows run on the event loop's thread (no GIL hand-offs per row); the write lock is
    # taken before that on aiosqlite's thread, so another writer holding it stalls the batch, not the loop.
    other = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        write = asyncio.ensure_future(writer.run("a", defer_tag("LOCKED")))  # type: ignore[arg-type]
        ticks = 0
        for _ in range(30):
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 30 and not write.done()
    finally:
        other.execute("COMMIT")
        other.close()
    assert await write == "LOCKED"
    assert await stored_tags(writer) == ["LOCKED"]


async def test_the_message_log_rides_with_the_next_batch_of_the_group_commit(writer: BatchedWriter) -> None:
    from chargegrid.config import MessageLogLevel
    from chargegrid.ocpp import message_log
    from chargegrid.store.models import MessageLogEntry

    log = message_log.MessageLog(MessageLogLevel.all, writer._sessions, 0, writer)
    log.start()
    try:
        record = log.recorder("RIDER")
        assert record is not None
        for n in range(message_log._RIDE_FROM):
            record("in", 2, f"m{n}", "Authorize", f'[2,"m{n}","Authorize",{{"idTag":"T1"}}]', None)
        batches = writer.batches
        await writer.run("a", defer_tag("T1"))  # type: ignore[arg-type]
        assert writer.batches == batches + 1  # the log's row took no commit of its own
        async with writer._sessions() as db:  # committed with that batch, not a second later
            kept = await db.scalar(select(func.count()).where(MessageLogEntry.charge_point_id == "RIDER"))
            assert kept == message_log._RIDE_FROM
    finally:
        await log.stop()
