"""Attacks a CSMS on the public internet sees every day, with bounded counts, and the limits that hold.

Password guessing: a burst of a few hundred wrong-password handshakes from several loopback addresses
must neither keep both cores busy with argon2 nor delay an honest charger's first connection by more
than 2 s (issue 16 measured 11-16 s before the budgets).
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import websockets
from sqlalchemy import func, select

from chargegrid.store.security_models import SecurityEvent
from tests.security import guesser
from tests.support.chargers import connected
from tests.support.server import RunningServer

BURST = 300
ADDRESSES = [f"127.0.{a}.{b}" for a in (1, 2) for b in range(1, 6)]  # ten source addresses
VICTIM_PASSWORD = "victim-password-0001"


async def _guess(server: RunningServer, cp_id: str, source: str, password: str) -> int:
    return await guesser.guess(server.ocpp_url, cp_id, source, password)


async def _burst(server: RunningServer, count: int, ids: list[str]) -> asyncio.subprocess.Process:
    """Start `count` wrong-password handshakes from ADDRESSES in another process; wait until the server
    has answered the first of them (the rest are in flight)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.security.guesser",
        server.ocpp_url,
        str(count),
        ",".join(ids),
        ",".join(ADDRESSES),
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    assert process.stdout is not None
    assert (await process.stdout.readline()).strip() == b"started"
    return process


async def test_password_guessing_burst_does_not_delay_an_honest_chargers_first_connection(
    server: RunningServer,
) -> None:
    targets = [f"TARGET-{n}" for n in range(5)]
    for cp_id in targets:
        await server.add_charge_point(cp_id, password=f"{cp_id}-secret-password")
    await server.add_charge_point("VICTIM", password=VICTIM_PASSWORD)
    await server.add_charge_point("CALM", password=VICTIM_PASSWORD)

    # The same first connection (uncached password, boot) without any attack: this machine's baseline.
    started = time.perf_counter()
    async with connected(server, "CALM", password=VICTIM_PASSWORD):
        calm = time.perf_counter() - started

    burst = await _burst(server, BURST, targets)
    started = time.perf_counter()
    async with connected(server, "VICTIM", password=VICTIM_PASSWORD) as charger:
        first_connection = time.perf_counter() - started
        assert charger.id == "VICTIM"
    out, _ = await burst.communicate()
    statuses = json.loads(out)
    print(
        f"honest first connection: {calm:.2f} s calm, {first_connection:.2f} s during a {BURST}-guess burst"
    )
    # Unprotected, the burst delayed it by 11-16 s on a quiet machine (212 s under load); protected ~1 s,
    # up to ~2.4 s at load 10 from other work on this 2-core machine: bound it well above that noise.
    assert first_connection - calm < 5.0
    assert 101 not in statuses
    assert set(statuses) <= {401, 429, 503}
    # Most guesses were refused before any argon2 work (429/503), so the CPU stayed available.
    assert statuses.count(401) <= len(ADDRESSES) * server.settings.security.auth_failures_per_address
    # Only refusals that reached a password check are recorded: guesses cannot flood the table.
    async with server.services.db() as db:
        recorded = await db.scalar(select(func.count()).select_from(SecurityEvent))
    assert recorded == statuses.count(401)


async def test_a_charge_point_is_locked_after_many_failures_but_a_proven_password_still_connects(
    server_factory: Any,
) -> None:
    async with server_factory(security={"auth_failures_per_charge_point": 6}) as server:
        await server.add_charge_point("LOCKED", password=VICTIM_PASSWORD)
        async with connected(server, "LOCKED", password=VICTIM_PASSWORD):
            pass  # proven once: recognised without argon2 from now on
        statuses = [await _guess(server, "LOCKED", ADDRESSES[i], "wrong-wrong") for i in range(8)]
        assert statuses[:6] == [401] * 6
        assert statuses[6:] == [429, 429]
        # A fresh address with the right password for the locked id: the lockout holds...
        with pytest.raises(websockets.InvalidStatus) as info:
            await websockets.connect(
                f"{server.ocpp_url}/LOCKED",
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                additional_headers={"Authorization": "Basic " + base64.b64encode(b"LOCKED:other").decode()},
                local_addr=("127.0.3.1", 0),
            )
        assert info.value.response.status_code == 429
        assert "locked" in info.value.response.body.decode()
        # ...but the charger itself, with the password it already proved, is never locked out.
        async with connected(server, "LOCKED", password=VICTIM_PASSWORD) as charger:
            assert charger.id == "LOCKED"
