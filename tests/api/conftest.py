"""Fixtures for the REST API tests: a booted 1.6 or 2.0.1 library charger on the real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.chargers import connected
from tests.support.server import RunningServer

PROTOCOLS = ["ocpp1.6", "ocpp2.0.1"]


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
async def charger(server: RunningServer, protocol: str) -> AsyncIterator[Any]:
    """Charger "CP1", known to the server, connected and booted with `protocol`."""
    await server.add_charge_point("CP1", name="Wallbox one")
    async with connected(server, "CP1", protocol) as cp:
        yield cp


@pytest.fixture
async def station(server: RunningServer) -> AsyncIterator[Any]:
    """Station "CP1", known to the server, connected and booted with OCPP 2.0.1 (for the 2.x-only blocks)."""
    await server.add_charge_point("CP1")
    async with connected(server, "CP1", "ocpp2.0.1") as cp:
        yield cp


@pytest.fixture
async def impatient(server_factory: Any) -> AsyncIterator[tuple[RunningServer, Any]]:
    """A server that waits only 1 s for answers, with a 2.0.1 station "CP1" on it (failure tests)."""
    async with server_factory(call_timeout=1.0) as server:
        await server.add_charge_point("CP1")
        async with connected(server, "CP1", "ocpp2.0.1") as cp:
            yield server, cp
