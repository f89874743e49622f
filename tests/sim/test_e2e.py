"""End to end: the simulator against the real Chargegrid server (SQLite and PostgreSQL).

The chargers boot, are registered and listed by `/API/Status`; a remote start through
`/API/RemoteStartTransaction` produces a real transaction in the database (and in `/API/Transactions`), with
meter values, and `/API/RemoteStopTransaction` closes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select

from chargegrid.ocpp.commands import ChangeConfiguration, ClearCache, Reset, UnlockConnector
from chargegrid.sim import ChargerOptions, Fleet, FleetOptions
from chargegrid.store.models import ChargePoint, Transaction
from tests.support.server import RunningServer

ServerFactory = Callable[..., AbstractAsyncContextManager[RunningServer]]


@asynccontextmanager
async def simulated(srv: RunningServer, version: str, count: int = 1, **opts: Any) -> AsyncIterator[Fleet]:
    fleet = Fleet(
        FleetOptions(count=count, version=version, rate=500, charger=ChargerOptions(url=srv.ocpp_url, **opts))
    )
    task = asyncio.create_task(fleet.run())
    try:
        assert await fleet.wait_booted(15), fleet.stats
        yield fleet
    finally:
        fleet.stop()
        await asyncio.wait_for(task, 15)


async def transactions(srv: RunningServer, cp_id: str) -> list[Transaction]:
    async with srv.services.db() as db:
        return list((await db.scalars(select(Transaction).where(Transaction.charge_point_id == cp_id))).all())


async def api(srv: RunningServer, path: str) -> Any:
    async with srv.api() as client:
        r = await client.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r.json()


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_fleet_boots_against_the_real_server(server_factory: ServerFactory, version: str) -> None:
    async with server_factory(unknown_chargers="accept") as srv, simulated(srv, version, count=5) as fleet:
        ids = fleet.opts.ids()
        await srv.wait_for(lambda: all(cp in srv.services.registry for cp in ids))
        async with srv.services.db() as db:
            rows = (await db.scalars(select(ChargePoint).where(ChargePoint.id.in_(ids)))).all()
        assert sorted(r.id for r in rows) == ids
        status = await api(srv, "/API/Status")
        for cp in ids:
            assert cp in str(status), status
        assert fleet.stats.errors == 0, fleet.stats.last_error


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_remote_start_produces_a_real_transaction(server_factory: ServerFactory, version: str) -> None:
    async with server_factory(unknown_chargers="accept") as srv:
        await srv.add_tag("TAG42")
        async with simulated(srv, version, meter_interval=0.2) as fleet:
            cp = fleet.opts.ids()[0]
            await srv.wait_for(lambda: cp in srv.services.registry)
            answer = await api(srv, f"/API/RemoteStartTransaction/{cp}/1/TAG42")
            assert answer["status"] == "Accepted"

            async def started() -> bool:
                txs = await transactions(srv, cp)
                return bool(txs) and txs[0].last_meter_kwh is not None and txs[0].last_meter_kwh > 0

            await srv.wait_for(started, timeout=10)
            tx = (await transactions(srv, cp))[0]
            assert tx.start_tag_id == "TAG42" and tx.stop_time is None and tx.connector_id == 1
            if version != "1.6":
                assert tx.charger_transaction_id and tx.remote_start_id is not None

            answer = await api(srv, f"/API/RemoteStopTransaction/{cp}/1")
            assert answer["status"] == "Accepted"

            async def stopped() -> bool:
                return (await transactions(srv, cp))[0].stop_time is not None

            await srv.wait_for(stopped, timeout=10)
            tx = (await transactions(srv, cp))[0]
            assert tx.stop_reason == "Remote" and tx.meter_stop is not None
            listed = await api(srv, "/API/Transactions")
            assert cp in str(listed) and "TAG42" in str(listed), listed
            assert fleet.stats.errors == 0, fleet.stats.last_error


async def test_server_commands_reach_the_simulator(server_factory: ServerFactory) -> None:
    async with server_factory(unknown_chargers="accept") as srv, simulated(srv, "1.6") as fleet:
        cp = fleet.opts.ids()[0]
        await srv.wait_for(lambda: cp in srv.services.registry)
        run = srv.services.commands.execute
        assert (await run(cp, UnlockConnector(connector=1))).status == "Unlocked"
        assert (await run(cp, ClearCache())).status == "Accepted"
        assert (await run(cp, ChangeConfiguration(key="HeartbeatInterval", value="60"))).status == (
            "Accepted"
        )
        assert (await run(cp, Reset(hard=False))).status == "Accepted"
        await srv.wait_for(lambda: fleet.stats.reconnects == 1 and fleet.stats.booted == 1, timeout=10)


async def test_charging_scenario_with_a_known_tag_runs_transactions(server_factory: ServerFactory) -> None:
    async with server_factory(unknown_chargers="accept") as srv:
        await srv.add_tag("DEMO1")
        opts = {"id_tag": "DEMO1", "meter_interval": 0.2, "session_seconds": 0.6, "pause_seconds": 0.2}
        fleet = Fleet(
            FleetOptions(
                count=2, scenario="charging", rate=500, charger=ChargerOptions(url=srv.ocpp_url, **opts)
            )
        )
        task = asyncio.create_task(fleet.run())
        try:
            await srv.wait_for(lambda: fleet.stats.tx_stopped >= 2, timeout=15)
        finally:
            fleet.stop()
            await asyncio.wait_for(task, 15)
        assert fleet.stats.auth_rejected == 0 and fleet.stats.errors == 0, fleet.stats.last_error
        assert len(await transactions(srv, fleet.opts.ids()[0])) >= 1


async def test_unknown_tag_is_reported_not_charged(server_factory: ServerFactory) -> None:
    async with server_factory(unknown_chargers="accept") as srv:
        opts = {"id_tag": "NOBODY", "meter_interval": 0.2, "session_seconds": 0.5, "pause_seconds": 0.2}
        fleet = Fleet(
            FleetOptions(
                count=1, scenario="charging", rate=500, charger=ChargerOptions(url=srv.ocpp_url, **opts)
            )
        )
        task = asyncio.create_task(fleet.run())
        try:
            await srv.wait_for(lambda: fleet.stats.auth_rejected >= 1, timeout=15)
        finally:
            fleet.stop()
            await asyncio.wait_for(task, 15)
        assert fleet.stats.tx_started == 0
