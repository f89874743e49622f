"""The console's Security page (security events filtered by charger, type and time, paged; issued
certificates expiring within the window highlighted) and the charger page's profile and certificates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import expect
from sqlalchemy import insert

from chargegrid.store.models import ChargePoint
from chargegrid.store.security_models import IssuedCertificate, SecurityEvent
from tests.support.server import RunningServer
from tests.ui.conftest import VIEWER, VIEWER_PASSWORD
from tests.ui.helpers import login

pytestmark = pytest.mark.asyncio(loop_scope="module")

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, the tab's zone


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def secured(shared_server: RunningServer) -> RunningServer:
    now = datetime.now(UTC)
    async with shared_server.services.db.begin() as db:
        await db.execute(
            insert(ChargePoint),
            [
                {"id": "SEC-1", "registration_status": "Accepted", "security_profile": 1,
                 "security_profile_pending": 2, "password_hash": "x"},
                {"id": "SEC-2", "registration_status": "Accepted", "security_profile": 3},
            ],
        )  # fmt: skip
        await db.execute(
            insert(SecurityEvent),
            [
                {
                    "charge_point_id": "SEC-1" if n % 3 else "SEC-2",
                    "timestamp": T0 + timedelta(minutes=n),
                    "type": "FailedToAuthenticate" if n % 2 else "SettingSystemTime",
                    "tech_info": f"e{n}",
                    "origin": "csms" if n % 2 else "charger",
                    "critical": n % 2 == 1,
                }
                for n in range(90)
            ],
        )
        await db.execute(
            insert(IssuedCertificate),
            [
                {
                    "charge_point_id": "SEC-1",
                    "serial": serial,
                    "subject": "CN=SEC-1",
                    "certificate_type": "ChargingStationCertificate",
                    "not_before": now - timedelta(days=10),
                    "not_after": now + timedelta(days=days),
                    "pem": "-----BEGIN CERTIFICATE-----",
                }
                for serial, days in (("5005", 5), ("3650", 300))
            ],
        )
    return shared_server


async def test_security_page_lists_filters_and_pages_events(secured: RunningServer, tab: Any) -> None:
    await login(tab, secured, VIEWER, VIEWER_PASSWORD)
    await tab.get_by_role("navigation").get_by_role("link", name="Security").click()
    await expect(tab).to_have_url(secured.http_url + "/ui/security")
    soon = tab.locator("#expiring tbody tr")
    await expect(soon).to_have_count(1)  # 5 days is within the default 30-day window, 300 days is not
    await expect(soon.first).to_contain_text("5005")
    await expect(soon.first).to_have_class("expiring")

    rows = tab.locator("#security-event-list tbody tr")
    await expect(tab.locator(".pager").first).to_contain_text("1–50 of 90")
    await expect(rows.first).to_contain_text("e89")  # newest first
    await tab.locator(".pager").first.get_by_role("link", name="Last").click()
    await expect(rows).to_have_count(40)
    await expect(rows.last).to_contain_text("e0")
    await tab.get_by_label("Charge point").select_option("SEC-1")
    await tab.get_by_label("Type").fill("FailedToAuthenticate")
    await tab.get_by_role("button", name="Show").click()
    await expect(tab.locator(".pager").first).to_contain_text("of 30")  # odd n, not a multiple of 3
    await expect(rows).to_have_count(30)
    await expect(rows.first).to_contain_text("critical")

    # A time range in the reader's zone: 09:00-09:10 Berlin = T0 .. T0+10 min, SEC-2's events only.
    await tab.goto(secured.http_url + "/ui/security?cp=SEC-2&since=2026-11-02T09:00&until=2026-11-02T09:10")
    await expect(tab.locator(".pager").first).to_contain_text("of 4")  # n = 0, 3, 6, 9
    await tab.goto(secured.http_url + "/ui/security?since=yesterday")
    await expect(tab.get_by_role("alert")).to_contain_text("'yesterday' is not a date and time")


async def test_charger_page_shows_profile_pending_raise_and_certificates(
    secured: RunningServer, tab: Any
) -> None:
    await login(tab, secured, VIEWER, VIEWER_PASSWORD)
    await tab.goto(secured.http_url + "/ui/chargepoints/SEC-1")
    await expect(tab.locator("#security-profile")).to_contain_text("1")
    await expect(tab.locator("#security-profile")).to_contain_text("raised to 2, waiting for the charger")
    certificates = tab.locator("#certificates tbody tr")
    await expect(certificates).to_have_count(2)
    await expect(tab.locator("#certificates tr.expiring")).to_contain_text("5005")
    await tab.goto(secured.http_url + "/ui/chargepoints/SEC-2")
    await expect(tab.locator("#security-profile")).to_have_text("3")
    await expect(tab.locator("#certificates")).to_contain_text("No certificates issued to this charger.")
