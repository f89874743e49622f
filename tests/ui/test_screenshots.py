"""Screenshots of the main pages with a demo charger charging (for the README), and the phone layout.

They go to tmp unless CHARGEGRID_UI_SCREENSHOTS names a folder (docs/screenshots to refresh the
README's pictures). Each page must render without horizontal scrolling on a phone-sized screen.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from chargegrid.store.models import MeterValue, Transaction
from tests.support.chargers import connected
from tests.support.server import RunningServer
from tests.ui.helpers import login, meter, start_tx, status


async def _history(server: RunningServer, tx: int) -> float:
    """Readings of the last 45 minutes for the running session; returns the register at the end."""
    begun = datetime.now(UTC) - timedelta(minutes=45)
    async with server.services.db.begin() as db:
        row = await db.get(Transaction, tx)
        assert row is not None
        row.start_time = begun
        energy = 5.0
        for minute in range(45):
            power = 11.0 if minute < 35 else 11.0 - (minute - 34) * 0.8
            energy += power / 60
            for measurand, value in (
                ("Power.Active.Import", power),
                ("Energy.Active.Import.Register", energy),
            ):
                db.add(
                    MeterValue(
                        charge_point_id="DEMO-1",
                        connector_id=1,
                        transaction_id=tx,
                        timestamp=begun + timedelta(minutes=minute),
                        measurand=measurand,
                        value=value,
                    )
                )
    return energy


async def test_main_pages_screenshots(
    ui_server: RunningServer, browser: Any, page: Any, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("CHARGEGRID_UI_SCREENSHOTS") or tmp_path)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    await ui_server.add_charge_point("DEMO-1", name="Demo charger")
    await ui_server.add_charge_point("DEMO-2", name="Car park")
    await ui_server.add_tag("FLEET", name="Fleet")
    await ui_server.add_tag("CAR-7", parent="FLEET", name="Van 7")
    start = datetime.now(UTC) - timedelta(days=2)
    async with ui_server.services.db.begin() as db:
        for hours, kwh in ((1, 18.2), (30, 7.9)):
            begin = start + timedelta(hours=hours)
            db.add(
                Transaction(
                    charge_point_id="DEMO-2",
                    connector_id=1,
                    start_tag_id="CAR-7",
                    start_time=begin,
                    meter_start=1000.0,
                    stop_time=begin + timedelta(hours=2),
                    stop_tag_id="CAR-7",
                    meter_stop=1000.0 + kwh,
                )
            )
    async with connected(ui_server, "DEMO-1") as charger, connected(ui_server, "DEMO-2") as other:
        await status(charger, 1, "Charging")
        await status(charger, 2, "Available")
        await status(other, 1, "Faulted", "GroundFailure")
        tx = await start_tx(charger, 1, "CAR-7", 5_000)
        charged = await _history(ui_server, tx)  # 45 minutes of readings, so the charts have a shape
        await meter(charger, 1, tx, round(charged * 1000) + 40, 2.4, 81)
        await login(page, ui_server)
        await expect(page.locator("[data-tile='Demo charger:1']")).to_contain_text("Charging")
        pages = {
            "overview": "/",
            "charge-point": "/ui/chargepoints/DEMO-1",
            "transaction": f"/ui/transactions/{tx}",
            "transactions": "/ui/transactions",
            "report": "/ui/report",
            "tags": "/ui/tags",
            "messages": "/ui/messages",
            "users": "/ui/users",
        }
        await ui_server.services.edge.message_log.flush()
        for name, path in pages.items():
            await page.goto(ui_server.http_url + path)
            await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

        phone = await browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        await phone.add_cookies(await page.context.cookies())
        mobile = await phone.new_page()
        for path in ("/", "/ui/chargepoints/DEMO-1", f"/ui/transactions/{tx}", "/ui/messages", "/ui/users"):
            await mobile.goto(ui_server.http_url + path)
            overflow = await mobile.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow}px"
        await mobile.goto(ui_server.http_url + "/")
        await mobile.screenshot(path=str(folder / "overview-phone.png"), full_page=True)
        await mobile.goto(ui_server.http_url + "/ui/chargepoints/DEMO-1")
        await mobile.screenshot(path=str(folder / "charge-point-phone.png"))
        await phone.close()

        german = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
        await german.add_cookies(await page.context.cookies())
        deutsch = await german.new_page()
        await deutsch.goto(ui_server.http_url + "/")
        await expect(deutsch.locator("h1")).to_have_text("Übersicht")
        await deutsch.screenshot(path=str(folder / "overview-de.png"), full_page=True)
        await german.close()
    for name in [*pages, "overview-phone", "charge-point-phone", "overview-de"]:
        assert (folder / f"{name}.png").stat().st_size > 5_000
