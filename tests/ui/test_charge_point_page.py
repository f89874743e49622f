"""Commands from the charge point page reach the charger, and its answer is shown in plain words."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.ui.helpers import login, start_tx, status


async def test_start_and_stop_a_transaction_from_the_page(ui_server: RunningServer, page: Any) -> None:
    await ui_server.add_charge_point("CP-CMD", name="Yard")
    await ui_server.add_tag("TAG-A", name="Alice")
    await ui_server.add_tag("TAG-B", name="Bob")
    async with connected(ui_server, "CP-CMD") as charger:
        await status(charger, 1, "Available")
        await login(page, ui_server)
        await page.goto(ui_server.http_url + "/ui/chargepoints/CP-CMD")
        connector = page.locator("#connector-1")
        await connector.get_by_label("Tag for connector 1").select_option("TAG-B")
        await connector.get_by_role("button", name="Start transaction").click()
        result = page.locator("#command-result")
        await expect(result).to_contain_text("Start transaction with tag TAG-B on connector 1: Accepted")
        assert charger.rec.last("RemoteStartTransaction") == {"id_tag": "TAG-B", "connector_id": 1}

        # The charger starts it; the page can stop it.
        tx = await start_tx(charger, 1, "TAG-B", 0)
        await page.reload()
        await expect(page.locator("#connector-1")).to_contain_text(f"Transaction {tx} running")
        await page.locator("#connector-1").get_by_role("button", name="Stop transaction").click()
        await expect(result).to_contain_text(f"Stop transaction {tx} on connector 1: Accepted")
        assert charger.rec.last("RemoteStopTransaction") == {"transaction_id": tx}


async def test_each_action_shows_the_chargers_answer(ui_server: RunningServer, page: Any) -> None:
    await ui_server.add_charge_point("CP-ACT")
    async with connected(ui_server, "CP-ACT") as charger:
        await status(charger, 1, "Available")
        await login(page, ui_server)
        await page.goto(ui_server.http_url + "/ui/chargepoints/CP-ACT")
        result = page.locator("#command-result")
        connector = page.locator("#connector-1")

        charger.rec.answers["Reset"] = "Rejected"
        await page.get_by_role("button", name="Reset station").click()
        await expect(result).to_contain_text(
            "Reset (Soft) on the station: Rejected — the charger did not do it."
        )
        assert charger.rec.last("Reset") == {"type": "Soft"}

        await connector.get_by_role("button", name="Unlock").click()
        await expect(result).to_contain_text("Unlock connector 1: Unlocked — the charger accepted.")

        await connector.get_by_label("Limit for connector 1").fill("16A")
        await connector.get_by_label("Limit for connector 1").press("Enter")  # Enter sets the limit
        await expect(result).to_contain_text("Set limit 16 A on connector 1: Accepted")
        profile = charger.rec.last("SetChargingProfile")["cs_charging_profiles"]
        assert profile["charging_schedule"]["charging_rate_unit"] == "A"
        assert profile["charging_schedule"]["charging_schedule_period"][0]["limit"] == 16

        await connector.get_by_label("Limit for connector 1").fill("lots")
        await connector.get_by_role("button", name="Set limit").click()
        await expect(result).to_contain_text("Limit not sent")

        await connector.get_by_role("button", name="Clear limit").click()
        await expect(result).to_contain_text("Clear limit on connector 1: Accepted")

        await connector.get_by_role("button", name="Stop transaction").click()
        await expect(result).to_contain_text("No transaction is running on connector 1")

    # Offline now: the page says so instead of failing.
    await page.locator("#connector-1").get_by_role("button", name="Unlock").click()
    await expect(result).to_contain_text("not sent, the charger is offline")


async def test_a_slow_charger_is_reported_as_timeout(server_factory: Any, page: Any) -> None:
    from tests.ui.helpers import ADMIN, ADMIN_PASSWORD, add_user

    async with server_factory(call_timeout=1) as srv:
        await add_user(srv, ADMIN, ADMIN_PASSWORD, "admin")
        await srv.add_charge_point("CP-SLOW")
        async with connected(srv, "CP-SLOW") as charger:
            charger.rec.delays["UnlockConnector"] = 3
            await login(page, srv)
            await page.goto(srv.http_url + "/ui/chargepoints/CP-SLOW")
            await page.locator("#connector-1").get_by_role("button", name="Unlock").click()
            await expect(page.locator("#command-result")).to_contain_text("Timeout")
