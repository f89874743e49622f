"""Throw-away databases for tests: an SQLite file, or a fresh PostgreSQL database on the local server."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

PG_HOST = os.environ.get("CHARGEGRID_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("CHARGEGRID_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("CHARGEGRID_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("CHARGEGRID_TEST_PG_DB", "test")


@asynccontextmanager
async def temporary_database(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """Yield a SQLAlchemy URL of an empty database that is dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'chargegrid-test.db'}"
        return
    name = f"cg_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
