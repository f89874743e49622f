"""The overview in a real browser: a connected charger's tile follows its state without a page reload."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.ui.helpers import login, meter, start_tx, status, stop_tx


async def test_tile_turns_from_available_to_charging_and_back(ui_server: RunningServer, page: Any) -> None:
    await ui_server.add_charge_point("CP-LIVE", name="Garage")
    await ui_server.add_charge_point("CP-TWIN", name="Twin")
    await ui_server.add_tag("TAG-1")
    async with connected(ui_server, "CP-LIVE") as charger, connected(ui_server, "CP-TWIN") as twin:
        await status(charger, 1, "Available")
        await status(twin, 1, "Available")
        await status(twin, 2, "Faulted", "GroundFailure")
        await login(page, ui_server)
        garage = page.locator("[data-tile='Garage']")
        await expect(garage).to_contain_text("Available")
        await expect(garage).to_have_class("tile available")
        # Several connectors are named OCPP.Core's way, "Name:n".
        await expect(page.locator("[data-tile='Twin:1']")).to_contain_text("Available")
        await expect(page.locator("[data-tile='Twin:2']")).to_have_class("tile fault")
        await page.evaluate("window.stillTheSamePage = true")

        tx = await start_tx(charger, 1, "TAG-1", 10_000)
        await status(charger, 1, "Charging")
        await meter(charger, 1, tx, 14_500, 7.4, 63)
        await expect(garage).to_contain_text("Charging", timeout=10_000)
        await expect(garage).to_have_class("tile charging")
        await expect(garage).to_contain_text("7.4 kW")
        await expect(garage).to_contain_text("4.50 kWh")
        await expect(garage).to_contain_text("63 %")
        await expect(garage).to_contain_text("min")  # the charging duration

        await stop_tx(charger, tx, 16_000)
        await status(charger, 1, "Available")
        await expect(garage).to_contain_text("Available", timeout=10_000)
        await expect(garage).to_contain_text("6.00 kWh")  # the last session
        assert await page.evaluate("window.stillTheSamePage") is True
    await expect(garage).to_contain_text("Offline", timeout=10_000)
    await expect(garage).to_have_class("tile offline")
