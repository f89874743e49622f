"""Batched reads: concurrent callers share one query, each gets its own row, failures reach everyone;
and the registration of an unknown charger, which keeps a row stored meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chargegrid.store import charge_points as cp_store
from chargegrid.store.batched_reads import BatchedReader
from chargegrid.store.database import create_engine, session_factory
from chargegrid.store.migrate import upgrade


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await upgrade(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def test_concurrent_callers_share_one_query(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as db:
        for i in range(0, 300, 2):  # every even id exists
            cp_store.add(db, f"cp-{i}", "Accepted", name=f"station {i}")
    batches: list[list[str]] = []

    async def names(db: AsyncSession, ids: list[str]) -> dict[str, str | None]:
        batches.append(ids)
        return {cp_id: cp.name for cp_id, cp in (await cp_store.get_many(db, ids)).items()}

    reader: BatchedReader[str, str | None] = BatchedReader(sessions, names, max_batch=100)
    got = await asyncio.gather(*(reader.get(f"cp-{i}") for i in range(300)))

    assert got == [f"station {i}" if i % 2 == 0 else None for i in range(300)]
    assert [len(b) for b in batches] == [100, 100, 100]  # 300 callers, 3 queries (max_batch 100)
    # A caller after the burst starts a new batch of its own.
    assert await reader.get("cp-4") == "station 4"
    assert batches[-1] == ["cp-4"]


async def test_a_failed_read_reaches_every_caller_of_its_batch(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def broken(db: AsyncSession, ids: list[str]) -> dict[str, int]:
        raise RuntimeError(f"cannot read {len(ids)} ids")

    reader: BatchedReader[str, int] = BatchedReader(sessions, broken)
    results = await asyncio.gather(*(reader.get(str(i)) for i in range(5)), return_exceptions=True)
    assert [str(r) for r in results] == ["cannot read 5 ids"] * 5


async def test_register_stores_a_new_charger_and_keeps_a_row_stored_meanwhile(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as db:
        await cp_store.register(db, "fresh", "Pending")
    async with sessions() as db:
        stored = await cp_store.get(db, "fresh")
        assert stored is not None
        assert (stored.registration_status, stored.security_profile) == ("Pending", 0)

    # An operator added the charger (with a password) between the handshake's read and the registration.
    async with sessions.begin() as db:
        cp_store.add(db, "raced", "Accepted", password_hash="h", security_profile=1)
    async with sessions.begin() as db:
        await cp_store.register(db, "raced", "Pending")
    async with sessions() as db:
        raced = await cp_store.get(db, "raced")
        assert raced is not None
        assert (raced.registration_status, raced.password_hash, raced.security_profile) == (
            "Accepted",
            "h",
            1,
        )
