"""The Sites page (limit, allocation per charger and connector, measured draw) and each connector's
active limit on the charge point page — with a real 1.6 charger under load management."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.ui.conftest import VIEWER, VIEWER_PASSWORD
from tests.ui.helpers import login, meter, start_tx, status

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_sites_page_and_active_limits(shared_server: RunningServer, tab: Any) -> None:
    srv = shared_server
    await srv.add_charge_point("CP-SITE", name="Bay")
    await srv.add_tag("SITE-TAG")
    async with connected(srv, "CP-SITE") as charger, srv.api() as api:
        await status(charger, 1, "Available")
        await status(charger, 2, "Available")
        site = {
            "id": "yard",
            "name": "Yard",
            "maxCurrentA": 16,
            "fallbackCurrentA": 4,
            "chargePoints": ["CP-SITE"],
        }
        assert (await api.post("/API/Sites", json=site)).status_code == 201
        tx = await start_tx(charger, 1, "SITE-TAG", 1_000)
        await meter(charger, 1, tx, 2_000, 6.9, 40)  # 6900 W / (230 V × 3) = 10 A per phase

        async def allocated() -> bool:
            shown = (await api.get("/API/Sites/yard")).json()
            connectors = shown["chargePoints"][0]["connectors"]
            return bool(connectors) and connectors[0]["allocatedA"] is not None

        await srv.wait_for(allocated)
        shown = (await api.get("/API/Sites/yard")).json()
        given = shown["chargePoints"][0]["connectors"][0]["allocatedA"]

        await login(tab, srv, VIEWER, VIEWER_PASSWORD)
        await tab.get_by_role("link", name="Sites").click()
        card = tab.locator("#site-yard")
        await expect(card.locator("h2")).to_have_text("Yard")
        await expect(card.locator(".limit")).to_have_text(f"{shown['limitA']:.1f} A")
        await expect(card.locator(".measured")).to_have_text("10.0 A")
        row = card.locator("#alloc-yard-CP-SITE-1")
        await expect(row).to_contain_text(f"{given:.1f} A")
        await expect(row).to_contain_text("10.0 A")

        # The charger page: connector 1 holds the allocation, idle connector 2 the site's fallback
        # default (a station-wide profile the charger accepted).
        await row.get_by_role("link", name="CP-SITE").click()
        await expect(tab.locator("#state-1 .active-limit")).to_have_text(f"{given:.1f} A")
        await expect(tab.locator("#state-2 .active-limit")).to_have_text("4.0 A")
