"""Small steps the UI tests share: users, logging in through the form, and charger messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ocpp.v16 import call as call16

from chargegrid.domain.credentials import hash_password
from chargegrid.store import users as users_store
from tests.support.server import RunningServer

ADMIN, ADMIN_PASSWORD = "admin", "admin-password-1"


async def add_user(server: RunningServer, name: str, password: str, role: str) -> None:
    async with server.services.db.begin() as db:
        users_store.add(db, name, hash_password(password), role)


async def login(page: Any, server: RunningServer, name: str = ADMIN, password: str = ADMIN_PASSWORD) -> None:
    await page.goto(server.http_url + "/")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_load_state()


def now() -> str:
    return datetime.now(UTC).isoformat()


async def status(charger: Any, connector: int, value: str, error_code: str = "NoError") -> None:
    await charger.call(
        call16.StatusNotification(
            connector_id=connector, error_code=error_code, status=value, timestamp=now()
        )
    )


async def start_tx(charger: Any, connector: int, tag: str, meter_wh: int) -> int:
    answer = await charger.call(
        call16.StartTransaction(connector_id=connector, id_tag=tag, meter_start=meter_wh, timestamp=now())
    )
    return int(answer.transaction_id)


async def meter(charger: Any, connector: int, tx: int, energy_wh: int, power_kw: float, soc: int) -> None:
    sampled = [
        {"value": str(energy_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": str(power_kw), "measurand": "Power.Active.Import", "unit": "kW"},
        {"value": str(soc), "measurand": "SoC", "unit": "Percent"},
    ]
    await charger.call(
        call16.MeterValues(
            connector_id=connector,
            transaction_id=tx,
            meter_value=[{"timestamp": now(), "sampled_value": sampled}],
        )
    )


async def stop_tx(charger: Any, tx: int, meter_wh: int, tag: str | None = None) -> None:
    await charger.call(
        call16.StopTransaction(transaction_id=tx, meter_stop=meter_wh, timestamp=now(), id_tag=tag)
    )
