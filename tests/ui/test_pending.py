"""Pending stations: accepting one lets it boot Accepted; rejecting one refuses it."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from chargegrid.store.models import ChargePoint
from tests.support.chargers import connected
from tests.ui.helpers import ADMIN, ADMIN_PASSWORD, add_user, login


async def test_accept_and_reject_pending_stations(server_factory: Any, page: Any) -> None:
    async with server_factory(unknown_chargers="pending") as srv:
        await add_user(srv, ADMIN, ADMIN_PASSWORD, "admin")
        async with (
            connected(srv, "NEW-A", boot=False) as newcomer,
            connected(srv, "NEW-B", boot=False) as other,
        ):
            assert (await newcomer.boot(vendor="Newco")).status == "Pending"
            assert (await other.boot()).status == "Pending"
            await login(page, srv)
            await page.get_by_role("link", name="Pending", exact=True).click()
            row = page.locator("tr", has_text="NEW-A")
            await expect(row).to_contain_text("Newco")
            await row.get_by_role("button", name="Accept").click()
            await expect(page.locator(".flash.ok")).to_contain_text("NEW-A accepted")
            # It is asked to boot again at once, and is Accepted now.
            assert newcomer.rec.last("TriggerMessage") == {"requested_message": "BootNotification"}
            assert (await newcomer.boot()).status == "Accepted"
            await page.locator("tr", has_text="NEW-B").get_by_role("button", name="Reject").click()
            await expect(page.locator(".flash.ok")).to_contain_text("NEW-B rejected")
            assert (await other.boot()).status == "Rejected"
            await expect(page.locator("tbody")).to_contain_text("No station is waiting.")
        async with srv.services.db() as db:
            accepted = await db.get(ChargePoint, "NEW-A")
            assert accepted is not None and accepted.registration_status == "Accepted"
