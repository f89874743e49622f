"""Sites and load management with real `ocpp`-library chargers (1.6 and 2.0.1): the allocation each
charger receives as profiles on the wire as sessions start and stop, limits change, and (2.x) external
limits and EV charging needs arrive."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from ocpp.v201 import call as call201

from tests.api.helpers import is16, start_transaction
from tests.api.test_charging_profiles import stop_transaction
from tests.support.chargers import connected
from tests.support.server import RunningServer


@pytest.fixture
def db_kind() -> str:
    return "sqlite"  # the store's part is tested in test_charging_profiles on both databases


def limits(charger: Any) -> list[tuple[str, int, float]]:
    """Every SetChargingProfile the charger received: (purpose, connector, limit)."""
    out = []
    for action, payload in charger.rec.received:
        if action != "SetChargingProfile":
            continue
        connector = payload.get("connector_id", payload.get("evse_id"))
        profile = payload.get("cs_charging_profiles") or payload["charging_profile"]
        schedule = profile["charging_schedule"]
        schedule = schedule if isinstance(schedule, dict) else schedule[0]
        out.append(
            (profile["charging_profile_purpose"], connector, schedule["charging_schedule_period"][0]["limit"])
        )
    return out


def last_limit(charger: Any) -> float | None:
    tx = [limit for purpose, _, limit in limits(charger) if purpose == "TxProfile"]
    return tx[-1] if tx else None


async def until_allocated(api: Any, amps: float) -> Any:
    """The site as shown once the chargers confirmed an allocation of `amps` in total."""
    for _ in range(100):
        shown = (await api.get("/API/Sites/depot")).json()
        if shown["allocatedA"] == amps:
            return shown
        await asyncio.sleep(0.05)
    raise AssertionError(f"allocated {shown['allocatedA']} A, not {amps} A")


async def test_sessions_share_the_site_limit(server: RunningServer, protocol: str) -> None:
    await server.add_charge_point("CP1")
    await server.add_charge_point("CP2")
    await server.add_tag("TAG1")
    await server.add_tag("TAG2")
    async with contextlib.AsyncExitStack() as stack:
        one = await stack.enter_async_context(connected(server, "CP1", protocol))
        two = await stack.enter_async_context(connected(server, "CP2", protocol))
        api = await stack.enter_async_context(server.api())
        site = {
            "id": "depot",
            "name": "Depot",
            "maxCurrentA": 20,
            "chargePoints": ["CP1", {"chargePointId": "CP2"}],
        }
        created = await api.post("/API/Sites", json=site)
        assert created.status_code == 201, created.text
        # Every charger of the site carries the fallback default (0 A: wait for an allocation).
        for charger in (one, two):
            await server.wait_for(lambda c=charger: ("TxDefaultProfile", 0, 0) in limits(c))

        tx1 = await start_transaction(one, 1, "TAG1")
        await server.wait_for(lambda: last_limit(one) == 20)
        wire = one.rec.last("SetChargingProfile")
        profile = wire.get("cs_charging_profiles") or wire["charging_profile"]
        assert profile["transaction_id"] == tx1

        tx2 = await start_transaction(two, 1, "TAG2")
        await server.wait_for(lambda: last_limit(one) == 10 and last_limit(two) == 10)
        shown = await until_allocated(api, 20)
        assert shown["limitA"] == 20
        assert [m["allocatedA"] for m in shown["chargePoints"]] == [10, 10]
        assert shown["chargePoints"][0]["connectors"][0]["connectorId"] == 1

        # The site limit changes: lowered at once.
        lower = await api.put("/API/Sites/depot", json={**site, "maxCurrentA": 14})
        assert lower.status_code == 200, lower.text
        await server.wait_for(lambda: last_limit(one) == 7 and last_limit(two) == 7)

        # A session ends: its share is handed on.
        await stop_transaction(one, tx1)
        await server.wait_for(lambda: last_limit(two) == 14)
        await until_allocated(api, 14)

        if not is16(two):
            # 2.x: the EV's needs are answered Accepted and bound its share; an external limit lowers it.
            needs = await two.call(
                call201.NotifyEVChargingNeeds(
                    evse_id=1,
                    charging_needs={
                        "requested_energy_transfer": "AC_three_phase",
                        "ac_charging_parameters": {
                            "energy_amount": 20000,
                            "ev_min_current": 6,
                            "ev_max_current": 12,
                            "ev_max_voltage": 400,
                        },
                    },
                )
            )
            assert needs.status == "Accepted"
            await server.wait_for(lambda: last_limit(two) == 12)
            await two.call(
                call201.NotifyChargingLimit(
                    charging_limit={"charging_limit_source": "EMS"},
                    evse_id=1,
                    charging_schedule=[
                        {
                            "id": 1,
                            "charging_rate_unit": "A",
                            "charging_schedule_period": [{"start_period": 0, "limit": 8}],
                        }
                    ],
                )
            )
            await server.wait_for(lambda: last_limit(two) == 8)
            await two.call(call201.ClearedChargingLimit(charging_limit_source="EMS", evse_id=1))
            await server.wait_for(lambda: last_limit(two) == 12)
        del tx2


async def test_site_resource_errors(server: RunningServer) -> None:
    await server.add_charge_point("CP1")
    async with server.api() as api:
        site = {"id": "s1", "maxPowerKw": 22, "chargePoints": ["CP1"]}
        assert (await api.post("/API/Sites", json=site)).status_code == 201
        assert (await api.post("/API/Sites", json=site)).status_code == 409
        other = await api.post("/API/Sites", json={**site, "id": "s2"})
        assert other.status_code == 409 and "already belongs" in other.json()["detail"]
        both = await api.post("/API/Sites", json={**site, "id": "s3", "maxCurrentA": 16})
        assert both.status_code == 422 and "maxCurrentA" in both.text
        bad_window = {
            **site,
            "id": "s4",
            "chargePoints": [],
            "limitSchedule": [{"from": "17:00", "until": "25:00", "maxCurrentA": 5}],
        }
        assert (await api.post("/API/Sites", json=bad_window)).status_code == 422
        shown = (await api.get("/API/Sites/s1")).json()
        assert shown["limitA"] == pytest.approx(22000 / 690, abs=0.1)  # 22 kW on 3 × 230 V
        assert shown["chargePoints"][0] == {
            "chargePointId": "CP1",
            "online": False,
            "allocatedA": 0,
            "connectors": [],
        }
        assert [s["id"] for s in (await api.get("/API/Sites")).json()] == ["s1"]
        assert (
            await api.put("/API/Sites/s9", json={**site, "id": "s9", "chargePoints": []})
        ).status_code == 404
        assert (await api.put("/API/Sites/s1", json={**site, "id": "other"})).status_code == 400
        assert (await api.delete("/API/Sites/s1")).status_code == 204
        assert (await api.get("/API/Sites/s1")).status_code == 404
        assert (await api.delete("/API/Sites/s1")).status_code == 404
        # its charger is free for another site now
        assert (await api.post("/API/Sites", json={**site, "id": "s2"})).status_code == 201


async def test_an_offline_charger_keeps_its_share_counted(server: RunningServer) -> None:
    """A charger that dropped off keeps what it last accepted; nobody gets its share meanwhile."""
    for cp in ("CP1", "CP2"):
        await server.add_charge_point(cp)
    await server.add_tag("TAG1")
    site = {"id": "depot", "maxCurrentA": 20, "chargePoints": ["CP1", "CP2"]}
    async with connected(server, "CP2") as two, server.api() as api:
        assert (await api.post("/API/Sites", json=site)).status_code == 201
        async with connected(server, "CP1") as one:
            await start_transaction(one, 1, "TAG1")
            await start_transaction(two, 1, "TAG1")
            await server.wait_for(lambda: last_limit(one) == 10 and last_limit(two) == 10)
            await until_allocated(api, 20)
        await server.wait_for(lambda: "CP1" not in server.services.registry)
        await asyncio.sleep(0.3)  # the re-allocation the disconnection caused
        shown = (await api.get("/API/Sites/depot")).json()
        assert [m["online"] for m in shown["chargePoints"]] == [False, True]
        assert last_limit(two) == 10  # CP1 may still draw its 10 A
        assert shown["allocatedA"] == 20
