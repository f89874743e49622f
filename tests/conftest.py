"""Fixtures shared by the whole suite: databases (SQLite and PostgreSQL) and a running server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import temporary_database
from tests.support.server import RunningServer, run_server

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(params=DATABASES)
def db_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
async def database_url(db_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    async with temporary_database(db_kind, tmp_path) as url:
        yield url


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """The central system with default settings (unknown chargers rejected)."""
    async with run_server(database_url, tmp_path) as running:
        yield running


@pytest.fixture
def server_factory(
    database_url: str, tmp_path: Path
) -> Callable[..., AbstractAsyncContextManager[RunningServer]]:
    """Start a server with other settings: `async with server_factory(unknown_chargers="pending") as srv:`."""

    def factory(**overrides: Any) -> AbstractAsyncContextManager[RunningServer]:
        return run_server(database_url, tmp_path, **overrides)

    return factory
