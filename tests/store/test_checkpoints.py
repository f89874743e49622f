"""SQLite's WAL checkpoints run on a thread of their own, off the group commit's path, and keep the
log short; without them (automatic checkpoints off and nobody checkpointing) the log would grow."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from chargegrid.store import events as events_store
from chargegrid.store.checkpoints import Checkpointer
from chargegrid.store.database import create_engine, session_factory, sqlite_path
from chargegrid.store.migrate import upgrade
from chargegrid.store.models import utcnow

SQLITE_ONLY = pytest.mark.parametrize("db_kind", ["sqlite"])

ROUNDS = 12
ROWS = 400  # ~0.5 MB of log frames per round


async def write_rounds(database_url: str, checkpointer: Checkpointer | None) -> int:
    """Write ROUNDS transactions; returns the largest size the WAL file reached (bytes)."""
    engine = create_engine(database_url, own_checkpoints=True)
    await upgrade(engine)
    sessions = session_factory(engine)
    path = sqlite_path(database_url)
    assert path is not None
    if checkpointer is not None:
        checkpointer.start()
    largest = 0
    try:
        for n in range(ROUNDS):
            rows = [
                {
                    "timestamp": utcnow(),
                    "charge_point_id": f"CP{i % 50}",
                    "direction": "in",
                    "message_type": 2,
                    "message_id": f"{n}-{i}",
                    "action": "MeterValues",
                    "payload": "x" * 1000,
                    "result": None,
                }
                for i in range(ROWS)
            ]
            async with sessions.begin() as db:
                events_store.queue_log_entries(db, rows)
            await asyncio.sleep(0.1)  # the checkpointer's interval in these tests is 0.02 s
            largest = max(largest, Path(path + "-wal").stat().st_size)  # noqa: ASYNC240
        async with sessions() as db:
            assert await db.scalar(text("PRAGMA wal_autocheckpoint")) == 0
            assert await db.scalar(text("SELECT count(*) FROM message_log")) == ROUNDS * ROWS
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        await engine.dispose()
    return largest


@SQLITE_ONLY
async def test_the_checkpointer_keeps_the_log_short(database_url: str) -> None:
    path = sqlite_path(database_url)
    assert path is not None
    checkpointer = Checkpointer(path, interval=0.02)
    largest = await write_rounds(database_url, checkpointer)
    assert checkpointer.checkpoints >= ROUNDS // 2
    assert largest < 3 * ROWS * 1300  # a few rounds' worth at most, not all of them


@SQLITE_ONLY
async def test_without_it_the_log_keeps_growing(database_url: str) -> None:
    largest = await write_rounds(database_url, None)
    assert largest > ROUNDS * ROWS * 1000  # every round is still in the log


def test_only_a_file_has_a_path() -> None:
    assert sqlite_path("sqlite+aiosqlite:////data/cg.db") == "/data/cg.db"
    assert sqlite_path("sqlite+aiosqlite://") is None
    assert sqlite_path("postgresql+asyncpg://u@h/db") is None
