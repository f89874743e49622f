"""Creating, editing and deleting charge tags and charge points through the forms."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from chargegrid.domain.credentials import verify_password
from chargegrid.store.models import ChargePoint, ChargeTag
from tests.support.server import RunningServer
from tests.ui.helpers import login


async def test_create_edit_delete_a_tag(ui_server: RunningServer, page: Any) -> None:
    await login(page, ui_server)
    await page.get_by_role("link", name="Charge tags").click()
    await page.get_by_role("link", name="New tag").click()
    await page.get_by_label("Tag id").fill("RFID-42")
    await page.get_by_label("Name").fill("Fleet car 42")
    await page.get_by_label("Group (parent tag)").fill("FLEET")
    await page.get_by_role("button", name="Create").click()
    await expect(page.locator("table")).to_contain_text("Fleet car 42")

    # Duplicate ids (in any case) are refused with a message, and nothing changes.
    await page.goto(ui_server.http_url + "/ui/tags/new")
    await page.get_by_label("Tag id").fill("rfid-42")
    await page.get_by_role("button", name="Create").click()
    await expect(page.locator(".flash.bad")).to_contain_text("already exists")

    await page.goto(ui_server.http_url + "/ui/tags?q=fleet")
    await page.get_by_role("link", name="RFID-42").click()
    await page.get_by_label("Name").fill("Fleet car 42 (spare)")
    await page.get_by_label("Expiry (UTC)").fill("2031-06-30T12:00")
    await page.get_by_label("Blocked").check()
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator("table")).to_contain_text("blocked")
    async with ui_server.services.db() as db:
        tag = await db.get(ChargeTag, "RFID-42")
        assert tag is not None and tag.name == "Fleet car 42 (spare)" and tag.blocked
        assert tag.parent_tag_id == "FLEET" and tag.expiry is not None and tag.expiry.year == 2031

    await page.get_by_role("link", name="RFID-42").click()
    await page.get_by_role("link", name="Delete…").click()
    await expect(page.locator("main form")).to_contain_text("Delete charge tag RFID-42?")
    await page.get_by_role("button", name="Delete").click()
    await expect(page.locator(".flash.ok")).to_contain_text("Tag RFID-42 deleted.")
    async with ui_server.services.db() as db:
        assert await db.get(ChargeTag, "RFID-42") is None


async def test_search_finds_tags_by_name(ui_server: RunningServer, page: Any) -> None:
    await ui_server.add_tag("AAA", name="Alice")
    await ui_server.add_tag("BBB", name="Bob")
    await login(page, ui_server)
    await page.goto(ui_server.http_url + "/ui/tags")
    await page.get_by_label("Search tags").fill("ali")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("tbody")).to_contain_text("AAA")
    await expect(page.locator("tbody")).not_to_contain_text("BBB")


async def test_create_edit_delete_a_charge_point(ui_server: RunningServer, page: Any) -> None:
    await login(page, ui_server)
    await page.get_by_role("link", name="Charge points").click()
    await page.get_by_role("link", name="New charge point").click()
    await page.get_by_label("Charge point id").fill("bad id")
    await page.get_by_role("button", name="Create").click()
    await expect(page.locator(".flash.bad")).to_contain_text("without spaces")

    await page.get_by_label("Charge point id").fill("CP-NEW")
    await page.get_by_label("Name").fill("Depot")
    await page.get_by_label("Comment").fill("behind the gate")
    await page.get_by_label("Password (Basic auth)").fill("charger-secret-1")
    await page.get_by_label("Price per kWh").fill("0,39")
    await page.get_by_role("button", name="Create").click()
    await expect(page.locator(".flash.ok")).to_contain_text("Saved.")
    async with ui_server.services.db() as db:
        cp = await db.get(ChargePoint, "CP-NEW")
        assert cp is not None and cp.name == "Depot" and cp.price_per_kwh == 0.39
        assert cp.password_hash and verify_password(cp.password_hash, "charger-secret-1")
        assert cp.security_profile == 1  # a password given means it must be used

    await page.get_by_label("Name", exact=True).fill("Depot north")
    await page.get_by_label("Session fee").fill("-1")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".flash.bad")).to_contain_text("Session fee cannot be negative")
    async with ui_server.services.db() as db:
        cp = await db.get(ChargePoint, "CP-NEW")
        assert cp is not None and cp.name == "Depot"  # bad input changed nothing

    await page.get_by_label("Session fee").fill("")
    await page.get_by_label("Remove the password").check()
    await page.get_by_role("button", name="Save").click()
    # Removing the password would drop the charger below its profile: refused until lowered on purpose.
    await expect(page.locator(".flash.bad")).to_contain_text("securityProfile 1 needs a password")
    await page.get_by_label("Remove the password").check()
    await page.locator("select[name=security_profile]").select_option("0")
    await page.get_by_label("Allow lowering the security profile").check()
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".flash.ok")).to_contain_text("Saved.")
    await expect(page.locator(".flash.bad")).to_contain_text("anyone who knows its id can connect")
    async with ui_server.services.db() as db:
        cp = await db.get(ChargePoint, "CP-NEW")
        assert cp is not None and cp.name == "Depot north" and cp.password_hash is None
        assert cp.security_profile == 0

    await page.get_by_role("link", name="Delete…").click()
    await page.get_by_role("button", name="Delete").click()
    await expect(page.locator("table")).not_to_contain_text("CP-NEW")
    async with ui_server.services.db() as db:
        assert await db.get(ChargePoint, "CP-NEW") is None
