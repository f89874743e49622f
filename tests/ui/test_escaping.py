"""Charger-supplied text is shown as text: no script from a charger ever runs in the browser."""

from __future__ import annotations

from typing import Any

from ocpp.v201 import call as call201
from playwright.async_api import expect

from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.ui.helpers import login

SCRIPT = "<script>window.pwned=1</script>"
IMG = "<img src=x onerror=window.pwned=2>"


async def test_charger_supplied_script_is_shown_as_text(ui_server: RunningServer, page: Any) -> None:
    await ui_server.add_charge_point("CP-EVIL", name="Evil")
    await ui_server.add_tag("TAG-X", name=IMG)
    async with connected(ui_server, "CP-EVIL", "ocpp2.0.1", boot=False) as charger:
        await charger.call(
            call201.BootNotification(
                charging_station={"vendor_name": SCRIPT, "model": "<b>bold</b>"}, reason="PowerUp"
            )
        )
        await charger.call(call201.DataTransfer(vendor_id="acme", data=SCRIPT + IMG))
        await login(page, ui_server)
        await page.goto(ui_server.http_url + "/ui/chargepoints/CP-EVIL")
        await expect(page.locator("dd.vendor")).to_have_text(SCRIPT)
        await expect(page.locator("#connector-1 select")).to_contain_text(IMG)
        await page.goto(ui_server.http_url + "/ui/chargepoints")
        await expect(page.locator("tbody")).to_contain_text(SCRIPT)
        await page.goto(ui_server.http_url + "/ui/tags")
        await expect(page.locator("tbody")).to_contain_text(IMG)
        await ui_server.services.edge.message_log.flush()
        await page.goto(ui_server.http_url + "/ui/messages?cp=CP-EVIL")
        await expect(page.locator("table.log")).to_contain_text("DataTransfer")
        await expect(page.locator("table.log")).to_contain_text("<script>window.pwned=1</script><img")
        assert await page.evaluate("window.pwned") is None
        assert await page.locator("main script, main img").count() == 0
