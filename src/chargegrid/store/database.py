"""The database: async engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the UI and API read while the OCPP edge writes; FULL sync keeps what we
    # acknowledged to a charger on disk even after a power cut.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    # A `checkpoints.Checkpointer` thread checkpoints instead, off the commit's path.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def create_engine(url: str, *, own_checkpoints: bool = False) -> AsyncEngine:
    """An engine tuned for the dialect; SQLite gets its pragmas on every new connection.

    `own_checkpoints`: SQLite's connections never checkpoint the WAL themselves; the caller runs a
    `checkpoints.Checkpointer` on the same file for as long as the engine writes (the server does)."""
    if url.startswith("sqlite"):
        # Readers queue for a pooled connection during a boot storm instead of failing after 30 s.
        engine = create_async_engine(
            # check_same_thread: the group commit runs its deferred rows on the event loop's thread
            # (`writer._sqlite_here`) while aiosqlite's thread waits, never both at once.
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=10,
            max_overflow=10,
            pool_timeout=300,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if own_checkpoints:
            event.listen(engine.sync_engine, "connect", _no_autocheckpoint)
        return engine
    engine = create_async_engine(url, pool_size=10, max_overflow=20, pool_timeout=300)
    event.listen(engine.sync_engine.pool, "checkin", _returned)
    event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
    return engine


# A pooled connection is pinged before use only when it has sat idle this long. SQLAlchemy's
# pool_pre_ping pings at every checkout, and asyncpg's ping is three round trips (BEGIN, ";",
# ROLLBACK): measured, 18 % of a PostgreSQL node's CPU during sequential REST commands, where each
# command's group commit and the events sequencer's round check a connection out that was returned
# milliseconds before. A connection that dies in use (a restart) is still noticed: the disconnect
# error invalidates the whole pool, and the writer's lanes retry their batch.
IDLE_BEFORE_PING = 1.0
_RETURNED = "chargegrid.returned_at"


def _returned(_dbapi_connection: Any, record: Any) -> None:
    record.info[_RETURNED] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    returned = record.info.get(_RETURNED)
    if returned is None or time.monotonic() - returned < IDLE_BEFORE_PING:
        return  # just connected, or in use moments ago
    try:
        dbapi_connection.ping()
    except Exception as exc:  # the pool drops this connection and checks out (or opens) another
        raise DisconnectionError(f"pooled connection is gone: {exc}") from exc


def sqlite_path(url: str) -> str | None:
    """The file of an SQLite URL (None for PostgreSQL and for an in-memory SQLite database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
