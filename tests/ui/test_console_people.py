"""People: the Users page, My account, role limits in the browser and over HTTP, German pages and
time zones, and `chargegrid user ...` on the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from chargegrid.domain.credentials import verify_password
from chargegrid.store import users as users_store
from chargegrid.store.models import ChargeTag
from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.ui.conftest import OPERATOR, OPERATOR_PASSWORD, VIEWER, VIEWER_PASSWORD
from tests.ui.helpers import ADMIN, ADMIN_PASSWORD, add_user, login, status

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _form_token(client: httpx.AsyncClient, path: str) -> str:
    page = (await client.get(path)).text
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


async def test_role_limits(shared_server: RunningServer) -> None:
    srv = shared_server
    await srv.add_charge_point("CP-ROLE")
    async with httpx.AsyncClient(base_url=srv.http_url) as viewer:
        token = await _form_token(viewer, "/ui/login")
        await viewer.post(
            "/ui/login", data={"name": VIEWER, "password": VIEWER_PASSWORD, "csrf_token": token}
        )
        page = await viewer.get("/ui/chargepoints/CP-ROLE")
        assert page.status_code == 200 and "Reset station" not in page.text and 'id="edit"' not in page.text
        token = await _form_token(viewer, "/ui/chargepoints/CP-ROLE")
        sent = await viewer.post(
            "/ui/chargepoints/CP-ROLE/command",
            data={"action": "reset", "connector": "0", "csrf_token": token},
        )
        assert sent.status_code == 403 and "may look but not change" in sent.text
        assert (await viewer.get("/ui/tags/new")).status_code == 403
        assert (await viewer.get("/ui/users")).status_code == 403
    async with httpx.AsyncClient(base_url=srv.http_url) as operator:
        token = await _form_token(operator, "/ui/login")
        await operator.post(
            "/ui/login", data={"name": OPERATOR, "password": OPERATOR_PASSWORD, "csrf_token": token}
        )
        page = await operator.get("/ui/chargepoints/CP-ROLE")
        assert "Reset station" in page.text and 'id="edit"' in page.text
        assert (await operator.get("/ui/tags/new")).status_code == 200
        refused = await operator.get("/ui/users")
        assert refused.status_code == 403 and "for administrators" in refused.text


async def test_admin_manages_users_in_the_browser(shared_server: RunningServer, tab: Any) -> None:
    srv = shared_server
    await login(tab, srv)
    await tab.goto(srv.http_url + "/ui/users")
    add = tab.locator("#add-user")
    await add.get_by_label("User name").fill("nina")
    await add.get_by_label("Role").select_option("operator")
    await add.get_by_label("Password", exact=True).fill("nina-password-1")
    await add.get_by_label("Password again").fill("nina-password-1")
    await add.get_by_role("button", name="Add user").click()
    await expect(tab.locator(".flash.ok")).to_contain_text("User nina added as operator.")

    row = tab.locator("tr[data-user=nina]")
    await row.get_by_label("Role of nina").select_option("viewer")
    await row.get_by_role("button", name="Change role").click()
    await expect(tab.locator(".flash.ok")).to_contain_text("nina is now viewer.")
    await row.get_by_label("New password for nina", exact=True).fill("nina-password-2")
    await row.get_by_label("New password again for nina").fill("nina-password-2")
    await row.get_by_role("button", name="Reset password").click()
    await expect(tab.locator(".flash.ok")).to_contain_text("New password set for nina.")
    async with srv.services.db() as db:
        nina = await users_store.by_name(db, "nina")
        assert (
            nina is not None
            and nina.role == "viewer"
            and verify_password(nina.password_hash, "nina-password-2")
        )

    # The last admin cannot demote itself (nobody could manage users any more).
    await tab.locator(f"tr[data-user={ADMIN}]").get_by_label(f"Role of {ADMIN}").select_option("viewer")
    await tab.locator(f"tr[data-user={ADMIN}]").get_by_role("button", name="Change role").click()
    await expect(tab.locator(".flash.bad")).to_contain_text("is the last admin")

    await tab.goto(srv.http_url + "/ui/users")
    await tab.locator("tr[data-user=nina]").get_by_role("link", name="Remove…").click()
    await tab.get_by_role("button", name="Remove").click()
    await expect(tab.locator(".flash.ok")).to_contain_text("User nina removed.")
    await expect(tab.locator("#users")).not_to_contain_text("nina")
    await tab.goto(srv.http_url + "/ui/audit?action=user.*")
    actions = await tab.locator("#audit tbody tr td:nth-child(3)").all_inner_texts()
    assert actions[:4] == ["user.delete", "user.password", "user.role", "user.create"], actions


async def test_change_my_password_and_preferences(shared_server: RunningServer, tab: Any) -> None:
    srv = shared_server
    await add_user(srv, "paula", "paula-password-1", "viewer")
    await login(tab, srv, "paula", "paula-password-1")
    await tab.get_by_role("link", name="paula (viewer)").click()
    form = tab.locator("#my-password")
    await form.get_by_label("Current password").fill("wrong-password")
    await form.get_by_label("New password", exact=True).fill("paula-password-2")
    await form.get_by_label("New password again").fill("paula-password-2")
    await form.get_by_role("button", name="Change password").click()
    await expect(tab.locator(".flash.bad")).to_contain_text("current password is not right")
    await form.get_by_label("Current password").fill("paula-password-1")
    await form.get_by_label("New password", exact=True).fill("paula-password-2")
    await form.get_by_label("New password again").fill("paula-password-2")
    await form.get_by_role("button", name="Change password").click()
    await expect(tab.locator(".flash.ok")).to_contain_text("Your password is changed.")

    # German and New York time, whatever the browser says (it says English, Berlin).
    prefs = tab.locator("#preferences")
    await prefs.get_by_label("Language").select_option("de")
    await prefs.get_by_label("Time zone").select_option("America/New_York")
    await prefs.get_by_role("button", name="Save").click()
    await expect(tab.locator(".flash.ok")).to_have_text("Gespeichert.")
    await expect(tab.locator("#preferences")).to_contain_text("America/New_York")
    await tab.goto(srv.http_url + "/ui/chargepoints")
    await expect(tab.locator("h1")).to_have_text("Ladepunkte")
    await expect(tab.locator("html")).to_have_attribute("lang", "de")


async def test_german_from_the_browser_and_times_in_its_zone(
    shared_server: RunningServer, shared_browser: Any
) -> None:
    srv = shared_server
    await srv.add_charge_point("CP-DE", name="Hof", last_heartbeat=None)
    context = await shared_browser.new_context(locale="de-DE", timezone_id="Asia/Kolkata")
    try:
        tab = await context.new_page()
        await tab.goto(srv.http_url + "/ui/login")
        await expect(tab.get_by_role("button", name="Anmelden")).to_be_visible()
        await tab.get_by_label("Benutzername").fill(ADMIN)
        await tab.get_by_label("Passwort").fill(ADMIN_PASSWORD)
        await tab.get_by_role("button", name="Anmelden").click()
        await expect(tab.locator("h1")).to_have_text("Übersicht")
        await expect(tab.locator("nav")).to_contain_text("Ladevorgänge")
        async with connected(srv, "CP-DE") as charger:
            await status(charger, 1, "SuspendedEV")
            await tab.goto(srv.http_url + "/?q=CP-DE")
            await expect(tab.locator("[data-tile=Hof] .ocpp")).to_have_text("Vom Auto pausiert")
            await expect(tab.locator("[data-count=charging]")).to_contain_text("lädt")
            await tab.goto(srv.http_url + "/ui/chargepoints/CP-DE")
            await tab.locator("#connector-1").get_by_role("button", name="Entriegeln").click()
            await expect(tab.locator("#command-result")).to_have_text(
                "Anschluss 1 entriegeln: Unlocked — die Station hat angenommen."
            )
        await tab.goto(srv.http_url + "/ui/chargepoints/CP-DE")
        await expect(tab.locator("#status h2")).to_have_text("Status")
        await expect(tab.locator("#sessions h2")).to_have_text("Verlauf der Ladevorgänge")
        await tab.goto(srv.http_url + "/ui/chargepoints/new")
        await tab.get_by_label("Ladepunkt-ID").fill("bad id")
        await tab.get_by_role("button", name="Anlegen").click()
        await expect(tab.locator(".flash.bad")).to_contain_text("Die Ladepunkt-ID muss")
        await tab.goto(srv.http_url + "/ui/account")
        await expect(tab.locator("#preferences")).to_contain_text("Asia/Kolkata")
        await tab.goto(srv.http_url + "/ui/users")
        await expect(tab.locator("main")).to_contain_text("Rollen:")
    finally:
        await context.close()


async def test_favicon_is_served(shared_server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=shared_server.http_url) as client:
        icon = await client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")


async def test_tag_expiry_is_entered_in_the_readers_zone(shared_server: RunningServer, tab: Any) -> None:
    srv = shared_server
    await srv.add_tag("ZONE-TAG")
    await login(tab, srv, OPERATOR, OPERATOR_PASSWORD)
    await tab.goto(srv.http_url + "/ui/tags/ZONE-TAG")
    await tab.get_by_label("Expiry (Europe/Berlin)").fill("2031-06-30T12:00")  # summer: UTC+2
    await tab.get_by_role("button", name="Save").click()
    async with srv.services.db() as db:
        tag = await db.get(ChargeTag, "ZONE-TAG")
    assert tag is not None and tag.expiry == datetime(2031, 6, 30, 10, 0, tzinfo=UTC)
    await tab.goto(srv.http_url + "/ui/tags/ZONE-TAG")
    await expect(tab.get_by_label("Expiry (Europe/Berlin)")).to_have_value("2031-06-30T12:00")
    await tab.goto(srv.http_url + "/ui/tags?q=ZONE-TAG")
    await expect(tab.locator("#tags tbody")).to_contain_text("2031-06-30 12:00:00 CEST")


async def test_audit_page_shows_who_did_what(shared_server: RunningServer, tab: Any) -> None:
    """UI changes and commands leave audit entries; the admin sees them filtered on the Audit page."""
    srv = shared_server
    await srv.add_charge_point("CP-AUDIT")
    async with httpx.AsyncClient(base_url=srv.http_url) as operator:
        token = await _form_token(operator, "/ui/login")
        await operator.post(
            "/ui/login", data={"name": OPERATOR, "password": OPERATOR_PASSWORD, "csrf_token": token}
        )
        token = await _form_token(operator, "/ui/tags/new")
        await operator.post(
            "/ui/tags/new", data={"csrf_token": token, "tag_id": "AUDIT-TAG", "name": "Audited"}
        )
        token = await _form_token(operator, "/ui/chargepoints/CP-AUDIT")
        await operator.post(  # offline: the command still leaves its entry, with the outcome
            "/ui/chargepoints/CP-AUDIT/command",
            data={"csrf_token": token, "action": "unlock", "connector": "1"},
        )
    await login(tab, srv)
    await tab.goto(srv.http_url + f"/ui/audit?actor={OPERATOR}")
    table = tab.locator("#audit tbody")
    tag_row = table.locator("tr", has_text="charge_tag.create")
    await expect(tag_row).to_contain_text("AUDIT-TAG")
    await expect(tag_row).to_contain_text(f"{OPERATOR} (ui)")
    await expect(tag_row).to_contain_text("Audited")
    command = table.locator("tr", has_text="command.UnlockConnector")
    await expect(command).to_contain_text("CP-AUDIT")
    await expect(command).to_contain_text("Offline")
    await tab.goto(srv.http_url + "/ui/audit?action=user.*")
    await expect(table).not_to_contain_text("charge_tag.create")
    # Only admins read the log.
    async with httpx.AsyncClient(base_url=srv.http_url) as operator:
        token = await _form_token(operator, "/ui/login")
        await operator.post(
            "/ui/login", data={"name": OPERATOR, "password": OPERATOR_PASSWORD, "csrf_token": token}
        )
        assert (await operator.get("/ui/audit")).status_code == 403
