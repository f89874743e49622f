"""The engine's pooled PostgreSQL connections: one that died while idle in the pool is replaced before
use, so the request that checks it out does not fail."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from chargegrid.store import database
from chargegrid.store.database import create_engine, session_factory


@pytest.mark.parametrize("db_kind", ["postgresql"])
async def test_a_pooled_connection_that_died_while_idle_is_replaced_before_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "IDLE_BEFORE_PING", 0.0)  # every returned connection counts as idle
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as db:
            backend = await db.scalar(text("SELECT pg_backend_pid()"))
        # From outside the pool: as when the server restarted, or a proxy dropped the connection.
        outside = create_engine(database_url)
        async with outside.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        await outside.dispose()
        async with sessions() as db:
            assert await db.scalar(text("SELECT pg_backend_pid()")) != backend
    finally:
        await engine.dispose()
